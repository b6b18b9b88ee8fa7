"""A run folder as a scoring service sees it: score new members exactly as `analyze` did.

`churnlab analyze` writes, beside the report, what it takes to treat a new member the same way:
the model (``model.churnlab``), the segments (``segments.skops``: the fitted encoder, k-means and
the cluster-to-segment map, in the skops format with churnlab's allow-list), the playbook used
(``playbook.yaml``) and the summary (``summary.json``, which holds the economics and language).
:func:`load_bundle` reads them back; :meth:`Bundle.score` gives each member's probability, risk
tier, segment, reasons and recommended measure. A bundle from a bare model file scores too, with
no segments, and the built-in playbook that fits its table
(:func:`churnlab.plan.playbook.default_playbook`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
import yaml

from churnlab.data.validate import check_columns, failures_table, reject_rows, require_columns
from churnlab.data.write import write_bytes
from churnlab.errors import ModelFileError, UsageError
from churnlab.insight.explain import member_reasons
from churnlab.insight.segment_form import SegmentForm, SegmentFormError
from churnlab.model.archive import MiB
from churnlab.model.persist import load_model, load_scorer
from churnlab.model.scorer import ScoringModel
from churnlab.model.trusted import load_trusted

if TYPE_CHECKING:  # scikit-learn and skops load only where a folder needs them (4 s)
    from churnlab.insight.segment import Segmenter
    from churnlab.model.churn_model import ChurnModel
from churnlab.plan.campaign import recommend
from churnlab.plan.playbook import Economics, Playbook, default_playbook, load_playbook

__all__ = [
    "Bundle",
    "BundleScores",
    "ScoredColumns",
    "load_bundle",
    "reference_json",
    "save_bundle",
]

MODEL = "model.churnlab"
SEGMENTS = "segments.skops"
#: The segments' arithmetic (:class:`~churnlab.insight.segment_form.SegmentForm`): read first,
#: as it needs neither scikit-learn nor skops.
SEGMENT_FORM = "segments.json"
#: The largest ``segments.json`` read (the club's is 3 KB; 1,000 segments of 1,000 columns 20 MB).
SEGMENT_FORM_LARGEST = 64 * MiB
PLAYBOOK = "playbook.yaml"
SUMMARY = "summary.json"
#: The training data's features at a glance, which months are checked against for drift
#: (:func:`churnlab.insight.drift.feature_reference`); folders analysed before it have none.
REFERENCE = "reference.json"
#: The largest ``reference.json`` read (the club's is some 40 KB).
REFERENCE_LARGEST = 16 * MiB


class BundleScores(NamedTuple):
    """What :meth:`Bundle.score` returns.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per scored member, in input order: ``row``, the id column when the spec has
        one, ``churn_probability``, ``risk_tier``, ``segment`` (None without segments),
        ``reasons`` (a list of sentences) and ``action`` (the measure's title).
    rejects : pandas.DataFrame
        One row per input row that could not be scored: ``row``, ``column``, ``value``,
        ``reason`` (several problems joined by ``"; "``).
    failures : pandas.DataFrame
        One row per failing cell: ``row``, ``column``, ``value``, ``reason``.
    """

    scores: pd.DataFrame
    rejects: pd.DataFrame
    failures: pd.DataFrame


@dataclass(frozen=True)
class Bundle:
    """Everything needed to score members as an analysis did.

    Attributes
    ----------
    model : ChurnModel
    segmenter : Segmenter or None
        None for a bundle made from a bare model file.
    playbook : Playbook
    economics : Economics
    lang : str
    summary : dict or None
        The analysis' ``summary.json``, when the bundle comes from a run folder.
    reference : dict or None
        The model's training data at a glance (``reference.json``), when the folder has it.
    """

    model: ChurnModel | ScoringModel
    segmenter: Segmenter | SegmentForm | None
    playbook: Playbook
    economics: Economics
    lang: str = "en"
    summary: dict[str, Any] | None = None
    reference: dict[str, Any] | None = None

    def score(self, frame: pd.DataFrame, *, source: str | None = None) -> BundleScores:
        """Score members: their probability, tier, segment, reasons and recommended measure.

        Parameters
        ----------
        frame : pandas.DataFrame
            The members; extra columns are ignored.
        source : str, optional
            Where they come from, for messages.

        Returns
        -------
        BundleScores
            The scores, the rejected rows, and each failing cell.
        """
        spec = self.model.spec_
        require_columns(frame, spec.feature_names, source=source)
        id_col = spec.id_col if spec.id_col in frame.columns else None
        scored = self.score_columns({f: frame[f].to_numpy() for f in spec.feature_names})
        columns: dict[str, Any] = {"row": scored.rows}
        if id_col is not None:
            columns[id_col] = frame[id_col].to_numpy()[scored.rows]
        columns |= {
            "churn_probability": scored.probability,
            "risk_tier": scored.risk_tier,
            "segment": scored.segment if scored.segment is not None else [None] * len(scored.rows),
            "reasons": scored.reasons,
            "action": scored.action,
        }
        table = pd.DataFrame({"row": np.arange(len(frame))})
        if id_col is not None:
            table[id_col] = frame[id_col].to_numpy()
        rejects = reject_rows(scored.failures, table, id_col)
        return BundleScores(pd.DataFrame(columns), rejects, scored.failures)

    def score_columns(self, columns: Mapping[str, np.ndarray]) -> ScoredColumns:
        """:meth:`score` on arrays, one per feature column: the lean path of the API.

        The probabilities come from the same arithmetic as :func:`churnlab.score_members`.
        """
        model, spec = self.model, self.model.spec_
        values, failing = check_columns(columns, spec)
        failures = failures_table(failing)
        n = len(next(iter(values.values()))) if values else 0
        ok = np.ones(n, dtype=bool)
        ok[failures["row"].to_numpy(dtype=int)] = False
        rows = np.flatnonzero(ok)
        kept = {name: column[ok] for name, column in values.items()}
        fast = model.compiled()
        features = fast.values(kept)
        probability = fast.probability_of(features)
        if not len(rows):
            empty = np.zeros(0, dtype=object)
            return ScoredColumns(rows, probability, empty, None, [], empty, failures, {}, {})
        parts, base = fast.parts_of(features)
        slope, intercept = model.calibration_
        contrib = dict(zip(fast.columns, (slope * parts).T, strict=True))
        told = member_reasons(
            slope * parts, slope * base + intercept, fast.columns, features, spec, lang=self.lang
        )
        segments = self.segmenter.predict(kept) if self.segmenter is not None else None
        triggers_see = {**features, "churn_probability": probability}
        if segments is not None:
            triggers_see["segment"] = segments
        chosen = recommend(triggers_see, contrib, self.playbook, self.economics)
        titles = np.array(
            [m.title.get(self.lang, m.title["en"]) for m in self.playbook.measures], dtype=object
        )
        return ScoredColumns(
            rows,
            probability,
            model.risk_tier(probability),
            segments,
            [sentences for sentences, _ in told],
            titles[chosen],
            failures,
            triggers_see,
            contrib,
        )


class ScoredColumns(NamedTuple):
    """What :meth:`Bundle.score_columns` returns: arrays over the scored members.

    Attributes
    ----------
    rows : ndarray of int
        Each scored member's position in the input.
    probability, risk_tier, segment, action : ndarray
        ``segment`` is None without segments.
    reasons : list of list of str
    failures : pandas.DataFrame
        One row per failing cell: ``row``, ``column``, ``value``, ``reason``.
    features : dict of str to ndarray
        What the measures' triggers look at: each feature and derived metric as the model
        sees it, ``churn_probability`` and ``segment`` (the plan's members, see
        :func:`~churnlab.plan.campaign.build_plan`).
    contributions : dict of str to ndarray
        Each model column's contribution to the calibrated log-odds of leaving.
    """

    rows: np.ndarray
    probability: np.ndarray
    risk_tier: np.ndarray
    segment: np.ndarray | None
    reasons: list[list[str]]
    action: np.ndarray
    failures: pd.DataFrame
    features: dict[str, np.ndarray]
    contributions: dict[str, np.ndarray]


def save_bundle(folder: str | os.PathLike[str], segmenter: Segmenter, playbook: Playbook) -> None:
    """Write the segments (fitted, and as arithmetic) and the playbook of an analysis beside its
    model and summary."""
    folder = Path(folder)
    form = json.dumps(SegmentForm.of(segmenter).to_dict(), allow_nan=False)
    write_bytes(form.encode("utf-8"), folder / SEGMENT_FORM)
    pieces = {
        "encoder": segmenter.encoder_,
        "kmeans": segmenter.kmeans_,
        "segment_of_cluster": segmenter.segment_of_cluster_,
    }
    import skops.io as sio

    write_bytes(sio.dumps(pieces), folder / SEGMENTS)
    text = yaml.safe_dump(playbook.model_dump(mode="json"), allow_unicode=True, sort_keys=False)
    write_bytes(text.encode("utf-8"), folder / PLAYBOOK)


def load_bundle(
    *, run: str | os.PathLike[str] | None = None, model: str | os.PathLike[str] | None = None
) -> Bundle:
    """Read a run folder written by `churnlab analyze`, or a bare model file.

    Raises
    ------
    UsageError
        Neither or both given, or the folder is not an analysis folder.
    ModelFileError
        The model or the segments are damaged or not churnlab's.
    """
    if (run is None) == (model is None):
        raise UsageError(
            "give either a run folder or a model file",
            fix="use --run DIR (from churnlab analyze) or --model PATH",
        )
    if model is not None:
        whole = load_model(model)
        playbook = default_playbook(whole.spec_)
        return Bundle(model=whole, segmenter=None, playbook=playbook, economics=playbook.economics)
    folder = Path(run)  # type: ignore[arg-type]
    missing = [n for n in (MODEL, SUMMARY) if not (folder / n).is_file()]
    if missing:
        raise UsageError(
            f"{str(folder)!r} is not an analysis folder: {', '.join(missing)} missing",
            fix="give the --out folder of `churnlab analyze`",
        )
    fitted = load_scorer(folder / MODEL)  # the arithmetic alone when the file has it
    summary = json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
    playbook = (
        load_playbook(folder / PLAYBOOK)
        if (folder / PLAYBOOK).is_file()
        else default_playbook(fitted.spec_)
    )
    economics = Economics(**summary.get("plan", {}).get("economics", {}))
    segmenter: Segmenter | SegmentForm | None = None
    if (folder / SEGMENT_FORM).is_file():
        segmenter = _load_segment_form(folder / SEGMENT_FORM, fitted.spec_)
    elif (folder / SEGMENTS).is_file():  # a folder written before the arithmetic was
        whole = load_model(folder / MODEL)
        segmenter = _load_segments(folder / SEGMENTS, whole)
    return Bundle(
        model=fitted,
        segmenter=segmenter,
        playbook=playbook,
        economics=economics,
        lang=summary.get("meta", {}).get("lang", "en"),
        summary=summary,
        reference=_load_reference(folder / REFERENCE),
    )


def reference_json(reference: Mapping[str, Any]) -> bytes:
    """``reference.json``'s bytes."""
    return json.dumps(reference, allow_nan=False, ensure_ascii=False).encode("utf-8")


def _load_reference(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        if path.stat().st_size > REFERENCE_LARGEST:  # not read: a hostile file stays on disk
            raise ValueError(f"larger than {REFERENCE_LARGEST // MiB} MiB")
        reference = json.loads(path.read_bytes())
        if not isinstance(reference, dict) or not isinstance(reference.get("features"), dict):
            raise ValueError("no features")
        return reference
    except (ValueError, RecursionError, OSError) as exc:
        raise ModelFileError(
            f"is not a training reference ({exc})",
            file=str(path),
            fix="rerun `churnlab analyze` to write it again, or delete it (the months then "
            "check no drift)",
        ) from exc


def _load_segment_form(path: Path, spec: Any) -> SegmentForm:
    try:
        if path.stat().st_size > SEGMENT_FORM_LARGEST:  # not read: a hostile file stays on disk
            raise SegmentFormError(f"larger than {SEGMENT_FORM_LARGEST // MiB} MiB")
        return SegmentForm.from_dict(json.loads(path.read_bytes()), spec)
    except (SegmentFormError, ValueError, RecursionError, OSError) as exc:
        raise ModelFileError(
            f"is not the segments of this model ({exc})",
            file=str(path),
            fix="rerun `churnlab analyze` to write it again",
        ) from exc


def _load_segments(path: Path, model: ChurnModel) -> Segmenter:
    from churnlab.insight.segment import Segmenter

    pieces = load_trusted(path, what="the segments file")
    if not isinstance(pieces, dict) or {"encoder", "kmeans", "segment_of_cluster"} - set(pieces):
        raise ModelFileError(
            "is not a churnlab segments file",
            file=str(path),
            fix="rerun `churnlab analyze` to write it again",
        )
    segmenter = Segmenter(model.spec_)
    segmenter.encoder_ = pieces["encoder"]
    segmenter.kmeans_ = pieces["kmeans"]
    segmenter.segment_of_cluster_ = pieces["segment_of_cluster"]
    segmenter.n_segments_ = len(pieces["segment_of_cluster"])
    return segmenter
