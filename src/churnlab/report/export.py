"""Write everything `churnlab analyze` produces into one folder, each file atomically."""

from __future__ import annotations

import os
from pathlib import Path

from churnlab.analysis.analyze import Analysis
from churnlab.data.write import write_bytes, write_table
from churnlab.model.persist import save_model
from churnlab.report.html import render_html
from churnlab.report.sheets import plan_sheet
from churnlab.scoring.bundle import reference_json, save_bundle

__all__ = ["OUTPUTS", "SCORES_PARTS", "write_outputs"]

#: The files of an analysis folder, by role.
OUTPUTS = {
    "report": "report.html",
    "summary": "summary.json",
    "scores": "scores.csv",
    "scores_parquet": "scores.parquet",
    "plan_csv": "plan.csv",
    "plan_xlsx": "plan.xlsx",
    "model": "model.churnlab",
    "segments": "segments.skops",
    "segment_form": "segments.json",
    "playbook": "playbook.yaml",
    "reference": "reference.json",
    "rejects": "rejects.csv",
    "club": "club.json",
}


#: Where ``analyze --engine dask`` puts every member's scores: a folder of Parquet parts.
SCORES_PARTS = "scores"


def write_outputs(
    analysis: Analysis,
    folder: str | os.PathLike[str],
    *,
    club_id: bytes | None = None,
    with_scores: bool = True,
) -> dict[str, Path]:
    """Write the report, the summary, the member scores (``scores.csv`` for people,
    ``scores.parquet`` with its columns typed, for tools: quicker to load), the plan, the model,
    what serving it needs (segments, playbook; see :mod:`churnlab.scoring.bundle`) and the
    rejects.

    Spreadsheet exports (every CSV and ``plan.xlsx``) have cells and headers that start with
    ``=``, ``+``, ``-`` or ``@`` neutralised by :func:`~churnlab.data.write.write_table`, so a
    crafted id or column name cannot run as a formula in Excel.

    Parameters
    ----------
    analysis : Analysis
    folder : path-like
    club_id : bytes, optional
        ``club.json``, the club folder's id (:meth:`churnlab.store.folder.ClubFolder.id_file`);
        not written when None.
    with_scores : bool
        False when every member's scores are written elsewhere, as the folder
        :data:`SCORES_PARTS` of Parquet parts (``analyze --engine dask``): then no
        ``scores.csv`` nor ``scores.parquet`` is written, and ``analysis.members`` holds only
        the members the report lists as most at risk.

    Returns
    -------
    dict
        The path of each file written, by the roles of :data:`OUTPUTS`.
    """
    folder = Path(folder)
    paths = {role: folder / name for role, name in OUTPUTS.items()}
    summary = analysis.summary
    html = render_html(
        summary,
        members=analysis.members,
        campaign=analysis.plan.campaign,
        scores=OUTPUTS["scores"] if with_scores else f"{SCORES_PARTS}/",
    )
    write_bytes(summary.to_json().encode("utf-8"), paths["summary"])
    if with_scores:
        write_table(analysis.members, paths["scores"])
        write_table(analysis.members, paths["scores_parquet"])
    else:
        del paths["scores"], paths["scores_parquet"]
    write_table(analysis.plan.campaign, paths["plan_csv"])
    sheet = plan_sheet(
        analysis.plan.campaign,
        lang=analysis.plan.lang,
        currency=str(analysis.plan.economics.currency or ""),
        id_col=analysis.model.spec_.id_col,
    )
    write_table(analysis.plan.campaign, paths["plan_xlsx"], sheet=sheet)
    save_model(analysis.model, paths["model"], source=summary.data.source)
    save_bundle(folder, analysis.segmenter, analysis.playbook)
    write_bytes(reference_json(analysis.reference), paths["reference"])
    write_table(analysis.rejects, paths["rejects"])
    write_bytes(html.encode("utf-8"), paths["report"])
    if club_id is None:
        del paths["club"]
    else:
        write_bytes(club_id, paths["club"])
    return paths
