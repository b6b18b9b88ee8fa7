"""The `churnlab` command: one module per command, each a thin layer over the library."""

from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import Annotated

import typer

from churnlab._version import __version__
from churnlab.cli._common import STOPPED_EXIT, Stopped, say_stopped
from churnlab.cli._help import ChurnlabCommand, ChurnlabGroup
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
    help=f"churnlab {__version__}: understand and fight member churn. Analyze a member table, "
    "run each month's scores and campaign, train a calibrated model, score members, evaluate, "
    "serve the API and dashboard.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=ChurnlabGroup,
)
#: One example line for each command's help.
EXAMPLES = {
    "analyze": "churnlab analyze members.csv --target Churn --out report/",
    "month": "churnlab month members-2024-06.csv --run report/",
    "contacts": "churnlab contacts calls.xlsx --run report/",
    "train": "churnlab train members.csv --target Churn --model model.churnlab",
    "score": "churnlab score members.csv --model model.churnlab --out scores.csv --reasons",
    "evaluate": "churnlab evaluate members.csv --target Churn --folds 5",
    "serve": "churnlab serve --run report/ --port 8000",
    "make-members": "churnlab make-members 100000 --out members/",
}
for command in (analyze, month, contacts, train, score, evaluate, serve, make_members):
    name = command.__name__.replace("_", "-")
    app.command(name, cls=ChurnlabCommand, epilog=f"Example: {EXAMPLES[name]}")(command)


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"churnlab {__version__}")
        raise typer.Exit


@app.callback()
def _churnlab(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print churnlab's version and exit.",
            is_eager=True,
            callback=_print_version,
        ),
    ] = False,
) -> None:
    """The options every command shares come after its name (churnlab COMMAND --help)."""


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
    except Stopped:  # before a command began (a command says it in its own language)
        say_stopped()
        sys.exit(STOPPED_EXIT)
