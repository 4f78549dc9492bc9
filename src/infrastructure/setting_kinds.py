"""The kinds of value a setting can take: how each is read from text (a ValueError says what
was expected) and written back as text (None: leave the variable unset)."""

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

MIN_SECRET_LENGTH = 32


@dataclass(frozen=True, slots=True)
class Kind:
    parse: Callable[[str], object]
    show: Callable[[object], str | None] = lambda value: None if value is None else str(value)
    repeat_in_errors: bool = True  # not for secrets, nor URLs that may hold a password


def _text(raw: str) -> str:
    return raw


def _postgres_url(raw: str) -> str:
    if urlsplit(raw).scheme not in ("postgres", "postgresql", "postgresql+asyncpg"):
        raise ValueError("must be a postgresql:// URL")
    return raw


def _secret(raw: str) -> str:
    if len(raw) < MIN_SECRET_LENGTH:
        raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters long")
    return raw


def _origin(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http(s) URL")
    return raw.rstrip("/")


def _public_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("must be an http(s) URL without a query, fragment or password")
    return raw.rstrip("/")


def _mail_from(raw: str) -> str:
    address = parseaddr(raw)[1]
    if not raw.isprintable() or "@" not in address or address.startswith("@"):
        raise ValueError("must be an email address, or a name and one: `Name <address>`")
    return raw


def _boolean(raw: str) -> bool:
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


def _proxies(raw: str) -> str:
    entries = [entry.strip() for entry in raw.split(",") if entry.strip()]
    for entry in entries:
        if entry != "*":
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"has {entry!r}, which is not an address or network") from None
    return ",".join(entries)


def _domains(raw: str) -> tuple[str, ...]:
    domains = tuple(sorted({entry.strip().lower().lstrip("@") for entry in raw.split(",")} - {""}))
    for domain in domains:
        if "." not in domain or any(c in domain for c in "/:@ "):
            raise ValueError(f"has {domain!r}, which is not a domain (school.example)")
    return domains


def whole_number(low: int, high: int) -> Kind:
    def parse(raw: str) -> int:
        try:
            number = int(raw)
        except ValueError:
            number = low - 1
        if not low <= number <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return number

    return Kind(parse)


def choice(options: tuple[str, ...]) -> Kind:
    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return raw

    return Kind(parse)


text = Kind(_text)
postgres_url = Kind(_postgres_url, repeat_in_errors=False)
secret = Kind(_secret, repeat_in_errors=False)
password = Kind(_text, repeat_in_errors=False)
mail_from = Kind(_mail_from)
origin = Kind(_origin)
public_url = Kind(_public_url)
proxies = Kind(_proxies)


def _show_domains(value: object) -> str | None:
    return ",".join(value) if isinstance(value, tuple) and value else None


domains = Kind(_domains, _show_domains)
boolean = Kind(_boolean, lambda value: "true" if value else "false")
directory = Kind(lambda raw: Path(raw).resolve(), lambda value: str(value))
