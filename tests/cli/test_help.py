"""Every command's `--help` shows flags as flags and repeatable options by their values' names,
gives an example, and the version is one flag away; a flag written with a value is refused."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

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
