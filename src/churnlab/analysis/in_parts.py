"""The main job on a table in parts: each part analysed alone, the whole summed from the parts.

:func:`analyze` fits its model and segments on every member at once. A table bigger than one
machine is analysed in parts (a Dask partition each) with a model and segments fitted
already, e.g. on a sample of it (:func:`churnlab.analysis.analyze.analyze` of the sample):

- :func:`analyze_part` scores, explains, places and prices one part's members and returns
  what the whole needs of them (:class:`PartFindings`): their table, their rejects, the
  portraits' :class:`~churnlab.insight.segment_tally.SegmentTally`, the value totals by
  segment, and the plan's :meth:`~churnlab.plan.campaign.PricedMembers.shortlist`;
- :func:`combine_parts` adds the parts' findings into the whole table's portraits, value and
  plan, and puts them in place of the sample's in its summary;
- :func:`with_segment_names` then names each part's members' segments.

The portraits' sizes, churn rates and descriptions, the value and the campaign are then those
of every member (tested against :func:`analyze` on the whole table with the same fits); the
drivers, the model's quality and the data's profiles stay the sample's.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from churnlab.analysis.analyze import Analysis, members_table, plan_members
from churnlab.analysis.conclusions import write_conclusions
from churnlab.analysis.summary import Summary
from churnlab.data.validate import check_members
from churnlab.insight.explain import contributions, reasons
from churnlab.insight.segment import portraits_of, tally_segments
from churnlab.insight.segment_tally import SegmentTally
from churnlab.insight.segment_text import LANGS
from churnlab.plan.campaign import Plan, PricedMembers, plan_campaign, price_members
from churnlab.plan.playbook import Economics
from churnlab.scoring.value import VALUE_COLUMNS, member_values, value_of_totals, value_totals

__all__ = ["PartFindings", "analyze_part", "combine_parts", "with_segment_names"]


@dataclass(frozen=True)
class PartFindings:
    """What :func:`analyze_part` finds in one part of a table.

    Attributes
    ----------
    members : pandas.DataFrame
        The part's members as :attr:`Analysis.members`, ``row`` numbered across the table;
        ``segment_name`` is empty until :func:`with_segment_names` fills it in.
    rejects : pandas.DataFrame
        The part's rejected rows, ``row`` numbered across the table.
    rows : int
        The part's input rows.
    tally : SegmentTally
        The part's members by segment, for the portraits.
    values : pandas.DataFrame
        :func:`~churnlab.scoring.value.value_totals` of the part's members, by segment id.
    shortlist : PricedMembers
        The part's members that can reach the campaign.
    """

    members: pd.DataFrame
    rejects: pd.DataFrame
    rows: int
    tally: SegmentTally
    values: pd.DataFrame
    shortlist: PricedMembers


def analyze_part(
    part: pd.DataFrame,
    offset: int,
    fitted: Analysis,
    economics: Economics,
    *,
    source: str = "table",
    objective: str = "saving",
) -> PartFindings:
    """Analyse one part of a table (rows ``offset`` … of it) with the model, segments and
    playbook of ``fitted`` (the analysis of a sample), in its language."""
    spec, model, segmenter = fitted.model.spec_, fitted.model, fitted.segmenter
    lang = str(fitted.summary.meta["lang"])
    part = part.reset_index(drop=True)
    checked = check_members(part, spec, source=source, with_target=True)
    usable = checked.members
    X, y = usable[spec.feature_names], usable[spec.target_col].astype(int).to_numpy()
    rows = usable.index.to_numpy() + offset
    proba = model.predict_proba(X)[:, 1] if len(X) else pd.Series(dtype=float).to_numpy()
    contrib = contributions(model, X)
    member_reasons = reasons(contrib, model, lang=lang)
    labels = segmenter.predict(X)
    values = member_values(model, X, economics)
    plan_input = plan_members(usable, rows, contrib, model, proba, labels, values)
    priced = price_members(plan_input, contrib.values, fitted.playbook, economics, lang=lang,
                           id_col=spec.id_col, objective=objective)  # fmt: skip
    # the names are the whole table's portraits', known once every part is tallied
    members = members_table(usable, rows, spec, model, proba, labels, {}, member_reasons,
                            priced.recommendations, fitted.playbook, lang)  # fmt: skip
    members[list(VALUE_COLUMNS)] = values.to_numpy()
    by_segment = values.reset_index(drop=True).groupby(labels, sort=True)
    rejects = checked.rejects
    return PartFindings(
        members=members,
        rejects=rejects.assign(row=rejects["row"].astype("int64") + offset),
        rows=len(part),
        tally=tally_segments(X, labels, y, spec),
        values=pd.DataFrame({int(s): value_totals(v) for s, v in by_segment}).T,
        shortlist=priced.shortlist(economics.budget, objective),
    )


def combine_parts(
    fitted: Analysis,
    parts: Sequence[PartFindings],
    economics: Economics,
    *,
    objective: str = "saving",
) -> tuple[Summary, Plan]:
    """The whole table's summary and plan from its parts' findings, in the parts' order: the
    summary of the sample's analysis ``fitted`` with the portraits, the value, the plan, the
    table's counts and the conclusions of every member in place of the sample's, and
    ``meta["fitted_on"]``: the members of the sample. The plan's
    ``recommendations`` are in each member's row of the parts' tables, not in it."""
    summary = fitted.summary
    lang = str(summary.meta["lang"])
    spec = fitted.model.spec_
    tally = functools.reduce(operator.add, (p.tally for p in parts))
    values = functools.reduce(lambda a, b: a.add(b, fill_value=0.0), (p.values for p in parts))
    plan = plan_campaign(PricedMembers.joined([p.shortlist for p in parts]), fitted.playbook,
                         economics, lang=lang, objective=objective)  # fmt: skip
    portraits = {other: portraits_of(tally, spec, lang=other) for other in LANGS}
    segments = [p.to_dict() | value_of_totals(values.loc[p.id]) for p in portraits[lang]]
    rows = sum(p.rows for p in parts)
    rejected = sum(len(p.rejects) for p in parts)
    data = replace(
        summary.data,
        rows=rows,
        rejected=rejected,
        members=tally.members,
        leavers=int(tally.leavers.sum()) if tally.leavers is not None else 0,
        churn_rate=tally.churn_rate(),
    )
    plan_dict = plan.to_dict()
    segmentation: dict[str, Any] = dict(summary.segmentation) | {
        "names": {other: {str(p.id): p.name for p in found} for other, found in portraits.items()}
    }
    whole = replace(
        summary,
        # the members the model, the drivers and the profiles were fitted on: the sample's
        meta=summary.meta | {"fitted_on": summary.data.members},
        data=data,
        segments=segments,
        segmentation=segmentation,
        plan=plan_dict,
        value=value_of_totals(values.sum()) | {"discount": float(economics.discount)},
        conclusions=write_conclusions(
            data,
            summary.quality,
            summary.drivers,
            segments,
            plan_dict,
            lang=lang,
            club=spec.is_club_table,
        ),
    )
    return whole, plan


def with_segment_names(members: pd.DataFrame, summary: Summary) -> pd.DataFrame:
    """A part's members with their segment's name from the whole table's summary
    (:func:`combine_parts`)."""
    names = summary.segmentation["names"][summary.meta["lang"]]
    return members.assign(
        segment_name=members["segment"].astype(str).map(names).to_numpy(dtype=object)
    )
