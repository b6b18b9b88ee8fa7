"""An outcomes file as clubs export them: any id column the club uses, any left/stayed words."""

from __future__ import annotations

import pandas as pd
import pytest

from churnlab.data.outcomes import read_outcomes
from churnlab.errors import SchemaError, ValidationError


@pytest.mark.parametrize(
    ("labels", "left"),
    [
        (["1", "0", "1"], [True, False, True]),
        ([1.0, 0.0, 0.0], [True, False, False]),
        (["Yes", "no", "YES"], [True, False, True]),
        (["Cancelled", "Active", "renewed"], [True, False, False]),
        (["ушёл", "остался", "да"], [True, False, True]),
        (["left", "left", "left"], [True, True, True]),  # an export of leavers only
    ],
)
def test_labels_are_read_by_their_words(labels: list[object], left: list[bool]) -> None:
    frame = pd.DataFrame({"member_id": ["a", "b", "c"], "Outcome": labels})
    assert read_outcomes(frame)["left"].tolist() == left


def test_the_models_target_column_and_label_come_first() -> None:
    frame = pd.DataFrame({"client": [7, 8], "Exited": ["churner", "loyal"], "left": [0, 1]})
    found = read_outcomes(frame, known_ids=["client"], target_col="exited", positive="churner")
    assert found.to_dict("list") == {"row": [0, 1], "member": ["7", "8"], "left": [True, False]}


def test_every_unusable_row_is_named() -> None:
    frame = pd.DataFrame({"id": ["a", None, "a", "d"], "left": ["yes", "no", "no", "maybe"]})
    with pytest.raises(ValidationError) as caught:
        read_outcomes(frame, source="calls.csv")
    failures = caught.value.failures
    assert failures[["row", "column"]].values.tolist() == [[1, "id"], [2, "id"], [3, "left"]]
    assert "repeated (also in row 0)" in failures["reason"].iloc[1]
    assert caught.value.file == "calls.csv"


def test_missing_columns_say_what_to_name_them() -> None:
    with pytest.raises(SchemaError, match="no member id column"):
        read_outcomes(pd.DataFrame({"who": [1], "left": [1]}))
    with pytest.raises(SchemaError, match="whether a member left") as caught:
        read_outcomes(pd.DataFrame({"id": [1], "visits": [3]}), target_col="Churn")
    assert "'Churn'" in caught.value.fix
