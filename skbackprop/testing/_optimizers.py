"""Conformance checks of optimizers: descent on a quadratic, dtypes, state and references."""

import pickle

import numpy as np
from sklearn.base import clone

from ._common import (
    SEED,
    assert_close,
    assert_dtype,
    assert_finite,
    check_fits_in_classifier,
    fail,
    pickle_round_trip,
)

__all__ = []

_LEARNING_RATE = 0.01
_N_STEPS = 200


class _Quadratic:
    """``f(w) = ½ Σ c_i (w_i - t_i)²`` with curvatures ``c`` in [0.5, 2]: a bowl to descend."""

    def __init__(self, n_params=10):
        rng = np.random.RandomState(SEED)
        self.curvature = rng.uniform(0.5, 2.0, n_params)
        self.target = rng.normal(size=n_params)
        self.start = self.target + rng.choice([-1.0, 1.0], n_params) * rng.uniform(
            0.5, 1.0, n_params
        )

    def value(self, params):
        return 0.5 * float(np.sum(self.curvature * (params - self.target) ** 2))

    def gradient(self, params):
        return (self.curvature * (params - self.target)).astype(params.dtype)

    def value_and_gradient(self, params):
        return self.value(params), self.gradient(params)


def _optimize(optimizer, params, quadratic, n_steps=_N_STEPS):
    """Run ``optimizer`` on ``params`` in place; return scipy's result for full-batch ones."""
    if getattr(optimizer, "stochastic", True):
        for _ in range(n_steps):
            optimizer.step(params, quadratic.gradient(params), _LEARNING_RATE)
        return None
    calls = []

    def callback(intermediate_result):
        calls.append(intermediate_result)

    result = optimizer.minimize(
        quadratic.value_and_gradient, params, n_steps, 1e-10, callback=callback
    )
    if not calls:
        fail(
            optimizer,
            "minimize never called its callback; call it after every iteration "
            "(the estimator records loss_curve_ through it).",
        )
    return result


def _fresh(optimizer, quadratic, dtype=np.float64):
    """A clone initialised for the quadratic's start, and the parameter vector."""
    optimizer = clone(optimizer)
    params = quadratic.start.astype(dtype)
    if getattr(optimizer, "stochastic", True):
        optimizer.initialize(params)
        if not optimizer.is_initialized_for(params):
            fail(optimizer, "is_initialized_for(params) is False right after initialize(params).")
    return optimizer, params


def check_optimizer_descends(optimizer):
    """Steps (or ``minimize``) reduce a quadratic's value, updating the parameters in place."""
    quadratic = _Quadratic()
    for dtype in (np.float64, np.float32):
        fresh, params = _fresh(optimizer, quadratic, dtype)
        start = quadratic.value(params)
        result = _optimize(fresh, params, quadratic)
        assert_dtype(optimizer, params, dtype, "the parameters after optimizing")
        assert_finite(optimizer, params, f"the {np.dtype(dtype)} parameters after optimizing")
        end = quadratic.value(params)
        what = (
            f"{_N_STEPS} steps of learning rate {_LEARNING_RATE}"
            if result is None
            else f"minimize with max_iter={_N_STEPS}"
        )
        # Lenient on speed (Adagrad-like methods are slow), strict on direction.
        if not end < 0.9 * start:
            fail(
                optimizer,
                f"{what} on a {np.dtype(dtype)} quadratic took its value from "
                f"{start:.4g} to {end:.4g}; expected a decrease of at least 10% "
                "(is the step's sign right, and are params updated in place?).",
            )
        if result is not None:
            missing = [
                name
                for name in ("fun", "nit", "success", "status", "message")
                if not hasattr(result, name)
            ]
            if missing:
                fail(
                    optimizer,
                    f"minimize must return a scipy OptimizeResult-like object; it lacks {missing}.",
                )


def _arrays_in(value, path, seen):
    """Yield (path, ndarray) for every array reachable through attributes and containers."""
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _arrays_in(item, f"{path}[{key!r}]", seen)
    elif isinstance(value, (list, tuple, set)):
        for index, item in enumerate(value):
            yield from _arrays_in(item, f"{path}[{index}]", seen)
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        for key, item in vars(value).items():
            yield from _arrays_in(item, f"{path}.{key}", seen)


def check_optimizer_keeps_no_reference(optimizer):
    """After optimizing, no attribute holds (a view of) the parameter vector.

    The training loop hands the parameters to every call; an optimizer that
    keeps them breaks after unpickling or when the estimator is copied.
    """
    quadratic = _Quadratic()
    fresh, params = _fresh(optimizer, quadratic)
    _optimize(fresh, params, quadratic, n_steps=5)
    for path, array in _arrays_in(fresh, "optimizer", set()):
        if np.shares_memory(array, params):
            fail(
                optimizer,
                f"{path} holds a reference to the parameter vector; keep only "
                "state arrays of your own (params arrive with every step).",
            )


def check_optimizer_state_survives_pickle(optimizer):
    """An optimizer pickled mid-run continues exactly like the original."""
    quadratic = _Quadratic()
    fresh, params = _fresh(optimizer, quadratic)
    if not getattr(fresh, "stochastic", True):
        restored = pickle_round_trip(fresh)
        other = params.copy()
        _optimize(fresh, params, quadratic, n_steps=20)
        _optimize(restored, other, quadratic, n_steps=20)
        assert_close(
            optimizer,
            other,
            params,
            "the unpickled optimizer's minimize ended elsewhere",
            rtol=0,
            atol=0,
        )
        return
    _optimize(fresh, params, quadratic, n_steps=5)
    try:
        restored = pickle.loads(pickle.dumps(fresh))
    except Exception as exc:
        fail(optimizer, f"pickling an optimizer with state failed: {type(exc).__name__}: {exc}")
    other = params.copy()
    if not restored.is_initialized_for(other):
        fail(
            optimizer,
            "is_initialized_for(params) is False after unpickling: its state was "
            "lost, and warm_start would start over.",
        )
    _optimize(fresh, params, quadratic, n_steps=5)
    _optimize(restored, other, quadratic, n_steps=5)
    assert_close(
        optimizer,
        other,
        params,
        "after unpickling mid-run, 5 more steps ended "
        "elsewhere than without pickling (is all the state in attributes?)",
        rtol=0,
        atol=0,
    )


def check_optimizer_in_classifier(optimizer):
    """``MLPScratchClassifier(solver=...)`` fits and predicts, leaving the plugin as it was."""
    check_fits_in_classifier(optimizer, "solver")


OPTIMIZER_CHECKS = [
    check_optimizer_descends,
    check_optimizer_keeps_no_reference,
    check_optimizer_state_survives_pickle,
    check_optimizer_in_classifier,
]
