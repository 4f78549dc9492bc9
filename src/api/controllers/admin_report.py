"""The school-wide report for administrators (every class, archived ones too) and any class's
own report, each with its CSV."""

from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream

from api.authentication import admin_only
from api.controllers.paths import class_id_from_path
from api.controllers.records import (
    FromDay,
    ToDay,
    csv_response,
    each_row,
    period_of,
    rate_percent,
    report_csv,
    report_response,
)
from api.csv_export import csv_chunks
from api.openapi import failures
from api.privacy_schemas import SchoolReportResponse, school_report_response
from api.schemas import ClassReportResponse, Success
from services.school_report import SchoolReportService

SCHOOL_REPORT_COLUMNS = (
    "class_id", "class_name", "archived", "teacher_name", "teacher_email", "students",
    "sessions_held", "records", "present", "absent", "late", "excused",
    "attendance_rate_percent",
)  # fmt: skip


class AdminReportController(Controller):
    path = "/admin"
    tags = ["admin"]
    guards = [admin_only]

    @get("/report", responses=failures(400, 401, 403))
    async def school_report(
        self,
        school_report_service: NamedDependency[SchoolReportService],
        first: FromDay = None,
        last: ToDay = None,
    ) -> Success[SchoolReportResponse]:
        """Every class, archived ones too (`archived`), by name: its teacher, how many
        students are enrolled, the sessions held in the period, its students' records in them
        counted per status, and the attendance rate ((present + late) / (records - excused))."""
        lines = await school_report_service.overview(period_of(first, last))
        return Success(data=school_report_response(lines, first, last))

    @get("/report.csv", responses=failures(400, 401, 403))
    async def school_report_csv(
        self,
        school_report_service: NamedDependency[SchoolReportService],
        first: FromDay = None,
        last: ToDay = None,
    ) -> Stream:
        """The school-wide report as CSV."""
        lines = await school_report_service.overview(period_of(first, last))
        rows: list[tuple[Any, ...]] = [
            (
                str(line.class_id), line.class_name, "true" if line.archived else "false",
                line.teacher.name, line.teacher.email or "", line.students, line.sessions_held,
                line.totals.records, line.totals.present, line.totals.absent, line.totals.late,
                line.totals.excused,
                "" if line.totals.rate is None else rate_percent(line.totals.rate),
            )
            for line in lines
        ]  # fmt: skip
        return csv_response("school-report.csv", csv_chunks(SCHOOL_REPORT_COLUMNS, each_row(rows)))

    @get("/classes/{class_id:str}/report", responses=failures(400, 401, 403, 404))
    async def class_report(
        self,
        class_id: FromPath[str],
        school_report_service: NamedDependency[SchoolReportService],
        first: FromDay = None,
        last: ToDay = None,
    ) -> Success[ClassReportResponse]:
        """Any class's report, as `GET /class/{class_id}/report` gives its teacher."""
        found = await school_report_service.class_report(
            class_id_from_path(class_id), period_of(first, last)
        )
        return Success(data=report_response(found, first, last))

    @get("/classes/{class_id:str}/report.csv", responses=failures(400, 401, 403, 404))
    async def class_report_csv(
        self,
        class_id: FromPath[str],
        school_report_service: NamedDependency[SchoolReportService],
        first: FromDay = None,
        last: ToDay = None,
    ) -> Stream:
        """That report as CSV."""
        found = await school_report_service.class_report(
            class_id_from_path(class_id), period_of(first, last)
        )
        return report_csv(found)
