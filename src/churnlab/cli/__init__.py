"""The `churnlab` command: one module per command, each a thin layer over the library."""

from __future__ import annotations

import typer

from churnlab.cli.analyze import analyze
from churnlab.cli.evaluate import evaluate
from churnlab.cli.make_members import make_members
from churnlab.cli.score import score
from churnlab.cli.serve import serve
from churnlab.cli.train import train

app = typer.Typer(
    name="churnlab",
    help="Understand and fight member churn: analyze a member table, train a calibrated model, "
    "score members, evaluate, serve the API and dashboard.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(analyze)
app.command()(train)
app.command()(score)
app.command()(evaluate)
app.command()(serve)
app.command("make-members")(make_members)


def main() -> None:
    """Entry point of the `churnlab` script."""
    app()
