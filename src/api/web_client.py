"""The web client for teachers and students: its files served at `/` (no build step).

Each file gets a GET route of its own, rather than a static-files mount at `/`: a mount would
claim every path, so an unknown path would answer 405 to a POST instead of 404. The scripts
are ES modules (`app.js` imports the others, `screens/*.js` among them): a browser runs a
module only when it comes with a JavaScript type (and `nosniff` forbids guessing), so each
file's type is given here (Litestar adds the charset) rather than left to the platform's
MIME table (which maps `.js` to `text/plain` on some Windows machines)."""

from pathlib import Path
from typing import Any

from litestar import Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.response import File

from api.authentication import PUBLIC

WEB_DIRECTORY = Path(__file__).parent / "web"
INDEX = "index.html"
MEDIA_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}


def web_files() -> dict[str, Path]:
    """Every file of the client by its path, `/` being the page."""
    files = {
        "/" + path.relative_to(WEB_DIRECTORY).as_posix(): path
        for path in WEB_DIRECTORY.rglob("*")
        if path.is_file() and path.suffix in MEDIA_TYPES
    }
    files["/"] = WEB_DIRECTORY / INDEX
    return files


def web_client() -> HTTPRouteHandler:
    files = web_files()

    @get(sorted(files), opt=PUBLIC, include_in_schema=False, name="web", sync_to_thread=False)
    def web_file(request: Request[Any, Any, Any]) -> File:
        path = files[request.url.path]
        return File(
            path,
            filename=path.name,
            content_disposition_type="inline",
            media_type=MEDIA_TYPES[path.suffix],
        )

    return web_file
