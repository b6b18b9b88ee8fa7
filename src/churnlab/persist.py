"""Model files: saved and loaded without executing arbitrary code.

A model file is a zip archive holding:

- ``churnlab.json``: the manifest — format name and version, the churnlab version, when it was
  made, the spec, the training-data hash, the chosen learner, its settings, calibration,
  threshold and out-of-fold metrics;
- ``estimator.skops``: the fitted pipeline in the skops format, which rebuilds objects from data
  and refuses any type that is not on churnlab's allow-list (unlike pickle, it cannot run code);
- ``compiled.json`` (spline-logistic models): the same model as plain arithmetic
  (:meth:`CompiledModel.to_dict <churnlab.compiled.CompiledModel.to_dict>`), checked against the
  pipeline when it is written. :func:`load_scorer` reads it without scikit-learn, which makes
  ``churnlab score`` start about two seconds sooner. Older files without it still load.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from churnlab._version import __version__
from churnlab.compiled import CompiledModel
from churnlab.errors import ModelFileError
from churnlab.io import write_bytes
from churnlab.scorer import ScoringModel
from churnlab.spec import DatasetSpec

if TYPE_CHECKING:  # scikit-learn and skops are imported only to save or load a whole model
    from churnlab.model import ChurnModel

__all__ = [
    "FORMAT_VERSION",
    "load_model",
    "load_scorer",
    "loads_trusted",
    "read_manifest",
    "save_model",
]

FORMAT = "churnlab-model"
#: Bumped whenever a file written by this version could not be read by an older one.
FORMAT_VERSION = 1
_MANIFEST = "churnlab.json"
_ESTIMATOR = "estimator.skops"
_COMPILED = "compiled.json"

# Types beyond skops' defaults (scikit-learn, numpy, builtins) that a churnlab pipeline holds.
_TRUSTED_EXACT = {
    "collections.OrderedDict",
    "numpy.dtype",
    "scipy.interpolate._bsplines.BSpline",
    "scipy._lib.array_api_compat.numpy._aliases.asarray",
}
_TRUSTED_PREFIXES = ("churnlab.", "lightgbm.basic.Booster", "lightgbm.sklearn.LGBMClassifier")


def save_model(model: ChurnModel, path: str | os.PathLike[str]) -> Path:
    """Write a fitted model to ``path`` (atomically: a crash leaves no half-written file).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from churnlab.datasets import load_gym_churn
    >>> from churnlab.model import ChurnModel
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
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "churnlab_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
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
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_MANIFEST, json.dumps(manifest, indent=2, default=_plain))
        archive.writestr(_ESTIMATOR, sio.dumps(model.estimator_))
        if compiled.kind == "linear":
            archive.writestr(_COMPILED, json.dumps(compiled.to_dict()))
    write_bytes(buffer.getvalue(), path)
    return path


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of a model file, checked; the model itself is not loaded."""
    with _open(path) as archive:
        return _manifest(archive, path)


def load_model(path: str | os.PathLike[str]) -> ChurnModel:
    """Read a model written by :func:`save_model`.

    Raises
    ------
    ModelFileError
        The file is missing, is not a churnlab model, is damaged, was written by a newer
        churnlab, or holds a type churnlab does not trust.
    """
    with _open(path) as archive:
        manifest = _manifest(archive, path)
        try:
            payload = archive.read(_ESTIMATOR)
        except (KeyError, zipfile.BadZipFile, OSError) as exc:
            raise _damaged(path, exc) from None
    estimator = loads_trusted(payload, path)
    return _rebuild(manifest, estimator)


def load_scorer(path: str | os.PathLike[str]) -> ScoringModel | ChurnModel:
    """What scoring needs of a model file: without scikit-learn when the file allows.

    A spline-logistic model's file carries its arithmetic (``compiled.json``): it comes back as
    a :class:`~churnlab.scorer.ScoringModel`, whose probabilities equal the whole model's to
    the last bit. Any other file comes back whole, as :func:`load_model` reads it.

    Raises
    ------
    ModelFileError
        As :func:`load_model`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from churnlab.datasets import load_gym_churn
    >>> from churnlab.model import ChurnModel
    >>> members = load_gym_churn().sample(400, random_state=0)
    >>> model = ChurnModel(learner="logistic", folds=3).fit(members.drop(columns="Churn"),
    ...                                                     members["Churn"])
    >>> path = save_model(model, pathlib.Path(tempfile.mkdtemp()) / "model.churnlab")
    >>> scorer = load_scorer(path)
    >>> type(scorer).__name__, bool((scorer.compiled().probability(model._features(
    ...     members, model.spec_)) == model.predict_proba(members)[:, 1]).all())
    ('ScoringModel', True)
    """
    with _open(path) as archive:
        manifest = _manifest(archive, path)
        try:
            payload = archive.read(_COMPILED)
        except KeyError:
            payload = None
        except (zipfile.BadZipFile, OSError) as exc:
            raise _damaged(path, exc) from None
    if payload is None:
        return load_model(path)
    try:
        compiled = CompiledModel.from_dict(json.loads(payload))
        return ScoringModel(arithmetic=compiled, **_fitted(manifest))
    except (KeyError, TypeError, ValueError) as exc:
        raise _damaged(path, exc) from None


def loads_trusted(payload: bytes, path: str | os.PathLike[str]) -> Any:
    """Rebuild a skops payload, refusing every type not on churnlab's allow-list.

    Raises
    ------
    ModelFileError
        The payload is damaged or holds a type churnlab does not trust.
    """
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(data=payload)
    except Exception as exc:  # skops raises many kinds on damaged payloads
        raise _damaged(path, exc) from None
    refused = [
        t for t in untrusted if t not in _TRUSTED_EXACT and not t.startswith(_TRUSTED_PREFIXES)
    ]
    if refused:
        raise ModelFileError(
            f"the model holds types churnlab does not load: {', '.join(refused)}",
            file=str(path),
            fix="only load model files written by churnlab train",
        )
    try:
        return sio.loads(payload, trusted=untrusted)
    except Exception as exc:
        raise _damaged(path, exc) from None


def _rebuild(manifest: dict[str, Any], estimator: Any) -> ChurnModel:
    from churnlab.model import ChurnModel

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
    for name, value in fitted.items():
        setattr(model, name, value)
    model.estimator_ = estimator
    model.candidates_ = manifest["candidates"]
    mean = manifest.get("encoded_mean")
    model.encoded_mean_ = None if mean is None else np.asarray(mean, dtype=float)
    model.feature_names_in_ = np.asarray(spec.feature_names, dtype=object)
    model.n_features_in_ = len(spec.feature_names)
    model.classes_ = np.array([0, 1])
    return model


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
    }


@contextmanager
def _open(path: str | os.PathLike[str]) -> Iterator[zipfile.ZipFile]:
    """Open a model archive, turning every way it can fail into a :class:`ModelFileError`."""
    path = Path(path)
    if not path.exists():
        raise ModelFileError(
            "the model file does not exist",
            file=str(path),
            fix="check the path, or train a model with `churnlab train`",
        )
    if path.is_dir():
        raise ModelFileError(
            "is a directory, not a model file",
            file=str(path),
            fix="give the path of the file written by `churnlab train --model`",
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelFileError(
            f"is not a churnlab model file ({exc})",
            file=str(path),
            fix="give a file written by `churnlab train --model`",
        ) from None
    with archive:
        yield archive


def _manifest(archive: zipfile.ZipFile, path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(_MANIFEST))
    except KeyError:
        raise ModelFileError(
            "is a zip archive but not a churnlab model file",
            file=str(path),
            fix="give a file written by `churnlab train --model`",
        ) from None
    except (ValueError, zipfile.BadZipFile, OSError) as exc:
        raise _damaged(path, exc) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelFileError(
            "is not a churnlab model file",
            file=str(path),
            fix="give a file written by `churnlab train --model`",
        )
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(
            f"was written by a newer churnlab (model format {version}; this churnlab reads up "
            f"to {FORMAT_VERSION})",
            file=str(path),
            fix="upgrade churnlab, or retrain the model",
        )
    return manifest


def _damaged(path: str | os.PathLike[str], exc: BaseException) -> ModelFileError:
    return ModelFileError(
        f"the model file is damaged ({type(exc).__name__}: {exc})",
        file=str(path),
        fix="retrain the model with `churnlab train`",
    )


def _plain(value: Any) -> Any:
    """JSON for numpy scalars."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
