"""churnlab.data.feature: a column's title and its values in words, not its name and codes."""

import pytest

from churnlab.data.feature import FeatureSpec


def test_titles_are_words_not_column_names() -> None:
    from churnlab.data.feature import FeatureSpec

    assert FeatureSpec("IsActiveMember", "binary").title("ru") == "is active member"
    assert FeatureSpec("Total_Trans_Amt", "numeric").title() == "total trans amt"
    assert FeatureSpec("Age", "numeric", label={"en": "age", "ru": "возраст"}).title("ru") == (
        "возраст"
    )
    long = FeatureSpec("x" * 150, "numeric").title()
    assert len(long) == 60 and "…" in long  # shortened for charts and sentences


@pytest.mark.parametrize(
    ("name", "values", "words"),
    [
        ("gender", None, ("0", "1")),  # two kinds held as codes: which is which is unknown
        ("Member_Sex", None, ("0", "1")),
        ("Пол", None, ("0", "1")),
        ("Gender", ("F", "M"), ("F", "M")),  # the table's own words first
        ("Paperless", ("No", "Yes"), ("No", "Yes")),
        ("Partner", None, None),  # yes and no read right
        ("Sussex_branch", None, None),  # a word of the name, not a part of one
    ],
)
def test_a_binary_is_called_by_its_own_words(
    name: str, values: tuple[str, str] | None, words: tuple[str, str] | None
) -> None:
    assert FeatureSpec(name, "binary", 0, 1, values=values).value_words() == words


def test_only_a_binary_has_words_for_its_values() -> None:
    assert FeatureSpec("gender", "numeric", 0, 3).value_words() is None
