"""Fixtures of the data layer's tests: a small member table."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture
def members() -> pd.DataFrame:
    return pd.DataFrame(
        {"id": [1, 2, 3], "Возраст": [25, 31, 44], "fee": [12.75, 8.0, 3.5], "plan": list("abc")}
    )
