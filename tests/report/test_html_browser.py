"""report.html in a real browser: headless Chromium loads it offline, runs its script, draws it.

Needs Debian's ``chromium`` (``make browser`` installs it). Without it the tests are skipped —
or fail, when ``CHURNLAB_REQUIRE_BROWSER=1`` (``make test`` sets it), so CI cannot pass quietly
without a browser.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from _browser import chromium, png_size, run_chromium
from churnlab.analysis.analyze import Analysis, analyze
from churnlab.data.datasets import load_gym_churn
from churnlab.data.spec import gym_spec
from churnlab.report.html import render_html

SECTIONS = ["conclusions", "data", "quality", "drivers", "segments", "plan", "members"]


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


def test_the_browser_builds_every_section(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    browser = chromium()
    report: Path = request.getfixturevalue("report")
    analysis: Analysis = request.getfixturevalue("analysis")
    dom = run_chromium(browser, tmp_path, "--dump-dom", report.as_uri()).stdout
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
    browser = chromium()
    report: Path = request.getfixturevalue("report")
    shot = tmp_path / "shot.png"
    run_chromium(
        browser,
        tmp_path,
        f"--screenshot={shot}",
        f"--window-size={width},{height}",
        report.as_uri(),
    )
    assert shot.stat().st_size > 20_000
    assert png_size(shot) == (width, height)
    from PIL import Image

    with Image.open(shot) as image:
        colours = image.convert("RGB").resize((64, 64)).getcolors(64 * 64)
    assert colours is not None and len(colours) > 50  # text, cards and charts, not a blank page


def test_a_chip_shows_only_its_members(analysis: Analysis, report: Path, tmp_path: Path) -> None:
    browser = chromium()
    html = report.read_text(encoding="utf-8")
    # a click on the second chip, as a user would, once the page's own script has run
    click = '<script>document.querySelectorAll(".filter button")[1].click();</script>'
    clicked = tmp_path / "clicked.html"
    clicked.write_text(html.replace("</body>", click + "</body>"), encoding="utf-8")
    dom = run_chromium(browser, tmp_path, "--dump-dom", clicked.as_uri()).stdout
    part = dom[dom.index('<section id="members">') :]
    chip = re.search(r'data-group="0" aria-pressed="true">([^<]*) · (\d+)<', part)
    assert chip is not None, part[:2000]
    row = r'<tr data-tier="\w+" data-group="(\d+)"(?: class="more")?'
    shown = re.findall(row + ">", part)
    hidden = re.findall(row + ' hidden="">', part)
    assert set(shown) == {"0"} and len(shown) == int(chip.group(2))
    assert hidden and "0" not in hidden and len(shown) + len(hidden) == 100


def _on_a_phone(report: Path, tmp_path: Path, script: str, *, width: int = 390) -> str:
    """What ``script`` (run on the report's document ``d`` once it has loaded in a frame 390
    CSS pixels wide, a phone's, or ``width``) puts in the title. Headless Chromium's own window
    is never narrower than 500 pixels, so the report is shown in a frame of a phone's width."""
    frame = html.escape(report.read_text(encoding="utf-8"), quote=True)
    host = tmp_path / "phone.html"
    host.write_text(
        '<!DOCTYPE html><html><head><title>-</title></head><body style="margin:0">'
        f'<iframe id="f" style="width:{width}px;height:844px;border:0" srcdoc="{frame}"></iframe>'
        '<script>var f = document.getElementById("f"); f.addEventListener("load", function () {'
        f" var d = f.contentDocument; {script} }});</script></body></html>",
        encoding="utf-8",
    )
    browser = chromium()
    window = f"--window-size={max(800, width + 40)},900"
    dom = run_chromium(browser, tmp_path, window, "--dump-dom", host.as_uri())
    title = re.search(r"<title>([^<]*)</title>", dom.stdout)
    assert title is not None
    return title.group(1)


@pytest.fixture(scope="module")
def ru_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole club's report in Russian, whose words run longer."""
    analysis = analyze(load_gym_churn(), gym_spec(), source="club", lang="ru")
    path = tmp_path_factory.mktemp("report_ru") / "report.html"
    html = render_html(analysis.summary, members=analysis.members, campaign=analysis.plan.campaign)
    path.write_text(html, encoding="utf-8")
    return path


@pytest.mark.parametrize("which", ["report", "ru_report"])
def test_on_a_phone_the_report_is_25_screens_and_no_cell_is_wider(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    report: Path = request.getfixturevalue(which)
    measured = _on_a_phone(report, tmp_path, (
        "var e = d.documentElement, widest = 0;"
        " d.querySelectorAll('td, th').forEach(function (c) {"
        "   var w = c.getBoundingClientRect().width; if (w > widest) { widest = w; } });"
        " document.title = [e.scrollHeight, e.scrollWidth, e.clientWidth, widest].join(' ');"
    ))  # fmt: skip
    height, width, inner, widest = (float(v) for v in measured.split())
    assert height <= 25 * 844, f"{height / 844:.1f} screens"
    assert width <= inner and widest <= inner  # nothing wider than the screen


@pytest.mark.parametrize("width", [390, 1100])
def test_a_table_that_scrolls_sideways_says_so_and_no_other(
    width: int, ru_report: Path, tmp_path: Path
) -> None:
    # each table's box: does it scroll (its own geometry), and is a hint shown just above it
    measured = _on_a_phone(ru_report, tmp_path, (
        "var boxes = Array.from(d.querySelectorAll('.table-scroll'));"
        " document.title = boxes.map(function (b) {"
        "   var n = b.previousElementSibling, shown = !!n && n.classList.contains('scroll-hint')"
        "     && n.offsetParent !== null && n.textContent.indexOf('Листайте вбок') === 0;"
        "   return (b.scrollWidth > b.clientWidth + 1 ? 'W' : 'n') + (shown ? 'H' : '-');"
        " }).join(' ');"
    ), width=width)  # fmt: skip
    boxes = measured.split()
    assert len(boxes) == ru_report.read_text(encoding="utf-8").count('class="table-scroll"')
    assert all(box in ("WH", "n-") for box in boxes), boxes
    if width == 390:
        assert "WH" in boxes  # the target groups' table, at least, scrolls on a phone
    else:
        assert "WH" not in boxes  # and nothing does on a laptop


def test_on_a_phone_show_all_shows_the_rest(report: Path, tmp_path: Path) -> None:
    measured = _on_a_phone(report, tmp_path, (
        "function shown() { return Array.from(d.querySelectorAll('#at-risk tbody tr'))"
        "   .filter(function (r) { return r.offsetParent !== null; }).length; }"
        " var before = shown(); d.querySelector('label[for=members-all]').click();"
        " document.title = before + ' ' + shown();"
    ))  # fmt: skip
    assert measured == "5 100"
