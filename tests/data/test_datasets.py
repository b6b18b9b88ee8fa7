"""Tests for churnlab.data.datasets: the club's table and the synthetic members that resemble it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from churnlab.data.datasets import load_gym_churn, make_members, write_members

COLUMNS = [
    "gender",
    "Near_Location",
    "Partner",
    "Promo_friends",
    "Phone",
    "Contract_period",
    "Group_visits",
    "Age",
    "Avg_additional_charges_total",
    "Month_to_end_contract",
    "Lifetime",
    "Avg_class_frequency_total",
    "Avg_class_frequency_current_month",
    "Churn",
]
FLOAT_COLUMNS = {
    "Avg_additional_charges_total",
    "Month_to_end_contract",
    "Avg_class_frequency_total",
    "Avg_class_frequency_current_month",
}
BINARY_COLUMNS = ["gender", "Near_Location", "Partner", "Promo_friends", "Phone", "Group_visits"]
FREQUENCIES = ["Avg_class_frequency_total", "Avg_class_frequency_current_month"]
N_SYNTHETIC = 50_000


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return load_gym_churn()


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    return make_members(N_SYNTHETIC, random_state=0)


# --- load_gym_churn ---------------------------------------------------------------------------


def test_load_gym_churn_shape_and_columns(real: pd.DataFrame) -> None:
    assert real.shape == (4000, 14)
    assert list(real.columns) == COLUMNS
    assert isinstance(real.index, pd.RangeIndex)


def test_load_gym_churn_dtypes(real: pd.DataFrame) -> None:
    for name in COLUMNS:
        expected = np.float64 if name in FLOAT_COLUMNS else np.int64
        assert real[name].dtype == expected, name


def test_load_gym_churn_content(real: pd.DataFrame) -> None:
    assert int(real["Churn"].sum()) == 1061
    assert not real.isna().any().any()
    assert not real.duplicated().any()
    assert set(real["Contract_period"]) == {1, 6, 12}
    assert (real["Month_to_end_contract"] <= real["Contract_period"]).all()


def test_load_gym_churn_returns_a_fresh_frame() -> None:
    first = load_gym_churn()
    first.loc[0, "Age"] = 99
    assert load_gym_churn().loc[0, "Age"] == 29


# --- make_members: contract --------------------------------------------------------------------


def test_make_members_columns_and_dtypes_match_the_club(real: pd.DataFrame) -> None:
    members = make_members(100, random_state=1)
    assert members.shape == (100, 14)
    assert list(members.columns) == list(real.columns)
    pd.testing.assert_series_equal(members.dtypes, real.dtypes)
    assert isinstance(members.index, pd.RangeIndex)


def test_make_members_same_seed_same_frame() -> None:
    pd.testing.assert_frame_equal(
        make_members(500, random_state=7), make_members(500, random_state=7)
    )


def test_make_members_other_seed_other_frame() -> None:
    first, second = make_members(500, random_state=7), make_members(500, random_state=8)
    assert not first.equals(second)
    assert not np.allclose(
        first["Avg_additional_charges_total"], second["Avg_additional_charges_total"]
    )


def test_make_members_accepts_a_generator() -> None:
    from_seed = make_members(200, random_state=3)
    from_generator = make_members(200, random_state=np.random.default_rng(3))
    pd.testing.assert_frame_equal(from_seed, from_generator)


def test_make_members_without_churn_drops_only_churn() -> None:
    with_churn = make_members(300, random_state=5)
    without = make_members(300, random_state=5, churn=False)
    assert list(without.columns) == COLUMNS[:-1]
    pd.testing.assert_frame_equal(without, with_churn.drop(columns="Churn"))


@pytest.mark.parametrize("churn", [True, False])
def test_make_members_zero_rows(real: pd.DataFrame, churn: bool) -> None:
    empty = make_members(0, churn=churn)
    expected = real.dtypes if churn else real.dtypes.drop("Churn")
    assert empty.shape == (0, len(expected))
    pd.testing.assert_series_equal(empty.dtypes, expected)


@pytest.mark.parametrize("n", [-1, 2.5, 3.0, "10", None, True])
def test_make_members_rejects_bad_n(n: object) -> None:
    with pytest.raises(ValueError, match="non-negative integer"):
        make_members(n)  # type: ignore[arg-type]


def test_make_members_accepts_numpy_integers() -> None:
    assert make_members(np.int64(3)).shape == (3, 14)  # type: ignore[arg-type]


# --- make_members: resemblance -----------------------------------------------------------------


def test_churn_rate_resembles_the_club(real: pd.DataFrame, synthetic: pd.DataFrame) -> None:
    assert real["Churn"].mean() == pytest.approx(0.26525)
    assert abs(synthetic["Churn"].mean() - real["Churn"].mean()) < 0.03


@pytest.mark.parametrize("column", COLUMNS[:-1])
def test_column_means_resemble_the_club(
    real: pd.DataFrame, synthetic: pd.DataFrame, column: str
) -> None:
    real_mean, synthetic_mean = real[column].mean(), synthetic[column].mean()
    if column in BINARY_COLUMNS:
        assert abs(synthetic_mean - real_mean) < 0.05
        assert set(synthetic[column].unique()) == {0, 1}
    else:
        assert synthetic_mean == pytest.approx(real_mean, rel=0.15)


def test_values_stay_inside_the_club_ranges(real: pd.DataFrame, synthetic: pd.DataFrame) -> None:
    low, high = real.min(), real.max()
    for column in COLUMNS:
        assert synthetic[column].min() >= low[column], column
        assert synthetic[column].max() <= high[column], column


def test_contract_structure(synthetic: pd.DataFrame) -> None:
    assert set(synthetic["Contract_period"].unique()) == {1, 6, 12}
    assert (synthetic["Month_to_end_contract"] <= synthetic["Contract_period"]).all()
    assert (synthetic["Month_to_end_contract"] >= 1).all()
    assert (synthetic["Month_to_end_contract"] % 1 == 0).all()
    one_month = synthetic["Contract_period"] == 1
    assert (synthetic.loc[one_month, "Month_to_end_contract"] == 1).all()


def test_contract_mix_resembles_the_club(real: pd.DataFrame, synthetic: pd.DataFrame) -> None:
    real_mix = real["Contract_period"].value_counts(normalize=True).sort_index()
    synthetic_mix = synthetic["Contract_period"].value_counts(normalize=True).sort_index()
    np.testing.assert_allclose(synthetic_mix.to_numpy(), real_mix.to_numpy(), atol=0.03)


def test_visit_frequencies_are_strongly_linked(real: pd.DataFrame, synthetic: pd.DataFrame) -> None:
    real_corr = real[FREQUENCIES[0]].corr(real[FREQUENCIES[1]])
    synthetic_corr = synthetic[FREQUENCIES[0]].corr(synthetic[FREQUENCIES[1]])
    assert real_corr > 0.9
    assert synthetic_corr > 0.8
    assert synthetic_corr == pytest.approx(real_corr, abs=0.05)


# --- make_members: the churn relationship transfers ---------------------------------------------


def test_model_trained_on_synthetic_members_ranks_the_real_ones(
    real: pd.DataFrame, synthetic: pd.DataFrame
) -> None:
    model = HistGradientBoostingClassifier(max_iter=100, random_state=0)
    model.fit(synthetic.drop(columns="Churn"), synthetic["Churn"])
    scores = model.predict_proba(real.drop(columns="Churn"))[:, 1]
    assert roc_auc_score(real["Churn"], scores) > 0.90


@pytest.mark.parametrize(
    "column",
    ["Contract_period", "Lifetime", "Age", "Avg_class_frequency_current_month"],
)
def test_churn_relationship_has_the_same_sign(
    real: pd.DataFrame, synthetic: pd.DataFrame, column: str
) -> None:
    real_corr = real[column].corr(real["Churn"])  # point-biserial correlation
    synthetic_corr = synthetic[column].corr(synthetic["Churn"])
    assert real_corr < -0.1
    assert synthetic_corr < -0.1
    assert synthetic_corr == pytest.approx(real_corr, abs=0.1)


def test_falling_visits_raise_churn(synthetic: pd.DataFrame) -> None:
    change = synthetic[FREQUENCIES[1]] - synthetic[FREQUENCIES[0]]
    falling = change < -0.3
    assert synthetic.loc[falling, "Churn"].mean() > 2 * synthetic.loc[~falling, "Churn"].mean()


def test_write_members_in_files_and_row_groups(tmp_path: Path) -> None:
    files = write_members(tmp_path / "a", 600_001, rows_per_file=300_000, random_state=5)
    assert [f.name for f in files] == [f"part-0000{k}.parquet" for k in range(3)]
    metadata = [pq.ParquetFile(f).metadata for f in files]
    assert [m.num_rows for m in metadata] == [300_000, 300_000, 1]
    assert [m.num_row_groups for m in metadata] == [2, 2, 1]  # 250,000 rows a group
    again = write_members(tmp_path / "b", 600_001, rows_per_file=300_000, random_state=5)
    first, second = pd.read_parquet(files[1]), pd.read_parquet(again[1])
    pd.testing.assert_frame_equal(first, second)
    assert not first.equals(pd.read_parquet(files[0]).iloc[: len(first)])  # each its own seed
    assert list(first.columns) == list(load_gym_churn().columns)
    assert 0.2 < first["Churn"].mean() < 0.33
