"""churnlab: understand and fight member churn.

Read any member table, train a calibrated churn model, and score every member::

    >>> from churnlab import ChurnModel, load_gym_churn
    >>> members = load_gym_churn()
    >>> members.shape
    (4000, 14)
"""

from churnlab._version import __version__
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
from churnlab.io import read_table, write_table
from churnlab.model import ChurnModel
from churnlab.persist import load_model, save_model
from churnlab.scoring import ScoreResult, score_members
from churnlab.spec import DatasetSpec, FeatureSpec, gym_spec, infer_spec
from churnlab.validate import check_members

__all__ = [
    "ChurnModel",
    "ChurnlabError",
    "DataError",
    "DatasetSpec",
    "Evaluation",
    "FeatureSpec",
    "ModelFileError",
    "ReadError",
    "SchemaError",
    "ScoreResult",
    "UsageError",
    "ValidationError",
    "__version__",
    "check_members",
    "classification_metrics",
    "cross_evaluate",
    "gym_spec",
    "holdout_evaluate",
    "infer_spec",
    "load_gym_churn",
    "load_model",
    "make_members",
    "read_table",
    "save_model",
    "score_members",
    "write_table",
]
