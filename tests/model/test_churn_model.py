"""churnlab.model.churn_model: the learner chosen, calibrated probabilities, the fitted contract."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from churnlab.data.infer import encode_target, infer_spec
from churnlab.data.spec import gym_spec
from churnlab.errors import SchemaError, UsageError, ValidationError
from churnlab.model.churn_model import ChurnModel, data_hash


def test_chooses_a_learner_by_out_of_fold_log_loss(gym_model: ChurnModel) -> None:
    assert set(gym_model.candidates_) == {"logistic", "boosting"}
    assert gym_model.learner_ == min(gym_model.candidates_, key=gym_model.candidates_.get)
    assert gym_model.oof_metrics_["log_loss"] == pytest.approx(
        min(gym_model.candidates_.values()), abs=0.01
    )


def test_out_of_fold_quality_on_the_club_table(gym_model: ChurnModel) -> None:
    assert gym_model.oof_metrics_["roc_auc"] >= 0.988
    assert gym_model.oof_metrics_["brier"] <= 0.032
    assert gym_model.oof_metrics_["ece"] <= 0.02


def test_probabilities_are_calibrated(gym: pd.DataFrame, gym_model: ChurnModel) -> None:
    # Out of fold, members given about p leave at about rate p.
    y = gym["Churn"].to_numpy()
    bins = pd.cut(gym_model.oof_proba_, [0, 0.1, 0.5, 0.9, 1.0], include_lowest=True)
    table = pd.DataFrame({"p": gym_model.oof_proba_, "y": y}).groupby(bins, observed=True).mean()
    np.testing.assert_allclose(table["p"], table["y"], atol=0.06)


def test_fitted_attributes_and_contract(gym_model: ChurnModel) -> None:
    assert list(gym_model.feature_names_in_) == gym_spec().feature_names
    assert 0 < gym_model.threshold_ < 1 and gym_model.base_rate_ == pytest.approx(1061 / 4000)
    assert len(gym_model.data_hash_) == 64
    params = clone(gym_model).get_params()
    assert params["learner"] == "auto" and params["folds"] == 5 and params["random_state"] == 0
    assert not hasattr(ChurnModel(), "learner_")  # __init__ only stores arguments


def test_columns_in_any_order_and_extra_columns(gym: pd.DataFrame, gym_model: ChurnModel) -> None:
    X = gym.drop(columns="Churn").head(200)
    expected = gym_model.predict_proba(X)
    shuffled = X[list(reversed(X.columns))].assign(note="x", Churn=1)
    np.testing.assert_array_equal(gym_model.predict_proba(shuffled), expected)
    np.testing.assert_allclose(expected.sum(axis=1), 1.0)


def test_missing_column_at_prediction(gym: pd.DataFrame, gym_model: ChurnModel) -> None:
    with pytest.raises(SchemaError, match="column that the model needs is missing: 'Lifetime'"):
        gym_model.predict_proba(gym.drop(columns=["Churn", "Lifetime"]))


def test_predict_uses_the_threshold(gym: pd.DataFrame, gym_model: ChurnModel) -> None:
    X = gym.drop(columns="Churn").head(300)
    np.testing.assert_array_equal(
        gym_model.predict(X), gym_model.predict_proba(X)[:, 1] >= gym_model.threshold_
    )


@pytest.mark.parametrize("learner", ["logistic", "boosting"])
def test_each_learner_on_a_table_unlike_the_club(telco: pd.DataFrame, learner: str) -> None:
    spec = infer_spec(telco)
    y = encode_target(telco["Churn"], spec.positive_label).astype(int)
    model = ChurnModel(spec, learner=learner, folds=3).fit(telco, y)
    assert model.learner_ == learner
    assert model.oof_metrics_["roc_auc"] > 0.75
    # unseen categories and blanks still score
    new = telco.head(5).copy()
    new.loc[0, "Contract"] = "Three year"
    new.loc[1, "TotalCharges"] = " "
    proba = model.predict_proba(new)[:, 1]
    assert np.isfinite(proba).all() and ((proba >= 0) & (proba <= 1)).all()


def test_spec_is_inferred_when_not_given(small_gym: pd.DataFrame) -> None:
    model = ChurnModel(learner="logistic", folds=3).fit(
        small_gym.drop(columns="Churn"), small_gym["Churn"]
    )
    assert model.spec_.feature_names == gym_spec().feature_names


def test_bad_arguments(small_gym: pd.DataFrame) -> None:
    X, y = small_gym.drop(columns="Churn"), small_gym["Churn"]
    with pytest.raises(UsageError, match="unknown learner 'forest'"):
        ChurnModel(learner="forest").fit(X, y)
    with pytest.raises(SchemaError, match="y must hold 0"):
        ChurnModel().fit(X, y.map({0: "no", 1: "yes"}))
    bad = X.copy()
    bad.loc[3, "Age"] = -1
    with pytest.raises(ValidationError, match="row 3: below the minimum"):
        ChurnModel(gym_spec()).fit(bad, y)


def test_same_seed_same_model(small_gym: pd.DataFrame) -> None:
    X, y = small_gym.drop(columns="Churn"), small_gym["Churn"]
    a = ChurnModel(gym_spec(), learner="boosting", folds=3, random_state=4).fit(X, y)
    b = ChurnModel(gym_spec(), learner="boosting", folds=3, random_state=4).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_data_hash_tracks_rows_and_values(gym: pd.DataFrame) -> None:
    X = gym.drop(columns="Churn")
    assert data_hash(X, gym["Churn"]) == data_hash(X.copy(), gym["Churn"].copy())
    changed = X.copy()
    changed.iloc[5, 2] = 1 - changed.iloc[5, 2]
    assert data_hash(changed, gym["Churn"]) != data_hash(X, gym["Churn"])


def test_model_learns_the_known_directions(gym: pd.DataFrame, gym_model: ChurnModel) -> None:
    base = gym.drop(columns="Churn").median().to_frame().T

    def proba(**change: float) -> float:
        return float(gym_model.predict_proba(base.assign(**change))[0, 1])

    assert proba(Lifetime=0) > proba(Lifetime=12)
    assert proba(Contract_period=1, Month_to_end_contract=1) > proba(
        Contract_period=12, Month_to_end_contract=11
    )
    assert roc_auc_score(gym["Churn"], gym_model.oof_proba_) == pytest.approx(
        gym_model.oof_metrics_["roc_auc"]
    )


def test_large_tables_are_tuned_on_a_sample_and_fitted_on_every_row() -> None:
    """Choosing, tuning and calibrating on 5,000 of 40,000 members loses almost nothing on fresh
    members, against a model tuned on all 40,000."""
    from sklearn.metrics import brier_score_loss

    from churnlab.analysis.analyze import model_quality
    from churnlab.data.datasets import make_members

    train, fresh = make_members(40_000, random_state=1), make_members(20_000, random_state=2)
    X, y = train.drop(columns="Churn"), train["Churn"].to_numpy()
    models = {
        rows: ChurnModel(gym_spec(), learner="logistic", folds=3, tune_rows=rows).fit(X, y)
        for rows in (5_000, None)
    }
    sampled, whole = models[5_000], models[None]
    assert len(sampled.oof_rows_) == len(sampled.oof_proba_) == 5_000
    assert abs(y[sampled.oof_rows_].mean() - y.mean()) < 0.001  # stratified
    assert len(whole.oof_rows_) == 40_000
    # the final fit saw every row: its encoding (knots from the data's range) is the whole one's
    np.testing.assert_allclose(sampled.encoded_mean_, whole.encoded_mean_, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(sampled.oof_target_, y[sampled.oof_rows_])
    quality = model_quality(sampled)
    assert quality.metrics["roc_auc"] == pytest.approx(sampled.oof_metrics_["roc_auc"])

    truth = fresh["Churn"].to_numpy()
    p_sampled, p_whole = (
        m.predict_proba(fresh.drop(columns="Churn"))[:, 1] for m in models.values()
    )
    assert roc_auc_score(truth, p_sampled) > roc_auc_score(truth, p_whole) - 0.003
    assert brier_score_loss(truth, p_sampled) < brier_score_loss(truth, p_whole) + 0.002
    assert abs(p_sampled.mean() - truth.mean()) < 0.01  # still calibrated


def test_too_small_a_tuning_sample_is_refused(small_gym: pd.DataFrame) -> None:
    X, y = small_gym.drop(columns="Churn"), small_gym["Churn"]
    with pytest.raises(UsageError, match="too few to choose and calibrate"):
        ChurnModel(gym_spec(), tune_rows=10).fit(X, y)
