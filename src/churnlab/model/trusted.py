"""The skops allow-list: a skops payload is built only if every node of it is one churnlab writes.

:func:`check_payload` walks the payload's ``schema.json`` itself: every object must be one of the
estimator and transformer classes churnlab writes (:data:`TRUSTED_CLASSES`), every container and
array node one of the plain kinds, and no node may call or fetch code — functions, methods, calls
of a constructor, ``functools.partial``, ``operator`` getters, references to modules or to any type
but a handful of plain ones — with one exception: the array-conversion function SciPy's
``BSpline`` keeps (:data:`TRUSTED_FUNCTIONS`). Only then does :func:`loads_trusted` hand the
payload to skops, trusting exactly that list. The payload, itself a zip archive, is read within
:data:`PAYLOAD_LIMITS` (:mod:`churnlab.model.archive`).
"""

from __future__ import annotations

import importlib
import io
import json
import math
import os
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

from churnlab.model.archive import Limits, MiB, damaged, read_within, refused, unzip

__all__ = [
    "PAYLOAD_LIMITS",
    "TRUSTED_CLASSES",
    "TRUSTED_FUNCTIONS",
    "build_checked",
    "check_payload",
    "load_trusted",
    "loads_trusted",
]

#: The bounds on a skops payload: the ``estimator.skops`` member of a model file, or a
#: ``segments.skops`` file (see :data:`churnlab.model.persist.LIMITS` for what was measured).
PAYLOAD_LIMITS = Limits(members=20_000, sizes={"*": 256 * MiB}, total=256 * MiB)

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
_SCHEMA = "schema.json"
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


def loads_trusted(payload: bytes, path: str | os.PathLike[str], *, what: str = "the model") -> Any:
    """Rebuild a skops payload, refusing everything that is not on churnlab's allow-list.

    The payload (a zip archive) is bounded as :data:`PAYLOAD_LIMITS` says, its
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
    return build_checked(payload, path, what)


def load_trusted(path: str | os.PathLike[str], *, what: str = "the file") -> Any:
    """:func:`loads_trusted` on a skops file (a ``segments.skops``), read within its bounds.

    Raises
    ------
    ModelFileError
        As :func:`loads_trusted`, or the file is missing or larger than a payload may be.
    """
    return loads_trusted(read_within(Path(path), PAYLOAD_LIMITS.total), path, what=what)


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
    members = unzip(
        payload, path, PAYLOAD_LIMITS, lambda n: n == _SCHEMA or bool(_NPY_NAME.fullmatch(n)),
        label=f"{what}'s skops payload",
    )  # fmt: skip
    if _SCHEMA not in members:
        raise damaged(path, KeyError(f"no {_SCHEMA} in the skops payload"))
    try:
        schema = json.loads(members[_SCHEMA])
    except (ValueError, RecursionError) as exc:
        raise damaged(path, exc) from None
    files = _check_schema(schema, path, what)
    arrays = set(members) - {_SCHEMA}
    if arrays - files:
        raise refused(path, f"{what}'s skops payload holds members its schema never uses: "
                       f"{', '.join(sorted(arrays - files))}")  # fmt: skip
    if files - arrays:
        raise damaged(
            path, KeyError(f"the skops payload lacks {', '.join(sorted(files - arrays))}")
        )
    for name in sorted(files):
        _check_npy(members[name], name, path)


def build_checked(payload: bytes, path: str | os.PathLike[str], what: str) -> Any:
    """skops' own loading of a payload :func:`check_payload` passed, trusting exactly our list."""
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    for old, (new, _) in _LEGACY_CLASSES.items():  # files from before the layers
        sys.modules.setdefault(old, importlib.import_module(new))
    try:
        return sio.loads(payload, trusted=_SKOPS_TRUSTED)
    except UntrustedTypesFoundException as exc:  # a second opinion: skops' own audit
        raise refused(path, f"{what} holds types churnlab does not load: {exc}") from None
    except Exception as exc:  # skops raises many kinds on damaged payloads
        raise damaged(path, exc) from None


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
        raise damaged(path, exc, member=name) from None
    if dtype.hasobject:
        raise refused(path, f"the array {name!r} holds Python objects, which churnlab never writes")
    expected = stream.tell() + math.prod(shape) * dtype.itemsize
    if expected != len(data):
        raise damaged(path, ValueError(f"its header says {expected:,} bytes, it has "
                                        f"{len(data):,}"), member=name)  # fmt: skip


def _check_schema(schema: Any, path: Path | str | os.PathLike[str], what: str) -> set[str]:
    """Check every node of a skops ``schema.json``; the array files it names.

    The whole tree is walked, every dictionary with a ``__loader__`` being a node whatever its
    place, so no node kind's layout needs to be known to find its children.
    """
    if not isinstance(schema, dict):
        raise damaged(path, TypeError("schema.json is not an object"))
    protocol = schema.get("protocol")
    if isinstance(protocol, bool) or protocol not in _SKOPS_PROTOCOLS:
        raise refused(path, f"{what} was saved with skops protocol {protocol!r}; churnlab reads "
                       f"{', '.join(map(str, _SKOPS_PROTOCOLS))}")  # fmt: skip
    untrusted: set[str] = set()
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
            untrusted.add(f"node {loader!r} of {module!r}.{name!r}")
            continue
        full = f"{module}.{name}"
        if loader == "MethodNode":  # the method it fetches from the object
            full += f".{(value.get('content') or {}).get('func')}"
        if full not in _NODES.get(loader, frozenset()):
            untrusted.add(f"{_CALLS.get(loader, loader)} {full}")
        if "file" in value:
            if not isinstance(value["file"], str):
                raise damaged(path, TypeError("an array's file name is not a string"))
            files.add(value["file"])
    if untrusted:
        raise refused(path, f"{what} holds types churnlab does not load: "
                       f"{', '.join(sorted(untrusted))}")  # fmt: skip
    return files
