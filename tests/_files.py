"""Files for the data layer's tests: text written in a given encoding, and the fresh index a
reader must give."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def assert_range_index(frame: pd.DataFrame) -> None:
    assert isinstance(frame.index, pd.RangeIndex)
    assert list(frame.index) == list(range(len(frame)))
