"""Types and ranges of the fitted attributes a warm ``fit`` or ``partial_fit`` resumes from.

:func:`skbackprop._model_checks.check_model` checks the shapes of a fitted model;
this module checks the scalars and curves around them, so that a model file
cannot hold ``loss_curve_="abc"`` or an optimizer step count ``t_="x"`` that
would fail only when training resumes.
"""

import math
import numbers

import numpy as np

from ._hidden_features import check_transform_layer
from ._safe_params import is_bool, is_int

__all__ = ["check_fitted_state"]

_COUNTS = ("n_iter_", "t_", "_no_improvement_count")
# Best scores start at -inf or inf before the first epoch improves on them.
_SCORES = ("loss_", "best_loss_", "best_validation_score_", "best_validation_loss_")
_CURVES = ("loss_curve_", "validation_scores_", "validation_loss_curve_")
# Optimizer attributes holding one value per network parameter.
_PER_PARAMETER = ("velocity_", "first_moment_", "second_moment_")
_RATES = ("learning_rate_", "learning_rate_init_")


def _is_count(value):
    return is_int(value) and value >= 0


def _is_score(value):
    return value is None or (
        isinstance(value, numbers.Real) and not is_bool(value) and not math.isnan(value)
    )


def check_fitted_state(est, state, where, fail):
    """Refuse fitted attributes of ``est`` of the wrong type or out of range."""
    for name in _COUNTS:
        if name in state and not _is_count(state[name]):
            fail(f"{where}.{name}", f"must be a count (an int >= 0); got {state[name]!r}.")
    for name in _SCORES:
        if name in state and not _is_score(state[name]):
            fail(f"{where}.{name}", f"must be None or a number; got {state[name]!r}.")
    for name in _CURVES:
        curve = state.get(name)
        if curve is not None and not (
            isinstance(curve, list) and all(_is_score(v) and v is not None for v in curve)
        ):
            fail(f"{where}.{name}", "must be None or a list of numbers.")
    if "out_activation_" in state and not isinstance(state["out_activation_"], str):
        fail(f"{where}.out_activation_", "must be the name of an activation.")
    optimizer = vars(state["optimizer_"])
    if "t_" in optimizer and not _is_count(optimizer["t_"]):
        fail(f"{where}.optimizer_.t_", f"must be a step count; got {optimizer['t_']!r}.")
    for name in _PER_PARAMETER:  # their shape is checked with the network's
        if name in optimizer and not isinstance(optimizer[name], np.ndarray):
            fail(f"{where}.optimizer_.{name}", "must be an array, one value per parameter.")
    schedule = vars(state["learning_rate_schedule_"])
    for name in _RATES:
        rate = schedule.get(name)
        if name in schedule and not (
            isinstance(rate, numbers.Real) and not is_bool(rate) and 0 <= rate < math.inf
        ):
            fail(
                f"{where}.learning_rate_schedule_.{name}",
                f"must be a finite learning rate >= 0; got {rate!r}.",
            )
    _check_transform_layer(est, where, fail)


def _check_transform_layer(est, where, fail):
    if not hasattr(est, "_transform_layer_index"):
        return
    try:  # the check fit makes; without hidden layers any int is accepted
        check_transform_layer(est.transform_layer, len(est.network_.layer_sizes) - 2)
    except (TypeError, ValueError) as exc:
        fail(f"{where}.transform_layer", str(exc))
