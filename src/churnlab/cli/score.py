"""`churnlab score`: each member's probability of leaving next month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer
from rich.markup import escape
from sqlalchemy.engine import make_url

from churnlab.cli._common import (
    BUNDLED,
    DataArg,
    Engine,
    EngineOpt,
    IdOpt,
    Language,
    MonthOpt,
    QueryOpt,
    SchedulerOpt,
    StoreOpt,
    TableOpt,
    check_output_format,
    default_rejects_path,
    err,
    handles_errors,
    open_store,
    progress,
    read_members,
    record_run,
    say_scored,
    shown_name,
)
from churnlab.cli._words import number, say
from churnlab.data.atomic import outputs_together, refuse_overwriting_inputs
from churnlab.data.datasets import bundled_path
from churnlab.data.sources import source_name
from churnlab.data.sql import write_sql_table
from churnlab.data.write import WRITE_SUFFIXES, write_table
from churnlab.errors import UsageError

if TYPE_CHECKING:
    from churnlab.model.scorer import Scorer
    from churnlab.store import Store


@handles_errors
def score(
    data: DataArg = None,
    model_path: Annotated[
        Path, typer.Option("--model", help="A model file from `churnlab train`.")
    ] = Path("model.churnlab"),
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Where to write the scores (.csv, .parquet or .xlsx). Default: scores.csv, unless "
            "--out-table is given.",
            show_default=False,
        ),
    ] = None,
    out_table: Annotated[
        str | None,
        typer.Option(
            "--out-table",
            help="Also (or instead of --out) write the scores into this table of DATA's "
            "database, replacing its rows in one transaction.",
        ),
    ] = None,
    id_col: IdOpt = None,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            help="Where to write rows that cannot be scored "
            "(default: <out>.rejects.csv beside --out, or scores.rejects.csv).",
        ),
    ] = None,
    query: QueryOpt = None,
    table: TableOpt = None,
    store_url: StoreOpt = None,
    month: MonthOpt = None,
    with_reasons: Annotated[
        bool,
        typer.Option(
            "--reasons",
            help="Also each member's top three reasons (reason_1..3); about 40x slower.",
        ),
    ] = False,
    engine: EngineOpt = Engine.local,
    scheduler: SchedulerOpt = None,
    lang: Annotated[
        Language,
        typer.Option("--lang", help="The language of the reasons and of every line printed."),
    ] = Language.en,
) -> None:
    """Score every member of DATA with --model; write --out and/or --out-table, and the rejects.

    Files are read and written in batches, so their size does not matter.
    """
    from churnlab.model.persist import load_model, load_scorer

    if engine is Engine.dask:
        from churnlab.cli._score_dask import score_with_dask

        score_with_dask(data, model_path, out, rejects, id_col, scheduler, out_table, store_url,
                        month, with_reasons)  # fmt: skip
        return
    if scheduler is not None:
        raise UsageError("--scheduler needs --engine dask", fix="add --engine dask")
    if out_table is not None:
        _check_out_table(data, out_table)
    elif out is None:
        out = Path("scores.csv")
    if out is not None and out.suffix.lower() not in WRITE_SUFFIXES:
        raise UsageError(
            f"cannot write scores to {out.name!r}",
            fix=f"give --out a name ending in {', '.join(WRITE_SUFFIXES[:-1])} or "
            f"{WRITE_SUFFIXES[-1]}",
        )
    rejects_path = rejects or (
        Path("scores.rejects.csv") if out is None else default_rejects_path(out)
    )
    check_output_format("--rejects", rejects_path)
    if out is not None and rejects_path.resolve() == out.resolve():
        raise UsageError(
            f"--rejects and --out both name {str(out)!r}",
            fix="give the rejected rows a file of their own",
        )
    if out_table is not None and data is not None:
        _check_not_the_store(data, out_table, store_url)
    refuse_overwriting_inputs({"--out": out, "--rejects": rejects_path}, [data, model_path])
    # reasons need the whole model; plain scores only its arithmetic, read without scikit-learn.
    # Read before the store is opened: a model file that is refused leaves nothing behind.
    model = load_model(model_path) if with_reasons else load_scorer(model_path)
    store = open_store(store_url)
    run = _Run(data, query, table, id_col, rejects_path, model_path, store, month, model)
    # every output appears only once the run is recorded: a failure leaves none of them
    with outputs_together([p for p in (out, rejects_path) if p is not None]) as staged:
        if out_table is None:
            assert out is not None  # scores.csv by default
            told = _stream(run, staged[out], staged[rejects_path], with_reasons=with_reasons,
                           lang=lang.value)  # fmt: skip
        else:
            told = _score_into_table(
                run, None if out is None else staged[out], staged[rejects_path], out_table
            )
        run.record(told.source, told.rows, told.scored, told.rejected, told.kept_scores)
    target = [] if out is None else [escape(str(out))]
    if out_table is not None:
        target.append(say("out_table", table=escape(repr(out_table))))
    shown = shown_name(told.source)
    say_scored(told.scored, told.rows, shown, say("and").join(target), told.rejected,
               rejects_path)  # fmt: skip
    if told.kept_scores is None and out is not None:
        kept = {"scored": number(told.scored), "most": number(STORE_MEMBERS)}
        err.print(say("counts_kept", **kept, path=escape(str(out))))


@dataclass(frozen=True)
class _Run:
    """One `churnlab score` run: the members, where the rejects go, and the run history."""

    data: str | None
    query: str | None
    table: str | None
    id_col: str | None
    rejects: Path
    model_path: Path
    store: Store
    month: str | None
    model: Scorer

    def record(
        self, source: str, rows: int, scored: int, rejected: int, scores: pd.DataFrame | None
    ) -> None:
        record_run(
            self.store,
            kind="score",
            source=source,
            model=self.model,
            model_path=self.model_path,
            rows=rows,
            scored=scored,
            rejected=rejected,
            scores=scores,
            id_col=self._id_in(scores),
            month=self.month,
        )

    def _id_in(self, scores: pd.DataFrame | None) -> str | None:
        """The id column the scores carry: --id, or the model's when the data has it (a table
        without it is scored all the same, its members known by their rows)."""
        chosen = self.id_col or self.model.spec_.id_col
        return chosen if scores is None or chosen in scores.columns else None


@dataclass(frozen=True)
class _Scored:
    """What a scoring run did, for its closing lines and the run history."""

    source: str
    rows: int
    scored: int
    rejected: int
    kept_scores: pd.DataFrame | None


def _score_into_table(run: _Run, out: Path | None, rejects: Path, out_table: str) -> _Scored:
    """Score the whole table into --out-table (one transaction) and, if given, --out."""
    from churnlab.scoring.members import score_members

    frame, source = read_members(run.data, query=run.query, table=run.table)
    with progress(say("scoring_members", members=number(len(frame)))):
        result = score_members(run.model, frame, source=source, id_col=run.id_col)
    if out is not None:
        write_table(result.scores, out)
    write_table(result.rejects, rejects)
    assert run.data is not None  # --out-table needs DATA's database
    scored_at = datetime.now(UTC).replace(microsecond=0)
    write_sql_table(result.scores.assign(scored_at=scored_at), run.data, out_table)
    return _Scored(source, result.n_input, len(result.scores), len(result.rejects), result.scores)


#: Runs of at most this many rows keep each member's score in the run history.
STORE_MEMBERS = 100_000


def _stream(run: _Run, out: Path, rejects: Path, *, with_reasons: bool, lang: str) -> _Scored:
    """Score a file batch by batch into ``out`` (any size), the rejects into ``rejects``."""
    from churnlab.scoring.streaming import score_file

    source = BUNDLED if run.data is None else source_name(run.data)
    shown = shown_name(source)
    with progress(say("scoring", source=escape(shown)), unit="rows") as advance:
        done = score_file(
            run.model,
            bundled_path() if run.data is None else run.data,
            out,
            id_col=run.id_col,
            with_reasons=with_reasons,
            lang=lang,
            keep_scores=STORE_MEMBERS,
            on_progress=advance,
            query=run.query,
            table=run.table,
        )
    write_table(done.rejects, rejects)
    return _Scored(source, done.n_input, done.n_scored, len(done.rejects), done.kept_scores)


# the run history's tables, which --out-table must not replace when the store is DATA's database
_STORE_TABLES = frozenset({"models", "runs", "scores"})


def _check_out_table(data: str | None, out_table: str) -> None:
    if data is None or "://" not in data:
        raise UsageError(
            "--out-table writes into the database DATA is read from, but DATA is "
            + ("the bundled club table" if data is None else f"the file {data!r}"),
            fix="give DATA as a database URL (with --query or --table), or write the scores "
            "to a file with --out instead of --out-table",
        )
    if not out_table.strip():
        raise UsageError("--out-table is empty", fix="name the table, e.g. --out-table scores")


def _check_not_the_store(data: str, out_table: str, store_url: str | None) -> None:
    """Refuse to replace the run history's own tables when it lives in DATA's database."""
    from churnlab.store import default_store_url

    store_url = default_store_url() if store_url is None else store_url
    if out_table.lower() not in _STORE_TABLES or "://" not in store_url:
        return
    try:
        here, there = make_url(data), make_url(store_url)
    except Exception:  # unparsable URLs are reported when they are opened
        return
    same = (here.get_backend_name(), here.host, here.port, here.database) == (
        there.get_backend_name(),
        there.host,
        there.port,
        there.database,
    )
    if same:
        raise UsageError(
            f"--out-table {out_table!r} would replace a table of the run history, which is "
            f"in the same database ({source_name(store_url)})",
            fix="choose another table name, e.g. --out-table member_scores",
        )
