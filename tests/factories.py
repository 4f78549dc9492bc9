"""Test data, from polyfactory."""

from typing import TypedDict
from uuid import uuid4

from polyfactory import Use
from polyfactory.factories import DataclassFactory, TypedDictFactory

from domain.attendance import AttendanceSession
from domain.classrooms import Classroom
from domain.users import User


def unique_email() -> str:
    return f"user.{uuid4().hex[:16]}@example.com"


class SignupBody(TypedDict):
    name: str
    email: str
    password: str
    role: str


class SignupBodyFactory(TypedDictFactory[SignupBody]):
    name = Use(lambda: SignupBodyFactory.__faker__.name())
    email = Use(unique_email)
    password = Use(lambda: SignupBodyFactory.__faker__.password(length=12))
    role = Use(lambda: "student")


class UserFactory(DataclassFactory[User]):
    email = Use(unique_email)
    password_hash = Use(lambda: "hashed:secret")
    deactivated_at = None
    tokens_valid_from = None
    events = Use(list)


class ClassroomFactory(DataclassFactory[Classroom]):
    student_ids = Use(list)
    private_marks = False  # the assignment's behaviour unless a test turns options on
    extra_statuses = ()
    archived = False
    events = Use(list)


class AttendanceSessionFactory(DataclassFactory[AttendanceSession]):
    """A live session of a class of `roster`, marked as `marks` says (both default empty)."""

    roster = Use(frozenset)
    marks = Use(dict)
    checked_in = Use(set)
    ended_at = None
    private_marks = False
    extra_statuses = Use(frozenset)
    check_in_open = False
    check_in_secret = None
    events = Use(list)
