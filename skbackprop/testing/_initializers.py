"""Conformance checks of weight initializers: shapes, reproducibility, the random source."""

import numpy as np

from ..activations import ReLU, Sigmoid
from ._common import (
    SEED,
    assert_close,
    assert_finite,
    assert_shape,
    check_fits_in_classifier,
    fail,
    pickle_round_trip,
)

__all__ = []

_LAYERS = ((4, 3), (1, 1), (7, 2))


def _draw(initializer, fan_in, fan_out, activation, seed=SEED):
    result = initializer.initialize(fan_in, fan_out, activation, np.random.RandomState(seed))
    if not (isinstance(result, tuple) and len(result) == 2):
        fail(initializer, f"initialize must return a (weights, biases) tuple; got {result!r}.")
    return result


def check_initializer_shapes(initializer):
    """``initialize`` returns finite weights ``(fan_in, fan_out)`` and biases ``(fan_out,)``."""
    for fan_in, fan_out in _LAYERS:
        for activation in (ReLU(), Sigmoid()):
            weights, biases = _draw(initializer, fan_in, fan_out, activation)
            what = f"for fan_in={fan_in}, fan_out={fan_out}"
            assert_shape(initializer, weights, (fan_in, fan_out), f"the weights {what}")
            assert_shape(initializer, biases, (fan_out,), f"the biases {what}")
            for array, name in ((weights, "weights"), (biases, "biases")):
                if not np.issubdtype(np.asarray(array).dtype, np.floating):
                    fail(
                        initializer,
                        f"the {name} {what} are {np.asarray(array).dtype}, "
                        "expected floating point.",
                    )
                assert_finite(initializer, array, f"the {name} {what}")


def check_initializer_reproducible(initializer):
    """The same seed gives the same draws, and only ``random_state`` is drawn from."""
    global_state = np.random.get_state()
    first = _draw(initializer, 4, 3, ReLU())
    after = np.random.get_state()
    if not all(np.array_equal(a, b) for a, b in zip(global_state[1:3], after[1:3])):
        fail(
            initializer,
            "initialize drew from numpy's global random state; draw from its "
            "random_state argument so that random_state=... reproduces a fit.",
        )
    second = _draw(initializer, 4, 3, ReLU())
    for got, want, name in zip(second, first, ("weights", "biases")):
        assert_close(
            initializer,
            got,
            want,
            f"the {name} differ between two draws with the same seed",
            rtol=0,
            atol=0,
        )


def check_initializer_pickle(initializer):
    """A pickled and unpickled initializer draws the same weights."""
    restored = pickle_round_trip(initializer)
    for got, want, name in zip(
        _draw(restored, 4, 3, ReLU()), _draw(initializer, 4, 3, ReLU()), ("weights", "biases")
    ):
        assert_close(
            initializer, got, want, f"the unpickled initializer draws other {name}", rtol=0, atol=0
        )


def check_initializer_in_classifier(initializer):
    """``MLPScratchClassifier(weight_init=...)`` fits and predicts, leaving the plugin as it was."""
    check_fits_in_classifier(initializer, "weight_init")


INITIALIZER_CHECKS = [
    check_initializer_shapes,
    check_initializer_reproducible,
    check_initializer_pickle,
    check_initializer_in_classifier,
]
