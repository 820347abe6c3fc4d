"""Learning-rate schedules against hand-derived rates and messages, one epoch at a time.

Each expected number below is worked out from the schedule's formula in its docstring, not
from the code; the boundary tests pin the limits of each parameter's accepted range.
"""

import math

import pytest

from skbackprop.schedules import (
    Adaptive,
    Constant,
    CosineAnnealing,
    InvScaling,
    LearningRateSchedule,
    StepDecay,
)


def _rates(schedule, n_epochs, learning_rate_init=1.0, max_epochs=None, samples_per_epoch=100):
    schedule.start(learning_rate_init, max_epochs)
    rates = []
    for epoch in range(1, n_epochs + 1):
        schedule.epoch_end(epoch, samples_per_epoch * epoch)
        rates.append(schedule.learning_rate_)
    return rates


@pytest.mark.parametrize(
    "schedule",
    [Constant(), InvScaling(), Adaptive(), StepDecay(), CosineAnnealing(period=3)],
    ids=lambda s: type(s).__name__,
)
def test_start_records_the_initial_rate_and_max_epochs(schedule):
    schedule.start(0.3, 17)
    assert schedule.learning_rate_init_ == 0.3
    assert schedule.learning_rate_ == 0.3
    assert schedule.max_epochs_ == 17


def test_the_base_schedule_keeps_its_rate_and_stops_on_a_plateau():
    schedule = LearningRateSchedule()
    assert _rates(schedule, 3, learning_rate_init=0.25) == [0.25, 0.25, 0.25]
    assert schedule.plateau() is True
    assert schedule.describe_plateau() == "Stopping."


def test_invscaling_divides_by_samples_seen_plus_one_to_the_power_t():
    # eta = eta0 / (t + 1) ** power_t with t = 100, 200, 300 samples seen.
    assert _rates(InvScaling(), 3, learning_rate_init=2.0) == pytest.approx(
        [2.0 / 101**0.5, 2.0 / 201**0.5, 2.0 / 301**0.5]
    )
    assert _rates(InvScaling(power_t=2.0), 1, samples_per_epoch=9) == pytest.approx([0.01])


def test_invscaling_default_power_t_is_one_half():
    assert InvScaling().power_t == 0.5


def test_invscaling_with_a_huge_power_t_decays_to_zero_instead_of_overflowing():
    assert _rates(InvScaling(power_t=1e6), 1) == [0.0]


def test_adaptive_divides_by_factor_on_each_plateau_until_the_minimum_then_stops():
    schedule = Adaptive(factor=4.0, min_learning_rate=0.05)
    schedule.start(1.0)
    assert schedule.plateau() is False
    assert schedule.learning_rate_ == 0.25
    assert schedule.describe_plateau() == "Setting learning rate to 0.250000"
    assert schedule.plateau() is False
    assert schedule.learning_rate_ == 0.0625
    assert schedule.plateau() is False  # 0.0625 > 0.05: one more division
    assert schedule.learning_rate_ == 0.015625
    assert schedule.plateau() is True
    assert schedule.learning_rate_ == 0.015625
    assert schedule.describe_plateau() == "Learning rate too small. Stopping."


def test_adaptive_stops_exactly_at_the_minimum_rate():
    schedule = Adaptive(factor=2.0, min_learning_rate=0.5)
    schedule.start(1.0)
    assert schedule.plateau() is False
    assert schedule.plateau() is True  # 0.5 <= 0.5


def test_adaptive_reports_a_new_rate_after_a_reset_following_a_stop():
    schedule = Adaptive(factor=2.0, min_learning_rate=0.5)
    schedule.start(0.5)
    assert schedule.plateau() is True
    schedule.start(1.0)  # a new fit: the schedule starts over
    assert schedule.plateau() is False
    assert schedule.describe_plateau() == "Setting learning rate to 0.500000"


def test_step_decay_defaults_halve_the_rate_every_ten_epochs():
    rates = _rates(StepDecay(), 21)
    assert rates[8] == 1.0  # after 9 epochs
    assert rates[9] == 0.5  # after 10
    assert rates[19] == 0.25  # after 20
    assert rates[20] == 0.25


def test_step_decay_accepts_the_limits_of_its_ranges():
    assert _rates(StepDecay(step_size=1, gamma=1.0), 3) == [1.0, 1.0, 1.0]
    assert _rates(StepDecay(step_size=1, gamma=0.5), 3) == [0.5, 0.25, 0.125]


@pytest.mark.parametrize("gamma", [0.0, -0.5, 1.0001])
def test_step_decay_rejects_gamma_outside_zero_one(gamma):
    with pytest.raises(ValueError, match=r"^StepDecay gamma must be in \(0, 1\]"):
        StepDecay(gamma=gamma).start(1.0)


@pytest.mark.parametrize("step_size", [0, -1, 2.0, True])
def test_step_decay_rejects_a_step_size_that_is_not_a_positive_integer(step_size):
    with pytest.raises(ValueError, match=r"^StepDecay step_size must be a positive integer"):
        StepDecay(step_size=step_size).start(1.0)


def test_cosine_annealing_with_a_period_of_one_reaches_the_minimum_after_one_epoch():
    assert _rates(CosineAnnealing(period=1, min_learning_rate=0.1), 2) == pytest.approx([0.1, 0.1])


def test_cosine_annealing_follows_the_closed_form_from_max_epochs():
    # eta = eta_min + (eta0 - eta_min) (1 + cos(pi e / T)) / 2 with T = 3, eta0 = 2.
    rates = _rates(CosineAnnealing(min_learning_rate=0.5), 3, learning_rate_init=2.0, max_epochs=3)
    expected = [0.5 + 1.5 * (1 + math.cos(math.pi * e / 3)) / 2 for e in (1, 2, 3)]
    assert rates == pytest.approx(expected)
    assert rates[0] == pytest.approx(1.625)  # cos(pi/3) = 1/2


def test_cosine_annealing_accepts_a_minimum_equal_to_the_initial_rate():
    assert _rates(CosineAnnealing(period=2, min_learning_rate=1.0), 2) == [1.0, 1.0]


@pytest.mark.parametrize("period", [0, -3, 2.5, True])
def test_cosine_annealing_rejects_a_period_that_is_not_a_positive_integer(period):
    with pytest.raises(ValueError, match=r"^CosineAnnealing needs a period"):
        CosineAnnealing(period=period).start(1.0)


@pytest.mark.parametrize("min_learning_rate", [-0.1, 1.5])
def test_cosine_annealing_rejects_a_minimum_outside_zero_and_the_initial_rate(min_learning_rate):
    with pytest.raises(
        ValueError, match=r"^CosineAnnealing min_learning_rate must be in \[0, learning_rate_init\]"
    ):
        CosineAnnealing(period=2, min_learning_rate=min_learning_rate).start(1.0)
