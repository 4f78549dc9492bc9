"""The OpenAPI document and its browsable page at `/schema`, with Swagger UI's files served
from the swagger-ui-bundle package, so the page works with no internet access."""

from pathlib import Path
from typing import Any

from litestar import Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.response import File
from swagger_ui_bundle import swagger_ui_path

from api.authentication import PUBLIC

SCHEMA_PATH = "/schema"
ASSETS_PATH = "/schema-assets"
ASSETS = ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css")
FAVICON = "favicon-32x32.png"


def docs_assets() -> HTTPRouteHandler:
    files = {f"{ASSETS_PATH}/{name}": Path(swagger_ui_path) / name for name in (*ASSETS, FAVICON)}

    @get(sorted(files), opt=PUBLIC, include_in_schema=False, sync_to_thread=False)
    def docs_asset(request: Request[Any, Any, Any]) -> File:
        path = files[request.url.path]
        return File(path, filename=path.name, content_disposition_type="inline")

    return docs_asset


def openapi_config() -> OpenAPIConfig:
    swagger = SwaggerRenderPlugin(
        js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
        css_url=f"{ASSETS_PATH}/swagger-ui.css",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/{FAVICON}'>",
        path="/swagger",
    )
    return OpenAPIConfig(
        title="Live Attendance",
        version="0.1.0",
        path=SCHEMA_PATH,
        render_plugins=[swagger],
        # The contract's `Authorization: <jwt>` (no scheme): "Authorize" in the page sends it.
        components=Components(
            security_schemes={
                "token": SecurityScheme(
                    type="apiKey",
                    name="Authorization",
                    security_scheme_in="header",
                    description="The token from POST /auth/login, as it is.",
                )
            }
        ),
    )
