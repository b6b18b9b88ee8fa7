"""churnlab.plan.evidence: what a measure did against its control group, held to independent
references: Newcombe's (1998) published intervals, scipy's Wilson interval and root-finding,
Monte-Carlo posteriors drawn with scipy, and simulations with a known truth."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest
from scipy import optimize, stats

from churnlab.plan.evidence import (
    Arms,
    measure_effect,
    pooled,
    success_posterior,
    uplift_interval,
    wilson_interval,
)

# --- independent references --------------------------------------------------------------------


def _wilson_by_roots(x: float, n: float, level: float) -> tuple[float, float]:
    """The Wilson interval as its definition: the p where the score statistic
    |x/n - p| / sqrt(p (1 - p) / n) equals z, found by root-finding (not the closed form)."""
    z = stats.norm.ppf((1 + level) / 2)
    phat = x / n

    def score(p: float) -> float:
        return (phat - p) ** 2 - z * z * p * (1 - p) / n

    # each side's root other than the trivial one at p = 0 or 1
    low = 0.0 if x == 0 else optimize.brentq(score, 1e-15, min(phat, 1 - 1e-13), xtol=1e-14)
    high = 1.0 if x == n else optimize.brentq(score, max(phat, 1e-13), 1 - 1e-15, xtol=1e-14)
    return low, high


def _newcombe_by_roots(arms: Arms, level: float) -> tuple[float, float, float]:
    """Newcombe's method 10 for control - contact, from the root-found Wilson limits."""
    p1, p2 = arms.control_left / arms.control, arms.contact_left / arms.contact
    l1, u1 = _wilson_by_roots(arms.control_left, arms.control, level)
    l2, u2 = _wilson_by_roots(arms.contact_left, arms.contact, level)
    d = p1 - p2
    return (
        d,
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def _monte_carlo(
    arms: Arms,
    prior_rate: float,
    prior_strength: float = 10.0,
    *,
    cost: float | None = None,
    value_kept: float | None = None,
    level: float = 0.95,
    draws: int = 400_000,
    seed: int = 0,
) -> dict[str, float]:
    """The success rate's posterior by importance sampling: q from its control-group posterior
    Beta(1 + x_c, 1 + n_c - x_c) (flat prior), s from the playbook's Beta prior, weighted by the
    contact group's binomial likelihood of leaving with probability q (1 - s)."""
    rng = np.random.default_rng(seed)
    rate = min(max(prior_rate, 0.005), 0.995)
    q = stats.beta.rvs(
        1 + arms.control_left, 1 + arms.control - arms.control_left, size=draws, random_state=rng
    )
    s = stats.beta.rvs(
        prior_strength * rate, prior_strength * (1 - rate), size=draws, random_state=rng
    )
    leave = q * (1 - s)
    if float(arms.contact_left).is_integer() and float(arms.contact).is_integer():
        log_weight = stats.binom.logpmf(arms.contact_left, arms.contact, leave)
    else:  # fractional counts: the binomial kernel
        log_weight = arms.contact_left * np.log(leave) + (
            arms.contact - arms.contact_left
        ) * np.log1p(-leave)
    weight = np.exp(log_weight - log_weight.max())
    weight /= weight.sum()
    order = np.argsort(s)
    cdf = np.cumsum(weight[order])
    tail = (1 - level) / 2
    low, high = np.interp([tail, 1 - tail], cdf, s[order])
    mean = float(weight @ s)
    spread = float(weight @ (s - mean) ** 2)
    result = {
        "mean": mean,
        "low": float(low),
        "high": float(high),
        # what the posterior is worth in observations, less the prior's
        "evidence": max(0.0, mean * (1 - mean) / spread - 1 - prior_strength),
    }
    if cost is not None and value_kept is not None:
        result["p_pays"] = float(weight[s * q * value_kept > cost].sum())
    return result


# --- Wilson ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_1998_table_one(x: int, n: int, low: float, high: float) -> None:
    """Newcombe (1998a), Statistics in Medicine 17:857, Table I, method 3 (score, no correction)."""
    assert wilson_interval(x, n) == pytest.approx((low, high), abs=5e-5)


@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
def test_wilson_matches_scipy_on_every_count(level: float) -> None:
    for n in (1, 2, 7, 30, 113):
        for x in range(n + 1):
            ci = stats.binomtest(x, n).proportion_ci(confidence_level=level, method="wilson")
            assert wilson_interval(x, n, level=level) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_wilson_with_fractional_counts_solves_the_score_equation() -> None:
    for x, n in [(3.25, 17.5), (0.4, 9.1), (12.7, 12.7), (0.0, 0.3), (41.9, 250.2)]:
        assert wilson_interval(x, n, level=0.9) == pytest.approx(
            _wilson_by_roots(x, n, 0.9), abs=1e-9
        )


def test_wilson_without_members_knows_nothing() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


# --- uplift ------------------------------------------------------------------------------------

# Newcombe (1998b), Statistics in Medicine 17:873, Table II, method 10 (hybrid score): the
# difference p1 - p2 of (m/n) - (x/y). Our uplift is control - contact: p1 is the control group.
_NEWCOMBE_TABLE_TWO = [
    (56, 70, 48, 80, 0.2000, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.6000, 0.1705, 0.8090),
    (6, 7, 2, 7, 0.5714, 0.0582, 0.8062),
    (5, 56, 0, 29, 0.0893, -0.0381, 0.1926),
    (0, 10, 0, 20, 0.0000, -0.1611, 0.2775),
    (0, 10, 0, 10, 0.0000, -0.2775, 0.2775),
    (10, 10, 0, 20, 1.0000, 0.6791, 1.0000),
    (10, 10, 0, 10, 1.0000, 0.6075, 1.0000),
]


@pytest.mark.parametrize(("m", "n", "x", "y", "diff", "low", "high"), _NEWCOMBE_TABLE_TWO)
def test_uplift_matches_newcombe_1998_table_two(
    m: int, n: int, x: int, y: int, diff: float, low: float, high: float
) -> None:
    arms = Arms(contact=y, contact_left=x, control=n, control_left=m)
    assert uplift_interval(arms) == pytest.approx((diff, low, high), abs=5e-5)


def test_uplift_of_a_measure_that_harms_is_negative() -> None:
    """Oriented control - contact: swapping the groups of Table II (a) flips the interval."""
    uplift, low, high = uplift_interval(Arms(70, 56, 80, 48))
    assert (uplift, low, high) == pytest.approx((-0.2, -0.3339, -0.0524), abs=5e-5)


def test_uplift_with_fractional_counts_and_other_levels() -> None:
    rng = np.random.default_rng(5)
    for _ in range(30):
        contact, control = rng.uniform(1, 500), rng.uniform(1, 200)
        arms = Arms(contact, rng.uniform(0, contact), control, rng.uniform(0, control))
        for level in (0.9, 0.99):
            assert uplift_interval(arms, level=level) == pytest.approx(
                _newcombe_by_roots(arms, level), abs=1e-9
            )


@pytest.mark.parametrize(
    ("churn", "success", "contact", "control"), [(0.3, 0.3, 400, 100), (0.2, 0.25, 150, 40)]
)
def test_uplift_interval_covers_the_true_uplift_at_its_level(
    churn: float, success: float, contact: int, control: int
) -> None:
    rng = np.random.default_rng(20)
    draws = 2000
    contact_left = rng.binomial(contact, churn * (1 - success), draws)
    control_left = rng.binomial(control, churn, draws)
    truth = churn * success
    covered = 0
    for xt, xc in zip(contact_left, control_left, strict=True):
        _, low, high = uplift_interval(Arms(contact, xt, control, xc))
        assert low is not None and high is not None
        covered += low <= truth <= high
    assert 0.93 <= covered / draws <= 0.97


def test_uplift_is_undefined_without_either_group() -> None:
    assert uplift_interval(Arms(0, 0, 50, 10)) == (None, None, None)
    assert uplift_interval(Arms(50, 10, 0, 0)) == (None, None, None)
    assert uplift_interval(Arms(0, 0, 0, 0)) == (None, None, None)


# --- the success rate's posterior --------------------------------------------------------------


@pytest.mark.parametrize(
    ("arms", "prior_rate", "prior_strength"),
    [
        (Arms(240, 50, 60, 18), 0.3, 10.0),
        (Arms(240, 50, 60, 18), 0.05, 10.0),  # Beta(0.5, 9.5): a prior piled up at 0
        (Arms(120, 30, 30, 6), 0.6, 4.0),
        (Arms(35.5, 4.25, 12.75, 3.5), 0.2, 10.0),  # weighted, pooled counts
        (Arms(50, 2, 10, 0), 0.3, 10.0),  # no one in the control group left
        (Arms(100, 100, 100, 100), 0.3, 10.0),  # everyone left
        (Arms(800, 100, 200, 60), 0.95, 10.0),
    ],
)
def test_success_posterior_matches_monte_carlo(
    arms: Arms, prior_rate: float, prior_strength: float
) -> None:
    found = success_posterior(
        arms, prior_rate=prior_rate, prior_strength=prior_strength, cost=6.0, value_kept=100.0
    )
    reference = _monte_carlo(
        arms, prior_rate, prior_strength, cost=6.0, value_kept=100.0, seed=hash(arms) % 1000
    )
    assert found.mean == pytest.approx(reference["mean"], abs=0.005)
    assert found.low == pytest.approx(reference["low"], abs=0.01)
    assert found.high == pytest.approx(reference["high"], abs=0.01)
    assert found.p_pays == pytest.approx(reference["p_pays"], abs=0.01)


def test_success_posterior_at_another_level_matches_monte_carlo() -> None:
    arms = Arms(500, 70, 150, 30)
    found = success_posterior(arms, prior_rate=0.4, level=0.8)
    reference = _monte_carlo(arms, 0.4, level=0.8)
    assert (found.mean, found.low, found.high) == pytest.approx(
        (reference["mean"], reference["low"], reference["high"]), abs=0.01
    )


@pytest.mark.parametrize(
    ("prior_rate", "prior_strength"), [(0.3, 10), (0.05, 10), (0.9, 2), (0.5, 50)]
)
def test_without_data_the_posterior_is_the_prior(prior_rate: float, prior_strength: float) -> None:
    prior = stats.beta(prior_strength * prior_rate, prior_strength * (1 - prior_rate))
    for arms in (Arms(0, 0, 0, 0), Arms(0, 0, 80, 20)):  # a control group alone says nothing of s
        found = success_posterior(arms, prior_rate=prior_rate, prior_strength=prior_strength)
        assert found.mean == pytest.approx(prior.mean(), abs=0.003)
        assert (found.low, found.high) == pytest.approx(tuple(prior.ppf([0.025, 0.975])), abs=0.005)
        assert found.evidence < 0.5  # the prior's worth, and no more
        assert found.measured is False


def test_a_rate_of_0_or_1_is_clipped_for_the_prior() -> None:
    for rate, clipped in ((0.0, 0.005), (1.0, 0.995)):
        found = success_posterior(Arms(0, 0, 0, 0), prior_rate=rate)
        assert found.mean == pytest.approx(clipped, abs=0.003)
        assert found.prior_rate == rate


def test_with_lots_of_data_the_prior_stops_mattering() -> None:
    """100,000 members a group, true churn 0.3 and success 0.3: priors at 0.05 and 0.9 agree,
    centre on the implied 1 - contact churn / control churn, and the interval is narrow."""
    arms = Arms(100_000, 21_000, 100_000, 30_000)
    low_prior = success_posterior(arms, prior_rate=0.05)
    high_prior = success_posterior(arms, prior_rate=0.9)
    assert low_prior.mean == pytest.approx(high_prior.mean, abs=0.002)
    assert low_prior.mean == pytest.approx(1 - 0.21 / 0.30, abs=0.002)
    assert high_prior.high - high_prior.low < 0.03
    # the data's worth: the implied rate's variance by the delta method, from both groups
    c, q, n = 0.21, 0.30, 100_000
    variance = c * (1 - c) / n / q**2 + c**2 * q * (1 - q) / n / q**4
    worth = 0.3 * 0.7 / variance - 1 - 10
    assert low_prior.measured and low_prior.evidence == pytest.approx(worth, rel=0.05)


@pytest.mark.parametrize(
    "arms",
    [Arms(60, 12, 30, 9), Arms(200, 40, 60, 18), Arms(400, 60, 100, 25), Arms(200, 30, 6, 3)],
)
def test_the_evidence_is_what_the_posterior_is_worth(arms: Arms) -> None:
    """Against the Monte-Carlo posterior's own worth in observations, less the prior's."""
    found = success_posterior(arms, prior_rate=0.3)
    reference = _monte_carlo(arms, 0.3)
    assert found.evidence == pytest.approx(reference["evidence"], rel=0.1, abs=0.5)
    assert found.measured is (found.evidence > 10)


def test_a_tiny_control_group_keeps_the_assumption_however_many_were_contacted() -> None:
    """200 or 2,000 contacted against 6 held back: the control churn is too uncertain for the
    data to outweigh the playbook; 60 held back is enough."""
    for contacted in (200, 2000):
        arms = Arms(contacted, contacted * 0.25, 6, 3)
        assert not success_posterior(arms, prior_rate=0.3).measured
    assert success_posterior(Arms(200, 50, 60, 30), prior_rate=0.3).measured
    # a stronger prior needs more data
    arms = Arms(60, 12, 30, 9)
    assert success_posterior(arms, prior_rate=0.3, prior_strength=1).measured
    assert not success_posterior(arms, prior_rate=0.3, prior_strength=100).measured


def test_without_leavers_in_the_control_group_the_posterior_stays_near_the_prior() -> None:
    """No one held back left: the data cannot say what share of would-be leavers was kept."""
    arms = Arms(200, 1, 50, 0)
    found = success_posterior(arms, prior_rate=0.3)
    prior = stats.beta(3, 7)
    assert found.evidence == 0.0 and found.measured is False
    assert abs(found.mean - prior.mean()) < 0.1
    assert found.high - found.low > 0.5 * (prior.ppf(0.975) - prior.ppf(0.025))
    uplift, low, high = uplift_interval(arms)
    assert uplift == pytest.approx(-0.005)
    assert low is not None and high is not None and low < 0 < high


def test_everyone_left_means_no_success() -> None:
    found = success_posterior(Arms(100, 100, 100, 100), prior_rate=0.3)
    assert found.high < 0.1
    assert uplift_interval(Arms(100, 100, 100, 100))[0] == 0.0


@pytest.mark.parametrize(
    ("churn", "success", "contact", "control", "prior_rate"),
    [
        (0.3, 0.3, 2000, 1000, 0.3),  # a weak prior at the truth
        (0.3, 0.4, 10_000, 10_000, 0.1),  # a prior far from the truth, outweighed by the data
    ],
)
def test_success_interval_covers_the_true_success_at_its_level(
    churn: float, success: float, contact: int, control: int, prior_rate: float
) -> None:
    rng = np.random.default_rng(7)
    draws = 500
    contact_left = rng.binomial(contact, churn * (1 - success), draws)
    control_left = rng.binomial(control, churn, draws)
    covered = 0
    for xt, xc in zip(contact_left, control_left, strict=True):
        found = success_posterior(Arms(contact, xt, control, xc), prior_rate=prior_rate)
        covered += found.low <= success <= found.high
    assert 0.92 <= covered / draws <= 0.98


def test_p_pays_when_cheap_and_working_and_when_it_cannot_pay() -> None:
    working = Arms(1000, 150, 300, 75)  # churn 0.25 held back, 0.15 contacted: s ≈ 0.4
    assert success_posterior(working, prior_rate=0.3, cost=2.0, value_kept=300.0).p_pays > 0.999
    # s × q ≤ 1: a contact costing more than a kept member is worth never pays
    assert success_posterior(working, prior_rate=0.3, cost=400.0, value_kept=300.0).p_pays == 0.0
    # s × q ≈ 0.1, so 30 of value against 100 of cost
    assert success_posterior(working, prior_rate=0.3, cost=100.0, value_kept=300.0).p_pays < 0.001
    assert success_posterior(working, prior_rate=0.3, cost=2.0).p_pays is None
    assert success_posterior(working, prior_rate=0.3, value_kept=300.0).p_pays is None


def test_success_posterior_is_fast() -> None:
    for arms in (Arms(240, 50, 60, 18), Arms(100_000, 21_000, 100_000, 30_000), Arms(0, 0, 0, 0)):
        best = math.inf
        for _ in range(5):
            start = time.perf_counter()
            success_posterior(arms, prior_rate=0.3, cost=5.0, value_kept=300.0)
            best = min(best, time.perf_counter() - start)
        assert best < 0.05


# --- pooled months -----------------------------------------------------------------------------


def test_pooled_weighs_older_months_less() -> None:
    months = [(0, Arms(100, 10, 20, 4)), (6, Arms(80, 16, 20, 6)), (12, Arms(40, 8, 16, 8))]
    # half-life 6: weights 1, 1/2, 1/4
    assert pooled(months) == Arms(
        contact=100 + 40 + 10,
        contact_left=10 + 8 + 2,
        control=20 + 10 + 4,
        control_left=4 + 3 + 2,
    )
    # half-life 3: weights 1, 1/4, 1/16
    assert pooled(months, half_life=3) == Arms(
        100 + 20 + 2.5, 10 + 4 + 0.5, 20 + 5 + 1, 4 + 1.5 + 0.5
    )
    assert pooled(months, half_life=math.inf) == Arms(220, 34, 56, 18)
    assert pooled([(1.5, Arms(10, 2, 4, 1))], half_life=6) == pytest.approx(
        Arms(10 * 2**-0.25, 2 * 2**-0.25, 4 * 2**-0.25, 2**-0.25)
    )


def test_pooled_of_no_months_is_empty() -> None:
    assert pooled([]) == Arms(0, 0, 0, 0)


def test_pooled_refuses_a_bad_age_or_half_life() -> None:
    with pytest.raises(ValueError, match="age"):
        pooled([(-1, Arms(1, 0, 1, 0))])
    with pytest.raises(ValueError, match="half_life"):
        pooled([(0, Arms(1, 0, 1, 0))], half_life=0)


# --- the measure's effect, JSON-ready ----------------------------------------------------------


def test_measure_effect_counts_the_money() -> None:
    arms = Arms(400, 60, 100, 25)
    effect = measure_effect(arms, prior_rate=0.3, cost=5.0, value_kept=300.0)
    uplift, low, high = _newcombe_by_roots(arms, 0.95)
    reference = _monte_carlo(arms, 0.3, cost=5.0, value_kept=300.0)
    assert effect["contact_churn"] == 0.15 and effect["control_churn"] == 0.25
    assert effect["uplift"] == pytest.approx(0.1, abs=1e-6)
    assert (effect["uplift_low"], effect["uplift_high"]) == pytest.approx((low, high), abs=1e-6)
    assert (effect["saves"], effect["saves_low"], effect["saves_high"]) == pytest.approx(
        (400 * uplift, 400 * low, 400 * high), abs=1e-5
    )
    assert (effect["value"], effect["value_low"], effect["value_high"]) == pytest.approx(
        (120_000 * uplift, 120_000 * low, 120_000 * high), abs=1e-3
    )
    assert effect["cost"] == 2000.0
    assert effect["net"] == pytest.approx(12_000 - 2000, abs=1e-3)
    assert effect["success_rate"] == pytest.approx(reference["mean"], abs=0.005)
    assert effect["success_low"] == pytest.approx(reference["low"], abs=0.01)
    assert effect["success_high"] == pytest.approx(reference["high"], abs=0.01)
    assert effect["p_pays"] == pytest.approx(reference["p_pays"], abs=0.01)
    # 100 held back leave the control churn too uncertain for the data to outweigh the prior
    assert effect["evidence"] == pytest.approx(reference["evidence"], rel=0.1)
    assert effect["evidence"] < 10 and effect["measured"] is False
    assert effect["prior_rate"] == 0.3


def test_measure_effect_is_json_ready() -> None:
    keys = [
        "contact", "control", "contact_left", "control_left", "contact_churn", "control_churn",
        "uplift", "uplift_low", "uplift_high",
        "success_rate", "success_low", "success_high", "prior_rate", "evidence", "measured",
        "p_pays", "saves", "saves_low", "saves_high", "value", "value_low", "value_high",
        "cost", "net",
    ]  # fmt: skip
    for arms in (Arms(333, 41, 77, 19), Arms(12.5, 1.25, 3.75, 0.5), Arms(0, 0, 0, 0),
                 Arms(0, 0, 30, 9), Arms(40, 0, 10, 0), Arms(40, 40, 10, 10)):  # fmt: skip
        effect = measure_effect(arms, prior_rate=0.25, cost=3.0, value_kept=250.0)
        assert sorted(effect) == sorted(keys)
        json.dumps(effect, allow_nan=False)
        for key, value in effect.items():
            if key == "measured":
                assert type(value) is bool
            else:
                assert value is None or type(value) is float, key
                assert value is None or value == round(value, 6)


def test_measure_effect_without_a_group() -> None:
    no_contact = measure_effect(Arms(0, 0, 30, 9), prior_rate=0.2, cost=4.0, value_kept=300.0)
    assert no_contact["contact_churn"] is None and no_contact["control_churn"] == 0.3
    for key in ("uplift", "uplift_low", "saves", "value", "value_high", "net"):
        assert no_contact[key] is None
    assert no_contact["cost"] == 0.0 and no_contact["evidence"] == 0.0
    no_control = measure_effect(Arms(30, 9, 0, 0), prior_rate=0.2, cost=4.0, value_kept=300.0)
    assert no_control["control_churn"] is None and no_control["uplift"] is None
    assert no_control["cost"] == 120.0 and no_control["measured"] is False


# --- refusals ----------------------------------------------------------------------------------


def test_impossible_counts_and_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="contact_left"):
        Arms(10, 11, 5, 1)
    with pytest.raises(ValueError, match="control"):
        Arms(10, 1, -5, 0)
    with pytest.raises(ValueError, match="finite"):
        Arms(math.nan, 0, 5, 1)
    with pytest.raises(ValueError, match="level"):
        uplift_interval(Arms(10, 1, 10, 2), level=1.0)
    with pytest.raises(ValueError, match="prior_rate"):
        success_posterior(Arms(10, 1, 10, 2), prior_rate=1.5)
    with pytest.raises(ValueError, match="prior_strength"):
        success_posterior(Arms(10, 1, 10, 2), prior_rate=0.3, prior_strength=0)
    with pytest.raises(ValueError, match="cost"):
        measure_effect(Arms(10, 1, 10, 2), prior_rate=0.3, cost=-1.0, value_kept=300.0)
    with pytest.raises(ValueError, match="x="):
        wilson_interval(5, 4)
