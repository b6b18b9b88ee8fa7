"""Score a table of members: every input row comes out scored or rejected with its reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from churnlab.data.validate import check_members, require_columns
from churnlab.errors import SchemaError
from churnlab.model.calibration import TIERS

if TYPE_CHECKING:
    from churnlab.model.scorer import Scorer

__all__ = ["ScoreResult", "check_fits_the_model", "score_members"]


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
        A column the model needs is missing; when most are, the model was trained on another
        kind of table, and the message says which (:func:`check_fits_the_model`).

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
    check_fits_the_model(model, frame.columns, source=source)
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


def check_fits_the_model(
    model: Scorer, columns: Iterable[object], *, source: str | None = None
) -> None:
    """Refuse a table that lacks most of the columns the model needs: the model was trained on
    another kind of table. The message names that table and the training date, as the model
    file records them, and says how to train a model on this one. A table that lacks only some
    columns is left to :func:`~churnlab.data.validate.require_columns`, which names them.

    Raises
    ------
    SchemaError

    Examples
    --------
    >>> from churnlab.data.datasets import load_gym_churn
    >>> from churnlab.model.churn_model import ChurnModel
    >>> members = load_gym_churn()
    >>> model = ChurnModel(learner="logistic", folds=3).fit(members.drop(columns="Churn"),
    ...                                                     members["Churn"])
    >>> check_fits_the_model(model, ["customerID", "tenure", "Contract", "Age"])
    Traceback (most recent call last):
    ...
    churnlab.errors.SchemaError: the model was trained on a different table: 12 of the 13 ...
    """
    have = {str(c) for c in columns}
    needed = model.spec_.feature_names
    missing = [c for c in needed if c not in have]
    if 2 * len(missing) <= len(needed):
        return
    trained_on = getattr(model, "trained_on_", None)
    created = getattr(model, "created_", None)
    told = [repr(trained_on) if trained_on else "", created[:10] if created else ""]
    where = ", ".join(t for t in told if t)
    whole = len(missing) == len(needed)
    count = f"all {len(needed)}" if whole else f"{len(missing)} of the {len(needed)}"
    raise SchemaError(
        f"the model was trained on a different table{f' ({where})' if where else ''}: {count} "
        f"columns it needs are missing here ({', '.join(repr(c) for c in missing[:5])}"
        f"{' ...' if len(missing) > 5 else ''})",
        file=source,
        fix="train a model on this table first (churnlab train DATA --target OUTCOME_COLUMN "
        "--model this_table.churnlab), or score it with a model trained on its kind of table",
    )
