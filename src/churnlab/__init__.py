"""churnlab: understand and fight member churn.

Read any member table, train a calibrated churn model, score every member, and analyse why
members leave, who they are and whom to call (:func:`analyze`)::

    >>> from churnlab import ChurnModel, load_gym_churn
    >>> members = load_gym_churn()
    >>> members.shape
    (4000, 14)

Names are imported on first use (PEP 562), so ``import churnlab`` and the command line start
without loading what a command does not need (scikit-learn alone takes about a second).
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING

from churnlab._version import __version__

# A library logs; the application decides where it goes. Without this, Python's last-resort
# handler would print churnlab's notes for developers on a user's stderr.
logging.getLogger("churnlab").addHandler(logging.NullHandler())

if TYPE_CHECKING:
    from typing import Any

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
    from churnlab.evaluate import (
        Evaluation,
        classification_metrics,
        cross_evaluate,
        holdout_evaluate,
    )
    from churnlab.explain import contributions, drivers, reasons
    from churnlab.io import read_table, write_table
    from churnlab.model import ChurnModel
    from churnlab.persist import load_model, save_model
    from churnlab.plan import (
        Economics,
        Plan,
        Playbook,
        build_plan,
        builtin_playbook,
        default_playbook,
        load_playbook,
    )
    from churnlab.report.summary import Summary
    from churnlab.scoring import ScoreResult, score_members
    from churnlab.segment import Segmenter, describe_segments
    from churnlab.spec import DatasetSpec, FeatureSpec, gym_spec, infer_spec
    from churnlab.validate import check_members

#: Where each public name lives.
_EXPORTS = {
    "Analysis": "churnlab.analysis",
    "analyze": "churnlab.analysis",
    "load_gym_churn": "churnlab.datasets",
    "make_members": "churnlab.datasets",
    "ChurnlabError": "churnlab.errors",
    "DataError": "churnlab.errors",
    "ModelFileError": "churnlab.errors",
    "ReadError": "churnlab.errors",
    "SchemaError": "churnlab.errors",
    "UsageError": "churnlab.errors",
    "ValidationError": "churnlab.errors",
    "Evaluation": "churnlab.evaluate",
    "classification_metrics": "churnlab.evaluate",
    "cross_evaluate": "churnlab.evaluate",
    "holdout_evaluate": "churnlab.evaluate",
    "contributions": "churnlab.explain",
    "drivers": "churnlab.explain",
    "reasons": "churnlab.explain",
    "read_table": "churnlab.io",
    "write_table": "churnlab.io",
    "ChurnModel": "churnlab.model",
    "load_model": "churnlab.persist",
    "save_model": "churnlab.persist",
    "Economics": "churnlab.plan",
    "Plan": "churnlab.plan",
    "Playbook": "churnlab.plan",
    "build_plan": "churnlab.plan",
    "builtin_playbook": "churnlab.plan",
    "default_playbook": "churnlab.plan",
    "load_playbook": "churnlab.plan",
    "Summary": "churnlab.report.summary",
    "ScoreResult": "churnlab.scoring",
    "score_members": "churnlab.scoring",
    "Segmenter": "churnlab.segment",
    "describe_segments": "churnlab.segment",
    "DatasetSpec": "churnlab.spec",
    "FeatureSpec": "churnlab.spec",
    "gym_spec": "churnlab.spec",
    "infer_spec": "churnlab.spec",
    "check_members": "churnlab.validate",
}

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
    "builtin_playbook",
    "check_members",
    "classification_metrics",
    "contributions",
    "cross_evaluate",
    "default_playbook",
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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'churnlab' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup does not come here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
