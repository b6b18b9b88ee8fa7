"""churnlab.scoring.members: every row scored or rejected, in input order, ids carried."""

import numpy as np
import pandas as pd

from _reference import pipeline_probability
from churnlab.data.infer import encode_target, infer_spec
from churnlab.model.churn_model import ChurnModel
from churnlab.scoring.members import score_members


def test_every_row_scored_in_input_order(gym: pd.DataFrame, gym_model: ChurnModel) -> None:
    result = score_members(gym_model, gym)
    assert list(result.scores.columns) == ["row", "churn_probability", "risk_tier"]
    assert result.scores["row"].tolist() == list(range(4000)) and result.rejects.empty
    # the reference: the fitted scikit-learn pipeline itself, then its Platt calibration
    expected = pipeline_probability(gym_model, gym)
    np.testing.assert_allclose(result.scores["churn_probability"], expected, rtol=0, atol=1e-12)
    assert set(result.scores["risk_tier"]) == {"high", "medium", "low"}


def test_tiers_follow_threshold_and_base_rate(gym: pd.DataFrame, gym_model: ChurnModel) -> None:
    s = score_members(gym_model, gym).scores
    p, tier = s["churn_probability"], s["risk_tier"]
    assert (tier[p >= gym_model.threshold_] == "high").all()
    assert (tier[p < gym_model.base_rate_] == "low").all()
    assert (tier[(p >= gym_model.base_rate_) & (p < gym_model.threshold_)] == "medium").all()


def test_rejected_rows_are_accounted_for(gym: pd.DataFrame, gym_model: ChurnModel) -> None:
    frame = gym.head(100).astype({"Age": object})
    frame.loc[[10, 50], "Age"] = ["-3", "abc"]
    result = score_members(gym_model, frame, source="m.csv")
    assert len(result.scores) + len(result.rejects) == result.n_input == 100
    assert result.rejects[["row", "column", "reason"]].values.tolist() == [
        [10, "Age", "below the minimum 10"],
        [50, "Age", "not a number"],
    ]
    assert 10 not in set(result.scores["row"])


def test_ids_are_carried(telco: pd.DataFrame) -> None:
    spec = infer_spec(telco)
    model = ChurnModel(spec, learner="logistic", folds=3).fit(
        telco, encode_target(telco["Churn"], spec.positive_label).astype(int)
    )
    result = score_members(model, telco.drop(columns="Churn"))
    assert result.scores["customerID"].tolist() == telco["customerID"].tolist()
    other_id = score_members(model, telco.assign(card=range(len(telco))), id_col="card")
    assert "card" in other_id.scores.columns


def test_all_rows_rejected_gives_empty_scores(gym: pd.DataFrame, gym_model: ChurnModel) -> None:
    frame = gym.head(3).assign(Age=-1)
    result = score_members(gym_model, frame)
    assert result.scores.empty and len(result.rejects) == 3
    assert list(result.scores.columns) == ["row", "churn_probability", "risk_tier"]
