"""The web client for teachers and students: its files served at `/` (no build step).

Each file gets a GET route of its own, rather than a static-files mount at `/`: a mount would
claim every path, so an unknown path would answer 405 to a POST instead of 404."""

from pathlib import Path
from typing import Any

from litestar import Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.response import File

from api.authentication import PUBLIC

WEB_DIRECTORY = Path(__file__).parent / "web"
INDEX = "index.html"


def web_client() -> HTTPRouteHandler:
    files = {f"/{path.name}": path for path in WEB_DIRECTORY.iterdir() if path.is_file()}
    files["/"] = WEB_DIRECTORY / INDEX

    @get(sorted(files), opt=PUBLIC, include_in_schema=False, name="web", sync_to_thread=False)
    def web_file(request: Request[Any, Any, Any]) -> File:
        path = files[request.url.path]
        return File(path, filename=path.name, content_disposition_type="inline")

    return web_file
