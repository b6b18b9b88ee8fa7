"""The scoring half of a model file: read without scikit-learn, the same scores to the last bit."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _reference import pipeline_probability
from churnlab.data.infer import encode_target
from churnlab.data.spec import gym_spec
from churnlab.data.validate import coerce_members
from churnlab.errors import ModelFileError
from churnlab.model.calibration import calibrate
from churnlab.model.churn_model import ChurnModel
from churnlab.model.persist import load_model, load_scorer, save_model
from churnlab.model.scorer import ScoringModel
from churnlab.scoring.members import score_members


@pytest.fixture(scope="module")
def telco_logistic(telco: pd.DataFrame) -> ChurnModel:
    X, y = telco.drop(columns="Churn"), encode_target(telco["Churn"], "Yes")
    return ChurnModel(learner="logistic", folds=3).fit(X, y)


def _odd_telco(telco: pd.DataFrame) -> pd.DataFrame:
    X = telco.drop(columns="Churn").copy()
    X.loc[:9, "Contract"] = "Three year"  # never seen in training
    X.loc[10:19, "Contract"] = np.nan
    X.loc[20:24, "Contract"] = "(missing)"  # the encoder's own name for a gap, given literally
    X.loc[25:29, "MonthlyCharges"] = np.nan
    X.loc[30:39, "tenure"] = 10_000  # far beyond the training range
    X.loc[40:44, "TechSupport"] = np.nan
    return X


@pytest.mark.parametrize("table", ["gym", "telco"])
def test_scores_equal_the_whole_model_to_the_last_bit(
    tmp_path: Path,
    table: str,
    gym: pd.DataFrame,
    gym_model: ChurnModel,
    telco: pd.DataFrame,
    telco_logistic: ChurnModel,
) -> None:
    model, members = (
        (gym_model, gym.drop(columns="Churn"))
        if table == "gym"
        else (telco_logistic, _odd_telco(telco))
    )
    path = save_model(model, tmp_path / "m.churnlab")
    scorer = load_scorer(path)
    assert isinstance(scorer, ScoringModel)
    whole = score_members(load_model(path), members)
    half = score_members(scorer, members)
    pd.testing.assert_frame_equal(half.scores, whole.scores, check_exact=True)
    pd.testing.assert_frame_equal(half.rejects, whole.rejects)
    # and both equal the fitted pipeline itself on the rows scored
    scored = members.iloc[half.scores["row"].to_numpy()]
    np.testing.assert_allclose(
        half.scores["churn_probability"], pipeline_probability(model, scored), rtol=0, atol=1e-12
    )
    assert (scorer.spec_, scorer.threshold_, scorer.base_rate_, scorer.data_hash_) == (
        model.spec_,
        model.threshold_,
        model.base_rate_,
        model.data_hash_,
    )


def test_category_weights_follow_the_encoder(
    telco: pd.DataFrame, telco_logistic: ChurnModel
) -> None:
    """Each known, unseen and missing category costs what the fitted pipeline says it does."""
    X = coerce_members(_odd_telco(telco), telco_logistic.spec_)
    features = telco_logistic.estimator_[:-1].transform(X)  # the pipeline without the regression
    regression = telco_logistic.estimator_[-1]
    raw = 1 / (1 + np.exp(-(np.asarray(features, dtype=float) @ regression.coef_[0]
                            + regression.intercept_[0])))  # fmt: skip
    expected = calibrate(raw, telco_logistic.calibration_)
    from_data = type(telco_logistic.compiled()).from_dict(telco_logistic.compiled().to_dict())
    np.testing.assert_allclose(from_data.probability(X), expected, rtol=0, atol=1e-12)


def test_boosting_files_and_older_files_load_whole(
    tmp_path: Path, small_gym: pd.DataFrame, gym_model: ChurnModel
) -> None:
    X, y = small_gym.drop(columns="Churn"), small_gym["Churn"]
    boosting = ChurnModel(gym_spec(), learner="boosting", folds=3).fit(X, y)
    assert isinstance(load_scorer(save_model(boosting, tmp_path / "b.churnlab")), ChurnModel)
    with zipfile.ZipFile(tmp_path / "b.churnlab") as archive:
        assert "compiled.json" not in archive.namelist()

    path = save_model(gym_model, tmp_path / "old.churnlab")
    _drop_entry(path, "compiled.json", older=True)  # as written before files carried it
    assert isinstance(load_scorer(path), ChurnModel)


def test_damaged_arithmetic_is_a_model_file_error(tmp_path: Path, gym_model: ChurnModel) -> None:
    path = save_model(gym_model, tmp_path / "m.churnlab")
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("compiled.json"))
    del data["linear"]["terms"][0]["curve"]
    _drop_entry(path, "compiled.json", replace_with=json.dumps(data).encode())
    with pytest.raises(ModelFileError, match="the model file is damaged") as info:
        load_scorer(path)
    assert str(path) in str(info.value) and "fix:" in str(info.value)


def test_churnlab_score_runs_without_scikit_learn(
    tmp_path: Path, gym: pd.DataFrame, gym_model: ChurnModel
) -> None:
    """The command that scores never imports scikit-learn, SciPy or skops (two seconds saved)."""
    model = save_model(gym_model, tmp_path / "m.churnlab")
    data = tmp_path / "members.parquet"
    gym.to_parquet(data)
    program = (
        "import sys\n"
        "from churnlab.cli import app\n"
        f"app(['score', {str(data)!r}, '--model', {str(model)!r}, '--out', "
        f"{str(tmp_path / 'scores.parquet')!r}], standalone_mode=False)\n"
        "print(sorted(m for m in ('sklearn', 'scipy', 'skops', 'lightgbm') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
    scores = pd.read_parquet(tmp_path / "scores.parquet")
    np.testing.assert_allclose(
        scores["churn_probability"],
        pipeline_probability(gym_model, gym.drop(columns="Churn")),
        rtol=0,
        atol=1e-12,
    )


def _drop_entry(
    path: Path, name: str, *, replace_with: bytes | None = None, older: bool = False
) -> None:
    """Drop (or replace) a member; ``older``: also the digests, which older files lack."""
    with zipfile.ZipFile(path) as archive:
        entries = {n: archive.read(n) for n in archive.namelist() if n != name}
    if replace_with is not None:
        entries[name] = replace_with
    if older:
        manifest = json.loads(entries["churnlab.json"])
        del manifest["sha256"]
        entries["churnlab.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for entry, content in entries.items():
            archive.writestr(entry, content)


def test_reasons_ask_for_the_whole_model(tmp_path: Path, gym: pd.DataFrame, gym_model) -> None:
    from churnlab.errors import UsageError
    from churnlab.scoring.streaming import score_file

    scorer = load_scorer(save_model(gym_model, tmp_path / "m.churnlab"))
    gym.to_parquet(tmp_path / "members.parquet")
    with pytest.raises(UsageError, match="reasons need the whole model"):
        score_file(scorer, tmp_path / "members.parquet", tmp_path / "s.csv", with_reasons=True)
    assert not (tmp_path / "s.csv").exists()
