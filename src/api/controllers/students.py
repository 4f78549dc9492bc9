from litestar import get
from litestar.di import NamedDependency

from api.authentication import teacher_only
from api.openapi import failures
from api.schemas import StudentResponse, Success
from services.classes import ClassService


@get("/students", guards=[teacher_only], tags=["classes"], responses=failures(401, 403))
async def list_students(
    class_service: NamedDependency[ClassService],
) -> Success[list[StudentResponse]]:
    students = await class_service.list_students()
    return Success(data=[StudentResponse(s.id, s.name, s.email) for s in students])
