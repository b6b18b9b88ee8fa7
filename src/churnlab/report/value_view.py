"""What the members are worth, and whom to call first and why, as both pages show them.

The analysis report (:mod:`churnlab.report.html`) and the month's page
(:mod:`churnlab.report.month_html`) show the same two blocks from the same keys of
``summary.json`` / ``month.json``:

- :func:`value_view`: the members' value over the next 12 months, the value at risk next month,
  the mean expected months and staying chances, the assumption behind them in one sentence, and
  the portraits by the value at risk they carry;
- :func:`ranking_view`: what the campaign maximises (``plan["objective"]``) and how its first
  calls, ranked by the difference a call makes, compare with the first calls by risk alone
  (``plan["ranking"]``, from :func:`churnlab.plan.contact_value.ranking_change`).

A summary written before churnlab valued its members has neither key: the views are then None
and the pages leave the blocks out. Every figure is formatted here ("—" when missing) and
escaped by the template.

Examples
--------
>>> from churnlab.report.formats import PageFormats
>>> page = PageFormats("en", currency="USD")
>>> view = value_view({"member_value": 3133528.14, "value_at_risk": 325996.83, "stay_3m": 0.716,
...                    "stay_12m": 0.709, "expected_months_12": 8.5734, "discount": 0.0}, [], page)
>>> view["stats"][:2]
[('Members’ value over the next 12 months', '3,133,528\\xa0USD'),
 ('Value at risk next month', '325,997\\xa0USD')]
>>> value_view({}, [], page) is None
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from churnlab.plan.contact_value import CERTAIN_SHARE, NEAR_CERTAIN, SWAYED_UP_TO
from churnlab.report.formats import PageFormats, finite

__all__ = ["portrait_at_risk", "ranking_view", "value_view"]

#: The plan's objectives the pages can name.
OBJECTIVES = ("saving", "members")


def value_view(
    value: Mapping[str, Any] | None, segments: Sequence[Mapping[str, Any]], page: PageFormats
) -> dict[str, Any] | None:
    """The members' value block, or None for a summary without one.

    Parameters
    ----------
    value : dict or None
        ``summary["value"]``: ``member_value``, ``value_at_risk`` (totals), ``stay_3m``,
        ``stay_12m``, ``expected_months_12`` (means) and ``discount``.
    segments : list of dict
        The portraits (``id``, ``name``, ``size`` or ``members``, and the same value keys).
    page : PageFormats
        The page's language, wording and currency.

    Returns
    -------
    dict or None
        ``stats`` (label, figure) pairs, ``note``, ``assumption`` (one sentence),
        ``portraits`` (name, members, value, at_risk, share; most value at risk first; empty
        when no portrait has its value at risk).
    """
    if not isinstance(value, Mapping) or not finite(value.get("member_value")):
        return None
    months = value.get("expected_months_12")
    stats = [
        (page.t("value_total"), page.money(value.get("member_value"))),
        (page.t("value_at_risk"), page.money(value.get("value_at_risk"))),
        (
            page.t("value_months"),
            page.t("value_months_value", months=page.num(months, 1)) if finite(months) else "—",
        ),
        (page.t("value_stay_3m"), page.pct(value.get("stay_3m"))),
        (page.t("value_stay_12m"), page.pct(value.get("stay_12m"))),
    ]
    discount = _number(value.get("discount"))
    assumption = (
        page.t("value_assumption_discount", rate=page.pct(discount, 2))
        if discount is not None and discount > 0
        else page.t("value_assumption")
    )
    return {
        "stats": stats,
        "note": page.t("value_note"),
        "assumption": assumption,
        "portraits": _portraits(segments, value.get("value_at_risk"), page),
    }


def _portraits(
    segments: Sequence[Mapping[str, Any]], total: Any, page: PageFormats
) -> list[dict[str, str]]:
    if not any(finite(s.get("value_at_risk")) for s in segments):
        return []
    ranked = sorted(
        segments,
        key=lambda s: float(s["value_at_risk"]) if finite(s.get("value_at_risk")) else -1.0,
        reverse=True,
    )
    whole = _number(total)
    rows = []
    for s in ranked:
        at_risk = _number(s.get("value_at_risk"))
        share = at_risk / whole if whole and whole > 0 and at_risk is not None else None
        rows.append(
            {
                "name": str(s.get("name") or s.get("id", "—")),
                "members": page.num(s.get("size", s.get("members"))),
                "value": page.money(s.get("member_value")),
                "at_risk": page.money(at_risk),
                "share": page.pct(share, 0),
            }
        )
    return rows


def _number(value: Any) -> float | None:
    return float(value) if finite(value) else None


def portrait_at_risk(segment: Mapping[str, Any], page: PageFormats) -> str:
    """A portrait card's line: the value at risk next month ("—" when not known).

    >>> portrait_at_risk({"value_at_risk": 185931.09}, PageFormats("ru", currency="₽"))
    'под угрозой в следующем месяце: 185\\xa0931\\xa0₽'
    """
    return page.t("portrait_at_risk", value=page.money(segment.get("value_at_risk")))


def _objective(objective: Any, page: PageFormats) -> dict[str, str] | None:
    """What the campaign maximises, and the option that would rank by the other."""
    if objective not in OBJECTIVES:
        return None
    other = next(o for o in OBJECTIVES if o != objective)
    return {
        "text": page.t(f"objective_{objective}"),
        "switch": page.t(f"objective_switch_{objective}"),
        "option": f"--objective {other}",
    }


def _shared(shared: Any, page: PageFormats) -> str | None:
    if not finite(shared):
        return None
    if not int(shared):
        return page.t("ranking_shared_none")
    return page.t("ranking_shared", shared=page.num(shared))


def ranking_view(plan: Mapping[str, Any], page: PageFormats) -> dict[str, Any] | None:
    """Whom to call first and why it changed, or None for a plan without its ranking.

    Parameters
    ----------
    plan : dict
        ``summary["plan"]`` / ``month.json["plan"]``: ``objective`` and ``ranking`` =
        ``{"first", "before": {...}, "now": {...}, "shared", "reason"}``, each list with its
        ``members``, ``mean_probability``, ``near_certain``, ``expected_kept`` and
        ``expected_net``.
    page : PageFormats

    Returns
    -------
    dict or None
        ``objective`` (``text``, ``switch`` and the ``option`` that ranks by the other, or None
        when the plan names none), ``sentence`` (the first
        calls by risk against the first calls now), ``shared``, ``rule`` (how the difference a
        call makes is judged), and the comparison table: ``head`` and ``rows`` of
        (label, by risk, now).

    Examples
    --------
    >>> ranking = {"first": 50, "shared": 0, "reason": "futility",
    ...            "before": {"members": 50, "mean_probability": 0.99, "near_certain": 50,
    ...                       "expected_kept": 2.5135, "expected_net": -421.68},
    ...            "now": {"members": 50, "mean_probability": 0.53, "near_certain": 0,
    ...                    "expected_kept": 5.5015, "expected_net": 10402.94}}
    >>> view = ranking_view({"objective": "saving", "ranking": ranking}, PageFormats("en"))
    >>> print(view["sentence"])
    Ranked by risk alone, the first 50 calls would go to members almost sure to leave (50 of
    50 at 90% or more), whom a call rarely sways. Ranked by the difference a call makes, the
    first 50 calls keep 5.5 members instead of 2.5, and 10,403 net instead of −422.
    >>> ranking_view({"objective": "saving"}, PageFormats("en")) is None
    True
    """
    ranking = plan.get("ranking")
    if not isinstance(ranking, Mapping):
        return None
    before, now = ranking.get("before"), ranking.get("now")
    if not isinstance(before, Mapping) or not isinstance(now, Mapping):
        return None
    if not finite(now.get("members")) or not int(now["members"]):
        return None
    level = page.pct(NEAR_CERTAIN, 0)
    figures = {
        "before": page.num(before.get("members")),
        "now": page.num(now.get("members")),
        "near": page.num(before.get("near_certain")),
        "kept": page.num(now.get("expected_kept"), 1),
        "kept_before": page.num(before.get("expected_kept"), 1),
        "net": page.money(now.get("expected_net")),
        "net_before": page.money(before.get("expected_net")),
    }
    futile = ranking.get("reason") == "futility"
    sentence = page.t("ranking_futility" if futile else "ranking_same", level=level, **figures)
    objective = plan.get("objective")
    shared = ranking.get("shared")

    def row(label: str, key: str, show: Any) -> tuple[str, str, str]:
        return (label, show(before.get(key)), show(now.get(key)))

    return {
        "objective": _objective(objective, page),
        "sentence": sentence,
        "shared": _shared(shared, page),
        "rule": page.t(
            "ranking_rule",
            swayed=page.pct(SWAYED_UP_TO, 0),
            share=page.pct(CERTAIN_SHARE, 0),
        ),
        "head": (
            page.t("ranking_first", n=page.num(ranking.get("first"))),
            page.t("ranking_by_risk"),
            page.t("ranking_by_difference"),
        ),
        "rows": [
            row(page.t("ranking_calls"), "members", page.num),
            row(page.t("ranking_mean_p"), "mean_probability", page.pct),
            row(page.t("ranking_near", level=level), "near_certain", page.num),
            row(page.t("ranking_kept"), "expected_kept", lambda v: page.num(v, 1)),
            row(page.t("ranking_net"), "expected_net", page.money),
        ],
    }
