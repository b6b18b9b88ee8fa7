"""Every command's `--help` shows flags as flags and repeatable options by their values' names,
gives an example, and the version is one flag away; a flag written with a value is refused."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _cli import assert_ok, flat, invoke
from churnlab import __version__
from churnlab.cli import EXAMPLES, app

COMMANDS = sorted(EXAMPLES)


def test_every_command_has_an_example() -> None:
    assert {c.name for c in app.registered_commands} == set(EXAMPLES)


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_shows_no_python_types(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    result = invoke(*([command] if command else []), "--help")
    assert_ok(result)
    text = result.stdout
    assert "<bool>" not in text and "list[" not in text, text
    if command:
        assert f"Example: {EXAMPLES[command]}" in flat(text)


@pytest.mark.parametrize("command", ["analyze", "train", "evaluate"])
def test_repeatable_options_are_named_by_their_value(
    command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    text = invoke(command, "--help").stdout
    for option in ("--keep", "--lever", "--trait"):
        if option in text:
            assert re.search(rf"{option}\s+COL\s", text), text
            assert f"{option} A {option} B" in flat(text)


def test_examples_name_only_options_their_commands_have(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    for command, example in EXAMPLES.items():
        text = invoke(command, "--help").stdout
        for word in shlex.split(example):
            if word.startswith("--"):
                assert word in text, (command, word)


def test_version() -> None:
    result = invoke("--version")
    assert_ok(result)
    assert result.stdout.strip() == f"churnlab {__version__}"
    assert f"churnlab {__version__}: understand" in flat(invoke("--help").stdout)


@pytest.mark.parametrize("word", ["true", "False", "yes", "1"])
def test_a_flag_given_a_value_is_refused(word: str, tmp_path: Path) -> None:
    result = invoke("score", "--reasons", word, "--out", tmp_path / "s.csv")
    assert result.exit_code == 2 and "Traceback" not in result.output
    message = flat(result.output)
    assert "--reasons is a flag and takes no value: write --reasons alone" in message
    assert f"(not --reasons {word})" in message
    assert list(tmp_path.iterdir()) == []


def test_russian_runs_print_no_english(
    small_gym: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    english_words: Callable[..., set[str]],
    on_a_terminal: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    small_gym.to_csv("members.csv", index=False)
    runs = [
        ("analyze", "members.csv", "--out", "report", "--lang", "ru"),
        ("train", "members.csv", "--model", "m.churnlab", "--folds", "3", "--lang", "ru"),
        ("score", "members.csv", "--model", "m.churnlab", "--out", "s.csv", "--reasons",
         "--lang", "ru"),
        ("score", "--model", "m.churnlab", "--out", "bundled.xlsx", "--lang", "ru"),
    ]  # fmt: skip
    printed = []
    for arguments in runs:
        result = invoke(*arguments)
        assert_ok(result)
        printed.append(result.stdout + result.stderr)
        assert re.search(r"[а-я]{4}", printed[-1]), printed[-1]
        assert english_words(printed[-1]) == set(), (arguments, printed[-1])
    assert "встроенная таблица клуба" in result.stderr
    # on a terminal, each stage of the analysis stays as a line, and what the progress
    # displays showed (the stages, what is being scored) is in Russian too
    assert "✓ обучение модели и поиск портретов" in printed[0] and "время: " in printed[0]
    assert "оценка members.csv" in on_a_terminal, on_a_terminal
    assert english_words("\n".join(on_a_terminal)) == set(), on_a_terminal
    reasons = pd.read_csv("s.csv")["reason_1"]
    assert reasons.str.contains(r"[а-я]").all() and not reasons.str.contains(r"\d\.\d").any()


def test_club_names_of_another_meaning_are_said_in_the_runs_language(
    small_gym: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    english_words: Callable[..., set[str]],
) -> None:
    """A telecom's gender (Female/Male) and Partner (Yes/No), a bank's Lifetime in days: the line
    that says they are read from their data is Russian, reasons and figures too."""
    monkeypatch.chdir(tmp_path)
    lifetime = small_gym["Lifetime"] * 30 + 700
    table = small_gym.assign(
        gender=small_gym["gender"].map({0: "Female", 1: "Male"}),
        Partner=small_gym["Partner"].map({0: "No", 1: "Yes"}),
        Lifetime=lifetime,
    )
    table.to_csv("members.csv", index=False)
    result = invoke("train", "members.csv", "--model", "m.churnlab", "--folds", "3", "--lang", "ru")
    assert_ok(result)
    lines = [line for line in result.stderr.splitlines() if "клуба" in line]
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("это не столбцы клуба с такими именами"), line
    assert "gender (в нём текст (Female, Male), а у клуба — 0 или 1)" in line
    assert "Partner (в нём текст (No, Yes), а у клуба — 0 или 1)" in line
    top = f"{lifetime.max():,}".replace(",", "\xa0")
    assert f"Lifetime (его значения доходят до {top}, а у клуба — от 0 до 600)" in line
    values = ["Female", "Male", "No", "Yes"]
    assert english_words(line, names=[*table.columns, *values]) == set(), line


def _every_reason_to_set_aside(n: int = 1200) -> pd.DataFrame:
    """A table with a column set aside for each reason the inference has, beside a member id
    (``account_number``), two features and the target (``left``)."""
    rng = np.random.default_rng(0)
    left = rng.random(n) < 0.3
    words = np.array(["late", "again", "asked", "about", "the", "price", "friend", "moved"])
    return pd.DataFrame(
        {
            "account_number": [f"A{i:05d}" for i in rng.permutation(n)],
            "RowNumber": np.arange(1, n + 1),
            "external_id": rng.integers(0, 50, n),
            "voucher": [f"V{i:06d}" for i in rng.permutation(n) * 7],
            "photo": [bytes([i % 256, 7]) for i in range(n)],
            "signed_up": pd.date_range("2020-01-01", periods=n, freq="D"),
            "nothing": pd.Series([None] * n, dtype=object),
            "region": "north",
            "notes": [f"note {i}: " + " ".join(rng.choice(words, 5)) for i in range(n)],
            "refund": left * 10.0 + rng.random(n),
            "visits": rng.poisson(3, n) + 2 * ~left,
            "plan": rng.choice(["basic", "gold", "silver"], n),
            "left": np.where(left, "yes", "no"),
        }
    )


def test_every_reason_for_setting_a_column_aside_is_worded_in_the_runs_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, english_words: Callable[..., set[str]]
) -> None:
    monkeypatch.chdir(tmp_path)
    table = _every_reason_to_set_aside()
    table.to_parquet("members.parquet", index=False)
    train = ("train", "members.parquet", "--target", "left", "--model", "m.churnlab",
             "--folds", "3")  # fmt: skip
    english = invoke(*train)
    assert_ok(english)
    aside = dict(re.findall(r"^set aside (\S+): (.*)$", english.stderr, re.MULTILINE))
    assert aside == {
        "RowNumber": "a row number (whole numbers rising by one), not a member id",
        "external_id": "identifier (by its name)",
        "voucher": "identifier (a distinct value in every row)",
        "photo": "raw bytes (a binary column), not text or numbers: if it holds text, write it "
        "as a string column to use it",
        "signed_up": "a date: derive a number from it (e.g. months since) to use it",
        "nothing": "empty (no values)",
        "region": "constant (one value in every row)",
        "notes": "free text (1200 distinct values)",
        "refund": "probable leakage: on its own it predicts the target almost perfectly "
        "(ROC-AUC 1.000); keep it with --keep refund if it is truly known a month ahead",
    }, english.stderr
    russian = invoke(*train, "--lang", "ru")
    assert_ok(russian)
    lines = re.findall(r"^отложен столбец (\S+): (.*)$", russian.stderr, re.MULTILINE)
    assert [column for column, _ in lines] == list(aside), russian.stderr
    said = dict(lines)
    assert said["notes"] == "свободный текст (1\xa0200 разных значений)"
    assert said["refund"].startswith("вероятная утечка: один этот столбец почти безошибочно "
                                     "предсказывает отток (ROC-AUC 1,000)")  # fmt: skip
    assert said["nothing"] == "пустой (нет значений)"
    assert english_words(russian.stdout + russian.stderr, names=table.columns) == set()
