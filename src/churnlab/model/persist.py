"""Model files: saved and loaded without executing arbitrary code.

A model file is a zip archive holding exactly these members:

- ``churnlab.json``: the manifest — format name and version, the churnlab version, when it was
  made, the spec, the training-data hash, the chosen learner, its settings, calibration,
  threshold, out-of-fold metrics, and the SHA-256 of every other member (``sha256``);
- ``estimator.skops``: the fitted pipeline in the skops format, which rebuilds objects from data;
- ``compiled.json`` (spline-logistic models): the same model as plain arithmetic
  (:meth:`CompiledModel.to_dict <churnlab.model.compiled.CompiledModel.to_dict>`), checked against
  the pipeline when it is written. :func:`load_scorer` reads it without scikit-learn, which makes
  ``churnlab score`` start about two seconds sooner. Older files without it still load.

A model file comes from outside, so reading one trusts nothing in it. Before anything is built:

- **Bounds** (:mod:`churnlab.model.archive`). The file, each member's declared size, the size
  it really inflates to (read in chunks, stopped past the bound: a declared size can lie), its
  compression ratio and the number of members are bounded (:data:`LIMITS`); the skops payload,
  itself a zip archive, is bounded the same way before skops opens it. Member names are the
  ones above, each once; names with a path (``../x``, ``/x``, ``C:x``) are refused.
- **An allow-list, not a prefix** (:mod:`churnlab.model.trusted`).
  :func:`~churnlab.model.trusted.loads_trusted` walks the payload's ``schema.json`` itself: every
  object must be one of the estimator and transformer classes churnlab writes
  (:data:`~churnlab.model.trusted.TRUSTED_CLASSES`), every container and array node one of the
  plain kinds, and no node may call or fetch code — functions, methods, calls of a constructor,
  ``functools.partial``, ``operator`` getters, references to modules or to any type but a handful
  of plain ones — with one exception: the array-conversion function SciPy's ``BSpline`` keeps
  (:data:`~churnlab.model.trusted.TRUSTED_FUNCTIONS`). Only then is the payload handed to skops,
  trusting exactly that list.
- **Digests.** ``sha256`` in the manifest must match every other member: an edit made after the
  file was written is refused. Files written by earlier versions, before digests were recorded,
  have none and still load: a digest is an integrity check, not a signature (whoever can edit a
  member can edit the manifest too), so what keeps a crafted file harmless is the allow-list and
  the shape checks, which every file passes through whether it has digests or not.
- **Shapes.** The manifest's fields (a finite calibration pair, a threshold and base rate in
  [0, 1], a well-formed spec, ...) and ``compiled.json``
  (:meth:`CompiledModel.from_dict <churnlab.model.compiled.CompiledModel.from_dict>`: finite
  numbers, consistent lengths, sorted knots, one term per column) are checked; numbers that are
  plausible but edited are what the digests catch.

Every refusal is a :class:`~churnlab.errors.ModelFileError` naming the file.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from churnlab._version import __version__
from churnlab.data.jsonable import is_finite_number, plain
from churnlab.data.spec import DatasetSpec
from churnlab.data.write import write_bytes
from churnlab.errors import ModelFileError
from churnlab.model.archive import Limits, MiB, damaged, read_within, unzip
from churnlab.model.compiled import CompiledModel
from churnlab.model.scorer import ScoringModel
from churnlab.model.trusted import PAYLOAD_LIMITS, build_checked, check_payload

if TYPE_CHECKING:  # scikit-learn and skops are imported only to save or load a whole model
    from churnlab.model.churn_model import ChurnModel

__all__ = [
    "FORMAT_VERSION",
    "LIMITS",
    "load_model",
    "load_scorer",
    "read_manifest",
    "save_model",
]

FORMAT = "churnlab-model"
#: Bumped whenever a file written by this version could not be read by an older one. (The
#: ``sha256`` digests did not need it: older versions read these files and ignore them.)
FORMAT_VERSION = 1
_MANIFEST = "churnlab.json"
_ESTIMATOR = "estimator.skops"
_COMPILED = "compiled.json"

#: The bounds on a model file (``"model"``) and on a skops payload (``"skops"``: the
#: ``estimator.skops`` member, or a ``segments.skops`` file).
#:
#: Measured: a spline-logistic model on the club's 17 columns is a 20 KB file whose
#: ``estimator.skops`` inflates to 300 KB (ratio 22, the most seen: it is indented JSON); the
#: largest boosting model churnlab can make (3,300 trees of 15 leaves, 40 columns) has a 5.9 MB
#: payload (ratio 2.4); the manifest is 8 KB and ``compiled.json`` 9 KB. Models grow with the
#: columns (about 20 KB of payload per column), not with the rows. The bounds leave room for
#: tables 40 times wider and stay far from what would exhaust memory; a ratio of 200 (deflate
#: reaches 1,000) is ten times the most seen.
LIMITS: dict[str, Limits] = {
    "model": Limits(
        members=8,  # three names are allowed; a few more are read to say which are not
        sizes={_MANIFEST: 4 * MiB, _COMPILED: 32 * MiB, _ESTIMATOR: 256 * MiB},
        total=256 * MiB + 36 * MiB,
    ),
    "skops": PAYLOAD_LIMITS,
}
_MAX_FILE = 256 * MiB + 36 * MiB  # on disk: the members can only be smaller, stored or not


def save_model(
    model: ChurnModel, path: str | os.PathLike[str], *, source: str | None = None
) -> Path:
    """Write a fitted model to ``path`` (atomically: a crash leaves no half-written file).

    ``source``, the table the model was trained on, is recorded with the date: a model read
    back carries both (``trained_on_``, ``created_``), so that scoring a table the model does
    not fit can say which table it fits.

    The manifest records the SHA-256 of every other member, which :func:`load_model` checks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from churnlab.data.datasets import load_gym_churn
    >>> from churnlab.model.churn_model import ChurnModel
    >>> members = load_gym_churn().sample(400, random_state=0)
    >>> model = ChurnModel(learner="logistic", folds=3).fit(members.drop(columns="Churn"),
    ...                                                     members["Churn"])
    >>> path = save_model(model, pathlib.Path(tempfile.mkdtemp()) / "model.churnlab")
    >>> load_model(path).data_hash_ == model.data_hash_
    True
    """
    import skops.io as sio

    path = Path(path)
    compiled = model.compiled()  # checked against the pipeline here, before it is written
    members = {_ESTIMATOR: sio.dumps(model.estimator_)}
    if compiled.kind == "linear":
        members[_COMPILED] = json.dumps(compiled.to_dict()).encode()
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "churnlab_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": source,
        "learner": model.learner_,
        "params": model.params_,
        "candidates": model.candidates_,
        "calibration": list(model.calibration_),
        "threshold": model.threshold_,
        "base_rate": model.base_rate_,
        "data_hash": model.data_hash_,
        "oof_metrics": model.oof_metrics_,
        "encoded_mean": None if model.encoded_mean_ is None else model.encoded_mean_.tolist(),
        "settings": {
            "learner": model.learner,
            "folds": model.folds,
            "random_state": model.random_state,
            "tune_rows": model.tune_rows,
        },
        "spec": model.spec_.to_dict(),
        "sha256": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_MANIFEST, json.dumps(plain(manifest), indent=2))
        for name, data in members.items():
            archive.writestr(name, data)
    write_bytes(buffer.getvalue(), path)
    return path


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of a model file, checked (as the whole file's bounds and digests); the model
    itself is not loaded.

    Raises
    ------
    ModelFileError
        As :func:`load_model`.
    """
    file = _read(path)
    _check_digests(file)
    return file.manifest


def load_model(path: str | os.PathLike[str]) -> ChurnModel:
    """Read a model written by :func:`save_model`.

    Everything is checked before anything is built (see the module's notes): the archive's
    bounds and member names, the manifest's fields, the skops payload's every node against the
    allow-list, then the digests.

    Raises
    ------
    ModelFileError
        The file is missing, is not a churnlab model, is damaged, too large, was written by a
        newer churnlab, was changed after it was written, or holds a type or code churnlab does
        not load.
    """
    return _load_whole(_read(path))


def load_scorer(path: str | os.PathLike[str]) -> ScoringModel | ChurnModel:
    """What scoring needs of a model file: without scikit-learn when the file allows.

    A spline-logistic model's file carries its arithmetic (``compiled.json``): it comes back as
    a :class:`~churnlab.model.scorer.ScoringModel`, whose probabilities equal the whole model's to
    the last bit. Any other file comes back whole, as :func:`load_model` reads it. The file is
    checked as :func:`load_model` checks it, the skops payload included (though it is not built
    here): a file is refused or read whichever way it is loaded. The arithmetic's shape is
    checked too (:meth:`CompiledModel.from_dict <churnlab.model.compiled.CompiledModel.from_dict>`),
    and must agree with the manifest's spec and calibration.

    Raises
    ------
    ModelFileError
        As :func:`load_model`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from churnlab.data.datasets import load_gym_churn
    >>> from churnlab.model.churn_model import ChurnModel
    >>> members = load_gym_churn().sample(400, random_state=0)
    >>> model = ChurnModel(learner="logistic", folds=3).fit(members.drop(columns="Churn"),
    ...                                                     members["Churn"])
    >>> path = save_model(model, pathlib.Path(tempfile.mkdtemp()) / "model.churnlab")
    >>> scorer = load_scorer(path)
    >>> from churnlab.data.validate import coerce_members
    >>> X = coerce_members(members, model.spec_)
    >>> same = scorer.compiled().probability(X) == model.predict_proba(members)[:, 1]
    >>> type(scorer).__name__, bool(same.all())
    ('ScoringModel', True)
    """
    file = _read(path)
    compiled = _compiled(file)
    if compiled is None:
        return _load_whole(file)
    check_payload(file.members[_ESTIMATOR], file.path)  # not built here, but a file is refused
    _check_digests(file)  # as a whole: the same verdict whichever way it is read
    return ScoringModel(arithmetic=compiled, **_fitted(file.manifest))


def _load_whole(file: _ModelFile) -> ChurnModel:
    """The whole model: its arithmetic (when it has one) and payload checked, then its digests,
    then the payload built."""
    _compiled(file)  # not used here, but a file is refused whichever way it is read
    payload = file.members[_ESTIMATOR]
    check_payload(payload, file.path)
    _check_digests(file)
    return _rebuild(file.manifest, build_checked(payload, file.path, "the model"))


def _compiled(file: _ModelFile) -> CompiledModel | None:
    """A file's arithmetic (None if it has none), its shape checked and agreeing with the
    manifest's spec and calibration."""
    payload = file.members.get(_COMPILED)
    if payload is None:
        return None
    fitted = _fitted(file.manifest)
    try:
        compiled = CompiledModel.from_dict(json.loads(payload))
        if compiled.features != list(fitted["spec_"].feature_names):
            raise ValueError("its features are not the spec's")
        if compiled.calibration != fitted["calibration_"]:
            raise ValueError("its calibration is not the manifest's")
    except (KeyError, TypeError, ValueError, RecursionError) as exc:
        raise damaged(file.path, exc, member=_COMPILED) from None
    return compiled


def _rebuild(manifest: dict[str, Any], estimator: Any) -> ChurnModel:
    from churnlab.model.churn_model import ChurnModel

    settings = manifest["settings"]
    fitted = _fitted(manifest)
    spec = fitted["spec_"]
    model = ChurnModel(
        spec,
        learner=settings["learner"],
        folds=settings["folds"],
        random_state=settings["random_state"],
        tune_rows=settings.get("tune_rows"),  # files from before tuning on a sample: every row
    )
    mean = manifest.get("encoded_mean")
    return model.fitted_as(
        spec=spec,
        learner=fitted["learner_"],
        params=fitted["params_"],
        estimator=estimator,
        base_rate=fitted["base_rate_"],
        data_hash=fitted["data_hash_"],
        encoded_mean=None if mean is None else np.asarray(mean, dtype=float),
        calibration_=fitted["calibration_"],
        threshold_=fitted["threshold_"],
        oof_metrics_=fitted["oof_metrics_"],
        candidates_=manifest["candidates"],
        trained_on_=fitted["trained_on_"],
        created_=fitted["created_"],
    )


def _fitted(manifest: dict[str, Any]) -> dict[str, Any]:
    """The fitted attributes a manifest records, by the names both kinds of model use."""
    slope, intercept = manifest["calibration"]
    return {
        "spec_": DatasetSpec.from_dict(manifest["spec"]),
        "learner_": str(manifest["learner"]),
        "params_": dict(manifest["params"]),
        "calibration_": (float(slope), float(intercept)),
        "threshold_": float(manifest["threshold"]),
        "base_rate_": float(manifest["base_rate"]),
        "data_hash_": str(manifest["data_hash"]),
        "oof_metrics_": dict(manifest["oof_metrics"]),
        "trained_on_": manifest.get("source"),  # files from before: not known
        "created_": manifest.get("created"),
    }


# --- the model file's members and manifest --------------------------------------------------


@dataclass(frozen=True)
class _ModelFile:
    """A model file's members, read within bounds, and its manifest, checked."""

    path: Path
    manifest: dict[str, Any]
    members: dict[str, bytes]


def _read(path: str | os.PathLike[str]) -> _ModelFile:
    """Read a model file's members within :data:`LIMITS` and check its manifest.

    The digests are not checked here: the callers check what they use first (which says more
    precisely what is wrong), then :func:`_check_digests`, before anything is built.
    """
    path = Path(path)
    data = read_within(path, _MAX_FILE)
    members = unzip(
        data, path, LIMITS["model"], lambda n: n in (_MANIFEST, _ESTIMATOR, _COMPILED),
        label="the model file", needs=_MANIFEST,
    )  # fmt: skip
    manifest = _manifest(members[_MANIFEST], path)
    if _ESTIMATOR not in members:
        raise damaged(path, KeyError(f"there is no {_ESTIMATOR}"))
    return _ModelFile(path, manifest, members)


# --- the manifest --------------------------------------------------------------------------------


def _manifest(data: bytes, path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise damaged(path, exc) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelFileError(
            "is not a churnlab model file",
            file=str(path),
            fix="give a file written by `churnlab train --model`",
        )
    version = manifest.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise damaged(path, ValueError(f"format_version {version!r}"))
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"was written by a newer churnlab (model format {version}; this churnlab reads up "
            f"to {FORMAT_VERSION})",
            file=str(path),
            fix="upgrade churnlab, or retrain the model",
        )
    problem = _manifest_problem(manifest)
    if problem:
        raise damaged(path, ValueError(f"the manifest's {problem}"))
    try:
        _fitted(manifest)  # what is read from it later builds (a spec with unknown fields does not)
    except (KeyError, TypeError, ValueError) as exc:
        raise damaged(path, exc) from None
    return manifest


def _short_text(value: object) -> bool:
    """Text of one line and at most 1,000 characters: what a message may quote."""
    return isinstance(value, str) and len(value) <= 1000 and value.isprintable()


def _manifest_problem(m: dict[str, Any]) -> str | None:
    """What is wrong with a manifest's fields (None if nothing): the numbers scoring uses must be
    finite and in range, the rest of the right kinds."""
    calibration = m.get("calibration")
    settings = m.get("settings")
    metrics = m.get("oof_metrics")
    mean = m.get("encoded_mean")
    digests = m.get("sha256")
    checks: list[tuple[bool, str]] = [
        (m.get("learner") in ("logistic", "boosting"), "learner is not logistic or boosting"),
        (isinstance(m.get("params"), dict), "params is not a mapping"),
        (isinstance(m.get("candidates"), dict), "candidates is not a mapping"),
        (
            isinstance(calibration, list) and len(calibration) == 2
            and all(is_finite_number(v) for v in calibration),
            "calibration is not a pair of finite numbers",
        ),
        (
            is_finite_number(m.get("threshold")) and 0 <= m["threshold"] <= 1,
            "threshold is not in [0, 1]",
        ),
        (
            is_finite_number(m.get("base_rate")) and 0 <= m["base_rate"] <= 1,
            "base_rate is not in [0, 1]",
        ),
        (isinstance(m.get("data_hash"), str), "data_hash is not text"),
        (
            all(m.get(k) is None or _short_text(m[k]) for k in ("source", "created")),
            "source or created is not a short line of text",
        ),
        (
            isinstance(metrics, dict)
            and all(v is None or (isinstance(v, int | float) and not isinstance(v, bool))
                    for v in metrics.values()),
            "oof_metrics is not a mapping of numbers",
        ),
        (
            mean is None or (isinstance(mean, list) and all(is_finite_number(v) for v in mean)),
            "encoded_mean is not a list of finite numbers",
        ),
        (
            isinstance(settings, dict)
            and settings.get("learner") in ("auto", "logistic", "boosting")
            and _whole(settings.get("folds"), 2)
            and (settings.get("random_state") is None or _whole(settings["random_state"], 0))
            and (settings.get("tune_rows") in (None, "auto") or _whole(settings["tune_rows"], 1)),
            "settings are not a learner, folds >= 2, a seed and a row count or 'auto'",
        ),
        (
            digests is None or (isinstance(digests, dict) and all(
                isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v) for v in digests.values()
            )),
            "sha256 is not a mapping of SHA-256 digests",
        ),
    ]  # fmt: skip
    for ok, problem in checks:
        if not ok:
            return problem
    return _spec_problem(m.get("spec"))


def _whole(value: Any, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _text_pair(values: Any) -> bool:
    """Whether a feature's ``values`` is absent or two distinct texts (a binary held as text)."""
    if values is None:
        return True
    return (
        isinstance(values, list)
        and len(values) == 2
        and all(isinstance(v, str) for v in values)
        and values[0].strip().lower() != values[1].strip().lower()
    )


def _spec_problem(spec: Any) -> str | None:
    """What is wrong with a manifest's spec (None if nothing)."""
    if not isinstance(spec, dict) or not isinstance(spec.get("target_col"), str):
        return "spec has no target column"
    if spec.get("id_col") is not None and not isinstance(spec["id_col"], str):
        return "spec's id column is not a name"
    features = spec.get("features")
    if not isinstance(features, list) or not features:
        return "spec has no features"
    names = []
    for f in features:
        if not isinstance(f, dict) or not isinstance(f.get("name"), str):
            return "spec has a feature without a name"
        names.append(f["name"])
        low, high = f.get("min"), f.get("max")
        if (
            f.get("kind") not in ("numeric", "binary", "categorical")
            or f.get("role", "unknown") not in ("lever", "trait", "unknown")
            or not isinstance(f.get("integer", False), bool)
            or not isinstance(f.get("label", {}), dict)
            or not _text_pair(f.get("values"))
            or any(v is not None and not is_finite_number(v) for v in (low, high))
            or (low is not None and high is not None and low > high)
        ):
            return f"spec's feature {f['name']!r} is not a kind, a role and a finite range"
    if len(set(names)) != len(names):
        return "spec names a feature twice"
    aside = spec.get("set_aside", [])
    if not isinstance(aside, list) or not all(isinstance(a, dict) for a in aside):
        return "spec's set-aside columns are not a list"
    return None


def _check_digests(file: _ModelFile) -> None:
    """Refuse a file whose members are not the ones its manifest's digests describe.

    Files written before churnlab recorded digests have none; they are read without this check
    (a digest is no signature: the allow-list and the shape checks are what keep a file safe).
    """
    digests = file.manifest.get("sha256")
    if digests is None:
        return
    members = {name for name in file.members if name != _MANIFEST}
    changed = sorted(
        (members ^ set(digests))
        | {n for n in members & set(digests)
           if hashlib.sha256(file.members[n]).hexdigest() != digests[n]}
    )  # fmt: skip
    if changed:
        raise ModelFileError(
            f"the model file was changed after it was written ({', '.join(changed)} "
            "not as its manifest's SHA-256 digests record)",
            file=str(file.path),
            fix="use the file as `churnlab train` wrote it, or retrain the model",
        )
