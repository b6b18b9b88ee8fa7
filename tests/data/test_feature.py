"""churnlab.data.feature: a column's title in words, not its name."""


def test_titles_are_words_not_column_names() -> None:
    from churnlab.data.feature import FeatureSpec

    assert FeatureSpec("IsActiveMember", "binary").title("ru") == "is active member"
    assert FeatureSpec("Total_Trans_Amt", "numeric").title() == "total trans amt"
    assert FeatureSpec("Age", "numeric", label={"en": "age", "ru": "возраст"}).title("ru") == (
        "возраст"
    )
    long = FeatureSpec("x" * 150, "numeric").title()
    assert len(long) == 60 and "…" in long  # shortened for charts and sentences
