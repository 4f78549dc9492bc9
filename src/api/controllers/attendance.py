from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.authentication import student_only, teacher_only
from api.controllers.paths import class_id_from_path
from api.openapi import failures
from api.schemas import (
    AttendanceStartedResponse,
    FinishedSessionResponse,
    MyAttendanceResponse,
    MyHistoryEntry,
    StartAttendanceRequest,
    StudentStatusResponse,
    Success,
    iso_timestamp,
)
from domain.users import Identity
from services.attendance import AttendanceService


@post(
    "/attendance/start",
    guards=[teacher_only],
    status_code=200,
    tags=["attendance"],
    responses=failures(400, 401, 403, 404, 409, 413),
)
async def start_attendance(
    request: Request[Identity, str, Any],
    data: JSONBody[StartAttendanceRequest],
    attendance_service: NamedDependency[AttendanceService],
) -> Success[AttendanceStartedResponse]:
    started = await attendance_service.start(request.user, UUID(data.class_id))
    return Success(
        data=AttendanceStartedResponse(
            class_id=started.class_id, started_at=iso_timestamp(started.started_at)
        )
    )


@get(
    "/class/{class_id:str}/my-attendance",
    guards=[student_only],
    tags=["attendance"],
    responses=failures(401, 403, 404),
)
async def my_attendance(
    request: Request[Identity, str, Any],
    class_id: FromPath[str],
    attendance_service: NamedDependency[AttendanceService],
) -> Success[MyAttendanceResponse]:
    class_uuid = class_id_from_path(class_id)
    status = await attendance_service.my_persisted_status(request.user, class_uuid)
    return Success(data=MyAttendanceResponse(class_id=class_uuid, status=status))


@get(
    "/class/{class_id:str}/attendance",
    guards=[teacher_only],
    tags=["attendance"],
    responses=failures(401, 403, 404),
)
async def attendance_history(
    request: Request[Identity, str, Any],
    class_id: FromPath[str],
    attendance_service: NamedDependency[AttendanceService],
) -> Success[list[FinishedSessionResponse]]:
    """The class's finished sessions, newest first, with every student's status."""
    sessions = await attendance_service.history(request.user, class_id_from_path(class_id))
    return Success(
        data=[
            FinishedSessionResponse(
                id=session.id,
                started_at=iso_timestamp(session.started_at),
                ended_at=iso_timestamp(session.ended_at),
                present=session.summary.present,
                absent=session.summary.absent,
                total=session.summary.total,
                late=session.summary.late,
                excused=session.summary.excused,
                attendance=[
                    StudentStatusResponse(record.student_id, record.status, record.corrected)
                    for record in session.records
                ],
            )
            for session in sessions
        ]
    )


@get(
    "/class/{class_id:str}/my-history",
    guards=[student_only],
    tags=["attendance"],
    responses=failures(401, 403, 404),
)
async def my_history(
    request: Request[Identity, str, Any],
    class_id: FromPath[str],
    attendance_service: NamedDependency[AttendanceService],
) -> Success[list[MyHistoryEntry]]:
    """The student's status in each finished session of the class, newest first."""
    history = await attendance_service.my_history(request.user, class_id_from_path(class_id))
    return Success(
        data=[
            MyHistoryEntry(
                session_id=session.id,
                started_at=iso_timestamp(session.started_at),
                ended_at=iso_timestamp(session.ended_at),
                status=record.status,
                corrected=record.corrected,
            )
            for session, record in history
        ]
    )
