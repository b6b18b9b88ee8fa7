"""What every command shares: the data options, reading, error reporting and progress."""

from __future__ import annotations

import functools
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from churnlab.cli._words import language, number, say, speaking, step
from churnlab.data.datasets import load_gym_churn
from churnlab.data.infer import infer_spec
from churnlab.data.names import shorten
from churnlab.data.read import read_table
from churnlab.data.sources import source_name
from churnlab.data.spec import DatasetSpec
from churnlab.errors import ChurnlabError, UsageError
from churnlab.extras import require

if TYPE_CHECKING:
    from churnlab.model.scorer import Scorer
    from churnlab.store import Store
P = ParamSpec("P")
R = TypeVar("R")

#: Messages, progress and notes go to stderr; results (tables, JSON) go to stdout.
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

BUNDLED = "the bundled club table"


class Language(StrEnum):
    """The languages churnlab writes in."""

    en = "en"
    ru = "ru"


LangOpt = Annotated[
    Language, typer.Option("--lang", help="The language of every text and line printed.")
]


class Engine(StrEnum):
    """Where the work runs."""

    local = "local"
    dask = "dask"


EngineOpt = Annotated[
    Engine,
    typer.Option(help="local: this machine, in batches; dask: a Dask cluster (Parquet data)."),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        help="With --engine dask: the scheduler's address (tcp://host:8786); default: a local "
        "cluster for this run.",
    ),
]

DataArg = Annotated[
    str | None,
    typer.Argument(
        help="CSV, Parquet or XLSX file, or an SQLAlchemy URL (with --query or "
        "--table). Default: the bundled club table.",
        show_default=False,
    ),
]
TargetOpt = Annotated[str, typer.Option("--target", help="The column that says who left.")]
PositiveOpt = Annotated[
    str | None,
    typer.Option(
        "--positive",
        help="The target value that means 'left' (inferred when plain: 1, yes, true, churned ...).",
    ),
]
IdOpt = Annotated[
    str | None, typer.Option("--id", help="The member id column (default: detected).")
]
KeepOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--keep",
        metavar="COL",
        help="Keep a column the inference would set aside "
        "(id-like, free text, leakage). Repeat it for more: --keep A --keep B.",
    ),
]
LeverOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--lever",
        metavar="COL",
        help="A feature the business can move (a plan, a price, a contract). Repeat it for "
        "more: --lever A --lever B.",
    ),
]
TraitOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--trait",
        metavar="COL",
        help="A feature the business cannot move (age, region). Repeat it for more: "
        "--trait A --trait B.",
    ),
]


class LearnerChoice(StrEnum):
    """The learners `--learner` accepts."""

    auto = "auto"
    logistic = "logistic"
    boosting = "boosting"


LearnerOpt = Annotated[
    LearnerChoice, typer.Option("--learner", help="auto chooses by out-of-fold log loss.")
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="SQLAlchemy URL of the run history (default: CHURNLAB_STORE, "
        "or a DuckDB file in your data folder).",
    ),
]
FolderStoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="SQLAlchemy URL of a shared run history (default: CHURNLAB_STORE, or the club "
        "folder's own history.duckdb).",
    ),
]


def _checked_month(value: str | None) -> str | None:
    """--month, checked as it is parsed: before any work is done."""
    from churnlab.store import check_month

    if value is not None:
        try:
            check_month(value)
        except ChurnlabError as exc:
            raise typer.BadParameter(exc.message) from None
    return value


MonthOpt = Annotated[
    str | None,
    typer.Option(
        "--month",
        help="The month these scores are for, YYYY-MM (default: this "
        "month); running a month again replaces its scores.",
        callback=_checked_month,
    ),
]
#: The largest seed NumPy's generators take (2**32 - 1).
MAX_SEED = 2**32 - 1
SeedOpt = Annotated[
    int, typer.Option(min=0, max=MAX_SEED, help="Random seed, a whole number 0 .. 2**32-1.")
]
DiscountOpt = Annotated[
    float | None,
    typer.Option(
        "--discount",
        help="Monthly discount rate of a member's future fees in their value (0.01 = 1 % a "
        "month; default: the playbook's, 0).",
        show_default=False,
    ),
]


class Objective(StrEnum):
    saving = "saving"
    members = "members"


ObjectiveOpt = Annotated[
    Objective,
    typer.Option(
        "--objective",
        help="Rank the campaign by expected money kept net of cost (saving) or by expected "
        "members kept (members); either way only contacts that pay for themselves.",
    ),
]
QueryOpt = Annotated[str | None, typer.Option("--query", help="SQL query, for a database URL.")]
TableOpt = Annotated[str | None, typer.Option("--table", help="Table name, for a database URL.")]


#: The exit code of a run stopped by SIGTERM (128 + the signal's number, as shells report it).
STOPPED_EXIT = 143


class Stopped(BaseException):
    """SIGTERM, raised where the program is, so that every output on its way is removed."""


def say_stopped() -> None:
    """Tell the user a stopped run left nothing behind."""
    err.print(say("stopped"))


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Print a :class:`ChurnlabError` as a message (no traceback) and exit with code 2; word
    the lines the command prints in its ``--lang`` (:mod:`churnlab.cli._words`), a stop by
    SIGTERM too (:class:`Stopped`, exit 143); refuse ``--engine dask`` before any work when Dask
    is not installed (:mod:`churnlab.extras`)."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        lang = kwargs.get("lang")
        try:
            if kwargs.get("engine") is Engine.dask:
                require("dask", "--engine dask")
            with speaking(str(getattr(lang, "value", lang or "en"))), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    return command(*args, **kwargs)
                except Stopped:  # said in the run's language, as it is when the stop comes
                    say_stopped()
                    raise typer.Exit(code=STOPPED_EXIT) from None
        except ChurnlabError as exc:
            err.print(f"[bold red]error:[/] {escape(exc.message)}")
            raise typer.Exit(code=2) from None

    return run


def read_members(
    data: str | None, *, query: str | None = None, table: str | None = None
) -> tuple[pd.DataFrame, str]:
    """The table and its display name; the bundled club table when ``data`` is None."""
    if data is None:
        return load_gym_churn(), BUNDLED
    frame = read_table(data, query=query, table=table)
    return frame, source_name(data)


def shown_name(source: str) -> str:
    """A table's name as the run's lines and report word it: the bundled table's in the run's
    language; the run history keeps ``source`` itself, whatever the language."""
    return say("bundled") if source == BUNDLED else source


def spec_for(
    frame: pd.DataFrame,
    source: str,
    *,
    target: str,
    positive: str | None,
    id_col: str | None,
    keep: list[str] | None,
    levers: list[str] | None = None,
    traits: list[str] | None = None,
) -> DatasetSpec:
    """Infer the spec and tell the user what was set aside, and which columns named as the
    club's were read from their data instead."""
    spec = infer_spec(
        frame,
        target_col=target,
        positive=positive,
        id_col=id_col,
        keep=keep or (),
        levers=levers or (),
        traits=traits or (),
        source=source,
    )
    if spec.unlike_club:
        columns = "; ".join(
            f"[bold]{escape(shorten(name))}[/] ({escape(why.text(language()))})"
            for name, why in spec.unlike_club.items()
        )
        err.print(say("unlike_club", columns=columns))
    if spec.id_col:
        err.print(say("member_id", column=escape(shorten(spec.id_col))))
    for aside in spec.set_aside:
        reason = escape(aside.text(language()))
        err.print(say("set_aside", column=escape(shorten(aside.column)), reason=reason))
    return spec


@contextmanager
def progress(
    description: str, total: int | None = None, *, unit: str | None = None
) -> Iterator[Callable[[int, int | None], None]]:
    """A Rich progress bar on a terminal, nothing otherwise; yields ``advance(done, total)``.

    With ``unit`` (``"rows"``), the count done so far is shown, and a bar once a total is known.
    """
    if not sys.stderr.isatty():
        yield lambda done, total: None
        return
    columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}")]
    if total is not None:
        columns += [BarColumn(), TextColumn("{task.completed}/{task.total}")]
    elif unit is not None:
        columns += [BarColumn(), TextColumn("{task.completed:,} " + unit)]
    with Progress(*columns, TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done, total: bar.update(task, completed=done, total=total)


class StageClock:
    """How long each stage of a command took, for its progress display.

    Examples
    --------
    >>> clock = StageClock(now=iter([0.0, 1.0, 1.0, 4.0]).__next__)
    >>> clock.start("reading"), clock.start("training"), clock.stop()
    (None, 1.0, 3.0)
    >>> clock.seconds, clock.shares()
    ({'reading': 1.0, 'training': 3.0}, 'reading 25 % · training 75 %')
    """

    def __init__(self, now: Callable[[], float] = time.perf_counter) -> None:
        self._now = now
        self.seconds: dict[str, float] = {}
        self._current: tuple[str, float] | None = None

    def start(self, stage: str) -> float | None:
        """Start ``stage``; the seconds the stage before it took (None for the first)."""
        ended = self.stop()
        self._current = (stage, self._now())
        return ended

    def stop(self) -> float | None:
        """End the current stage; the seconds it took (None when none runs)."""
        if self._current is None:
            return None
        stage, began = self._current
        took = self._now() - began
        self.seconds[stage] = self.seconds.get(stage, 0.0) + took
        self._current = None
        return took

    def shares(self) -> str:
        """Each stage's share of the time, in the order they ran."""
        total = sum(self.seconds.values()) or 1.0
        return " · ".join(f"{stage} {100 * s / total:.0f} %" for stage, s in self.seconds.items())


@contextmanager
def stages(description: str) -> Iterator[Callable[[str], None]]:
    """Progress through named stages; yields ``stage(name)``, called as each one starts.

    On a terminal a spinner shows the stage being done and its time, each finished stage stays
    as a line with its seconds, and the last line gives each stage's share of the time; nothing
    is shown otherwise.
    """
    clock = StageClock()
    if not sys.stderr.isatty():
        yield lambda name: None
        return
    columns = [SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()]
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(description, total=None)
        current: list[str] = []

        def done(took: float | None) -> None:
            if current and took is not None:
                took_text = say("seconds", seconds=number(took, 1))
                bar.console.print(f"  [green]✓[/] {escape(current[0])} [dim]{took_text}[/]")

        def stage(name: str) -> None:
            name = step(name)
            done(clock.start(name))
            current[:] = [name]
            bar.update(task, description=f"{description}: {escape(name)}")

        yield stage
        done(clock.stop())
    err.print(f"[dim]{say('time', shares=escape(clock.shares()))}[/]")


@contextmanager
def stepping(description: str) -> Iterator[Callable[[str], None]]:
    """A Rich spinner on a terminal, nothing otherwise; yields ``step(text)``, which shows
    what is being done now."""
    if not sys.stderr.isatty():
        yield lambda text: None
        return
    columns = [SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()]
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(description, total=None)
        yield lambda text: bar.update(task, description=text)


def open_store(url: str | None, *, club: str | None = None) -> Store:
    """The run history (of one club's folder, when given); opened before any work, so a bad
    URL fails fast."""
    from churnlab.store import Store

    return Store(url, club=club)


def record_run(
    store: Store,
    *,
    kind: str,
    source: str,
    model: Scorer,
    model_path: Path | None,
    rows: int,
    scored: int,
    rejected: int,
    scores: pd.DataFrame | None = None,
    id_col: str | None = None,
    month: str | None = None,
    closes: tuple[str, pd.DataFrame] | None = None,
) -> None:
    """Record the model and the run (with each member's score, and the outcomes of the month
    it closes) in the store, and say so."""
    model_id = store.record_model(model, path=None if model_path is None else str(model_path))
    run_id = store.record_run(
        kind=kind,
        source=source,
        rows=rows,
        scored=scored,
        rejected=rejected,
        model_id=model_id,
        month=month,
        scores=scores,
        id_col=id_col,
        closes=closes,
    )
    err.print(say("recorded", kind=kind, run=run_id[:8], store=escape(store.display_url)))


@dataclass(frozen=True)
class FolderModel:
    """What a refitted model replaces in a club's folder: ``model.churnlab`` and
    ``reference.json``; the model it replaces is kept as ``models/<data hash>.churnlab``
    (``kept``, None when a copy is there already)."""

    model: Path
    reference: Path
    kept: Path | None

    @classmethod
    def of(cls, folder: Path, old: Scorer) -> FolderModel:
        # the name comes from the model file's manifest: only hexadecimal digits make it, so a
        # crafted hash cannot point the copy outside models/
        digits = re.sub(r"[^0-9a-f]", "", str(old.data_hash_).lower())[:16] or "previous"
        kept = folder / "models" / f"{digits}.churnlab"
        return cls(folder / "model.churnlab", folder / "reference.json",
                   None if kept.exists() else kept)  # fmt: skip

    @property
    def targets(self) -> list[Path]:
        """The files written, for :func:`~churnlab.data.atomic.outputs_together`."""
        return [self.model, self.reference, *([self.kept] if self.kept else [])]

    def write(
        self,
        staged: Mapping[Path, Path],
        model: Any,
        reference: dict[str, Any],
        *,
        source: str | None = None,
    ) -> None:
        """Write the new model (trained on ``source``) and its reference, and keep the old
        model, into `staged`."""
        from churnlab.model.persist import save_model
        from churnlab.scoring.bundle import reference_json

        if self.kept is not None:
            staged[self.kept].write_bytes(self.model.read_bytes())
        save_model(model, staged[self.model], source=source)
        staged[self.reference].write_bytes(reference_json(reference))


def check_output_format(option: str, path: Path) -> None:
    """Refuse, before any work, an output file whose format churnlab cannot write."""
    from churnlab.data.write import WRITE_SUFFIXES

    if path.suffix.lower() not in WRITE_SUFFIXES:
        raise UsageError(
            f"cannot write {path.name!r}: {option} must end in {', '.join(WRITE_SUFFIXES)}",
            fix=f"give {option} a name such as rejects.csv",
        )


def default_rejects_path(out: Path) -> Path:
    """``scores.jan.csv`` -> ``scores.jan.rejects.csv``, beside the output."""
    return out.with_name(out.stem + ".rejects.csv")


def say_scored(
    scored: int, rows: int, source: str, target: str, rejected: int, rejects_path: Path
) -> None:
    """Tell how many rows were scored into ``target`` (markup) and where the rejects went."""
    counts = {"scored": number(scored), "rows": number(rows)}
    err.print(say("scored", **counts, source=escape(source), target=target))
    if rejected:
        err.print(say("rejected", rejected=number(rejected), path=escape(str(rejects_path))))
    else:
        err.print(say("none_rejected"))
