"""churnlab.data.validate: every input row comes out clean or rejected with its reasons."""

import numpy as np
import pandas as pd
import pytest

from churnlab.data.infer import infer_spec
from churnlab.data.spec import gym_spec
from churnlab.data.validate import check_members, check_training_table
from churnlab.errors import SchemaError, ValidationError


def test_clean_table_passes_untouched(gym: pd.DataFrame) -> None:
    checked = check_members(gym, gym_spec())
    assert len(checked.members) == len(gym) and checked.rejects.empty
    np.testing.assert_array_equal(checked.members["Age"], gym["Age"].astype(float))


def test_every_impossible_value_is_found_with_row_column_value_reason(gym: pd.DataFrame) -> None:
    frame = gym.head(10).copy()
    frame = frame.astype({"Age": object, "Lifetime": float, "Partner": object})
    frame.loc[1, "Age"] = -4
    frame.loc[3, "Age"] = "old"
    frame.loc[3, "Lifetime"] = 2.5
    frame.loc[5, "Partner"] = 2
    frame.loc[7, "Avg_class_frequency_total"] = np.inf
    checked = check_members(frame, gym_spec(), source="m.csv")
    cells = set(map(tuple, checked.failures[["row", "column", "reason"]].values.tolist()))
    assert cells == {
        (1, "Age", "below the minimum 10"),
        (3, "Age", "not a number"),
        (3, "Lifetime", "not a whole number"),
        (5, "Partner", "must be 0 or 1"),
        (7, "Avg_class_frequency_total", "not a finite number"),
    }
    assert checked.rejects["row"].tolist() == [1, 3, 5, 7]
    row3 = checked.rejects.set_index("row").loc[3]
    assert row3["column"] == "Age; Lifetime" and row3["value"] == "old; 2.5"
    assert list(checked.members.index) == [0, 2, 4, 6, 8, 9]


def test_text_numbers_with_blanks_become_missing_not_rejects(telco: pd.DataFrame) -> None:
    spec = infer_spec(telco)
    checked = check_members(telco, spec)
    assert checked.rejects.empty
    blanks = telco["TotalCharges"].str.strip() == ""
    assert blanks.sum() > 0 and checked.members.loc[blanks, "TotalCharges"].isna().all()
    assert checked.members["TotalCharges"].dtype == float


def test_rejects_carry_the_member_id(telco: pd.DataFrame) -> None:
    frame = telco.head(30).astype({"tenure": object})
    frame.loc[4, "tenure"] = "n/a"
    checked = check_members(frame, infer_spec(telco))
    assert checked.rejects[["row", "customerID", "column"]].values.tolist() == [
        [4, "C00004", "tenure"]
    ]


def test_missing_columns_are_all_named(gym: pd.DataFrame) -> None:
    with pytest.raises(
        SchemaError, match=r"2 columns that the model needs are missing: 'Age', 'Lifetime'"
    ):
        check_members(gym.drop(columns=["Age", "Lifetime"]), gym_spec(), source="m.csv")


def test_training_refuses_impossible_values(gym: pd.DataFrame) -> None:
    frame = gym.head(20).copy()
    frame.loc[6, "Month_to_end_contract"] = 40
    with pytest.raises(
        ValidationError, match=r"column 'Month_to_end_contract', row 6: above the maximum 36"
    ) as info:
        check_training_table(frame, gym_spec(), source="m.csv")
    assert info.value.file == "m.csv" and info.value.rows == [6]


def test_training_refuses_rows_without_outcome(gym: pd.DataFrame) -> None:
    frame = gym.head(20).astype({"Churn": float})
    frame.loc[[2, 9], "Churn"] = np.nan
    with pytest.raises(ValidationError, match=r"column 'Churn', rows 2, 9: the target is missing"):
        check_training_table(frame, gym_spec())


def test_training_table_gives_features_and_01_target(telco: pd.DataFrame) -> None:
    spec = infer_spec(telco)
    X, y = check_training_table(telco, spec)
    assert list(X.columns) == spec.feature_names
    assert set(y.unique()) == {0, 1} and y.sum() == (telco["Churn"] == "Yes").sum()


@pytest.mark.parametrize("text", ["1e400", "-inf", "inf"])
def test_training_names_infinite_values_read_from_a_file(
    text: str, gym: pd.DataFrame, tmp_path
) -> None:
    from churnlab.data.read import read_table

    path = tmp_path / "m.csv"
    frame = gym.head(40).astype({"Avg_additional_charges_total": object})
    frame.loc[12, "Avg_additional_charges_total"] = text
    frame.to_csv(path, index=False)
    table = read_table(path)
    spec = infer_spec(table)  # inference leaves inf to the check
    with pytest.raises(
        ValidationError,
        match=r"column 'Avg_additional_charges_total', row 12: not a finite number \(found -?inf\)",
    ):
        check_training_table(table, spec, source="m.csv")


def _short_row_csv(gym: pd.DataFrame, path, rows: dict[int, int]) -> None:
    """The club's first 40 rows as CSV, row ``r`` cut to ``rows[r]`` fields."""
    lines = gym.head(40).to_csv(index=False).splitlines()
    for row, fields in rows.items():
        lines[row + 1] = ",".join(lines[row + 1].split(",")[:fields])
    path.write_text("\n".join(lines) + "\n\n")


def test_short_rows_are_rejected_with_their_reason(gym: pd.DataFrame, tmp_path) -> None:
    from churnlab.data.read import read_table

    _short_row_csv(gym, tmp_path / "m.csv", {3: 5, 20: 13})
    checked = check_members(read_table(tmp_path / "m.csv"), gym_spec())
    assert checked.rejects[["row", "column", "reason"]].values.tolist() == [
        [3, "Contract_period", "the row has 5 fields, the header has 14"],
        [20, "Churn", "the row has 13 fields, the header has 14"],
    ]
    assert len(checked.members) == 38


def test_training_refuses_short_rows_naming_them(gym: pd.DataFrame, tmp_path) -> None:
    from churnlab.data.read import read_table

    _short_row_csv(gym, tmp_path / "m.csv", {7: 9})
    with pytest.raises(
        ValidationError,
        match=r"column 'Month_to_end_contract', row 7: the row has 9 fields, the header has 14",
    ):
        check_training_table(read_table(tmp_path / "m.csv"), gym_spec(), source="m.csv")


def test_a_feature_of_raw_bytes_is_a_schema_error(telco: pd.DataFrame) -> None:
    spec = infer_spec(telco)
    frame = telco.head(20).astype({"Contract": object})
    frame["Contract"] = [value.encode() for value in frame["Contract"]]
    with pytest.raises(
        SchemaError, match=r"m.parquet: column 'Contract': the column holds raw bytes"
    ) as caught:
        check_members(frame, spec, source="m.parquet")
    assert "as in the table the model was trained on" in str(caught.value.fix)


@pytest.mark.parametrize("huge", [10**400, -(10**400)])
def test_an_integer_too_large_for_a_float_is_not_a_finite_number(
    gym: pd.DataFrame, tmp_path, huge: int
) -> None:
    frame = gym.head(6).astype({"Age": object})
    frame.loc[2, "Age"] = huge  # Python ints of any size reach the check (JSON, a CSV as text)
    checked = check_members(frame, gym_spec(), source="m.csv")
    assert checked.failures[["row", "column", "reason"]].values.tolist() == [
        [2, "Age", "not a finite number"]
    ]
    assert checked.failures["value"].tolist() == [huge]  # the value as given, not inf
    frame.to_csv(tmp_path / "m.csv", index=False)
    from churnlab.data.read import read_table

    with pytest.raises(ValidationError, match=r"column 'Age', row 2"):
        check_training_table(read_table(tmp_path / "m.csv"), gym_spec(), source="m.csv")
