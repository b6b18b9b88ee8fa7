"""The `churnlab` command: one module per command, each a thin layer over the library."""

from __future__ import annotations

import signal
import sys
from types import FrameType

import typer

from churnlab.cli._common import err
from churnlab.cli.analyze import analyze
from churnlab.cli.contacts import contacts
from churnlab.cli.evaluate import evaluate
from churnlab.cli.make_members import make_members
from churnlab.cli.month import month
from churnlab.cli.score import score
from churnlab.cli.serve import serve
from churnlab.cli.train import train
from churnlab.data.atomic import outputs_published

app = typer.Typer(
    name="churnlab",
    help="Understand and fight member churn: analyze a member table, run each month's scores "
    "and campaign, train a calibrated model, score members, evaluate, serve the API and "
    "dashboard.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(analyze)
app.command()(month)
app.command()(contacts)
app.command()(train)
app.command()(score)
app.command()(evaluate)
app.command()(serve)
app.command("make-members")(make_members)


class Stopped(BaseException):
    """SIGTERM, raised where the program is, so that every output on its way is removed."""


def _stop(signum: int, frame: FrameType | None) -> None:
    if outputs_published():
        return  # the run's outputs are whole and recorded: it finishes its last lines
    raise Stopped(signum)


def main() -> None:
    """Entry point of the `churnlab` script.

    SIGTERM stops the command as Ctrl+C would: the temporary files and staging folders of
    the outputs on their way are removed, and earlier outputs are left as they were (exit 143).
    A SIGTERM that comes once the run's outputs are in place is too late to undo it: the run
    ends as it would have (exit 0).
    """
    signal.signal(signal.SIGTERM, _stop)
    try:
        app()
    except Stopped:
        err.print("[bold red]stopped:[/] nothing was written; earlier outputs are as they were")
        sys.exit(143)
