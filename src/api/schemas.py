"""Request and response bodies (msgspec), with the contract's field names and rules."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Generic, Literal, TypeVar
from uuid import UUID

from msgspec import Meta, Struct, field

from domain.statuses import AttendanceStatus
from domain.users import EMAIL_PATTERN, MAX_EMAIL_LENGTH, MAX_PASSWORD_BYTES, AccountStatus, Role

T = TypeVar("T")

# zod's uuid rule, anchored (msgspec patterns are not); the email's is the domain's.
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z"

# Text PostgreSQL and bcrypt can take: no NUL character, no unpaired surrogate.
STORABLE_TEXT_PATTERN = r"^[^\x00\ud800-\udfff]*\Z"
# One line of text: storable, and no control character (C0, DEL or C1).
SEARCH_TEXT_PATTERN = r"^[^\x00-\x1f\x7f-\x9f\ud800-\udfff]*\Z"

Email = Annotated[str, Meta(pattern=EMAIL_PATTERN, max_length=MAX_EMAIL_LENGTH)]
UuidText = Annotated[str, Meta(pattern=UUID_PATTERN)]


class Success(Struct, Generic[T], kw_only=True):
    success: bool = True
    data: T


class Failure(Struct, kw_only=True):
    success: bool = False
    error: str


class SignupRole(StrEnum):
    """The assignment's two roles: an administrator never signs up."""

    TEACHER = Role.TEACHER.value
    STUDENT = Role.STUDENT.value


# A password as one is chosen (at sign-up, with a one-time link): checked by NewPassword.
Password = Annotated[str, Meta(min_length=6, pattern=STORABLE_TEXT_PATTERN)]


def require_bcrypt_length(password: str) -> None:
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise ValueError(f"password is longer than {MAX_PASSWORD_BYTES} bytes")


class NewPassword(Struct):
    """A body that chooses a password: bcrypt takes at most MAX_PASSWORD_BYTES of it."""

    password: Password

    def __post_init__(self) -> None:
        require_bcrypt_length(self.password)


# A person's name, as one is given (at sign-up, in an invitation, renaming oneself).
PersonName = Annotated[str, Meta(min_length=1, max_length=100, pattern=STORABLE_TEXT_PATTERN)]
# A one-time link's token, as a client sends it back.
LinkToken = Annotated[str, Meta(min_length=1, max_length=200)]


class SignupRequest(NewPassword, kw_only=True):
    name: PersonName
    email: Email
    role: SignupRole


class RenameRequest(Struct):
    name: PersonName


class PasswordChangeRequest(Struct, rename="camel"):
    current_password: str
    new_password: Password

    def __post_init__(self) -> None:
        require_bcrypt_length(self.new_password)


class SetPasswordRequest(NewPassword, kw_only=True):
    token: LinkToken


class PasswordResetRequest(Struct):
    email: Email


class PasswordResetAccepted(Struct):
    message: str


class PasswordLinkResponse(Struct, rename="camel"):
    link: str  # to hand to the account's owner; it works once, until expiresAt
    expires_at: str


class LoginRequest(Struct):
    email: Email
    password: str


class CreateClassRequest(Struct, rename="camel"):
    class_name: Annotated[str, Meta(min_length=1, max_length=200, pattern=STORABLE_TEXT_PATTERN)]


class AddStudentRequest(Struct, rename="camel"):
    student_id: UuidText


class StartAttendanceRequest(Struct, rename="camel"):
    class_id: UuidText


class UserResponse(Struct):
    id: UUID
    name: str
    email: str
    role: Role


class AdminUserResponse(Struct):
    """A user as an administrator sees them: with the account's status."""

    id: UUID
    name: str
    email: str
    role: Role
    status: AccountStatus


class RoleChangeRequest(Struct):
    role: Role


class TokenResponse(Struct):
    token: str


class StudentResponse(Struct):
    id: UUID
    name: str
    email: str | None  # None: hidden from students when EXPOSE_STUDENT_EMAILS is off


class ClassResponse(Struct, rename="camel"):
    id: UUID
    class_name: str
    teacher_id: UUID
    student_ids: list[UUID]


class ClassDetailsResponse(Struct, rename="camel"):
    id: UUID
    class_name: str
    teacher_id: UUID
    students: list[StudentResponse]


class MyAttendanceResponse(Struct, rename="camel"):
    class_id: UUID
    status: AttendanceStatus | None


class AttendanceStartedResponse(Struct, rename="camel"):
    class_id: UUID
    started_at: str


class StudentStatusResponse(Struct, rename="camel"):
    student_id: UUID
    status: AttendanceStatus  # as corrected, if it was
    corrected: bool


class FinishedSessionResponse(Struct, rename="camel", omit_defaults=True):
    id: UUID
    started_at: str
    ended_at: str
    present: int
    absent: int
    total: int
    attendance: list[StudentStatusResponse]
    late: int | None = None  # in a class that uses late and excused
    excused: int | None = None


class MyHistoryEntry(Struct, rename="camel"):
    session_id: UUID
    started_at: str
    ended_at: str
    status: AttendanceStatus  # as corrected, if it was
    corrected: bool


ClassName = Annotated[str, Meta(min_length=1, max_length=200, pattern=STORABLE_TEXT_PATTERN)]
ExtraStatus = Literal["late", "excused"]


class ClassChangesRequest(Struct, rename="camel"):
    class_name: ClassName | None = None
    private_marks: bool | None = None
    extra_statuses: Annotated[list[ExtraStatus], Meta(max_length=2)] | None = None
    archived: bool | None = None


class ClassSettingsResponse(Struct, rename="camel"):
    id: UUID
    class_name: str
    teacher_id: UUID
    student_ids: list[UUID]
    private_marks: bool
    statuses: list[AttendanceStatus]  # present and absent, and those the class enabled
    archived: bool


class CorrectionRequest(Struct, rename="camel"):
    student_id: UuidText
    status: AttendanceStatus
    note: Annotated[str, Meta(max_length=500, pattern=STORABLE_TEXT_PATTERN)] | None = None


class CorrectionResponse(Struct, rename="camel"):
    class_id: UUID
    session_id: UUID
    student_id: UUID
    from_status: AttendanceStatus
    to_status: AttendanceStatus
    note: str | None
    corrected_by: UUID
    corrected_at: str


class StudentReportRow(Struct, rename="camel"):
    student_id: UUID
    name: str
    email: str | None
    sessions: int  # sessions the student has a record in
    present: int
    absent: int
    late: int
    excused: int
    rate: float | None  # (present + late) / (sessions - excused); None when that is 0
    enrolled: bool  # false: taken off the class, with records in the period


class ClassReportResponse(Struct, rename="camel", kw_only=True):
    class_id: UUID
    class_name: str
    from_: str | None = field(name="from")  # the period's first day, as asked
    to: str | None  # its last day
    sessions_held: int
    students: list[StudentReportRow]


class MyClassReport(Struct, rename="camel"):
    class_id: UUID
    class_name: str
    sessions_held: int
    sessions: int
    present: int
    absent: int
    late: int
    excused: int
    rate: float | None


class CheckInRequest(Struct):
    code: Annotated[str, Meta(min_length=1, max_length=12, pattern=STORABLE_TEXT_PATTERN)]


class CheckedInResponse(Struct, rename="camel"):
    class_id: UUID
    status: AttendanceStatus


class CheckInStateResponse(Struct, rename="camel"):
    class_id: UUID
    session_id: UUID
    open: bool
    period_seconds: int
    code: str | None  # None while closed
    valid_until: str | None
    page_url: str  # the web client's check-in page for the class, to type in (PUBLIC_URL's)
    check_in_url: str | None  # that page with the code
    qr_svg: str | None  # that address as a QR code (SVG markup)


class HealthResponse(Struct):
    status: str
    database: str


class LiveResponse(Struct):
    status: str


class ReadinessResponse(Struct, rename="camel"):
    status: str
    database: str
    event_bus: str
    migrations: str


def iso_timestamp(moment: datetime) -> str:
    """As JavaScript's Date.prototype.toISOString() prints it: 2025-03-11T10:00:00.000Z."""
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"
