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


class UserModel(UUIDBase):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('teacher', 'student')", name="role"),
        Index("uq_users_email_lower", func.lower(text("email")), unique=True),
    )

    name: Mapped[str] = mapped_column(String)
    email: Mapped[str] = mapped_column(String)
    password: Mapped[str] = mapped_column(String)  # bcrypt hash
    role: Mapped[str] = mapped_column(String, index=True)


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
        CheckConstraint("status IN ('present', 'absent')", name="status"),
        Index("ix_attendance_class_student", "class_id", "student_id"),
    )

    class_id: Mapped[UUID] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    student_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String)
    session_id: Mapped[UUID] = mapped_column(
        ForeignKey("attendance_sessions.id", ondelete="CASCADE")
    )


class AttendanceMarkModel(UUIDBase):
    """A mark in a live session, stored the moment it is made; replaced by AttendanceModel
    rows when the session finishes."""

    __tablename__ = "attendance_marks"
    __table_args__ = (
        UniqueConstraint("session_id", "student_id", name="uq_attendance_marks_session_student"),
        CheckConstraint("status IN ('present', 'absent')", name="status"),
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


class AttemptCounterModel(DefaultBase):
    """Attempts (failed logins, sign-ups) per rule and subject in the current window."""

    __tablename__ = "attempt_counters"

    key: Mapped[str] = mapped_column(String, primary_key=True)
    hits: Mapped[int] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
