"""The optional parts (``churnlab[service]``, ``[dask]``, ``[postgres]``): the core works without
them, and a command that needs a missing one says how to install it.

A part is "missing" in a fresh ``python`` whose ``sys.modules`` holds None for the part's
modules: Python's own way to make ``import fastapi`` fail, whatever is installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from churnlab.extras import PARTS

ROOT = Path(__file__).resolve().parents[1]

#: Every module of the optional parts, the top-level ones that a blocker must hide.
OPTIONAL_TOP = sorted({module.split(".")[0] for part in PARTS.values() for module in part.modules})


def _churnlab_without(
    blocked: list[str], *args: str, cwd: Path
) -> subprocess.CompletedProcess[str]:
    """`churnlab ARGS` in a fresh Python in which `blocked` cannot be imported; the run also
    prints which of the optional modules were imported (none can be)."""
    program = (
        "import sys\n"
        f"for name in {blocked!r}: sys.modules[name] = None\n"
        "from churnlab.cli import main\n"
        f"sys.argv = ['churnlab', *{list(args)!r}]\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        f"    loaded = [m for m in {OPTIONAL_TOP!r} if sys.modules.get(m) is not None]\n"
        "    print('LOADED', loaded, file=sys.stderr)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200"},
        timeout=600,
        check=False,
    )


def _pyproject() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def _name(text: str) -> str:
    return text.lower().replace("_", "-")


def _names(requirements: list[str]) -> set[str]:
    return {_name(Requirement(r).name) for r in requirements}


def _installed_by(requirements: list[str]) -> set[str]:
    """The distributions `requirements` install, with what their extras pull in (read from
    the installed distributions' metadata)."""
    found: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        requirement = todo.pop()
        name = _name(requirement.name)
        if name in found or name == "churnlab":
            continue
        found.add(name)
        for text in metadata.requires(requirement.name) or []:
            needed = Requirement(text)
            extras = requirement.extras or {""}
            if needed.marker is None or any(needed.marker.evaluate({"extra": e}) for e in extras):
                todo.append(needed)
    return found


def test_the_core_installs_none_of_the_optional_parts() -> None:
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    core = _names(project["dependencies"])
    extras = project["optional-dependencies"]
    assert set(PARTS) <= set(extras)
    # every module a part needs comes from a distribution its extra installs (the installed
    # distributions' own record of which modules they provide)
    provided_by = metadata.packages_distributions()
    for part, spec in PARTS.items():
        wanted = _installed_by(extras[part])
        for module in spec.modules:
            distributions = {_name(d) for d in provided_by[module.split(".")[0]]}
            assert distributions & wanted, (part, module, distributions, wanted)
            assert not distributions & core, (module, "is in the core dependencies")
    assert _names(extras["all"]) == {"churnlab"}
    assert Requirement(extras["all"][0]).extras == set(PARTS)
    assert "churnlab" in _names(extras["dev"])  # `make` installs every part


def test_the_main_job_runs_without_any_optional_part(tmp_path: Path, club_run_dir: Path) -> None:
    done = _churnlab_without(OPTIONAL_TOP, "analyze", "--out", "run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stderr
    # the same analysis as with every part installed (the session's in-process run)
    ours = json.loads((tmp_path / "run" / "summary.json").read_text())
    reference = json.loads((club_run_dir / "summary.json").read_text())
    assert ours["plan"] == reference["plan"]
    assert [s["size"] for s in ours["segments"]] == [s["size"] for s in reference["segments"]]
    assert (tmp_path / "run" / "report.html").stat().st_size > 100_000


_SCORE_ON_DASK = ["score", "members.parquet", "--engine", "dask", "--model", "m.skops"]
_POSTGRES = "postgresql://churn@localhost/club"
_POSTGRES_PURPOSE = "a PostgreSQL URL (postgresql+psycopg://churn@localhost/club)"


@pytest.mark.parametrize(
    ("part", "args", "purpose"),
    [
        ("service", ["serve", "--run", "club"], "churnlab serve"),
        ("dask", ["analyze", "members.parquet", "--engine", "dask"], "--engine dask"),
        ("dask", [*_SCORE_ON_DASK, "--out", "scores"], "--engine dask"),
        ("postgres", ["analyze", "--store", _POSTGRES, "--out", "run"], _POSTGRES_PURPOSE),
    ],
)
def test_a_command_needing_a_missing_part_says_how_to_install_it(
    tmp_path: Path, part: str, args: list[str], purpose: str
) -> None:
    (tmp_path / "club").mkdir()
    (tmp_path / "members.parquet").write_bytes(b"PAR1")
    (tmp_path / "m.skops").write_bytes(b"")
    before = set(tmp_path.rglob("*"))
    done = _churnlab_without(list(PARTS[part].modules[:1]), *args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    message = " ".join(done.stderr.split())
    assert message.startswith("error: "), done.stderr
    assert f"{purpose} needs churnlab's optional part '{part}'" in message
    assert f"fix: pip install 'churnlab[{part}]'" in message
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert set(tmp_path.rglob("*")) == before  # nothing written


def test_the_api_module_names_its_part_when_it_is_missing() -> None:
    program = (
        "import sys\nsys.modules['fastapi'] = None\n"
        "try:\n    import churnlab.api\n"
        "except ImportError as error:\n    print(type(error).__name__, error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.startswith("MissingPartError churnlab.api needs churnlab's optional part")
    assert "pip install 'churnlab[service]'" in done.stdout
