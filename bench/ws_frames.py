"""RFC 6455 for the benchmarks' WebSocket client (bench/wsload.py): frames, the opening
handshake, and the errors the client raises.

* handshake: ``GET /ws?token=...`` with a random ``Sec-WebSocket-Key``; status 101 and the
  matching ``Sec-WebSocket-Accept`` are required; bytes after the header block are frames;
* receiving: unmasked server frames parsed incrementally (7/16/64-bit lengths); text frames go
  to a per-socket ``on_text(payload_bytes, received_at)`` callback or to a JSON inbox; close is
  answered and its code recorded; ping is answered with pong; fragmented, masked or binary
  frames fail the connection;
* sending: masked text frames (the mask is applied with one big-integer XOR).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from typing import Any
from urllib.parse import quote

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONTINUATION, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA
CLOSE_NORMAL, CLOSE_NO_STATUS, CLOSE_ABNORMAL, CLOSE_PROTOCOL_ERROR = 1000, 1005, 1006, 1002
MAX_HANDSHAKE_BYTES = 16 * 1024


class WebSocketError(Exception):
    """Base class of this module's errors."""


class HandshakeError(WebSocketError):
    """The server did not upgrade the connection."""


class ProtocolError(WebSocketError):
    """The server sent something this client does not accept."""


class ConnectionClosed(WebSocketError):
    def __init__(self, code: int | None) -> None:
        super().__init__(f"connection closed (code {code})")
        self.code = code


class ServerError(WebSocketError):
    """An ``{"event": "ERROR"}`` frame arrived where another answer was expected."""


# ---------------------------------------------------------------------------------------------
# Frames


def apply_mask(payload: bytes, mask: bytes) -> bytes:
    """XORs ``payload`` with the 4-byte ``mask`` repeated, as one big-integer operation."""
    n = len(payload)
    if n == 0:
        return b""
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """A complete, masked client frame (FIN set)."""
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    mask = os.urandom(4)
    return header + mask + apply_mask(payload, mask)


def encode_text_frame(text: str | bytes) -> bytes:
    return encode_frame(OP_TEXT, text.encode() if isinstance(text, str) else text)


def encode_json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def close_payload(code: int) -> bytes:
    return struct.pack("!H", code)


# ---------------------------------------------------------------------------------------------
# Handshake


def handshake_request(
    host: str, port: int, token: str, key: str, subprotocol: str | None = None
) -> bytes:
    asked = f"Sec-WebSocket-Protocol: {subprotocol}\r\n" if subprotocol else ""
    return (
        f"GET /ws?token={quote(token, safe='')} HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        f"{asked}"
        "\r\n"
    ).encode()


def expected_accept(key: str) -> bytes:
    return base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest())


def check_handshake_response(head: bytes, key: str) -> None:
    """Raises HandshakeError unless ``head`` (the header block) is a valid 101 answer."""
    lines = head.split(b"\r\n")
    status = lines[0].split(b" ", 2)
    if len(status) < 2 or status[1] != b"101":
        raise HandshakeError(f"expected 101, got {lines[0].decode(errors='replace')!r}")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    if headers.get(b"sec-websocket-accept") != expected_accept(key):
        raise HandshakeError("wrong Sec-WebSocket-Accept")


# ---------------------------------------------------------------------------------------------
# The socket
