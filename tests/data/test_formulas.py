"""churnlab.data.formulas: cells and headers a spreadsheet would run, defused."""

from __future__ import annotations

import pandas as pd

from churnlab.data.formulas import neutralise_formulas


def test_neutralise_formulas():
    frame = pd.DataFrame(
        {
            "text": ["=SUM(A1)", "+1", "-2", "@x", "\tcmd", "plain", None],
            "number": [-1, -2.5, 0, 3, 4, 5, 6],
            "mixed": ["=1+1", -3, 2.5, None, "ok", "-x", "@"],
        }
    )
    out = neutralise_formulas(frame)
    # a signed plain number is read as that number by a spreadsheet: no formula, left as it is
    assert out["text"].tolist()[:6] == ["'=SUM(A1)", "+1", "-2", "'@x", "'\tcmd", "plain"]
    assert pd.isna(out["text"].iloc[6])
    assert out["number"].tolist() == [-1, -2.5, 0, 3, 4, 5, 6]
    assert out["number"].dtype == frame["number"].dtype
    assert out["mixed"].tolist()[:3] == ["'=1+1", -3, 2.5]
    assert out["mixed"].tolist()[4:] == ["ok", "'-x", "'@"]
    assert frame["text"].iloc[0] == "=SUM(A1)"  # the input is not changed


def test_neutralise_formulas_keeps_dtypes_and_duplicate_names():
    frame = pd.DataFrame([["=a", "b", 1]], columns=["x", "x", "n"])
    frame = frame.astype({"n": "int64"})
    out = neutralise_formulas(frame)
    assert out.iloc[0].tolist() == ["'=a", "b", 1]
    assert list(out.dtypes) == list(frame.dtypes)


def test_neutralise_formulas_categorical():
    frame = pd.DataFrame({"plan": pd.Categorical(["=cmd", "gold"])})
    assert neutralise_formulas(frame)["plan"].tolist() == ["'=cmd", "gold"]


def test_neutralise_formulas_headers_and_formula_like_numbers():
    frame = pd.DataFrame({"=HYPERLINK(1)": ["-1+2", "-1e5", "+.5"], "-2": [1, 2, 3]})
    out = neutralise_formulas(frame)
    assert list(out.columns) == ["'=HYPERLINK(1)", "-2"]
    assert out.iloc[:, 0].tolist() == ["'-1+2", "-1e5", "+.5"]


def test_neutralise_arrow_formulas_matches_the_frame_rule():
    import pyarrow as pa

    from churnlab.data.formulas import neutralise_arrow_formulas

    values = ["=SUM(A1)", "+1", "-2+3", "@x", "\tcmd", "plain", None, "-1.5e3"]
    table = pa.table({"@id": values, "n": list(range(len(values)))})
    out = neutralise_arrow_formulas(table)
    reference = neutralise_formulas(pd.DataFrame({"@id": values, "n": range(len(values))}))
    assert out.column_names == list(reference.columns)
    expected = [None if pd.isna(v) else v for v in reference.iloc[:, 0]]
    assert out.column(0).to_pylist() == expected
