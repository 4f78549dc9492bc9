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
from domain.users import MAX_PASSWORD_BYTES, Identity, Role

T = TypeVar("T")

TOKEN_LIFETIME = timedelta(days=7)
DEVICE_TOKEN_LIFETIME = timedelta(days=90)


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
    """HS256 tokens. Verified tokens are remembered (bounded, until they expire), since a client
    sends the same token with every request and verifying costs more than the rest of a read."""

    algorithm = "HS256"
    remembered_tokens = 10_000

    def __init__(self, secret: str, lifetime: timedelta = TOKEN_LIFETIME) -> None:
        self._secret = secret
        self._lifetime = lifetime
        self._verified: OrderedDict[str, tuple[Identity, float]] = OrderedDict()

    def issue(self, identity: Identity) -> str:
        now = datetime.now(UTC)
        claims = {
            "userId": str(identity.user_id),
            "role": identity.role.value,
            "iat": now,
            "exp": now + self._lifetime,
        }
        return jwt.encode(claims, self._secret, algorithm=self.algorithm)

    def decode(self, token: str) -> Identity:
        remembered = self._verified.get(token)
        if remembered is not None and remembered[1] > time.time():
            return remembered[0]
        try:
            claims = self._claims(token)
            identity = Identity(user_id=UUID(claims["userId"]), role=Role(claims["role"]))
            expires_at = float(claims["exp"])
        except (jwt.PyJWTError, KeyError, ValueError, TypeError, AttributeError) as error:
            self._verified.pop(token, None)
            raise InvalidToken() from error
        self._verified[token] = (identity, expires_at)
        if len(self._verified) > self.remembered_tokens:
            self._verified.popitem(last=False)
        return identity

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
        """The claims of a token this secret signed, with HS256 only, not expired."""
        return jwt.decode(
            token, self._secret, algorithms=[self.algorithm], options={"require": ["exp"]}
        )
