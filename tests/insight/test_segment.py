"""Member portraits: segments of the club's members and of a table unlike it."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score

from churnlab.data.club import GYM_COLUMNS
from churnlab.data.feature import FeatureSpec
from churnlab.data.infer import infer_spec
from churnlab.data.spec import DatasetSpec, gym_spec
from churnlab.data.validate import check_training_table
from churnlab.errors import SchemaError
from churnlab.insight.segment import (
    Portrait,
    Segmenter,
    _features as segment_features,
    describe_segments,
)

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
LATIN_WORD = re.compile(r"[A-Za-z]+")


@pytest.fixture(scope="module")
def club(gym: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    return gym.drop(columns="Churn"), gym["Churn"]


@pytest.fixture(scope="module")
def fitted(club: tuple[pd.DataFrame, pd.Series]) -> Segmenter:
    """The default segmenter on the club's table, the number of segments chosen from the data."""
    X, y = club
    return Segmenter(gym_spec()).fit(X, y)


@pytest.fixture(scope="module")
def portraits(club: tuple[pd.DataFrame, pd.Series], fitted: Segmenter) -> dict[str, list[Portrait]]:
    X, y = club
    return {
        lang: describe_segments(X, fitted.labels_, y, gym_spec(), lang=lang)
        for lang in ("en", "ru")
    }


# --- the segmenter on the club's table ---------------------------------------------------------


def test_number_of_segments_is_chosen_by_silhouette(fitted: Segmenter) -> None:
    assert set(fitted.scores_) == set(range(3, 9))
    assert all(-1 <= s <= 1 for s in fitted.scores_.values())
    assert 3 <= fitted.n_segments_ <= 8
    assert fitted.n_segments_ == max(fitted.scores_, key=fitted.scores_.__getitem__)
    # the public studies settle on 5 segments too
    assert fitted.n_segments_ == 5


def test_segments_cover_every_member_with_ids_one_to_k(
    club: tuple[pd.DataFrame, pd.Series], fitted: Segmenter
) -> None:
    k = fitted.n_segments_
    assert fitted.labels_.shape == (4000,)
    assert set(np.unique(fitted.labels_)) == set(range(1, k + 1))
    assert fitted.sizes_.index.tolist() == list(range(1, k + 1))
    assert fitted.sizes_.sum() == 4000
    assert fitted.sizes_.tolist() == np.bincount(fitted.labels_)[1:].tolist()


def test_segments_are_numbered_by_churn_highest_first(
    club: tuple[pd.DataFrame, pd.Series], fitted: Segmenter
) -> None:
    _, y = club
    rates = fitted.churn_rates_
    assert rates is not None
    expected = y.groupby(fitted.labels_).mean()
    np.testing.assert_allclose(rates.to_numpy(), expected.to_numpy())
    assert (np.diff(rates.to_numpy()) < 0).all()
    assert rates.max() - rates.min() > 0.3


def test_segments_are_stable_under_resampling(fitted: Segmenter) -> None:
    assert fitted.stability_runs_.shape == (20,)
    # about 0.95 on this table: bootstrap resamples find nearly the same five segments
    assert fitted.stability_ > 0.85
    assert fitted.stability_runs_.min() > 0.7


def test_same_seed_gives_the_same_segments(
    club: tuple[pd.DataFrame, pd.Series], fitted: Segmenter
) -> None:
    X, y = club
    again = Segmenter(gym_spec(), n_bootstrap=0).fit(X, y)
    np.testing.assert_array_equal(again.labels_, fitted.labels_)
    assert np.isnan(again.stability_)


def test_predict_reproduces_the_training_segments(
    club: tuple[pd.DataFrame, pd.Series], fitted: Segmenter
) -> None:
    X, _ = club
    predicted = fitted.predict(X)
    assert (predicted == fitted.labels_).mean() >= 0.99
    shuffled = X.sample(frac=1.0, random_state=3)
    np.testing.assert_array_equal(
        fitted.predict(shuffled), fitted.labels_[shuffled.index.to_numpy()]
    )


def _pipeline_segments(segmenter: Segmenter, X: pd.DataFrame) -> np.ndarray:
    """What scikit-learn's own encoder and k-means say (the reference for ``predict``)."""
    Z = segmenter.encoder_.transform(segment_features(X, segmenter.spec))
    return segmenter.segment_of_cluster_[segmenter.kmeans_.predict(np.asarray(Z, dtype=float))]


def test_predict_equals_the_scikit_learn_encoder_and_k_means(
    club: tuple[pd.DataFrame, pd.Series], fitted: Segmenter, telco: pd.DataFrame
) -> None:
    X, _ = club
    holes = X.copy()
    holes.loc[::7, "Age"] = np.nan
    holes.loc[::11, "Partner"] = np.nan
    np.testing.assert_array_equal(fitted.predict(holes), _pipeline_segments(fitted, holes))
    spec = infer_spec(telco)
    members, y = check_training_table(telco, spec)
    on_telco = Segmenter(spec, n_bootstrap=0).fit(members, y)
    unseen = telco.copy()
    unseen.loc[::5, "Contract"] = "Three year"
    unseen.loc[::9, "TechSupport"] = None
    np.testing.assert_array_equal(on_telco.predict(unseen), _pipeline_segments(on_telco, unseen))


def test_the_target_is_not_used_to_form_segments(
    club: tuple[pd.DataFrame, pd.Series], fitted: Segmenter
) -> None:
    X, _ = club
    blind = Segmenter(gym_spec(), n_bootstrap=0).fit(X)
    assert adjusted_rand_score(fitted.labels_, blind.labels_) == 1.0
    assert blind.churn_rates_ is None
    # without a target, segments are numbered by size, largest first
    assert (np.diff(blind.sizes_.to_numpy()) <= 0).all()


def test_five_segments_resemble_the_public_studies(club: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = club
    five = Segmenter(gym_spec(), n_segments=5, n_bootstrap=0).fit(X, y)
    assert five.n_segments_ == 5
    assert set(five.scores_) == {5}
    rates = five.churn_rates_
    assert rates is not None
    # public studies: about 52 %, 45 %, 25 %, 7 % and 3 %
    assert rates.min() < 0.10
    assert rates.max() > 0.40
    np.testing.assert_allclose(rates, [0.52, 0.45, 0.25, 0.07, 0.03], atol=0.03)


def test_centers_are_in_the_features_own_units(
    club: tuple[pd.DataFrame, pd.Series], fitted: Segmenter
) -> None:
    X, _ = club
    centers = fitted.centers_
    assert centers.index.tolist() == list(range(1, fitted.n_segments_ + 1))
    assert centers.columns.tolist() == gym_spec().feature_names
    means = X.groupby(fitted.labels_).mean()
    np.testing.assert_allclose(centers.to_numpy(), means.to_numpy(), rtol=0.02, atol=0.02)
    assert centers["Contract_period"].between(1, 12).all()


def test_linkage_of_a_sample_for_a_dendrogram(fitted: Segmenter) -> None:
    assert fitted.linkage_rows_.shape == (500,)
    assert len(np.unique(fitted.linkage_rows_)) == 500
    assert fitted.linkage_.shape == (499, 4)
    assert fitted.linkage_[-1, 3] == 500  # the last merge joins every sampled member


def test_is_a_scikit_learn_estimator() -> None:
    segmenter = Segmenter(gym_spec(), n_segments=4, random_state=7)
    copy = clone(segmenter)
    assert copy.get_params()["n_segments"] == 4
    assert copy.get_params()["random_state"] == 7
    assert not hasattr(copy, "labels_")


# --- portraits of the club's segments ----------------------------------------------------------


def test_portraits_add_up(
    club: tuple[pd.DataFrame, pd.Series], fitted: Segmenter, portraits: dict[str, list[Portrait]]
) -> None:
    for found in portraits.values():
        assert [p.id for p in found] == list(range(1, fitted.n_segments_ + 1))
        assert sum(p.size for p in found) == 4000
        assert sum(p.share for p in found) == pytest.approx(1.0)
        assert fitted.churn_rates_ is not None
        np.testing.assert_allclose([p.churn_rate for p in found], fitted.churn_rates_)
        json.dumps([p.to_dict() for p in found])


def test_names_are_distinct_in_both_languages(portraits: dict[str, list[Portrait]]) -> None:
    for lang, found in portraits.items():
        names = [p.name for p in found]
        assert all(name.strip() for name in names), lang
        assert len(set(names)) == len(names), names
    assert all(CYRILLIC.search(p.name) for p in portraits["ru"])
    assert portraits["en"][0].name == "Rare visitors on monthly contracts"
    assert portraits["ru"][0].name == "Редкие посетители с месячным абонементом"


def test_descriptions_speak_the_language(portraits: dict[str, list[Portrait]]) -> None:
    for en, ru in zip(portraits["en"], portraits["ru"], strict=True):
        assert f"{en.size:,} members" in en.description
        assert "churn" in en.description
        assert CYRILLIC.search(ru.description)
        english = set(LATIN_WORD.findall(en.description))
        assert not english & set(LATIN_WORD.findall(ru.description))
        assert not LATIN_WORD.search(ru.description), ru.description
        assert "отток" in ru.description
    assert "twice the club's" in portraits["en"][0].description
    assert "вдвое выше" in portraits["ru"][0].description


def test_distinguishing_features_hold_the_data(
    club: tuple[pd.DataFrame, pd.Series], fitted: Segmenter, portraits: dict[str, list[Portrait]]
) -> None:
    X, _ = club
    for portrait in portraits["en"]:
        rows = fitted.labels_ == portrait.id
        assert len(portrait.distinguishing) == 3
        sds = [abs(d["difference_sd"]) for d in portrait.distinguishing]
        assert sds == sorted(sds, reverse=True)
        for item in portrait.distinguishing:
            column = X[item["feature"]]
            assert item["segment_mean"] == pytest.approx(column[rows].mean())
            assert item["overall_mean"] == pytest.approx(column.mean())
            expected_sd = (column[rows].mean() - column.mean()) / column.std(ddof=0)
            assert item["difference_sd"] == pytest.approx(expected_sd)
            assert item["label"] == GYM_COLUMNS[item["feature"]].title("en")
    ru_labels = {d["label"] for p in portraits["ru"] for d in p.distinguishing}
    assert all(CYRILLIC.search(label) for label in ru_labels)


def test_the_riskiest_segment_is_new_or_on_short_contracts(
    portraits: dict[str, list[Portrait]],
) -> None:
    riskiest = max(portraits["en"], key=lambda p: p.churn_rate)
    lower = {d["feature"] for d in riskiest.distinguishing if d["segment_mean"] < d["overall_mean"]}
    assert lower & {"Lifetime", "Contract_period"}


# --- other tables ------------------------------------------------------------------------------


def test_a_table_unlike_the_clubs(telco: pd.DataFrame) -> None:
    spec = infer_spec(telco)
    X, y = check_training_table(telco, spec)
    segmenter = Segmenter(spec, n_bootstrap=5).fit(X, y)
    assert 3 <= segmenter.n_segments_ <= 8
    assert segmenter.sizes_.sum() == len(telco)
    assert segmenter.churn_rates_ is not None
    assert (np.diff(segmenter.churn_rates_.to_numpy()) < 0).all()
    assert set(segmenter.centers_["Contract"]) <= set(X["Contract"])
    # the raw table, numbers as text with blanks, falls into the same segments
    np.testing.assert_array_equal(segmenter.predict(telco), segmenter.labels_)

    tech_support = spec.feature("TechSupport").values  # two-valued text: a binary feature
    assert tech_support == ("No", "Yes")
    feature_words = {f.title() for f in spec.features} | set(X["Contract"]) | set(tech_support)
    assert {"monthly charges", "tech support"} <= feature_words  # words, not MonthlyCharges
    for lang in ("en", "ru"):
        found = describe_segments(X, segmenter.labels_, y, spec, lang=lang)
        names = [p.name for p in found]
        assert len(set(names)) == len(names)
        for portrait in found:
            # generic names are built from the features' words: "Low tenure, high monthly charges"
            assert any(word in portrait.name for word in feature_words), portrait.name
            assert not re.search(r"[a-z][A-Z]|_", portrait.name), portrait.name  # no identifiers
            starts = r"^(High|Low|Mostly|Rarely|Высокий|Низкий|Чаще|Реже|Contract|Tech support) "
            assert re.match(starts, portrait.name), portrait.name
        if lang == "ru":
            assert all(CYRILLIC.search(p.description) for p in found)
            assert "по клубу" not in found[0].description
        else:
            assert "the overall" in found[0].description


def test_categories_that_set_a_segment_apart() -> None:
    X = pd.DataFrame({"plan": list("aaabbbbbbb"), "visits": [1.0] * 3 + [2.0] * 7})
    spec = DatasetSpec(
        "Churn", 1, (FeatureSpec("plan", "categorical"), FeatureSpec("visits", "numeric"))
    )
    first, second = describe_segments(X, [1] * 3 + [2] * 7, None, spec, top=2)
    assert first.distinguishing[0]["feature"] == "visits"
    plan = first.distinguishing[1]
    assert (plan["category"], plan["segment_mean"], plan["overall_mean"]) == ("a", 1.0, 0.3)
    assert second.distinguishing[1]["category"] == "b"
    assert np.isnan(first.churn_rate)
    assert "churn" not in first.description
    assert first.name == "Low visits, plan: a"


def test_missing_numbers_are_imputed(club: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = club
    holes = X.copy()
    rng = np.random.default_rng(0)
    holes.loc[rng.random(len(X)) < 0.1, "Age"] = np.nan
    holes.loc[rng.random(len(X)) < 0.1, "Lifetime"] = np.nan
    segmenter = Segmenter(gym_spec(), n_segments=5, n_bootstrap=0).fit(holes, y)
    assert set(np.unique(segmenter.labels_)) == set(range(1, 6))
    assert np.isfinite(segmenter.centers_.to_numpy(dtype=float)).all()
    new = holes.head(50).assign(Avg_class_frequency_total=np.nan)
    assert set(segmenter.predict(new)) <= set(range(1, 6))
    found = describe_segments(holes, segmenter.labels_, y, gym_spec())
    for portrait in found:
        rows = segmenter.labels_ == portrait.id
        for item in portrait.distinguishing:
            column = holes[item["feature"]]
            assert item["segment_mean"] == pytest.approx(column[rows].mean())


def test_bad_input_is_refused(club: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = club
    small = X.head(200)
    with pytest.raises(ValueError, match="0 and 1"):
        Segmenter(gym_spec()).fit(small, np.full(200, 2))
    with pytest.raises(ValueError, match="one value per member"):
        Segmenter(gym_spec()).fit(small, y.head(10))
    with pytest.raises(ValueError, match="k_range"):
        Segmenter(gym_spec(), k_range=(5, 3)).fit(small)
    with pytest.raises(ValueError, match="n_segments"):
        Segmenter(gym_spec(), n_segments=1).fit(small)
    with pytest.raises(ValueError, match="too few members"):
        Segmenter(gym_spec(), n_segments=4).fit(small.head(3))
    with pytest.raises(SchemaError, match="Age"):
        Segmenter(gym_spec()).fit(small.drop(columns="Age"))
    with pytest.raises(ValueError, match="lang"):
        describe_segments(small, np.ones(200), None, gym_spec(), lang="de")
    with pytest.raises(ValueError, match="one segment id per member"):
        describe_segments(small, np.ones(10), None, gym_spec())
