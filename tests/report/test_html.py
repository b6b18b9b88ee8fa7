"""report.html: one self-contained page, every section, escaped data, English and Russian."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser

import pandas as pd
import pytest
from markupsafe import escape

from _wording import fitness_words
from churnlab.analysis.analyze import Analysis, analyze
from churnlab.analysis.summary import QualityWarning, Summary
from churnlab.data.datasets import load_gym_churn
from churnlab.data.infer import infer_spec
from churnlab.data.names import shorten
from churnlab.data.spec import gym_spec
from churnlab.report.html import render_html
from churnlab.report.i18n import TEXT, num, pct, t

SECTIONS = ["conclusions", "data", "quality", "drivers", "segments", "plan", "members"]
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
EVIL = "<script>alert(1)</script>"


class Page(HTMLParser):
    """What a test needs from a page: tags balanced, ids, links, headings, visible text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.starts: list[tuple[str, dict[str, str | None]]] = []
        self.ids: set[str] = set()
        self.section_heading: dict[str, str] = {}
        self.toc_links: list[str] = []
        self.texts: list[str] = []
        self.h2: list[str] = []
        self._section: str | None = None
        self._skip = 0
        self._h2: list[str] | None = None
        self.feed(html)
        self.close()
        if self.stack:
            self.errors.append(f"unclosed: {self.stack}")

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.starts if tag == name]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, dict(attrs))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, dict(attrs))

    def _start(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.starts.append((tag, attrs))
        if attrs.get("id"):
            self.ids.add(str(attrs["id"]))
        if tag == "section":
            self._section = str(attrs.get("id"))
        if tag == "h2":
            self._h2 = []
            if self._section and self._section not in self.section_heading:
                self.section_heading[self._section] = "h2"
        if tag == "a" and "nav" in self.stack:
            self.toc_links.append(str(attrs.get("href")))
        if tag in {"script", "style", "code"}:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        if tag in {"script", "style", "code"}:
            self._skip -= 1
        if tag == "h2" and self._h2 is not None:
            self.h2.append("".join(self._h2).strip())
            self._h2 = None

    def handle_data(self, data: str) -> None:
        if self._h2 is not None:
            self._h2.append(data)
        if not self._skip and data.strip():
            self.texts.append(data)


def _analyse(lang: str) -> Analysis:
    table = load_gym_churn().sample(1500, random_state=0).reset_index(drop=True)
    return analyze(table, gym_spec(), source="club", lang=lang)


@pytest.fixture(scope="module")
def en() -> Analysis:
    return _analyse("en")


@pytest.fixture(scope="module")
def ru() -> Analysis:
    return _analyse("ru")


def _render(analysis: Analysis) -> str:
    return render_html(analysis.summary, members=analysis.members, campaign=analysis.plan.campaign)


@pytest.fixture(scope="module")
def en_html(en: Analysis) -> str:
    return _render(en)


@pytest.fixture(scope="module")
def ru_html(ru: Analysis) -> str:
    return _render(ru)


def test_the_page_parses_with_every_tag_closed(en_html: str) -> None:
    page = Page(en_html)
    assert en_html.startswith("<!DOCTYPE html>")
    assert page.errors == []
    assert page.tags("html") == [{"lang": "en"}]
    assert len(page.tags("title")) == 1
    assert {"charset": "utf-8"} in page.tags("meta")


def test_every_section_has_a_heading_and_a_link_in_the_contents(en_html: str) -> None:
    page = Page(en_html)
    assert [str(a.get("id")) for a in page.tags("section")] == SECTIONS
    assert page.section_heading == dict.fromkeys(SECTIONS, "h2")
    assert page.toc_links == [f"#{s}" for s in SECTIONS]
    assert page.h2 == [t(f"sec_{s}", "en") for s in SECTIONS]


def test_charts_are_inline_svg(en_html: str) -> None:
    page = Page(en_html)
    assert len(page.tags("svg")) >= 8
    assert page.tags("img") == []
    assert "<?xml" not in en_html and "<!DOCTYPE svg" not in en_html
    # every chart is labelled for screen readers
    assert all(svg.get("aria-label") for svg in page.tags("svg"))


def test_nothing_is_loaded_from_anywhere(en_html: str) -> None:
    page = Page(en_html)
    for tag, attrs in page.starts:
        for name in ("src", "href", "xlink:href", "action", "srcset", "poster", "data"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith("#"), (tag, name, value)
    assert page.tags("link") == [] and page.tags("iframe") == []
    assert all("src" not in attrs for attrs in page.tags("script"))
    assert not re.search(r"url\((?!#)|@import|https?://(?!www\.w3\.org/)", en_html)


def test_the_conclusions_come_first_and_verbatim(en: Analysis, en_html: str) -> None:
    page = Page(en_html)
    assert len(en.summary.conclusions) >= 4
    for sentence in en.summary.conclusions:
        assert str(escape(sentence)) in en_html
        assert sentence in page.texts
    first = min(en_html.index(str(escape(c))) for c in en.summary.conclusions)
    assert first < en_html.index('id="data"')


def test_the_key_figures_are_on_cards(en: Analysis, en_html: str) -> None:
    s = en.summary
    cards = en_html[en_html.index('id="conclusions"') : en_html.index('id="data"')]
    assert num(s.data.members, 0, "en") in cards
    assert pct(s.data.churn_rate, "en") in cards
    assert num(s.quality.metrics["roc_auc"], 3, "en") in cards
    assert num(s.plan["campaign"]["members"], 0, "en") in cards
    assert num(s.plan["campaign"]["expected_saving"], 0, "en") in cards


def test_segments_target_groups_and_members_appear(en: Analysis, en_html: str) -> None:
    page = Page(en_html)
    for segment in en.summary.segments:
        assert segment["name"] in page.texts
        assert segment["description"] in page.texts
    group = en.summary.plan["target_groups"][0]
    title, _, who = group["name"].partition(" — ")
    assert title in page.texts and (not who or who in page.texts)
    assert group["action"] in page.texts
    rows = en_html[en_html.index('id="members"') :]
    assert rows.count("<tr data-tier=") == min(100, len(en.members))
    riskiest = en.members.sort_values("churn_probability", ascending=False).iloc[0]
    assert re.search(rf"<td[^>]*>{int(riskiest['row'])}</td>", rows)
    calls = en_html[en_html.index('id="plan"') : en_html.index('id="members"')]
    assert len(re.findall(r'<tr(?: class="more")?><td class="n"', calls)) == min(
        50, len(en.plan.campaign)
    )


def test_drivers_and_data_are_described(en: Analysis, en_html: str) -> None:
    page = Page(en_html)
    for driver in en.summary.drivers:
        assert driver["label"] in page.texts
    for pair in en.summary.data.correlated_pairs:
        labels = {f.feature: f.label for f in en.summary.data.features}
        assert labels[pair["a"]] in page.texts and labels[pair["b"]] in page.texts
    assert t("levers", "en", club=True) in page.texts and t("traits", "en") in page.texts


def test_without_members_or_campaign_those_parts_are_left_out(en: Analysis) -> None:
    html = render_html(en.summary)
    page = Page(html)
    assert page.errors == []
    assert "members" not in page.ids and "#members" not in page.toc_links
    assert "at-risk" not in html
    assert t("call_list", "en", n=50)[:10] not in html
    assert len(page.tags("svg")) >= 8


def test_a_warning_box_shows_leakage(en: Analysis) -> None:
    long_name = "Naive_Bayes_" + "x" * 120
    leaks = ("Cancel_date", "Last, bill", long_name)  # a comma in a name, a long one
    quality = dataclasses.replace(
        en.summary.quality,
        warnings=[QualityWarning("too_good"), QualityWarning("leakage", leaks)],
    )
    html = render_html(dataclasses.replace(en.summary, quality=quality))
    quality_part = html[html.index('id="quality"') : html.index('id="drivers"')]
    assert 'class="warning"' in quality_part
    assert str(escape(t("warn_too_good", "en"))) in quality_part
    assert f"Cancel_date, Last, bill, {shorten(long_name)}" in quality_part
    assert long_name not in quality_part
    assert 'class="warning"' not in render_html(en.summary)


def _evil(summary: Summary) -> Summary:
    """Data text that tries to run code, in every place a name can reach."""
    segments = [
        {**summary.segments[0], "name": EVIL, "description": f"{EVIL} & co"},
        *summary.segments[1:],
    ]
    drivers = [{**summary.drivers[0], "label": f"{EVIL} $5"}, *summary.drivers[1:]]
    features = [
        dataclasses.replace(summary.data.features[0], label=EVIL),
        *summary.data.features[1:],
    ]
    data = dataclasses.replace(
        summary.data, features=features, set_aside=[{"column": EVIL, "reason": EVIL}]
    )
    groups = [{**summary.plan["target_groups"][0], "name": EVIL, "action": EVIL}]
    plan = {**summary.plan, "target_groups": groups}
    return dataclasses.replace(
        summary,
        segments=segments,
        drivers=drivers,
        data=data,
        plan=plan,
        conclusions=[*summary.conclusions, EVIL],
        meta={**summary.meta, "source": EVIL},
    )


def test_data_text_is_escaped_everywhere(en: Analysis) -> None:
    members = en.members.assign(segment_name=EVIL, reason_1=EVIL)
    html = render_html(_evil(en.summary), members=members, campaign=en.plan.campaign)
    page = Page(html)
    assert page.errors == []
    assert EVIL not in html
    assert "alert(1)" in html  # it is there, as text
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 10
    assert len(page.tags("script")) == 1  # ours: the table filter
    assert EVIL in page.texts  # the reader sees the name as written
    assert any(EVIL in text and "$5" in text for text in page.texts)  # the chart label too


def test_the_russian_report_is_russian(ru: Analysis, ru_html: str) -> None:
    page = Page(ru_html)
    assert page.errors == []
    assert page.tags("html") == [{"lang": "ru"}]
    assert page.h2 == [t(f"sec_{s}", "ru") for s in SECTIONS]
    assert all(re.search("[а-яё]", h, re.I) for h in page.h2)
    for sentence in ru.summary.conclusions:
        assert sentence in page.texts
    # numbers in Russian: decimal comma, no-break spaces between thousands
    assert pct(ru.summary.data.churn_rate, "ru") in ru_html
    assert "," in pct(ru.summary.data.churn_rate, "ru")
    assert num(ru.summary.data.members, 0, "ru") == "1\u00a0500"
    assert t("ax_churn_probability", "ru") in page.texts  # chart text is Russian too


def test_the_russian_report_has_no_english_ui_strings(ru_html: str) -> None:
    text = Page(ru_html).text
    found = []
    for key, english in TEXT["en"].items():
        if english == TEXT["ru"][key]:
            continue  # the same in both: ROC-AUC, F1
        fragments = [english] if "{" not in english else re.split(r"\{[^}]*\}", english)
        for fragment in fragments:
            fragment = fragment.strip(" .,;:·()")
            if len(fragment) < (2 if fragment == english else 3):
                continue
            if re.search(rf"(?<![\w-]){re.escape(fragment)}(?![\w-])", text):
                found.append((key, fragment))
    assert found == []


def test_a_table_with_ids_shows_them(en: Analysis) -> None:
    summary = dataclasses.replace(
        en.summary, data=dataclasses.replace(en.summary.data, id_col="member_id")
    )
    members = en.members.assign(member_id=[f"M-{r:05d}" for r in en.members["row"]])
    campaign = en.plan.campaign.assign(member_id=lambda c: [f"M-{r:05d}" for r in c["row"]])
    html = render_html(summary, members=members, campaign=campaign)
    top = members.sort_values("churn_probability", ascending=False).iloc[0]
    assert re.search(rf"<td[^>]*>{re.escape(str(top['member_id']))}</td>", html)
    assert re.search(rf"<td[^>]*>{re.escape(str(campaign['member_id'].iloc[0]))}</td>", html)
    assert "<th>member_id</th>" in html


def test_an_empty_plan_and_no_segments_still_render(en: Analysis) -> None:
    plan = {
        **en.summary.plan,
        "target_groups": [],
        "campaign": {
            "members": 0,
            "expected_cost": 0.0,
            "expected_saving": 0.0,
            "expected_net": 0.0,
        },
    }
    summary = dataclasses.replace(
        en.summary,
        plan=plan,
        segments=[],
        segmentation={
            "method": "none",
            "k_scores": {},
            "chosen_k": 0,
            "stability": float("nan"),
            "dendrogram": [],
        },
    )
    html = render_html(summary, members=en.members.head(0), campaign=pd.DataFrame())
    page = Page(html)
    assert page.errors == []
    assert t("no_plan", "en") in page.texts
    assert t("stability_unknown", "en") in page.texts
    assert "members" not in page.ids


# --- a table unlike the club's -----------------------------------------------------------------


@pytest.fixture(scope="module")
def telco_pages(telco: pd.DataFrame) -> dict[str, tuple[Analysis, Page]]:
    """The report on a table unlike the club's, in both languages (Russian on a sample)."""
    pages = {}
    for lang, frame in (("en", telco), ("ru", telco.sample(700, random_state=0))):
        analysis = analyze(frame, infer_spec(frame), source="telco.csv", lang=lang)
        pages[lang] = (analysis, Page(_render(analysis)))
    return pages


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_table_unlike_the_club_has_no_club_wording(
    telco_pages: dict[str, tuple[Analysis, Page]], lang: str
) -> None:
    _, page = telco_pages[lang]
    assert not page.errors
    assert not fitness_words(page.text)
    # the wording for any business replaces the club's
    assert t("levers", lang, club=True) not in page.text
    average = t("churn_by_value_note", lang, rate="")
    assert average.split("(")[0] in page.text


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_report_names_its_playbook_and_how_to_give_ones_own(
    telco_pages: dict[str, tuple[Analysis, Page]], en: Analysis, lang: str
) -> None:
    analysis, page = telco_pages[lang]
    said = t(
        "playbook_builtin",
        lang,
        name=analysis.playbook.name[lang],
        file="churnlab/plan/playbooks/subscription.yaml",
    )
    assert said in page.texts and "--playbook" in said
    club = Page(render_html(en.summary))
    assert (
        t(
            "playbook_builtin",
            "en",
            name=en.playbook.name["en"],
            file="churnlab/plan/playbooks/fitness.yaml",
        )
        in club.texts
    )
    own = dataclasses.replace(
        en.summary, plan={**en.summary.plan, "playbook": {"name": "Ours", "file": None}}
    )
    assert t("playbook_own", "en", name="Ours") in Page(render_html(own)).texts


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_roles_not_given_are_shown_as_such(
    telco_pages: dict[str, tuple[Analysis, Page]], lang: str
) -> None:
    analysis, page = telco_pages[lang]
    assert {d["role"] for d in analysis.summary.drivers} == {"unknown"}
    badges = [a for a in page.tags("span") if a.get("class") == "badge unknown"]
    assert len(badges) >= len(analysis.summary.data.features)
    assert t("role_unknown", lang) in page.texts and t("trait", lang) not in page.texts
    assert t("unknown_roles", lang) in page.texts
    # not a single list of levers or traits: no role is known
    assert t("traits", lang) not in page.texts and t("none_levers", lang) not in page.texts
    label = re.escape(t("importance_chart", lang))
    legend = re.findall(rf'<svg aria-label="{label}".*?</svg>', _render(analysis), flags=re.S)[0]
    assert t("leg_unknown", lang) in legend and t("leg_trait", lang) not in legend


def test_the_club_report_knows_every_role_and_speaks_of_the_club(
    en: Analysis, en_html: str
) -> None:
    page = Page(en_html)
    assert {d["role"] for d in en.summary.drivers} <= {"lever", "trait"}
    assert t("role_unknown", "en") not in page.texts and t("unknown_roles", "en") not in page.texts
    first = en.summary.segments[0]
    size = t(
        "portrait_members",
        "en",
        club=True,
        members=num(first["size"], 0, "en"),
        share=pct(first["share"], "en", 0),
    )
    assert size in page.texts and size.endswith("of the club")


def test_no_id_is_used_twice_in_the_page(en: Analysis) -> None:
    """Fifteen charts on one page: an id matplotlib gives every chart (figure_1, patch_1 ...)
    would be on the page fifteen times; every id that is left is there once, and every id a
    chart points to is on the page."""
    html = render_html(en.summary, members=en.members, campaign=en.plan.campaign)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) > 20 and len(ids) == len(set(ids))
    pointed = set(re.findall(r'(?:href="|url\()#([^")]+)', html))
    assert pointed and pointed <= set(ids)


def test_the_member_list_filters_by_what_tells_its_rows_apart(en: Analysis) -> None:
    def filters(members: pd.DataFrame) -> tuple[list[tuple[str, int]], list[tuple[str, str]]]:
        html = render_html(en.summary, members=members)
        part = html[html.index('id="members"') :]
        buttons = re.findall(r'data-group="(\d+)" aria-pressed="false">([^<]*) · (\d+)<', part)
        rows = re.findall(r'<tr data-tier="\w+" data-group="(\d+)"(?: class="more")?>', part)
        texts = {group: text for group, text, _ in buttons}
        shown = [(text, int(count)) for _, text, count in buttons]
        return shown, [(texts[g], g) for g in rows]

    top = en.members.sort_values("churn_probability", ascending=False, kind="stable").head(100)
    # the 100 most at risk here are all of the high tier: a tier filter would not filter
    assert set(top["risk_tier"]) == {"high"}
    shown, rows = filters(en.members)
    measures = top["recommended_measure"].value_counts()
    assert dict(shown) == measures.to_dict() and len(shown) > 1
    assert [text for text, _ in rows] == top["recommended_measure"].tolist()
    # members of several tiers are filtered by tier, riskiest first
    mixed = en.members.iloc[::40]
    shown, rows = filters(mixed)
    tiers = mixed["risk_tier"].value_counts()
    assert [text for text, _ in shown] == [t for t in ("high", "medium", "low") if t in tiers]
    assert dict(shown) == tiers.to_dict()
    # one kind of member only: no filter at all
    one = en.members[en.members["recommended_measure"] == measures.index[0]].head(3)
    one = one.assign(risk_tier="high")
    html = render_html(en.summary, members=one)
    assert 'class="filter"' not in html and "data-group=" not in html


def _card_values(html: str, column: str) -> list[str]:
    """The values a feature's card lists (its rows' left column), read from the page."""
    card = html.split(f"<code>{column}</code>", 1)[1].split('<div class="fcard', 1)[0]
    return re.findall(r'<span class="v" title="[^"]*">([^<]*)</span>', card)


def test_binary_features_read_in_their_own_words(en_html: str, ru_html: str) -> None:
    # The club's README gives gender as 0/1 with no meaning for either: its values are shown as
    # the codes, where yes and no fit the columns that say whether a member has something.
    assert _card_values(en_html, "gender") == ["0", "1"]
    assert _card_values(ru_html, "gender") == ["0", "1"]
    assert _card_values(en_html, "Partner") == ["no", "yes"]
    assert _card_values(ru_html, "Partner") == ["нет", "да"]
