"""Losses against scikit-learn's metrics, their closed forms, and central differences.

Each ``forward`` is compared with a scikit-learn metric or the formula in its docstring
written out here in numpy; each ``backward`` with central differences of that formula (never
of the loss's own ``forward``), weighted samples and several outputs included.
"""

import re
import warnings

import numpy as np
import pytest
from sklearn.metrics import mean_absolute_error, mean_poisson_deviance, mean_squared_error

from skbackprop.activations import Identity, Sigmoid, Softmax, Softplus
from skbackprop.losses import (
    AbsoluteError,
    BinaryCrossEntropy,
    CrossEntropy,
    Huber,
    LogLoss,
    MeanSquaredError,
    Poisson,
    SquaredError,
)

RNG = np.random.RandomState(2)
Y = RNG.uniform(0.0, 3.0, size=(5, 2))
A = Y + RNG.choice([-1, 1], size=(5, 2)) * RNG.uniform(0.2, 2.5, size=(5, 2))
A_POSITIVE = RNG.uniform(0.5, 4.0, size=(5, 2))
WEIGHTS = np.array([0.5, 2.0, 1.0, 0.25, 1.25])


def _huber(Y, A, epsilon):
    r = np.abs(A - Y)
    return np.where(r <= epsilon, 0.5 * r**2, epsilon * (r - 0.5 * epsilon))


def _weighted_mean_over_outputs(costs, weights):
    return float(weights @ costs.mean(axis=1) / weights.sum())


def _gradient_wrt_output(f, A, h=1e-6):
    grad = np.empty_like(A)
    for index in np.ndindex(A.shape):
        step = np.zeros_like(A)
        step[index] = h
        grad[index] = (f(A + step) - f(A - step)) / (2 * h)
    return grad


# --------------------------------------------------------------------------- values


def test_absolute_error_is_scikit_learns_mean_absolute_error():
    assert AbsoluteError().forward(Y, A, WEIGHTS) == pytest.approx(
        mean_absolute_error(Y, A, sample_weight=WEIGHTS), rel=1e-12
    )
    assert AbsoluteError().forward(Y, A) == pytest.approx(mean_absolute_error(Y, A), rel=1e-12)


def test_mean_squared_error_is_half_scikit_learns_and_squared_error_sums_over_outputs():
    mse = mean_squared_error(Y, A, sample_weight=WEIGHTS)
    assert MeanSquaredError().forward(Y, A, WEIGHTS) == pytest.approx(mse / 2, rel=1e-12)
    assert SquaredError().forward(Y, A, WEIGHTS) == pytest.approx(mse, rel=1e-12)  # 2 outputs


def test_poisson_is_half_scikit_learns_mean_poisson_deviance():
    y, a = Y[:, :1], A_POSITIVE[:, :1]
    expected = mean_poisson_deviance(y[:, 0], a[:, 0], sample_weight=WEIGHTS) / 2
    assert Poisson().forward(y, a, WEIGHTS) == pytest.approx(expected, rel=1e-12)


def test_poisson_of_a_zero_target_is_the_prediction():
    assert Poisson().forward(np.zeros((1, 1)), np.full((1, 1), 1.5)) == pytest.approx(1.5)


@pytest.mark.parametrize("epsilon", [0.5, 1.0, 2])
def test_huber_is_squared_within_epsilon_and_linear_beyond(epsilon):
    expected = _weighted_mean_over_outputs(_huber(Y, A, epsilon), WEIGHTS)
    assert Huber(epsilon).forward(Y, A, WEIGHTS) == pytest.approx(expected, rel=1e-12)


def test_huber_by_hand_on_both_sides_of_the_default_epsilon_of_one():
    y = np.zeros((1, 2))
    # 0.5 * 0.6**2 = 0.18 and 1 * (3 - 0.5) = 2.5, averaged over the two outputs.
    assert Huber().forward(y, np.array([[0.6, -3.0]])) == pytest.approx((0.18 + 2.5) / 2)


@pytest.mark.parametrize("epsilon", [0, 0.0, -1.0, np.inf, "1", None])
def test_huber_refuses_an_epsilon_that_is_not_positive_and_finite(epsilon):
    message = f"Huber's epsilon must be a positive finite number; got {epsilon!r}."
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Huber(epsilon).forward(Y, A)
    with pytest.raises(ValueError, match="^Huber's epsilon"):
        Huber(epsilon).check_targets(Y)


# ------------------------------------------------------------------------ gradients


@pytest.mark.parametrize(
    "loss, oracle, outputs",
    [
        (AbsoluteError(), lambda Y, A, w: _weighted_mean_over_outputs(np.abs(A - Y), w), A),
        (Huber(0.7), lambda Y, A, w: _weighted_mean_over_outputs(_huber(Y, A, 0.7), w), A),
        (
            Poisson(),
            lambda Y, A, w: float(w @ np.sum(A - Y * np.log(A), axis=1) / w.sum()),
            A_POSITIVE,
        ),
        (
            SquaredError(),
            lambda Y, A, w: float(w @ np.sum((A - Y) ** 2, axis=1) / (2 * w.sum())),
            A,
        ),
    ],
    ids=["absolute_error", "huber", "poisson", "squared_error"],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_backward_is_the_gradient_of_the_closed_form(loss, oracle, outputs, weighted):
    weights = WEIGHTS if weighted else np.ones(len(Y))
    expected = _gradient_wrt_output(lambda a: oracle(Y, a, weights), outputs)
    got = loss.backward(Y, outputs, WEIGHTS if weighted else None)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("loss", [Huber(), AbsoluteError(), SquaredError(), Poisson()])
def test_backward_keeps_float32_with_float64_weights(loss):
    got = loss.backward(Y.astype(np.float32), A_POSITIVE.astype(np.float32), WEIGHTS)
    assert got.dtype == np.float32


def test_mean_squared_error_declares_its_gradient_as_n_outputs_times_its_value():
    assert MeanSquaredError().gradient_scale(3) == 3.0
    assert SquaredError().gradient_scale(3) == 1.0


def test_the_chain_rule_path_uses_the_pre_activation():
    # Squared error through a softplus output: delta = (a - y) * sigmoid(z) / n_samples.
    Z = np.array([[-1.0, 0.5], [2.0, 0.0]])
    Yt = np.array([[0.0, 1.0], [1.0, 0.0]])
    output = Softplus().forward(Z.copy())
    delta = SquaredError().delta(Yt, Z, output, Softplus())
    expected = (np.log1p(np.exp(Z)) - Yt) / (1 + np.exp(-Z)) / 2
    np.testing.assert_allclose(delta, expected, rtol=1e-12)


# ------------------------------------------------------------------ target handling


def test_poisson_accepts_zero_targets_and_refuses_negative_ones():
    Poisson().check_targets(np.zeros((2, 1)))
    message = (
        "loss='poisson' needs non-negative targets y (counts or rates); the smallest is "
        "np.float64(-0.5). Use loss='squared_error' for targets of any sign."
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Poisson().check_targets(np.array([[1.0], [-0.5]]))


@pytest.mark.parametrize(
    "target_type, cls, activation",
    [
        ("binary", BinaryCrossEntropy, "logistic"),
        ("multilabel-indicator", BinaryCrossEntropy, "logistic"),
        ("multiclass", CrossEntropy, "softmax"),
    ],
)
def test_cross_entropies_resolve_to_the_target_type(target_type, cls, activation):
    assert type(CrossEntropy().for_target(target_type)) is cls
    assert type(LogLoss().for_target(target_type)) is cls
    assert CrossEntropy().default_output_activation(target_type) == activation
    assert LogLoss().default_output_activation(target_type) == activation


def test_squared_error_averages_over_outputs_only_for_regression():
    loss = SquaredError()
    assert loss.for_target("multiclass") is loss
    assert type(loss.for_target("continuous")) is MeanSquaredError
    assert loss.default_output_activation("multiclass") == "logistic"
    assert loss.default_output_activation("continuous") == "identity"


def test_log_loss_cannot_be_evaluated_before_dispatch():
    message = (
        "LogLoss dispatches on the target type: call for_target(target_type) to get the "
        "cross-entropy to evaluate."
    )
    for method in (LogLoss().forward, LogLoss().backward):
        with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
            method(Y, A)


def test_canonical_pairs_are_the_documented_ones():
    assert CrossEntropy.canonical_activation is Softmax
    assert BinaryCrossEntropy.canonical_activation is Sigmoid
    assert SquaredError.canonical_activation is Identity


def test_poisson_at_an_underflowed_output_is_infinite_without_numpy_warnings():
    # exp(z) underflows to 0 for z below about -745: the loss is then +inf, its gradient
    # -inf for y > 0 (and undefined for y = 0), and numpy must not warn on the way.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Poisson().forward(np.ones((1, 1)), np.zeros((1, 1))) == np.inf
        grad = Poisson().backward(np.array([[1.0], [0.0]]), np.zeros((2, 1)))
    assert grad[0, 0] == -np.inf


def test_weighing_keeps_the_dtype_of_the_costs():
    from skbackprop._loss_base import _weigh

    per_sample = np.ones((3, 2), np.float32)
    weighed = _weigh(per_sample, np.array([1.0, 2.0, 1.0]))
    assert weighed.dtype == np.float32
    np.testing.assert_allclose(weighed, [[0.25, 0.25], [0.5, 0.5], [0.25, 0.25]])


@pytest.mark.parametrize("loss", [CrossEntropy(), BinaryCrossEntropy()])
def test_cross_entropies_check_their_targets_are_probabilities(loss):
    loss.check_targets(np.array([[0.0, 1.0], [0.25, 0.75]]))
    for bad in ([[0.0, 1.0], [-1e-9, 1.0]], [[0.0, 1.0 + 1e-9]], [[np.nan, 0.5]]):
        with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
            loss.check_targets(np.array(bad))
    loss.check_targets(np.empty((0, 2)))  # nothing to check
