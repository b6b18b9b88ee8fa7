"""`churnlab contacts`: import staff's calls logged elsewhere, and export each month's calls."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.markup import escape

from churnlab.cli._common import FolderStoreOpt, IdOpt, err, handles_errors, read_members
from churnlab.data.atomic import refuse_overwriting_inputs
from churnlab.errors import UsageError, ValidationError

#: The file each month's contacts are exported to, in ``months/YYYY-MM/``.
CONTACTS_FILE = "contacts.csv"


@handles_errors
def contacts(
    data: Annotated[
        str | None,
        typer.Argument(
            help="A calls log to import: CSV, Parquet or XLSX with the member id, month "
            "(YYYY-MM), outcome (reached, no_answer, declined, accepted, not_contacted) and "
            "optionally note. Without it, only export.",
            show_default=False,
        ),
    ] = None,
    run: Annotated[
        Path, typer.Option("--run", help="The club's folder, from `churnlab analyze --out`.")
    ] = Path("churnlab-report"),
    month_: Annotated[
        str | None,
        typer.Option(
            "--month", help="Export this month's contacts (default: the months imported)."
        ),
    ] = None,
    id_col: IdOpt = None,
    store_url: FolderStoreOpt = None,
) -> None:
    """Import staff's calls from a file, and write each month's contacts.csv."""
    from churnlab.data.validate import imported_id_column
    from churnlab.data.write import write_table
    from churnlab.store import Store, check_month
    from churnlab.store.contacts import check_contacts
    from churnlab.store.folder import ID_FILE, ClubFolder

    folder = ClubFolder(run)
    if not (folder.path / ID_FILE).is_file():
        raise UsageError(
            f"{str(run)!r} is not a club's folder: {ID_FILE} is missing",
            fix="give the --out folder of `churnlab analyze` (run it again with this churnlab "
            "if the folder is older)",
        )
    if data is None and month_ is None:
        raise UsageError(
            "nothing to do: give a calls log to import, or --month YYYY-MM to export",
            fix="e.g. churnlab contacts calls.csv --run club/",
        )
    months = [check_month(month_)] if month_ is not None else []
    store = Store(folder.history_url(store_url), club=folder.id)
    if data is not None:
        frame, source = read_members(data)
        known_id = _club_id_column(folder.path)
        known = [known_id] if known_id else []
        checked = check_contacts(frame, id_col=id_col, source=source, known_ids=known)
        column = imported_id_column(frame, id_col, source, known, what="contacts")
        _refuse_strangers(checked, store.known_members(), source, column)
        refuse_overwriting_inputs(
            {
                f"the export of {m}": folder.month_dir(m) / CONTACTS_FILE
                for m in sorted(set(checked["month"]))
            },
            [data],
        )
        recorded = store.record_contacts(checked, source=source, replace=True)
        err.print(
            f"recorded {recorded:,} contacts from {escape(source)} "
            "(an earlier import of the same file is replaced)"
        )
        months = sorted(set(months) | set(checked["month"]))
    for month in months:
        path = folder.month_dir(month) / CONTACTS_FILE
        found = store.contacts(month=month)
        table = found.rename(columns={"created": "recorded"})[
            ["member", "month", "outcome", "note", "recorded", "source"]
        ]
        write_table(table, path)
        err.print(f"{len(table):,} contacts of {month} -> [bold]{escape(str(path))}[/]")


def _club_id_column(folder: Path) -> str | None:
    """The member id column the club's months used, from the latest month.json."""
    import json

    for summary in sorted(folder.glob("months/*/month.json"), reverse=True):
        try:
            return str(json.loads(summary.read_text(encoding="utf-8")).get("id_col") or "")
        except (OSError, ValueError):
            continue
    return None


def _refuse_strangers(checked: pd.DataFrame, known: set[str], source: str, column: str) -> None:
    """Contacts of members the club's history has never scored are a typo, or another club's."""
    strange = ~checked["member"].isin(known)
    if strange.any():
        rows = checked.index[strange]
        raise ValidationError(
            pd.DataFrame(
                {
                    "row": rows,
                    "column": column,
                    "value": checked.loc[rows, "member"].to_numpy(),
                    "reason": "no such member in the club's history",
                }
            ),
            file=source,
            fix="check the ids (they must be the ids of the club's monthly snapshots); nothing "
            "was recorded",
        )
