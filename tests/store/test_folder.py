"""churnlab.store.folder: the club's folder, its id and where its history and months go."""

from __future__ import annotations

import json
import re

import pytest

from churnlab.errors import UsageError
from churnlab.store.folder import ClubFolder


def test_the_id_is_kept_once_written_and_new_until_then(tmp_path) -> None:
    folder = ClubFolder(tmp_path / "club")
    first = folder.id
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert ClubFolder(tmp_path / "club").id != first  # nothing written yet: another folder
    (tmp_path / "club").mkdir()
    (tmp_path / "club" / "club.json").write_bytes(folder.id_file())
    assert ClubFolder(tmp_path / "club").id == first
    record = json.loads((tmp_path / "club" / "club.json").read_text(encoding="utf-8"))
    assert record["id"] == first and "churnlab_version" in record


@pytest.mark.parametrize("text", ["{", '{"id": "../../etc"}', '["x"]', '{"id": 7}'])
def test_a_damaged_id_file_is_refused_with_the_fix(tmp_path, text: str) -> None:
    (tmp_path / "club.json").write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        _ = ClubFolder(tmp_path).id
    assert "club.json" in caught.value.message and "restore the file" in caught.value.message


def test_the_history_is_the_folders_own_unless_a_database_is_named(tmp_path, monkeypatch) -> None:
    folder = ClubFolder(tmp_path)
    monkeypatch.delenv("CHURNLAB_STORE", raising=False)
    assert folder.history_url(None) == f"duckdb:///{tmp_path}/history.duckdb" == folder.own_history
    monkeypatch.setenv("CHURNLAB_STORE", "sqlite:///shared.db")
    assert folder.history_url(None) == "sqlite:///shared.db"
    assert folder.history_url("postgresql://h/db") == "postgresql://h/db"
    assert folder.month_dir("2024-06") == tmp_path / "months" / "2024-06"


def test_a_huge_id_file_is_refused_unread(tmp_path) -> None:
    with open(tmp_path / "club.json", "wb") as handle:
        handle.truncate(1 << 30)
    with pytest.raises(UsageError, match="cannot read the club folder's id"):
        _ = ClubFolder(tmp_path).id
