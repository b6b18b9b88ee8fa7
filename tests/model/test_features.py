"""churnlab.model.features: the derived metrics each table switches on, and their values."""

import numpy as np
import pandas as pd

from churnlab.data.infer import infer_spec
from churnlab.model.features import BehaviourMetrics, derived_metrics_for


def test_metrics_switch_on_only_with_their_columns(gym: pd.DataFrame, telco: pd.DataFrame) -> None:
    assert {m.name for m in derived_metrics_for(infer_spec(gym))} == {
        "visits_trend",
        "visits_ratio",
        "contract_used",
        "charges_per_month",
    }
    assert derived_metrics_for(infer_spec(telco)) == ()
    partial = gym[["Contract_period", "Month_to_end_contract", "Age", "Churn"]]
    assert [m.name for m in derived_metrics_for(infer_spec(partial))] == ["contract_used"]


def test_values(gym: pd.DataFrame) -> None:
    names = [m.name for m in derived_metrics_for(infer_spec(gym))]
    out = BehaviourMetrics(names).fit_transform(gym.head(50))
    np.testing.assert_allclose(
        out["visits_trend"],
        gym.head(50)["Avg_class_frequency_current_month"]
        - gym.head(50)["Avg_class_frequency_total"],
    )
    assert out["contract_used"].between(0, 1).all()
    one_month = gym.head(50)["Contract_period"] == 1
    assert (out.loc[one_month, "contract_used"] == 0).all()  # 1 month left of a 1-month contract
    assert list(out.columns[-4:]) == names


def test_members_who_stopped_visiting_have_a_low_ratio() -> None:
    frame = pd.DataFrame(
        {"Avg_class_frequency_current_month": [0.0, 2.0], "Avg_class_frequency_total": [2.0, 2.0]}
    )
    ratio = BehaviourMetrics(["visits_ratio"]).fit_transform(frame)["visits_ratio"]
    assert ratio.iloc[0] < 0.1 and ratio.iloc[1] == 1.0
