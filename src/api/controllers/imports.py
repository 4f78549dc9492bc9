"""Imports: a roster CSV into a teacher's class, or anywhere for an administrator, and a
OneRoster bundle for an administrator. Each file is sent as the request's body, first to
`.../preview` (nothing changes), then the same file to `.../apply`. Bodies may be as large as
IMPORT_MAX_BYTES (app.py gives these routes that limit)."""

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import FromPath

from api.authentication import admin_only, teacher_only
from api.controllers.paths import uuid_or_none
from api.import_responses import oneroster_response, roster_response
from api.import_schemas import OneRosterImportResponse, RosterImportResponse
from api.openapi import failures
from api.public_url import public_base_url
from api.schemas import Success
from domain.users import Identity
from services.oneroster_import import OneRosterImportService
from services.roster_import import RosterImportService


def _file_body(media_type: str, description: str) -> type[Operation]:
    """The OpenAPI operation of a route whose body is a file, read raw (Litestar's `data`
    would take it for JSON)."""

    @dataclass
    class FileUpload(Operation):
        def __post_init__(self) -> None:
            binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
            self.request_body = RequestBody(
                content={media_type: OpenAPIMediaType(schema=binary)},
                description=description,
                required=True,
            )

    return FileUpload


ROSTER_CSV = _file_body("text/csv", "The roster, as CSV: name,email[,class][,teacher]")
ONEROSTER_ZIP = _file_body("application/zip", "A OneRoster 1.1 or 1.2 CSV bundle (a zip)")


class ClassRosterController(Controller):
    path = "/class/{class_id:str}/roster"
    tags = ["imports"]
    guards = [teacher_only]

    @post(
        "/preview",
        status_code=200,
        responses=failures(400, 401, 403, 404, 413),
        operation_class=ROSTER_CSV,
    )
    async def preview(
        self,
        request: Request[Identity, str, Any],
        class_id: FromPath[str],
        roster_import_service: NamedDependency[RosterImportService],
        public_url: NamedDependency[str | None],
    ) -> Success[RosterImportResponse]:
        """What importing the roster into the class would do, row by row. Changes nothing."""
        body = await request.body()
        report = await roster_import_service.preview(request.user, body, uuid_or_none(class_id))
        return Success(data=roster_response(report, public_base_url(request, public_url)))

    @post(
        "/apply",
        status_code=200,
        responses=failures(400, 401, 403, 404, 409, 413),
        operation_class=ROSTER_CSV,
    )
    async def apply(
        self,
        request: Request[Identity, str, Any],
        class_id: FromPath[str],
        roster_import_service: NamedDependency[RosterImportService],
        public_url: NamedDependency[str | None],
    ) -> Success[RosterImportResponse]:
        """Imports the roster into the class, all at once: new students' accounts (with the
        links with which they choose their password) and enrolments."""
        body = await request.body()
        report = await roster_import_service.apply(request.user, body, uuid_or_none(class_id))
        return Success(data=roster_response(report, public_base_url(request, public_url)))


class AdminImportsController(Controller):
    path = "/admin"
    tags = ["imports"]
    guards = [admin_only]

    @post(
        "/roster/preview",
        status_code=200,
        responses=failures(400, 401, 403, 413),
        operation_class=ROSTER_CSV,
    )
    async def preview_roster(
        self,
        request: Request[Identity, str, Any],
        roster_import_service: NamedDependency[RosterImportService],
        public_url: NamedDependency[str | None],
    ) -> Success[RosterImportResponse]:
        """What importing the roster would do, row by row. Changes nothing."""
        report = await roster_import_service.preview(request.user, await request.body())
        return Success(data=roster_response(report, public_base_url(request, public_url)))

    @post(
        "/roster/apply",
        status_code=200,
        responses=failures(400, 401, 403, 409, 413),
        operation_class=ROSTER_CSV,
    )
    async def apply_roster(
        self,
        request: Request[Identity, str, Any],
        roster_import_service: NamedDependency[RosterImportService],
        public_url: NamedDependency[str | None],
    ) -> Success[RosterImportResponse]:
        """Imports the roster, all at once: accounts, classes made for the teachers named,
        enrolments."""
        report = await roster_import_service.apply(request.user, await request.body())
        return Success(data=roster_response(report, public_base_url(request, public_url)))

    @post(
        "/oneroster/preview",
        status_code=200,
        responses=failures(400, 401, 403, 413),
        operation_class=ONEROSTER_ZIP,
    )
    async def preview_oneroster(
        self,
        request: Request[Identity, str, Any],
        oneroster_import_service: NamedDependency[OneRosterImportService],
        public_url: NamedDependency[str | None],
    ) -> Success[OneRosterImportResponse]:
        """What syncing the OneRoster bundle would do, row by row. Changes nothing."""
        report = await oneroster_import_service.preview(await request.body())
        return Success(data=oneroster_response(report, public_base_url(request, public_url)))

    @post(
        "/oneroster/apply",
        status_code=200,
        responses=failures(400, 401, 403, 409, 413),
        operation_class=ONEROSTER_ZIP,
    )
    async def apply_oneroster(
        self,
        request: Request[Identity, str, Any],
        oneroster_import_service: NamedDependency[OneRosterImportService],
        public_url: NamedDependency[str | None],
    ) -> Success[OneRosterImportResponse]:
        """Syncs the OneRoster bundle, all at once: teachers, students, classes, enrolments."""
        report = await oneroster_import_service.apply(await request.body())
        return Success(data=oneroster_response(report, public_base_url(request, public_url)))
