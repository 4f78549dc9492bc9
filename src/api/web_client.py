"""The web client for teachers and students: static files served at `/` (no build step)."""

from pathlib import Path

from litestar.router import Router
from litestar.static_files import create_static_files_router

from api.authentication import PUBLIC

WEB_DIRECTORY = Path(__file__).parent / "web"


def web_client() -> Router:
    return create_static_files_router(
        path="/",
        directories=[WEB_DIRECTORY],
        html_mode=True,
        include_in_schema=False,
        opt=PUBLIC,
        name="web",
    )
