"""`churnlab month`: this month's members scored, planned for, with a control group held back."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pandas as pd
import typer
from rich.markup import escape

from churnlab.cli._common import (
    DiscountOpt,
    FolderModel,
    FolderStoreOpt,
    IdOpt,
    Language,
    Objective,
    ObjectiveOpt,
    QueryOpt,
    SeedOpt,
    TableOpt,
    err,
    handles_errors,
    read_members,
    record_run,
    stepping,
)
from churnlab.cli._words import language, number, percent, say, signed, speak, step
from churnlab.data.atomic import outputs_together, refuse_overwriting_inputs
from churnlab.errors import UsageError

if TYPE_CHECKING:
    from churnlab.analysis.loop import ClubMonth
    from churnlab.scoring.bundle import Bundle

#: The rows of an outcomes file naming members the closed month did not score.
UNMATCHED = "outcomes_rejects.csv"


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
    outcomes_path: Annotated[
        Path | None,
        typer.Option(
            "--outcomes",
            help="Last month's outcomes as the club exports them (member id and left/stayed, "
            "any labels such as 1/0, yes/no, cancelled): they override or complete what the "
            "snapshot says (a member missing from it left).",
            show_default=False,
        ),
    ] = None,
    retrain: Annotated[
        bool,
        typer.Option(
            "--retrain",
            help="Refit the model on the closed months' untreated members (control groups "
            "and those outside the campaigns) before scoring; the old model is kept in "
            "models/.",
        ),
    ] = False,
    discount: DiscountOpt = None,
    objective: ObjectiveOpt = Objective.saving,
    id_col: IdOpt = None,
    seed: SeedOpt = 0,
    store_url: FolderStoreOpt = None,
    query: QueryOpt = None,
    table: TableOpt = None,
) -> None:
    """Close last month (who left, how good the predictions were, what each measure did), then
    score this month's members, plan the campaign, hold back a control group."""
    from churnlab.analysis.loop import club_month
    from churnlab.data.write import write_table
    from churnlab.report.month_export import MONTH_OUTPUTS, write_month
    from churnlab.scoring.bundle import load_bundle
    from churnlab.store import Store, check_month
    from churnlab.store.folder import ID_FILE, ClubFolder

    started = time.perf_counter()
    this_month = check_month(month_)
    folder = ClubFolder(run)
    bundle = load_bundle(run=run)
    speak(lang.value if lang is not None else bundle.lang)  # as the month's texts: the folder's
    outputs = {role: folder.month_dir(this_month) / name for role, name in MONTH_OUTPUTS.items()}
    files = FolderModel.of(folder.path, bundle.model)
    written = {f"the month's {name}": path for name, path in outputs.items()}
    if retrain:
        written |= {"the model": files.model, "the reference": files.reference}
    refuse_overwriting_inputs(written, [data, outcomes_path])
    store = Store(folder.history_url(store_url), club=folder.id)
    frame, source = read_members(data, query=query, table=table)
    outcomes, outcomes_file = None, None
    if outcomes_path is not None:
        outcomes, outcomes_file = _read_outcomes(outcomes_path, bundle, id_col)
    with stepping(say("month_stepping", month=this_month)) as shown:
        club = club_month(
            bundle,
            frame,
            store=store,
            folder=folder,
            month=this_month,
            source=source,
            id_col=id_col,
            outcomes=outcomes,
            outcomes_file=outcomes_file,
            retrain=retrain,
            step=lambda text: shown(step(text)),
            control_share=control_share,
            budget=budget,
            seed=seed,
            lang=None if lang is None else lang.value,
            objective=objective.value,
            discount=discount,
        )
    done = club.run
    targets = list(outputs.values())
    if club.closing is not None and len(club.closing.unmatched):
        unmatched = folder.month_dir(this_month) / UNMATCHED
        targets.append(unmatched)
    if club.model is not None:
        targets += files.targets
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
        if club.closing is not None and len(club.closing.unmatched):
            write_table(club.closing.unmatched, staged[unmatched])
        if club.model is not None:
            files.write(staged, club.model, club.reference or {})
        record_run(
            store,
            kind="month",
            source=source,
            model=club.model or bundle.model,
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
            closes=None if club.closing is None else (club.closing.month, club.closing.outcomes),
        )
    _say_review(done.summary.get("review"), club)
    campaign = done.summary["campaign"]
    seconds = time.perf_counter() - started
    counts = {k: number(campaign[k]) for k in ("contact", "control")}
    rejected = number(len(done.rejects))
    err.print(
        say("month_done", month=this_month, members=number(len(members)),
            seconds=number(seconds, 1), **counts)
        + (say("month_rejected", rejected=rejected) if len(done.rejects) else "")
    )  # fmt: skip
    err.print(say("call_list", path=escape(str(outputs["plan_xlsx"]))))
    err.print(say("month_report", path=escape(str(outputs["report"]))))


def _read_outcomes(path: Path, bundle: Bundle, id_col: str | None) -> tuple[pd.DataFrame, str]:
    """The --outcomes file, read by its labels; every row it cannot use is an error."""
    from churnlab.data.outcomes import read_outcomes

    frame, source = read_members(str(path))
    spec = bundle.model.spec_
    return (
        read_outcomes(
            frame,
            id_col=id_col,
            known_ids=[spec.id_col] if spec.id_col else [],
            target_col=spec.target_col,
            positive=spec.positive_label,
            source=source,
        ),
        source,
    )


def _say_review(review: dict[str, Any] | None, club: ClubMonth) -> None:
    """What closing last month found, in three lines; each measure by the playbook's title in
    the run's language (:func:`~churnlab.report.month_review.measure_title`)."""
    from churnlab.report.month_review import measure_title

    if review is None:
        err.print(say("first_month"))
        return
    outcomes = review["outcomes"]
    counts = {k: number(outcomes[k]) for k in ("left", "scored")}
    band = {"low": number(outcomes["expected_low"]), "high": number(outcomes["expected_high"])}
    expected = number(outcomes["expected_leavers"])
    auc = _auc_text(review["backtest"]["untreated"])
    err.print(say("closed", month=review["month"], **counts, expected=expected, **band, auc=auc))
    for measure in review["measures"]:
        if measure.get("uplift") is None:
            continue
        title = escape(measure_title(measure, language()))
        uplift, low, high = (_points(measure[k]) for k in ("uplift", "uplift_low", "uplift_high"))
        arms = {k: number(measure[k]) for k in ("contact", "control")}
        err.print(say("uplift", title=title, uplift=uplift, low=low, high=high, **arms))
    measured = [
        g for g in club.run.summary["plan"]["target_groups"] if g["success_source"] == "measured"
    ]
    if measured:
        rates = "; ".join(
            say("measured_rate", name=escape(g["name"].split(" — ")[0]),
                rate=percent(g["success_rate"]), assumed=percent(g["success_assumed"]))
            for g in measured
        )  # fmt: skip
        err.print(say("measured", rates=rates))
    if club.closing is not None and len(club.closing.unmatched):
        rows = number(len(club.closing.unmatched))
        err.print(say("unmatched", rows=rows, month=review["month"], file=UNMATCHED))
    if review["recommendation"]["retrain"] and club.model is None:
        reasons = ", ".join(_retrain_reason(r) for r in review["recommendation"]["reasons"])
        err.print(say("retrain", reasons=reasons))
    if club.model is not None:
        err.print(say("refitted_month", auc=number(club.model.oof_metrics_["roc_auc"], 3)))


def _retrain_reason(reason: str) -> str:
    """Why retraining is recommended (``drift``, ``auc_drop``, ``miscalibrated``), in the run's
    language; a reason these words do not know, as it is."""
    try:
        return say(f"retrain_{reason}")
    except KeyError:
        return reason


def _auc_text(test: dict[str, Any]) -> str:
    """ROC-AUC with its interval, as far as they are known (one class only: none)."""
    auc, low, high = (test.get(k) for k in ("roc_auc", "roc_auc_low", "roc_auc_high"))
    if auc is None:
        return "—"
    return number(auc, 3) + (
        f" ({number(low, 3)}–{number(high, 3)})" if low is not None and high is not None else ""
    )


def _points(share: float | None) -> str:
    """A change of a share in percentage points: ``+15.0 pts``; "—" when unknown."""
    return "—" if share is None else say("points", points=signed(100 * share, 1))
