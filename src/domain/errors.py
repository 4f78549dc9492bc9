"""Domain errors. Each names one rule that was broken; the api decides how to say it."""

from domain.imports import FileLocation, FileProblem


class DomainError(Exception):
    pass


class EmailAlreadyExists(DomainError):
    pass


class InvalidCredentials(DomainError):
    pass


class UserNotFound(DomainError):
    pass


class ClassNotFound(DomainError):
    pass


class NotClassTeacher(DomainError):
    pass


class NotEnrolledInClass(DomainError):
    pass


class NotClassMember(DomainError):
    """Neither the class's teacher nor one of its students."""


class StudentNotFound(DomainError):
    pass


class NoActiveSession(DomainError):
    pass


class InvalidToken(DomainError):
    pass


class SignupRefused(DomainError):
    """The SIGNUP policy does not let this sign-up through."""


class TeacherSignupRefused(SignupRefused):
    """SIGNUP=students: teachers join by invitation."""


class SignupByInvitationOnly(SignupRefused):
    """SIGNUP=invitation: nobody signs up by themselves."""


class PasswordLoginOff(DomainError):
    """PASSWORD_LOGIN=admins: everyone else signs in with the school's provider."""


class LastAdmin(DomainError):
    """The change would leave the school without an administrator."""


class LastAdminErasure(LastAdmin):
    """Erasing that administrator would leave the school without one."""


class CannotEraseSelf(DomainError):
    """An administrator erases other people's accounts, not their own."""


class TooManyAttempts(DomainError):
    """Too many failed logins (or sign-ups) lately; try again later."""


class CheckInClosed(DomainError):
    """The live session is not taking self check-ins (never opened, or closed)."""


class WrongCheckInCode(DomainError):
    """Neither the current code nor the previous one."""


class AlreadyMarkedByTeacher(DomainError):
    """A check-in never replaces the teacher's mark."""


class StatusNotAllowed(DomainError):
    """Late or excused in a class that has not enabled it."""


class ClassArchived(DomainError):
    """An archived class starts no session."""


class SessionNotFound(DomainError):
    """No finished session of that class with that id."""


class TooManyExports(DomainError):
    """The user already has as many exports running as one may at once."""


class InvalidLink(DomainError):
    """No such one-time link for that purpose, or it was used, or it has expired."""


class LastActiveAdmin(DomainError):
    """Deactivating the account would leave the school without an active administrator."""


class AccountDeactivated(DomainError):
    """The password was right, but an administrator deactivated the account."""


class WrongPassword(DomainError):
    """A signed-in user's current password, asked for before changing it, was not theirs."""


class RoleConflict(DomainError):
    """The email belongs to an account of another role than the one it is invited as."""


class AlreadyHasAccount(DomainError):
    """An invitation of someone whose account is in use, into no class: nothing to do."""


class OnlyStudentsJoinClasses(DomainError):
    """An invitation into a class of a teacher or an administrator."""


class InviteeDeactivated(DomainError):
    """An invitation of an email whose account an administrator deactivated: an invitation
    does not reactivate it (an administrator does, first)."""


class InvitationNotAllowed(DomainError):
    """Teachers invite students into their classes; administrators invite anyone."""


class InvitationNotFound(DomainError):
    """No unused invitation link for that account."""


class ResetByEmailUnavailable(DomainError):
    """No mail server is configured, so no reset link can be emailed."""


class ImportFileRefused(DomainError):
    """An uploaded file cannot be read as a whole: nothing of it is imported. `detail` names
    what the problem concerns (the missing columns, the version found), when it helps."""

    def __init__(
        self, problem: FileProblem, location: FileLocation | None = None, detail: str = ""
    ) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.location = location or FileLocation()
        self.detail = detail


class ImportRaced(DomainError):
    """Accounts the import was making were made meanwhile by someone else (a sign-up), twice
    over: nothing was imported; the same file again takes them as they now are."""
