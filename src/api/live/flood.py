"""How fast one socket may talk: a token bucket, and the verdict on each frame."""

import time
from collections.abc import Callable
from enum import Enum


class Verdict(Enum):
    ADMIT = "admit"
    REFUSE = "refuse"  # answered with ERROR "Too many messages"
    CLOSE = "close"  # flooding went on too long: close with 1008


class FloodGuard:
    """`rate` frames a second on average, bursts of up to `burst`. A socket that keeps going
    past the limit for `grace_seconds` without letting up is closed."""

    def __init__(
        self,
        rate: float,
        burst: int,
        grace_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = rate
        self._burst = burst
        self._grace = grace_seconds
        self._clock = clock
        self._tokens = float(burst)
        self._refilled_at = clock()
        self._flooding_since: float | None = None

    def check(self) -> Verdict:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._refilled_at) * self._rate)
        self._refilled_at = now
        if self._tokens >= self._burst:
            self._flooding_since = None  # it let up long enough to fill the bucket again
        if self._tokens >= 1:
            self._tokens -= 1
            return Verdict.ADMIT
        if self._flooding_since is None:
            self._flooding_since = now
        if now - self._flooding_since >= self._grace:
            return Verdict.CLOSE
        return Verdict.REFUSE
