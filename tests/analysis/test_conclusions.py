"""The conclusions, written from a summary built here by hand: each sentence's figures are the ones
put in, in the words of the language and of the kind of table (a club's or any business's)."""

from __future__ import annotations

from typing import Any

import pytest

from churnlab.analysis.conclusions import write_conclusions
from churnlab.analysis.summary import DataSummary, FeatureProfile, ModelQuality, QualityWarning

NBSP = "\u00a0"


def _profile(name: str, role: str) -> FeatureProfile:
    return FeatureProfile(name, name, "numeric", role, 1.0, 2.0, [])


def _data(roles: dict[str, str]) -> DataSummary:
    # 328 of 1,233 members left: 26.6 %
    features = [_profile(name, role) for name, role in roles.items()]
    return DataSummary("m.csv", 1240, 7, 1233, 328, 328 / 1233, None, [], features, {}, [])


def _quality(warnings: list[QualityWarning] | None = None) -> ModelQuality:
    return ModelQuality(
        "logistic",
        {"C": 1.0},
        {"logistic": 0.3},
        5,
        0.4,
        {"roc_auc": 0.9123, "ece": 0.0213},
        {"roc_auc": 0.006},
        {},
        warnings or [],
    )


CONTRACT = {"label": "months to contract end", "role": "lever", "direction": "down"}
AGE = {"label": "age", "role": "trait", "direction": "down"}
VISITS = {
    "label": "visits",
    "role": "lever",
    "direction": "mixed",
    "shape": [
        {"value": 0.0, "members": 100, "churn_probability": 0.2},
        {"value": 1.5, "members": 300, "churn_probability": 0.6},
        {"value": 3.0, "members": 200, "churn_probability": 0.1},
        # under 2 % of the members: too few to speak of, though its probability is the highest
        {"value": 9.0, "members": 5, "churn_probability": 0.9},
    ],
}
SPEND = {"label": "spend", "role": "lever", "direction": "up"}  # fourth: not told
SEGMENTS = [
    {"name": "Newcomers on monthly contracts", "size": 412, "churn_rate": 0.61},
    {"name": "Long-time members", "size": 500, "churn_rate": 0.02},
    {"name": "Locals", "size": 321, "churn_rate": 0.2},
]
PLAN = {
    "campaign": {
        "members": 301,
        "expected_cost": 4515.4,
        "expected_saving": 12345.6,
        "expected_net": 7830.2,
    },
    "target_groups": [{"name": "Contract ends soon", "members": 121}],
    "economics": {"currency": "EUR"},
}
ROLES = {"months to contract end": "lever", "age": "trait", "visits": "lever", "spend": "lever"}


def _write(lang: str, club: bool, **changes: Any) -> list[str]:
    parts: dict[str, Any] = {
        "data": _data(ROLES),
        "quality": _quality(),
        "drivers": [CONTRACT, AGE, VISITS, SPEND],
        "segments": SEGMENTS,
        "plan": PLAN,
        **changes,
    }
    return write_conclusions(
        parts["data"],
        parts["quality"],
        parts["drivers"],
        parts["segments"],
        parts["plan"],
        lang=lang,
        club=club,
    )


def test_club_conclusions_in_english() -> None:
    assert _write("en", club=True) == [
        "26.6% of members (328 of 1,233) left in the month after the snapshot.",
        "The model ranks a leaver above a stayer 91.2% of the time (ROC-AUC 0.912 ± 0.006, out of "
        "fold), and its probabilities are calibrated: of members given 30%, about 30% leave "
        "(calibration error 0.021). The public studies of this table reached 0.97.",
        "Churn is driven most by: months to contract end — the lower, the more members leave; "
        "age — the lower, the more members leave; visits — most leave at 1.5, fewest at 3. "
        "Of these the club can act on months to contract end and visits.",
        "The riskiest portrait, “Newcomers on monthly contracts” (412 members), loses 61% — 2.3 "
        "times the average; the safest, “Long-time members”, loses 2%.",
        "Contacting 301 members costs about 4,515 EUR and is expected to keep 12,346 EUR of fees "
        "(7,830 net). Start with “Contract ends soon” (121 members).",
    ]


def test_club_conclusions_in_russian() -> None:
    s = NBSP
    assert _write("ru", club=True) == [
        f"26,6{s}% клиентов (328 из 1{s}233) ушли в следующем месяце после среза.",
        f"Модель ставит уходящего клиента выше остающегося в 91,2{s}% случаев (ROC-AUC 0,912 ± "
        "0,006, вне обучающих фолдов), и её вероятности откалиброваны: из клиентов с прогнозом "
        f"30{s}% уходят около 30{s}% (ошибка калибровки 0,021). Открытые исследования этих данных "
        "достигали 0,97.",
        "Сильнее всего на отток влияют: «months to contract end» — чем ниже, тем больше уходят; "
        "«age» — чем ниже, тем больше уходят; «visits» — больше всего уходят при 1,5, меньше "
        "всего при 3. Из них клуб может повлиять на: «months to contract end» и «visits».",
        "Самый рискованный портрет, «Newcomers on monthly contracts» (412 клиентов), теряет "
        f"61{s}% — в 2,3 раза больше среднего; самый надёжный, «Long-time members», теряет 2{s}%.",
        f"Обращение к 301 клиенту обойдётся примерно в 4{s}515 EUR и, по расчёту, сохранит "
        f"12{s}346 EUR выручки (7{s}830 чистыми). Начните с группы «Contract ends soon» "
        "(121 клиент).",
    ]


def test_a_business_is_a_business_and_not_compared_with_the_club_studies() -> None:
    en, ru = _write("en", club=False), _write("ru", club=False)
    assert en[1].endswith("(calibration error 0.021).")
    assert en[2].endswith(" Of these the business can act on months to contract end and visits.")
    assert ru[2].endswith(
        " Из них компания может повлиять на: «months to contract end» и «visits»."
    )
    assert not any("club" in sentence for sentence in en)
    assert not any("клуб" in sentence for sentence in ru)


@pytest.mark.parametrize(
    ("drivers", "roles", "tail"),
    [
        # every role unknown: say how to give them, claim no lever
        (
            [{**CONTRACT, "role": "unknown"}],
            {"months to contract end": "unknown"},
            " Which of these the business can move is not known: no feature was given a role. "
            "Mark the columns it can act on with --lever COL and the fixed ones with --trait COL.",
        ),
        # roles given but no lever anywhere
        (
            [AGE, {**CONTRACT, "role": "unknown"}],
            {"age": "trait", "months to contract end": "unknown"},
            " No feature was marked as a lever the business can move; mark the columns it can act "
            "on with --lever COL.",
        ),
        # a lever exists, but not among the top three
        (
            [AGE, {**AGE, "label": "gender"}, {**AGE, "label": "height"}, SPEND],
            {"age": "trait", "gender": "trait", "height": "trait", "spend": "lever"},
            " None of these is a lever the business can move directly.",
        ),
        # a lever on top, a driver whose role is not given
        (
            [CONTRACT, {**AGE, "role": "unknown"}],
            {"months to contract end": "lever", "age": "unknown"},
            " Of these the business can act on months to contract end. The role of age was not "
            "given (--lever COL or --trait COL).",
        ),
    ],
)
def test_lever_wording_only_when_a_lever_exists(
    drivers: list[dict[str, Any]], roles: dict[str, str], tail: str
) -> None:
    sentence = _write("en", club=False, drivers=drivers, data=_data(roles))[2]
    assert sentence.endswith(tail)
    assert ("Of these the business can act on" in sentence) == any(
        d["role"] == "lever" for d in drivers[:3]
    )


def test_too_good_a_score_warns() -> None:
    quality = _write("en", club=True, quality=_quality([QualityWarning("too_good")]))[1]
    assert quality.endswith(
        "reached 0.97. Warning: a score this high is rare for next month's churn — check that no "
        "column records the leaving itself."
    )


def test_no_segments_and_no_plan() -> None:
    out = _write("en", club=False, segments=[], plan={})
    assert len(out) == 4  # churn, quality, drivers, plan: no portrait sentence
    assert out[-1] == (
        "With these economics no member is worth an offer: lower the offer cost or raise the "
        "member's value (--fee, --offer-cost)."
    )
    nobody = {**PLAN, "campaign": {**PLAN["campaign"], "members": 0}}
    assert _write("en", club=False, plan=nobody)[-1] == out[-1]
