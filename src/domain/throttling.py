"""Limits on attempts (logins, sign-ups), counted per subject within a time window.

The login policy is built so that an attacker cannot lock out a user who knows their password
(see the README's "Login limits"): failures count per (email, client address) pair and per
address, so guessing from one place stops that place only; a ceiling per email stops guessing
spread over many addresses, and a device that has logged in to that email before is exempt
from it (and from the per-address count), keeping an allowance of its own."""

import ipaddress
from dataclasses import dataclass

# An attempt is counted against several rules at once: (rule, subject) pairs.
AttemptChecks = list[tuple["AttemptRule", str]]


def address_subject(address: str) -> str:
    """What counts as one client address: an IPv4 address, or an IPv6 address's /64 (one
    subscriber's allocation, which hands out addresses freely); spellings of one address are
    one subject."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:100]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


@dataclass(frozen=True, slots=True)
class AttemptRule:
    """At most `limit` attempts of one kind per subject (an email, a client address, a pair)
    within `window_seconds`."""

    kind: str
    limit: int
    window_seconds: int

    def key(self, subject: str) -> str:
        return f"{self.kind}:{subject.lower()}"


@dataclass(frozen=True, slots=True)
class AttemptPolicy:
    logins_per_email_and_address: AttemptRule
    logins_per_address: AttemptRule
    logins_per_email: AttemptRule
    logins_per_trusted_device: AttemptRule
    signups_per_address: AttemptRule
    check_ins_per_session: AttemptRule

    @classmethod
    def with_limits(
        cls,
        *,
        per_email_and_address: int,
        per_address: int,
        per_email: int,
        signups_per_address: int,
        window_seconds: int,
        check_ins_per_session: int = 10,
    ) -> "AttemptPolicy":
        return cls(
            logins_per_email_and_address=AttemptRule(
                "login-pair", per_email_and_address, window_seconds
            ),
            logins_per_address=AttemptRule("login-address", per_address, window_seconds),
            logins_per_email=AttemptRule("login-email", per_email, window_seconds),
            logins_per_trusted_device=AttemptRule(
                "login-device", per_email_and_address, window_seconds
            ),
            signups_per_address=AttemptRule("signup-address", signups_per_address, window_seconds),
            # A session lasts a lesson; its count is kept for a day.
            check_ins_per_session=AttemptRule("check-in", check_ins_per_session, 24 * 3600),
        )

    def login_checks(self, email: str, address: str, trusted_device: str | None) -> AttemptChecks:
        """What one login attempt counts against; the first entry is the caller's own
        allowance, which a successful login clears."""
        if trusted_device is not None:
            return [(self.logins_per_trusted_device, f"{email}|{trusted_device}")]
        address = address_subject(address)
        return [
            (self.logins_per_email_and_address, f"{email}|{address}"),
            (self.logins_per_address, address),
            (self.logins_per_email, email),
        ]

    def signup_checks(self, address: str) -> AttemptChecks:
        return [(self.signups_per_address, address_subject(address))]

    def check_in_checks(self, session_id: object, student_id: object) -> AttemptChecks:
        """A student's check-in attempts count per live session."""
        return [(self.check_ins_per_session, f"{session_id}|{student_id}")]
