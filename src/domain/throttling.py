"""Limits on attempts (failed logins, sign-ups), counted per subject within a time window."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AttemptRule:
    """At most `limit` attempts of one kind per subject (an email, a client address) within
    `window_seconds`."""

    kind: str
    limit: int
    window_seconds: int

    def key(self, subject: str) -> str:
        return f"{self.kind}:{subject.lower()}"


@dataclass(frozen=True, slots=True)
class AttemptPolicy:
    failed_logins_per_email: AttemptRule
    failed_logins_per_address: AttemptRule
    signups_per_address: AttemptRule

    @classmethod
    def with_limits(
        cls, *, per_email: int, per_address: int, signups_per_address: int, window_seconds: int
    ) -> "AttemptPolicy":
        return cls(
            failed_logins_per_email=AttemptRule("login-email", per_email, window_seconds),
            failed_logins_per_address=AttemptRule("login-address", per_address, window_seconds),
            signups_per_address=AttemptRule("signup-address", signups_per_address, window_seconds),
        )
