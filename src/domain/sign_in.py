"""Single sign-on with a school's OpenID Connect providers (Google, Microsoft, a district's
own): who a provider says someone is, and the rules that match them to an account here."""

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import DomainError
from domain.users import User


@dataclass(frozen=True, slots=True)
class SignInProvider:
    key: str  # names it in the routes: /auth/oidc/<key>/start
    name: str  # "Sign in with <name>"
    # When not empty, only verified emails of these domains link to an account.
    allowed_domains: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ExternalIdentity:
    """Who a provider says signed in, from an ID token already checked (signature, issuer,
    audience, expiry, nonce)."""

    issuer: str  # the provider's configured issuer: with the subject, who this is for good
    subject: str
    email: str | None
    # The provider vouches for the email (its documented claim: `email_verified`, or Microsoft
    # Entra ID's `xms_edov`); an unverified email never links to an account.
    email_verified: bool
    name: str | None = None
    hosted_domain: str | None = None  # Google Workspace's `hd`: the account's organisation


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """What a sign-in started in one browser must find again when the provider sends that
    browser back: which provider, and the secrets of the request (kept in the browser,
    sealed, until then)."""

    provider: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True, slots=True)
class SignInCallback:
    """What the provider's redirect back carries (its query string)."""

    code: str | None = None
    state: str | None = None
    error: str | None = None  # the provider refused, or the person cancelled
    issuer: str | None = None  # RFC 9207: the issuer that answered, when the provider says


class SignInFailure(StrEnum):
    """Why a sign-in with a provider did not sign anyone in (the web client says each)."""

    CANCELLED = "cancelled"  # the provider answered with an error (denied, cancelled)
    REFUSED = "refused"  # the provider's answer did not check out (token, code)
    EXPIRED = "expired"  # not started in this browser, or started too long ago
    UNVERIFIED_EMAIL = "unverified-email"
    DOMAIN_NOT_ALLOWED = "domain-not-allowed"
    NO_ACCOUNT = "no-account"
    LINKED_ELSEWHERE = "linked-elsewhere"  # the account is another person's at that provider
    DEACTIVATED = "deactivated"
    UNAVAILABLE = "unavailable"  # the provider cannot be reached
    UNKNOWN_PROVIDER = "unknown-provider"


class SignInRefused(DomainError):
    def __init__(self, failure: SignInFailure, detail: str = "") -> None:
        # detail is for the log: what went wrong, never a token, a code or a link
        super().__init__(f"{failure.value}: {detail}" if detail else failure.value)
        self.failure = failure


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].lower()


def domain_allowed(identity: ExternalIdentity, allowed: frozenset[str]) -> bool:
    """The email's domain is one of those allowed, and so is the organisation the provider
    names, when it names one (Google Workspace's `hd`)."""
    if identity.email is None or email_domain(identity.email) not in allowed:
        return False
    return identity.hosted_domain is None or identity.hosted_domain.lower() in allowed


def may_sign_in(user: User) -> bool:
    """Whether the account may be signed in to through a provider: a deactivated one may not."""
    return user.is_active
