"""Out-of-fold quality of churnlab against its peers on the same folds.

Peers: LightGBM tuned by random search (20 settings, inner 3-fold, log loss), and the public
studies' model of the club's table, a logistic regression on the scaled raw columns. Tables: the
club's, a synthetic telecom-style table unlike the club's (ids, Yes/No target, categories, numbers
as text), scikit-learn's breast-cancer table (any binary target), 20,000 synthetic members, and
the synthetic tables of other businesses in tests/tables.py (telecom like IBM Telco, a bank, a card
issuer) and the club's table with its 0/1 columns as words.

`python bench/quality.py [NAME ...]` measures only the tables whose name starts with one of NAMEs.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _util import machine, print_table
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from churnlab.data.datasets import load_gym_churn, make_members
from churnlab.data.infer import infer_spec
from churnlab.data.spec import DatasetSpec
from churnlab.data.validate import check_training_table
from churnlab.model.churn_model import ChurnModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from conftest import make_telco
from peers import tuned_lightgbm
from tables import club_binaries_as_text, make_bank, make_credit_card, make_telecom


class TunedLightGBM:
    """LightGBM whose settings are found by a random search, categories passed natively."""

    def __init__(self, spec: DatasetSpec) -> None:
        self.categorical = [f.name for f in spec.features if f.kind == "categorical"]

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> TunedLightGBM:
        self.dtypes = {
            c: pd.CategoricalDtype(sorted(X[c].dropna().unique())) for c in self.categorical
        }
        self.search = tuned_lightgbm(n_iter=20).fit(X.astype(self.dtypes), y)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.search.predict_proba(X.astype(self.dtypes))


class PublicLogistic:
    """The public studies' model: logistic regression on scaled columns (categories one-hot)."""

    def __init__(self, spec: DatasetSpec) -> None:
        self.spec = spec

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> PublicLogistic:
        categorical = [f.name for f in self.spec.features if f.kind == "categorical"]
        numeric = [f.name for f in self.spec.features if f.kind != "categorical"]
        encode = ColumnTransformer(
            [
                (
                    "numbers",
                    make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                    numeric,
                ),
                (
                    "categories",
                    make_pipeline(
                        SimpleImputer(strategy="most_frequent"),
                        OneHotEncoder(handle_unknown="ignore"),
                    ),
                    categorical,
                ),
            ]
        )
        self.model = make_pipeline(encode, LogisticRegression(max_iter=2000)).fit(X, y)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(X)


MODELS = {
    "churnlab": ChurnModel,
    "tuned LightGBM": TunedLightGBM,
    "logistic (public studies)": PublicLogistic,
}


def tables() -> dict[str, tuple[pd.DataFrame, str]]:
    cancer = load_breast_cancer(as_frame=True).frame.rename(columns={"target": "outcome"})
    return {
        "club (4,000)": (load_gym_churn(), "Churn"),
        "telecom-style (1,500)": (make_telco(), "Churn"),
        "breast cancer (569)": (cancer, "outcome"),
        "synthetic members (20,000)": (make_members(20_000, random_state=1), "Churn"),
        "telecom, IBM Telco-like (2,000)": (make_telecom(2000), "Churn"),
        "bank (2,000)": (make_bank(2000), "Exited"),
        "credit card, BankChurners-like (2,000)": (make_credit_card(2000), "Attrition_Flag"),
        "club, binaries as text (4,000)": (club_binaries_as_text(load_gym_churn()), "Churn"),
    }


def main(only: list[str] | None = None) -> None:
    warnings.filterwarnings("ignore")
    rows = []
    for name, (frame, target) in tables().items():
        if only and not any(name.startswith(prefix) for prefix in only):
            continue
        spec = infer_spec(frame, target_col=target)
        X, y_series = check_training_table(frame, spec)
        y = y_series.to_numpy()
        folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(X, y))
        for label, model_class in MODELS.items():
            oof, started = np.zeros(len(y)), time.perf_counter()
            for fit, test in folds:
                model = model_class(spec).fit(X.iloc[fit], y[fit])
                oof[test] = model.predict_proba(X.iloc[test])[:, 1]
            rows.append(
                [
                    name,
                    label,
                    roc_auc_score(y, oof),
                    log_loss(y, oof),
                    brier_score_loss(y, oof),
                    f"{time.perf_counter() - started:.0f}",
                ]
            )
    print_table(
        f"Out-of-fold quality, 5 stratified folds (seed 0); {machine()}",
        ["table", "model", "ROC-AUC", "log loss", "Brier", "seconds (5 fits)"],
        rows,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
