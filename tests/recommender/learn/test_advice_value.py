"""How many would succeed following the advice: estimated on people the model did not learn
from, with their outcomes, so that it finds the true value and no gain where there is none."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.answer.features import feature_matrix
from recommender.learn.advice_value import advice_value
from recommender.learn.candidate import cross_fitted_p_success
from tests.recommender.learn.test_training import _world


def _valued(pack, n, seed, *, shuffle=False, select=True):
    """The estimate, and the true success rate of following the cross-fitted advice. People
    who enjoy leading take the manager track more often (self-selection, which the weights
    must undo)."""
    profiles, taken, success, truth = _world(pack, n, seed)
    rng = np.random.default_rng(seed + 100)
    if select:
        lead = profiles.constructs[:, 0]
        taken = np.where(rng.random(n) < 1 / (1 + np.exp(-(lead - 3.5))), "manager", "ic")
        taken = taken.astype(object)
        chance = np.where(taken == "manager", truth["manager"], truth["ic"])
        success = (rng.random(n) < chance).astype(int)
    if shuffle:  # outcomes that carry no signal at all
        success = rng.permutation(success)
    usable = np.ones(n, dtype=bool)
    chances, _ = cross_fitted_p_success(profiles, taken, success, usable, seed=seed)
    value = advice_value(chances, feature_matrix(profiles), taken, success, seed=seed)
    advised = np.column_stack([chances["ic"], chances["manager"]]).argmax(axis=1)
    true = np.where(advised == 1, truth["manager"], truth["ic"]).mean()
    return value, true


@pytest.mark.parametrize("seed", [1, 3])
def test_the_estimate_holds_the_true_value_of_following_the_advice(tiny, seed):
    # over 20 other seeds of this world the 90% interval held the true value 18 times
    value, true = _valued(tiny, 3000, seed)
    low, high = value["advice_estimated"]["interval"]
    assert low <= true <= high, (value, true)
    assert value["gain"]["interval"][0] > 0  # following the advice does help here
    for name in ("advice_estimated", "status_quo_observed", "gain"):
        low, high = value[name]["interval"]
        assert low <= value[name]["value"] <= high


def test_on_outcomes_without_signal_following_the_advice_gains_nothing(tiny):
    """The better of two chances fitted to the same people showed a gain even here."""
    value, _ = _valued(tiny, 3000, 3, shuffle=True)
    low, high = value["gain"]["interval"]
    assert low < 0 < high and abs(value["gain"]["value"]) < 0.03, value


def test_the_intervals_narrow_with_people(tiny):
    small, _ = _valued(tiny, 400, 4)
    big, _ = _valued(tiny, 2500, 4)

    def width(value):
        low, high = value["gain"]["interval"]
        return high - low

    assert width(big) < width(small) / 2, (width(big), width(small))
    assert small["rows"] == 400 and 0 <= small["share_advised_other_track"] <= 1
