"""A class's records for its teacher (corrections and their trail, the report, CSV exports)
and a student's own report."""

from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream

from api.authentication import student_only, teacher_only
from api.controllers.paths import class_id_from_path, uuid_or_none
from api.csv_export import csv_chunks, with_byte_order_mark
from api.openapi import failures
from api.schemas import (
    ClassReportResponse,
    CorrectionRequest,
    CorrectionResponse,
    MyClassReport,
    StudentReportRow,
    Success,
    iso_timestamp,
)
from domain.corrections import Correction
from domain.reports import ReportPeriod
from domain.users import Identity
from services.records import ClassReport, RecordsService

FromDay = Annotated[
    date | None,
    QueryParameter(name="from", description="Sessions started on or after this day (UTC)"),
]
ToDay = Annotated[
    date | None, QueryParameter(name="to", description="Sessions started on or before this day")
]


def period_of(first: date | None, last: date | None) -> ReportPeriod:
    try:
        return ReportPeriod.of_days(first, last)
    except ValueError:
        raise ValidationException("from is after to") from None


def correction_response(correction: Correction) -> CorrectionResponse:
    return CorrectionResponse(
        class_id=correction.class_id,
        session_id=correction.session_id,
        student_id=correction.student_id,
        from_status=correction.from_status,
        to_status=correction.to_status,
        note=correction.note,
        corrected_by=correction.corrected_by,
        corrected_at=iso_timestamp(correction.corrected_at),
    )


def rate_percent(rate: float) -> float:
    return round(100 * rate, 1)


def report_response(
    report: ClassReport, first: date | None, last: date | None
) -> ClassReportResponse:
    return ClassReportResponse(
        class_id=report.class_id,
        class_name=report.class_name,
        from_=first.isoformat() if first else None,
        to=last.isoformat() if last else None,
        sessions_held=report.sessions_held,
        students=[
            StudentReportRow(
                student_id=line.student.id,
                name=line.student.name,
                email=line.student.email,
                sessions=line.tally.sessions,
                present=line.tally.present,
                absent=line.tally.absent,
                late=line.tally.late,
                excused=line.tally.excused,
                rate=line.tally.rate,
                enrolled=line.enrolled,
            )
            for line in report.students
        ],
    )


def csv_response(filename: str, chunks: AsyncIterator[str] | AsyncIterator[bytes]) -> Stream:
    return Stream(
        chunks,
        media_type="text/csv",  # Litestar adds "; charset=utf-8"
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


async def each_row(rows: Sequence[Sequence[object]]) -> AsyncIterator[Sequence[object]]:
    for row in rows:
        yield row


REPORT_COLUMNS = (
    "student_id", "name", "email", "sessions_held", "sessions", "present", "absent", "late",
    "excused", "attendance_rate_percent", "enrolled",
)  # fmt: skip


def report_csv(report: ClassReport) -> Stream:
    """A class's report as CSV, one row per student."""
    rows = [
        (
            str(line.student.id), line.student.name, line.student.email or "",
            report.sessions_held, line.tally.sessions, line.tally.present, line.tally.absent,
            line.tally.late, line.tally.excused,
            "" if line.tally.rate is None else rate_percent(line.tally.rate),
            "true" if line.enrolled else "false",
        )
        for line in report.students
    ]  # fmt: skip
    return csv_response("report.csv", csv_chunks(REPORT_COLUMNS, each_row(rows)))


class RecordsController(Controller):
    path = "/class/{class_id:str}"
    tags = ["records"]
    guards = [teacher_only]

    @post(
        "/attendance/{session_id:str}/corrections",
        status_code=201,
        responses=failures(400, 401, 403, 404, 413),
    )
    async def correct(
        self,
        request: Request[Identity, str, Any],
        class_id: FromPath[str],
        session_id: FromPath[str],
        data: JSONBody[CorrectionRequest],
        records_service: NamedDependency[RecordsService],
    ) -> Success[CorrectionResponse]:
        """Changes one student's status in a finished session, with an optional note. The
        change is kept in the class's audit trail; history and reports show the new status
        and that it was corrected."""
        class_uuid = class_id_from_path(class_id)
        correction = await records_service.correct(
            request.user,
            class_uuid,
            uuid_or_none(session_id),
            UUID(data.student_id),
            data.status,
            data.note,
        )
        return Success(data=correction_response(correction))

    @get("/corrections", responses=failures(401, 403, 404))
    async def corrections(
        self,
        request: Request[Identity, str, Any],
        class_id: FromPath[str],
        records_service: NamedDependency[RecordsService],
    ) -> Success[list[CorrectionResponse]]:
        """The class's audit trail of corrections, newest first."""
        trail = await records_service.corrections(request.user, class_id_from_path(class_id))
        return Success(data=[correction_response(correction) for correction in trail])

    @get("/report", responses=failures(400, 401, 403, 404))
    async def report(
        self,
        request: Request[Identity, str, Any],
        class_id: FromPath[str],
        records_service: NamedDependency[RecordsService],
        first: FromDay = None,
        last: ToDay = None,
    ) -> Success[ClassReportResponse]:
        """Each enrolled student's sessions and counts per status, and the attendance rate
        ((present + late) / (sessions - excused)), over the sessions held in the period."""
        found = await records_service.class_report(
            request.user, class_id_from_path(class_id), period_of(first, last)
        )
        return Success(data=report_response(found, first, last))

    @get("/report.csv", responses=failures(400, 401, 403, 404))
    async def report_csv(
        self,
        request: Request[Identity, str, Any],
        class_id: FromPath[str],
        records_service: NamedDependency[RecordsService],
        first: FromDay = None,
        last: ToDay = None,
    ) -> Stream:
        """The report as CSV."""
        found = await records_service.class_report(
            request.user, class_id_from_path(class_id), period_of(first, last)
        )
        return report_csv(found)

    @get("/attendance.csv", responses=failures(401, 403, 404, 429))
    async def history_csv(
        self,
        request: Request[Identity, str, Any],
        class_id: FromPath[str],
        records_service: NamedDependency[RecordsService],
    ) -> Stream:
        """The class's full history as CSV: one row per finished session and student, with
        the session's times in ISO 8601 (UTC)."""
        history = await records_service.history_csv(request.user, class_id_from_path(class_id))
        return csv_response("attendance.csv", with_byte_order_mark(history))


@get("/me/report", guards=[student_only], tags=["records"], responses=failures(400, 401, 403))
async def my_report(
    request: Request[Identity, str, Any],
    records_service: NamedDependency[RecordsService],
    first: FromDay = None,
    last: ToDay = None,
) -> Success[list[MyClassReport]]:
    """The student's sessions and counts per status in each of their classes."""
    found = await records_service.my_report(request.user, period_of(first, last))
    return Success(
        data=[
            MyClassReport(
                class_id=entry.class_id,
                class_name=entry.class_name,
                sessions_held=entry.sessions_held,
                sessions=entry.tally.sessions,
                present=entry.tally.present,
                absent=entry.tally.absent,
                late=entry.tally.late,
                excused=entry.tally.excused,
                rate=entry.tally.rate,
            )
            for entry in found
        ]
    )
