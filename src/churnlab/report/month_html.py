"""A month's ``report.html``: who is at risk this month, whom to call, what changed.

:func:`render_month` turns a :class:`~churnlab.analysis.month.MonthRun` into one self-contained
page (inline CSS shared with the analysis report, no script, nothing loaded from anywhere),
in the month's language, every value escaped by the template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from churnlab._version import __version__
from churnlab.analysis.month import MonthRun
from churnlab.report.formats import PageFormats, date_text
from churnlab.report.i18n import TEXT, t
from churnlab.report.month_text import MONTH_TEXT
from churnlab.report.pages import environment

__all__ = ["FIRST_CALLS", "render_month"]

#: Calls listed on the page (the rest are in plan.xlsx).
FIRST_CALLS = 30


@dataclass
class _MonthPage(PageFormats):
    """The month page's formats: its own strings first, then the analysis report's."""

    def t(self, key: str, **fields: Any) -> str:
        texts = MONTH_TEXT.get(self.lang, MONTH_TEXT["en"])
        if key in texts:
            text = texts.get(f"{key}_club", texts[key]) if self.club else texts[key]
            return text.format(**fields) if fields else text
        return t(key, self.lang, club=self.club, **fields)


def render_month(run: MonthRun, *, folder: str, files: list[str], club: bool) -> str:
    """The month as one HTML page.

    Parameters
    ----------
    run : MonthRun
    folder : str
        The club's folder, as named on the command line.
    files : list of str
        The month's files, named in the footer.
    club : bool
        Whether the table is a fitness club's (the club's wording).
    """
    s = run.summary
    lang = s["lang"] if s["lang"] in TEXT else "en"
    currency = str(s["plan"].get("economics", {}).get("currency") or "")
    page = _MonthPage(lang, club=club, currency=currency)
    contact = run.campaign[run.campaign["group"] == "contact"]
    calls = [
        {
            "rank": int(row["rank"]),
            "member": str(row[run.id_col]),
            "p": page.pct(row["churn_probability"]),
            "p_share": float(row["churn_probability"]),
            "portrait": row.get("segment_name") or "—",
            "measure": row["measure_title"],
            "why": _first_reason(run.members, int(row["row"])),
        }
        for _, row in contact.head(FIRST_CALLS).iterrows()
    ]
    campaign = s["campaign"]
    context = {
        "lang": lang,
        "t": page.t,
        "num": page.num,
        "pct": page.pct,
        "money": page.money,
        "version": __version__,
        "s": s,
        "folder": folder,
        "created": date_text(str(s["created"])),
        "files": ", ".join(files),
        "calls": calls,
        "campaign": campaign,
        "share": page.pct(campaign["control_share"], 0),
        "changes": s["changes"],
    }
    return environment().get_template("month.html.j2").render(**context)


def _first_reason(members: pd.DataFrame, row: int) -> str:
    found = members.loc[members["row"] == row, "reason_1"]
    value = found.iloc[0] if len(found) else None
    return str(value) if isinstance(value, str) and value else "—"
