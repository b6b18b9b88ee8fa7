"""churnlab.data.spec: a table's spec, its set-aside columns and the club's names that mean
something else, in JSON and in both languages, their figures written as the language writes
numbers."""

import json

import numpy as np
import pandas as pd
import pytest

from churnlab.data.club import UnlikeClub
from churnlab.data.infer import infer_spec
from churnlab.data.numbers import figure, num
from churnlab.data.spec import DatasetSpec, SetAside
from churnlab.report import i18n


def test_spec_round_trips_through_json(telco: pd.DataFrame) -> None:
    spec = infer_spec(telco)
    assert DatasetSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


def test_set_aside_reasons_speak_both_languages(telco: pd.DataFrame) -> None:
    notes = next(s for s in infer_spec(telco).set_aside if s.column == "Notes")
    assert notes.kind == "free_text" and notes.reason == "free text (1500 distinct values)"
    assert notes.text("ru") == "свободный текст (1\xa0500 разных значений)"
    assert (
        DatasetSpec.from_dict(json.loads(json.dumps(infer_spec(telco).to_dict())))
        .set_aside[0]
        .text("ru")
        .startswith("свободный текст")
    )


def test_set_aside_figures_are_written_the_russian_way() -> None:
    leak = SetAside("refund", "leakage", {"auc": 0.9957})
    assert "(ROC-AUC 0.996)" in leak.reason
    assert "(ROC-AUC 0,996)" in leak.text("ru")
    notes = SetAside("Notes", "free_text", {"distinct": 12345678})
    assert notes.reason == "free text (12345678 distinct values)"  # English as before
    assert notes.text("ru") == "свободный текст (12\xa0345\xa0678 разных значений)"
    assert notes.text("de") == notes.reason  # an unknown language: English, figures too


@pytest.mark.parametrize(
    ("value", "digits", "en", "ru"),
    [
        (1500, 0, "1,500", "1\xa0500"),
        (0.9957, 3, "0.996", "0,996"),
        (1234567.891, 2, "1,234,567.89", "1\xa0234\xa0567,89"),
        (-4.25, 1, "\u22124.2", "\u22124,2"),
        (-0.001, 2, "0.00", "0,00"),
        (float("nan"), 0, "—", "—"),
        (None, 0, "—", "—"),
    ],
)
def test_numbers_have_one_owner_the_report_shares(value, digits, en, ru) -> None:
    assert (num(value, digits, "en"), num(value, digits, "ru")) == (en, ru)
    assert (i18n.num(value, digits, "en"), i18n.num(value, digits, "ru")) == (en, ru)


def test_a_figure_keeps_the_decimals_it_has() -> None:
    assert [figure(v, "en") for v in (3650.0, 21.5, 0.125, -7.0)] == [
        "3,650",
        "21.5",
        "0.125",
        "\u22127",
    ]
    assert [figure(v, "ru") for v in (3650.0, 21.5, 1234.75, float("inf"))] == [
        "3\xa0650",
        "21,5",
        "1\xa0234,75",
        "∞",
    ]


def _club_names_of_another_meaning(n: int = 400) -> pd.DataFrame:
    """A table naming columns as the club does that hold other things: ``gender`` as text,
    ``Lifetime`` in days (up to 3,650), ``Partner`` as Yes/No, spending that goes below zero."""
    rng = np.random.default_rng(0)
    lifetime = rng.integers(0, 3650, n)
    lifetime[0] = 3650
    charges = rng.uniform(0, 300, n)
    charges[:60] = -rng.uniform(0, 100, 60)
    charges[0] = -120.5
    return pd.DataFrame(
        {
            "gender": rng.choice(["Female", "Male"], n),
            "Lifetime": lifetime,
            "Partner": rng.choice(["Yes", "No"], n),
            "Avg_additional_charges_total": charges,
            "Age": rng.integers(18, 70, n),
            "left": rng.choice(["yes", "no"], n),
        }
    )


def test_club_names_of_another_meaning_are_said_in_both_languages_with_figures() -> None:
    spec = infer_spec(_club_names_of_another_meaning(), target_col="left")
    why = spec.unlike_club
    assert set(why) == {"gender", "Lifetime", "Partner", "Avg_additional_charges_total"}
    assert why["Lifetime"] == UnlikeClub("above", {"value": 3650.0, "low": 0, "high": 600})
    english = {name: reason.reason for name, reason in why.items()}
    assert english == {
        "gender": "it holds text (Female, Male), not 0 or 1",
        "Lifetime": "its values reach 3,650, not 0 to 600",
        "Partner": "it holds text (No, Yes), not 0 or 1",
        "Avg_additional_charges_total": "its values go down to \u2212120.5, not 0 or more",
    }
    russian = {name: reason.text("ru") for name, reason in why.items()}
    assert russian == {
        "gender": "в нём текст (Female, Male), а у клуба — 0 или 1",
        "Lifetime": "его значения доходят до 3\xa0650, а у клуба — от 0 до 600",
        "Partner": "в нём текст (No, Yes), а у клуба — 0 или 1",
        "Avg_additional_charges_total": "его значения опускаются до \u2212120,5, "
        "а у клуба — 0 и больше",
    }
    assert {name: reason.text("de") for name, reason in why.items()} == english
    stored = json.loads(json.dumps(spec.to_dict()))
    assert stored["unlike_club"]["Lifetime"] == {
        "kind": "above",
        "detail": {"value": 3650.0, "low": 0, "high": 600},
    }
    assert DatasetSpec.from_dict(stored) == spec


def test_the_english_reasons_older_model_files_hold_still_load_and_are_shown() -> None:
    stored = infer_spec(_club_names_of_another_meaning(), target_col="left").to_dict()
    old = "its values reach 18,250, not 0 to 600"
    stored["unlike_club"] = {"Lifetime": old, "gender": "it holds text (Female, Male), not 0 or 1"}
    spec = DatasetSpec.from_dict(json.loads(json.dumps(stored)))
    assert list(spec.unlike_club) == ["Lifetime", "gender"]
    assert spec.unlike_club["Lifetime"] == UnlikeClub.written(old)
    assert spec.unlike_club["Lifetime"].reason == spec.unlike_club["Lifetime"].text("ru") == old
    assert spec.to_dict()["unlike_club"] == stored["unlike_club"]  # written back as it was
    del stored["unlike_club"]  # a spec from before churnlab said this at all
    assert DatasetSpec.from_dict(stored).unlike_club == {}
