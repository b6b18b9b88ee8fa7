"""The API's documentation at ``/docs``: served by the app itself, then drawn in headless Chromium
with every request outside the app refused.

The browser test drives Debian's ``chromium`` through Playwright (see ``test_dashboard.py``);
without them it is skipped — or fails, when ``CHURNLAB_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from _needs import CHROMIUM_FLAGS
from _serving import playwright_chromium, serving
from churnlab.api import create_app
from churnlab.api.docs import DOCS_CSP
from churnlab.scoring.bundle import Bundle

KEY = "docs-key"

#: What each file the page links must be sent as.
TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


class _Page(HTMLParser):
    """The files a page links (``<script src>``, ``<link href>``), its inline scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "style" in found or tag == "style" or any(a.startswith("on") for a in found):
            self.inline.append(self.get_starttag_text() or tag)
        if tag == "script":
            self._in_script = True
            if found.get("src"):
                self.links.append(str(found["src"]))
            else:
                self.inline.append("<script> without src")
        elif tag == "link" and found.get("href"):
            self.links.append(str(found["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append(f"script text {data.strip()[:40]!r}")


def _read(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@pytest.fixture(scope="module")
def bundle(club_bundle: Bundle) -> Bundle:
    return club_bundle


@pytest.fixture(scope="module")
def client(bundle: Bundle) -> TestClient:
    return TestClient(create_app(bundle, api_key=KEY))


# ----------------------------------------------------------------------------- in process


def test_docs_page_is_ours_with_a_strict_policy(client: TestClient) -> None:
    response = client.get("/docs")  # no key: the page shows the schema only
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == DOCS_CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    policy = {d.split()[0]: d.split()[1:] for d in DOCS_CSP.split(";") if d.strip()}
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"] and policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    html = response.text
    assert not re.search(r"https?://", html)
    page = _read(html)
    assert page.inline == []
    assert 'id="swagger-ui" data-schema="openapi.json"' in html
    assert {urlsplit(link).path.rsplit("/", 1)[-1] for link in page.links} == {
        "favicon.png", "swagger-ui.css", "swagger-ui-bundle.js", "docs.js",
    }  # fmt: skip


def test_every_file_the_page_links_is_served_with_its_type(client: TestClient) -> None:
    page = _read(client.get("/docs").text)
    for link in page.links:
        assert not link.startswith("/"), link  # relative: it works behind a root_path
        # as a browser resolves it, on the page and on the page behind a prefix
        assert urljoin("http://club/churn/docs", link).startswith("http://club/churn/docs/assets/")
        response = client.get(urljoin("http://testserver/docs", link))
        assert response.status_code == 200, link
        suffix = "." + urlsplit(link).path.rsplit(".", 1)[-1]
        assert TYPES[suffix] in response.headers["content-type"], link
        assert response.headers["x-content-type-options"] == "nosniff"
        assert len(response.content) > 1000 or suffix == ".js"
    docs_js = client.get("/docs/assets/docs.js").text
    assert "SwaggerUIBundle(" in docs_js and 'dom_id: "#swagger-ui"' in docs_js
    assert "validatorUrl: null" in docs_js and not re.search(r"https?://", docs_js)


def test_the_page_works_behind_a_prefix(bundle: Bundle) -> None:
    """Behind a proxy that serves the app under /churn (uvicorn's --root-path)."""
    client = TestClient(create_app(bundle, api_key=KEY), root_path="/churn")
    page = client.get("/churn/docs")
    assert page.status_code == 200
    links = _read(page.text).links
    schema = re.search(r'data-schema="([^"]+)"', page.text)
    assert schema is not None
    for link in [*links, schema.group(1)]:
        assert client.get(urljoin("http://testserver/churn/docs", link)).status_code == 200, link
    assert urljoin("/churn/docs", schema.group(1)) == "/churn/openapi.json"


def test_swagger_ui_is_version_5(client: TestClient) -> None:
    """Swagger UI 4 cannot draw OpenAPI 3.1, which FastAPI writes."""
    bundle_js = client.get("/docs/assets/swagger-ui-bundle.js").text
    found = re.search(r'PACKAGE_VERSION:"(\d+)\.', bundle_js)
    assert found is not None and int(found.group(1)) >= 5
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")


def test_only_the_pages_files_are_served(client: TestClient) -> None:
    for path in (
        "/docs/assets/redoc.standalone.js",  # in fastapi-offline's folder, not served
        "/docs/assets/dashboard.js",  # in churnlab's static folder, not the docs'
        "/docs/assets/",
        "/docs/assets/../docs.py",
        "/docs/assets/%2e%2e/docs.py",
        "/docs/assets/nothing.js",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post("/docs/assets/docs.js").status_code == 405


def test_the_bundle_can_be_revalidated(client: TestClient) -> None:
    first = client.get("/docs/assets/swagger-ui-bundle.js")
    again = client.get(
        "/docs/assets/swagger-ui-bundle.js", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""


def test_fastapis_cdn_pages_are_gone_and_the_schema_stays(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404
    assert client.get("/docs/oauth2-redirect").status_code == 404
    schema = client.get("/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/v1/score" in paths
    assert not any(p.startswith("/docs") or p == "/redoc" for p in paths)
    assert client.get("/v1/summary").status_code == 401  # the key still guards the data


# ----------------------------------------------------------------------------- in a browser


@pytest.fixture(scope="module")
def server(bundle: Bundle) -> Iterator[str]:
    with serving(create_app(bundle, api_key=KEY)) as base:
        yield base


#: Run before the page's own scripts: records each CSP violation the page meets.
_WATCH_CSP = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} (${e.sourceFile})`);
}, true);
"""


def test_docs_in_chromium_offline(server: str) -> None:
    chromium, sync_playwright = playwright_chromium()
    outside: list[str] = []
    errors: list[str] = []

    def only_the_app(route: Any) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(15_000)
            page.add_init_script(_WATCH_CSP)
            page.route("**/*", only_the_app)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on(
                "console",
                lambda m: errors.append(m.text) if m.type in ("error", "warning") else None,
            )
            page.goto(server + "docs")

            # Swagger UI drew the schema: the title and the operations
            page.wait_for_selector(".opblock-summary-path")
            assert page.inner_text(".info .title").startswith("churnlab")
            paths = page.locator(".opblock-summary-path").all_inner_texts()
            assert "/v1/score" in paths and "/health" in paths
            assert page.title() == "churnlab – API documentation"

            # "Try it out" on /health: the request goes to the app, the answer is drawn
            health = page.locator(".opblock", has=page.locator("[data-path='/health']"))
            health.locator(".opblock-summary").click()
            health.locator(".try-out__btn").click()
            health.locator(".execute").click()
            answer = health.locator(".live-responses-table tr.response .response-col_status")
            answer.wait_for()
            assert answer.inner_text().strip() == "200"
            assert '"status": "ok"' in health.locator(".live-responses-table").inner_text()

            # the styles applied: swagger-ui.css is in force, not a bare page
            colour = page.locator(".opblock-summary-method").first.evaluate(
                "e => getComputedStyle(e).backgroundColor"
            )
            assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
            violations = page.evaluate("window.__violations")
        finally:
            browser.close()
    assert outside == []
    assert violations == []
    assert errors == []
