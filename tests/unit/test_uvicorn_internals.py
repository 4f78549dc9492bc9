"""GuardedHttpProtocol (infrastructure/http_protocol.py) subclasses uvicorn's HttpToolsProtocol
and reads its attributes, and DirectWebSocket (infrastructure/ws_direct.py) joins uvicorn's
ServerState: none of that is uvicorn's public API. pyproject.toml pins the uvicorn release they
were tested with; a new one fails here, loudly, until someone has read what changed in
uvicorn/protocols/http/httptools_impl.py and uvicorn/server.py against what is checked below,
run tests/integration/test_hostile_requests.py, test_slow_clients.py, test_connection_limits.py
and the live tests, and added the release to TESTED_RELEASES."""

import asyncio
import inspect
import tomllib
from pathlib import Path

import uvicorn
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from infrastructure.http_protocol import GuardedHttpProtocol

TESTED_RELEASES = {"0.54.0"}
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

# What GuardedHttpProtocol overrides, with the arguments uvicorn calls them with.
OVERRIDDEN = {
    "connection_made": ["self", "transport"],
    "data_received": ["self", "data"],
    "on_message_begin": ["self"],
    "on_headers_complete": ["self"],
    "on_body": ["self", "body"],
    "on_message_complete": ["self"],
    "handle_websocket_upgrade": ["self"],
    "send_400_response": ["self", "msg"],
    "pause_writing": ["self"],
    "resume_writing": ["self"],
    "connection_lost": ["self", "exc"],
}
# What it reads of a protocol once a connection is made and a request's headers are in.
READ_AFTER_CONNECTING = ("connections", "transport", "loop", "app_state", "root_path", "config")
READ_AFTER_HEADERS = ("url", "headers", "scope", "server_state")


def test_uvicorn_is_a_release_our_protocol_was_tested_with():
    assert uvicorn.__version__ in TESTED_RELEASES, (
        f"uvicorn {uvicorn.__version__} is not a release GuardedHttpProtocol and "
        f"DirectWebSocket were tested with ({sorted(TESTED_RELEASES)}): see this file's docstring"
    )


def test_the_pin_in_pyproject_is_a_tested_release():
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    (uvicorn_pin,) = [d for d in dependencies if d.startswith("uvicorn")]
    assert uvicorn_pin.split("==")[-1] in TESTED_RELEASES and "==" in uvicorn_pin


def test_every_method_we_override_exists_in_uvicorn_with_the_same_arguments():
    for name, arguments in OVERRIDDEN.items():
        assert name in vars(GuardedHttpProtocol), f"the test's list is stale: {name}"
        original = getattr(HttpToolsProtocol, name, None)
        assert original is not None, f"uvicorn's HttpToolsProtocol has no {name} any more"
        assert list(inspect.signature(original).parameters) == arguments, name


def test_what_our_protocol_reads_of_uvicorns_is_there():
    config = Config(app=lambda *_: None, ws_max_size=1024, ws_ping_interval=20)
    config.load()
    state = ServerState()
    loop = asyncio.new_event_loop()
    try:
        protocol = HttpToolsProtocol(config, state, app_state={}, _loop=loop)

        class Transport(asyncio.Transport):
            def get_extra_info(self, name, default=None):
                return ("127.0.0.1", 8000) if name in ("sockname", "peername") else default

        protocol.connection_made(Transport())
        for name in READ_AFTER_CONNECTING:
            assert hasattr(protocol, name), f"uvicorn's protocol has no {name} any more"
        assert protocol in protocol.connections and protocol.connections is state.connections
        assert (protocol.config.ws_max_size, protocol.config.ws_ping_interval) == (1024, 20)
        protocol.data_received(b"GET /ws?x=1 HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n")
        protocol.on_headers_complete()
        for name in READ_AFTER_HEADERS:
            assert hasattr(protocol, name), f"uvicorn's protocol has no {name} any more"
        assert protocol.url == b"/ws?x=1"
        assert {"method", "http_version", "headers", "scheme"} <= protocol.scope.keys()
        # DirectWebSocket joins the server's connections and sends its default headers.
        assert isinstance(state.connections, set) and isinstance(state.default_headers, list)
    finally:
        pending = asyncio.all_tasks(loop)  # the request's ASGI cycle, never to be run
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()
