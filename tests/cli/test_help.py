"""Every command's `--help` shows flags as flags and repeatable options by their values' names,
gives an example, and the version is one flag away; a flag written with a value is refused."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

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


# names a line may hold in any language: commands, metrics, a learner's settings
_NAMES = {"analyze", "train", "score", "ROC", "AUC", "PR", "ECE", "F1", "LightGBM", "C"}
# paths, URLs and files; options; a learner's settings; run ids; currency codes (USD)
_NAMED = re.compile(r"\S*[/\\.]\S*|--\S+|\{[^}]*\}|\b[0-9a-f]{8}\b|\b[A-Z]{3}\b")


def _english_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z][A-Za-z_]+|\b[A-Za-z]\b", _NAMED.sub(" ", text))) - _NAMES


def test_russian_runs_print_no_english(
    small_gym: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
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
    for arguments in runs:
        result = invoke(*arguments)
        assert_ok(result)
        printed = result.stdout + result.stderr
        assert re.search(r"[а-я]{4}", printed), printed
        assert _english_words(printed) == set(), (arguments, printed)
    assert "встроенная таблица клуба" in result.stderr
    reasons = pd.read_csv("s.csv")["reason_1"]
    assert reasons.str.contains(r"[а-я]").all() and not reasons.str.contains(r"\d\.\d").any()
