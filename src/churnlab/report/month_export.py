"""Write a month's folder (``months/YYYY-MM/``): scores, the plan for staff, the page, month.json.

Every CSV starts with a UTF-8 byte-order mark and has formulas neutralised
(:func:`churnlab.data.write.write_table`); ``plan.xlsx`` is laid out for people
(:func:`churnlab.report.sheets.plan_sheet`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from churnlab.analysis.month import MonthRun
from churnlab.data.jsonable import strict
from churnlab.data.write import write_bytes, write_table
from churnlab.report.month_html import render_month
from churnlab.report.sheets import for_people, plan_sheet

__all__ = ["MONTH_OUTPUTS", "write_month"]

#: The files of a month's folder, by role.
MONTH_OUTPUTS = {
    "scores": "scores.csv",
    "plan_csv": "plan.csv",
    "plan_xlsx": "plan.xlsx",
    "report": "report.html",
    "month": "month.json",
    "rejects": "rejects.csv",
    # the scored members' features as given: the month's training rows once it is closed
    "members": "members.parquet",
}


def write_month(
    run: MonthRun, folder: str | os.PathLike[str], *, shown_as: str, club: bool
) -> dict[str, Path]:
    """Write the month's files into `folder` (each atomically); their paths, by role.

    Parameters
    ----------
    run : MonthRun
    folder : path-like
        Where to write them (the month's folder, or a staging folder standing for it).
    shown_as : str
        The club's folder as the page names it.
    club : bool
        Whether the table is a fitness club's (the club's wording on the page).
    """
    folder = Path(folder)
    paths = {role: folder / name for role, name in MONTH_OUTPUTS.items()}
    economics = run.summary["plan"].get("economics", {})
    write_table(run.members, paths["scores"])
    write_table(run.campaign, paths["plan_csv"])
    sheet = plan_sheet(
        run.campaign,
        lang=run.summary["lang"],
        currency=str(economics.get("currency") or ""),
        id_col=run.id_col,
    )
    write_table(for_people(run.campaign, run.summary["lang"]), paths["plan_xlsx"], sheet=sheet)
    write_table(run.rejects, paths["rejects"])
    write_table(run.snapshot, paths["members"])
    text = json.dumps(strict(run.summary), ensure_ascii=False, indent=2, allow_nan=False)
    write_bytes((text + "\n").encode("utf-8"), paths["month"])
    page = render_month(run, folder=shown_as, files=list(MONTH_OUTPUTS.values()), club=club)
    write_bytes(page.encode("utf-8"), paths["report"])
    return paths
