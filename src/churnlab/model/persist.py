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

- **Bounds.** The file, each member's declared size, the size it really inflates to (read in
  chunks, stopped past the bound: a declared size can lie), its compression ratio and the
  number of members are bounded (:data:`LIMITS`); the skops payload, itself a zip archive, is
  bounded the same way before skops opens it. Member names are the ones above, each once;
  names with a path (``../x``, ``/x``, ``C:x``) are refused.
- **An allow-list, not a prefix.** :func:`loads_trusted` walks the payload's ``schema.json``
  itself: every object must be one of the estimator and transformer classes churnlab writes
  (:data:`TRUSTED_CLASSES`), every container and array node one of the plain kinds, and no node
  may call or fetch code — functions, methods, calls of a constructor, ``functools.partial``,
  ``operator`` getters, references to modules or to any type but a handful of plain ones — with
  one exception: the array-conversion function SciPy's ``BSpline`` keeps
  (:data:`TRUSTED_FUNCTIONS`). Only then is the payload handed to skops, trusting exactly that
  list.
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
import importlib
import io
import json
import math
import os
import re
import struct
import sys
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from churnlab._version import __version__
from churnlab.data.spec import DatasetSpec
from churnlab.data.write import write_bytes
from churnlab.errors import ModelFileError
from churnlab.model.compiled import CompiledModel
from churnlab.model.scorer import ScoringModel

if TYPE_CHECKING:  # scikit-learn and skops are imported only to save or load a whole model
    from churnlab.model.churn_model import ChurnModel

__all__ = [
    "FORMAT_VERSION",
    "LIMITS",
    "TRUSTED_CLASSES",
    "TRUSTED_FUNCTIONS",
    "Limits",
    "check_payload",
    "load_model",
    "load_scorer",
    "load_trusted",
    "loads_trusted",
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
_SCHEMA = "schema.json"
_MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What a zip archive churnlab reads may hold.

    Attributes
    ----------
    members : int
        The most members.
    sizes : mapping of str to int
        The largest inflated size of a member, by name (``"*"``: any other member).
    total : int
        The largest inflated size of all members together.
    ratio : float
        The largest compression ratio (inflated / stored size) of a member over 1 MiB.
    """

    members: int
    sizes: Mapping[str, int]
    total: int
    ratio: float = 200.0

    def size(self, name: str) -> int:
        """The bound on member ``name``."""
        return self.sizes.get(name, self.sizes.get("*", 0))


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
        sizes={_MANIFEST: 4 * _MiB, _COMPILED: 32 * _MiB, _ESTIMATOR: 256 * _MiB},
        total=256 * _MiB + 36 * _MiB,
    ),
    "skops": Limits(members=20_000, sizes={"*": 256 * _MiB}, total=256 * _MiB),
}
_MAX_FILE = 256 * _MiB + 36 * _MiB  # on disk: the members can only be smaller, stored or not
_CHUNK = _MiB

#: Where churnlab's own classes lived before the package was laid out in layers: files written
#: then name them so, and load as they did (the old module name stands for the new one while a
#: file is built; nothing else is ever imported under it).
_LEGACY_CLASSES = {
    "churnlab.features": ("churnlab.model.features", "BehaviourMetrics"),
    "churnlab.learners": ("churnlab.model.learners", "CategoryColumns"),
}

#: The classes a churnlab model or segments file may hold (skops ``ObjectNode``): what
#: ``ChurnModel(learner="logistic" | "boosting")`` and the segments of ``churnlab analyze`` are
#: made of, found by saving them and listing ``skops.io.get_untrusted_types`` and every node.
#: Exact names, not prefixes: nothing else is built, even in churnlab's own modules.
TRUSTED_CLASSES = frozenset(
    {
        "churnlab.model.features.BehaviourMetrics",
        "churnlab.model.learners.CategoryColumns",
        *(f"{old}.{name}" for old, (_, name) in _LEGACY_CLASSES.items()),
        "lightgbm.basic.Booster",
        "lightgbm.sklearn.LGBMClassifier",
        "scipy.interpolate._bsplines.BSpline",
        "sklearn.cluster._kmeans.KMeans",
        "sklearn.compose._column_transformer.ColumnTransformer",
        "sklearn.impute._base.MissingIndicator",
        "sklearn.impute._base.SimpleImputer",
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.pipeline.Pipeline",
        "sklearn.preprocessing._data.StandardScaler",
        "sklearn.preprocessing._encoders.OneHotEncoder",
        "sklearn.preprocessing._label.LabelEncoder",
        "sklearn.preprocessing._polynomial.SplineTransformer",
    }
)
#: The one function a model file may name (skops ``FunctionNode``): SciPy's ``BSpline`` keeps
#: the array-API ``asarray`` it converts its inputs with. It is fetched, not called, at load time,
#: and converting an array is all it can do.
TRUSTED_FUNCTIONS = frozenset({"scipy._lib.array_api_compat.numpy._aliases.asarray"})
#: Types a file may name (skops ``TypeNode``): the key types of dictionaries (which skops calls on
#: each key), ``OneHotEncoder``'s output dtype, and the default factory of LightGBM's
#: ``defaultdict``. Plain value types only: calling one on a string does nothing else.
_TRUSTED_TYPES = frozenset(
    {
        "builtins.bool",
        "builtins.float",
        "builtins.int",
        "builtins.str",
        "collections.OrderedDict",
        "numpy.float32",
        "numpy.float64",
        "numpy.int32",
        "numpy.int64",
    }
)
_NUMPY_SCALARS = frozenset(
    {"numpy.bool", "numpy.float32", "numpy.float64", "numpy.int32", "numpy.int64", "numpy.str_"}
)
#: Each skops node kind a file may use, with the classes it may name. Every other kind is refused:
#: ``MethodNode``, ``PartialNode``, ``OperatorFuncNode`` and the reduce/constructor nodes
#: (``ConstructorFromReduceNode``, ``ReduceNode`` and its ``TreeNode``, ``LossNode``, ...) call or
#: fetch code named in the file; ``BytesNode``, ``SparseMatrixNode``, ``SetNode``, random-state,
#: masked-array and cached nodes are never in churnlab's files.
_NODES: dict[str, frozenset[str]] = {
    "ObjectNode": TRUSTED_CLASSES,
    "FunctionNode": TRUSTED_FUNCTIONS,
    "TypeNode": _TRUSTED_TYPES,
    "DictNode": frozenset({"builtins.dict"}),
    "DefaultDictNode": frozenset({"collections.defaultdict"}),
    "ListNode": frozenset({"builtins.list"}),
    "TupleNode": frozenset({"builtins.tuple"}),
    "SliceNode": frozenset({"builtins.slice"}),
    "JsonNode": frozenset({f"builtins.{t}" for t in ("str", "int", "float", "bool", "NoneType")}),
    "NdArrayNode": frozenset({"numpy.ndarray"}) | _NUMPY_SCALARS,
    "DTypeNode": frozenset({"numpy.dtype"}),
}
#: What skops is told to trust: exactly the names above that it does not trust by itself.
_SKOPS_TRUSTED = sorted(TRUSTED_CLASSES | TRUSTED_FUNCTIONS | _TRUSTED_TYPES | {"numpy.dtype"})
#: skops protocols whose nodes build from the names checked here. Protocol 0's FunctionNode
#: took the function from other fields, so a file claiming it is refused.
_SKOPS_PROTOCOLS = (1, 2)
_NPY_NAME = re.compile(r"[0-9]{1,24}\.npy")
_CALLS = {
    "FunctionNode": "function",
    "MethodNode": "method",
    "PartialNode": "call of",
    "OperatorFuncNode": "call of",
    "ConstructorFromReduceNode": "call of",
    "ReduceNode": "call of",
    "TreeNode": "call of",
    "LossNode": "call of",
    "QuantileForestNode": "call of",
    "TypeNode": "type",
    "ObjectNode": "class",
}


def save_model(model: ChurnModel, path: str | os.PathLike[str]) -> Path:
    """Write a fitted model to ``path`` (atomically: a crash leaves no half-written file).

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
        archive.writestr(_MANIFEST, json.dumps(manifest, indent=2, default=_plain))
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
    >>> type(scorer).__name__, bool((scorer.compiled().probability(model._features(
    ...     members, model.spec_)) == model.predict_proba(members)[:, 1]).all())
    ('ScoringModel', True)
    """
    file = _read(path)
    compiled = _compiled(file)
    if compiled is None:
        return _load_whole(file)
    check_payload(file.members[_ESTIMATOR], file.path)  # not built here, but a file is refused
    _check_digests(file)  # as a whole: the same verdict whichever way it is read
    return ScoringModel(arithmetic=compiled, **_fitted(file.manifest))


def loads_trusted(payload: bytes, path: str | os.PathLike[str], *, what: str = "the model") -> Any:
    """Rebuild a skops payload, refusing everything that is not on churnlab's allow-list.

    The payload (a zip archive) is bounded as :data:`LIMITS` ``["skops"]`` says, its
    ``schema.json`` is walked node by node (:func:`check_payload`), and its arrays' headers are
    checked against their sizes; only then does skops build it, trusting exactly
    :data:`TRUSTED_CLASSES`, :data:`TRUSTED_FUNCTIONS` and the plain types.

    Parameters
    ----------
    payload : bytes
        The skops archive.
    path : str or path-like
        The file it comes from, for messages.
    what : str
        What the file is, for messages (``"the model"``, ``"the segments file"``).

    Raises
    ------
    ModelFileError
        The payload is damaged or too large, or holds a type or code churnlab does not load.
    """
    check_payload(payload, path, what=what)
    return _build(payload, path, what)


def load_trusted(path: str | os.PathLike[str], *, what: str = "the file") -> Any:
    """:func:`loads_trusted` on a skops file (a ``segments.skops``), read within its bounds.

    Raises
    ------
    ModelFileError
        As :func:`loads_trusted`, or the file is missing or larger than a payload may be.
    """
    return loads_trusted(_file_bytes(Path(path), LIMITS["skops"].total), path, what=what)


def check_payload(payload: bytes, path: str | os.PathLike[str], *, what: str = "the model") -> None:
    """Refuse a skops payload unless every part of it is on churnlab's allow-list; build nothing.

    Every node of ``schema.json`` is checked against the kinds and names a churnlab file holds:
    objects of :data:`TRUSTED_CLASSES` only, containers and arrays of the plain kinds, and no
    function (but :data:`TRUSTED_FUNCTIONS`), method, constructor call, partial, operator getter
    or reference to a module or to any but a handful of plain types, whatever their names. Every
    member must be ``schema.json`` or an array the schema names, each array's header must match
    its size, and the skops protocol must be one whose nodes build from the names checked.

    Raises
    ------
    ModelFileError
        As :func:`loads_trusted`.
    """
    members = _unzip(
        payload, path, LIMITS["skops"], lambda n: n == _SCHEMA or bool(_NPY_NAME.fullmatch(n)),
        label=f"{what}'s skops payload",
    )  # fmt: skip
    if _SCHEMA not in members:
        raise _damaged(path, KeyError(f"no {_SCHEMA} in the skops payload"))
    try:
        schema = json.loads(members[_SCHEMA])
    except (ValueError, RecursionError) as exc:
        raise _damaged(path, exc) from None
    files = _check_schema(schema, path, what)
    arrays = set(members) - {_SCHEMA}
    if arrays - files:
        raise _refused(path, f"{what}'s skops payload holds members its schema never uses: "
                       f"{', '.join(sorted(arrays - files))}")  # fmt: skip
    if files - arrays:
        raise _damaged(
            path, KeyError(f"the skops payload lacks {', '.join(sorted(files - arrays))}")
        )
    for name in sorted(files):
        _check_npy(members[name], name, path)


def _build(payload: bytes, path: str | os.PathLike[str], what: str) -> Any:
    """skops' own loading of a payload :func:`check_payload` passed, trusting exactly our list."""
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    for old, (new, _) in _LEGACY_CLASSES.items():  # files from before the layers
        sys.modules.setdefault(old, importlib.import_module(new))
    try:
        return sio.loads(payload, trusted=_SKOPS_TRUSTED)
    except UntrustedTypesFoundException as exc:  # a second opinion: skops' own audit
        raise _refused(path, f"{what} holds types churnlab does not load: {exc}") from None
    except Exception as exc:  # skops raises many kinds on damaged payloads
        raise _damaged(path, exc) from None


def _load_whole(file: _ModelFile) -> ChurnModel:
    """The whole model: its arithmetic (when it has one) and payload checked, then its digests,
    then the payload built."""
    _compiled(file)  # not used here, but a file is refused whichever way it is read
    payload = file.members[_ESTIMATOR]
    check_payload(payload, file.path)
    _check_digests(file)
    return _rebuild(file.manifest, _build(payload, file.path, "the model"))


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
        raise _damaged(file.path, exc, member=_COMPILED) from None
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
    }


# --- reading an archive within bounds ------------------------------------------------------------


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
    data = _file_bytes(path, _MAX_FILE)
    members = _unzip(
        data, path, LIMITS["model"], lambda n: n in (_MANIFEST, _ESTIMATOR, _COMPILED),
        label="the model file", needs=_MANIFEST,
    )  # fmt: skip
    manifest = _manifest(members[_MANIFEST], path)
    if _ESTIMATOR not in members:
        raise _damaged(path, KeyError(f"there is no {_ESTIMATOR}"))
    return _ModelFile(path, manifest, members)


def _file_bytes(path: Path, limit: int) -> bytes:
    """The bytes of a model file, refusing a missing, folder or oversized one."""
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
    chunks, size = [], 0
    try:
        with path.open("rb") as handle:  # in chunks: read(limit) would allocate the limit
            while chunk := handle.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise _refused(path, f"the file is larger than the {limit:,} bytes read")
                chunks.append(chunk)
    except OSError as exc:
        raise ModelFileError(
            f"cannot be read ({exc})", file=str(path), fix="check the file's permissions"
        ) from None
    return b"".join(chunks)


def _unzip(
    data: bytes,
    path: Path | str | os.PathLike[str],
    limits: Limits,
    allowed: Callable[[str], bool],
    *,
    label: str,
    needs: str | None = None,
) -> dict[str, bytes]:
    """The members of a zip archive, every one named as ``allowed`` says and within ``limits``.

    The central directory's size is read from its end record before :mod:`zipfile` parses it;
    each member's declared size, total and ratio are checked before it is inflated, and it is
    inflated in chunks, stopped past its bound (the declared size can lie; zipfile's CRC check
    catches a member that inflates to anything but what was declared).
    """
    outer = needs is not None
    _check_directory(data, path, limits, label)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        if outer:
            raise ModelFileError(
                f"is not a churnlab model file ({exc})",
                file=str(path),
                fix="give a file written by `churnlab train --model`",
            ) from None
        raise _damaged(path, exc) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.members:
            raise _refused(path, f"{label} holds {len(infos):,} members, more than the "
                           f"{limits.members:,} churnlab reads")  # fmt: skip
        for info in infos:
            _check_name(info, path, label)
        names = [info.filename for info in infos]
        if needs is not None and needs not in names:
            raise ModelFileError(
                "is a zip archive but not a churnlab model file",
                file=str(path),
                fix="give a file written by `churnlab train --model`",
            )
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise _refused(path, f"{label} holds {', '.join(map(repr, twice))} more than once")
        unexpected = [n for n in names if not allowed(n)]
        if unexpected:
            raise _refused(path, f"{label} holds members churnlab never writes: "
                           f"{', '.join(map(repr, unexpected))}")  # fmt: skip
        total = 0
        for info in infos:
            total += info.file_size
            _check_member(info, limits, total, path, label)
        try:
            return {info.filename: _inflate(archive, info, limits, path, label) for info in infos}
        except ModelFileError:
            raise
        except Exception as exc:  # BadZipFile (a bad CRC), zlib.error, EOFError: a damaged stream
            raise _damaged(path, exc) from None


def _check_directory(data: bytes, path: Path | str | os.PathLike[str], limits: Limits,
                     label: str) -> None:  # fmt: skip
    """Refuse an archive whose end record announces more members (or a larger directory) than
    ``limits`` allows, before :mod:`zipfile` reads the directory; refuse zip64 archives, which
    churnlab never writes (nothing it writes comes near 4 GB or 65,535 members)."""
    size = struct.calcsize("<4s4H2LH")
    record = -1
    if len(data) >= size and data[-size : -size + 4] == b"PK\x05\x06" and data[-2:] == b"\0\0":
        record = len(data) - size
    else:
        record = data.rfind(b"PK\x05\x06", max(0, len(data) - size - 0xFFFF))
    if record < 0 or len(data) - record < size:
        return  # not a zip archive: zipfile says so
    _, _, _, _, entries, directory, _, _ = struct.unpack("<4s4H2LH", data[record : record + size])
    if record >= 20 and data[record - 20 : record - 16] == b"PK\x06\x07":
        raise _refused(path, f"{label} uses the zip64 format, which churnlab never writes")
    if entries > limits.members or directory > limits.members * (46 + 0xFFFF * 3):
        raise _refused(path, f"{label} holds {entries:,} members, more than the "
                       f"{limits.members:,} churnlab reads")  # fmt: skip


def _check_name(info: zipfile.ZipInfo, path: Path | str | os.PathLike[str], label: str) -> None:
    """Refuse a member whose name is a path: absolute, with ``..``, a drive or a backslash."""
    name = info.orig_filename
    parts = name.split("/")
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\0" in name
        or ":" in name
        or any(part in ("", ".", "..") for part in parts)
        or name != info.filename
    ):
        raise _refused(path, f"{label} holds a member named {name!r}: a path, not a member name")


def _check_member(info: zipfile.ZipInfo, limits: Limits, total: int,
                  path: Path | str | os.PathLike[str], label: str) -> None:  # fmt: skip
    """Refuse a member before it is inflated: encrypted, an unknown compression, or declared
    larger (alone, with the ones before it, or for its stored size) than ``limits`` allows."""
    name = info.filename
    if info.flag_bits & 0x1:
        raise _refused(path, f"{label}: {name!r} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _refused(path, f"{label}: {name!r} is compressed in a way churnlab never writes")
    bound = limits.size(name)
    if info.file_size > bound:
        raise _refused(path, f"{label}: {name!r} inflates to {info.file_size:,} bytes, more "
                       f"than the {bound:,} churnlab reads")  # fmt: skip
    if total > limits.total:
        raise _refused(path, f"{label}: its members inflate to more than the {limits.total:,} "
                       "bytes churnlab reads")  # fmt: skip
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > _MiB and ratio > limits.ratio:
        raise _refused(path, f"{label}: {name!r} is compressed {ratio:,.0f} to 1, more than "
                       f"the {limits.ratio:,.0f} to 1 churnlab reads")  # fmt: skip


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits,
             path: Path | str | os.PathLike[str], label: str) -> bytes:  # fmt: skip
    """A member's bytes, read in chunks and stopped as soon as it passes its declared size or
    its bound."""
    bound = min(info.file_size, limits.size(info.filename))
    chunks, size = [], 0
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > bound:
                raise _refused(path, f"{label}: {info.filename!r} inflates past its declared "
                               f"{info.file_size:,} bytes")  # fmt: skip
            chunks.append(chunk)
    return b"".join(chunks)


def _check_npy(data: bytes, name: str, path: Path | str | os.PathLike[str]) -> None:
    """Refuse an array whose header does not match its size, or that holds Python objects."""
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise ValueError(f"array format {version}")
    except (ValueError, TypeError, SyntaxError, OverflowError) as exc:
        raise _damaged(path, exc, member=name) from None
    if dtype.hasobject:
        raise _refused(
            path, f"the array {name!r} holds Python objects, which churnlab never writes"
        )
    expected = stream.tell() + math.prod(shape) * dtype.itemsize
    if expected != len(data):
        raise _damaged(path, ValueError(f"its header says {expected:,} bytes, it has "
                                        f"{len(data):,}"), member=name)  # fmt: skip


def _check_schema(schema: Any, path: Path | str | os.PathLike[str], what: str) -> set[str]:
    """Check every node of a skops ``schema.json``; the array files it names.

    The whole tree is walked, every dictionary with a ``__loader__`` being a node whatever its
    place, so no node kind's layout needs to be known to find its children.
    """
    if not isinstance(schema, dict):
        raise _damaged(path, TypeError("schema.json is not an object"))
    protocol = schema.get("protocol")
    if isinstance(protocol, bool) or protocol not in _SKOPS_PROTOCOLS:
        raise _refused(path, f"{what} was saved with skops protocol {protocol!r}; churnlab reads "
                       f"{', '.join(map(str, _SKOPS_PROTOCOLS))}")  # fmt: skip
    refused: set[str] = set()
    files: set[str] = set()
    stack: list[Any] = [schema]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(v for v in value if isinstance(v, dict | list))
            continue
        stack.extend(v for v in value.values() if isinstance(v, dict | list))
        if "__loader__" not in value:
            continue
        loader, module, name = (value.get(k) for k in ("__loader__", "__module__", "__class__"))
        if not (isinstance(loader, str) and isinstance(module, str) and isinstance(name, str)):
            refused.add(f"node {loader!r} of {module!r}.{name!r}")
            continue
        full = f"{module}.{name}"
        if loader == "MethodNode":  # the method it fetches from the object
            full += f".{(value.get('content') or {}).get('func')}"
        if full not in _NODES.get(loader, frozenset()):
            refused.add(f"{_CALLS.get(loader, loader)} {full}")
        if "file" in value:
            if not isinstance(value["file"], str):
                raise _damaged(path, TypeError("an array's file name is not a string"))
            files.add(value["file"])
    if refused:
        raise _refused(path, f"{what} holds types churnlab does not load: "
                       f"{', '.join(sorted(refused))}")  # fmt: skip
    return files


# --- the manifest --------------------------------------------------------------------------------


def _manifest(data: bytes, path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise _damaged(path, exc) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelFileError(
            "is not a churnlab model file",
            file=str(path),
            fix="give a file written by `churnlab train --model`",
        )
    version = manifest.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _damaged(path, ValueError(f"format_version {version!r}"))
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"was written by a newer churnlab (model format {version}; this churnlab reads up "
            f"to {FORMAT_VERSION})",
            file=str(path),
            fix="upgrade churnlab, or retrain the model",
        )
    problem = _manifest_problem(manifest)
    if problem:
        raise _damaged(path, ValueError(f"the manifest's {problem}"))
    try:
        _fitted(manifest)  # what is read from it later builds (a spec with unknown fields does not)
    except (KeyError, TypeError, ValueError) as exc:
        raise _damaged(path, exc) from None
    return manifest


def _finite(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


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
            and all(_finite(v) for v in calibration),
            "calibration is not a pair of finite numbers",
        ),
        (_finite(m.get("threshold")) and 0 <= m["threshold"] <= 1, "threshold is not in [0, 1]"),
        (_finite(m.get("base_rate")) and 0 <= m["base_rate"] <= 1, "base_rate is not in [0, 1]"),
        (isinstance(m.get("data_hash"), str), "data_hash is not text"),
        (
            isinstance(metrics, dict)
            and all(v is None or (isinstance(v, int | float) and not isinstance(v, bool))
                    for v in metrics.values()),
            "oof_metrics is not a mapping of numbers",
        ),
        (
            mean is None or (isinstance(mean, list) and all(_finite(v) for v in mean)),
            "encoded_mean is not a list of finite numbers",
        ),
        (
            isinstance(settings, dict)
            and settings.get("learner") in ("auto", "logistic", "boosting")
            and _whole(settings.get("folds"), 2)
            and (settings.get("random_state") is None or _whole(settings["random_state"], 0))
            and (settings.get("tune_rows") is None or _whole(settings["tune_rows"], 1)),
            "settings are not a learner, folds >= 2, a seed and a row count",
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
            or any(v is not None and not _finite(v) for v in (low, high))
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


def _refused(path: Path | str | os.PathLike[str], problem: str) -> ModelFileError:
    return ModelFileError(
        problem,
        file=str(path),
        fix="only load model files written by churnlab (`churnlab train`, `churnlab analyze`)",
    )


def _damaged(
    path: Path | str | os.PathLike[str], exc: BaseException, *, member: str | None = None
) -> ModelFileError:
    where = f" in {member}" if member else ""
    return ModelFileError(
        f"the model file is damaged{where} ({type(exc).__name__}: {exc})",
        file=str(path),
        fix="retrain the model with `churnlab train`",
    )


def _plain(value: Any) -> Any:
    """JSON for numpy scalars."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
