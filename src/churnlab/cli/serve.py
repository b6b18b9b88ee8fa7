"""`churnlab serve`: the scoring API and the staff dashboard."""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from churnlab.cli._common import err, handles_errors
from churnlab.errors import UsageError
from churnlab.extras import require

API_KEY_VARIABLE = "CHURNLAB_API_KEY"


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(
                ipaddress.ip_address(info[4][0]).is_loopback
                for info in socket.getaddrinfo(host, None)
            )
        except OSError:
            return False


@handles_errors
def serve(
    model_path: Annotated[
        Path | None, typer.Option("--model", help="A model file from `churnlab train`.")
    ] = None,
    run: Annotated[
        Path | None, typer.Option("--run", help="A folder from `churnlab analyze --out`.")
    ] = None,
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="The port.")] = 8000,
    store_url: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="SQLAlchemy URL of the run history (default: CHURNLAB_STORE, else the club "
            "folder's own history.duckdb, or for a bare model a DuckDB file in your data "
            "folder).",
        ),
    ] = None,
) -> None:
    """Serve the scoring API (docs at /docs) and the staff dashboard (at /)."""
    require("service", "churnlab serve")
    import uvicorn

    from churnlab.api import create_app
    from churnlab.scoring.bundle import load_bundle
    from churnlab.store import Store
    from churnlab.store.folder import ID_FILE, ClubFolder

    api_key = os.environ.get(API_KEY_VARIABLE) or None
    if not is_loopback(host) and api_key is None:
        raise UsageError(
            f"refusing to serve on {host!r} without an API key: anyone on the network could "
            "read member data",
            fix=f"set {API_KEY_VARIABLE}, or serve on 127.0.0.1",
        )
    if model_path is None and run is None:
        run = Path("churnlab-report")  # the default --out of `churnlab analyze`
    bundle = load_bundle(run=run, model=model_path)
    if run is not None and (run / ID_FILE).is_file():  # a club's folder: its history only
        folder = ClubFolder(run)
        store = Store(folder.history_url(store_url), club=folder.id)
    else:  # a bare model, or a folder analysed before folders had ids
        store = Store(store_url)
    app = create_app(bundle, store=store, api_key=api_key)
    err.print(
        f"serving {escape(str(run or model_path))} on http://{escape(host)}:{port} "
        f"(dashboard /, API docs /docs); run history: {escape(store.display_url)}"
        + ("" if api_key else "; no API key set: loopback only")
    )
    _log_requests_to_stderr()
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")


def _log_requests_to_stderr() -> None:
    """The API's own request log (route templates only, see churnlab.api.app) on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger = logging.getLogger("churnlab.api")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
