"""Invariants that must hold for any input: property tests with Hypothesis."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings, strategies as st

from churnlab.data.club import GYM_COLUMNS
from churnlab.model.churn_model import ChurnModel
from churnlab.scoring.members import score_members

FAST = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _member(feature: str) -> st.SearchStrategy:
    spec = GYM_COLUMNS[feature]
    if spec.kind == "binary":
        return st.sampled_from([0, 1])
    high = spec.max if spec.max is not None else 1000.0
    if spec.integer:
        return st.integers(int(spec.min or 0), int(high))
    return st.floats(spec.min or 0.0, high, allow_nan=False)


members = st.lists(
    st.fixed_dictionaries({name: _member(name) for name in GYM_COLUMNS}), min_size=1, max_size=40
).map(pd.DataFrame)


@FAST
@given(frame=members)
def test_probabilities_are_probabilities(gym_model: ChurnModel, frame: pd.DataFrame) -> None:
    proba = gym_model.predict_proba(frame)
    assert proba.shape == (len(frame), 2)
    assert np.isfinite(proba).all() and (proba >= 0).all() and (proba <= 1).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@FAST
@given(data=st.data())
def test_row_and_column_order_do_not_change_results(
    gym_model: ChurnModel, gym: pd.DataFrame, data: st.DataObject
) -> None:
    frame = gym.sample(50, random_state=data.draw(st.integers(0, 10_000))).reset_index(drop=True)
    rows = data.draw(st.permutations(range(len(frame))))
    columns = data.draw(st.permutations(list(frame.columns)))
    expected = gym_model.predict_proba(frame)[:, 1]
    shuffled = frame.iloc[list(rows)][list(columns)].reset_index(drop=True)
    np.testing.assert_allclose(
        gym_model.predict_proba(shuffled)[:, 1], expected[list(rows)], rtol=0, atol=1e-12
    )


bad_values = st.sampled_from([-5, "abc", 1e9, np.inf, 2.5, " "])


@FAST
@given(data=st.data())
def test_every_row_is_scored_or_rejected(
    gym_model: ChurnModel, gym: pd.DataFrame, data: st.DataObject
) -> None:
    frame = gym.head(60).astype(object).assign(member=[f"m{i}" for i in range(60)])
    cells = data.draw(
        st.lists(
            st.tuples(st.integers(0, 59), st.sampled_from(list(GYM_COLUMNS)), bad_values),
            max_size=15,
        )
    )
    for row, column, value in cells:
        frame.loc[row, column] = value
    result = score_members(gym_model, frame, id_col="member")
    scored, rejected = set(result.scores["row"]), set(result.rejects["row"])
    assert scored.isdisjoint(rejected) and scored | rejected == set(range(60))
    assert result.scores["row"].is_monotonic_increasing  # input order kept
    # ids stay with their rows
    assert (result.scores["member"] == "m" + result.scores["row"].astype(str)).all()
    assert (result.rejects["member"] == "m" + result.rejects["row"].astype(str)).all()
