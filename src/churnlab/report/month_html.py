"""A month's ``report.html``: who is at risk this month, whom to call, what changed, and how
last month went.

:func:`render_month` turns a :class:`~churnlab.analysis.month.MonthRun` into one self-contained
page (inline CSS shared with the analysis report, no script, nothing loaded from anywhere),
in the month's language, every value escaped by the template. Its review of last month is laid
out by :mod:`churnlab.report.month_review`; what the members are worth and whom to call first
(and why) by :mod:`churnlab.report.value_view`, as in the analysis report.
"""

from __future__ import annotations

import pandas as pd

from churnlab._version import __version__
from churnlab.analysis.month import MonthRun
from churnlab.report.formats import date_text
from churnlab.report.i18n import TEXT
from churnlab.report.month_page import MonthPage
from churnlab.report.month_review import any_measured, review_view, success_texts
from churnlab.report.pages import environment
from churnlab.report.value_view import ranking_view, value_view

__all__ = ["FIRST_CALLS", "render_month"]

#: Calls listed on the page (the rest are in plan.xlsx).
FIRST_CALLS = 30


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
    page = MonthPage(lang, club=club, currency=currency)
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
    groups = s["plan"].get("target_groups") or []
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
        "review": review_view(s.get("review"), page),
        "success": success_texts(groups, page),
        "any_measured": any_measured(groups),
        "value": value_view(s.get("value"), s.get("segments") or [], page),
        "ranking": ranking_view(s["plan"], page),
    }
    return environment().get_template("month.html.j2").render(**context)


def _first_reason(members: pd.DataFrame, row: int) -> str:
    found = members.loc[members["row"] == row, "reason_1"]
    value = found.iloc[0] if len(found) else None
    return str(value) if isinstance(value, str) and value else "—"
