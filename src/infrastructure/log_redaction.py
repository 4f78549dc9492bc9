"""What no log line may hold: secrets (tokens, any URL's query, JWTs, bcrypt hashes, any field
named like a password or a token) and control characters (a path's `%0a`, say), so whatever a
caller sends can neither leak through the logs nor forge a line."""

import functools
import re
from collections.abc import MutableMapping
from typing import Any

_SECRETS = re.compile(
    r"(?<=token=)[^\s&\"']+"  # a token in a URL
    r"|(?<=\?)\S+?(?=\"?(?:\s|$))"  # any URL's whole query (a socket's names may be %-encoded)
    r"|(?<=%3[Ff])\S+?(?=\"?(?:\s|$))"  # and after a %-encoded "?" (uvicorn quotes a path)
    # Any JWT. Possessive and anchored at the start of a word: "eyJeyJeyJ…" without dots costs
    # one pass, not one per "eyJ" (the path of a refused handshake is logged, up to 8 KB).
    r"|(?<![\w-])eyJ[\w-]++\.[\w-]++\.[\w-]++"
    r"|(?<=%3[Dd])eyJ[\w-]++\.[\w-]++\.[\w-]++"  # after a %-encoded "=" ("%" ends a run)
    r"|\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}"  # a bcrypt hash
    r"|(?<=#/)[a-z-]++/\S+"  # a web client link's page and what follows (a link's token)
)
# Fields whose whole value is a secret, whatever it looks like.
_SECRET_FIELDS = re.compile(r"password|passwd|secret|token|authorization|cookie", re.IGNORECASE)
REDACTED = "[redacted]"
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def _escaped(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


# Longer values are cut (a client's 8 KB path is noise, not evidence): after redaction, so that
# no secret is cut into a piece the patterns would no longer recognise.
MAX_VALUE_CHARACTERS = 2048


def redacted(text: str) -> str:
    text = _SECRETS.sub(REDACTED, text)
    if len(text) > MAX_VALUE_CHARACTERS:
        text = text[:MAX_VALUE_CHARACTERS] + "…[cut]"
    return _CONTROL_CHARACTERS.sub(_escaped, text)


def may_need_redaction(value: str) -> bool:
    """What a value must hold for redaction to change it (a marker of each of _SECRETS's
    patterns: a new pattern needs its marker here). Most hold none of it, and these checks
    cost a tenth of the two substitutions (an access line has a handful of values)."""
    return (
        len(value) > MAX_VALUE_CHARACTERS
        or not value.isprintable()  # control characters, line and paragraph separators
        or "?" in value
        or "%3" in value
        or "=" in value
        or "eyJ" in value
        or "$2" in value
        or "#/" in value
    )


@functools.cache
def _is_secret_field(key: str) -> bool:
    return _SECRET_FIELDS.search(key) is not None


def redact_secrets(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor: no secret and no control character reaches a handler. Most
    lines have nothing to redact, so their values are first checked in one piece (a marker in
    any value is in their join), and one by one only when the piece holds one."""
    if not any(map(_is_secret_field, event)) and not may_need_redaction(
        " ".join([value for value in event.values() if isinstance(value, str)])
    ):
        return event
    for key, value in event.items():
        if _is_secret_field(key):
            event[key] = REDACTED
        elif isinstance(value, str) and may_need_redaction(value):
            event[key] = redacted(value)
    return event
