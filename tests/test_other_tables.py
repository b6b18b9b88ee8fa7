"""Churn tables from other businesses through the real `churnlab` command, given only `--target`.

The tables (tests/tables.py) are shaped like well-known public ones: a telecom's (IBM Telco), a
bank's (Kaggle bank churn), a card issuer's (Kaggle BankChurners), and the club's own table with
its 0/1 columns written as words. Each is trained, scored and analysed once per module; the tests
read the files and messages a user would get and hold them to the bars of issue 11.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from churnlab.cli import app
from churnlab.data.datasets import load_gym_churn
from churnlab.model.persist import load_model
from tables import (
    CLUB_TEXT_BINARIES,
    CREDIT_CARD_LEAKS,
    club_binaries_as_text,
    make_bank,
    make_credit_card,
    make_telecom,
)

N = 2000

TABLES: dict[str, tuple[Callable[[], pd.DataFrame], str]] = {
    "telecom": (lambda: make_telecom(N), "Churn"),
    "bank": (lambda: make_bank(N), "Exited"),
    "bank_days": (lambda: make_bank(N, lifetime_days=True), "Exited"),
    "credit_card": (lambda: make_credit_card(N), "Attrition_Flag"),
    "club_text": (
        lambda: club_binaries_as_text(load_gym_churn().sample(N, random_state=0)),
        "Churn",
    ),
}
#: Tables of businesses that are not a fitness club.
NOT_CLUBS = ["telecom", "bank", "bank_days", "credit_card"]

runner = CliRunner()


def invoke(folder: Path, *args: str | os.PathLike[str]) -> Result:
    """Run `churnlab` inside ``folder`` (short relative names: messages are not wrapped)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        return runner.invoke(app, [os.fspath(a) for a in args])


def assert_ok(result: Result) -> None:
    assert result.exit_code == 0, (result.exit_code, result.stderr, repr(result.exception))
    assert "Traceback" not in result.output


def flat(text: str) -> str:
    """Messages with Rich's line wrapping undone."""
    return " ".join(text.split())


@dataclass
class Run:
    """One table through `train`, `score` and `analyze`, with only `--target`."""

    name: str
    folder: Path
    frame: pd.DataFrame
    target: str
    results: dict[str, Result] = field(default_factory=dict)

    @property
    def csv(self) -> str:
        return f"{self.name}.csv"

    def ok(self, command: str) -> Result:
        assert_ok(self.results[command])
        return self.results[command]

    def model(self) -> Any:
        self.ok("train")
        return load_model(self.folder / "model.churnlab")

    def summary(self) -> dict[str, Any]:
        self.ok("analyze")
        return json.loads((self.folder / "out" / "summary.json").read_text(encoding="utf-8"))

    def members(self) -> pd.DataFrame:
        self.ok("analyze")
        return pd.read_csv(self.folder / "out" / "scores.csv")

    def report(self) -> str:
        self.ok("analyze")
        return (self.folder / "out" / "report.html").read_text(encoding="utf-8")


class Runs:
    """Each table run once, when a test first asks for it."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.done: dict[str, Run] = {}

    def __call__(self, name: str) -> Run:
        if name not in self.done:
            make, target = TABLES[name]
            folder = self.factory.mktemp(name)
            run = Run(name, folder, make(), target)
            run.frame.to_csv(folder / run.csv, index=False)
            run.results["train"] = invoke(
                folder, "train", run.csv, "--target", target, "--model", "model.churnlab"
            )
            run.results["score"] = invoke(
                folder, "score", run.csv, "--model", "model.churnlab", "--out", "scores.csv"
            )
            run.results["analyze"] = invoke(
                folder, "analyze", run.csv, "--target", target, "--out", "out"
            )
            self.done[name] = run
        return self.done[name]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return Runs(tmp_path_factory)


# --------------------------------------------------------------------------------------------
# what people read
# --------------------------------------------------------------------------------------------


class _TextNodes(HTMLParser):
    """The text a reader sees in a page: every text node outside scripts and styles, and
    whether it is in a chart (an inline SVG)."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[tuple[str, bool]] = []
        self._hidden = 0
        self._charts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in ("script", "style")
        self._charts += tag == "svg"

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("script", "style")
        self._charts -= tag == "svg"

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.nodes.append((" ".join(data.split()), self._charts > 0))


def text_nodes(html: str, *, charts_only: bool = False) -> list[str]:
    parser = _TextNodes()
    parser.feed(html)
    return [text for text, in_chart in parser.nodes if in_chart or not charts_only]


def reasons(members: pd.DataFrame) -> pd.Series:
    columns = [c for c in members.columns if c.startswith("reason_")]
    assert columns, list(members.columns)
    return pd.concat([members[c] for c in columns]).dropna().astype(str)


def prose(run: Run) -> list[str]:
    """Every text of `analyze` written for people: segment names and descriptions, driver
    labels, conclusions, the plan's groups, each member's reasons and the report's sentences."""
    summary = run.summary()
    texts = [s["name"] for s in summary["segments"]] + [
        s["description"] for s in summary["segments"]
    ]
    texts += [d["label"] for d in summary["drivers"]] + summary["conclusions"]
    texts += [g["name"] for g in summary["plan"]["target_groups"]]
    texts += [g["action"] for g in summary["plan"]["target_groups"]]
    members = run.members()
    texts += reasons(members).tolist() + members["segment_name"].astype(str).tolist()
    html = run.report()  # its sentences and charts; a table cell may name a column as it is
    texts += [node for node in text_nodes(html) if " " in node] + text_nodes(html, charts_only=True)
    return texts


def raw_names(frame: pd.DataFrame) -> list[str]:
    """The table's CamelCase and snake_case column names (a person reads them as words)."""
    return [str(c) for c in frame.columns if re.search(r"[a-z][A-Z]|_", str(c))]


def mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text) is not None


#: A whole number of 1,000 or more written without a thousands separator (not digits after a
#: decimal point), or a number in scientific notation.
UNGROUPED = re.compile(r"(?<![\d.,])\d{4,}|\d[eE][+-]\d")
GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")

#: Words of the fitness playbook and the club's wording ("training data" is the model's).
FITNESS_EN = re.compile(
    r"\b(training(?! data)|trainers?|class|classes|café|cafe|clubs?|club's|gyms?)\b", re.I
)
FITNESS_RU = re.compile(r"тренир|клуб|кафе", re.I)


# --------------------------------------------------------------------------------------------
# no row lost
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(TABLES))
def test_every_row_is_scored_or_rejected(runs: Runs, name: str) -> None:
    run = runs(name)
    run.ok("train")
    run.ok("score")
    run.ok("analyze")
    for scores, rejects in [
        (run.folder / "scores.csv", run.folder / "scores.rejects.csv"),
        (run.folder / "out" / "scores.csv", run.folder / "out" / "rejects.csv"),
    ]:
        scored = set(pd.read_csv(scores)["row"])
        rejected = set(pd.read_csv(rejects)["row"])
        assert not scored & rejected
        assert scored | rejected == set(range(len(run.frame))), (scores, len(scored), len(rejected))
        assert len(scored) >= 0.99 * len(run.frame)  # the synthetic tables hold no bad value


# --------------------------------------------------------------------------------------------
# the club's names with another business's meaning
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "column"),
    [("telecom", "gender"), ("telecom", "Partner"), ("bank_days", "Lifetime")],
)
def test_a_club_name_with_another_meaning_is_inferred_and_named(
    runs: Runs, name: str, column: str
) -> None:
    """The club's definition does not fit these values: the column is read from the data, and a
    message names it beside the word 'club'."""
    run = runs(name)
    values = run.frame[column]
    feature = run.model().spec.feature(column)
    if pd.api.types.is_numeric_dtype(values):  # Lifetime in days: far past the club's 600 months
        assert feature.kind == "numeric"
        assert feature.max is None or feature.max >= values.max()
    else:
        assert feature.kind == "binary"
    message = flat(run.ok("train").stderr)
    assert re.search(_near_club(column), message), message


def _near_club(column: str) -> str:
    """A column named within a sentence's length of the word 'club', either way round."""
    return rf"\b{column}\b.{{0,160}}\bclub|\bclub.{{0,160}}\b{column}\b"


def test_a_club_name_whose_values_fit_is_not_flagged(runs: Runs) -> None:
    """The bank's Age holds years within the club's range: it keeps the club's meaning, and no
    message says otherwise."""
    run = runs("bank")
    assert run.frame["Age"].between(10, 100).all()
    assert run.model().spec.feature("Age").kind == "numeric"
    assert not re.search(_near_club("Age"), flat(run.ok("train").stderr)), run.ok("train").stderr


# --------------------------------------------------------------------------------------------
# two-valued text
# --------------------------------------------------------------------------------------------

TEXT_BINARIES = [
    ("telecom", "gender"),
    ("telecom", "Partner"),
    ("telecom", "Dependents"),
    ("telecom", "PhoneService"),
    ("telecom", "PaperlessBilling"),
    ("bank", "Gender"),
    ("credit_card", "Gender"),
    *[("club_text", column) for column in CLUB_TEXT_BINARIES],
]


@pytest.mark.parametrize(("name", "column"), TEXT_BINARIES)
def test_two_valued_text_is_a_binary_feature_under_its_own_name(
    runs: Runs, name: str, column: str
) -> None:
    run = runs(name)
    values = run.frame[column]
    assert values.nunique() == 2 and not pd.api.types.is_numeric_dtype(values)
    assert run.model().spec.feature(column).kind == "binary"
    assert column in {d["feature"] for d in run.summary()["drivers"]}


# --------------------------------------------------------------------------------------------
# the bank's id
# --------------------------------------------------------------------------------------------


def test_the_bank_id_is_customer_id_and_row_number_is_set_aside(runs: Runs) -> None:
    run = runs("bank")
    summary = run.summary()
    assert summary["data"]["id_col"] == "CustomerId"
    kinds = {s["column"]: s["kind"] for s in summary["data"]["set_aside"]}
    assert kinds.get("RowNumber") == "row_number", kinds
    assert "RowNumber" in flat(run.ok("analyze").stderr)
    members = run.members()
    expected = run.frame["CustomerId"].iloc[members["row"]].to_numpy()
    assert (members["CustomerId"].to_numpy() == expected).all()


# --------------------------------------------------------------------------------------------
# words, not column names
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NOT_CLUBS)
def test_people_read_words_not_column_names(runs: Runs, name: str) -> None:
    run = runs(name)
    names = raw_names(run.frame[run.model().spec.feature_names])  # leakage: the test below
    assert names  # every one of these tables has such names
    found = sorted({(n, t) for t in prose(run) for n in names if mentions(t, n)})
    assert not found, found[:10]


@pytest.mark.parametrize(
    ("name", "column"), [("credit_card", "Total_Trans_Amt"), ("bank", "Balance")]
)
def test_numbers_in_reasons_have_thousands_separators(runs: Runs, name: str, column: str) -> None:
    """A reason about an amount shows the member's value as 8,526, never 8526 or 8.5e+03."""
    run = runs(name)
    label = {d["feature"]: d["label"] for d in run.summary()["drivers"]}[column]
    members = run.members()
    said = 0
    for c in [c for c in members.columns if c.startswith("reason_")]:
        about = members[members[c].astype(str).str.contains(label, regex=False)]
        for row, text in zip(about["row"], about[c], strict=True):
            value = run.frame[column].iloc[row]
            if value >= 1000:
                grouped = {f"{int(value):,}", f"{round(value):,}"}  # 8,526 or 8,526.40
                assert any(g in text for g in grouped), (text, value)
                said += 1
    assert said >= 5  # the amount is among the reasons of many members
    found = [t for t in reasons(members) if UNGROUPED.search(t)]
    assert not found, found[:5]


@pytest.mark.parametrize("name", NOT_CLUBS)
def test_numbers_people_read_are_grouped(runs: Runs, name: str) -> None:
    summary = runs(name).summary()
    texts = summary["conclusions"] + [s["description"] for s in summary["segments"]]
    found = [t for t in texts if UNGROUPED.search(t)]
    assert not found, found[:5]
    assert any(GROUPED.search(t) for t in texts)  # the member count, at least


# --------------------------------------------------------------------------------------------
# a driver with no one direction
# --------------------------------------------------------------------------------------------


def test_non_monotone_number_of_products_has_no_one_way_direction(runs: Runs) -> None:
    run = runs("bank")
    rates = run.frame.groupby("NumOfProducts")[run.target].mean()
    assert rates[2] < rates[1] < rates[3]  # the table's own shape: down, then up
    drivers = {d["feature"]: d for d in run.summary()["drivers"]}
    assert drivers["NumOfProducts"]["direction"] not in {"up", "down"}
    label = drivers["NumOfProducts"]["label"]
    for sentence in run.summary()["conclusions"]:
        if label in sentence:
            said = sentence.split(label, 1)[1][:40]
            assert "the higher" not in said and "the lower" not in said, sentence


# --------------------------------------------------------------------------------------------
# long leakage columns
# --------------------------------------------------------------------------------------------


def test_long_leakage_columns_are_set_aside_and_shortened_for_people(runs: Runs) -> None:
    run = runs("credit_card")
    assert all(len(name) > 100 for name in CREDIT_CARD_LEAKS)
    # machine outputs keep the whole name
    kinds = {s["column"]: s["kind"] for s in run.summary()["data"]["set_aside"]}
    assert all(kinds.get(name) == "leakage" for name in CREDIT_CARD_LEAKS), kinds
    assert not set(CREDIT_CARD_LEAKS) & set(run.model().spec.feature_names)
    # messages shorten it, still telling the two apart
    words = [w.strip("'\":;,.()") for w in flat(run.ok("train").stderr).split()]
    short = {w for w in words if w.startswith("Naive_Bayes") and "…" in w and len(w) <= 60}
    assert len(short) == 2, short
    # the report shows no whole name in its sentences or charts (but in a --keep to copy)
    nodes = [re.sub(r"--keep \S+", "", t) for t in text_nodes(run.report())]
    found = [t for t in nodes if any(n in t for n in CREDIT_CARD_LEAKS)]
    assert not found, found[:3]


# --------------------------------------------------------------------------------------------
# roles given on the command line
# --------------------------------------------------------------------------------------------


def test_lever_and_trait_options_give_columns_their_role(runs: Runs) -> None:
    bank = runs("bank")
    folder = bank.folder
    roles = ["--lever", "Balance", "--lever", "IsActiveMember", "--trait", "Geography"]
    trained = invoke(
        folder, "train", bank.csv, "--target", "Exited", "--model", "roles.churnlab", *roles
    )
    assert_ok(trained)
    spec = load_model(folder / "roles.churnlab").spec
    assert spec.feature("Balance").role == "lever"
    assert spec.feature("IsActiveMember").role == "lever"
    assert spec.feature("Geography").role == "trait"
    assert spec.feature("CreditScore").role == "unknown"

    analysed = invoke(folder, "analyze", bank.csv, "--target", "Exited", "--out", "roles", *roles)
    assert_ok(analysed)
    summary = json.loads((folder / "roles" / "summary.json").read_text(encoding="utf-8"))
    drivers = {d["feature"]: d["role"] for d in summary["drivers"]}
    profiles = {f["feature"]: f["role"] for f in summary["data"]["features"]}
    for found in (drivers, profiles):
        assert found["Balance"] == found["IsActiveMember"] == "lever", found
        assert found["Geography"] == "trait", found
        assert found["CreditScore"] == found["EstimatedSalary"] == "unknown", found


# --------------------------------------------------------------------------------------------
# no fitness wording for other businesses
# --------------------------------------------------------------------------------------------


def _fitness_words(folder: Path, pattern: re.Pattern[str]) -> list[str]:
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    texts = summary["conclusions"] + [json.dumps(summary["plan"], ensure_ascii=False)]
    texts += [" ".join(text_nodes((folder / "report.html").read_text(encoding="utf-8")))]
    texts += pd.read_csv(folder / "plan.csv").astype(str).agg(" ".join, axis=1).tolist()
    return sorted({m.group(0).lower() for t in texts for m in pattern.finditer(t)})


@pytest.mark.parametrize("name", NOT_CLUBS)
def test_no_fitness_wording_for_another_business(runs: Runs, name: str) -> None:
    run = runs(name)
    run.ok("analyze")
    assert _fitness_words(run.folder / "out", FITNESS_EN) == []


def test_no_fitness_wording_for_another_business_in_russian(runs: Runs) -> None:
    run = runs("bank")
    result = invoke(
        run.folder, "analyze", run.csv, "--target", "Exited", "--out", "ru", "--lang", "ru"
    )
    assert_ok(result)
    assert _fitness_words(run.folder / "ru", FITNESS_RU) == []


def test_the_club_keeps_its_wording(runs: Runs) -> None:
    """The check above can fail: the club's own table (binaries as text) is told as a club's."""
    run = runs("club_text")
    run.ok("analyze")
    assert _fitness_words(run.folder / "out", FITNESS_EN) != []
