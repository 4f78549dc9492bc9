"""Self check-in codes: six digits that change every CODE_PERIOD_SECONDS, derived from the
session's secret (HMAC-SHA256 over the period's number, truncated as in RFC 4226's HOTP), so
every server process computes the same code without asking any other. The current code and
the previous one are accepted: a student who read the code just before it changed still gets
in."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

CODE_PERIOD_SECONDS = 15
CODE_DIGITS = 6


def new_secret() -> bytes:
    return secrets.token_bytes(20)


@dataclass(frozen=True, slots=True)
class CheckInCode:
    code: str
    valid_until: datetime  # when the next code takes over (this one is accepted one more period)


def _period(at: datetime) -> int:
    return int(at.timestamp()) // CODE_PERIOD_SECONDS


def _code(secret: bytes, period: int) -> str:
    digest = hmac.new(secret, period.to_bytes(8, "big"), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def current_code(secret: bytes, at: datetime) -> CheckInCode:
    period = _period(at)
    start = datetime.fromtimestamp(period * CODE_PERIOD_SECONDS, tz=at.tzinfo)
    return CheckInCode(_code(secret, period), start + timedelta(seconds=CODE_PERIOD_SECONDS))


def accepts(secret: bytes, code: str, at: datetime) -> bool:
    period = _period(at)
    given = code.strip().encode()
    return any(
        hmac.compare_digest(given, _code(secret, candidate).encode())
        for candidate in (period, period - 1)
    )
