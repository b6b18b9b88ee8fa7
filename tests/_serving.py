"""The dashboard's browser tests' helpers: an app served live by uvicorn on a free local port,
and Debian's Chromium driven by Playwright (skip, or fail under ``CHURNLAB_REQUIRE_BROWSER=1``)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI

from _needs import require

NO_BROWSER = (
    "the dashboard's browser tests need Debian's chromium (`make browser`) and Playwright's "
    "Python package (`pip install playwright`, without `playwright install`)"
)


def playwright_chromium() -> tuple[str, Any]:
    """Chromium's path and Playwright's ``sync_playwright``, or skip (fail when required)."""
    missing = []
    chromium = shutil.which("chromium")
    if chromium is None:
        missing.append("chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing.append("playwright is not installed")
    require("; ".join(missing) or None, part="browser", how=NO_BROWSER)
    assert chromium is not None
    return chromium, sync_playwright


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """`app` served by uvicorn in a thread on a free local port: its base URL."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    # no signal handlers: the server runs in a thread (newer uvicorn skips them there anyway)
    server.config.install_signal_handlers = False  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on port {port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
