"""The synthetic evaluation's figures are each of the policy they are named for."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.learn import evaluation
from recommender.learn.evaluation import evaluate_run, synthetic_profiles


def test_the_model_alone_and_the_advice_are_each_judged_on_their_own_choices(
    engineering, monkeypatch
):
    """The model alone is judged on the track it would choose, the advice on the one the
    rules advised (an outside recomputation found `trackfit`'s calibration error to be the
    advice's). Rules advising IC to everyone make the two far apart, as computed here."""
    test, test_profiles = synthetic_profiles(engineering, 2000, 10_011, "baseline")
    seen = {}

    def everyone_ic(prediction, assessment, profiles):
        seen["p"] = prediction.p_success
        return np.full(len(profiles), "ic", dtype=object), None

    monkeypatch.setattr(evaluation, "decide", everyone_ic)
    run = evaluate_run(engineering, 400, 12, "baseline", test=test, test_profiles=test_profiles)
    p, truth = seen["p"], test.p_true
    own = np.where(p["manager"] > p["ic"], p["manager"] - truth["manager"], p["ic"] - truth["ic"])
    assert run["trackfit"]["calibration_error"] == pytest.approx(np.abs(own).mean())
    assert run["advice"]["calibration_error"] == pytest.approx(np.abs(p["ic"] - truth["ic"]).mean())
    assert run["advice"]["gain"] != run["trackfit"]["gain"]
