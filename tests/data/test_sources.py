"""churnlab.data.sources: a source named for messages, its password masked."""

from __future__ import annotations

import os
from pathlib import Path

from churnlab.data.sources import source_name


def test_source_name_masks_password():
    assert source_name("postgresql://user:s3cret@host:5432/db") == (
        "postgresql://user:***@host:5432/db"
    )
    assert source_name("sqlite:///m.db") == "sqlite:///m.db"
    assert source_name(Path("data") / "m.csv") == os.path.join("data", "m.csv")
