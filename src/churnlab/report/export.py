"""Write everything `churnlab analyze` produces into one folder, each file atomically."""

from __future__ import annotations

import os
from pathlib import Path

from churnlab.analysis.analyze import Analysis
from churnlab.data.write import write_bytes, write_table
from churnlab.model.persist import save_model
from churnlab.report.html import render_html
from churnlab.scoring.bundle import save_bundle

__all__ = ["OUTPUTS", "write_outputs"]

#: The files of an analysis folder, by role.
OUTPUTS = {
    "report": "report.html",
    "summary": "summary.json",
    "scores": "scores.csv",
    "plan_csv": "plan.csv",
    "plan_xlsx": "plan.xlsx",
    "model": "model.churnlab",
    "segments": "segments.skops",
    "playbook": "playbook.yaml",
    "rejects": "rejects.csv",
}


def write_outputs(analysis: Analysis, folder: str | os.PathLike[str]) -> dict[str, Path]:
    """Write the report, the summary, the member scores, the plan, the model, what serving it
    needs (segments, playbook; see :mod:`churnlab.scoring.bundle`) and the rejects.

    Spreadsheet exports (every CSV and ``plan.xlsx``) have cells and headers that start with
    ``=``, ``+``, ``-`` or ``@`` neutralised by :func:`~churnlab.data.write.write_table`, so a
    crafted id or column name cannot run as a formula in Excel.

    Returns
    -------
    dict
        The path of each file, by the roles of :data:`OUTPUTS`.
    """
    folder = Path(folder)
    paths = {role: folder / name for role, name in OUTPUTS.items()}
    summary = analysis.summary
    html = render_html(summary, members=analysis.members, campaign=analysis.plan.campaign)
    write_bytes(summary.to_json().encode("utf-8"), paths["summary"])
    write_table(analysis.members, paths["scores"])
    write_table(analysis.plan.campaign, paths["plan_csv"])
    write_table(analysis.plan.campaign, paths["plan_xlsx"])
    save_model(analysis.model, paths["model"])
    save_bundle(folder, analysis.segmenter, analysis.playbook)
    write_table(analysis.rejects, paths["rejects"])
    write_bytes(html.encode("utf-8"), paths["report"])
    return paths
