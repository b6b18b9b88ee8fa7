"""churnlab.model.backtest: a closed month's figures against scikit-learn, SciPy, pandas,
brute-force bootstraps, simulations with a known truth and a ten-member example worked by hand."""

import json
import math
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom, norm, poisson_binom, rankdata
from sklearn.metrics import brier_score_loss, roc_auc_score

import churnlab.model.backtest as backtest_module
from churnlab.model.backtest import (
    EXACT_BAND_LIMIT,
    auc_interval,
    backtest,
    calibration_table,
    expected_band,
    roc_auc,
)

# The ten members worked by hand: one per decile and per calibration bin.
HAND_P = [0.95, 0.85, 0.75, 0.65, 0.55, 0.45, 0.35, 0.25, 0.15, 0.05]
HAND_Y = [1, 1, 0, 1, 0, 0, 0, 0, 0, 0]
HAND_TIERS = ["low", "high", "high", "medium", "low", "low", "low", "low", "low", "low"]


def scored_members(n: int, *, separation: float = 1.0, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Leavers' scores ~ N(separation, 1), stayers' ~ N(0, 1), as probabilities (a monotone map,
    so the true AUC is Φ(separation / √2))."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    p = 1 / (1 + np.exp(-(separation * y + rng.normal(size=n))))
    return y, p


def delong_se(y: np.ndarray, p: np.ndarray) -> float:
    """DeLong's standard error of the AUC, from midranks (structural components)."""
    leavers, stayers = p[y == 1], p[y == 0]
    ranks = rankdata(np.r_[leavers, stayers])
    v10 = (ranks[: len(leavers)] - rankdata(leavers)) / len(stayers)
    v01 = 1 - (ranks[len(leavers) :] - rankdata(stayers)) / len(leavers)
    return math.sqrt(v10.var(ddof=1) / len(leavers) + v01.var(ddof=1) / len(stayers))


def brute_bootstrap_interval(y: np.ndarray, p: np.ndarray, draws: int) -> tuple[float, float]:
    rng = np.random.default_rng(123)
    aucs = []
    for _ in range(draws):
        rows = rng.integers(0, len(y), len(y))
        if 0 < y[rows].sum() < len(y):
            aucs.append(roc_auc_score(y[rows], p[rows]))
    low, high = np.quantile(aucs, [0.025, 0.975])
    return float(low), float(high)


def exact_tails(pmf: np.ndarray, low: int, high: int) -> tuple[float, float]:
    """P(X < low) and P(X > high) for a pmf over 0..n."""
    return float(pmf[:low].sum()), float(pmf[high + 1 :].sum())


def poisson_binomial_by_convolution(p: np.ndarray) -> np.ndarray:
    pmf = np.array([1.0])
    for share in p:
        pmf = np.convolve(pmf, [1 - share, share])
    return pmf


def plain(value: object) -> bool:
    """Only JSON's own types, all the way down (no NumPy scalars, no NaN)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(plain(v) for v in value)
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or type(value) in (int, str, bool)


# ROC AUC


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("decimals", [2, 1, None])
def test_roc_auc_is_scikit_learns_with_and_without_ties(seed: int, decimals: int | None) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 3_000))
    y = (rng.random(n) < 0.3).astype(int)
    p = np.clip(0.25 * y + rng.uniform(0, 0.75, n), 0, 1)
    if decimals is not None:
        p = p.round(decimals)
    assert abs(roc_auc(y, p) - roc_auc_score(y, p)) < 1e-12


def test_roc_auc_is_none_for_one_class_and_counts_ties_half() -> None:
    assert roc_auc([0, 0, 0], [0.1, 0.5, 0.9]) is None
    assert roc_auc([1, 1], [0.1, 0.5]) is None
    assert roc_auc([], []) is None
    assert roc_auc([0, 1, 0, 1], [0.3] * 4) == 0.5
    assert roc_auc(np.array([True, False]), np.array([0.9, 0.1])) == 1.0


# Bootstrap interval of the AUC


@pytest.mark.parametrize("decimals", [None, 3, 2])  # rows, rows in tie groups, multinomial cells
def test_auc_interval_contains_the_auc_and_is_as_wide_as_delong_and_a_brute_bootstrap(
    decimals: int | None,
) -> None:
    y, p = scored_members(4_000, seed=7)
    if decimals is not None:
        p = p.round(decimals)
    low, high = auc_interval(y, p, draws=1000, seed=3)
    assert low is not None and high is not None
    assert low < roc_auc_score(y, p) < high
    assert high - low == pytest.approx(2 * 1.96 * delong_se(y, p), rel=0.1)
    if decimals == 3:
        return  # (a brute-force bootstrap of 200 draws takes a second and a half)
    brute_low, brute_high = brute_bootstrap_interval(y, p, draws=200)
    assert high - low == pytest.approx(brute_high - brute_low, rel=0.2)
    assert (low + high) / 2 == pytest.approx((brute_low + brute_high) / 2, abs=0.005)


def test_auc_interval_covers_the_true_auc_about_95_percent_of_the_time() -> None:
    separation = 1.0
    truth = norm.cdf(separation / math.sqrt(2))  # P(N(d, 1) > N(0, 1))
    covered = []
    for run in range(200):
        y, p = scored_members(200, separation=separation, seed=1_000 + run)
        low, high = auc_interval(y, p, draws=500, seed=run)
        assert low is not None and high is not None
        covered.append(low <= truth <= high)
    assert 0.90 <= np.mean(covered) <= 0.99


def test_auc_interval_is_reproducible_and_skips_draws_with_one_class() -> None:
    y, p = scored_members(500, seed=2)
    assert auc_interval(y, p, seed=5) == auc_interval(y, p, seed=5)
    assert auc_interval(y, p, seed=5) != auc_interval(y, p, seed=6)
    # Two members: half the draws hold one class only; the others all rank perfectly.
    assert auc_interval([0, 1], [0.1, 0.9]) == (1.0, 1.0)
    assert auc_interval([0, 1, 0, 1], [0.4] * 4) == (0.5, 0.5)
    assert auc_interval([1, 1, 1], [0.1, 0.2, 0.3]) == (None, None)
    assert auc_interval([], []) == (None, None)
    narrow_low, narrow_high = auc_interval(y, p, level=0.5)
    wide_low, wide_high = auc_interval(y, p, level=0.99)
    assert narrow_low is not None and narrow_high is not None
    assert wide_low is not None and wide_high is not None
    assert wide_low < narrow_low < narrow_high < wide_high


def test_auc_interval_takes_under_half_a_second_for_4000_members() -> None:
    y, p = scored_members(4_000, seed=4)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        auc_interval(y, p, draws=1000)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.5


def test_auc_interval_works_for_a_million_members() -> None:
    y, p = scored_members(1_000_000, seed=5)
    low, high = auc_interval(y, p, draws=3)
    assert low is not None and high is not None
    auc = roc_auc_score(y, p)
    assert low <= auc + 0.002 and high >= auc - 0.002
    assert high - low < 0.01


# Band of the number of leavers


@pytest.mark.parametrize(
    ("n", "share", "level"),
    [(100, 0.2, 0.95), (37, 0.5, 0.9), (1_000, 0.03, 0.95), (5, 0.9, 0.8), (250, 0.41, 0.99)],
)
def test_expected_band_of_equal_probabilities_is_the_binomial_interval(
    n: int, share: float, level: float
) -> None:
    outside = (1 - level) / 2
    k = np.arange(n + 1)
    # low: the first k with P(X <= k) > outside; high: the first k with P(X > k) <= outside.
    low = int(np.flatnonzero(binom.cdf(k, n, share) > outside)[0])
    high = int(np.flatnonzero(binom.sf(k, n, share) <= outside)[0])
    assert expected_band(np.full(n, share), level=level) == (low, high)
    assert (low, high) == tuple(int(b) for b in binom.interval(level, n, share))


@pytest.mark.parametrize("seed", range(3))
def test_expected_band_is_exact_for_unequal_probabilities(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = rng.beta(0.5, 3, int(rng.integers(50, 800)))
    level, outside = 0.95, 0.025
    low, high = expected_band(p, level=level)
    pmf = poisson_binom.pmf(np.arange(len(p) + 1), p)
    np.testing.assert_allclose(pmf, poisson_binomial_by_convolution(p), atol=1e-14)
    below, above = exact_tails(pmf, low, high)
    assert below <= outside + 1e-12 and above <= outside + 1e-12
    assert 1 - below - above >= level - 1e-12
    # Either end moved inwards puts more than `outside` beyond it.
    assert exact_tails(pmf, low + 1, high)[0] > outside - 1e-12
    assert exact_tails(pmf, low, high - 1)[1] > outside - 1e-12


def test_expected_band_covers_simulated_months() -> None:
    rng = np.random.default_rng(11)
    p = rng.uniform(0, 0.4, 300)
    low, high = expected_band(p)
    leavers = np.concatenate([(rng.random((20_000, p.size)) < p).sum(axis=1) for _ in range(5)])
    coverage = np.mean((leavers >= low) & (leavers <= high))
    standard_error = math.sqrt(0.95 * 0.05 / leavers.size)
    assert coverage >= 0.95 - 3 * standard_error
    assert np.mean((leavers >= low + 1) & (leavers <= high - 1)) < 0.95


def test_expected_band_switches_to_the_normal_approximation_smoothly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(8)
    p = rng.beta(1, 4, EXACT_BAND_LIMIT + 1)
    exact = expected_band(p[:-1])  # 20,000 members: exact
    approximate = expected_band(p)  # one more: the normal approximation
    assert 0 <= approximate[0] - exact[0] <= 1 and 0 <= approximate[1] - exact[1] <= 1
    # The approximation itself, forced at any size, against the exact band and SciPy's binomial.
    monkeypatch.setattr(backtest_module, "EXACT_BAND_LIMIT", 0)
    normal = expected_band(p[:-1])
    assert abs(normal[0] - exact[0]) <= 1 and abs(normal[1] - exact[1]) <= 1
    for n, share in [(50_000, 0.1), (100_000, 0.02)]:  # skewed: off by at most one
        reference = binom.interval(0.95, n, share)
        band = expected_band(np.full(n, share))
        assert abs(band[0] - reference[0]) <= 1 and abs(band[1] - reference[1]) <= 1
    for n in (30_000, 30_001, 40_000):  # symmetric: the continuity correction makes it exact
        assert expected_band(np.full(n, 0.5)) == binom.interval(0.95, n, 0.5)


def test_expected_band_edge_cases() -> None:
    assert expected_band([]) == (0, 0)
    assert expected_band([0.5]) == (0, 1)
    assert expected_band(np.zeros(40)) == (0, 0)
    assert expected_band(np.ones(40)) == (40, 40)
    assert expected_band(np.zeros(EXACT_BAND_LIMIT + 5)) == (0, 0)
    assert expected_band(np.ones(EXACT_BAND_LIMIT + 5)) == (EXACT_BAND_LIMIT + 5,) * 2


# Calibration tables and the whole back-test


def test_calibration_table_is_pandas_groupby_in_order_of_first_appearance() -> None:
    rng = np.random.default_rng(3)
    p = rng.uniform(size=400)
    y = (rng.random(400) < p).astype(int)
    groups = rng.choice(["north", "south", "east", 7], 400).astype(object)
    groups[groups == "7"] = 7
    frame = pd.DataFrame({"y": y, "p": p, "g": groups})
    expected = frame.groupby("g", sort=False).agg(
        members=("y", "size"), predicted=("p", "mean"), observed=("y", "mean")
    )
    table = calibration_table(y, p, groups)
    assert [row["group"] for row in table] == list(expected.index)
    for row in table:
        reference = expected.loc[row["group"]]
        assert row["members"] == reference["members"]
        assert row["predicted"] == pytest.approx(reference["predicted"], abs=1e-12)
        assert row["observed"] == pytest.approx(reference["observed"], abs=1e-12)
    strings_only = groups.astype(str)  # sortable labels: still in order of first appearance
    assert [row["group"] for row in calibration_table(y, p, strings_only)] == list(
        pd.unique(strings_only)
    )
    assert calibration_table([], [], []) == []
    assert calibration_table([1], [0.2], np.array([3]))[0]["group"] == 3
    assert type(calibration_table([1], [0.2], np.array([3]))[0]["group"]) is int


def test_backtest_of_ten_members_worked_by_hand() -> None:
    result = backtest(HAND_Y, HAND_P, tiers=HAND_TIERS, draws=200)
    assert result["members"] == 10 and result["left"] == 3
    assert result["churn_rate"] == 0.3 and result["mean_probability"] == 0.5
    # Leavers at 0.95 and 0.85 beat all 7 stayers, 0.65 beats 6 of them: 20 of 21 pairs.
    assert result["roc_auc"] == round(20 / 21, 6)
    # Squared gaps .05 .15 .75 .35 .55 .45 .35 .25 .15 .05; one member per bin, so ECE is
    # the mean absolute gap.
    assert result["brier"] == 0.1425
    assert result["ece"] == 0.31
    assert result["top_decile_lift"] == round(1 / 0.3, 6)  # the riskiest member left
    assert result["by_decile"] == [
        {"decile": d + 1, "members": 1, "predicted": p, "observed": float(y)}
        for d, (p, y) in enumerate(zip(HAND_P, HAND_Y, strict=True))
    ]
    assert result["by_tier"] == [
        {"tier": "high", "members": 2, "predicted": 0.8, "observed": 0.5},
        {"tier": "medium", "members": 1, "predicted": 0.65, "observed": 1.0},
        {"tier": "low", "members": 7, "predicted": 0.392857, "observed": 0.142857},
    ]
    assert result["roc_auc_low"] <= result["roc_auc"] <= result["roc_auc_high"] <= 1.0


@pytest.mark.parametrize("n", [1_234, 10, 25, 7])
def test_backtest_figures_match_scikit_learn_and_a_pandas_computation(n: int) -> None:
    rng = np.random.default_rng(n)
    p = rng.uniform(0, 0.6, n).round(2)  # ties, which the decile split breaks by input order
    y = (rng.random(n) < p).astype(int)
    y[:2] = [0, 1]
    tiers = np.where(p >= 0.4, "high", np.where(p >= 0.2, "medium", "low"))
    result = backtest(y, p, tiers=tiers, draws=100)

    frame = pd.DataFrame({"y": y, "p": p, "tier": tiers, "position": np.arange(n)})
    assert result["brier"] == pytest.approx(brier_score_loss(y, p), abs=1e-6)
    assert result["roc_auc"] == pytest.approx(roc_auc_score(y, p), abs=1e-6)
    assert result["churn_rate"] == pytest.approx(y.mean(), abs=1e-6)

    bins = np.minimum(np.floor(frame["p"] * 10), 9)
    per_bin = frame.groupby(bins).agg(members=("y", "size"), o=("y", "mean"), e=("p", "mean"))
    ece = (per_bin["members"] / n * (per_bin["o"] - per_bin["e"]).abs()).sum()
    assert result["ece"] == pytest.approx(ece, abs=1e-6)

    ranked = frame.sort_values(["p", "position"], ascending=[False, True])
    top = ranked.iloc[: math.ceil(n / 10)]
    assert result["top_decile_lift"] == pytest.approx(top["y"].mean() / y.mean(), abs=1e-6)
    deciles = []
    for d in range(1, 11):
        piece = ranked.iloc[math.ceil((d - 1) * n / 10) : math.ceil(d * n / 10)]
        if len(piece):
            deciles.append((d, len(piece), piece["p"].mean(), piece["y"].mean()))
    assert len(result["by_decile"]) == len(deciles) == min(n, 10)
    for row, (decile, members, predicted, observed) in zip(
        result["by_decile"], deciles, strict=True
    ):
        assert (row["decile"], row["members"]) == (decile, members)
        assert row["predicted"] == pytest.approx(predicted, abs=1e-6)
        assert row["observed"] == pytest.approx(observed, abs=1e-6)
    assert sum(row["members"] for row in result["by_decile"]) == n

    by_tier = frame.groupby("tier").agg(members=("y", "size"), o=("y", "mean"), e=("p", "mean"))
    present = [t for t in ("high", "medium", "low") if t in by_tier.index]
    assert [row["tier"] for row in result["by_tier"]] == present
    for row in result["by_tier"]:
        assert row["members"] == by_tier.loc[row["tier"], "members"]
        assert row["observed"] == pytest.approx(by_tier.loc[row["tier"], "o"], abs=1e-6)
        assert row["predicted"] == pytest.approx(by_tier.loc[row["tier"], "e"], abs=1e-6)
    assert plain(result)
    json.dumps(result, allow_nan=False)


def test_backtest_of_an_empty_month() -> None:
    result = backtest([], [], tiers=[])
    assert result == {
        "members": 0,
        "left": None,
        "churn_rate": None,
        "mean_probability": None,
        "roc_auc": None,
        "roc_auc_low": None,
        "roc_auc_high": None,
        "brier": None,
        "ece": None,
        "top_decile_lift": None,
        "by_tier": [],
        "by_decile": [],
    }


def test_backtest_of_one_class_one_member_and_equal_probabilities() -> None:
    stayed = backtest([0, 0, 0], [0.1, 0.2, 0.3])
    assert stayed["left"] == 0 and stayed["churn_rate"] == 0.0
    assert stayed["roc_auc"] is stayed["roc_auc_low"] is stayed["roc_auc_high"] is None
    assert stayed["top_decile_lift"] is None
    assert stayed["brier"] == pytest.approx(brier_score_loss([0, 0, 0], [0.1, 0.2, 0.3]), abs=1e-6)
    assert stayed["by_tier"] == []

    everyone = backtest([1, 1], [0.4, 0.9])
    assert everyone["roc_auc"] is None and everyone["top_decile_lift"] == 1.0

    one = backtest([1], [0.7], tiers=["high"])
    assert one["members"] == 1 and one["left"] == 1 and one["roc_auc"] is None
    assert one["brier"] == 0.09 and one["ece"] == 0.3 and one["top_decile_lift"] == 1.0
    assert one["by_decile"] == [{"decile": 1, "members": 1, "predicted": 0.7, "observed": 1.0}]
    assert one["by_tier"] == [{"tier": "high", "members": 1, "predicted": 0.7, "observed": 1.0}]

    # All probabilities equal: no ranking (AUC 0.5 in every draw); the top decile is the first
    # ceil(15 / 10) = 2 members by input order, of whom one left.
    y = [1, 0] + [0, 1, 0] * 4 + [0]
    flat = backtest(y, [0.25] * 15)
    assert (flat["roc_auc"], flat["roc_auc_low"], flat["roc_auc_high"]) == (0.5, 0.5, 0.5)
    assert flat["top_decile_lift"] == round(0.5 / (5 / 15), 6)
    assert [row["members"] for row in flat["by_decile"]] == [2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    assert plain(flat) and plain(stayed) and plain(one)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: roc_auc([0, 1], [0.5]), "as long"),
        (lambda: roc_auc([0, 1], [0.5, 1.2]), r"\[0, 1\]"),
        (lambda: roc_auc([0, 1], [0.5, float("nan")]), r"\[0, 1\]"),
        (lambda: roc_auc([0, 2], [0.5, 0.5]), "0 .* and 1"),
        (lambda: roc_auc([[0, 1]], [[0.5, 0.5]]), "one-dimensional"),
        (lambda: auc_interval([0, 1], [0.1, 0.2], draws=0), "draws"),
        (lambda: auc_interval([0, 1], [0.1, 0.2], level=1.0), "level"),
        (lambda: expected_band([0.5, -0.1]), r"\[0, 1\]"),
        (lambda: expected_band([0.5], level=0), "level"),
        (lambda: calibration_table([0, 1], [0.1, 0.2], ["a"]), "one label per member"),
        (lambda: backtest([0, 1], [0.1, 0.2], tiers=["high"]), "one label per member"),
        (lambda: backtest([0, 1], [0.1, 0.2], tiers=["high", "extreme"]), "extreme"),
    ],
)
def test_programming_errors_raise_with_a_clear_message(
    call: Callable[[], object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        call()
