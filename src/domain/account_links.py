"""One-time links that act for an account: set its first password (an administrator made by
the command line), reset a forgotten one, and later an invitation. The link carries a random
token; only the token's digest is kept, with what it is for, whose it is and until when, and
it works once."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class LinkPurpose(StrEnum):
    """Each purpose is also the web client's page for such links (`#/<purpose>/<token>`)."""

    SET_PASSWORD = "set-password"
    INVITATION = "invitation"  # an invited account's first password (domain/invitations.py)
    RESET_PASSWORD = "reset-password"
    SIGN_IN = "sign-in"  # hands a sign-in with a provider to the web client (domain/sign_in.py)


# The links with which their holder chooses the account's password (POST /auth/password).
PASSWORD_LINKS = frozenset(
    {LinkPurpose.SET_PASSWORD, LinkPurpose.INVITATION, LinkPurpose.RESET_PASSWORD}
)
# An account has one working link of these at a time: a new one retires the older ones (a
# reset link asked for again, or handed over by a teacher, an invitation made again, leave no
# older one working).
ONE_AT_A_TIME = frozenset({LinkPurpose.RESET_PASSWORD, LinkPurpose.INVITATION})


def token_digest(token: str) -> bytes:
    """What is kept of a link's token: its SHA-256 (the token is 256 random bits, so a fast
    hash is enough; a guess can only be checked against the database, one query at a time)."""
    return hashlib.sha256(token.encode()).digest()


def link_address(base_url: str, purpose: LinkPurpose, token: str) -> str:
    """The link itself: the web client's page for the purpose, at `base_url` (where people
    reach the service), with the token."""
    return f"{base_url.rstrip('/')}/#/{purpose.value}/{token}"


@dataclass(frozen=True, slots=True)
class AccountLink:
    digest: bytes
    purpose: LinkPurpose
    user_id: UUID
    expires_at: datetime
