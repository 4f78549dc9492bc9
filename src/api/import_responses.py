"""Import reports as the api answers them."""

from collections import Counter

from api.csv_export import csv_text
from api.import_schemas import (
    ImportLinkResponse,
    OneRosterImportResponse,
    RosterCounts,
    RosterImportResponse,
    RosterRowResponse,
    SyncPersonResponse,
    SyncRowResponse,
)
from api.import_texts import problem_text
from api.schemas import iso_timestamp
from domain.account_links import LinkPurpose, link_address
from domain.oneroster import CLASSES_FILE, ENROLLMENTS_FILE, USERS_FILE
from domain.rosters import RowOutcome
from services.import_steps import NewAccountLink
from services.oneroster_import import OneRosterReport
from services.roster_import import RosterReport

LINK_COLUMNS = ("name", "email", "link", "expires_at")


def _links(links: list[NewAccountLink], base_url: str) -> list[ImportLinkResponse]:
    return [
        ImportLinkResponse(
            user_id=link.user.id,
            name=link.user.name,
            email=link.user.email,
            link=link_address(base_url, LinkPurpose.SET_PASSWORD, link.token),
            expires_at=iso_timestamp(link.expires_at),
        )
        for link in links
    ]


def _links_csv(links: list[ImportLinkResponse]) -> str | None:
    if not links:
        return None
    return csv_text(LINK_COLUMNS, [(i.name, i.email, i.link, i.expires_at) for i in links])


def roster_response(report: RosterReport, base_url: str) -> RosterImportResponse:
    result = report.result
    target_name = report.target.class_name if report.target else None
    links = _links(report.links, base_url)
    return RosterImportResponse(
        applied=report.applied,
        counts=RosterCounts(
            created=result.count(RowOutcome.CREATED),
            enrolled=result.count(RowOutcome.ENROLLED),
            unchanged=result.count(RowOutcome.UNCHANGED),
            refused=result.count(RowOutcome.REFUSED),
        ),
        classes_created=[classroom.class_name for classroom in result.new_classes],
        ignored_columns=report.file.ignored_columns,
        rows=[
            RosterRowResponse(
                line=row.entry.line,
                name=row.entry.name,
                email=row.entry.email,
                class_name=row.entry.class_name or target_name,
                outcome=row.outcome,
                reason=row.problem.value if row.problem else None,
                message=problem_text(row.problem, row.earlier_line),
                new_class=row.new_class,
            )
            for row in result.rows
        ],
        links=links,
        links_csv=_links_csv(links),
    )


def oneroster_response(report: OneRosterReport, base_url: str) -> OneRosterImportResponse:
    result, bundle = report.result, report.bundle
    files = (USERS_FILE, CLASSES_FILE, ENROLLMENTS_FILE)
    counts = {file: Counter[str]() for file in files}
    for row in result.rows:
        counts[row.file][row.outcome.value] += 1
    links = _links(report.links, base_url)
    return OneRosterImportResponse(
        applied=report.applied,
        version=bundle.version,
        modes={file: bundle.mode(file).value for file in files},
        counts={file: dict(counted) for file, counted in counts.items()},
        deactivated=[SyncPersonResponse(u.id, u.name, u.email) for u in result.to_deactivate],
        reactivated=[SyncPersonResponse(u.id, u.name, u.email) for u in result.reactivated],
        rows=[
            SyncRowResponse(
                file=row.file,
                line=row.line,
                sourced_id=row.sourced_id,
                subject=row.subject,
                outcome=row.outcome,
                reason=row.problem.value if row.problem else None,
                message=problem_text(row.problem, row.earlier_line),
            )
            for row in result.rows
        ],
        links=links,
        links_csv=_links_csv(links),
    )
