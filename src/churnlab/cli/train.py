"""`churnlab train`: learn a calibrated churn model from a member table and save it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from churnlab.cli._common import (
    DataArg,
    IdOpt,
    KeepOpt,
    LearnerChoice,
    LearnerOpt,
    PositiveOpt,
    QueryOpt,
    StoreOpt,
    TableOpt,
    TargetOpt,
    err,
    handles_errors,
    open_store,
    progress,
    read_members,
    record_run,
    spec_for,
)
from churnlab.cli._tables import metrics_table
from churnlab.errors import UsageError
from churnlab.model import ChurnModel
from churnlab.persist import save_model
from churnlab.validate import check_training_table


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
    query: QueryOpt = None,
    table: TableOpt = None,
    learner: LearnerOpt = LearnerChoice.auto,
    folds: Annotated[int, typer.Option(min=2, help="Folds to tune and calibrate on.")] = 5,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    store_url: StoreOpt = None,
) -> None:
    """Train a calibrated churn model on DATA and save it to --model."""
    if model_path.is_dir():
        raise UsageError(
            f"--model names a folder: {str(model_path)!r}",
            fix="give a file name for the model, e.g. model.churnlab",
        )
    started = time.perf_counter()
    store = open_store(store_url)
    frame, source = read_members(data, query=query, table=table)
    spec = spec_for(frame, source, target=target, positive=positive, id_col=id_col, keep=keep)
    X, y = check_training_table(frame, spec, source=source)
    with progress(f"training on {len(X):,} members"):
        model = ChurnModel(spec, learner=learner.value, folds=folds, random_state=seed).fit(X, y)
    save_model(model, model_path)
    seconds = time.perf_counter() - started
    err.print(
        f"trained on {len(X):,} members ({int(y.sum()):,} left) from {escape(source)} "
        f"in {seconds:.1f} s; "
        f"learner: [bold]{model.learner_}[/] {model.params_}"
    )
    metrics_table(
        model.oof_metrics_,
        title=f"Out-of-fold metrics ({folds} folds, threshold {model.threshold_:.2f})",
    )
    err.print(f"model written to [bold]{escape(str(model_path))}[/]")
    record_run(
        store,
        kind="train",
        source=source,
        model=model,
        model_path=model_path,
        rows=len(frame),
        scored=0,
        rejected=0,
    )
