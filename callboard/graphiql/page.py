"""The GraphiQL page and the route serving its browser files from this folder's static/."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from string import Template

from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from callboard.graphiql.tour import TOUR
from callboard.settings import Settings

__all__ = ["ASSETS_PATH", "STATIC", "graphiql_assets", "graphiql_page", "missing_assets"]

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
ASSETS_PATH = "/graphiql"

# What the page loads from static/ (the Makefile's graphiql target copies exactly these).
ASSETS = (
    "graphiql.min.css",
    "graphiql.min.js",
    "graphql-ws.min.js",
    "plugin-explorer.css",
    "plugin-explorer.umd.js",
    "react-dom.production.min.js",
    "react.production.min.js",
)

_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Callboard GraphiQL</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>GraphiQL's files are not built</h1>
<p>Callboard serves GraphiQL itself, from <code>callboard/graphiql/static/</code>, and that
folder is missing: $missing. Run <code>make graphiql</code> (it needs Node.js and npm;
as root it installs them with apt) and reload this page.</p>
<p>The API works without it: POST your queries to this URL, or open a WebSocket here.</p>
</body></html>
"""


def graphiql_page(settings: Settings) -> HTMLResponse:
    """GraphiQL, opened on the tour's operations; a page saying how to build it when its
    files are missing."""
    if missing := missing_assets():
        return HTMLResponse(Template(_NOT_BUILT).substitute(missing=", ".join(missing)))
    return HTMLResponse(_page(settings.open_access))


def missing_assets() -> list[str]:
    """The browser files not in static/ (all built: none)."""
    return [name for name in ASSETS if not (STATIC / name).is_file()]


@functools.cache
def _page(open_access: bool) -> str:
    config = {
        "endpoint": "/graphql",
        "tabs": list(TOUR),
        # With client keys, the header editor opens with the one header every request needs.
        "headers": "" if open_access else '{"Authorization": "Bearer <your client key>"}',
    }
    # `<` escaped: no text in the JSON can end the <script> element it sits in.
    encoded = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
    return Template((HERE / "page.html").read_text()).substitute(
        assets=ASSETS_PATH,
        config=encoded,
        script=(HERE / "page.js").read_text(),
    )


def graphiql_assets() -> ASGIApp:
    """GraphiQL's browser files, compressed (its script is 3.5 MB as it is); the folder
    may be built after the app starts."""
    return GZipMiddleware(StaticFiles(directory=STATIC, check_dir=False))
