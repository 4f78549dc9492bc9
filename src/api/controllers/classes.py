from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.authentication import teacher_only
from api.controllers.paths import class_id_from_path
from api.openapi import failures
from api.schemas import (
    AddStudentRequest,
    ClassDetailsResponse,
    ClassOptionsRequest,
    ClassOptionsResponse,
    ClassResponse,
    CreateClassRequest,
    StudentResponse,
    Success,
)
from domain.classrooms import Classroom
from domain.users import Identity
from services.classes import ClassService


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

    @get("/", responses=failures(401))
    async def my_classes(
        self, request: Request[Identity, str, Any], class_service: NamedDependency[ClassService]
    ) -> Success[list[ClassResponse]]:
        """A teacher's own classes, or the classes a student is enrolled in."""
        classes = await class_service.classes_of(request.user)
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
    async def change_options(
        self,
        request: Request[Identity, str, Any],
        class_id: FromPath[str],
        data: JSONBody[ClassOptionsRequest],
        class_service: NamedDependency[ClassService],
    ) -> Success[ClassOptionsResponse]:
        """Changes the class's options; those left out stay as they are. `privateMarks`: a
        student's socket hears only their own mark (and the summaries); the teacher's, every
        mark."""
        classroom = await class_service.change_options(
            request.user, class_id_from_path(class_id), private_marks=data.private_marks
        )
        return Success(
            data=ClassOptionsResponse(
                id=classroom.id,
                class_name=classroom.class_name,
                teacher_id=classroom.teacher_id,
                student_ids=list(classroom.student_ids),
                private_marks=classroom.private_marks,
            )
        )

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
