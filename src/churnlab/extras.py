"""churnlab's optional parts: what each installs, and the hint when one is missing.

The core (``pip install churnlab``) analyses, trains, scores, plans and reports on one machine.
Three parts are optional, as ``pip install 'churnlab[PART]'``:

- ``service``: ``churnlab serve``, the API and the staff dashboard (FastAPI, uvicorn, and the
  API documentation's own scripts, served offline);
- ``dask``: ``--engine dask``, data bigger than one machine (Dask's dataframes and its
  distributed scheduler);
- ``postgres``: a PostgreSQL source or run history (``postgresql://`` URLs; psycopg 3).

``churnlab[all]`` installs the three. :func:`require` is called where a part is first needed,
so a missing part is a :class:`MissingPartError` naming the command to install it, not a
``ModuleNotFoundError`` from deep inside.

Examples
--------
>>> require("service", "churnlab serve")  # installed here
>>> sorted(PARTS)
['dask', 'postgres', 'service']
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.util import find_spec

from churnlab.errors import MissingPartError

__all__ = ["PARTS", "Part", "missing_modules", "require"]


@dataclass(frozen=True)
class Part:
    """One optional part: the modules it installs, and what they are, in words."""

    modules: tuple[str, ...]
    what: str


#: The optional parts, by their extra's name in ``pyproject.toml``.
PARTS: dict[str, Part] = {
    "service": Part(("fastapi", "uvicorn", "fastapi_offline"), "FastAPI and uvicorn"),
    "dask": Part(("dask", "distributed", "dask.dataframe"), "Dask"),
    "postgres": Part(("psycopg",), "psycopg, the PostgreSQL driver"),
}


def missing_modules(part: str) -> list[str]:
    """The modules of ``part`` that cannot be imported here (none when it is installed)."""
    missing = []
    for module in PARTS[part].modules:
        try:
            found = find_spec(module) is not None
        except (ImportError, ValueError):  # a parent package missing, or blocked
            found = False
        if not found:
            missing.append(module)
    return missing


def require(part: str, purpose: str) -> None:
    """Raise :class:`MissingPartError` unless the optional ``part`` is installed.

    Parameters
    ----------
    part : {"service", "dask", "postgres"}
        The optional part.
    purpose : str
        What needs it, as the user asked for it: ``"churnlab serve"``, ``"--engine dask"``.
    """
    missing = missing_modules(part)
    if missing:
        raise MissingPartError(
            f"{purpose} needs churnlab's optional part {part!r} ({PARTS[part].what}), which is "
            f"not installed here (no module {', '.join(repr(m) for m in missing)})",
            fix=f"pip install 'churnlab[{part}]' (or 'churnlab[all]' for every optional part)",
        )
