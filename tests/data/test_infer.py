"""churnlab.data.infer: the target, the member id, each feature's kind, what is set aside."""

import re

import numpy as np
import pandas as pd
import pytest

from churnlab.data.infer import encode_target, infer_spec
from churnlab.data.spec import DatasetSpec, gym_spec
from churnlab.errors import SchemaError


def _table(target: list, **features: list) -> pd.DataFrame:
    n = len(target)
    rng = np.random.default_rng(0)
    return pd.DataFrame({"visits": rng.uniform(0, 5, n), **features, "target": target})


def test_club_table_infers_to_the_built_in_spec(gym: pd.DataFrame) -> None:
    spec = infer_spec(gym)
    assert spec == gym_spec()
    assert spec.id_col is None and spec.set_aside == ()


@pytest.mark.parametrize(
    ("labels", "positive"),
    [
        ([1, 0], 1),
        ([True, False], True),
        (["yes", "no"], "yes"),
        (["No", "Yes"], "Yes"),
        (["churned", "active"], "churned"),
        (["Existing Customer", "Attrited Customer"], "Attrited Customer"),
        (["stayed", "left"], "left"),
        (["да", "нет"], "да"),
        (["остался", "ушёл"], "ушёл"),
        (["retained", "moved away"], "moved away"),
    ],
)
def test_positive_label_is_inferred_when_plain(labels: list, positive: object) -> None:
    spec = infer_spec(_table(labels * 10), target_col="target")
    assert spec.positive_label == positive


def test_unclear_labels_ask_for_positive() -> None:
    with pytest.raises(
        SchemaError, match=r"cannot tell which target value means 'left'.*'A', 'B'"
    ) as info:
        infer_spec(_table(["A", "B"] * 10), target_col="target", source="t.csv")
    assert "--positive" in str(info.value) and "t.csv" in str(info.value)


def test_given_positive_must_be_a_label() -> None:
    assert (
        infer_spec(_table(["A", "B"] * 10), target_col="target", positive="B").positive_label == "B"
    )
    with pytest.raises(SchemaError, match=r"--positive 'C' is not one of the target's values"):
        infer_spec(_table(["A", "B"] * 10), target_col="target", positive="C")


def test_numeric_positive_given_as_text_matches() -> None:
    assert infer_spec(_table([1, 0] * 10), target_col="target", positive="1").positive_label == 1


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([1] * 10, r"only one value \(1\)"),
        ([0, 1, 2] * 5, r"the target has 3 values \(0, 1, 2\); churn needs exactly two"),
        ([None] * 10, "the target column is empty"),
    ],
)
def test_unusable_targets(labels: list, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        infer_spec(_table(labels), target_col="target")


def test_missing_target_suggests_the_closest_column() -> None:
    frame = _table([0, 1] * 10).rename(columns={"target": "Exited"})
    with pytest.raises(
        SchemaError, match=r"(?s)target column 'exited' is not in the table.*did you mean 'Exited'"
    ):
        infer_spec(frame, target_col="exited")


def test_identifiers_are_detected_and_reported(telco: pd.DataFrame) -> None:
    spec = infer_spec(telco)
    assert spec.id_col == "customerID"
    assert "customerID" not in spec.feature_names
    aside = {s.column: s.reason for s in spec.set_aside}
    assert aside["Notes"].startswith("free text")


def test_distinct_integers_are_an_identifier_but_distinct_floats_are_not() -> None:
    frame = _table([0, 1] * 15, member_no=list(range(100, 130)), paid=np.linspace(1, 9, 30))
    spec = infer_spec(frame, target_col="target")
    assert spec.id_col == "member_no"
    assert "paid" in spec.feature_names  # 'paid' ends in 'id' but is no identifier


def test_second_identifier_is_set_aside() -> None:
    frame = _table([0, 1] * 15, member_id=range(30), card_uuid=[f"u{i}" for i in range(30)])
    spec = infer_spec(frame, target_col="target")
    assert spec.id_col == "member_id"
    assert [s.column for s in spec.set_aside] == ["card_uuid"]


def test_numbers_stored_as_text_with_blanks_are_numeric(telco: pd.DataFrame) -> None:
    assert not pd.api.types.is_numeric_dtype(telco["TotalCharges"])
    feature = infer_spec(telco).feature("TotalCharges")
    assert feature.kind == "numeric"


def test_kinds(telco: pd.DataFrame) -> None:
    spec = infer_spec(telco)
    kinds = {f.name: f.kind for f in spec.features}
    assert kinds == {
        "tenure": "numeric",
        "Contract": "categorical",
        "MonthlyCharges": "numeric",
        "TotalCharges": "numeric",
        "TechSupport": "binary",  # two-valued text: Yes/No
    }
    assert spec.feature("tenure").integer and not spec.feature("MonthlyCharges").integer


def test_constant_and_empty_columns_are_set_aside() -> None:
    frame = _table([0, 1] * 10, club=["north"] * 20, nothing=[None] * 20)
    aside = {s.column: s.reason for s in infer_spec(frame, target_col="target").set_aside}
    assert aside["club"].startswith("constant") and aside["nothing"].startswith("empty")


def test_every_reason_to_set_aside_is_a_kind_with_its_figures_worded_in_each_language() -> None:
    """The spec keeps why as a code and the figures the words quote (the command line and the
    report word them in the run's language), whatever the reason."""
    rng = np.random.default_rng(1)
    n = 300
    left = rng.integers(0, 2, n)
    frame = pd.DataFrame(
        {
            "member_code": [f"M{i:04d}" for i in rng.permutation(n)],
            "RowNumber": np.arange(1, n + 1),
            "card_id": rng.integers(0, 9, n),
            "voucher": [f"V{i:05d}" for i in rng.permutation(n) * 3],
            "photo": [bytes([i % 256]) for i in range(n)],
            "joined": pd.date_range("2021-01-01", periods=n, freq="D"),
            "nothing": [None] * n,
            "club": ["north"] * n,
            "notes": [f"called on day {i} about the price of a plan" for i in range(n)],
            "refund": left * 3.0 + rng.uniform(0, 1, n),
            "visits": rng.uniform(0, 5, n),
            "target": left,
        }
    )
    spec = infer_spec(frame, target_col="target")
    assert spec.id_col == "member_code"
    kinds = {s.column: (s.kind, dict(s.detail)) for s in spec.set_aside}
    auc = kinds["refund"][1]["auc"]
    assert kinds == {
        "photo": ("bytes", {}),
        "joined": ("date", {}),
        "nothing": ("empty", {}),
        "club": ("constant", {}),
        "notes": ("free_text", {"distinct": n}),
        "RowNumber": ("row_number", {}),
        "card_id": ("id_name", {}),
        "voucher": ("id_distinct", {}),
        "refund": ("leakage", {"auc": auc}),
    }
    assert auc == 1.0
    for aside in spec.set_aside:
        english, russian = aside.text("en"), aside.text("ru")
        assert english == aside.reason and re.search("[а-я]", russian), aside
        assert not re.search("[а-я]", english) and english != russian, aside


def test_leakage_is_reported_and_left_out_unless_kept() -> None:
    rng = np.random.default_rng(3)
    left = rng.integers(0, 2, 300)
    frame = pd.DataFrame(
        {"visits": rng.uniform(0, 5, 300), "cancel_date_set": left, "target": left}
    )
    spec = infer_spec(frame, target_col="target")
    aside = {s.column: s.reason for s in spec.set_aside}
    assert "cancel_date_set" not in spec.feature_names
    assert aside["cancel_date_set"].startswith("probable leakage")
    assert "--keep cancel_date_set" in aside["cancel_date_set"]
    kept = infer_spec(frame, target_col="target", keep=["cancel_date_set"])
    assert "cancel_date_set" in kept.feature_names


def test_unknown_keep_or_id_column_is_an_error() -> None:
    with pytest.raises(SchemaError, match="no column 'nope'"):
        infer_spec(_table([0, 1] * 10), target_col="target", keep=["nope"])


def test_encode_target_compares_labels_as_text() -> None:
    encoded = encode_target(pd.Series([1.0, 0.0, np.nan, 1.0]), "1")
    assert encoded.tolist()[:2] == [1.0, 0.0] and np.isnan(encoded[2])


@pytest.mark.parametrize("infinite", [np.inf, -np.inf])
def test_infinite_numbers_are_left_for_the_check_to_name(infinite: float) -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {
            "visits": rng.integers(0, 30, 200).astype(float),
            "Age": rng.integers(18, 60, 200).astype(float),
            "target": rng.integers(0, 2, 200),
        }
    )
    frame.loc[3, ["visits", "Age"]] = infinite
    spec = infer_spec(frame, target_col="target")
    assert spec.feature_names == ["visits", "Age"]
    assert spec.feature("visits").kind == "numeric" and spec.feature("visits").integer


def test_raw_bytes_are_set_aside_and_refused_when_asked_for() -> None:
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        {
            "visits": rng.uniform(0, 5, 100),
            "photo": [bytes([i % 256, 0x80, 0xFF]) for i in range(100)],  # not even UTF-8
            "target": rng.integers(0, 2, 100),
        }
    )
    spec = infer_spec(frame, target_col="target")
    assert spec.feature_names == ["visits"] and spec.id_col is None
    (aside,) = spec.set_aside
    assert (aside.column, aside.kind) == ("photo", "bytes")
    assert aside.reason.startswith("raw bytes") and "двоичные" in aside.text("ru")
    with pytest.raises(SchemaError, match=r"column 'photo'.*raw bytes.*--keep") as caught:
        infer_spec(frame, target_col="target", keep=["photo"])
    assert "leave out --keep photo" in str(caught.value.fix)
    with pytest.raises(SchemaError, match=r"column 'photo'.*cannot be the member id"):
        infer_spec(frame, target_col="target", id_col="photo")


def test_a_row_counter_is_not_chosen_over_a_customer_id() -> None:
    n = 40
    frame = _table(
        [0, 1] * (n // 2),
        RowNumber=range(1, n + 1),
        CustomerId=np.random.default_rng(0).choice(10**7, n, replace=False) + 15_000_000,
    )
    spec = infer_spec(frame, target_col="target")
    assert spec.id_col == "CustomerId"
    (aside,) = [s for s in spec.set_aside if s.column == "RowNumber"]
    assert aside.kind == "row_number" and "row number" in aside.reason
    # a row counter alone, unnamed: still better than nothing as the key
    alone = infer_spec(_table([0, 1] * (n // 2), seq=range(n)), target_col="target")
    assert alone.id_col == "seq"


# --- club columns only where their values fit; two-valued text; roles ---------------------------


def test_club_columns_whose_values_do_not_fit_are_read_from_their_data(gym: pd.DataFrame) -> None:
    frame = gym.assign(
        gender=gym["gender"].map({0: "Female", 1: "Male"}),
        Lifetime=gym["Lifetime"] * 30 + 400,  # days, not months: most above the club's 600
    )
    spec = infer_spec(frame)
    assert spec.feature("gender") == DatasetSpec.from_dict(spec.to_dict()).feature("gender")
    assert spec.feature("gender").kind == "binary"
    assert spec.feature("gender").values == ("Female", "Male")
    assert spec.feature("gender").label == {}  # not the club's label
    lifetime = spec.feature("Lifetime")
    assert (lifetime.kind, lifetime.min, lifetime.max, lifetime.role) == (
        "numeric",
        None,
        None,
        "unknown",
    )
    assert set(spec.unlike_club) == {"gender", "Lifetime"}
    top = f"{int(frame['Lifetime'].max()):,}"
    assert spec.unlike_club["Lifetime"].reason == f"its values reach {top}, not 0 to 600"
    top_ru = top.replace(",", "\xa0")
    assert spec.unlike_club["Lifetime"].text("ru") == (
        f"его значения доходят до {top_ru}, а у клуба — от 0 до 600"
    )
    assert spec.feature("Age") == gym_spec().feature("Age")  # the rest keep the club's meaning
    assert spec.is_club_table  # 11 of the club's 13 columns still hold its meaning


def test_a_few_impossible_values_keep_the_club_meaning_and_are_named(gym: pd.DataFrame) -> None:
    from churnlab.data.validate import check_training_table
    from churnlab.errors import ValidationError

    frame = gym.copy()
    frame.loc[[3, 7], "Age"] = [-4, 250]  # 2 of 4,000: mistakes to fix, not another meaning
    spec = infer_spec(frame)
    assert spec.feature("Age") == gym_spec().feature("Age") and not spec.unlike_club
    with pytest.raises(ValidationError) as info:
        check_training_table(frame, spec)
    assert info.value.failures["row"].tolist() == [3, 7]


@pytest.mark.parametrize(
    ("texts", "values"),
    [
        (["Yes", "No"], ("No", "Yes")),
        (["no", "yes"], ("no", "yes")),
        (["True", "False"], ("False", "True")),
        (["Y", "N"], ("N", "Y")),
        (["да", "нет"], ("нет", "да")),
        (["Male", "Female"], ("Female", "Male")),
        (["M", "F"], ("F", "M")),
    ],
)
def test_two_valued_text_is_a_binary_feature_named_by_its_values(
    texts: list[str], values: tuple[str, str]
) -> None:
    rng = np.random.default_rng(3)
    column = rng.choice(texts, 60).astype(object)
    column[:3] = [f" {texts[0].upper()} ", "", None]  # case, spaces and blanks as exports have
    frame = _table([0, 1] * 30, flag=column)
    feature = infer_spec(frame, target_col="target").feature("flag")
    assert (feature.kind, feature.values) == ("binary", values)
    codes, other = feature.numbers(frame["flag"])
    expected = [
        np.nan if v is None or not v.strip() else float(v.strip().lower() == values[1].lower())
        for v in column
    ]
    np.testing.assert_array_equal(codes.to_numpy(), np.array(expected))
    assert not other.any()


def test_a_value_outside_the_two_is_named_when_checking() -> None:
    from churnlab.data.validate import check_members

    flag = np.random.default_rng(5).choice(["Yes", "No"], 30)
    frame = _table([0, 1] * 15, flag=flag)
    spec = infer_spec(frame, target_col="target")
    assert spec.feature("flag").values == ("No", "Yes")
    checked = check_members(frame.assign(flag=["Yes", "maybe", "No", *flag[3:]]), spec)
    assert checked.rejects[["row", "column", "reason"]].values.tolist() == [
        [1, "flag", "must be No or Yes"]
    ]
    assert checked.members.loc[0, "flag"] == 1.0 and checked.members.loc[2, "flag"] == 0.0


def test_given_roles_override_the_inferred_ones(gym: pd.DataFrame) -> None:
    frame = gym.assign(plan=np.where(gym["Contract_period"] > 1, "long", "short"))
    spec = infer_spec(frame, levers=["plan", "Age"], traits=["Partner"])
    roles = {f.name: f.role for f in spec.features}
    assert (roles["plan"], roles["Age"], roles["Partner"]) == ("lever", "lever", "trait")
    assert roles["Lifetime"] == "trait" and roles["Group_visits"] == "lever"  # the club's
    assert infer_spec(frame).feature("plan").role == "unknown"  # no role given
    assert spec.is_club_table  # a role changes no meaning


@pytest.mark.parametrize(
    ("levers", "traits", "message"),
    [
        (["visits"], ["visits"], "both as a lever and as a trait"),
        (["member_id"], [], r"\(it is the member id\)"),
        (["target"], [], r"\(it is the target\)"),
        ([], ["notes"], r"\(it is set aside: free text"),
        (["vistis"], [], "no column 'vistis'"),
    ],
)
def test_roles_for_columns_that_are_not_features_are_refused(
    levers: list[str], traits: list[str], message: str
) -> None:
    n = 40
    frame = _table(
        [0, 1] * (n // 2),
        member_id=[f"m{i}" for i in range(n)],
        notes=[f"called about bill number {i} on a long afternoon" for i in range(n)],
    )
    with pytest.raises(SchemaError, match=message) as info:
        infer_spec(frame, target_col="target", levers=levers, traits=traits)
    assert info.value.column == (levers or traits)[0]


def test_encode_target_reads_each_label_as_the_label_key_does() -> None:
    """The target is encoded once per distinct label; the reference reads every value."""
    from churnlab.data.infer import _label_key, encode_target

    rng = np.random.default_rng(5)
    labels = np.array([True, False, 1, 0, 1.0, 0.0, "1", " Yes ", "no", "yes", None, np.nan],
                      dtype=object)  # fmt: skip
    target = pd.Series(labels[rng.integers(0, len(labels), 2_000)], dtype=object)
    for positive in (1, "yes", True):
        expected = [
            np.nan if pd.isna(v) else float(_label_key(v) == _label_key(positive)) for v in target
        ]
        np.testing.assert_array_equal(encode_target(target, positive).to_numpy(), expected)
    numbers = pd.Series(rng.integers(0, 3, 500).astype(float)).where(lambda s: s != 2)
    np.testing.assert_array_equal(
        encode_target(numbers, 1).to_numpy(),
        np.where(numbers.isna(), np.nan, (numbers == 1).astype(float)),
    )
