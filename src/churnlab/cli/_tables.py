"""Metric tables for the terminal (plain text when the output is not a terminal)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from churnlab.cli._common import out
from churnlab.cli._words import metric_name, number, say

if TYPE_CHECKING:
    from churnlab.model.evaluate import Evaluation


def metrics_table(metrics: dict[str, float], *, title: str) -> None:
    from churnlab.model.evaluate import METRICS

    out.print(title)
    table = Table()
    table.add_column(say("metric"))
    table.add_column(say("value"), justify="right")
    for name in METRICS:
        table.add_row(metric_name(name), number(metrics[name], 4))
    out.print(table)


def evaluation_table(evaluation: Evaluation, *, title: str) -> None:
    from churnlab.model.evaluate import METRICS

    summary = evaluation.summary
    out.print(title)
    table = Table()
    for column in ("metric", "mean", "std", "80/20 split"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for name in METRICS:
        row = summary.loc[name]
        table.add_row(
            name, f"{row['mean']:.4f}", f"{row['std']:.4f}", f"{row['holdout_80_20']:.4f}"
        )
    out.print(table)
