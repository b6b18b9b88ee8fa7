"""The main job: from a member table to the drivers, the portraits, the plan and the summary.

:func:`analyze` runs every step once and returns an :class:`Analysis`: the :class:`Summary` that
every output renders, the per-member table (``scores.csv``), the campaign list and the model.
Each step is a plain function of what came before; none reaches back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_curve, roc_curve
from threadpoolctl import threadpool_limits

from churnlab._version import __version__
from churnlab.analysis.conclusions import write_conclusions
from churnlab.analysis.summary import (
    DataSummary,
    FeatureProfile,
    ModelQuality,
    QualityWarning,
    Summary,
)
from churnlab.data.spec import DatasetSpec
from churnlab.data.validate import check_members
from churnlab.errors import UsageError, ValidationError
from churnlab.insight.binning import group_label, value_groups
from churnlab.insight.drift import feature_reference
from churnlab.insight.explain import Contributions, contributions, drivers, reasons
from churnlab.insight.segment import Segmenter, portraits_of, tally_segments
from churnlab.insight.segment_text import LANGS
from churnlab.model.churn_model import ChurnModel
from churnlab.model.evaluate import METRICS, classification_metrics
from churnlab.plan.campaign import Plan, build_plan
from churnlab.plan.playbook import Economics, Playbook, default_playbook
from churnlab.scoring.value import VALUE_COLUMNS, member_values, value_of

__all__ = [
    "STEPS",
    "Analysis",
    "analyze",
    "members_table",
    "model_quality",
    "plan_members",
    "profile_data",
]

#: The steps of :func:`analyze`, in order, as reported to ``on_step``.
STEPS = (
    "checking the data",
    "training the model and finding the segments",
    "explaining",
    "describing the segments",
    "building the plan",
)

#: Above this out-of-fold ROC-AUC a score is too good to be true for next month's churn.
SUSPICIOUS_AUC = 0.995
#: Pairs of features correlated at least this much are named.
CORRELATED = 0.7

Step = Callable[[str], None]


@dataclass(frozen=True)
class Analysis:
    """What :func:`analyze` returns.

    Attributes
    ----------
    summary : Summary
        Everything found, for the report, ``summary.json`` and the API.
    members : pandas.DataFrame
        One row per analysed member, in input order: ``row``, the id, ``churn_probability``,
        ``risk_tier``, ``segment``, ``segment_name``, ``reason_1`` … ``reason_3``,
        ``recommended_measure``.
    plan : Plan
        The retention plan; ``plan.campaign`` is the ranked call list.
    rejects : pandas.DataFrame
        Input rows that could not be used, with the reason.
    model : ChurnModel
        The fitted model.
    segmenter : Segmenter
        The fitted segments, to place new members in them.
    playbook : Playbook
        The playbook the plan was built from.
    reference : dict
        The training data's features at a glance (``reference.json``,
        :func:`churnlab.insight.drift.feature_reference`): what each month's members are
        checked against for drift.
    reasons : pandas.Series
        Each member's reasons in one text, ``"; "``-joined, in the order of ``members``: what
        the run history keeps of them.
    """

    summary: Summary
    members: pd.DataFrame
    plan: Plan
    rejects: pd.DataFrame
    model: ChurnModel
    segmenter: Segmenter
    playbook: Playbook
    reference: dict[str, Any]
    reasons: pd.Series


def analyze(
    frame: pd.DataFrame,
    spec: DatasetSpec,
    *,
    source: str = "table",
    lang: str = "en",
    playbook: Playbook | None = None,
    economics: Economics | None = None,
    folds: int = 5,
    random_state: int = 0,
    on_step: Step | None = None,
    objective: str = "saving",
    model: ChurnModel | None = None,
    segmenter: Segmenter | None = None,
) -> Analysis:
    """Analyse a member table: model, drivers, reasons, segments, plan and conclusions.

    Parameters
    ----------
    frame : pandas.DataFrame
        The members with their outcome (the spec's target column).
    spec : DatasetSpec
        What the columns mean (:func:`churnlab.infer_spec`).
    source : str
        The table's name, for the report.
    lang : {"en", "ru"}
        The language of every text.
    playbook : Playbook, optional
        The measures. Default: the built-in playbook that fits the table
        (:func:`churnlab.plan.playbook.default_playbook`): the fitness-club one for a club's table,
        the subscription-business one for any other.
    economics : Economics, optional
        Fee, months kept, costs and budget (default: the playbook's).
    folds, random_state : int
    on_step : callable, optional
        Called with the name of each step as it starts, for progress displays.
    objective : {"saving", "members"}
        What the campaign's order maximises (:func:`churnlab.plan.campaign.build_plan`).
    model : ChurnModel, optional
        A model fitted already (on this table's columns, e.g. on a sample of it): used as it is,
        its quality figures its own out-of-fold ones. Default: one fitted on these members.
    segmenter : Segmenter, optional
        Segments fitted already: every member is placed in one. Default: fitted here.

    Returns
    -------
    Analysis

    Raises
    ------
    ValidationError
        No row can be used: every row has an impossible value or no outcome.
    """
    step = on_step or (lambda name: None)
    given = (
        (None if model is None else model.spec_, "model"),
        (None if segmenter is None else segmenter.spec, "segments"),
    )
    for fitted, what in given:
        if fitted is not None and list(fitted.feature_names) != list(spec.feature_names):
            raise UsageError(
                f"the {what} given were fitted on other columns than this table's features",
                fix="give a model and segments fitted on this table's columns (the same spec)",
            )
    playbook = default_playbook(spec) if playbook is None else playbook
    economics = economics or playbook.economics

    step(STEPS[0])
    checked = check_members(frame, spec, source=source, with_target=True)
    usable = checked.members
    if usable.empty:
        raise ValidationError(
            checked.failures, file=source, fix="no row can be used; correct the values above"
        )
    X, y = usable[spec.feature_names], usable[spec.target_col].astype(int).to_numpy()
    if min(np.bincount(y, minlength=2)) < 2 and len(checked.failures):
        raise ValidationError(
            checked.failures,
            file=source,
            fix="too few usable rows are left (a model needs two members who left and two who "
            "stayed); correct the values above",
        )

    step(STEPS[1])
    segments_given = segmenter is not None
    model, segmenter = _fit_model_and_segments(
        X, y, spec, model, segmenter, folds=folds, random_state=random_state
    )
    proba = model.predict_proba(X)[:, 1]

    step(STEPS[2])
    contrib = contributions(model, X)
    found_drivers = drivers(contrib, model, lang=lang)
    member_reasons = reasons(contrib, model, lang=lang)

    step(STEPS[3])
    labels = segmenter.predict(X) if segments_given else segmenter.labels_
    tally = tally_segments(X, labels, y, spec)
    portraits = portraits_of(tally, spec, lang=lang)

    step(STEPS[4])
    values = member_values(model, X, economics)
    plan = build_plan(
        plan_members(usable, usable.index.to_numpy(), contrib, model, proba, labels, values),
        contrib.values,
        playbook,
        economics,
        lang=lang,
        id_col=spec.id_col,
        objective=objective,
    )

    members = members_table(
        usable,
        usable.index.to_numpy(),
        spec,
        model,
        proba,
        labels,
        {p.id: p.name for p in portraits},
        member_reasons,
        plan.recommendations,
        playbook,
        lang,
    )
    members[list(VALUE_COLUMNS)] = values.to_numpy()
    data = profile_data(
        usable, y, spec, source=source, rows=len(frame), rejected=len(checked.rejects), lang=lang
    )
    quality = model_quality(model)
    driver_dicts = [d.to_dict() for d in found_drivers]
    segment_dicts = [p.to_dict() | value_of(values[labels == p.id]) for p in portraits]
    plan_dict = plan.to_dict()
    summary = Summary(
        meta={
            "source": source,
            "lang": lang,
            "churnlab_version": __version__,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "data_hash": model.data_hash_,
            "target": spec.target_col,
            "positive_label": spec.positive_label,
            "club_table": spec.is_club_table,
        },
        data=data,
        quality=quality,
        drivers=driver_dicts,
        segments=segment_dicts,
        segmentation={
            "method": "k-means on standardised features (target excluded)",
            "chosen_k": int(segmenter.n_segments_),
            "k_scores": {int(k): float(v) for k, v in segmenter.scores_.items()},
            "stability": float(segmenter.stability_),
            "dendrogram": segmenter.linkage_.tolist(),
            # the portraits' names in every language, for the months run in another one
            "names": {
                other: {
                    str(p.id): p.name
                    for p in (portraits if other == lang else portraits_of(tally, spec, lang=other))
                }
                for other in LANGS
            },
        },
        plan=plan_dict,
        value=value_of(values) | {"discount": float(economics.discount)},
        conclusions=write_conclusions(
            data,
            quality,
            driver_dicts,
            segment_dicts,
            plan_dict,
            lang=lang,
            club=spec.is_club_table,
        ),
    )
    return Analysis(
        summary=summary,
        members=members,
        plan=plan,
        rejects=checked.rejects,
        model=model,
        segmenter=segmenter,
        playbook=playbook,
        reference=feature_reference(X, spec),
        reasons=member_reasons["reasons"].reset_index(drop=True),
    )


def plan_members(
    usable: pd.DataFrame,
    rows: np.ndarray,
    contrib: Contributions,
    model: ChurnModel,
    proba: np.ndarray,
    labels: np.ndarray,
    values: pd.DataFrame,
) -> pd.DataFrame:
    """What the plan prices each member by (:func:`churnlab.plan.campaign.build_plan`): the
    features, ``row`` (``rows``), probability, segment, risk tier, kept value and the id."""
    spec = model.spec_
    members = contrib.features.assign(
        row=rows,
        churn_probability=proba,
        segment=labels,
        risk_tier=model.risk_tier(proba),
        kept_value=values["kept_value"].to_numpy(),
    )
    if spec.id_col is not None and spec.id_col in usable.columns:
        members[spec.id_col] = usable[spec.id_col]
    return members


def members_table(
    usable: pd.DataFrame,
    rows: np.ndarray,
    spec: DatasetSpec,
    model: ChurnModel,
    proba: np.ndarray,
    labels: np.ndarray,
    names: Mapping[int, str],
    member_reasons: pd.DataFrame,
    recommendations: pd.Series,
    playbook: Playbook,
    lang: str,
) -> pd.DataFrame:
    """:attr:`Analysis.members` (but the value columns) of the members ``usable``, numbered
    ``rows`` in the input; ``names`` are the segments' names, ``recommendations`` each member's
    measure id (index as ``usable``'s)."""
    table = pd.DataFrame({"row": rows}, index=usable.index)
    if spec.id_col is not None and spec.id_col in usable.columns:
        table[spec.id_col] = usable[spec.id_col]
    table["churn_probability"] = proba
    table["risk_tier"] = model.risk_tier(proba)
    table["segment"] = labels
    table["segment_name"] = pd.Series(labels, index=table.index).map(names).to_numpy(dtype=object)
    for column in [
        c for c in member_reasons.columns if c.startswith("reason_") and c[-1].isdigit()
    ]:
        table[column] = member_reasons[column]
    titles = {m.id: m.title.get(lang, m.title["en"]) for m in playbook.measures}
    table["recommended_measure"] = recommendations.map(titles)
    return table.reset_index(drop=True)


def profile_data(
    usable: pd.DataFrame,
    y: np.ndarray,
    spec: DatasetSpec,
    *,
    source: str,
    rows: int,
    rejected: int,
    lang: str = "en",
) -> DataSummary:
    """The table at a glance: churn by each feature's values, means, correlations."""
    left = y == 1
    profiles = []
    for feature in spec.features:
        values = usable[feature.name]
        numeric = feature.kind != "categorical"
        profiles.append(
            FeatureProfile(
                feature=feature.name,
                label=feature.title(lang),
                kind=feature.kind,
                role=feature.role,
                stayers_mean=float(values[~left].mean()) if numeric else None,
                leavers_mean=float(values[left].mean()) if numeric else None,
                churn_by_value=_churn_by_value(values, y),
                values=None if (words := feature.value_words()) is None else list(words),
            )
        )
    numeric_columns = [f.name for f in spec.features if f.kind != "categorical"]
    matrix = usable[numeric_columns].astype(float).assign(**{spec.target_col: y}).corr()
    matrix = matrix.fillna(0.0)
    pairs = [
        {"a": a, "b": b, "r": float(matrix.loc[a, b])}
        for i, a in enumerate(numeric_columns)
        for b in numeric_columns[i + 1 :]
        if abs(matrix.loc[a, b]) >= CORRELATED
    ]
    return DataSummary(
        source=source,
        rows=rows,
        rejected=rejected,
        members=len(usable),
        leavers=int(left.sum()),
        churn_rate=float(left.mean()),
        id_col=spec.id_col,
        set_aside=[
            {"column": s.column, "kind": s.kind, "reason": s.text(lang)} for s in spec.set_aside
        ],
        features=profiles,
        correlations={
            "columns": list(matrix.columns),
            "values": np.round(matrix.to_numpy(), 4).tolist(),
        },
        correlated_pairs=sorted(pairs, key=lambda p: -abs(p["r"])),
    )


def _churn_by_value(values: pd.Series, y: np.ndarray, bins: int = 8) -> list[dict[str, Any]]:
    groups = value_groups(values, bins=bins)
    table = pd.Series(y, index=values.index).groupby(groups, observed=True).agg(["size", "mean"])
    return [
        {
            "value": group_label(value),
            "members": int(row["size"]),
            "churn_rate": float(row["mean"]),
        }
        for value, row in table.iterrows()
    ]


def _fit_model_and_segments(
    X: pd.DataFrame,
    y: np.ndarray,
    spec: DatasetSpec,
    model: ChurnModel | None,
    segmenter: Segmenter | None,
    *,
    folds: int,
    random_state: int,
) -> tuple[ChurnModel, Segmenter]:
    """The model and the segments: those given, or fitted here, the segments in a thread of
    their own while the model is fitted.

    k-means runs on one thread while the model's folds run on the others, and fills a core the
    model's final fit and its single-threaded steps leave idle (100,000 members: 1.3 s less; the
    fits are the same). Every thread pool is held at one thread meanwhile: both fits ask for that
    anyway, and ``threadpoolctl``'s limits, set and undone from two threads at once, could
    otherwise be left set when both are done.
    """
    with threadpool_limits(limits=1), ThreadPoolExecutor(max_workers=1) as aside:
        found: Future[Segmenter] = Future()
        if segmenter is None:
            found = aside.submit(Segmenter(spec, random_state=random_state).fit, X, y)
        else:
            found.set_result(segmenter)
        if model is None:
            model = ChurnModel(spec, folds=folds, random_state=random_state).fit(X, y)
    # both are done: leaving the pool waited for the segments, before the limits were undone
    return model, found.result()


def model_quality(model: ChurnModel) -> ModelQuality:
    """Out-of-fold metrics with their spread across folds, the curves, and warnings: of the
    rows the model was tuned on (every row of its table, or the tuning sample)."""
    proba, y = model.oof_proba_, model.oof_target_
    per_fold = pd.DataFrame(
        [
            classification_metrics(
                y[model.oof_fold_ == k], proba[model.oof_fold_ == k], threshold=model.threshold_
            )
            for k in np.unique(model.oof_fold_)
        ]
    )
    warnings = []
    if model.oof_metrics_["roc_auc"] > SUSPICIOUS_AUC:
        warnings.append(QualityWarning("too_good"))
    leaks = tuple(s.column for s in model.spec_.set_aside if s.kind == "leakage")
    if leaks:
        warnings.append(QualityWarning("leakage", leaks))
    return ModelQuality(
        learner=model.learner_,
        params=dict(model.params_),
        candidates=dict(model.candidates_),
        folds=int(model.oof_fold_.max() + 1),
        threshold=float(model.threshold_),
        metrics={m: float(model.oof_metrics_[m]) for m in METRICS},
        spread={m: float(per_fold[m].std()) for m in METRICS},
        curves=_curves(y, proba),
        warnings=warnings,
    )


def _curves(y: np.ndarray, proba: np.ndarray) -> dict[str, Any]:
    fpr, tpr, _ = roc_curve(y, proba)
    precision, recall, _ = precision_recall_curve(y, proba)
    keep_roc = np.unique(np.linspace(0, len(fpr) - 1, min(len(fpr), 200)).astype(int))
    keep_pr = np.unique(np.linspace(0, len(recall) - 1, min(len(recall), 200)).astype(int))
    bins = np.minimum((proba * 10).astype(int), 9)
    calibration = [
        {
            "predicted": float(proba[bins == b].mean()),
            "observed": float(y[bins == b].mean()),
            "members": int((bins == b).sum()),
        }
        for b in range(10)
        if (bins == b).any()
    ]
    order = np.argsort(-proba, kind="stable")
    deciles = np.array_split(order, 10)
    base = float(y.mean())
    lift = [
        {
            "decile": i + 1,
            "churn_rate": float(y[d].mean()),
            "lift": float(y[d].mean() / base) if base else None,
        }
        for i, d in enumerate(deciles)
    ]
    return {
        "roc": {"fpr": fpr[keep_roc].round(4).tolist(), "tpr": tpr[keep_roc].round(4).tolist()},
        "pr": {
            "recall": recall[keep_pr].round(4).tolist(),
            "precision": precision[keep_pr].round(4).tolist(),
        },
        "calibration": calibration,
        "lift": lift,
    }
