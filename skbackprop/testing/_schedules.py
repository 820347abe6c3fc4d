"""Conformance checks of learning-rate schedules: non-negative rates, restarts, pickling."""

import pickle

import numpy as np
from sklearn.base import clone

from ._common import assert_close, check_fits_in_classifier, fail

__all__ = []

_INITIAL_RATE = 0.1
# Epochs the checks run; passed to start() as the fit's length (a cosine period).
_N_EPOCHS = 10


def _rates(schedule, n_epochs=_N_EPOCHS, n_samples=50, plateau_at=(3, 6)):
    """The rate after each of ``n_epochs`` epochs, with plateaus after some of them."""
    rates = []
    for epoch in range(1, n_epochs + 1):
        schedule.epoch_end(epoch, epoch * n_samples)
        if epoch in plateau_at:
            stop = schedule.plateau()
            if not isinstance(stop, (bool, np.bool_)):
                fail(schedule, f"plateau() must return True (stop) or False (go on); got {stop!r}.")
            if not isinstance(schedule.describe_plateau(), str):
                fail(schedule, "describe_plateau() must return a string.")
        rates.append(schedule.learning_rate_)
    return np.array(rates, dtype=float)


def check_schedule_rates(schedule):
    """``start`` sets the initial rate; later rates stay finite and non-negative."""
    fresh = clone(schedule)
    fresh.start(_INITIAL_RATE, max_epochs=_N_EPOCHS)
    if getattr(fresh, "learning_rate_", None) != _INITIAL_RATE:
        fail(
            schedule,
            f"after start({_INITIAL_RATE}, max_epochs={_N_EPOCHS}) learning_rate_ is "
            f"{getattr(fresh, 'learning_rate_', None)!r}, expected {_INITIAL_RATE}.",
        )
    rates = _rates(fresh)
    if not (np.all(np.isfinite(rates)) and np.all(rates >= 0)):
        fail(
            schedule,
            f"the learning rates over {_N_EPOCHS} epochs must be finite and non-negative; got "
            f"{rates.tolist()}.",
        )


def check_schedule_restart(schedule):
    """Calling ``start`` again restarts the schedule: a second fit sees the same rates."""
    fresh = clone(schedule)
    fresh.start(_INITIAL_RATE, max_epochs=_N_EPOCHS)
    first = _rates(fresh)
    fresh.start(_INITIAL_RATE, max_epochs=_N_EPOCHS)
    assert_close(
        schedule,
        _rates(fresh),
        first,
        "the rates after a second start() differ from the first run: reset all state in start()",
        rtol=0,
        atol=0,
    )


def check_schedule_pickle(schedule):
    """A schedule pickled mid-run continues with the same rates."""
    fresh = clone(schedule)
    fresh.start(_INITIAL_RATE, max_epochs=_N_EPOCHS)
    _rates(fresh, n_epochs=4, plateau_at=(3,))
    try:
        restored = pickle.loads(pickle.dumps(fresh))
    except Exception as exc:
        fail(schedule, f"pickling a started schedule failed: {type(exc).__name__}: {exc}")
    assert_close(
        schedule,
        _rates(restored),
        _rates(fresh),
        "after unpickling mid-run the rates differ (is all the state in attributes?)",
        rtol=0,
        atol=0,
    )


def check_schedule_in_classifier(schedule):
    """``MLPScratchClassifier(learning_rate=...)`` fits, leaving the plugin as it was."""
    check_fits_in_classifier(schedule, "learning_rate", solver="sgd")


SCHEDULE_CHECKS = [
    check_schedule_rates,
    check_schedule_restart,
    check_schedule_pickle,
    check_schedule_in_classifier,
]
