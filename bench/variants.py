"""Our server with one hand-written piece put back to the library's way, to measure what each
piece buys (docs/benchmarks.md, "What each piece buys"):

    python bench/run.py --scenarios http_me --target-command \
        "python bench/variants.py library-access-line"

- `library-access-line`: access lines through structlog's processors (StructuredAccessLines)
  instead of JsonAccessLines, written by the same writer.
- `line-per-write`: each log line written and flushed on its own instead of by the
  TurnBatchedWriter once per turn of the event loop.
- `asgi-sockets`: live sockets through uvicorn's WebSocket protocol and the ASGI app (Litestar's
  route) instead of infrastructure/ws_direct.py; our HTTP protocol class stays.
- `uvicorn-protocol`: uvicorn's own httptools protocol instead of GuardedHttpProtocol (and so
  sockets through ASGI, as above): no request timeout, header limit, write timeout or
  connection cap.
- `ours`: nothing changed (the same start-up as the others, for alternating runs).

The server runs in this process, as `live-attendance serve` does with one worker; the bench
sets PORT, DATABASE_URL and the rest in the environment."""

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import uvicorn

import bootstrap.container
import infrastructure.logs
from bootstrap.cli import main


class LinePerWrite:
    """What structlog's BytesLogger gets without our writer: the file itself, flushed per line."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def write(self, data: bytes) -> None:
        self._raw.write(data)
        self._raw.flush()

    def flush(self) -> None:
        self._raw.flush()


def library_access_line() -> None:
    bootstrap.container.json_access_lines = lambda: None  # type: ignore[attr-defined]


def line_per_write() -> None:
    infrastructure.logs.TurnBatchedWriter = LinePerWrite  # type: ignore[misc,assignment]


def asgi_sockets() -> None:
    bootstrap.container.serving_sockets_directly = lambda app, _sockets: app  # type: ignore[attr-defined]


def uvicorn_protocol() -> None:
    asgi_sockets()
    run = uvicorn.run

    def with_uvicorns_protocol(*args: Any, **options: Any) -> None:
        run(*args, **{**options, "http": "httptools"})

    uvicorn.run = with_uvicorns_protocol


VARIANTS = {
    "ours": lambda: None,
    "library-access-line": library_access_line,
    "line-per-write": line_per_write,
    "asgi-sockets": asgi_sockets,
    "uvicorn-protocol": uvicorn_protocol,
}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in VARIANTS:
        raise SystemExit(f"usage: variants.py {{{','.join(VARIANTS)}}}")
    VARIANTS[sys.argv[1]]()
    sys.exit(main(["serve"]))
