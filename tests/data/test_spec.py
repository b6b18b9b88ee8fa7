"""churnlab.data.spec: a table's spec and its set-aside columns, in JSON and in both languages."""

import json

import pandas as pd

from churnlab.data.infer import infer_spec
from churnlab.data.spec import DatasetSpec


def test_spec_round_trips_through_json(telco: pd.DataFrame) -> None:
    spec = infer_spec(telco)
    assert DatasetSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


def test_set_aside_reasons_speak_both_languages(telco: pd.DataFrame) -> None:
    notes = next(s for s in infer_spec(telco).set_aside if s.column == "Notes")
    assert notes.kind == "free_text" and notes.reason == "free text (1500 distinct values)"
    assert notes.text("ru") == "свободный текст (1500 разных значений)"
    assert (
        DatasetSpec.from_dict(json.loads(json.dumps(infer_spec(telco).to_dict())))
        .set_aside[0]
        .text("ru")
        .startswith("свободный текст")
    )
