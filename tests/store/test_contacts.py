"""churnlab.store.contacts: staff's calls, checked cell by cell before they are recorded."""

from __future__ import annotations

import pandas as pd
import pytest

from churnlab.errors import SchemaError, ValidationError
from churnlab.store import Store
from churnlab.store.contacts import NOTE_LONGEST, check_contacts


def test_outcomes_are_read_without_case_or_spaces_and_blank_notes_are_none() -> None:
    calls = pd.DataFrame(
        {
            "member": ["A1", 17, 18.0],
            "month": ["2024-06", " 2024-06 ", "2024-07"],
            "outcome": ["Reached", " NO_ANSWER", "declined"],
            "note": ["booked a session", "  ", None],
        }
    )
    checked = check_contacts(calls)
    assert checked.to_dict("list") == {
        "member": ["A1", "17", "18"],
        "month": ["2024-06", "2024-06", "2024-07"],
        "outcome": ["reached", "no_answer", "declined"],
        "note": ["booked a session", None, None],
    }


def test_every_bad_cell_is_named_by_row_and_nothing_is_kept() -> None:
    calls = pd.DataFrame(
        {
            "member_id": ["A1", None, "C3"],
            "month": ["2024-6", "2024-06", "2024-06"],
            "outcome": ["reached", "reached", "called back"],
        }
    )
    with pytest.raises(ValidationError) as caught:
        check_contacts(calls, source="calls.csv")
    failures = caught.value.failures
    assert sorted(zip(failures["row"], failures["column"], strict=True)) == [
        (0, "month"),
        (1, "member_id"),
        (2, "outcome"),
    ]
    message = caught.value.message
    assert message.startswith("calls.csv: ") and "must be one of reached, no_answer" in message


def test_the_club_id_column_is_looked_for_first_and_a_missing_one_is_named() -> None:
    calls = pd.DataFrame({"CustomerId": ["A"], "id": ["x"], "month": ["2024-06"],
                          "outcome": ["accepted"]})  # fmt: skip
    assert check_contacts(calls, known_ids=["CustomerId"])["member"].tolist() == ["A"]
    assert check_contacts(calls)["member"].tolist() == ["x"]
    with pytest.raises(SchemaError, match="no member id column 'member_no'"):
        check_contacts(calls, id_col="member_no")
    with pytest.raises(SchemaError, match="lack the column 'outcome'"):
        check_contacts(calls.drop(columns="outcome"))
    with pytest.raises(SchemaError, match="no member id column"):
        check_contacts(calls[["month", "outcome"]])


def test_long_notes_are_cut() -> None:
    calls = pd.DataFrame({"member": ["A"], "month": ["2024-06"], "outcome": ["reached"],
                          "note": ["x" * (NOTE_LONGEST + 50)]})  # fmt: skip
    assert len(check_contacts(calls)["note"].iloc[0]) == NOTE_LONGEST


def test_recorded_contacts_come_back_for_their_club_only(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/shared.db"
    calls = check_contacts(
        pd.DataFrame(
            {
                "member": ["A1", "A1", "B2"],
                "month": ["2024-06", "2024-07", "2024-07"],
                "outcome": ["no_answer", "accepted", "declined"],
                "note": ["", "=cmd|' /C calc'!A0", "moved away"],
            }
        )
    )
    with Store(url, club="a" * 32) as north, Store(url, club="b" * 32) as south:
        assert north.record_contacts(calls, source="calls.csv") == 3
        south.record_contacts(calls.head(1))
        mine = north.contacts(member="A1")
        assert mine["outcome"].tolist() == ["no_answer", "accepted"]
        assert mine["note"].tolist()[1] == "=cmd|' /C calc'!A0"  # stored as given, shown escaped
        assert north.contacts(month="2024-07")["member"].tolist() == ["A1", "B2"]
        assert south.contacts()["member"].tolist() == ["A1"]
        assert south.contacts()["source"].tolist() == ["api"]
