"""One-time links that act for an account: set its first password (an administrator made by
the command line), and later an invitation or a password reset. The link carries a random
token; only the token's digest is kept, with what it is for, whose it is and until when, and
it works once."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class LinkPurpose(StrEnum):
    SET_PASSWORD = "set-password"
    INVITATION = "invitation"  # an invited account's first password (domain/invitations.py)
    SIGN_IN = "sign-in"  # hands a sign-in with a provider to the web client (domain/sign_in.py)


# The links with which their holder chooses the account's password (POST /auth/password).
PASSWORD_CHOOSING = (LinkPurpose.SET_PASSWORD, LinkPurpose.INVITATION)


def token_digest(token: str) -> bytes:
    """What is kept of a link's token: its SHA-256 (the token is 256 random bits, so a fast
    hash is enough; a guess can only be checked against the database, one query at a time)."""
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True, slots=True)
class AccountLink:
    digest: bytes
    purpose: LinkPurpose
    user_id: UUID
    expires_at: datetime
