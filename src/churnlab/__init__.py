"""churnlab: understand and fight member churn.

Read any member table, train a calibrated churn model, score every member, and analyse why
members leave, who they are and whom to call (:func:`analyze`)::

    >>> from churnlab import ChurnModel, load_gym_churn
    >>> members = load_gym_churn()
    >>> members.shape
    (4000, 14)

Names are imported on first use (PEP 562), so ``import churnlab`` and the command line start
without loading what a command does not need (scikit-learn alone takes about a second).

The package is laid out in layers that follow the data's way, bottom to top: ``data`` (read,
write, what a table means, the checks), ``model`` (the churn model, its calibration, files and
evaluation), ``insight`` (drivers, reasons, portraits) and ``plan`` (playbooks, the plan),
``scoring`` (in memory, streamed, on Dask, with a bundle), ``analysis`` (``analyze`` -> a
``Summary``), ``store`` (the run history), ``report`` (the HTML report and exports), and the
``api`` and ``cli`` on top. The one rule: a layer imports only the layers below it (checked by
``lint-imports``, configured in ``pyproject.toml``).
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING

from churnlab._version import __version__ as __version__

# A library logs; the application decides where it goes. Without this, Python's last-resort
# handler would print churnlab's notes for developers on a user's stderr.
logging.getLogger("churnlab").addHandler(logging.NullHandler())

if TYPE_CHECKING:
    from typing import Any

    from churnlab.analysis.analyze import Analysis as Analysis, analyze as analyze
    from churnlab.analysis.summary import Summary as Summary
    from churnlab.data.datasets import (
        load_gym_churn as load_gym_churn,
        make_members as make_members,
    )
    from churnlab.data.feature import FeatureSpec as FeatureSpec
    from churnlab.data.infer import infer_spec as infer_spec
    from churnlab.data.read import read_table as read_table
    from churnlab.data.spec import DatasetSpec as DatasetSpec, gym_spec as gym_spec
    from churnlab.data.validate import check_members as check_members
    from churnlab.data.write import write_table as write_table
    from churnlab.errors import (
        ChurnlabError as ChurnlabError,
        DataError as DataError,
        ModelFileError as ModelFileError,
        ReadError as ReadError,
        SchemaError as SchemaError,
        UsageError as UsageError,
        ValidationError as ValidationError,
    )
    from churnlab.insight.explain import (
        contributions as contributions,
        drivers as drivers,
        reasons as reasons,
    )
    from churnlab.insight.segment import (
        Segmenter as Segmenter,
        describe_segments as describe_segments,
    )
    from churnlab.model.churn_model import ChurnModel as ChurnModel
    from churnlab.model.evaluate import (
        Evaluation as Evaluation,
        classification_metrics as classification_metrics,
        cross_evaluate as cross_evaluate,
        holdout_evaluate as holdout_evaluate,
    )
    from churnlab.model.persist import load_model as load_model, save_model as save_model
    from churnlab.plan.campaign import Plan as Plan, build_plan as build_plan
    from churnlab.plan.playbook import (
        Economics as Economics,
        Playbook as Playbook,
        builtin_playbook as builtin_playbook,
        default_playbook as default_playbook,
        load_playbook as load_playbook,
    )
    from churnlab.scoring.members import ScoreResult as ScoreResult, score_members as score_members

#: Where each public name lives.
_EXPORTS = {
    "Analysis": "churnlab.analysis.analyze",
    "analyze": "churnlab.analysis.analyze",
    "load_gym_churn": "churnlab.data.datasets",
    "make_members": "churnlab.data.datasets",
    "ChurnlabError": "churnlab.errors",
    "DataError": "churnlab.errors",
    "ModelFileError": "churnlab.errors",
    "ReadError": "churnlab.errors",
    "SchemaError": "churnlab.errors",
    "UsageError": "churnlab.errors",
    "ValidationError": "churnlab.errors",
    "Evaluation": "churnlab.model.evaluate",
    "classification_metrics": "churnlab.model.evaluate",
    "cross_evaluate": "churnlab.model.evaluate",
    "holdout_evaluate": "churnlab.model.evaluate",
    "contributions": "churnlab.insight.explain",
    "drivers": "churnlab.insight.explain",
    "reasons": "churnlab.insight.explain",
    "read_table": "churnlab.data.read",
    "write_table": "churnlab.data.write",
    "ChurnModel": "churnlab.model.churn_model",
    "load_model": "churnlab.model.persist",
    "save_model": "churnlab.model.persist",
    "Economics": "churnlab.plan.playbook",
    "Plan": "churnlab.plan.campaign",
    "Playbook": "churnlab.plan.playbook",
    "build_plan": "churnlab.plan.campaign",
    "builtin_playbook": "churnlab.plan.playbook",
    "default_playbook": "churnlab.plan.playbook",
    "load_playbook": "churnlab.plan.playbook",
    "Summary": "churnlab.analysis.summary",
    "ScoreResult": "churnlab.scoring.members",
    "score_members": "churnlab.scoring.members",
    "Segmenter": "churnlab.insight.segment",
    "describe_segments": "churnlab.insight.segment",
    "DatasetSpec": "churnlab.data.spec",
    "FeatureSpec": "churnlab.data.feature",
    "gym_spec": "churnlab.data.spec",
    "infer_spec": "churnlab.data.infer",
    "check_members": "churnlab.data.validate",
}

#: The public names, in order; the type checker learns them from the imports above.
__all__ = sorted(["__version__", *_EXPORTS])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'churnlab' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup does not come here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
