"""`churnlab analyze`: drivers, member portraits, a retention plan and the report, in one run."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from churnlab.cli._analyze_dask import check_dask_source, on_the_cluster, read_sample
from churnlab.cli._common import (
    DataArg,
    DiscountOpt,
    Engine,
    EngineOpt,
    FolderStoreOpt,
    IdOpt,
    KeepOpt,
    LangOpt,
    Language,
    LeverOpt,
    MonthOpt,
    Objective,
    ObjectiveOpt,
    PositiveOpt,
    QueryOpt,
    SchedulerOpt,
    SeedOpt,
    TableOpt,
    TargetOpt,
    TraitOpt,
    err,
    handles_errors,
    open_store,
    out,
    read_members,
    record_run,
    shown_name,
    spec_for,
    stages,
)
from churnlab.cli._words import number, say, step
from churnlab.data.atomic import outputs_together, refuse_overwriting_inputs
from churnlab.errors import UsageError
from churnlab.model.settings import MIN_TUNE_ROWS

if TYPE_CHECKING:
    from churnlab.analysis.analyze import Analysis
    from churnlab.store import Store
    from churnlab.store.folder import ClubFolder

#: Members the Dask engine fits the model and the segments on, by default.
SAMPLE_ROWS = 100_000


@handles_errors
def analyze(
    data: DataArg = None,
    target: TargetOpt = "Churn",
    positive: PositiveOpt = None,
    id_col: IdOpt = None,
    keep: KeepOpt = None,
    lever: LeverOpt = None,
    trait: TraitOpt = None,
    query: QueryOpt = None,
    table: TableOpt = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="The folder for the report and the exports.")
    ] = Path("churnlab-report"),
    lang: LangOpt = Language.en,
    playbook_path: Annotated[
        Path | None,
        typer.Option(
            "--playbook",
            help="A playbook YAML (default: the built-in one that fits the table: fitness for a "
            "club's table, subscription for any other).",
        ),
    ] = None,
    fee: Annotated[float | None, typer.Option("--fee", help="Monthly fee (member value).")] = None,
    offer_cost: Annotated[
        float | None, typer.Option("--offer-cost", help="Cost of one offer, for every measure.")
    ] = None,
    months_kept: Annotated[
        float | None,
        typer.Option("--months-kept", help="How many more months a kept member pays."),
    ] = None,
    success_rate: Annotated[
        float | None,
        typer.Option("--success-rate", help="Share of would-be leavers a measure keeps, for all."),
    ] = None,
    budget: Annotated[
        float | None, typer.Option("--budget", help="The most the campaign may cost.")
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option(
            "--currency",
            help="The currency of --fee and every sum in the report (default: the playbook's).",
        ),
    ] = None,
    discount: DiscountOpt = None,
    objective: ObjectiveOpt = Objective.saving,
    seed: SeedOpt = 0,
    store_url: FolderStoreOpt = None,
    month: MonthOpt = None,
    engine: EngineOpt = Engine.local,
    scheduler: SchedulerOpt = None,
    sample_rows: Annotated[
        int | None,
        typer.Option(
            "--sample-rows",
            min=MIN_TUNE_ROWS,
            help=f"With --engine dask: the members of a random sample the model and the "
            f"segments are fitted on (default {SAMPLE_ROWS:,}); every member is then scored, "
            "placed and planned for on the cluster.",
        ),
    ] = None,
) -> None:
    """Why members leave, who they are, whom to call with what: the report and its exports."""
    from churnlab.analysis.analyze import analyze as run_analysis
    from churnlab.plan.playbook import builtin_playbook, default_playbook, load_playbook
    from churnlab.report.export import OUTPUTS, SCORES_PARTS
    from churnlab.scoring.distributed import dask_client
    from churnlab.store.folder import ClubFolder

    started = time.perf_counter()
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(
            f"--out names a file, not a folder: {str(out_dir)!r}",
            fix="give --out a folder for the report and the exports, e.g. --out report/",
        )
    parquet = check_dask_source(data, query=query, table=table) if engine is Engine.dask else None
    if parquet is None:
        for option, given_value in (("--scheduler", scheduler), ("--sample-rows", sample_rows)):
            if given_value is not None:
                raise UsageError(f"{option} needs --engine dask", fix="add --engine dask")
    refuse_overwriting_inputs({}, [data, playbook_path], folders={"--out": out_dir})
    folder = ClubFolder(out_dir)
    history = folder.history_url(store_url)
    # a shared database is opened before any work, so a bad URL fails fast; the folder's own
    # history is made with the folder's other files, once the analysis is done
    store = None if history == folder.own_history else open_store(history, club=folder.id)
    given = load_playbook(playbook_path) if playbook_path is not None else None
    overrides: dict[str, Any] = {
        "fee": fee,
        "months_kept": months_kept,
        "offer_cost": offer_cost,
        "success_rate": success_rate,
        "budget": budget,
        "currency": currency,
        "discount": discount,
    }
    (given or builtin_playbook("fitness")).economics.override(**overrides)  # checked before work
    with ExitStack() as cluster:
        if parquet is not None:
            client = cluster.enter_context(dask_client(scheduler))
            frame, rows, source = read_sample(parquet, client, sample_rows or SAMPLE_ROWS, seed)
        else:
            frame, source = read_members(data, query=query, table=table)
            rows = len(frame)
        # the run history knows a table by one name; the report and these lines word it
        shown = shown_name(source)
        spec = spec_for(
            frame,
            shown,
            target=target,
            positive=positive,
            id_col=id_col,
            keep=keep,
            levers=lever,
            traits=trait,
        )
        playbook = given or default_playbook(spec)
        if given is None:
            name = playbook.name.get(lang.value, playbook.name["en"])
            err.print(say("playbook", name=escape(name)))
        economics = playbook.economics.override(**overrides)
        with stages(say("analysing")) as stage:
            on_sample = len(frame) < rows
            analysis = run_analysis(
                frame,
                spec,
                source=shown,
                lang=lang.value,
                playbook=playbook,
                economics=economics,
                random_state=seed,
                on_step=(lambda name: stage(say("on_sample", step=step(name))))
                if on_sample
                else stage,
                objective=objective.value,
            )
            run = Run(out_dir, folder, history, store, source, month)
            if parquet is not None:
                stage(say("on_cluster"))
                done = on_the_cluster(run, parquet, analysis, economics, client, objective.value)
                summary, rejects, scores_at = done.summary, done.rejects, f"{SCORES_PARTS}/"
            else:
                stage(say("writing"))
                write_here(run, analysis, rows=rows, stage=stage)
                summary, rejects, scores_at = analysis.summary, analysis.rejects, OUTPUTS["scores"]
    seconds = time.perf_counter() - started
    for sentence in summary.conclusions:
        out.print(f"- {escape(sentence)}")
    rejects_path = escape(str(out_dir / OUTPUTS["rejects"]))
    rejected = (
        say("rejected_to", rejected=number(len(rejects)), path=rejects_path) if len(rejects) else ""
    )
    counts = {"members": number(summary.data.members), "seconds": number(seconds, 1)}
    err.print(say("analysed", **counts, source=escape(shown)) + rejected)
    report, everyone = out_dir / OUTPUTS["report"], f"{out_dir}{os.sep}{scores_at}"
    err.print(say("report", report=escape(str(report)), scores=escape(everyone)))


@dataclass(frozen=True)
class Run:
    """Where an analysis is written and recorded: ``store`` is the run history opened before the
    work (a shared database), or None for the folder's own, made with the folder's files."""

    out_dir: Path
    folder: ClubFolder
    history: str
    store: Store | None
    source: str
    month: str | None

    def history_store(self) -> Store:
        """The run history, opened now if it is the folder's own."""
        return self.store or open_store(self.history, club=self.folder.id)


def write_here(run: Run, analysis: Analysis, *, rows: int, stage: Callable[[str], None]) -> None:
    """Write the folder's files and record the run, with each member's scores: the files appear
    together, once the run is recorded, or none of them."""
    from churnlab.report.export import OUTPUTS, SCORES_PARTS, write_outputs

    paths = {role: run.out_dir / name for role, name in OUTPUTS.items()}
    members = analysis.members
    campaign_by_row = analysis.plan.campaign.set_index("row")
    in_campaign = members["row"].isin(campaign_by_row.index)
    # a Dask run's parts are wrong once these scores are in
    stale = [run.out_dir / SCORES_PARTS]
    with outputs_together(paths.values(), stale=stale) as staged:
        write_outputs(analysis, staged[paths["report"]].parent, club_id=run.folder.id_file())
        stage(say("recording"))
        record_run(
            run.history_store(),
            kind="analyze",
            source=run.source,
            model=analysis.model,
            model_path=paths["model"],
            rows=rows,
            scored=len(members),
            rejected=len(analysis.rejects),
            month=run.month,
            scores=members.assign(
                reasons=analysis.reasons,
                # the measure of the members the campaign calls; the others get none
                action=members["recommended_measure"].where(in_campaign),
                measure=members["row"].map(campaign_by_row["measure"]),
                campaign_rank=members["row"].map(campaign_by_row["rank"]),
            ),
            id_col=analysis.model.spec_.id_col,
        )
