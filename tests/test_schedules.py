"""Learning-rate schedules (skbackprop/schedules.py) and their use by the estimator."""

import math
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skbackprop import MLPScratchClassifier, registry
from skbackprop.schedules import (
    Adaptive,
    Constant,
    CosineAnnealing,
    InvScaling,
    LearningRateSchedule,
    StepDecay,
)

X, Y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X)


def _rates(schedule, n_epochs, learning_rate_init=1.0, max_epochs=None):
    schedule.start(learning_rate_init, max_epochs)
    rates = []
    for epoch in range(1, n_epochs + 1):
        schedule.epoch_end(epoch, 100 * epoch)
        rates.append(schedule.learning_rate_)
    return rates


@pytest.mark.parametrize(
    "name, cls",
    [
        ("constant", Constant),
        ("invscaling", InvScaling),
        ("adaptive", Adaptive),
        ("step", StepDecay),
        ("cosine", CosineAnnealing),
    ],
)
def test_every_schedule_is_registered_by_name(name, cls):
    assert registry.get("schedule", name) is cls
    assert issubclass(cls, LearningRateSchedule)


def test_step_decay_multiplies_by_gamma_every_step_size_epochs():
    rates = _rates(StepDecay(step_size=2, gamma=0.1), 5)
    np.testing.assert_allclose(rates, [1.0, 0.1, 0.1, 0.01, 0.01])


def test_cosine_annealing_follows_half_a_cosine_then_stays_at_the_minimum():
    rates = _rates(CosineAnnealing(period=4, min_learning_rate=0.2), 6)
    expected = [0.2 + 0.8 * (1 + math.cos(math.pi * e / 4)) / 2 for e in (1, 2, 3, 4, 4, 4)]
    np.testing.assert_allclose(rates, expected)
    assert rates[1] == pytest.approx(0.6)


def test_cosine_annealing_without_period_spans_max_epochs():
    rates = _rates(CosineAnnealing(), 10, max_epochs=10)
    assert rates[4] == pytest.approx(0.5)
    assert rates[-1] == pytest.approx(0.0)


@pytest.mark.parametrize(
    "schedule, match",
    [
        (StepDecay(step_size=0), "step_size"),
        (StepDecay(gamma=1.5), "gamma"),
        (CosineAnnealing(period=0), "period"),
        (CosineAnnealing(min_learning_rate=2.0), "min_learning_rate"),
    ],
)
def test_invalid_schedule_parameters_raise_a_clear_error(schedule, match):
    with pytest.raises(ValueError, match=match):
        schedule.start(1.0, 10)


def test_cosine_annealing_needs_a_period_outside_an_estimator():
    with pytest.raises(ValueError, match="period"):
        CosineAnnealing().start(1.0)


def _fit(**params):
    clf = MLPScratchClassifier(hidden_layer_sizes=(5,), max_iter=6, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X, Y)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_schedules_selected_by_name_drive_every_stochastic_solver(solver):
    cosine = _fit(solver=solver, learning_rate="cosine")
    assert cosine.learning_rate_schedule_.learning_rate_ == pytest.approx(0.0)
    step = _fit(solver=solver, learning_rate="step")
    constant = _fit(solver=solver, learning_rate="constant")
    assert not np.allclose(cosine.network_.params, constant.network_.params)
    # StepDecay's first decay comes after 10 epochs: 6 epochs match the constant rate.
    np.testing.assert_array_equal(step.network_.params, constant.network_.params)


def test_a_configured_schedule_instance_is_used_and_not_mutated():
    schedule = StepDecay(step_size=2, gamma=0.5)
    clf = _fit(learning_rate=schedule)
    assert clf.learning_rate_schedule_.learning_rate_ == pytest.approx(0.001 / 8)
    assert not hasattr(schedule, "learning_rate_")


def test_partial_fit_continues_the_epoch_count_of_the_schedule():
    clf = MLPScratchClassifier(
        hidden_layer_sizes=(5,), learning_rate=StepDecay(step_size=2), random_state=0
    )
    for _ in range(4):
        clf.partial_fit(X, Y, classes=np.unique(Y))
    assert clf.learning_rate_schedule_.learning_rate_ == pytest.approx(0.001 / 4)


def test_grid_search_can_tune_a_schedule_parameter():
    clf = MLPScratchClassifier(learning_rate=StepDecay())
    assert "learning_rate__gamma" in clf.get_params()
    clf.set_params(learning_rate__gamma=0.25)
    assert clf.learning_rate.gamma == 0.25
