"""Score a table of members: every input row comes out scored or rejected with its reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from churnlab.data.validate import check_members, require_columns
from churnlab.model.calibration import TIERS

if TYPE_CHECKING:
    from churnlab.model.scorer import Scorer

__all__ = ["ScoreResult", "score_members"]


@dataclass(frozen=True)
class ScoreResult:
    """The outcome of :func:`score_members`.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per scored member, in input order: ``row`` (0-based position in the input), the id
        column when there is one, ``churn_probability`` and ``risk_tier`` (high, medium, low;
        a categorical column).
    rejects : pandas.DataFrame
        One row per input row that could not be scored: ``row``, the id, ``column``, ``value``
        and ``reason``.
    n_input : int
        Rows in the input; always ``len(scores) + len(rejects)``.
    members : pandas.DataFrame
        The scored rows' features, coerced to their kinds, indexed by input row position.
    failures : pandas.DataFrame
        One row per failing cell: ``row``, ``column``, ``value``, ``reason``.
    """

    scores: pd.DataFrame
    rejects: pd.DataFrame
    n_input: int
    members: pd.DataFrame
    failures: pd.DataFrame


def score_members(
    model: Scorer,
    frame: pd.DataFrame,
    *,
    source: str | None = None,
    id_col: str | None = None,
) -> ScoreResult:
    """Each member's probability of leaving next month, with rows that cannot be scored set aside.

    Parameters
    ----------
    model : ChurnModel or ScoringModel
        A fitted model, or its scoring half (:func:`churnlab.model.persist.load_scorer`).
    frame : pandas.DataFrame
        The members; the target column, if present, is ignored, and so are other extra columns.
    source : str, optional
        The file the members come from, for messages.
    id_col : str, optional
        The member id column to carry to the output (default: the model's).

    Returns
    -------
    ScoreResult

    Raises
    ------
    SchemaError
        A column the model needs is missing.

    Examples
    --------
    >>> from churnlab.data.datasets import load_gym_churn
    >>> from churnlab.model.churn_model import ChurnModel
    >>> members = load_gym_churn()
    >>> model = ChurnModel(learner="logistic", folds=3).fit(members.drop(columns="Churn"),
    ...                                                     members["Churn"])
    >>> members.loc[2, "Age"] = -1
    >>> result = score_members(model, members)
    >>> len(result.scores), result.rejects["row"].tolist(), result.n_input
    (3999, [2], 4000)
    """
    if id_col is not None:
        require_columns(frame, [id_col], source=source, what="--id")
    elif model.spec_.id_col in frame.columns:
        id_col = model.spec_.id_col
    checked = check_members(frame, model.spec_, source=source, id_col=id_col)
    members = checked.members
    proba = model.compiled().probability(members)  # checked members have their kinds already
    columns: dict[str, object] = {"row": members.index.to_numpy()}
    if id_col is not None:
        kept = frame[id_col].iloc[members.index.to_numpy()]
        columns[id_col] = kept.reset_index(drop=True)  # as a Series: its dtype is kept
    # a category: labels from codes cost nothing (inferring text from a million would cost more
    # than scoring them), and Parquet stores them as a dictionary
    tiers = pd.Categorical.from_codes(model.risk_codes(proba), categories=TIERS)
    columns |= {"churn_probability": proba, "risk_tier": tiers}
    features = model.spec_.feature_names
    return ScoreResult(
        scores=pd.DataFrame(columns),
        rejects=checked.rejects,
        n_input=len(frame),
        members=members if list(members.columns) == features else members[features],
        failures=checked.failures,
    )
