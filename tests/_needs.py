"""Tests that need a system part (a browser, a database server): skip here, fail in `make test`.

`make test` installs those parts first and sets ``CHURNLAB_REQUIRE_<PART>=1``, so a missing part
there is a failure, never a quiet skip; a developer running pytest alone gets a skip that says how
to get the part.
"""

from __future__ import annotations

import os

import pytest


def require(missing: str | None, *, part: str, how: str) -> None:
    """Skip (or fail under ``CHURNLAB_REQUIRE_<PART>=1``) when ``missing`` says what is missing."""
    if missing is None:
        return
    message = f"{missing}: {how}"
    if os.environ.get(f"CHURNLAB_REQUIRE_{part.upper()}") == "1":
        pytest.fail(message)
    pytest.skip(message)
