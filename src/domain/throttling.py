"""Limits on attempts (logins, sign-ups), counted per subject within a time window.

The login policy is built so that an attacker cannot lock out a user who knows their password
(see the README's "Login limits"): failures count per (email, client address) pair, so guessing
from one place stops that place only; a ceiling per email stops guessing spread over many
addresses; and a device that signed up or logged in to that email before is exempt from both
and from the per-address count, keeping an allowance of its own. Past the per-address count
(a whole school behind one address reaches it with typos alone), logins from that address are
not refused but paced: let through one per interval, each waiting a bounded time."""

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
class PaceRule:
    """Attempts of one kind per subject let through one per `interval_seconds`; an attempt
    waits for its turn at most `max_wait_seconds`, and is refused if its turn is further."""

    kind: str
    interval_seconds: float
    max_wait_seconds: float

    def key(self, subject: str) -> str:
        return f"{self.kind}:{subject.lower()}"


@dataclass(frozen=True, slots=True)
class LoginChecks:
    """What one login attempt counts against. `own` is the caller's own allowance, which a
    success clears; `shared` are the other hard limits (over one: refused); `address` is the
    per-address count (over it: paced by `pace`), None for a known device."""

    own: tuple[AttemptRule, str]
    shared: AttemptChecks
    address: tuple[AttemptRule, str] | None
    pace: tuple[PaceRule, str] | None

    @property
    def hard(self) -> AttemptChecks:
        return [self.own, *self.shared]


@dataclass(frozen=True, slots=True)
class CountersAbout:
    """Which attempt counters are about one person (for their export and erasure): a key
    equal to one of `keys`, or beginning with one of `prefixes` (their email with an address or
    a device), or one of their check-ins' (beginning with `check_in_prefix` and ending with
    `check_in_suffix`, their id: such counters are per live session)."""

    keys: tuple[str, ...]
    prefixes: tuple[str, ...]
    check_in_prefix: str
    check_in_suffix: str

    def match(self, key: str) -> bool:
        return (
            key in self.keys
            or key.startswith(self.prefixes)
            or (key.startswith(self.check_in_prefix) and key.endswith(self.check_in_suffix))
        )


@dataclass(frozen=True, slots=True)
class AttemptPolicy:
    logins_per_email_and_address: AttemptRule
    logins_per_address: AttemptRule
    logins_per_email: AttemptRule
    logins_per_trusted_device: AttemptRule
    signups_per_address: AttemptRule
    check_ins_per_session: AttemptRule
    logins_from_busy_address: PaceRule
    password_resets_per_address: AttemptRule
    password_resets_per_email: AttemptRule

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
        busy_address_pace_seconds: float = 2.0,
        busy_address_max_wait_seconds: float = 10.0,
        password_resets_per_address: int = 50,
        password_resets_per_email: int = 3,
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
            logins_from_busy_address=PaceRule(
                "login-pace", busy_address_pace_seconds, busy_address_max_wait_seconds
            ),
            password_resets_per_address=AttemptRule(
                "reset-address", password_resets_per_address, window_seconds
            ),
            password_resets_per_email=AttemptRule(
                "reset-email", password_resets_per_email, window_seconds
            ),
        )

    def login_checks(self, email: str, address: str, trusted_device: str | None) -> LoginChecks:
        """What one login attempt counts against (see LoginChecks)."""
        if trusted_device is not None:
            own = (self.logins_per_trusted_device, f"{email}|{trusted_device}")
            return LoginChecks(own, [], None, None)
        address = address_subject(address)
        return LoginChecks(
            own=(self.logins_per_email_and_address, f"{email}|{address}"),
            shared=[(self.logins_per_email, email)],
            address=(self.logins_per_address, address),
            pace=(self.logins_from_busy_address, address),
        )

    def counters_about(self, email: str, user_id: object) -> CountersAbout:
        """The counters whose keys name this email or, for check-ins, this user (see
        login_checks and check_in_checks for how they are made)."""
        return CountersAbout(
            keys=(self.logins_per_email.key(email),),
            prefixes=(
                self.logins_per_email_and_address.key(f"{email}|"),
                self.logins_per_trusted_device.key(f"{email}|"),
            ),
            check_in_prefix=self.check_ins_per_session.key(""),
            check_in_suffix=f"|{user_id}",
        )

    def signup_checks(self, address: str) -> AttemptChecks:
        return [(self.signups_per_address, address_subject(address))]

    def check_in_checks(self, session_id: object, student_id: object) -> AttemptChecks:
        """A student's check-in attempts count per live session."""
        return [(self.check_ins_per_session, f"{session_id}|{student_id}")]

    def reset_address_checks(self, address: str) -> AttemptChecks:
        """Password reset requests from one address: past the limit, refused (429)."""
        return [(self.password_resets_per_address, address_subject(address))]

    def reset_email_checks(self, email: str) -> AttemptChecks:
        """Reset emails to one address: past the limit, silently not sent (a refusal would
        tell whether the email has an account)."""
        return [(self.password_resets_per_email, email)]
