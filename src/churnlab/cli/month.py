"""`churnlab month`: this month's members scored, planned for, with a control group held back."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from churnlab.cli._common import (
    FolderStoreOpt,
    IdOpt,
    QueryOpt,
    SeedOpt,
    TableOpt,
    err,
    handles_errors,
    progress,
    read_members,
    record_run,
)
from churnlab.cli.analyze import Language
from churnlab.data.atomic import outputs_together, refuse_overwriting_inputs
from churnlab.errors import UsageError


def _checked_share(value: float) -> float:
    from churnlab.plan.control import check_share

    try:
        return check_share(value)
    except UsageError as exc:
        raise typer.BadParameter(exc.problem) from None


@handles_errors
def month(
    data: Annotated[
        str,
        typer.Argument(
            help="This month's active members: CSV, Parquet or XLSX file, or an SQLAlchemy URL "
            "(with --query or --table); the model's columns and a member id, no target needed.",
            show_default=False,
        ),
    ],
    run: Annotated[
        Path, typer.Option("--run", help="The club's folder, from `churnlab analyze --out`.")
    ] = Path("churnlab-report"),
    month_: Annotated[
        str | None,
        typer.Option(
            "--month",
            help="The month, YYYY-MM (default: this month); running a month again replaces it.",
        ),
    ] = None,
    control_share: Annotated[
        float,
        typer.Option(
            "--control-share",
            help="The share of each measure's members held back at random, not contacted, so "
            "that next month can measure what the measure did (0 holds no one back).",
            callback=_checked_share,
        ),
    ] = 0.2,
    budget: Annotated[
        float | None,
        typer.Option("--budget", help="The most the campaign may cost (default: the folder's)."),
    ] = None,
    lang: Annotated[
        Language | None,
        typer.Option("--lang", help="The language of every text (default: the folder's)."),
    ] = None,
    id_col: IdOpt = None,
    seed: SeedOpt = 0,
    store_url: FolderStoreOpt = None,
    query: QueryOpt = None,
    table: TableOpt = None,
) -> None:
    """Score this month's members, plan the campaign, hold back a control group."""
    from churnlab.analysis.month import run_month
    from churnlab.report.month_export import MONTH_OUTPUTS, write_month
    from churnlab.scoring.bundle import load_bundle
    from churnlab.store import Store, check_month
    from churnlab.store.folder import ID_FILE, ClubFolder

    started = time.perf_counter()
    this_month = check_month(month_)
    folder = ClubFolder(run)
    bundle = load_bundle(run=run)
    outputs = {role: folder.month_dir(this_month) / name for role, name in MONTH_OUTPUTS.items()}
    refuse_overwriting_inputs(
        {f"the month's {name}": path for name, path in outputs.items()}, [data]
    )
    store = Store(folder.history_url(store_url), club=folder.id)
    frame, source = read_members(data, query=query, table=table)
    earlier = [m for m in store.months() if m < this_month]
    previous = store.month_scores(earlier[-1]) if earlier else None
    with progress(f"scoring and planning {len(frame):,} members for {this_month}"):
        done = run_month(
            bundle,
            frame,
            month=this_month,
            club=folder.id,
            source=source,
            id_col=id_col,
            control_share=control_share,
            budget=budget,
            seed=seed,
            lang=None if lang is None else lang.value,
            previous=previous,
        )
    targets = list(outputs.values())
    id_file = folder.path / ID_FILE
    adopting = not id_file.is_file()  # a folder analysed before folders had ids
    if adopting:
        targets.append(id_file)
    members = done.members
    with outputs_together(targets) as staged:
        write_month(
            done,
            staged[outputs["report"]].parent,
            shown_as=str(run),
            club=bundle.model.spec_.is_club_table,
        )
        if adopting:
            staged[id_file].write_bytes(folder.id_file())
        record_run(
            store,
            kind="month",
            source=source,
            model=bundle.model,
            model_path=folder.path / "model.churnlab",
            rows=len(frame),
            scored=len(members),
            rejected=len(done.rejects),
            month=this_month,
            scores=members.assign(
                reasons=members.filter(regex=r"^reason_\d+$").apply(
                    lambda r: "; ".join(x for x in r if isinstance(x, str) and x), axis=1
                ),
                action=members["measure_title"],
                campaign_group=members["group"],
            ),
            id_col=done.id_col,
        )
    campaign = done.summary["campaign"]
    seconds = time.perf_counter() - started
    err.print(
        f"month {this_month}: {len(members):,} members scored in {seconds:.1f} s; "
        f"{campaign['contact']:,} calls to make, {campaign['control']:,} held back as the "
        "control group"
        + (f"; [yellow]{len(done.rejects):,} rows rejected[/]" if len(done.rejects) else "")
    )
    err.print(f"call list: [bold]{escape(str(outputs['plan_xlsx']))}[/]")
    err.print(f"report: [bold]{escape(str(outputs['report']))}[/]")
