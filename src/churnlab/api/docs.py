"""The API's documentation at ``/docs``, served by the app itself: it works offline.

FastAPI's own ``/docs`` and ``/redoc`` load Swagger UI and ReDoc from a CDN (and the favicon from
fastapi.tiangolo.com), so they are blank without the internet and cannot be sent with a strict
Content-Security-Policy. :func:`mount_docs` adds instead:

- ``GET /docs`` — a small HTML page of our own: no inline script, no inline style. It loads
  Swagger UI's script and style, and ``static/docs.js``, which starts Swagger UI over the app's
  schema (``/openapi.json``, addressed relative to the page so it works behind a ``root_path``).
- ``GET /docs/assets/{file}`` — those files only: ``swagger-ui-bundle.js``, ``swagger-ui.css`` and
  ``favicon.png`` from the ``fastapi-offline`` package (Swagger UI 5, which renders the OpenAPI
  3.1 schema FastAPI writes), and ``docs.js`` from churnlab's own ``static`` folder.

ReDoc (``/redoc``) is not served: under this policy, in Chromium, its script is refused the
``<style>`` elements it inserts and the search worker it starts from a ``blob:`` URL, and it loads
its logo from cdn.redoc.ly. It would need ``style-src 'unsafe-inline'`` and ``worker-src blob:``,
and it shows nothing Swagger UI does not.

The routes need no API key: they show the schema only, as ``/openapi.json`` does.
"""

from __future__ import annotations

import html
import os
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from churnlab._version import __version__
from churnlab.api.headers import page_headers

__all__ = ["ASSETS", "DOCS_CSP", "mount_docs", "render_docs", "swagger_folder"]

#: churnlab's own files: ``docs.js`` starts Swagger UI.
_OWN = Path(__file__).with_name("static")

#: The Swagger UI files of ``fastapi-offline`` the page uses (of the four it ships: not ReDoc's).
_SWAGGER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png")

#: Where the page's files are served; the page links them relative to itself.
ASSETS = "/docs/assets"

#: Only the app's own script, style, images and schema; inline scripts and styles are refused.
#: ``img-src data:``: swagger-ui.css draws its icons (arrows, the lock, the copy button) as
#: ``data:image/svg+xml`` backgrounds. ``style-src`` needs no ``'unsafe-inline'``: Swagger UI
#: (React) sets its few inline styles through the DOM's ``style`` property, which a CSP does not
#: govern, and inserts no ``<style>`` element; headless Chromium reports no violation on the page
#: (``tests/api/test_docs.py``). ``connect-src 'self'``: the schema and "Try it out" requests go
#: to the app only.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_HEADERS = page_headers(DOCS_CSP)

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="churnlab {version}">
<title>{title} – API documentation</title>
<link rel="icon" type="image/png" href="{assets}/favicon.png?v={swagger}">
<link rel="stylesheet" href="{assets}/swagger-ui.css?v={swagger}">
</head>
<body>
<div id="swagger-ui" data-schema="{schema}"></div>
<script src="{assets}/swagger-ui-bundle.js?v={swagger}"></script>
<script src="{assets}/docs.js?v={version}"></script>
</body>
</html>
"""


def swagger_folder() -> Path:
    """The folder of Swagger UI's files in the installed ``fastapi-offline`` package.

    Examples
    --------
    >>> (swagger_folder() / "swagger-ui-bundle.js").is_file()
    True
    """
    folder = files("fastapi_offline") / "static"
    if not isinstance(folder, Path):  # installed as a zip: StaticFiles needs a real folder
        raise RuntimeError(f"fastapi-offline's files are not in a folder ({folder})")
    return folder


def render_docs(title: str, schema: str = "/openapi.json") -> str:
    """The ``/docs`` page: Swagger UI over the schema at ``schema``, every file from the app.

    Parameters
    ----------
    title : str
        The API's title (the page's title).
    schema : str
        The app's ``openapi_url``; the page addresses it relative to itself.

    Examples
    --------
    >>> page = render_docs("churnlab")
    >>> 'data-schema="openapi.json"' in page and "https://" not in page
    True
    """
    return _PAGE.format(
        title=html.escape(title),
        version=html.escape(__version__),
        swagger=html.escape(version("fastapi-offline")),
        assets=ASSETS.lstrip("/"),
        schema=html.escape(schema.lstrip("/")),
    )


class _DocsFiles(StaticFiles):
    """The page's four files, by name, and nothing else; sent with ``nosniff``."""

    def __init__(self, named: dict[str, Path]) -> None:
        super().__init__(directory=_OWN)
        self._named = named

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        """The file named ``path`` (one of the page's, else none: no folder is searched)."""
        found = self._named.get(path)
        if found is None:
            return "", None
        return str(found), found.stat()

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def mount_docs(app: FastAPI) -> None:
    """Serve the API's documentation at ``/docs`` and its files at ``/docs/assets/``.

    Build the app with ``docs_url=None, redoc_url=None`` so FastAPI's own pages (from a CDN) are
    not served as well.

    Parameters
    ----------
    app : fastapi.FastAPI
        The API app (:func:`churnlab.api.create_app`); the page shows its ``openapi_url``
        (nothing is mounted when it has none).
    """
    if app.openapi_url is None:
        return
    swagger = swagger_folder()
    named = {name: swagger / name for name in _SWAGGER_FILES}
    named["docs.js"] = _OWN / "docs.js"
    missing = [str(path) for path in named.values() if not path.is_file()]
    if missing:  # a broken install: refused now, not a 500 on the first visit
        raise RuntimeError(f"the API documentation's files are missing: {', '.join(missing)}")
    page = render_docs(app.title, app.openapi_url)

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> HTMLResponse:
        """The API's documentation: Swagger UI over the schema, from the app's own files."""
        return HTMLResponse(page, headers=_HEADERS)

    app.mount(ASSETS, _DocsFiles(named), name="docs-assets")
