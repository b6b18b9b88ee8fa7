"""Hostile model files: each is refused before anything in it runs, and nothing is written.

Every crafted file starts from a genuine one (a model trained once per module) and changes one
thing: a node of the skops payload's ``schema.json``, a member name, a member's size, a number.
Where the manifest records digests, they are recomputed after the edit, so the check under test
is what refuses the file, not the digest.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import io
import json
import math
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from churnlab.cli import app
from churnlab.errors import ModelFileError
from churnlab.model.churn_model import ChurnModel
from churnlab.model.persist import LIMITS, load_model, load_scorer, read_manifest, save_model
from churnlab.model.trusted import TRUSTED_CLASSES, TRUSTED_FUNCTIONS

SRC = Path(__file__).resolve().parents[1] / "src"
GiB = 1 << 30

# --- genuine files, trained once ---------------------------------------------------------------


@pytest.fixture(scope="module")
def genuine(small_gym: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A spline-logistic model file, the members it scores, and a genuine segments payload."""
    from churnlab.data.spec import gym_spec
    from churnlab.insight.segment import Segmenter
    from churnlab.plan.playbook import load_playbook
    from churnlab.scoring.bundle import save_bundle

    folder = tmp_path_factory.mktemp("genuine")
    X, y = small_gym.drop(columns="Churn"), small_gym["Churn"]
    model = ChurnModel(gym_spec(), learner="logistic", folds=3, random_state=0).fit(X, y)
    path = save_model(model, folder / "genuine.churnlab")
    data = folder / "members.csv"
    X.head(50).to_csv(data, index=False)
    segmenter = Segmenter(gym_spec(), n_segments=3, n_bootstrap=0, n_init=2).fit(X)
    save_bundle(folder, segmenter, load_playbook())
    return {"model": path, "data": data, "segments": (folder / "segments.skops").read_bytes()}


def members_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zip_of(members: dict[str, bytes] | list[tuple[str, bytes]], *, deflate: bool = True) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    items = members.items() if isinstance(members, dict) else members
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, content in items:
            archive.writestr(name, content)
    return buffer.getvalue()


def with_digests(members: dict[str, bytes]) -> dict[str, bytes]:
    """The members with the manifest's digests recomputed (as an attacker would)."""
    manifest = json.loads(members["churnlab.json"])
    manifest["sha256"] = {
        n: hashlib.sha256(c).hexdigest() for n, c in members.items() if n != "churnlab.json"
    }
    return {**members, "churnlab.json": json.dumps(manifest).encode()}


Edit = Callable[[dict[str, Any], dict[str, bytes]], None]


def edited_schema(payload: bytes, edit: Edit) -> bytes:
    """A skops payload whose ``schema.json`` (and arrays) ``edit`` changed."""
    inner = members_of(payload)
    schema = json.loads(inner["schema.json"])
    edit(schema, inner)
    inner["schema.json"] = json.dumps(schema).encode()
    return zip_of(inner, deflate=False)


def model_with_payload(genuine: dict[str, Any], payload: bytes, *, deflate: bool = True) -> bytes:
    members = members_of(genuine["model"].read_bytes())
    return zip_of(with_digests({**members, "estimator.skops": payload}), deflate=deflate)


# --- crafted skops nodes -------------------------------------------------------------------------


def text_type() -> dict[str, Any]:
    return {"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode"}


def json_node(value: Any) -> dict[str, Any]:
    return {"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode",
            "content": json.dumps(value), "is_json": True}  # fmt: skip


def inject(schema: dict[str, Any], node: dict[str, Any]) -> None:
    """Add ``node`` as one more attribute of the payload's top object (or key of its dict)."""
    attrs = schema if schema["__loader__"] == "DictNode" else schema["content"]
    attrs["content"]["injected"] = node
    attrs["key_types"]["content"].append(text_type())


def array_node(inner: dict[str, bytes], values: np.ndarray) -> dict[str, Any]:
    name = "990001.npy"
    buffer = io.BytesIO()
    np.save(buffer, values, allow_pickle=False)
    inner[name] = buffer.getvalue()
    return {"__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode",
            "type": "numpy", "file": name}  # fmt: skip


EVIL = b"import os; os.system('echo owned')\n"


def write_call(target: Path) -> Callable[[dict[str, Any], dict[str, bytes]], None]:
    """A reduce/constructor node calling
    ``churnlab.data.write.write_bytes(attacker bytes, target)``: on load, a ``.pth`` file (run by
    every later Python start) would be written."""

    def edit(schema: dict[str, Any], inner: dict[str, bytes]) -> None:
        args = {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode",
                "content": [array_node(inner, np.frombuffer(EVIL, dtype=np.uint8)),
                            json_node(str(target))]}  # fmt: skip
        inject(schema, {"__class__": "write_bytes", "__module__": "churnlab.data.write",
                        "__loader__": "ConstructorFromReduceNode", "content": args})  # fmt: skip

    return edit


def method_call(target: Path) -> Callable[[dict[str, Any], dict[str, bytes]], None]:
    """``os.system`` reached as a method of ``churnlab.data.write``'s ``os``, used as a
    dictionary's key type, which skops calls on the key: ``touch target`` would run on load."""

    def edit(schema: dict[str, Any], inner: dict[str, bytes]) -> None:
        module = {"__class__": "os", "__module__": "churnlab.data.write", "__loader__": "TypeNode"}
        method = {"__class__": "os", "__module__": "churnlab.data.write",
                  "__loader__": "MethodNode",
                  "content": {"func": "system", "obj": module}}  # fmt: skip
        inject(schema, {
            "__class__": "dict", "__module__": "builtins", "__loader__": "DictNode",
            "key_types": {"__class__": "list", "__module__": "builtins", "__loader__": "ListNode",
                          "content": [method]},
            "content": {f"touch {target}": json_node(1)},
        })  # fmt: skip

    return edit


def function_node(target: Path) -> Callable[[dict[str, Any], dict[str, bytes]], None]:
    def edit(schema: dict[str, Any], inner: dict[str, bytes]) -> None:
        inject(schema, {"__class__": "write_bytes", "__module__": "churnlab.data.write",
                        "__loader__": "FunctionNode"})  # fmt: skip

    return edit


def old_protocol_function(target: Path) -> Callable[[dict[str, Any], dict[str, bytes]], None]:
    """skops protocol 0's function node, named as the one allowed function but taking the
    function it builds from other fields."""

    def edit(schema: dict[str, Any], inner: dict[str, bytes]) -> None:
        allowed = next(iter(TRUSTED_FUNCTIONS)).rsplit(".", 1)
        schema["protocol"] = 0
        content = {"module_path": "churnlab.data.write", "function": "write_bytes"}
        inject(schema, {"__class__": allowed[1], "__module__": allowed[0],
                        "__loader__": "FunctionNode", "content": content})  # fmt: skip

    return edit


def module_node(target: Path) -> Callable[[dict[str, Any], dict[str, bytes]], None]:
    def edit(schema: dict[str, Any], inner: dict[str, bytes]) -> None:
        inject(
            schema,
            {"__class__": "os", "__module__": "churnlab.data.write", "__loader__": "TypeNode"},
        )

    return edit


def foreign_class(module: str, name: str) -> Callable[[Path], Callable[..., None]]:
    def crafted(target: Path) -> Callable[[dict[str, Any], dict[str, bytes]], None]:
        def edit(schema: dict[str, Any], inner: dict[str, bytes]) -> None:
            inject(schema, {"__class__": name, "__module__": module, "__loader__": "ObjectNode"})

        return edit

    return crafted


NODES: dict[str, tuple[Callable[[Path], Callable[..., None]], str]] = {
    "reduce call of churnlab.data.write.write_bytes": (
        write_call,
        "call of churnlab.data.write.write_bytes",
    ),
    "method os.system via churnlab.data.write": (
        method_call,
        "method churnlab.data.write.os.system",
    ),
    "function churnlab.data.write.write_bytes": (
        function_node,
        "function churnlab.data.write.write_bytes",
    ),
    "protocol-0 function node": (old_protocol_function, "skops protocol 0"),
    "module os via churnlab.data.write": (module_node, "type churnlab.data.write.os"),
    "churnlab class outside the list": (
        foreign_class("churnlab.model.learners", "SplineLogistic"),
        "class churnlab.model.learners.SplineLogistic",
    ),
    "sklearn class outside the list": (
        foreign_class("sklearn.tree._classes", "DecisionTreeClassifier"),
        "class sklearn.tree._classes.DecisionTreeClassifier",
    ),
}


@pytest.mark.parametrize("case", NODES)
def test_crafted_nodes_are_refused_and_nothing_runs(
    case: str, genuine: dict[str, Any], tmp_path: Path
) -> None:
    craft, fragment = NODES[case]
    target = tmp_path / "site-packages" / "owned.pth"
    path = tmp_path / "crafted.churnlab"
    payload = members_of(genuine["model"].read_bytes())["estimator.skops"]
    path.write_bytes(model_with_payload(genuine, edited_schema(payload, craft(target))))
    before = files_in(tmp_path)
    for load in (load_model, load_scorer):
        with pytest.raises(ModelFileError, match=r"does not load|churnlab reads") as info:
            load(path)
        assert fragment in str(info.value) and str(path) in str(info.value)
    assert not target.exists() and not (tmp_path / "site-packages").exists()
    assert files_in(tmp_path) == before


SEGMENT_CASES = [
    "reduce call of churnlab.data.write.write_bytes",
    "method os.system via churnlab.data.write",
    "churnlab class outside the list",
]


@pytest.mark.parametrize("case", SEGMENT_CASES)
def test_crafted_segments_are_refused(case: str, genuine: dict[str, Any], tmp_path: Path) -> None:
    """The segments of a run folder (``churnlab serve --run``) go through the same checks."""
    from churnlab.scoring.bundle import load_bundle

    craft, fragment = NODES[case]
    target = tmp_path / "owned.pth"
    (tmp_path / "model.churnlab").write_bytes(genuine["model"].read_bytes())
    (tmp_path / "summary.json").write_text("{}")
    (tmp_path / "segments.skops").write_bytes(edited_schema(genuine["segments"], craft(target)))
    before = files_in(tmp_path)
    with pytest.raises(ModelFileError, match="does not load") as info:
        load_bundle(run=tmp_path)
    assert fragment in str(info.value) and "segments.skops" in str(info.value)
    assert not target.exists() and files_in(tmp_path) == before


def test_serve_refuses_crafted_segments(
    genuine: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    served: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: served.append(args))
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "owned.pth"
    run = tmp_path / "run"
    run.mkdir()
    (run / "model.churnlab").write_bytes(genuine["model"].read_bytes())
    (run / "summary.json").write_text("{}")
    (run / "segments.skops").write_bytes(edited_schema(genuine["segments"], write_call(target)))
    before = files_in(tmp_path)
    result = CliRunner().invoke(app, ["serve", "--run", "run"])
    assert_refused(result, "segments.skops")
    assert served == [] and not target.exists() and files_in(tmp_path) == before


def test_the_allow_list_names_the_classes_churnlab_uses() -> None:
    """Exact names: a library that moves a class must show up here, not as refused models."""
    from churnlab.model.features import BehaviourMetrics
    from churnlab.model.learners import CategoryColumns

    legacy = {"churnlab.features.BehaviourMetrics", "churnlab.learners.CategoryColumns"}
    for name in (TRUSTED_CLASSES | TRUSTED_FUNCTIONS) - legacy:
        module, _, attr = name.rpartition(".")
        assert callable(getattr(importlib.import_module(module), attr)), name
    assert {
        "churnlab.model.features.BehaviourMetrics",
        "churnlab.model.learners.CategoryColumns",
        *legacy,  # the same classes, as files written before the layers name them
    } == {c for c in TRUSTED_CLASSES if c.startswith("churnlab.")}
    assert BehaviourMetrics.__module__ + ".BehaviourMetrics" in TRUSTED_CLASSES
    assert CategoryColumns.__module__ + ".CategoryColumns" in TRUSTED_CLASSES


def test_genuine_files_of_every_kind_load(telco: pd.DataFrame, tmp_path: Path) -> None:
    """Categories, missing values, both learners and the segments: all within the allow-list."""
    from churnlab.data.infer import infer_spec
    from churnlab.insight.segment import Segmenter
    from churnlab.model.trusted import load_trusted
    from churnlab.plan.playbook import load_playbook
    from churnlab.scoring.bundle import save_bundle

    frame = telco.head(600)
    spec = infer_spec(frame, target_col="Churn")
    X, y = frame.drop(columns="Churn"), (frame["Churn"] == "Yes").astype(int)
    for learner in ("logistic", "boosting"):
        model = ChurnModel(spec, learner=learner, folds=3).fit(X, y)
        loaded = load_model(save_model(model, tmp_path / f"{learner}.churnlab"))
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    save_bundle(tmp_path, Segmenter(spec, n_segments=3, n_bootstrap=0, n_init=2).fit(X),
                load_playbook())  # fmt: skip
    pieces = load_trusted(tmp_path / "segments.skops")
    assert set(pieces) == {"encoder", "kmeans", "segment_of_cluster"}


# --- archives: names and members ---------------------------------------------------------------


def with_member(name: str, content: bytes = b"x") -> Callable[[dict[str, Any]], bytes]:
    def build(genuine: dict[str, Any]) -> bytes:
        members = members_of(genuine["model"].read_bytes())
        return zip_of([*with_digests(members).items(), (name, content)])

    return build


def inner_member(name: str) -> Callable[[dict[str, Any]], bytes]:
    def build(genuine: dict[str, Any]) -> bytes:
        inner = members_of(members_of(genuine["model"].read_bytes())["estimator.skops"])
        payload = zip_of([*inner.items(), (name, b"x")], deflate=False)
        return model_with_payload(genuine, payload)

    return build


ARCHIVES: dict[str, tuple[Callable[[dict[str, Any]], bytes], str]] = {
    "member ../escape": (with_member("../../escape.pth"), "a path, not a member name"),
    "member /absolute": (with_member("/tmp/absolute.pth"), "a path, not a member name"),
    "member with a drive": (with_member("C:evil.pth"), "a path, not a member name"),
    "member with backslashes": (with_member("..\\evil.pth"), "a path, not a member name"),
    "manifest twice": (with_member("churnlab.json", b"{}"), "more than once"),
    "unexpected member": (with_member("sitecustomize.py"), "members churnlab never writes"),
    "payload member ../escape": (inner_member("../escape.npy"), "a path, not a member name"),
    "unexpected payload member": (inner_member("12345.npy"), "its schema never uses"),
}


@pytest.mark.parametrize("case", ARCHIVES)
def test_archive_members_are_checked(case: str, genuine: dict[str, Any], tmp_path: Path) -> None:
    build, fragment = ARCHIVES[case]
    path = tmp_path / "crafted.churnlab"
    with pytest.warns(UserWarning) if "twice" in case else contextlib.nullcontext():
        path.write_bytes(build(genuine))
    loaders = [load_model, load_scorer] + ([] if "payload" in case else [read_manifest])
    for load in loaders:
        with pytest.raises(ModelFileError, match=fragment):
            load(path)
    assert files_in(tmp_path) == {"crafted.churnlab"}


# --- bombs -------------------------------------------------------------------------------------


def zeros_stream(size: int) -> bytes:
    """A raw deflate stream inflating to ``size`` zero bytes (a whole number of MiB), built from
    one compressed MiB repeated: a gigabyte costs a millisecond to make."""
    mib = 1 << 20
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(mib)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * (size // mib) + compressor.flush()


def raw_zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip archive of (name, deflate stream, declared size, CRC) written by hand, so a member
    can declare any size."""
    out, directory = io.BytesIO(), io.BytesIO()
    for name, stream, size, crc in entries:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(stream),
                              size, len(encoded), 0) + encoded + stream)  # fmt: skip
        directory.write(struct.pack("<4s6H3L5HLL", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc,
                                    len(stream), size, len(encoded), 0, 0, 0, 0, 0, offset)
                        + encoded)  # fmt: skip
    start = out.tell()
    out.write(directory.getvalue())
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                          len(directory.getvalue()), start, 0))  # fmt: skip
    return out.getvalue()


def deflated(content: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(content) + compressor.flush()


def bomb_model(genuine: dict[str, Any], name: str, size: int, *, declared: int | None = None,
               inner: bool = False) -> bytes:  # fmt: skip
    """The genuine model with member ``name`` (of the model, or of its skops payload when
    ``inner``) replaced by ``size`` zero bytes, declaring ``declared`` bytes."""
    members = members_of(genuine["model"].read_bytes())
    if inner:
        payload = members_of(members["estimator.skops"])
        others = [(n, deflated(c), len(c), zlib.crc32(c)) for n, c in payload.items() if n != name]
        bomb = raw_zip([(name, zeros_stream(size), declared or size, 0), *others])
        return model_with_payload(genuine, bomb, deflate=False)  # the bomb is the payload's
    others = [(n, deflated(c), len(c), zlib.crc32(c)) for n, c in members.items() if n != name]
    return raw_zip([(name, zeros_stream(size), declared or size, 0), *others])


BOMBS: dict[str, tuple[Callable[[dict[str, Any]], bytes], str]] = {
    "manifest of 3 GiB": (
        lambda g: bomb_model(g, "churnlab.json", 3 * GiB),
        "'churnlab.json' inflates to 3,221,225,472 bytes",
    ),
    "estimator of 3 GiB": (
        lambda g: bomb_model(g, "estimator.skops", 3 * GiB),
        "'estimator.skops' inflates to 3,221,225,472 bytes",
    ),
    "estimator within the size, compressed 1000 to 1": (
        lambda g: bomb_model(g, "estimator.skops", 250 << 20),
        "is compressed 1,0",
    ),
    "manifest declaring 2 KB, inflating to 3 GiB": (
        lambda g: bomb_model(g, "churnlab.json", 3 * GiB, declared=2048),
        "damaged",
    ),
    "skops schema of 3 GiB": (
        lambda g: bomb_model(g, "schema.json", 3 * GiB, inner=True),
        "'schema.json' inflates to 3,221,225,472 bytes",
    ),
}


@pytest.mark.parametrize("case", BOMBS)
def test_zip_bombs_are_refused_quickly_in_little_memory(
    case: str, genuine: dict[str, Any], tmp_path: Path
) -> None:
    build, fragment = BOMBS[case]
    path = tmp_path / "bomb.churnlab"
    path.write_bytes(build(genuine))
    assert path.stat().st_size < 4 << 20  # a few MB on disk
    # In a process of its own, its memory capped at 1.5 GB so that a loader that inflates the
    # bomb fails there rather than on the machine.
    program = f"""
import json, resource, sys, time, tracemalloc
resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))
from churnlab.model.persist import load_model
from churnlab.errors import ModelFileError
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
start = time.perf_counter()
try:
    load_model({str(path)!r})
    error = None
except ModelFileError as exc:
    error = str(exc)
except MemoryError:
    error = "MemoryError"
seconds = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1]
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) * 1024
print(json.dumps({{"error": error, "seconds": seconds, "traced": peak, "grown": grown}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"},
        timeout=120,
    )
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["error"] is not None and fragment in outcome["error"], outcome
    assert str(path) in outcome["error"]
    assert outcome["seconds"] < 1.0, outcome
    assert outcome["traced"] < 200 << 20 and outcome["grown"] < 200 << 20, outcome


def test_too_many_members_are_refused_before_the_directory_is_read(
    genuine: dict[str, Any], tmp_path: Path
) -> None:
    """An end record announcing more members than a payload may hold is refused as it is read."""
    payload = members_of(genuine["model"].read_bytes())["estimator.skops"]
    at = payload.rfind(b"PK\x05\x06")
    many = LIMITS["skops"].members + 1
    crafted = payload[: at + 8] + struct.pack("<2H", many, many) + payload[at + 12 :]
    path = tmp_path / "crafted.churnlab"
    path.write_bytes(model_with_payload(genuine, crafted))
    with pytest.raises(ModelFileError, match=f"holds {many:,} members"):
        load_model(path)


# --- digests and shapes ------------------------------------------------------------------------


def compiled_edit(edit: Callable[[dict[str, Any]], None], *, digests: bool = True) -> Callable:
    def build(genuine: dict[str, Any]) -> bytes:
        members = members_of(genuine["model"].read_bytes())
        data = json.loads(members["compiled.json"])
        edit(data)
        members["compiled.json"] = json.dumps(data).encode()  # NaN and Infinity as Python writes
        return zip_of(with_digests(members) if digests else members)

    return build


def manifest_edit(edit: Callable[[dict[str, Any]], None]) -> Callable:
    def build(genuine: dict[str, Any]) -> bytes:
        members = members_of(genuine["model"].read_bytes())
        manifest = json.loads(members["churnlab.json"])
        edit(manifest)
        members["churnlab.json"] = json.dumps(manifest).encode()
        return zip_of(members)

    return build


def without_compiled(genuine: dict[str, Any]) -> bytes:
    members = members_of(genuine["model"].read_bytes())
    del members["compiled.json"]
    return zip_of(members)


def nested_schema(genuine: dict[str, Any]) -> bytes:
    """A payload whose ``schema.json`` nests 100,000 lists deep."""
    schema = b"[" * 100_000 + b"]" * 100_000
    return model_with_payload(genuine, zip_of({"schema.json": schema}, deflate=False))


def first(data: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(t for t in data["linear"]["terms"] if t["type"] == kind)


def set_path(keys: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = keys.split(".")
        target = data
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[int(last) if isinstance(target, list) else last] = value

    return edit


def spline(edit: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    return lambda data: edit(first(data, "spline")["curve"])


def other_payload(genuine: dict[str, Any]) -> bytes:
    """The estimator of another model file in this one, the digests left as written."""
    members = members_of(genuine["model"].read_bytes())
    inner = members_of(members["estimator.skops"])
    schema = json.loads(inner["schema.json"])
    schema["content"]["content"]["verbose"] = json_node(True)
    inner["schema.json"] = json.dumps(schema).encode()
    return zip_of({**members, "estimator.skops": zip_of(inner, deflate=False)})


SHAPES: dict[str, tuple[Callable[[dict[str, Any]], bytes], str]] = {
    "intercept NaN": (
        compiled_edit(set_path("linear.intercept", math.nan)),
        "intercept is not finite",
    ),
    "intercept inf": (
        compiled_edit(set_path("linear.intercept", math.inf)),
        "intercept is not finite",
    ),
    "intercept as text": (
        compiled_edit(set_path("linear.intercept", "50")),
        "intercept is not a number",
    ),
    "a spline power inf": (
        compiled_edit(spline(lambda c: c["powers"][3].__setitem__(0, math.inf))),
        "is not finite",
    ),
    "terms cut short": (
        compiled_edit(lambda d: d["linear"]["terms"].pop()),
        "not one term per column",
    ),
    "a term twice": (
        compiled_edit(lambda d: d["linear"]["terms"].append(d["linear"]["terms"][0])),
        "more than one term",
    ),
    "spline starts unsorted": (
        compiled_edit(spline(lambda c: c["starts"].reverse())),
        "do not start at",
    ),
    "spline starts out of order": (
        compiled_edit(spline(lambda c: c["starts"].__setitem__(2, c["starts"][1]))),
        "not increasing",
    ),
    "spline powers of the wrong length": (
        compiled_edit(spline(lambda c: c["powers"][1].pop())),
        "intervals but coefficient lists",
    ),
    "calibration cut short": (
        compiled_edit(lambda d: d["calibration"].pop()),
        "calibration is not a (slope, intercept)",
    ),
    "unknown term type": (
        compiled_edit(lambda d: first(d, "binary").__setitem__("type", "eval")),
        "unknown term type",
    ),
    "a column never covered": (
        compiled_edit(lambda d: d["columns"].append("ghost")),
        "columns are not the features",
    ),
    "intercept 50, digests as written": (
        compiled_edit(set_path("linear.intercept", 50.0), digests=False),
        "the model file was changed after it was written (compiled.json",
    ),
    "estimator changed, digests as written": (other_payload, "changed after it was written"),
    "manifest calibration NaN": (
        manifest_edit(set_path("calibration.0", math.nan)),
        "calibration is not a pair of finite numbers",
    ),
    "manifest calibration of three": (
        manifest_edit(lambda m: m["calibration"].append(1.0)),
        "calibration is not a pair",
    ),
    "manifest threshold 1.5": (
        manifest_edit(set_path("threshold", 1.5)),
        "threshold is not in [0, 1]",
    ),
    "manifest base rate -1": (
        manifest_edit(set_path("base_rate", -1)),
        "base_rate is not in [0, 1]",
    ),
    "manifest feature of an unknown kind": (
        manifest_edit(set_path("spec.features.0.kind", "code")),
        "spec's feature",
    ),
    "manifest binary feature of three texts": (
        manifest_edit(set_path("spec.features.0.values", ["No", "Yes", "Maybe"])),
        "spec's feature",
    ),
    "manifest binary feature whose texts are one": (
        manifest_edit(set_path("spec.features.0.values", ["Yes", " yes"])),
        "spec's feature",
    ),
    "manifest feature with an unknown field": (
        manifest_edit(set_path("spec.features.0.code", "x")),
        "unexpected keyword argument",
    ),
    "compiled.json removed, digests as written": (
        without_compiled,
        "the model file was changed after it was written (compiled.json",
    ),
    "skops schema nested 100,000 deep": (nested_schema, "RecursionError"),
    "manifest digests not digests": (
        manifest_edit(set_path("sha256", {"estimator.skops": "0"})),
        "sha256 is not a mapping",
    ),
    # quoted in messages: one short line of text, or nothing
    "manifest source of two lines": (
        manifest_edit(set_path("source", "members.csv\n  fix: run rm -rf ~")),
        "source or created is not a short line of text",
    ),
    "manifest source a megabyte long": (
        manifest_edit(set_path("source", "x" * 1_000_001)),
        "source or created is not a short line of text",
    ),
    "manifest date not text": (
        manifest_edit(set_path("created", {"$": "x"})),
        "source or created is not a short line of text",
    ),
}


@pytest.mark.parametrize("case", SHAPES)
def test_edited_numbers_and_shapes_are_refused(
    case: str, genuine: dict[str, Any], tmp_path: Path
) -> None:
    build, fragment = SHAPES[case]
    path = tmp_path / "edited.churnlab"
    path.write_bytes(build(genuine))
    with pytest.raises(ModelFileError, match=r"damaged|changed after") as info:
        load_scorer(path)
    assert fragment in str(info.value) and str(path) in str(info.value)
    with pytest.raises(ModelFileError, match=r"damaged|changed after"):  # the same verdict
        load_model(path)


def test_files_without_digests_still_load(genuine: dict[str, Any], tmp_path: Path) -> None:
    """As written before digests were recorded; the other checks still apply to them."""
    members = members_of(genuine["model"].read_bytes())
    manifest = json.loads(members["churnlab.json"])
    assert set(manifest.pop("sha256")) == {"estimator.skops", "compiled.json"}
    path = tmp_path / "older.churnlab"
    path.write_bytes(zip_of({**members, "churnlab.json": json.dumps(manifest).encode()}))
    assert load_model(path).calibration_ == load_model(genuine["model"]).calibration_
    assert type(load_scorer(path)).__name__ == "ScoringModel"


# --- through the command line ------------------------------------------------------------------


def files_in(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def assert_refused(result: Result, *fragments: str) -> None:
    """Exit 2, one `error:` line naming the file (and its `fix:`), no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output, repr(result.exception))
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("error: ") and lines[1].startswith("  fix: "), result.stderr
    assert "Traceback" not in result.output and result.stdout == ""
    for fragment in fragments:
        assert fragment in " ".join(result.stderr.split()), (fragment, result.stderr)


def hostile(target: Path) -> dict[str, Callable[[dict[str, Any]], bytes]]:
    def node(craft: Callable[[Path], Callable[..., None]]) -> Callable[[dict[str, Any]], bytes]:
        def build(genuine: dict[str, Any]) -> bytes:
            payload = members_of(genuine["model"].read_bytes())["estimator.skops"]
            return model_with_payload(genuine, edited_schema(payload, craft(target)))

        return build

    def truncated(genuine: dict[str, Any]) -> bytes:
        data = genuine["model"].read_bytes()
        return data[: len(data) // 2]

    return {
        "function node": node(function_node),
        "reduce call node": node(write_call),
        "method node": node(method_call),
        "module node": node(module_node),
        "class outside the list": node(foreign_class("churnlab.model.learners", "SplineLogistic")),
        "path traversal": ARCHIVES["member ../escape"][0],
        "manifest bomb": BOMBS["manifest of 3 GiB"][0],
        "estimator bomb": BOMBS["estimator of 3 GiB"][0],
        "edited arithmetic": SHAPES["intercept NaN"][0],
        "edited arithmetic, digests as written": SHAPES["intercept 50, digests as written"][0],
        "truncated": truncated,
    }


HOSTILE = list(hostile(Path("unused")))


@pytest.mark.parametrize("reasons", [False, True], ids=["scores", "reasons"])
@pytest.mark.parametrize("case", HOSTILE)
def test_churnlab_score_refuses_hostile_files_and_writes_nothing(
    case: str, reasons: bool, genuine: dict[str, Any], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHURNLAB_STORE", f"sqlite:///{tmp_path}/store.db")
    target = tmp_path / "owned.pth"
    (tmp_path / "crafted.churnlab").write_bytes(hostile(target)[case](genuine))
    (tmp_path / "members.csv").write_bytes(genuine["data"].read_bytes())
    before = files_in(tmp_path)
    args = ["score", "members.csv", "--model", "crafted.churnlab", "--out", "out.csv"]
    result = CliRunner().invoke(app, args + (["--reasons"] if reasons else []))
    assert_refused(result, "crafted.churnlab")
    assert files_in(tmp_path) == before  # no out.csv, no rejects, no store, no temporary file
    assert not target.exists()


def test_a_model_file_from_before_the_layers_loads(
    telco: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files written when the classes lived in churnlab.features and churnlab.learners name
    them so; they load, and score as the model did."""
    from churnlab.model import features, learners
    from churnlab.model.churn_model import ChurnModel
    from churnlab.model.persist import load_model, save_model

    model = ChurnModel(learner="boosting", folds=3).fit(
        telco.drop(columns="Churn"), (telco["Churn"] == "Yes").astype(int)
    )
    with monkeypatch.context() as old:  # write it as the old layout did
        old.setitem(sys.modules, "churnlab.features", features)
        old.setitem(sys.modules, "churnlab.learners", learners)
        old.setattr(features.BehaviourMetrics, "__module__", "churnlab.features")
        old.setattr(learners.CategoryColumns, "__module__", "churnlab.learners")
        save_model(model, tmp_path / "old.churnlab")
    with zipfile.ZipFile(tmp_path / "old.churnlab") as outer:
        inner = zipfile.ZipFile(io.BytesIO(outer.read("estimator.skops")))
        schema = inner.read("schema.json").decode()
    assert "churnlab.learners" in schema and "churnlab.model.learners" not in schema
    monkeypatch.delitem(sys.modules, "churnlab.learners", raising=False)
    monkeypatch.delitem(sys.modules, "churnlab.features", raising=False)
    again = load_model(tmp_path / "old.churnlab")
    frame = telco.drop(columns="Churn").head(50)
    np.testing.assert_array_equal(again.predict_proba(frame), model.predict_proba(frame))
