"""report.html in a real browser: headless Chromium loads it offline, runs its script, draws it.

Needs Debian's ``chromium`` (``make browser`` installs it). Without it the tests are skipped —
or fail, when ``CHURNLAB_REQUIRE_BROWSER=1`` (``make test`` sets it), so CI cannot pass quietly
without a browser.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from _needs import CHROMIUM_FLAGS, require
from churnlab.analysis.analyze import Analysis, analyze
from churnlab.data.datasets import load_gym_churn
from churnlab.data.spec import gym_spec
from churnlab.report.html import render_html

SECTIONS = ["conclusions", "data", "quality", "drivers", "segments", "plan", "members"]
PNG = b"\x89PNG\r\n\x1a\n"
NO_BROWSER = "run `make browser` (installs Debian's chromium) to run the report's browser tests"


def _chromium() -> str:
    """The browser, or skip — fail under ``CHURNLAB_REQUIRE_BROWSER=1`` — saying how to get it."""
    path = shutil.which("chromium")
    require(None if path else "chromium is not installed", part="browser", how=NO_BROWSER)
    assert path is not None
    return path


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    table = load_gym_churn().sample(1500, random_state=0).reset_index(drop=True)
    return analyze(table, gym_spec(), source="club", lang="en")


@pytest.fixture(scope="module")
def report(analysis: Analysis, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    html = render_html(analysis.summary, members=analysis.members, campaign=analysis.plan.campaign)
    path.write_text(html, encoding="utf-8")
    return path


def _run(chromium: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    command = [
        chromium,
        "--headless",
        *CHROMIUM_FLAGS,
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG, "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_browser_builds_every_section(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    chromium = _chromium()
    report: Path = request.getfixturevalue("report")
    analysis: Analysis = request.getfixturevalue("analysis")
    dom = _run(chromium, tmp_path, "--dump-dom", report.as_uri()).stdout
    assert dom.startswith("<html") or "<html" in dom[:200]
    for section in SECTIONS:
        assert f'<section id="{section}">' in dom
    assert dom.count("<svg") >= 8
    for sentence in analysis.summary.conclusions:  # as the browser writes text back out
        written = sentence.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert written.replace("\u00a0", "&nbsp;") in dom
    # the script ran: it shows the tier filter, which is hidden until then
    start = dom.index('data-filter-table="at-risk"')
    tag = dom[dom.rindex("<", 0, start) : dom.index(">", start)]
    assert "hidden" not in tag


@pytest.mark.parametrize(("width", "height"), [(1280, 3000), (390, 2400)])
def test_the_browser_draws_the_page(
    request: pytest.FixtureRequest, tmp_path: Path, width: int, height: int
) -> None:
    chromium = _chromium()
    report: Path = request.getfixturevalue("report")
    shot = tmp_path / "shot.png"
    _run(
        chromium,
        tmp_path,
        f"--screenshot={shot}",
        f"--window-size={width},{height}",
        report.as_uri(),
    )
    assert shot.stat().st_size > 20_000
    assert _png_size(shot) == (width, height)
    from PIL import Image

    with Image.open(shot) as image:
        colours = image.convert("RGB").resize((64, 64)).getcolors(64 * 64)
    assert colours is not None and len(colours) > 50  # text, cards and charts, not a blank page
