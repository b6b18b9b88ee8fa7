"""The quality bars of the core, measured out of fold as a user would get them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from typer.testing import CliRunner

from churnlab.cli import app
from churnlab.data.infer import infer_spec
from churnlab.data.validate import check_training_table
from churnlab.model.churn_model import ChurnModel
from peers import tuned_lightgbm
from tables import club_binaries_as_text, make_bank, make_credit_card, make_telecom


def test_club_table_out_of_fold_through_train_and_score(tmp_path: Path, gym: pd.DataFrame) -> None:
    """ROC-AUC >= 0.988 and Brier <= 0.032, every member scored by a model that never saw them."""
    runner = CliRunner()
    oof = np.full(len(gym), np.nan)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    for k, (fit, test) in enumerate(folds.split(gym, gym["Churn"])):
        gym.iloc[fit].to_csv(tmp_path / f"fit{k}.csv", index=False)
        gym.iloc[test].to_csv(tmp_path / f"test{k}.csv", index=False)
        model, scores = tmp_path / f"m{k}.churnlab", tmp_path / f"s{k}.csv"
        trained = runner.invoke(
            app, ["train", str(tmp_path / f"fit{k}.csv"), "--model", str(model)]
        )
        assert trained.exit_code == 0, trained.output
        scored = runner.invoke(
            app,
            ["score", str(tmp_path / f"test{k}.csv"), "--model", str(model), "--out", str(scores)],
        )
        assert scored.exit_code == 0, scored.output
        oof[test] = pd.read_csv(scores)["churn_probability"].to_numpy()
    assert not np.isnan(oof).any()
    assert roc_auc_score(gym["Churn"], oof) >= 0.988
    assert brier_score_loss(gym["Churn"], oof) <= 0.032


def _breast_cancer() -> pd.DataFrame:
    return load_breast_cancer(as_frame=True).frame.rename(columns={"target": "outcome"})


#: Tables unlike the club's (tests/tables.py), each with its target; 1,500 rows keep them quick.
OTHER_TABLES = {
    "breast_cancer": (_breast_cancer, "outcome"),
    "telecom": (lambda: make_telecom(1500), "Churn"),
    "bank": (lambda: make_bank(1500), "Exited"),
    "credit_card": (lambda: make_credit_card(1500), "Attrition_Flag"),
}


@pytest.mark.parametrize(
    ("table", "target"),
    [("telco", "Churn"), *[(name, target) for name, (_, target) in OTHER_TABLES.items()]],
)
def test_other_tables_match_a_tuned_gradient_boosting_model(
    request: pytest.FixtureRequest, table: str, target: str
) -> None:
    """Given only the target, churnlab is at least as good as tuned LightGBM on the same folds."""
    frame = request.getfixturevalue("telco") if table == "telco" else OTHER_TABLES[table][0]()
    spec = infer_spec(frame, target_col=target)
    X, y = check_training_table(frame, spec)
    y = y.to_numpy()
    as_categories = X.astype({f.name: "category" for f in spec.features if f.kind == "categorical"})
    ours, peer = np.zeros(len(y)), np.zeros(len(y))
    for fit, test in StratifiedKFold(n_splits=3, shuffle=True, random_state=0).split(X, y):
        ours[test] = ChurnModel(spec).fit(X.iloc[fit], y[fit]).predict_proba(X.iloc[test])[:, 1]
        search = tuned_lightgbm(n_iter=10).fit(as_categories.iloc[fit], y[fit])
        peer[test] = search.predict_proba(as_categories.iloc[test])[:, 1]
    assert roc_auc_score(y, ours) >= roc_auc_score(y, peer) - 0.005
    assert log_loss(y, ours) <= log_loss(y, peer) + 0.005


def test_club_binaries_as_text_keep_the_club_quality(gym: pd.DataFrame) -> None:
    """The club's table with its 0/1 columns as words (Yes/No, Female/Male, True/False) is
    modelled as well as the numeric one: out-of-fold ROC-AUC within 0.003, same folds and
    settings, every row kept."""
    numeric = gym.sample(3000, random_state=0).reset_index(drop=True)
    folds = list(
        StratifiedKFold(n_splits=3, shuffle=True, random_state=0).split(numeric, numeric["Churn"])
    )
    auc = {}
    for name, frame in [("numeric", numeric), ("text", club_binaries_as_text(numeric))]:
        spec = infer_spec(frame, target_col="Churn")
        X, y = check_training_table(frame, spec)
        assert len(X) == len(frame)
        y = y.to_numpy()
        oof = np.zeros(len(y))
        for fit, test in folds:
            model = ChurnModel(spec).fit(X.iloc[fit], y[fit])
            oof[test] = model.predict_proba(X.iloc[test])[:, 1]
        auc[name] = roc_auc_score(y, oof)
    assert abs(auc["text"] - auc["numeric"]) <= 0.003, auc
