"""How our log lines are stamped, encoded and written: shared by structlog's pipeline and the
fast access lines beside it."""

import asyncio
import atexit
import time
from collections.abc import MutableMapping
from typing import Any, BinaryIO

import msgspec

json_encoder = msgspec.json.Encoder(enc_hook=str)


class UtcTimestamp:
    """`timestamp`: ISO 8601 in UTC to the microsecond, as structlog's TimeStamper writes it, at
    a quarter of its cost (the second is formatted once)."""

    def __init__(self) -> None:
        self._second = -1
        self._formatted = ""

    def __call__(
        self, _logger: Any, _method: str, event: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        event["timestamp"] = self.now()
        return event

    def now(self) -> str:
        second, microsecond = divmod(time.time_ns() // 1_000, 1_000_000)
        if second != self._second:
            self._second = second
            self._formatted = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second))
        return f"{self._formatted}{microsecond:06d}Z"


class TurnBatchedWriter:
    """A file for our loggers: the lines written within one turn of the event loop go out in
    one write when the turn ends (under load, the access lines of many requests), instead of
    one system call each; with no loop running (start-up, shut-down) each line goes at once.
    What is pending when the process exits is written then."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._pending: list[bytes] = []
        atexit.register(self._write_pending)

    def write(self, data: bytes) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._raw.write(data)
            self._raw.flush()
            return
        if not self._pending:
            loop.call_soon(self._write_pending)
        self._pending.append(data)

    def flush(self) -> None:
        """Each turn's lines are flushed together (see write)."""

    def _write_pending(self) -> None:
        if self._pending:
            lines, self._pending = b"".join(self._pending), []
            self._raw.write(lines)
            self._raw.flush()
