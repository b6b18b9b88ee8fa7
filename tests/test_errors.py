import pandas as pd

from churnlab.errors import ChurnlabError, DataError, ValidationError


def test_message_names_file_column_rows_and_fix() -> None:
    error = DataError(
        "text in a numeric column", file="m.csv", column="Age", rows=[3, 9], fix="correct the rows"
    )
    assert (
        str(error)
        == "m.csv: column 'Age', rows 3, 9: text in a numeric column\n  fix: correct the rows"
    )
    assert isinstance(error, ChurnlabError)


def test_long_row_lists_are_shortened() -> None:
    error = ChurnlabError("bad", rows=list(range(12)))
    assert "rows 0, 1, 2, 3, 4 (and 7 more)" in str(error)


def test_validation_error_groups_cells_by_column_and_reason() -> None:
    failures = pd.DataFrame(
        {
            "row": [1, 4, 2],
            "column": ["Age", "Age", "Lifetime"],
            "value": [-3, -1, "x"],
            "reason": ["below the minimum 10", "below the minimum 10", "not a number"],
        }
    )
    error = ValidationError(failures, file="m.csv")
    text = str(error)
    assert text.startswith("m.csv: 3 rows with impossible values")
    assert "column 'Age', rows 1, 4: below the minimum 10 (found -3, -1)" in text
    assert "column 'Lifetime', row 2: not a number (found 'x')" in text
    assert error.rows == [1, 2, 4] and error.column == "Age"
    assert "fix:" in text


def test_very_long_column_names_are_shortened_in_messages() -> None:
    from churnlab.errors import ChurnlabError

    name = "Average_number_of_visits_" * 6  # 150 characters
    message = ChurnlabError("not a number", file="m.csv", column=name).message
    assert name not in message and "Average_number_of_visits_Average" in message
    assert len(message) < 110
