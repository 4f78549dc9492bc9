"""Password hashing (bcrypt, off the event loop) and tokens (PyJWT, HS256)."""

import asyncio
import contextlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4

import bcrypt
import jwt

from domain.errors import InvalidToken
from domain.users import MAX_PASSWORD_BYTES, Identity, IssuedToken, Role

T = TypeVar("T")

TOKEN_LIFETIME = timedelta(days=7)
DEVICE_TOKEN_LIFETIME = timedelta(days=90)
# A token may say it was issued up to a second ahead (dated at its account's revocation, see
# User.token_date), two after a second revocation within one second (User._revoke_tokens), and
# server processes' clocks may disagree a little: one dated further ahead than this is refused.
# (PyJWT's own check has no leeway for `iat` alone.)
ISSUED_AT_LEEWAY_SECONDS = 3
# A token without `iat` (none of ours) counts as issued long ago: any revocation refuses it.
LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)


def _lower_priority() -> None:
    """Runs in each hashing thread: the kernel then prefers the event loop's thread, so live
    traffic does not queue behind a burst of logins on the same core."""
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


HASHING_NICENESS = 10


class BcryptHasher:
    """bcrypt in a small pool of low-priority threads (bcrypt releases the GIL)."""

    def __init__(self, rounds: int = 10, threads: int = 2) -> None:
        self._rounds = rounds
        self._threads = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="bcrypt", initializer=_lower_priority
        )
        # Checked against when the account does not exist, so that costs the same time.
        self._decoy_hash = bcrypt.hashpw(b"decoy password", bcrypt.gensalt(rounds))

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, function, *args)

    async def hash(self, password: str) -> str:
        salt = bcrypt.gensalt(self._rounds)
        return (await self._run(bcrypt.hashpw, password.encode(), salt)).decode()

    async def verify(self, password: str, password_hash: str | None) -> bool:
        try:
            secret = password.encode()
        except UnicodeEncodeError:  # an unpaired surrogate
            secret = b""
        if not secret or len(secret) > MAX_PASSWORD_BYTES or b"\0" in secret:
            # No password of ours looks like this, and bcrypt would refuse it: spend the same
            # time on the decoy and say no.
            secret, password_hash = b"not a password", None
        if password_hash is not None and not password_hash.startswith("$2"):
            password_hash = None  # NO_PASSWORD (no password chosen yet): the decoy, and no
        stored = password_hash.encode() if password_hash is not None else self._decoy_hash
        matches = await self._run(bcrypt.checkpw, secret, stored)
        return matches and password_hash is not None


class JwtTokenCodec:
    """HS256 tokens. Verified tokens are remembered, since a client sends the same token with
    every request and every socket it opens, and verifying costs more than the rest of a read:
    bounded (the oldest are forgotten first), never past a token's expiry, and an account's
    are forgotten when its tokens are revoked (`forget_tokens_of`)."""

    algorithm = "HS256"
    # A school's clients reconnecting at once (its Wi-Fi back) must all be found here: about
    # 770 bytes each with the token itself, 39 MB when full (docs/benchmarks.md).
    remembered_tokens = 50_000

    def __init__(
        self,
        secret: str,
        lifetime: timedelta = TOKEN_LIFETIME,
        now: Callable[[], float] = time.time,  # seconds since the epoch, as `exp` counts
    ) -> None:
        self._secret = secret
        self._lifetime = lifetime
        self._now = now
        self._verified: OrderedDict[str, tuple[IssuedToken, float]] = OrderedDict()
        self._tokens_of: dict[UUID, list[str]] = {}

    def issue(self, identity: Identity, issued_at: datetime | None = None) -> str:
        issued_at = issued_at or datetime.now(UTC)
        claims = {
            "userId": str(identity.user_id),
            "role": identity.role.value,
            "iat": issued_at,  # whole seconds (PyJWT drops the fraction)
            "exp": issued_at + self._lifetime,
        }
        return jwt.encode(claims, self._secret, algorithm=self.algorithm)

    def decode(self, token: str) -> IssuedToken:
        remembered = self._verified.get(token)
        if remembered is not None and remembered[1] > self._now():
            return remembered[0]
        try:
            claims = self._claims(token)
            identity = Identity(user_id=UUID(claims["userId"]), role=Role(claims["role"]))
            issued_at = self._issued_at(claims)
            expires_at = float(claims["exp"])
        except (
            jwt.PyJWTError, KeyError, ValueError, TypeError, AttributeError, OverflowError, OSError
        ) as error:  # fmt: skip
            if remembered is not None:
                self._forget(token)
            raise InvalidToken() from error
        issued = IssuedToken(identity, issued_at)
        if remembered is None:
            self._remember(token, issued, expires_at)
        return issued

    def forget_tokens_of(self, user_id: UUID) -> None:
        for token in self._tokens_of.pop(user_id, ()):
            del self._verified[token]

    def _remember(self, token: str, issued: IssuedToken, expires_at: float) -> None:
        self._verified[token] = (issued, expires_at)
        self._tokens_of.setdefault(issued.identity.user_id, []).append(token)
        if len(self._verified) > self.remembered_tokens:
            self._forget(next(iter(self._verified)))

    def _forget(self, token: str) -> None:
        issued, _ = self._verified.pop(token)
        user_id = issued.identity.user_id
        tokens = self._tokens_of[user_id]
        tokens.remove(token)
        if not tokens:
            del self._tokens_of[user_id]

    def issue_device_token(self, email: str) -> str:
        now = datetime.now(UTC)
        claims = {
            "device": uuid4().hex,
            "email": email.lower(),
            "iat": now,
            "exp": now + DEVICE_TOKEN_LIFETIME,
        }
        return jwt.encode(claims, self._secret, algorithm=self.algorithm)

    def device_of(self, device_token: str, email: str) -> str | None:
        try:
            claims = self._claims(device_token)
        except jwt.PyJWTError:
            return None
        device = claims.get("device")
        if claims.get("email") != email.lower() or not isinstance(device, str):
            return None
        return device

    def _claims(self, token: str) -> dict[str, Any]:
        """The claims of a token this secret signed, with HS256 only, not expired (on this
        codec's clock, as its memory of tokens is)."""
        claims = jwt.decode(
            token,
            self._secret,
            algorithms=[self.algorithm],
            # _issued_at checks `iat`; `exp` is checked here, as PyJWT would.
            options={"require": ["exp"], "verify_iat": False, "verify_exp": False},
        )
        try:
            expires_at = int(claims["exp"])
        except (ValueError, TypeError, OverflowError) as error:
            raise jwt.DecodeError("Expiration Time claim (exp) must be an integer.") from error
        if expires_at <= self._now():
            raise jwt.ExpiredSignatureError("Signature has expired")
        return claims

    def _issued_at(self, claims: dict[str, Any]) -> datetime:
        if "iat" not in claims:
            return LONG_AGO
        issued_at = int(claims["iat"])
        if issued_at > self._now() + ISSUED_AT_LEEWAY_SECONDS:
            raise ValueError("issued in the future")
        return datetime.fromtimestamp(issued_at, UTC)
