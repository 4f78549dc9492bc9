"""The opening handshake of a WebSocket (RFC 6455, 4.2.1), read from the headers our HTTP
protocol parsed: whether it is one our own sockets take (infrastructure/ws_direct.py), its
answer, and the subprotocols the client asks for."""

import base64
import binascii
import hashlib

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, 1.3


def accept_value(
    method: str, http_version: str, headers: list[tuple[bytes, bytes]]
) -> bytes | None:
    """The `Sec-WebSocket-Accept` answering a valid opening handshake (RFC 6455, 4.2.1): a
    GET over HTTP/1.1 with a host, no body, and one key and version 13. None for anything else
    (the websockets library then answers it, as uvicorn does)."""
    if method != "GET" or http_version != "1.1":
        return None
    keys: list[bytes] = []
    versions: list[bytes] = []
    upgrade = connection = host = False
    for name, value in headers:  # names arrive in lower case
        if name == b"sec-websocket-key":
            keys.append(value.strip())
        elif name == b"sec-websocket-version":
            versions.append(value.strip())
        elif name == b"upgrade":
            upgrade = upgrade or b"websocket" in _tokens(value)
        elif name == b"connection":
            connection = connection or b"upgrade" in _tokens(value)
        elif name == b"host":
            host = True
        elif name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return None  # a body would be read as frames
    if len(keys) != 1 or versions != [b"13"] or not (upgrade and connection and host):
        return None
    try:
        if len(base64.b64decode(keys[0], validate=True)) != 16:
            return None
    except binascii.Error:
        return None
    return base64.b64encode(hashlib.sha1(keys[0] + _GUID).digest())


def _tokens(value: bytes) -> list[bytes]:
    return [token.strip() for token in value.lower().split(b",")]


def subprotocols_asked(headers: list[tuple[bytes, bytes]]) -> list[str]:
    return [
        token.strip()
        for name, value in headers
        if name == b"sec-websocket-protocol"
        for token in value.decode("latin-1").split(",")
    ]
