"""The club's folder: what `churnlab analyze --out DIR` makes, and every month adds to.

DIR holds the model, the portraits, the playbook, the summary and the report of the analysis,
the club's own run history (``history.duckdb``, unless ``--store`` or ``CHURNLAB_STORE`` name a
shared database), one folder per month (``months/YYYY-MM/``), and ``club.json``: the folder's
id. Every row the folder's runs write to a history carries that id, so clubs that share one
database never see each other's members; the id stays the same when the analysis is run again
into the same folder.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from churnlab._version import __version__
from churnlab.errors import UsageError
from churnlab.store.connect import _ENV

__all__ = ["HISTORY", "ID_FILE", "MONTHS", "ClubFolder"]

#: The folder's id file.
ID_FILE = "club.json"
#: The folder's own run history, when no shared database is named.
HISTORY = "history.duckdb"
#: The folder of the monthly runs.
MONTHS = "months"

_ID = re.compile(r"[0-9a-f]{32}")


class ClubFolder:
    """A club's folder, by its path (it need not exist yet).

    Examples
    --------
    >>> import tempfile
    >>> folder = ClubFolder(tempfile.mkdtemp())
    >>> len(folder.id), folder.month_dir("2024-06").relative_to(folder.path).as_posix()
    (32, 'months/2024-06')
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"CHURNLAB_STORE": ""}):
    ...     folder.history_url(None) == f"duckdb:///{folder.path / 'history.duckdb'}"
    True
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"ClubFolder({str(self.path)!r})"

    @cached_property
    def id(self) -> str:
        """The folder's id: the one in ``club.json``, or a new one until that is written."""
        file = self.path / ID_FILE
        if not file.is_file():
            return uuid.uuid4().hex
        try:
            if file.stat().st_size > 65_536:  # an id file is some 120 bytes: never read a huge one
                raise ValueError("too large")
            known = json.loads(file.read_text(encoding="utf-8")).get("id")
        except (OSError, UnicodeDecodeError, ValueError, AttributeError) as exc:
            raise UsageError(
                f"cannot read the club folder's id ({exc.__class__.__name__})",
                file=str(file),
                fix="restore the file from a copy; without it the folder's history in a shared "
                "database cannot be told from other clubs'",
            ) from exc
        if not isinstance(known, str) or not _ID.fullmatch(known):
            raise UsageError(
                "the club folder's id is not 32 hexadecimal digits",
                file=str(file),
                fix="restore the file from a copy",
            )
        return known

    def id_file(self) -> bytes:
        """What ``club.json`` holds: the id, when it was written and by which churnlab."""
        record = {
            "id": self.id,
            "written": datetime.now(UTC).isoformat(timespec="seconds"),
            "churnlab_version": __version__,
        }
        return (json.dumps(record, indent=2) + "\n").encode("utf-8")

    @property
    def own_history(self) -> str:
        """The URL of the folder's own run history, a DuckDB file in it."""
        return f"duckdb:///{self.path / HISTORY}"

    def history_url(self, given: str | None) -> str:
        """The run history: `given` (``--store``), else ``CHURNLAB_STORE``, else the folder's
        own (:attr:`own_history`)."""
        return given or os.environ.get(_ENV, "").strip() or self.own_history

    def month_dir(self, month: str) -> Path:
        """Where the month's files go: ``months/YYYY-MM``."""
        return self.path / MONTHS / month
