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


# Logits of confidently wrong outputs: from where float32 probabilities fall below
# eps (|z| ≈ 16) to far past where float64 ones do (|z| ≈ 36).
_WRONG_LOGITS = (17.0, 20.0, 30.0, 40.0, 80.0)
# Where float64 central differences of forward are trustworthy: its probabilities
# are not clipped yet, and 1 - a still has most of its digits.
_REFERENCE_LOGITS = (17.0, 20.0)
# A large step: out there the cost is nearly linear or exponential in z, where
# central differences are exact or sinh(h)/h = 1.002 off; rounding is 1e-7.
_REFERENCE_STEP = 0.1


def _wrong_logits(Y, s, wrong_target):
    """Logits confidently wrong on the outputs whose target is ``wrong_target``, 0 elsewhere.

    Units with target 1 get ``-s``, units with target 0 get ``+s``: one kind at
    a time, so that a softmax row keeps its probabilities where float64 central
    differences still resolve them.
    """
    return np.where(Y == wrong_target, s * (1 - 2 * Y), 0.0)


def _saturated_pairings(loss, case):
    pairings = [case.activation]
    canonical = getattr(case.loss, "canonical_activation", None)
    if canonical is not None and type(case.activation) is not canonical:
        pairings.append(canonical())
    return pairings


def check_loss_delta_saturated(loss):
    """The output error of a confidently wrong output neither vanishes nor overflows.

    For logits ``-s`` on outputs whose target is 1 (then ``+s`` on those whose
    target is 0), ``s`` from 17 to 80, with the loss's output activation and
    its canonical one, in float32 and float64: ``delta`` is finite; for ``s``
    = 17 and 20 it agrees with float64 central differences of
    ``forward(Y, activation.forward(Z))``; and where those central differences
    have reached a plateau (a cross-entropy's ``-1``), ``delta`` stays on it up
    to ``s = 80``. Errors below ``1e-3 / n_samples`` are ignored: float32 cannot
    resolve ``1 - a`` out there.

    The chain rule through a probability clipped to ``[eps, 1 - eps]`` fails it:
    it multiplies ``1 / eps`` by the activation's slope, which keeps shrinking,
    so the output error of a confidently wrong sigmoid vanishes from ``|z| ≈ 17``
    in float32 and ``|z| ≈ 36`` in float64. Give :meth:`~skbackprop.losses.Loss.delta`
    a closed form for the activation, or clip only to keep ``1 / a`` finite.
    """
    for case in _cases(loss):
        n_samples, n_outputs = case.Y.shape
        rtol, atol = 1e-2, 1e-3 / n_samples
        scale = case.loss.gradient_scale(n_outputs)
        for activation in _saturated_pairings(loss, case):
            for wrong_target in (1.0, 0.0):
                _check_saturated_pairing(
                    loss, case, activation, wrong_target, scale, rtol=rtol, atol=atol
                )


def _check_saturated_pairing(loss, case, activation, wrong_target, scale, *, rtol, atol):
    Y = case.Y
    where = (
        f"{'1' if wrong_target else '0'} targets confidently wrong, {describe(activation)} "
        f"output, {case.describe()}"
    )

    def cost(Z):
        return case.loss.forward(Y, activation.forward(Z))

    def reference_at(s):
        Z = _wrong_logits(Y, s, wrong_target)
        # The large step where the logits are large, the usual one at z = 0.
        saturated = central_differences(cost, Z, _REFERENCE_STEP)
        return scale * np.where(Z == 0, central_differences(cost, Z), saturated)

    reference = {s: reference_at(s) for s in _REFERENCE_LOGITS}
    last = reference[_REFERENCE_LOGITS[-1]]
    plateau = np.abs(reference[_REFERENCE_LOGITS[0]] - last) <= atol + rtol * np.abs(last)
    for dtype in (np.float64, np.float32):
        for s in _WRONG_LOGITS:
            Z = _wrong_logits(Y, s, wrong_target).astype(dtype)
            try:
                with np.errstate(all="ignore"):  # judged by the values, not by warnings
                    delta = case.loss.delta(
                        Y.astype(dtype), Z, activation.forward(Z.copy()), activation
                    )
            except Exception as exc:
                fail(loss, f"delta raised {type(exc).__name__}: {exc} at |z| = {s:g} ({where}).")
            label = f"delta at |z| = {s:g} in {np.dtype(dtype).name} ({where})"
            assert_finite(loss, delta, label)
            if s in reference:
                expected = reference[s]
                what = f"{label} disagrees with float64 central differences of forward"
            else:
                # Past the reference points: stay on a plateau the loss has reached.
                expected = np.where(plateau, last, delta)
                what = (
                    f"{label} leaves the plateau the output error reached at |z| = "
                    f"{_REFERENCE_LOGITS[-1]:g}: it vanishes or blows up for confidently "
                    "wrong outputs"
                )
            assert_close(loss, delta, expected, what, rtol=rtol, atol=atol, at=("Z", Z))


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
    check_loss_delta_saturated,
    check_loss_dtypes,
    check_loss_pickle,
    check_loss_in_classifier,
]
