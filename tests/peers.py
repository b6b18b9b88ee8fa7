"""The peers churnlab is measured against, defined once for the tests and the benchmarks."""

from __future__ import annotations

import lightgbm as lgb
from scipy.stats import loguniform, randint
from sklearn.model_selection import RandomizedSearchCV

#: The usual ranges a careful analyst would search for LightGBM.
LIGHTGBM_SPACE = {
    "num_leaves": randint(4, 64),
    "learning_rate": loguniform(0.01, 0.2),
    "n_estimators": randint(50, 800),
    "min_child_samples": randint(5, 60),
    "subsample": [0.7, 0.85, 1.0],
    "colsample_bytree": [0.6, 0.8, 1.0],
    "reg_lambda": loguniform(1e-3, 10),
}


def tuned_lightgbm(*, n_iter: int, random_state: int = 0) -> RandomizedSearchCV:
    """LightGBM tuned by random search (inner 3-fold, log loss): the gradient-boosting peer."""
    booster = lgb.LGBMClassifier(subsample_freq=1, n_jobs=1, verbose=-1, random_state=random_state)
    return RandomizedSearchCV(
        booster,
        LIGHTGBM_SPACE,
        n_iter=n_iter,
        cv=3,
        scoring="neg_log_loss",
        random_state=random_state,
    )
