"""Domain errors. Each names one rule that was broken; the api decides how to say it."""


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


class StudentNotFound(DomainError):
    pass


class NoActiveSession(DomainError):
    pass


class InvalidToken(DomainError):
    pass


class ServiceUnavailable(DomainError):
    """The database cannot be reached right now; nothing was changed."""


class TooManyAttempts(DomainError):
    """Too many failed logins (or sign-ups) lately; try again later."""
