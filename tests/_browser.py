"""Headless Chromium for the report tests: find it (skip, or fail under
``CHURNLAB_REQUIRE_BROWSER=1``), run it offline on a page, and read the PNG it draws."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

from _needs import CHROMIUM_FLAGS, require

PNG = b"\x89PNG\r\n\x1a\n"
NO_BROWSER = "run `make browser` (installs Debian's chromium) to run the report's browser tests"


def chromium() -> str:
    """The browser, or skip — fail under ``CHURNLAB_REQUIRE_BROWSER=1`` — saying how to get it."""
    path = shutil.which("chromium")
    require(None if path else "chromium is not installed", part="browser", how=NO_BROWSER)
    assert path is not None
    return path


def run_chromium(browser: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with its own profile in `tmp_path`; it must exit 0."""
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    command = [
        browser,
        "--headless",
        *CHROMIUM_FLAGS,
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def png_size(path: Path) -> tuple[int, int]:
    """A PNG file's width and height; it must be a PNG."""
    data = path.read_bytes()
    assert data[:8] == PNG, "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height
