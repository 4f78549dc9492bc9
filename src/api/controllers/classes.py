from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from api.authentication import teacher_only
from api.controllers.paths import class_id_from_path, uuid_or_none
from api.openapi import failures
from api.schemas import (
    AddStudentRequest,
    ClassChangesRequest,
    ClassDetailsResponse,
    ClassResponse,
    ClassSettingsResponse,
    CreateClassRequest,
    StudentResponse,
    Success,
)
from domain.classrooms import Classroom
from domain.statuses import AttendanceStatus
from domain.users import Identity
from services.classes import ClassChanges, ClassService


def settings_response(classroom: Classroom) -> ClassSettingsResponse:
    return ClassSettingsResponse(
        id=classroom.id,
        class_name=classroom.class_name,
        teacher_id=classroom.teacher_id,
        student_ids=list(classroom.student_ids),
        private_marks=classroom.private_marks,
        statuses=list(classroom.statuses),
        archived=classroom.archived,
    )


def class_response(classroom: Classroom) -> ClassResponse:
    return ClassResponse(
        id=classroom.id,
        class_name=classroom.class_name,
        teacher_id=classroom.teacher_id,
        student_ids=list(classroom.student_ids),
    )


class ClassController(Controller):
    path = "/class"
    tags = ["classes"]

    @get("/", responses=failures(400, 401))
    async def my_classes(
        self,
        request: Request[Identity, str, Any],
        class_service: NamedDependency[ClassService],
        include_archived: Annotated[
            bool, QueryParameter(name="includeArchived", description="Archived classes too")
        ] = False,
    ) -> Success[list[ClassResponse]]:
        """A teacher's own classes, or the classes a student is enrolled in (archived ones
        only with includeArchived=true)."""
        classes = await class_service.classes_of(request.user, include_archived)
        return Success(data=[class_response(classroom) for classroom in classes])

    @post("/", guards=[teacher_only], status_code=201, responses=failures(400, 401, 403, 413))
    async def create_class(
        self,
        request: Request[Identity, str, Any],
        data: JSONBody[CreateClassRequest],
        class_service: NamedDependency[ClassService],
    ) -> Success[ClassResponse]:
        classroom = await class_service.create_class(request.user, data.class_name)
        return Success(data=class_response(classroom))

    @post(
        "/{class_id:str}/add-student",
        guards=[teacher_only],
        status_code=200,
        responses=failures(400, 401, 403, 404, 413),
    )
    async def add_student(
        self,
        request: Request[Identity, str, Any],
        class_id: FromPath[str],
        data: JSONBody[AddStudentRequest],
        class_service: NamedDependency[ClassService],
    ) -> Success[ClassResponse]:
        classroom = await class_service.add_student(
            request.user, class_id_from_path(class_id), UUID(data.student_id)
        )
        return Success(data=class_response(classroom))

    @patch("/{class_id:str}", guards=[teacher_only], responses=failures(400, 401, 403, 404, 413))
    async def change_class(
        self,
        request: Request[Identity, str, Any],
        class_id: FromPath[str],
        data: JSONBody[ClassChangesRequest],
        class_service: NamedDependency[ClassService],
    ) -> Success[ClassSettingsResponse]:
        """Renames the class or changes its options; what is left out stays as it is.
        `privateMarks`: a student's socket hears only their own mark. `extraStatuses`: which
        of `late` and `excused` the class allows. `archived`: hidden from lists, records
        kept, no new sessions."""
        changes = ClassChanges(
            class_name=data.class_name,
            private_marks=data.private_marks,
            extra_statuses=None
            if data.extra_statuses is None
            else [AttendanceStatus(status) for status in data.extra_statuses],
            archived=data.archived,
        )
        classroom = await class_service.change_class(
            request.user, class_id_from_path(class_id), changes
        )
        return Success(data=settings_response(classroom))

    @delete(
        "/{class_id:str}/students/{student_id:str}",
        guards=[teacher_only],
        status_code=200,
        responses=failures(401, 403, 404),
    )
    async def remove_student(
        self,
        request: Request[Identity, str, Any],
        class_id: FromPath[str],
        student_id: FromPath[str],
        class_service: NamedDependency[ClassService],
    ) -> Success[ClassResponse]:
        """Takes a student off the class (their records stay); they stop hearing it at
        once."""
        classroom = await class_service.remove_student(
            request.user, class_id_from_path(class_id), uuid_or_none(student_id)
        )
        return Success(data=class_response(classroom))

    @get("/{class_id:str}", responses=failures(401, 403, 404))
    async def class_details(
        self,
        request: Request[Identity, str, Any],
        class_id: FromPath[str],
        class_service: NamedDependency[ClassService],
    ) -> Success[ClassDetailsResponse]:
        details = await class_service.class_details(request.user, class_id_from_path(class_id))
        classroom = details.classroom
        return Success(
            data=ClassDetailsResponse(
                id=classroom.id,
                class_name=classroom.class_name,
                teacher_id=classroom.teacher_id,
                students=[StudentResponse(s.id, s.name, s.email) for s in details.students],
            )
        )
