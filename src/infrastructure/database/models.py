"""Tables, as advanced-alchemy models. They are storage shapes only; repositories turn them
into domain entities."""

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import DefaultBase, UUIDBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.mutable import MutableList
from sqlalchemy.orm import Mapped, mapped_column

metadata = UUIDBase.metadata

# Every status a record may hold, as SQL (which of them a class allows is the domain's rule).
STATUSES = "('present', 'absent', 'late', 'excused')"


class UserModel(UUIDBase):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('teacher', 'student', 'admin')", name="role"),
        Index("uq_users_email_lower", func.lower(text("email")), unique=True),
    )

    name: Mapped[str] = mapped_column(String)
    email: Mapped[str] = mapped_column(String)
    password: Mapped[str] = mapped_column(String)  # bcrypt hash
    role: Mapped[str] = mapped_column(String, index=True)
    # Set by an administrator: no login, no token works; the account's records stay.
    deactivated_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), nullable=True
    )
    # The account's tokens issued before this are refused (a password change, a deactivation,
    # a role change). Indexed for the processes catching up after the event bus was away.
    tokens_valid_from: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), nullable=True, index=True
    )
    # When an administrator erased the account (name and email replaced, password unusable);
    # its records stay, naming nobody. An erased account is no user to the service.
    erased_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)


class ClassModel(UUIDBase):
    __tablename__ = "classes"
    __table_args__ = (
        # Finds a student's classes (student_ids @> ARRAY[id]).
        Index("ix_classes_student_ids", "student_ids", postgresql_using="gin"),
    )

    class_name: Mapped[str] = mapped_column(String)
    teacher_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"), index=True)
    student_ids: Mapped[list[UUID]] = mapped_column(
        MutableList.as_mutable(ARRAY(PG_UUID(as_uuid=True))),
        default=list,
        server_default=text("'{}'"),
    )
    # The number of the class's latest live broadcast: every process numbers them alike.
    live_seq: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    # Students hear only their own marks (the teacher hears every one).
    private_marks: Mapped[bool] = mapped_column(server_default=text("false"))
    # Statuses beyond present and absent the class allows: late, excused.
    extra_statuses: Mapped[list[str]] = mapped_column(
        ARRAY(String), default=list, server_default=text("'{}'")
    )
    # Hidden from lists, its records kept; no new sessions.
    archived: Mapped[bool] = mapped_column(server_default=text("false"))


class AttendanceSessionModel(UUIDBase):
    __tablename__ = "attendance_sessions"
    __table_args__ = (
        # At most one unfinished session per class.
        Index(
            "uq_attendance_sessions_active_class",
            "class_id",
            unique=True,
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index("ix_attendance_sessions_class_ended", "class_id", "ended_at"),
    )

    class_id: Mapped[UUID] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    check_in_open: Mapped[bool] = mapped_column(server_default=text("false"))
    # The secret the rotating check-in codes are derived from (made when check-in first opens).
    check_in_secret: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class AttendanceModel(UUIDBase):
    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "student_id", name="uq_attendance_session_student"),
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        CheckConstraint(f"corrected_status IN {STATUSES}", name="corrected_status"),
        Index("ix_attendance_class_student", "class_id", "student_id"),
    )

    class_id: Mapped[UUID] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    student_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # As the session ended; a correction never changes it (see AttendanceCorrectionModel).
    status: Mapped[str] = mapped_column(String)
    # The latest correction's status, if any: what history and reports show.
    corrected_status: Mapped[str | None] = mapped_column(String, nullable=True)
    session_id: Mapped[UUID] = mapped_column(
        ForeignKey("attendance_sessions.id", ondelete="CASCADE")
    )


class AttendanceTotalsModel(DefaultBase):
    """Per class and student: their records and how many hold each status (as corrected), over
    the class's whole history; what its report shows without a period. Kept by the database
    itself: statement-level triggers on `attendance` add what each INSERT, UPDATE or DELETE
    changed (the migration 20261207_3c9e5a7d1f20 defines them), so every writer, old code
    during a rolling upgrade and cascades included, keeps them exact. No foreign keys: every
    row derives from records that have them (a class or user deleted takes its records, and
    the triggers take them off the totals); checking them again cost a class's first DONE two
    lookups per student (+35 ms at 5,000)."""

    __tablename__ = "attendance_totals"
    # Every DONE updates a row per student: room on each page keeps the updates HOT (no index
    # entry per update; measured: the trigger's 5,000 updates 30 -> 24 ms, nearly all HOT).
    __table_args__ = {"postgresql_with": {"fillfactor": 50}}

    class_id: Mapped[UUID] = mapped_column(primary_key=True)
    student_id: Mapped[UUID] = mapped_column(primary_key=True)
    sessions: Mapped[int] = mapped_column()  # records: one per finished session attended
    present: Mapped[int] = mapped_column()
    absent: Mapped[int] = mapped_column()
    late: Mapped[int] = mapped_column()
    excused: Mapped[int] = mapped_column()


class AttendanceMarkModel(UUIDBase):
    """A mark in a live session, stored the moment it is made; replaced by AttendanceModel
    rows when the session finishes."""

    __tablename__ = "attendance_marks"
    __table_args__ = (
        UniqueConstraint("session_id", "student_id", name="uq_attendance_marks_session_student"),
        CheckConstraint(f"status IN {STATUSES}", name="status"),
    )

    session_id: Mapped[UUID] = mapped_column(
        ForeignKey("attendance_sessions.id", ondelete="CASCADE")
    )
    student_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String)
    # When the mark was last set: a process that could not hear the event bus for a while
    # sends its sockets the marks made meanwhile.
    marked_at: Mapped[datetime] = mapped_column(
        DateTimeUTC(timezone=True), server_default=func.now()
    )
    # The student checked in with the code (a teacher's mark is never replaced by one).
    checked_in: Mapped[bool] = mapped_column(server_default=text("false"))


class AttendanceCorrectionModel(UUIDBase):
    """The audit trail: one row per change of a finished session's status for one student."""

    __tablename__ = "attendance_corrections"
    __table_args__ = (
        Index("ix_attendance_corrections_class", "class_id", "corrected_at"),
        CheckConstraint(f"from_status IN {STATUSES}", name="from_status"),
        CheckConstraint(f"to_status IN {STATUSES}", name="to_status"),
    )

    class_id: Mapped[UUID] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    session_id: Mapped[UUID] = mapped_column(
        ForeignKey("attendance_sessions.id", ondelete="CASCADE")
    )
    student_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    from_status: Mapped[str] = mapped_column(String)
    to_status: Mapped[str] = mapped_column(String)
    note: Mapped[str | None] = mapped_column(String, nullable=True)
    corrected_by: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    corrected_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class AttemptCounterModel(DefaultBase):
    """Attempts (failed logins, sign-ups) per rule and subject in the current window."""

    __tablename__ = "attempt_counters"

    key: Mapped[str] = mapped_column(String, primary_key=True)
    hits: Mapped[int] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)


class AccountLinkModel(DefaultBase):
    """One-time links acting for an account (domain/account_links.py): only a digest of the
    token is kept."""

    __tablename__ = "account_links"

    digest: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    purpose: Mapped[str] = mapped_column(String)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)


class InvitationModel(DefaultBase):
    """What an invitation link is for (domain/invitations.py), beside its account link: it
    goes when the link is retired."""

    __tablename__ = "invitations"

    digest: Mapped[bytes] = mapped_column(
        ForeignKey("account_links.digest", ondelete="CASCADE"), primary_key=True
    )
    class_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("classes.id", ondelete="SET NULL"), nullable=True
    )
    invited_by: Mapped[UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    invited_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)


class OneRosterUserModel(DefaultBase):
    """Which account a OneRoster sourcedId names (docs/imports.md): a nightly sync finds it."""

    __tablename__ = "oneroster_users"

    sourced_id: Mapped[str] = mapped_column(String, primary_key=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    # When a sync deactivated the account (the SIS said inactive or gone). While the account's
    # users.deactivated_at is this very moment, the deactivation is the sync's own, and a later
    # sync that finds the person active reactivates it; one an administrator made is not.
    deactivated_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), nullable=True
    )


class OneRosterClassModel(DefaultBase):
    """Which class a OneRoster sourcedId names."""

    __tablename__ = "oneroster_classes"

    sourced_id: Mapped[str] = mapped_column(String, primary_key=True)
    class_id: Mapped[UUID] = mapped_column(
        ForeignKey("classes.id", ondelete="CASCADE"), unique=True
    )


class ExternalIdentityModel(DefaultBase):
    """Which account a provider's subject signs in to (domain/sign_in.py). Keyed by the
    issuer, not the provider's key in the settings: renaming a provider keeps its links."""

    __tablename__ = "external_identities"
    __table_args__ = (
        # One subject per issuer per account.
        UniqueConstraint("issuer", "user_id", name="uq_external_identities_issuer_user"),
    )

    issuer: Mapped[str] = mapped_column(String, primary_key=True)
    subject: Mapped[str] = mapped_column(String, primary_key=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String)  # the verified email it was linked by
    linked_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
