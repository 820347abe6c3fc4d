"""Conformance checks of losses: the weighted mean cost, its gradient, and the output error."""

import numpy as np

from .. import registry
from ..activations import Activation
from ._common import (
    SEED,
    assert_close,
    assert_dtype,
    assert_finite,
    assert_shape,
    central_differences,
    check_fits_in_classifier,
    describe,
    fail,
    pickle_round_trip,
)

__all__ = []

# The classification targets a loss must handle, with their number of outputs.
_TARGET_TYPES = (("binary", 1), ("multiclass", 3), ("multilabel-indicator", 3))


class _Case:
    """One evaluation point: the specialised loss, targets, output activation and values."""

    def __init__(self, loss, target_type, n_outputs, dtype=np.float64):
        try:
            self.loss = loss.for_target(target_type)
            activation_name = loss.default_output_activation(target_type)
            self.activation = registry.resolve("activation", activation_name, "output_activation")
        except Exception as exc:
            fail(
                loss,
                f"preparing {target_type} targets failed: {type(exc).__name__}: {exc}. A loss "
                "needs for_target(target_type) and default_output_activation(target_type) "
                "(set canonical_activation, or override default_output_activation).",
            )
        self.target_type = target_type
        rng = np.random.RandomState(SEED)
        n_samples = 6
        if target_type == "multiclass":
            Y = np.eye(n_outputs)[rng.randint(n_outputs, size=n_samples)]
        else:
            Y = rng.randint(2, size=(n_samples, n_outputs)).astype(float)
        self.Y = Y.astype(dtype)
        # Pre-activations in [-2, 2] keep probabilities well inside (0, 1).
        self.Z = rng.uniform(-2, 2, size=(n_samples, n_outputs)).astype(dtype)
        self.A = self.activation.forward(self.Z.copy())
        self.sample_weight = rng.uniform(0.5, 2.0, size=n_samples).astype(dtype)

    def describe(self):
        return f"{self.target_type} targets ({describe(self.loss)})"


def _cases(loss, dtype=np.float64):
    return [_Case(loss, target_type, n_outputs, dtype) for target_type, n_outputs in _TARGET_TYPES]


def check_loss_value(loss):
    """``forward`` returns a finite real scalar, without and with sample weights."""
    for case in _cases(loss):
        for sample_weight in (None, case.sample_weight):
            value = case.loss.forward(case.Y, case.A, sample_weight)
            if np.ndim(value) != 0 or not np.isreal(value):
                fail(
                    loss, f"forward must return a real scalar on {case.describe()}; got {value!r}."
                )
            assert_finite(loss, value, f"forward on {case.describe()}")


def check_loss_gradient(loss):
    """``backward`` agrees with central differences of ``forward``, with and without weights."""
    for case in _cases(loss):
        for label, sample_weight in (("", None), (" with sample_weight", case.sample_weight)):
            dA = case.loss.backward(case.Y.copy(), case.A.copy(), sample_weight)
            assert_shape(loss, dA, case.A.shape, "backward(Y, A)")
            # gradient_scale: 1 but for scikit-learn's multi-output squared error.
            numerical = case.loss.gradient_scale(case.A.shape[1]) * central_differences(
                lambda A_: case.loss.forward(case.Y, A_, sample_weight), case.A
            )
            assert_close(
                loss,
                dA,
                numerical,
                f"backward{label} disagrees with central differences on {case.describe()}",
                rtol=1e-5,
                atol=1e-7,
                at=("A", case.A),
            )


def check_loss_sample_weight(loss):
    """Sample weights act as a weighted mean: unit weights change nothing, weight 2 = two copies."""
    for case in _cases(loss):
        Y, A = case.Y, case.A
        ones = np.ones(len(Y))
        for what in ("forward", "backward"):
            method = getattr(case.loss, what)
            assert_close(
                loss,
                method(Y, A, ones),
                method(Y, A, None),
                f"{what} with unit sample weights differs from {what} without on {case.describe()}",
                rtol=1e-10,
                atol=1e-12,
            )
            assert_close(
                loss,
                method(Y, A, 3 * case.sample_weight),
                method(Y, A, case.sample_weight),
                f"{what} changes when all sample weights are multiplied by 3 on "
                f"{case.describe()}: it must be the weighted mean",
                rtol=1e-10,
                atol=1e-12,
            )
        counts = np.array([2, 1, 0, 1, 3, 1])
        rows = np.repeat(np.arange(len(Y)), counts)
        assert_close(
            loss,
            case.loss.forward(Y, A, counts),
            case.loss.forward(Y[rows], A[rows]),
            f"forward with integer sample weights differs from repeating the samples "
            f"on {case.describe()}",
            rtol=1e-10,
            atol=1e-12,
        )
        repeated = case.loss.backward(Y[rows], A[rows])
        summed = np.zeros_like(A)
        np.add.at(summed, rows, repeated)
        assert_close(
            loss,
            case.loss.backward(Y, A, counts),
            summed,
            f"backward with integer sample weights differs from repeating the samples "
            f"on {case.describe()}",
            rtol=1e-8,
            atol=1e-12,
        )


class _Steeper(Activation):
    """``inner`` evaluated at ``2 Z``: same range as ``inner``, but not its class."""

    def __init__(self, inner=None):
        self.inner = inner

    def forward(self, Z):
        return self.inner.forward(2 * Z)

    def backward(self, Z, A, dA):
        return 2 * self.inner.backward(2 * Z, A, dA)


def check_loss_delta(loss):
    """The output error ``delta`` equals ``activation.backward(Z, A, backward(Y, A))``.

    Checked for the loss's output activation and its canonical one (where it
    may use a fused formula such as ``A - Y``), and for a different activation
    of the same range, where a fused formula would silently be wrong.
    """
    for case in _cases(loss):
        pairings = [
            (case.activation, "its output activation"),
            (_Steeper(case.activation), "a non-canonical output activation"),
        ]
        canonical = getattr(case.loss, "canonical_activation", None)
        if canonical is not None and type(case.activation) is not canonical:
            pairings.append((canonical(), "its canonical activation"))
        for activation, which in pairings:
            A = activation.forward(case.Z.copy())
            for label, sample_weight in (("", None), (" with sample_weight", case.sample_weight)):
                delta = case.loss.delta(case.Y, case.Z, A, activation, sample_weight)
                chain_rule = activation.backward(
                    case.Z, A, case.loss.backward(case.Y, A, sample_weight)
                )
                assert_shape(loss, delta, case.Z.shape, "delta(Y, Z, A, activation)")
                assert_close(
                    loss,
                    delta,
                    chain_rule,
                    f"delta{label} with {which} {describe(activation)} disagrees with "
                    f"activation.backward(Z, A, loss.backward(Y, A)) on {case.describe()}",
                    rtol=1e-6,
                    atol=1e-9,
                    at=("Z", case.Z),
                )


def check_loss_dtypes(loss):
    """float32 targets and outputs give float32 gradients and output errors."""
    for case in _cases(loss, np.float32):
        weight = case.sample_weight
        assert_finite(
            loss, case.loss.forward(case.Y, case.A, weight), f"forward on float32 {case.describe()}"
        )
        dA = case.loss.backward(case.Y, case.A, weight)
        assert_dtype(loss, dA, np.float32, f"backward(Y, A) on {case.describe()}")
        delta = case.loss.delta(case.Y, case.Z, case.A, case.activation, weight)
        assert_dtype(loss, delta, np.float32, f"delta(Y, Z, A, activation) on {case.describe()}")


def check_loss_inputs_unchanged(loss):
    """``forward``, ``backward`` and ``delta`` modify none of their inputs."""
    for case in _cases(loss):
        inputs = {"Y": case.Y, "Z": case.Z, "A": case.A, "sample_weight": case.sample_weight}
        before = {name: array.copy() for name, array in inputs.items()}
        calls = {
            "forward": lambda: case.loss.forward(case.Y, case.A, case.sample_weight),
            "backward": lambda: case.loss.backward(case.Y, case.A, case.sample_weight),
            "delta": lambda: case.loss.delta(
                case.Y, case.Z, case.A, case.activation, case.sample_weight
            ),
        }
        for method, call in calls.items():
            result = call()
            for name, array in inputs.items():
                if not np.array_equal(array, before[name]):
                    fail(loss, f"{method} modified its input {name} on {case.describe()}.")
                if method != "forward" and np.shares_memory(result, array):
                    fail(loss, f"{method} returned a view of its input {name}; return a new array.")


def check_loss_pickle(loss):
    """A pickled and unpickled loss computes the same values and gradients."""
    restored = pickle_round_trip(loss)
    for case, restored_case in zip(_cases(loss), _cases(restored)):
        for what in ("forward", "backward"):
            assert_close(
                loss,
                getattr(restored_case.loss, what)(case.Y, case.A, case.sample_weight),
                getattr(case.loss, what)(case.Y, case.A, case.sample_weight),
                f"the unpickled loss's {what} differs on {case.describe()}",
                rtol=0,
                atol=0,
            )


def check_loss_in_classifier(loss):
    """``MLPScratchClassifier(loss=...)`` fits and predicts, leaving the plugin as it was."""
    check_fits_in_classifier(loss, "loss")


LOSS_CHECKS = [
    check_loss_inputs_unchanged,
    check_loss_value,
    check_loss_gradient,
    check_loss_sample_weight,
    check_loss_delta,
    check_loss_dtypes,
    check_loss_pickle,
    check_loss_in_classifier,
]
