"""The school-wide report for administrators: every class with its teacher, its size, the
sessions held and its attendance rate; and any class's own report."""

from uuid import UUID

from domain.errors import ClassNotFound
from domain.ports import UnitOfWorkFactory
from domain.reports import ClassOverview, ReportPeriod
from services.records import ClassReport


class SchoolReportService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def overview(self, period: ReportPeriod) -> list[ClassOverview]:
        """Every class, archived ones too (marked), by name."""
        async with self._uow() as uow:
            return await uow.views.school_report(period)

    async def class_report(self, class_id: UUID, period: ReportPeriod) -> ClassReport:
        """Any class's report, as its teacher sees it."""
        async with self._uow() as uow:
            classroom = await uow.classes.get(class_id)
            if classroom is None:
                raise ClassNotFound(class_id)
            held, students = await uow.views.class_report(class_id, period)
        return ClassReport(class_id, classroom.class_name, period, held, students)
