import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

# Passwords are hashed with bcrypt, which takes at most 72 bytes: a longer one cannot be kept.
MAX_PASSWORD_BYTES = 72
MAX_NAME_LENGTH = 100
MAX_EMAIL_LENGTH = 254

# zod's email rule (the assignment's), anchored. \Z, not $: $ also matches before a final
# newline.
EMAIL_PATTERN = (
    r"^(?!\.)(?!.*\.\.)[A-Za-z0-9_'+\-.]*[A-Za-z0-9_+\-]"  # local part
    r"@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}\Z"  # domain
)
_EMAIL = re.compile(EMAIL_PATTERN)


def is_valid_email(text: str) -> bool:
    """An email as sign-up takes it."""
    return len(text) <= MAX_EMAIL_LENGTH and _EMAIL.match(text) is not None


# The password hash of an account nobody can log in to with a password yet: made by the
# command line, an invitation or an import, it is used once its holder chose a password
# through a one-time link. No bcrypt hash looks like this, so no password matches it.
NO_PASSWORD = "!"


class Role(StrEnum):
    TEACHER = "teacher"
    STUDENT = "student"
    ADMIN = "admin"  # a school administrator: never chosen at sign-up


# The roles one may choose at sign-up (the assignment's two).
SIGNUP_ROLES = (Role.TEACHER, Role.STUDENT)


class SignupPolicy(StrEnum):
    """Who may sign up by themselves (the SIGNUP setting)."""

    OPEN = "open"  # the assignment's: teachers and students
    STUDENTS = "students"  # teachers join by invitation
    INVITATION = "invitation"  # nobody signs up by themselves


class AccountStatus(StrEnum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"  # by an administrator: no login, no token works; records kept
    INVITED = "invited"  # no password chosen yet (NO_PASSWORD), and not deactivated


class RevocationReason(StrEnum):
    """Why an account's earlier tokens stopped working (its open sockets are told)."""

    PASSWORD_CHANGED = "password changed"
    DEACTIVATED = "account deactivated"
    ROLE_CHANGED = "role changed"
    ERASED = "account erased"  # by an administrator, on the person's request (services/privacy)
    # Heard after the event bus was away, from the database, which keeps no reason.
    TOKENS_REVOKED = "tokens revoked"


class PasswordLogin(StrEnum):
    """Who may log in with a password (the PASSWORD_LOGIN setting)."""

    EVERYONE = "everyone"
    ADMINS = "admins"  # everyone else signs in with the school's provider (single sign-on)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is calling, as proven by a valid token."""

    user_id: UUID
    role: Role


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """What a valid token says: who, and when it was issued (in whole seconds, as tokens
    carry it)."""

    identity: Identity
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class TokensRevoked:
    """Every token of the account issued before `valid_from` stopped working: each server
    process forgets what it remembered of the account and closes the sockets those tokens
    opened."""

    user_id: UUID
    valid_from: datetime
    reason: RevocationReason


def tokens_valid_from(now: datetime) -> datetime:
    """When a revocation made `now` lets tokens work again: from the next whole second. A
    token says in whole seconds when it was issued, so one issued earlier in `now`'s own second
    cannot be told from one issued later in it; both are refused, and a token issued after
    the revocation is dated no earlier than this (User.token_date)."""
    return now.replace(microsecond=0) + timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class TokenStanding:
    """What decides whether a token of the account still works (each server process
    remembers it a while)."""

    role: Role
    active: bool
    tokens_valid_from: datetime | None

    def accepts(self, token: IssuedToken) -> bool:
        return (
            self.active
            and token.identity.role is self.role
            and (self.tokens_valid_from is None or token.issued_at >= self.tokens_valid_from)
        )


@dataclass(slots=True)
class User:
    id: UUID
    name: str
    email: str
    password_hash: str
    role: Role
    deactivated_at: datetime | None = None
    # Tokens issued before this no longer work (a password change, a deactivation, a role
    # change); None: every token of the account that has not expired.
    tokens_valid_from: datetime | None = None
    # What the account's changes revoked, for every server process to hear after the commit.
    events: list[TokensRevoked] = field(default_factory=list, compare=False, repr=False)

    @property
    def is_active(self) -> bool:
        return self.deactivated_at is None

    @property
    def status(self) -> AccountStatus:
        if self.deactivated_at is not None:
            return AccountStatus.DEACTIVATED
        if self.password_hash == NO_PASSWORD:
            return AccountStatus.INVITED
        return AccountStatus.ACTIVE

    @property
    def standing(self) -> TokenStanding:
        return TokenStanding(self.role, self.is_active, self.tokens_valid_from)

    def token_date(self, checked_at: datetime) -> datetime:
        """When a token issued for the account says it was issued: when the account was
        checked (read for its password, or changed), so that a login that read it just before
        a revocation is refused by it (bcrypt takes a while); and never before the account's
        last revocation, so that a token issued in that same second, after it, works."""
        if self.tokens_valid_from is not None and self.tokens_valid_from > checked_at:
            return self.tokens_valid_from
        return checked_at

    def rename(self, name: str) -> None:
        self.name = name

    def change_password(self, password_hash: str, now: datetime) -> None:
        """Every token issued before stops working (this one's holder is given a new one)."""
        self.password_hash = password_hash
        self._revoke_tokens(now, RevocationReason.PASSWORD_CHANGED)

    def change_role(self, role: Role, now: datetime) -> None:
        """Tokens of the old role stop working; the user logs in again for one of the new."""
        if role is not self.role:
            self.role = role
            self._revoke_tokens(now, RevocationReason.ROLE_CHANGED)

    def deactivate(self, now: datetime) -> None:
        """No login, no token works; what the account did stays."""
        if self.deactivated_at is None:
            self.deactivated_at = now
            self._revoke_tokens(now, RevocationReason.DEACTIVATED)

    def erase(self, now: datetime) -> None:
        """Deactivated for good and every token revoked, whatever the account's standing
        was: the person is erased (the privacy repository replaces what names them)."""
        if self.deactivated_at is None:
            self.deactivated_at = now
        self._revoke_tokens(now, RevocationReason.ERASED)

    def reactivate(self) -> None:
        """The account may log in again; its tokens from before stay revoked."""
        self.deactivated_at = None

    def _revoke_tokens(self, now: datetime, reason: RevocationReason) -> None:
        valid_from = tokens_valid_from(now)
        if self.tokens_valid_from is not None and self.tokens_valid_from >= valid_from:
            # A second revocation in the same second: the tokens issued since the first are
            # dated from its valid_from (token_date), so this one starts a second later.
            valid_from = self.tokens_valid_from + timedelta(seconds=1)
        self.tokens_valid_from = valid_from
        self.events.append(TokensRevoked(self.id, self.tokens_valid_from, reason))


@dataclass(frozen=True, slots=True)
class UserSummary:
    """What one user may see of another: no password hash, no role, and the email only where
    the deployment lets them see it (None otherwise)."""

    id: UUID
    name: str
    email: str | None


@dataclass(frozen=True, slots=True)
class UserQuery:
    """Which users an administrator lists: of one role (or any), whose name or email starts
    with `search` (any letter case), of one status (or any), ordered by name, a page of
    `limit` from `offset`."""

    role: Role | None = None
    search: str | None = None
    limit: int = 50
    offset: int = 0
    status: AccountStatus | None = None
