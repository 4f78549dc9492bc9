"""The OIDC_PROVIDERS setting: the school's OpenID Connect providers, as a JSON list of
objects. Read and checked once at start-up; a mistake names the provider and the field, never
the value (the list holds client secrets)."""

import ipaddress
import json
import re
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

KEY = re.compile(r"^[a-z0-9-]{1,32}$")
DEFAULT_SCOPES = "openid email profile"


@dataclass(frozen=True, slots=True)
class OidcProviderSettings:
    key: str  # in the routes (/auth/oidc/<key>/callback is the redirect URI to register)
    name: str  # shown: "Sign in with <name>"
    issuer: str  # discovery is at <issuer>/.well-known/openid-configuration
    client_id: str
    client_secret: str = field(repr=False)
    # Only verified emails of these domains link to an account (and Google's `hd`, if sent).
    allowed_domains: tuple[str, ...] = ()
    # The boolean claim by which the provider vouches for the email: `email_verified` (the
    # standard), or `xms_edov` for Microsoft Entra ID.
    email_verified_claim: str = "email_verified"
    # Other spellings of the issuer its ID tokens may carry (Google: `accounts.google.com`).
    issuer_aliases: tuple[str, ...] = ()
    scopes: str = DEFAULT_SCOPES


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _issuer(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a URL")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an https:// URL")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError("must be an https:// URL (http only on this machine's loopback)")
    if parts.query or parts.fragment:
        raise ValueError("must have no query or fragment")
    return value.rstrip("/")


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a text that is not empty")
    return value.strip()


def _texts(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError("must be a list of texts")
    return tuple(value)


def _key(value: object) -> str:
    if not isinstance(value, str) or not KEY.match(value):
        raise ValueError("must be 1 to 32 lowercase letters, digits or dashes")
    return value


def _domains(value: object) -> tuple[str, ...]:
    return tuple(domain.lower().lstrip("@") for domain in _texts(value))


def _scopes(value: object) -> str:
    scopes = _text(value)
    if "openid" not in scopes.split():
        raise ValueError("must include openid")
    return scopes


READERS = {
    "key": _key,
    "name": _text,
    "issuer": _issuer,
    "client_id": _text,
    "client_secret": _text,
    "allowed_domains": _domains,
    "email_verified_claim": _text,
    "issuer_aliases": _texts,
    "scopes": _scopes,
}
REQUIRED = ("key", "name", "issuer", "client_id", "client_secret")


def _provider(index: int, entry: object) -> OidcProviderSettings:
    if not isinstance(entry, dict):
        raise ValueError(f"provider {index + 1} must be an object")
    key = entry.get("key")
    where = f"provider {key!r}" if isinstance(key, str) else f"provider {index + 1}"
    unknown = sorted(set(entry) - set(READERS))
    if unknown:
        raise ValueError(f"{where} has unknown fields: {', '.join(unknown)}")
    missing = [name for name in REQUIRED if name not in entry]
    if missing:
        raise ValueError(f"{where} lacks {', '.join(missing)}")
    values: dict[str, object] = {}
    for name, value in entry.items():
        try:
            values[name] = READERS[name](value)
        except ValueError as error:
            raise ValueError(f"{where}: {name} {error}") from None
    return OidcProviderSettings(**values)  # type: ignore[arg-type]


def parse_providers(raw: str) -> tuple[OidcProviderSettings, ...]:
    try:
        entries = json.loads(raw)
    except json.JSONDecodeError:
        raise ValueError("must be a JSON list of providers") from None
    if not isinstance(entries, list):
        raise ValueError("must be a JSON list of providers")
    providers = tuple(_provider(index, entry) for index, entry in enumerate(entries))
    for label, values in (
        ("key", [p.key for p in providers]),
        ("issuer", [p.issuer for p in providers]),
    ):
        repeated = sorted({value for value in values if values.count(value) > 1})
        if repeated:
            raise ValueError(f"has two providers with the {label} {repeated[0]!r}")
    return providers


def show_providers(value: object) -> str | None:
    """Back to the JSON the setting was read from (for worker processes); None when empty."""
    if not value:
        return None
    assert isinstance(value, tuple)
    return json.dumps([asdict(provider) for provider in value])
