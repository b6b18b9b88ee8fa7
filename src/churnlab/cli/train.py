"""`churnlab train`: learn a calibrated churn model from a member table and save it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from churnlab.cli._common import (
    DataArg,
    Engine,
    EngineOpt,
    FolderModel,
    IdOpt,
    KeepOpt,
    LangOpt,
    Language,
    LearnerChoice,
    LearnerOpt,
    LeverOpt,
    PositiveOpt,
    QueryOpt,
    SchedulerOpt,
    SeedOpt,
    StoreOpt,
    TableOpt,
    TargetOpt,
    TraitOpt,
    err,
    handles_errors,
    open_store,
    progress,
    read_members,
    record_run,
    shown_name,
    spec_for,
)
from churnlab.cli._tables import metrics_table
from churnlab.cli._words import learner_name, number, percent, say
from churnlab.data.atomic import outputs_together, refuse_overwriting_inputs
from churnlab.errors import UsageError
from churnlab.model.settings import MIN_TUNE_ROWS, TUNE_BASE, TUNE_ROWS, TuneRows, tuning_size

if TYPE_CHECKING:
    from churnlab.model.churn_model import ChurnModel
    from churnlab.store import Store


@handles_errors
def train(
    data: DataArg = None,
    model_path: Annotated[
        Path, typer.Option("--model", help="Where to write the model file.")
    ] = Path("model.churnlab"),
    target: TargetOpt = "Churn",
    positive: PositiveOpt = None,
    id_col: IdOpt = None,
    keep: KeepOpt = None,
    lever: LeverOpt = None,
    trait: TraitOpt = None,
    query: QueryOpt = None,
    table: TableOpt = None,
    learner: LearnerOpt = LearnerChoice.auto,
    folds: Annotated[int, typer.Option(min=2, help="Folds to tune and calibrate on.")] = 5,
    seed: SeedOpt = 0,
    store_url: StoreOpt = None,
    engine: EngineOpt = Engine.local,
    scheduler: SchedulerOpt = None,
    tune_rows: Annotated[
        int | None,
        typer.Option(
            min=MIN_TUNE_ROWS,
            help="On larger tables, choose, tune and calibrate on a stratified sample of at most "
            "this many members; the final fit uses every row. Default: every row up to "
            f"{TUNE_BASE:,}, then a sample that grows slowly with the table (17,783 of 100,000, "
            f"31,623 of a million, at most {TUNE_ROWS:,}).",
            show_default=False,
        ),
    ] = None,
    run: Annotated[
        Path | None,
        typer.Option(
            "--run",
            help="Instead of DATA: refit the club folder's model on its closed months' "
            "untreated members (control groups and those outside the campaigns); the old model "
            "is kept in the folder's models/.",
            show_default=False,
        ),
    ] = None,
    lang: LangOpt = Language.en,
) -> None:
    """Train a calibrated churn model on DATA and save it to --model (or, with --run, refit a
    club folder's model on its closed months)."""
    from churnlab.data.validate import check_training_table
    from churnlab.model.churn_model import ChurnModel

    if run is not None:
        if data is not None:
            raise UsageError(
                "give either DATA or --run: --run trains on the folder's closed months",
                fix="leave out DATA, or leave out --run",
            )
        _refit_folder(run, store_url, learner, folds, seed)
        return

    if model_path.is_dir():
        raise UsageError(
            f"--model names a folder: {str(model_path)!r}",
            fix="give a file name for the model, e.g. model.churnlab",
        )
    refuse_overwriting_inputs({"--model": model_path}, [data])
    if engine is Engine.dask:
        _train_on_dask(data, model_path, target, positive, id_col, keep, learner, seed,
                       scheduler, store_url, levers=lever, traits=trait)  # fmt: skip
        return
    if scheduler is not None:
        raise UsageError("--scheduler needs --engine dask", fix="add --engine dask")
    started = time.perf_counter()
    store = open_store(store_url)
    frame, source = read_members(data, query=query, table=table)
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
    X, y = check_training_table(frame, spec, source=shown)
    setting: TuneRows = "auto" if tune_rows is None else tune_rows
    tuned = tuning_size(len(X), setting)
    sampled = say("tuned_on", tuned=number(tuned)) if len(X) > tuned else ""
    with progress(say("training", members=number(len(X)), sampled=sampled)):
        model = ChurnModel(
            spec, learner=learner.value, folds=folds, random_state=seed, tune_rows=setting
        ).fit(X, y)
    _save_and_record(store, model, model_path, source, rows=len(frame))
    seconds = time.perf_counter() - started
    told = {
        "members": number(len(X)),
        "left": number(int(y.sum())),
        "source": escape(shown),
        "seconds": number(seconds, 1),
        "learner": learner_name(model.learner_),
        "params": escape(str(model.params_)),
    }
    err.print(say("trained", **told))
    tuned_on = len(model.oof_rows_)
    sample = say("of_sample", members=number(tuned_on)) if tuned_on < len(X) else ""
    metrics_table(
        model.oof_metrics_,
        title=say("oof_title", folds=folds, sample=sample, threshold=number(model.threshold_, 2)),
    )
    err.print(say("model_written", path=escape(str(model_path))))


def _save_and_record(
    store: Store, model: ChurnModel, model_path: Path, source: str, rows: int
) -> None:
    """Write the model file and record the run: the file appears only once the run is in."""
    from churnlab.model.persist import save_model

    with outputs_together([model_path]) as staged:
        save_model(model, staged[model_path], source=source)
        record_run(store, kind="train", source=source, model=model, model_path=model_path,
                   rows=rows, scored=0, rejected=0)  # fmt: skip


def _train_on_dask(
    data: str | None,
    model_path: Path,
    target: str,
    positive: str | None,
    id_col: str | None,
    keep: list[str] | None,
    learner: LearnerChoice,
    seed: int,
    scheduler: str | None,
    store_url: str | None,
    *,
    levers: list[str] | None,
    traits: list[str] | None,
) -> None:
    """`train --engine dask`: LightGBM on the cluster, calibrated on held-out rows."""
    from churnlab.scoring.distributed import (
        HOLDOUT,
        dask_client,
        read_parquet_partitions,
        train_on_dask,
    )

    if data is None or "://" in data:
        raise UsageError(
            "--engine dask needs DATA: a Parquet file or a folder of them",
            fix="give the path, e.g. churnlab train members/ --engine dask",
        )
    if learner not in (LearnerChoice.auto, LearnerChoice.boosting):
        raise UsageError(
            f"--engine dask trains LightGBM (boosting), not {learner.value}",
            fix="leave out --learner, or use --learner boosting",
        )
    started = time.perf_counter()
    store = open_store(store_url)
    rows = int(read_parquet_partitions(data)[1].sum())
    where = escape(scheduler) if scheduler else say("local_cluster")
    training = say("training_on", rows=number(rows), where=where)
    with progress(training), dask_client(scheduler) as client:
        model = train_on_dask(
            data,
            client=client,
            target_col=target,
            positive=positive,
            id_col=id_col,
            keep=tuple(keep or ()),
            levers=tuple(levers or ()),
            traits=tuple(traits or ()),
            random_state=seed,
        )
    _save_and_record(store, model, model_path, data, rows=rows)
    told = {
        "rows": number(rows),
        "source": escape(data),
        "where": where,
        "seconds": number(time.perf_counter() - started, 1),
        "learner": learner_name("boosting"),
        "params": escape(str(model.params_)),
    }
    err.print(say("trained_on", **told))
    share, threshold = percent(HOLDOUT), number(model.threshold_, 2)
    metrics_table(model.oof_metrics_, title=say("holdout_title", share=share, threshold=threshold))
    err.print(say("model_written", path=escape(str(model_path))))


def _refit_folder(
    run: Path, store_url: str | None, learner: LearnerChoice, folds: int, seed: int
) -> None:
    """`train --run DIR`: the folder's model refitted on its closed months."""
    from churnlab.analysis.loop import closed_months, refit
    from churnlab.scoring.bundle import load_bundle
    from churnlab.store import Store
    from churnlab.store.folder import ClubFolder

    started = time.perf_counter()
    folder = ClubFolder(run)
    bundle = load_bundle(run=run)
    store = Store(folder.history_url(store_url), club=folder.id)
    closed = closed_months(store, before="9999-12")
    with progress(say("refitting", months=number(len(closed)))):
        model, reference = refit(
            bundle,
            closed,
            folder,
            learner=None if learner is LearnerChoice.auto else learner.value,
            folds=folds,
            random_state=seed,
        )
    months = ", ".join(c.month for c in closed)
    files = FolderModel.of(folder.path, bundle.model)
    with outputs_together(files.targets) as staged:
        files.write(staged, model, reference, source=f"closed months {months}")
        record_run(store, kind="train", source=f"closed months {months}", model=model,
                   model_path=folder.path / "model.churnlab", rows=len(model.oof_rows_),
                   scored=0, rejected=0)  # fmt: skip
    seconds = number(time.perf_counter() - started, 1)
    learner_text = learner_name(model.learner_)
    err.print(say("refitted", months=escape(months), seconds=seconds, learner=learner_text))
    metrics_table(model.oof_metrics_, title=say("folds_title", folds=number(folds)))
    kept = say("old_kept", path=escape(str(files.kept))) if files.kept else ""
    err.print(say("model_written", path=escape(str(files.model))) + kept)
