"""`churnlab evaluate`: honest, out-of-fold figures of the churn model, with their spread."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape

from churnlab.cli._common import (
    BUNDLED,
    DataArg,
    IdOpt,
    KeepOpt,
    LearnerChoice,
    LearnerOpt,
    PositiveOpt,
    QueryOpt,
    SeedOpt,
    TableOpt,
    TargetOpt,
    err,
    handles_errors,
    out,
    progress,
    read_members,
    spec_for,
)
from churnlab.cli._tables import evaluation_table

#: What the public studies of the club's table reached (80/20 split, random_state=0).
PUBLIC_STUDIES = (
    "public studies (80/20 split): logistic regression ROC-AUC 0.97, accuracy 0.92, "
    "precision 0.85, recall 0.83; random forest ROC-AUC 0.97, accuracy 0.92"
)


@handles_errors
def evaluate(
    data: DataArg = None,
    target: TargetOpt = "Churn",
    positive: PositiveOpt = None,
    id_col: IdOpt = None,
    keep: KeepOpt = None,
    query: QueryOpt = None,
    table: TableOpt = None,
    folds: Annotated[int, typer.Option(min=2, help="Folds of the stratified k-fold.")] = 5,
    repeats: Annotated[int, typer.Option(min=1, help="Repeats of the k-fold.")] = 2,
    learner: LearnerOpt = LearnerChoice.auto,
    seed: SeedOpt = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Measure the model out of fold on DATA: repeated stratified k-fold plus the 80/20 split."""
    from churnlab.data.validate import check_training_table
    from churnlab.model.churn_model import ChurnModel
    from churnlab.model.evaluate import cross_evaluate

    frame, source = read_members(data, query=query, table=table)
    spec = spec_for(frame, source, target=target, positive=positive, id_col=id_col, keep=keep)
    X, y = check_training_table(frame, spec, source=source)
    model = ChurnModel(spec, learner=learner.value, random_state=seed)
    with progress("cross-validating", total=folds * repeats + 1) as advance:
        evaluation = cross_evaluate(
            model, X, y, folds=folds, repeats=repeats, random_state=seed, on_fold=advance
        )
    if as_json:
        out.print_json(json.dumps({"source": source, "rows": len(X), **evaluation.to_dict()}))
        return
    evaluation_table(
        evaluation, title=f"Out-of-fold metrics on {escape(source)}: {repeats} x {folds}-fold"
    )
    if source == BUNDLED:
        err.print(PUBLIC_STUDIES)
