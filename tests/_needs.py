"""Tests that need a system part (a browser, a database server): skip here, fail in `make test`.

`make test` installs those parts first and sets ``CHURNLAB_REQUIRE_<PART>=1``, so a missing part
there is a failure, never a quiet skip; a developer running pytest alone gets a skip that says how
to get the part.
"""

from __future__ import annotations

import os

import pytest

#: How Debian's chromium must start here: no sandbox as root, no GPU, and none of its own network
#: traffic (this machine's network is closed, and the tests must send nothing outside).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require(missing: str | None, *, part: str, how: str) -> None:
    """Skip (or fail under ``CHURNLAB_REQUIRE_<PART>=1``) when ``missing`` says what is missing."""
    if missing is None:
        return
    message = f"{missing}: {how}"
    if os.environ.get(f"CHURNLAB_REQUIRE_{part.upper()}") == "1":
        pytest.fail(message)
    pytest.skip(message)
