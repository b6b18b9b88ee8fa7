"""The main job on a Dask cluster: every partition analysed on the workers, the whole summed.

:func:`analyze_on_dask` takes the analysis of a sample (its model, segments, playbook and
language; :func:`churnlab.analysis.analyze.analyze`) and a Parquet file or folder. Each
partition is analysed on a worker (:func:`~churnlab.analysis.in_parts.analyze_part`) and its
findings stay there; only the small ones (tallies, totals, shortlists, rejects) come to this
machine, where :func:`~churnlab.analysis.in_parts.combine_parts` sums them, with each
partition's members most at risk (for the report's list). The workers then write each
partition's members, their segments named, as ``part.N.parquet``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from churnlab.analysis.analyze import Analysis
from churnlab.analysis.in_parts import (
    PartFindings,
    analyze_part,
    combine_parts,
    with_segment_names,
)
from churnlab.analysis.summary import Summary
from churnlab.data.sources import source_name
from churnlab.plan.campaign import Plan
from churnlab.plan.playbook import Economics
from churnlab.scoring.distributed import read_parquet_partitions

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["DaskAnalysis", "analyze_on_dask"]


@dataclass(frozen=True)
class DaskAnalysis:
    """What :func:`analyze_on_dask` found.

    Attributes
    ----------
    summary : Summary
        The whole table's summary (portraits, value, plan and counts of every member).
    plan : Plan
        The whole table's plan; each member's recommended measure is in the members' files.
    rejects : pandas.DataFrame
        Every rejected input row, ``row`` numbered across the table.
    at_risk : pandas.DataFrame
        The table's members most likely to leave, as the members' files hold them, most at risk
        first (ties in row order).
    partitions : int
        Partitions analysed; one Parquet file is written for each that has members.
    """

    summary: Summary
    plan: Plan
    rejects: pd.DataFrame
    at_risk: pd.DataFrame
    partitions: int


def analyze_on_dask(
    source: str | os.PathLike[str],
    fitted: Analysis,
    economics: Economics,
    out: str | os.PathLike[str],
    *,
    client: Client,
    objective: str = "saving",
    at_risk: int = 100,
) -> DaskAnalysis:
    """Analyse a Parquet file or folder on a Dask cluster with a sample's fits.

    Parameters
    ----------
    source : str or path-like
        A ``.parquet`` file or a folder of them (one partition per row group).
    fitted : Analysis
        The analysis of a sample of the table: its model, segments, playbook and language.
    economics : Economics
        The fee, costs and budget of the plan.
    out : str or path-like
        The folder for the members' files (``part.0.parquet`` ..., in row order), which every
        worker can write to.
    client : distributed.Client
        See :func:`churnlab.scoring.distributed.dask_client`.
    objective : {"saving", "members"}
    at_risk : int
        How many of the members most likely to leave to bring back (:attr:`DaskAnalysis.at_risk`).

    Returns
    -------
    DaskAnalysis
    """
    import dask

    name = source_name(source)
    frame, lengths = read_parquet_partitions(source)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(int)
    shared = client.scatter(fitted, broadcast=True)
    tasks = [
        dask.delayed(analyze_part)(
            part, int(offset), shared, economics, source=name, objective=objective
        )
        for part, offset in zip(frame.to_delayed(), offsets, strict=True)
    ]
    findings = client.compute(tasks)  # each partition's findings stay on its worker
    small = client.gather(client.map(_most_at_risk, findings, top=at_risk))
    summary, plan = combine_parts(fitted, small, economics, objective=objective)
    folder = Path(out).absolute()  # the workers write there, from folders of their own
    folder.mkdir(parents=True, exist_ok=True)
    paths = [str(folder / f"part.{i}.parquet") for i in range(len(findings))]
    client.gather(client.map(_write_members, findings, paths, summary=summary))
    rejects = pd.concat([p.rejects for p in small], ignore_index=True)
    return DaskAnalysis(summary, plan, rejects, _top(small, at_risk, summary), len(findings))


def _most_at_risk(found: PartFindings, *, top: int) -> PartFindings:
    """The part's findings with only its ``top`` members most likely to leave."""
    return replace(found, members=found.members.nlargest(top, "churn_probability", keep="first"))


def _top(parts: list[PartFindings], top: int, summary: Summary) -> pd.DataFrame:
    """The ``top`` members most likely to leave of the parts' own, in row order when tied."""
    found = [p.members for p in parts if len(p.members)] or [parts[0].members]
    members = pd.concat(found, ignore_index=True)
    members = members.sort_values(["churn_probability", "row"], ascending=[False, True])
    return with_segment_names(members.head(top).reset_index(drop=True), summary)


def _write_members(found: PartFindings, path: str, *, summary: Summary) -> int:
    """Write a part's members, segments named; a part with none (all rejected) writes nothing,
    so every file has the same columns' types."""
    if not len(found.members):
        return 0
    members = with_segment_names(found.members, summary)
    members.to_parquet(path, index=False)
    return len(members)
