"""`churnlab analyze`: drivers, member portraits, a retention plan and the report, in one run."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from churnlab.cli._common import (
    BUNDLED,
    DataArg,
    DiscountOpt,
    FolderStoreOpt,
    IdOpt,
    KeepOpt,
    LeverOpt,
    MonthOpt,
    Objective,
    ObjectiveOpt,
    PositiveOpt,
    QueryOpt,
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
    spec_for,
    stages,
)
from churnlab.data.atomic import outputs_together, refuse_overwriting_inputs
from churnlab.errors import UsageError


class Language(StrEnum):
    """The languages of the report."""

    en = "en"
    ru = "ru"


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
    lang: Annotated[Language, typer.Option("--lang", help="The language of every text.")] = (
        Language.en
    ),
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
) -> None:
    """Why members leave, who they are, whom to call with what: the report and its exports."""
    from churnlab.analysis.analyze import analyze as run_analysis
    from churnlab.plan.playbook import builtin_playbook, default_playbook, load_playbook
    from churnlab.report.export import OUTPUTS, write_outputs
    from churnlab.store.folder import ClubFolder

    started = time.perf_counter()
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(
            f"--out names a file, not a folder: {str(out_dir)!r}",
            fix="give --out a folder for the report and the exports, e.g. --out report/",
        )
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
    frame, source = read_members(data, query=query, table=table)
    if source == BUNDLED and lang is Language.ru:
        source = "встроенная таблица клуба"
    spec = spec_for(
        frame,
        source,
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
        err.print(f"playbook: [bold]{escape(name)}[/] (built in; your own: --playbook FILE.yaml)")
    economics = playbook.economics.override(**overrides)
    with stages("analysing") as stage:
        analysis = run_analysis(
            frame,
            spec,
            source=source,
            lang=lang.value,
            playbook=playbook,
            economics=economics,
            random_state=seed,
            on_step=stage,
            objective=objective.value,
        )
        stage("writing the report and the exports")
        paths = {role: out_dir / name for role, name in OUTPUTS.items()}
        members = analysis.members
        # the folder's files appear together, once the run is recorded, or none of them
        campaign_by_row = analysis.plan.campaign.set_index("row")
        in_campaign = members["row"].isin(campaign_by_row.index)
        with outputs_together(paths.values()) as staged:
            write_outputs(analysis, staged[paths["report"]].parent, club_id=folder.id_file())
            stage("recording the run")
            record_run(
                store or open_store(history, club=folder.id),
                kind="analyze",
                source=source,
                model=analysis.model,
                model_path=paths["model"],
                rows=len(frame),
                scored=len(members),
                rejected=len(analysis.rejects),
                month=month,
                scores=members.assign(
                    reasons=analysis.reasons,
                    # the measure of the members the campaign calls; the others get none
                    action=members["recommended_measure"].where(in_campaign),
                    measure=members["row"].map(campaign_by_row["measure"]),
                    campaign_rank=members["row"].map(campaign_by_row["rank"]),
                ),
                id_col=spec.id_col,
            )
    seconds = time.perf_counter() - started
    for sentence in analysis.summary.conclusions:
        out.print(f"- {escape(sentence)}")
    rejected = len(analysis.rejects)
    err.print(
        f"analysed {len(analysis.members):,} members from {escape(source)} in {seconds:.1f} s"
        + (
            f"; [yellow]{rejected:,} rows rejected[/] -> {escape(str(paths['rejects']))}"
            if rejected
            else ""
        )
    )
    err.print(f"report: [bold]{escape(str(paths['report']))}[/]")
