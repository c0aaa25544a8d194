"""GET /docs (Swagger UI) and /redoc (ReDoc): the interactive pages of /openapi.json, open to
all as the document is (docs/api.md).

FastAPI's own pages load their scripts and styles from a CDN, so on an office network without
the internet they stay blank. These load them from this service: the files ship in the
fastapi-offline package (Swagger UI 5, which reads OpenAPI 3.1, and ReDoc 2) and are served
under ASSETS. A Content-Security-Policy keeps the browser from fetching anything from
elsewhere: ReDoc would otherwise load its maker's logo from the internet.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files

from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

router = APIRouter(include_in_schema=False)
ASSETS = "/docs/assets"
# Only these files, each with its type: a route of its own rather than a folder mounted, so
# that nothing else of the package is served and the http_* metrics name the route.
ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
SWAGGER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png")
REDOC_FILES = ("redoc.standalone.js", "favicon.png")
# Swagger UI's default validator badge sends the document's URL to an outside service.
SWAGGER_PARAMETERS = {"validatorUrl": None}
# Everything from this service; the page's own inline script by its hash; ReDoc's styles are
# inline and its search runs in a worker made from a blob.
POLICY = (
    "default-src 'self'; script-src 'self' {scripts}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    doc, title, root = _described(request, "Swagger UI")
    js, css, icon = (f"{root}{ASSETS}/{name}" for name in SWAGGER_FILES)
    page = get_swagger_ui_html(
        openapi_url=doc, title=title, swagger_js_url=js, swagger_css_url=css,
        swagger_favicon_url=icon, swagger_ui_parameters=SWAGGER_PARAMETERS,
    )  # fmt: skip
    return _confined(page)


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    doc, title, root = _described(request, "ReDoc")
    js, icon = (f"{root}{ASSETS}/{name}" for name in REDOC_FILES)
    page = get_redoc_html(
        openapi_url=doc, title=title, redoc_js_url=js, redoc_favicon_url=icon,
        with_google_fonts=False,
    )  # fmt: skip
    return _confined(page)


@router.get(ASSETS + "/{name}")
async def asset(name: str) -> FileResponse:
    media_type = ASSET_TYPES.get(name)
    if media_type is None:
        raise HTTPException(404, "no such file")
    return FileResponse(str(files("fastapi_offline") / "static" / name), media_type=media_type)


def _confined(page: HTMLResponse) -> HTMLResponse:
    """The page with its Content-Security-Policy."""
    scripts = _INLINE_SCRIPT.findall(bytes(page.body).decode())
    hashes = [base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in scripts]
    allowed = " ".join(f"'sha256-{digest}'" for digest in hashes)
    page.headers["Content-Security-Policy"] = POLICY.format(scripts=allowed)
    return page


def _described(request: Request, page: str) -> tuple[str, str, str]:
    """The document's URL, the page's title, and the path the service is served under behind
    a proxy (uvicorn --root-path), if any."""
    root = str(request.scope.get("root_path", "")).rstrip("/")
    return f"{root}{request.app.openapi_url}", f"{request.app.title} - {page}", root
