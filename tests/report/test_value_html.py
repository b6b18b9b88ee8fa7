"""Both pages show what the members are worth and whom to call first, and why.

The analysis is a real one (the club's table, as tests/report/test_html.py builds it), and so is
the month (the club's folder scoring the bundled table, as tests/report/test_month_review.py
builds it). Every figure the pages show is checked against the members' own table summed here
(scores' ``member_value``, ``value_at_risk``, … per member; the campaign's first calls) and
written out here in each language's format, not with the page's own formatting.
"""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from typing import Any

import pandas as pd
import pytest

from churnlab.analysis.analyze import Analysis, analyze
from churnlab.analysis.month import MonthRun, run_month
from churnlab.analysis.summary import Summary
from churnlab.data.datasets import load_gym_churn
from churnlab.data.spec import gym_spec
from churnlab.report.html import render_html
from churnlab.report.month_html import render_month

NBSP = "\u00a0"
MINUS = "\u2212"
EVIL = "<script>alert(1)</script>"
VALUE_KEYS = ("member_value", "value_at_risk", "stay_3m", "stay_12m", "expected_months_12")


# --- numbers as each language writes them, by hand ----------------------------------------------


def number(value: float, digits: int, lang: str) -> str:
    """``1,234.5`` in English, ``1 234,5`` (no-break spaces) in Russian, a true minus sign."""
    rounded = round(value, digits)
    text = f"{abs(rounded):,.{digits}f}"
    if lang == "ru":
        text = text.replace(",", NBSP).replace(".", ",")
    return (MINUS if rounded < 0 else "") + text


def money(value: float, lang: str, currency: str = "USD") -> str:
    return f"{number(value, 0, lang)}{NBSP}{currency}"


def percent(share: float, lang: str, digits: int = 1) -> str:
    text = number(100 * share, digits, lang)
    if digits:
        text = text.rstrip("0").rstrip("," if lang == "ru" else ".")
    return f"{text}{NBSP}%" if lang == "ru" else f"{text}%"


# --- the page ----------------------------------------------------------------------------------


def marked(marker: str, attrs: list[tuple[str, str | None]]) -> bool:
    """Whether an element is the one named: ``#name`` by its id, else by one of its classes."""
    named = dict(attrs)
    if marker.startswith("#"):
        return named.get("id") == marker[1:]
    return marker in str(named.get("class") or "").split()


class Block(HTMLParser):
    """The text of every element of a given class (or ``#id``) (whitespace collapsed, no-break
    spaces kept), the rows of its tables, and whether the page's tags balance."""

    def __init__(self, html: str, marker: str) -> None:
        super().__init__(convert_charrefs=True)
        self.marker = marker
        self.stack: list[str] = []
        self.parts: list[str] = []
        self.raw: list[str] = []
        self.rows: list[list[str]] = []
        self.terms: list[str] = []
        self.figures: list[str] = []
        self.found = 0
        self._depth = 0
        self._cell = False
        self.feed(html)
        self.close()
        assert self.stack == [], self.stack
        self.text = " ".join(self.parts)
        #: the text as read, inline elements (<code>, <strong>) run into their sentence
        self.prose = re.sub(r"[ \t\r\n]+", " ", "".join(self.raw)).strip(" ")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"meta", "br", "img", "input", "link", "hr", "wbr"}:
            return
        self.stack.append(tag)
        mine = marked(self.marker, attrs)
        if self._depth or mine:
            self._depth += 1
            self.found += mine and self._depth == 1
        if self._depth and tag == "tr":
            self.rows.append([])
        if self._depth and tag in ("td", "th") and self.rows:
            self.rows[-1].append("")
            self._cell = True

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-3:])
        self.stack.pop()
        self._depth = max(self._depth - 1, 0)
        self._cell = self._cell and tag not in ("td", "th")

    def handle_data(self, data: str) -> None:
        text = re.sub(r"[ \t\r\n]+", " ", data).strip(" ")
        if self._depth and self.stack[-1] not in ("style", "script"):
            self.raw.append(data)
        if self._depth and text and self.stack[-1] not in ("style", "script"):
            self.parts.append(text)
            if self._cell:
                self.rows[-1][-1] = f"{self.rows[-1][-1]} {text}".strip()
            if self.stack[-1] in ("dt", "dd"):
                (self.terms if self.stack[-1] == "dt" else self.figures).append(text)

    def row(self, first: str) -> list[str]:
        found = [row for row in self.rows if row and row[0] == first]
        assert len(found) == 1, (first, self.rows)
        return found[0]


def _analyse(lang: str) -> Analysis:
    table = load_gym_churn().sample(1500, random_state=0).reset_index(drop=True)
    return analyze(table, gym_spec(), source="club", lang=lang)


@pytest.fixture(scope="module")
def analyses() -> dict[str, Analysis]:
    return {lang: _analyse(lang) for lang in ("en", "ru")}


def report(analysis: Analysis, summary: Summary | None = None) -> str:
    return render_html(
        summary or analysis.summary, members=analysis.members, campaign=analysis.plan.campaign
    )


@pytest.fixture(scope="module")
def pages(analyses: dict[str, Analysis]) -> dict[str, str]:
    return {lang: report(analysis) for lang, analysis in analyses.items()}


LABELS = {
    "en": {
        "total": "Members’ value over the next 12 months",
        "at_risk": "Value at risk next month",
        "months": "Paid months of the next 12, expected on average",
        "of_12": "of 12",
        "stay_3m": "Chance of still being a member in 3 months, on average",
        "stay_12m": "Chance of still being a member in 12 months, on average",
        "held": "The figures hold each member’s behaviour at its last values and do not "
        "discount later months.",
        "portrait_at_risk": "{value} at risk next month",
    },
    "ru": {
        "total": "Ценность клиентов за ближайшие 12 месяцев",
        "at_risk": "Ценность под угрозой в следующем месяце",
        "months": "Оплаченных месяцев из ближайших 12, ожидается в среднем",
        "of_12": "из 12",
        "stay_3m": "Вероятность остаться клиентом через 3 месяца, в среднем",
        "stay_12m": "Вероятность остаться клиентом через 12 месяцев, в среднем",
        "held": "Расчёт принимает поведение каждого клиента неизменным, как в последних данных, "
        "и не дисконтирует будущие месяцы.",
        "portrait_at_risk": "под угрозой в следующем месяце: {value}",
    },
}


def stats(html: str, marker: str) -> dict[str, str]:
    """The figures of a block's <dl>, by label."""
    block = Block(html, marker)
    return dict(zip(block.terms, block.figures, strict=True))


# --- the analysis report: the value ------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_members_value_is_the_members_own_summed(
    analyses: dict[str, Analysis], pages: dict[str, str], lang: str
) -> None:
    members = analyses[lang].members
    value = analyses[lang].summary.value
    # the summary's figures are the members' table summed and averaged (scores.csv)
    assert value["member_value"] == pytest.approx(members["member_value"].sum(), abs=0.01)
    assert value["value_at_risk"] == pytest.approx(
        (members["churn_probability"] * members["kept_value"]).sum(), rel=1e-6
    )
    words = LABELS[lang]
    shown = stats(pages[lang], "value-block")
    assert shown == {
        words["total"]: money(members["member_value"].sum(), lang),
        words["at_risk"]: money(members["value_at_risk"].sum(), lang),
        words["months"]: f"{number(members['expected_months_12'].mean(), 1, lang)} "
        f"{words['of_12']}",
        words["stay_3m"]: percent(members["stay_3m"].mean(), lang),
        words["stay_12m"]: percent(members["stay_12m"].mean(), lang),
    }
    block = Block(pages[lang], "value-block")
    assert block.found == 1
    assert words["held"] in block.text  # the assumption, in one sentence


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_each_portrait_shows_the_value_at_risk_it_carries(
    analyses: dict[str, Analysis], pages: dict[str, str], lang: str
) -> None:
    members = analyses[lang].members
    by_portrait = members.groupby("segment_name")["value_at_risk"].sum()
    worth = members.groupby("segment_name")["member_value"].sum()
    size = members.groupby("segment_name").size()
    table = Block(pages[lang], "value-portraits")
    body = table.rows[1:]
    assert [row[0] for row in body] == by_portrait.sort_values(ascending=False).index.tolist()
    total = members["value_at_risk"].sum()
    for name, at_risk in by_portrait.items():
        assert table.row(str(name))[1:] == [
            number(size[name], 0, lang),
            money(worth[name], lang),
            money(at_risk, lang),
            percent(at_risk / total, lang, 0),
        ]
    cards = Block(pages[lang], "portrait").text
    for name, at_risk in by_portrait.items():
        assert LABELS[lang]["portrait_at_risk"].format(value=money(at_risk, lang)) in cards, name


def test_a_discount_is_stated_with_its_rate(analyses: dict[str, Analysis]) -> None:
    for lang, sentence in (
        ("en", "and discount later months at 1.5% a month."),
        ("ru", f"и дисконтирует будущие месяцы по ставке 1,5{NBSP}% в месяц."),
    ):
        summary = analyses[lang].summary
        valued = dataclasses.replace(summary, value={**summary.value, "discount": 0.015})
        assert sentence in Block(report(analyses[lang], valued), "value-block").text


def test_missing_figures_show_as_a_dash(analyses: dict[str, Analysis]) -> None:
    summary = analyses["en"].summary
    value = {**summary.value, "stay_3m": None, "expected_months_12": None}
    segments = [{**summary.segments[0], "value_at_risk": None}, *summary.segments[1:]]
    html = report(analyses["en"], dataclasses.replace(summary, value=value, segments=segments))
    shown = stats(html, "value-block")
    assert shown[LABELS["en"]["stay_3m"]] == "—"
    assert shown[LABELS["en"]["months"]] == "—"
    table = Block(html, "value-portraits")
    assert table.rows[-1][0] == summary.segments[0]["name"]  # unknown: last
    assert table.rows[-1][3:] == ["—", "—"]


# --- the analysis report: whom to call first ---------------------------------------------------


def test_the_first_calls_are_the_campaigns_first(analyses: dict[str, Analysis]) -> None:
    """The ranking's "now" is the campaign's first 50 calls, counted here from the list."""
    for analysis in analyses.values():
        first = analysis.plan.campaign.head(50)
        now = analysis.summary.plan["ranking"]["now"]
        assert now["members"] == len(first)
        assert now["near_certain"] == int((first["churn_probability"] >= 0.9).sum())
        assert now["expected_kept"] == pytest.approx(first["expected_kept"].sum(), abs=1e-4)
        assert now["expected_net"] == pytest.approx(first["expected_net"].sum(), abs=0.01)


def test_the_ranking_sentence_has_the_right_counts(
    analyses: dict[str, Analysis], pages: dict[str, str]
) -> None:
    plan = analyses["en"].summary.plan
    ranking = plan["ranking"]
    assert ranking["reason"] == "futility"  # the club's riskiest are near-certain leavers
    before = ranking["before"]
    first = analyses["en"].plan.campaign.head(50)
    block = Block(pages["en"], "ranking-block")
    assert block.found == 1
    assert (
        f"Ranked by risk alone, the first {before['members']} calls would go to members almost "
        f"sure to leave ({before['near_certain']} of {before['members']} at 90% or more), whom a "
        f"call rarely sways. Ranked by the difference a call makes, the first {len(first)} calls "
        f"keep {number(first['expected_kept'].sum(), 1, 'en')} members instead of "
        f"{number(before['expected_kept'], 1, 'en')}, and "
        f"{money(first['expected_net'].sum(), 'en')} net instead of "
        f"{money(before['expected_net'], 'en')}."
    ) in block.text
    assert plan["objective"] == "saving"
    assert block.prose.startswith(
        "Whom to call first, and why What the campaign maximises: the money kept, net of the cost "
        "of the calls (to maximise the members kept instead, run with --objective members)."
    )
    assert block.row("Members at 90% or more")[1:] == [
        str(before["near_certain"]),
        str(int((first["churn_probability"] >= 0.9).sum())),
    ]
    assert block.row("Members kept, expected")[1:] == [
        number(before["expected_kept"], 1, "en"),
        number(first["expected_kept"].sum(), 1, "en"),
    ]
    assert block.row("Mean probability of leaving")[2] == percent(
        first["churn_probability"].mean(), "en"
    )
    # the rule, with its numbers
    assert (
        "a call keeps its measure’s full success rate for members up to 50% likely to leave, "
        "and the rate falls in a straight line to 20% of it for a member sure to leave"
    ) in block.text


def test_the_russian_ranking_sentence(analyses: dict[str, Analysis], pages: dict[str, str]) -> None:
    before = analyses["ru"].summary.plan["ranking"]["before"]
    first = analyses["ru"].plan.campaign.head(50)
    text = Block(pages["ru"], "ranking-block").text
    kept, kept_before = first["expected_kept"].sum(), before["expected_kept"]
    net, net_before = first["expected_net"].sum(), before["expected_net"]
    assert (
        f"у {before['near_certain']} из {before['members']} первых вероятность ухода "
        f"90{NBSP}% и выше, а таких звонок редко переубеждает. Если упорядочить по тому, что "
        f"меняет звонок, первые {len(first)} удержат {number(kept, 1, 'ru')} клиента вместо "
        f"{number(kept_before, 1, 'ru')}, а чистый итог составит {money(net, 'ru')} вместо "
        f"{money(net_before, 'ru')}."
    ) in text


def _ranking(plan: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**plan, "ranking": {**plan["ranking"], **changes}}


def test_a_ranking_without_futility_and_the_members_objective(
    analyses: dict[str, Analysis],
) -> None:
    summary = analyses["en"].summary
    ranking = summary.plan["ranking"]
    plan = _ranking(summary.plan, reason=None, shared=7) | {"objective": "members"}
    text = Block(report(analyses["en"], dataclasses.replace(summary, plan=plan)), "ranking-block")
    before, now = ranking["before"], ranking["now"]
    assert (
        "What the campaign maximises: the members kept (to maximise the money kept instead, run "
        "with --objective saving)."
    ) in text.prose
    assert (
        f"Ranked by risk alone, the first {before['members']} calls would keep "
        f"{number(before['expected_kept'], 1, 'en')} members and "
        f"{money(before['expected_net'], 'en')} net"
    ) in text.text
    assert f"the first {now['members']} calls keep {number(now['expected_kept'], 1, 'en')}" in (
        text.text
    )
    assert "almost sure to leave" not in text.text
    assert "7 members are on both lists." in text.text


def _old(summary: Summary) -> Summary:
    """The summary as churnlab wrote it before valuing its members."""
    plan = {k: v for k, v in summary.plan.items() if k not in ("objective", "ranking")}
    segments = [{k: v for k, v in s.items() if k not in VALUE_KEYS} for s in summary.segments]
    return dataclasses.replace(summary, value={}, plan=plan, segments=segments)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_old_summary_renders_without_the_blocks(
    analyses: dict[str, Analysis], pages: dict[str, str], lang: str
) -> None:
    html = report(analyses[lang], _old(analyses[lang].summary))
    for marker in ("value-block", "ranking-block", "value-portraits", "value-risk"):
        assert f'class="{marker}' not in html
        assert Block(html, marker).found == 0
    assert LABELS[lang]["at_risk"] not in html
    # the rest of the page is as it was
    for marker in ("#conclusions", "#plan", "#members"):
        assert Block(html, marker).found == 1
    # a ranking of no calls (an empty plan), or half a ranking, is no block either
    for plan in (
        _ranking(analyses[lang].summary.plan, now={"members": 0}),
        {**analyses[lang].summary.plan, "ranking": {"first": 50}},
        {**analyses[lang].summary.plan, "ranking": None},
    ):
        summary = dataclasses.replace(analyses[lang].summary, plan=plan)
        assert Block(report(analyses[lang], summary), "ranking-block").found == 0


def test_the_russian_blocks_have_no_english_left(pages: dict[str, str]) -> None:
    for marker in ("value-block", "ranking-block"):
        text = Block(pages["ru"], marker).text
        text = re.sub(r"--objective \w+", "", text).replace("USD", "")
        assert re.findall(r"[A-Za-z]{2,}", text) == [], marker
        assert re.search("[а-яё]", text)


def test_hostile_strings_are_escaped(analyses: dict[str, Analysis]) -> None:
    summary = analyses["en"].summary
    segments = [{**summary.segments[0], "name": EVIL}, *summary.segments[1:]]
    economics = {**summary.plan["economics"], "currency": EVIL}
    plan = {**summary.plan, "objective": EVIL, "economics": economics}
    html = render_html(dataclasses.replace(summary, segments=segments, plan=plan))
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    table = Block(html, "value-portraits")
    assert EVIL in [row[0] for row in table.rows]  # the reader sees the name as written
    ranking = Block(html, "ranking-block")
    assert ranking.row("Net, expected")[2].endswith(EVIL)  # the currency, as text
    assert "What the campaign maximises" not in ranking.text  # an unknown objective: unsaid


# --- the month's page --------------------------------------------------------------------------

CLUB = "0123456789abcdef0123456789abcdef"
ID = "member_id"


@pytest.fixture(scope="module")
def months(club_bundle, gym: pd.DataFrame) -> dict[str, MonthRun]:  # type: ignore[no-untyped-def]
    snapshot = gym.drop(columns="Churn").assign(**{ID: [f"M{i:05d}" for i in range(len(gym))]})
    return {
        lang: run_month(club_bundle, snapshot, month="2024-06", club=CLUB, lang=lang)
        for lang in ("en", "ru")
    }


def month_page(run: MonthRun) -> str:
    return render_month(run, folder="club", files=["month.json"], club=True)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_month_shows_the_members_value(months: dict[str, MonthRun], lang: str) -> None:
    run = months[lang]
    members = run.members
    currency = str(run.summary["plan"]["economics"]["currency"])
    assert run.summary["value"]["member_value"] == pytest.approx(
        members["member_value"].sum(), abs=0.01
    )
    html = month_page(run)
    words = LABELS[lang]
    assert stats(html, "value-block") == {
        words["total"]: money(members["member_value"].sum(), lang, currency),
        words["at_risk"]: money(members["value_at_risk"].sum(), lang, currency),
        words["months"]: f"{number(members['expected_months_12'].mean(), 1, lang)} "
        f"{words['of_12']}",
        words["stay_3m"]: percent(members["stay_3m"].mean(), lang),
        words["stay_12m"]: percent(members["stay_12m"].mean(), lang),
    }
    assert words["held"] in Block(html, "#value").text
    # each portrait's value at risk, in the portraits' table
    portraits = Block(html, "#portraits")
    by_portrait = members.groupby("segment_name")["value_at_risk"].sum()
    for name, at_risk in by_portrait.items():
        assert portraits.row(str(name))[-1] == money(at_risk, lang, currency)
    # whom to call first, from the month's own campaign
    ranking = Block(html, "ranking-block")
    first = run.plan.campaign.head(50)
    kept = number(first["expected_kept"].sum(), 1, lang)
    label = "Members kept, expected" if lang == "en" else "Удержано клиентов, ожидается"
    assert ranking.row(label)[2] == kept
    assert ranking.text in Block(html, "#calls").text  # in the calls' section


def test_an_old_month_json_shows_no_value(months: dict[str, MonthRun]) -> None:
    run = months["en"]
    summary = dict(run.summary)
    summary.pop("value")
    summary["plan"] = {k: v for k, v in summary["plan"].items() if k != "ranking"}
    summary["segments"] = [
        {k: v for k, v in s.items() if k not in VALUE_KEYS} for s in summary["segments"]
    ]
    html = month_page(dataclasses.replace(run, summary=summary))
    assert Block(html, "#value").found == 0
    assert Block(html, "ranking-block").found == 0
    assert LABELS["en"]["at_risk"] not in html
    assert len(Block(html, "#portraits").rows[0]) == 4  # the table as it was


def test_the_month_escapes_hostile_portrait_names(months: dict[str, MonthRun]) -> None:
    run = months["en"]
    segments = [{**run.summary["segments"][0], "name": EVIL}, *run.summary["segments"][1:]]
    html = month_page(dataclasses.replace(run, summary={**run.summary, "segments": segments}))
    assert EVIL not in html
    assert any(row[0] == EVIL for row in Block(html, "#portraits").rows)
