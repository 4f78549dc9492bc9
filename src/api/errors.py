"""Every error the API can answer with, in the contract's words, and the handlers that put each
one into the envelope."""

import logging
from typing import Any, NamedTuple

from litestar import Request, Response
from litestar.enums import MediaType
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from api.import_texts import file_refused_text
from domain.errors import (
    AccountDeactivated,
    AlreadyHasAccount,
    AlreadyMarkedByTeacher,
    CannotEraseSelf,
    CheckInClosed,
    ClassArchived,
    ClassNotFound,
    DomainError,
    EmailAlreadyExists,
    ImportFileRefused,
    ImportRaced,
    InvalidCredentials,
    InvalidLink,
    InvalidToken,
    InvitationNotAllowed,
    InvitationNotFound,
    InviteeDeactivated,
    LastActiveAdmin,
    LastAdmin,
    LastAdminErasure,
    NoActiveSession,
    NotClassMember,
    NotClassTeacher,
    NotEnrolledInClass,
    OnlyStudentsJoinClasses,
    PasswordLoginOff,
    ResetByEmailUnavailable,
    RoleConflict,
    SessionNotFound,
    SignupByInvitationOnly,
    StatusNotAllowed,
    StudentNotFound,
    TeacherSignupRefused,
    TooManyAttempts,
    TooManyExports,
    UserNotFound,
    WrongCheckInCode,
    WrongPassword,
)
from domain.ports import Unavailable

log = logging.getLogger(__name__)

UNAUTHORIZED = "Unauthorized, token missing or invalid"
TEACHER_ACCESS_REQUIRED = "Forbidden, teacher access required"
STUDENT_ACCESS_REQUIRED = "Forbidden, student access required"
ADMIN_ACCESS_REQUIRED = "Forbidden, admin access required"
INVALID_REQUEST_SCHEMA = "Invalid request schema"
INTERNAL_SERVER_ERROR = "Internal server error"
PASSWORD_LOGIN_OFF = "Password login is for administrators; sign in with your school account"


class ErrorAnswer(NamedTuple):
    status: int
    message: str


SERVICE_UNAVAILABLE = ErrorAnswer(503, "Service unavailable")

# The status and text for each domain error (the WebSocket uses the same texts).
DOMAIN_ERRORS: dict[type[DomainError], tuple[int, str]] = {
    EmailAlreadyExists: (400, "Email already exists"),
    InvalidCredentials: (400, "Invalid email or password"),
    InvalidLink: (400, "This link is invalid, used or expired"),
    UserNotFound: (404, "User not found"),
    ClassNotFound: (404, "Class not found"),
    StudentNotFound: (404, "Student not found"),
    NotClassTeacher: (403, "Forbidden, not class teacher"),
    # The contract answers anyone outside a class with the teacher text.
    NotClassMember: (403, "Forbidden, not class teacher"),
    NotEnrolledInClass: (403, "Forbidden, not enrolled in class"),
    NoActiveSession: (409, "No active attendance session"),
    TooManyAttempts: (429, "Too many attempts, try again later"),
    TooManyExports: (429, "Too many exports at once, try again when one has finished"),
    CheckInClosed: (409, "Check-in is closed"),
    WrongCheckInCode: (400, "Wrong or expired code"),
    AlreadyMarkedByTeacher: (409, "Already marked by the teacher"),
    StatusNotAllowed: (400, "Status not enabled for this class"),
    ClassArchived: (409, "Class is archived"),
    SessionNotFound: (404, "Session not found"),
    # A token whose role its account no longer has (`GET /auth/me` checks it itself).
    InvalidToken: (401, UNAUTHORIZED),
    TeacherSignupRefused: (403, "Teachers join by invitation"),
    SignupByInvitationOnly: (403, "Sign-up is by invitation only"),
    PasswordLoginOff: (
        403,
        "Password login is for administrators; sign in with your school account",
    ),
    LastAdmin: (409, "The last admin cannot give up the admin role"),
    LastActiveAdmin: (409, "The last active admin cannot be deactivated"),
    AccountDeactivated: (403, "This account is deactivated"),
    WrongPassword: (400, "Current password is incorrect"),
    RoleConflict: (409, "This email belongs to an account with another role"),
    AlreadyHasAccount: (409, "This person has an account already"),
    InviteeDeactivated: (
        409,
        "This person's account is deactivated; an administrator reactivates it first",
    ),
    OnlyStudentsJoinClasses: (400, "Only students are invited into a class"),
    InvitationNotAllowed: (403, "Forbidden, teachers invite students into their own classes"),
    InvitationNotFound: (404, "Invitation not found"),
    LastAdminErasure: (409, "The last admin cannot be erased"),
    CannotEraseSelf: (409, "An admin cannot erase their own account"),
    ResetByEmailUnavailable: (
        503,
        "Password reset by email is not available; ask your school's administrator",
    ),
    ImportFileRefused: (400, "The file cannot be imported"),  # with its problem: see answer_for
    ImportRaced: (409, "Accounts changed during the import: nothing was imported, apply again"),
}

# Framework errors by status; 403 carries the guard's own text.
HTTP_ERRORS: dict[int, str] = {
    400: INVALID_REQUEST_SCHEMA,
    401: UNAUTHORIZED,
    404: "Not found",
    405: "Method not allowed",
    413: "Payload too large",
    429: "Too many attempts, try again later",
    500: INTERNAL_SERVER_ERROR,
    503: "Service unavailable",
}


def error_response(status_code: int, message: str) -> Response[Any]:
    # JSON whatever the route's own media type (`/metrics` answers text).
    return Response(
        {"success": False, "error": message}, status_code=status_code, media_type=MediaType.JSON
    )


def answer_for(error: DomainError | Unavailable) -> ErrorAnswer:
    """How the api says a domain error, or an unreachable database (HTTP and socket alike)."""
    if isinstance(error, Unavailable):
        return SERVICE_UNAVAILABLE
    if isinstance(error, ImportFileRefused):
        return ErrorAnswer(400, file_refused_text(error))
    for error_type in type(error).__mro__:
        if error_type in DOMAIN_ERRORS:
            return ErrorAnswer(*DOMAIN_ERRORS[error_type])
    return ErrorAnswer(HTTP_500_INTERNAL_SERVER_ERROR, INTERNAL_SERVER_ERROR)


def handle_expected_error(
    _: Request[Any, Any, Any], error: DomainError | Unavailable
) -> Response[Any]:
    return error_response(*answer_for(error))


def handle_http_exception(_: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    status = error.status_code
    # A 403 carries its guard's own text; every other status has one fixed text.
    message = error.detail if status == 403 else HTTP_ERRORS.get(status, error.detail)
    response = error_response(status, message)
    if error.headers:
        response.headers.update(error.headers)
    return response


def handle_unexpected_error(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    log.error(
        "unhandled %s on %s %s",
        type(error).__name__,
        request.method,
        request.url.path,
        exc_info=error,
    )
    return error_response(HTTP_500_INTERNAL_SERVER_ERROR, INTERNAL_SERVER_ERROR)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: handle_expected_error,
    Unavailable: handle_expected_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected_error,
}
