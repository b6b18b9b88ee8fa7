"""The spreadsheets a marketer opens: ``plan.xlsx`` laid out for people, in their language.

Machine names stay in the CSV files; the Excel file gets readable headers
(:data:`churnlab.report.month_text.HEADERS`), percentages, money with the currency, the member id
kept as text, and the campaign's groups in words.
"""

from __future__ import annotations

import pandas as pd

from churnlab.data.write import Sheet
from churnlab.report.month_text import HEADERS

__all__ = ["GROUP_WORDS", "for_people", "plan_sheet"]


#: The groups as people read them in plan.xlsx.
GROUP_WORDS = {
    "en": {"contact": "call", "control": "hold back (control)"},
    "ru": {"contact": "звонок", "control": "не звонить (контроль)"},
}


def plan_sheet(campaign: pd.DataFrame, *, lang: str, currency: str, id_col: str | None) -> Sheet:
    """The layout of ``plan.xlsx``: readable headers in `lang`, probabilities as percentages,
    money with the currency, the member id kept as text."""
    headers = HEADERS.get(lang, HEADERS["en"])
    return Sheet(
        name={"ru": "План удержания"}.get(lang, "Retention plan"),
        headers={c: headers[c] for c in campaign.columns if c in headers},
        percent=["churn_probability"],
        money=["expected_cost", "expected_saving", "expected_net"],
        currency=currency,
        text=[id_col] if id_col else [],
    )


def for_people(campaign: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The campaign as ``plan.xlsx`` shows it: the groups in words."""
    if "group" not in campaign.columns:
        return campaign
    words = GROUP_WORDS.get(lang, GROUP_WORDS["en"])
    return campaign.assign(group=campaign["group"].map(words).fillna(campaign["group"]))
