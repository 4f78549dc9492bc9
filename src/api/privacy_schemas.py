"""Response bodies of the administrators' privacy and school-report routes, and how each is
made from what the services answer."""

from datetime import date, datetime
from uuid import UUID

from msgspec import Struct, field

from api.controllers.records import correction_response
from api.schemas import CorrectionResponse, iso_timestamp
from domain.account_links import LinkPurpose
from domain.privacy import Erasure, PersonalData
from domain.reports import ClassOverview
from domain.statuses import AttendanceStatus
from domain.users import Role


class ExportedAccount(Struct, rename="camel"):
    id: UUID
    name: str
    email: str
    role: Role
    password_set: bool  # the hash itself is never exported
    erased_at: str | None
    deactivated_at: str | None
    tokens_valid_from: str | None  # the account's tokens issued before were revoked


class ExportedClass(Struct, rename="camel"):
    id: UUID
    class_name: str
    teacher_id: UUID
    archived: bool
    students: int  # how many are enrolled


class ExportedRecord(Struct, rename="camel"):
    session_id: UUID
    class_id: UUID
    class_name: str
    started_at: str
    ended_at: str
    status: AttendanceStatus
    original_status: AttendanceStatus


class ExportedSession(Struct, rename="camel"):
    session_id: UUID
    class_id: UUID
    started_at: str
    ended_at: str | None


class ExportedMark(Struct, rename="camel"):
    session_id: UUID
    class_id: UUID
    status: AttendanceStatus
    checked_in: bool
    marked_at: str


class ExportedLink(Struct, rename="camel"):
    purpose: LinkPurpose
    expires_at: str
    used_at: str | None
    invited_to: UUID | None  # an invitation's class
    invited_by: UUID | None


class ExportedCounter(Struct, rename="camel"):
    key: str
    hits: int
    expires_at: str


class PersonalDataResponse(Struct, rename="camel", kw_only=True):
    exported_at: str
    account: ExportedAccount
    classes_taught: list[ExportedClass]
    classes_enrolled: list[ExportedClass]
    attendance: list[ExportedRecord]
    sessions_held: list[ExportedSession]
    live_marks: list[ExportedMark]
    corrections_about: list[CorrectionResponse]
    corrections_made: list[CorrectionResponse]
    account_links: list[ExportedLink]
    attempt_counters: list[ExportedCounter]
    sourced_ids: list[str]


class ErasureResponse(Struct, rename="camel"):
    id: UUID
    erased_at: str


class SchoolReportRow(Struct, rename="camel"):
    class_id: UUID
    class_name: str
    archived: bool
    teacher_id: UUID
    teacher_name: str
    teacher_email: str
    students: int  # enrolled now
    sessions_held: int  # finished sessions that started in the period
    records: int  # students' records in them
    present: int
    absent: int
    late: int
    excused: int
    rate: float | None  # (present + late) / (records - excused); None when that is 0


class SchoolReportResponse(Struct, rename="camel", kw_only=True):
    from_: str | None = field(name="from")
    to: str | None
    classes: list[SchoolReportRow]


def _moment(value: datetime | None) -> str | None:
    return iso_timestamp(value) if value is not None else None


def personal_data_response(data: PersonalData, exported_at: str) -> PersonalDataResponse:
    account = data.account
    classes = [
        [ExportedClass(c.id, c.class_name, c.teacher_id, c.archived, c.students) for c in listed]
        for listed in (data.classes_taught, data.classes_enrolled)
    ]
    return PersonalDataResponse(
        exported_at=exported_at,
        account=ExportedAccount(
            account.id,
            account.name,
            account.email,
            account.role,
            account.password_set,
            _moment(account.erased_at),
            _moment(account.deactivated_at),
            _moment(account.tokens_valid_from),
        ),
        classes_taught=classes[0],
        classes_enrolled=classes[1],
        attendance=[
            ExportedRecord(
                r.session_id,
                r.class_id,
                r.class_name,
                iso_timestamp(r.started_at),
                iso_timestamp(r.ended_at),
                r.status,
                r.original_status,
            )
            for r in data.records
        ],
        sessions_held=[
            ExportedSession(
                s.session_id, s.class_id, iso_timestamp(s.started_at), _moment(s.ended_at)
            )
            for s in data.sessions_held
        ],
        live_marks=[
            ExportedMark(
                m.session_id, m.class_id, m.status, m.checked_in, iso_timestamp(m.marked_at)
            )
            for m in data.live_marks
        ],
        corrections_about=[correction_response(c) for c in data.corrections_about],
        corrections_made=[correction_response(c) for c in data.corrections_made],
        account_links=[
            ExportedLink(
                link.purpose,
                iso_timestamp(link.expires_at),
                _moment(link.used_at),
                link.invited_to,
                link.invited_by,
            )
            for link in data.account_links
        ],
        attempt_counters=[
            ExportedCounter(c.key, c.hits, iso_timestamp(c.expires_at))
            for c in data.attempt_counters
        ],
        sourced_ids=data.sourced_ids,
    )


def erasure_response(erasure: Erasure) -> ErasureResponse:
    return ErasureResponse(erasure.user_id, iso_timestamp(erasure.erased_at))


def school_report_row(line: ClassOverview) -> SchoolReportRow:
    totals = line.totals
    return SchoolReportRow(
        class_id=line.class_id,
        class_name=line.class_name,
        archived=line.archived,
        teacher_id=line.teacher.id,
        teacher_name=line.teacher.name,
        teacher_email=line.teacher.email or "",
        students=line.students,
        sessions_held=line.sessions_held,
        records=totals.records,
        present=totals.present,
        absent=totals.absent,
        late=totals.late,
        excused=totals.excused,
        rate=totals.rate,
    )


def school_report_response(
    lines: list[ClassOverview], first: date | None, last: date | None
) -> SchoolReportResponse:
    return SchoolReportResponse(
        from_=first.isoformat() if first else None,
        to=last.isoformat() if last else None,
        classes=[school_report_row(line) for line in lines],
    )
