"""churnlab: understand and fight member churn.

Read any member table, train a calibrated churn model, score every member, and analyse why
members leave, who they are and whom to call (:func:`analyze`)::

    >>> from churnlab import ChurnModel, load_gym_churn
    >>> members = load_gym_churn()
    >>> members.shape
    (4000, 14)
"""

from churnlab._version import __version__
from churnlab.analysis import Analysis, analyze
from churnlab.datasets import load_gym_churn, make_members
from churnlab.errors import (
    ChurnlabError,
    DataError,
    ModelFileError,
    ReadError,
    SchemaError,
    UsageError,
    ValidationError,
)
from churnlab.evaluate import Evaluation, classification_metrics, cross_evaluate, holdout_evaluate
from churnlab.explain import contributions, drivers, reasons
from churnlab.io import read_table, write_table
from churnlab.model import ChurnModel
from churnlab.persist import load_model, save_model
from churnlab.plan import Economics, Plan, Playbook, build_plan, load_playbook
from churnlab.report.summary import Summary
from churnlab.scoring import ScoreResult, score_members
from churnlab.segment import Segmenter, describe_segments
from churnlab.spec import DatasetSpec, FeatureSpec, gym_spec, infer_spec
from churnlab.validate import check_members

__all__ = [
    "Analysis",
    "ChurnModel",
    "ChurnlabError",
    "DataError",
    "DatasetSpec",
    "Economics",
    "Evaluation",
    "FeatureSpec",
    "ModelFileError",
    "Plan",
    "Playbook",
    "ReadError",
    "SchemaError",
    "ScoreResult",
    "Segmenter",
    "Summary",
    "UsageError",
    "ValidationError",
    "__version__",
    "analyze",
    "build_plan",
    "check_members",
    "classification_metrics",
    "contributions",
    "cross_evaluate",
    "describe_segments",
    "drivers",
    "gym_spec",
    "holdout_evaluate",
    "infer_spec",
    "load_gym_churn",
    "load_model",
    "load_playbook",
    "make_members",
    "read_table",
    "reasons",
    "save_model",
    "score_members",
    "write_table",
]
