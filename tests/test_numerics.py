"""Numerical stability: activations, losses and probabilities at extreme inputs (|z| = 1e4)."""

import warnings

import numpy as np
import pytest

from skbackprop import MLPScratchClassifier, registry
from skbackprop.activations import Sigmoid, Softmax
from skbackprop.losses import BinaryCrossEntropy, CrossEntropy, SquaredError

DTYPES = [np.float32, np.float64]
HUGE = 1e4


def extreme_logits(dtype):
    """Rows mixing +1e4, -1e4 and 0, including all-equal rows."""
    return np.array(
        [[HUGE, -HUGE, 0.0], [-HUGE, -HUGE, -HUGE], [HUGE, HUGE, HUGE], [0.0, HUGE, -HUGE]],
        dtype=dtype,
    )


@pytest.fixture(autouse=True)
def floating_point_warnings_are_errors():
    # An overflow in exp or a log(0) shows up as a RuntimeWarning before it shows up as inf.
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            yield


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_of_huge_logits_is_a_finite_distribution(dtype):
    A = Softmax().forward(extreme_logits(dtype))
    assert A.dtype == dtype
    assert np.isfinite(A).all()
    np.testing.assert_allclose(A.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(A[0], [1, 0, 0])
    np.testing.assert_allclose(A[1], [1 / 3] * 3, rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_of_huge_inputs_saturates_without_overflow(dtype):
    Z = np.array([[HUGE, -HUGE, 0.0]], dtype=dtype)
    A = Sigmoid().forward(Z)
    np.testing.assert_array_equal(A, [[1, 0, 0.5]])
    slope = Sigmoid().backward(Z, A, np.ones_like(Z))
    np.testing.assert_array_equal(slope, [[0, 0, 0.25]])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", registry.available("activation"))
def test_every_activation_is_finite_forward_and_backward_at_huge_inputs(name, dtype):
    activation = registry.get("activation", name)()
    Z = extreme_logits(dtype)
    A = activation.forward(Z)
    dZ = activation.backward(Z, A, np.ones_like(Z))
    assert A.dtype == dZ.dtype == dtype
    assert np.isfinite(A).all() and np.isfinite(dZ).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "loss, activation", [(CrossEntropy(), Softmax()), (BinaryCrossEntropy(), Sigmoid())]
)
def test_log_loss_of_confidently_wrong_predictions_is_finite_and_capped(loss, activation, dtype):
    Z = np.array([[HUGE, -HUGE, -HUGE]], dtype=dtype)
    A = activation.forward(Z)  # [1, 0, 0] to the last bit
    Y = np.array([[0, 1, 0]], dtype=dtype)
    value = loss.forward(Y, A)
    # Probabilities are clipped to [eps, 1 - eps]: each wrong unit costs at most -log(eps).
    cap = -np.log(np.finfo(dtype).eps)
    assert np.isfinite(value) and cap <= value <= 3 * cap + 1e-3
    assert np.isfinite(loss.backward(Y, A)).all()
    delta = loss.delta(Y, Z, A, activation)
    np.testing.assert_allclose(delta, A - Y)


@pytest.mark.parametrize("dtype", DTYPES)
def test_general_chain_rule_path_is_finite_at_huge_inputs(dtype):
    # Squared error through a sigmoid is not canonical: delta goes through backward().
    Z = extreme_logits(dtype)
    A = Sigmoid().forward(Z)
    Y = np.eye(3, dtype=dtype)[[1, 0, 2, 0]]
    delta = SquaredError().delta(Y, Z, A, Sigmoid())
    assert np.isfinite(delta).all()
    assert np.isfinite(SquaredError().forward(Y, A))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("target", ["binary", "multiclass", "multilabel"])
def test_probabilities_of_extreme_inputs_are_positive_at_most_1_with_finite_logs(target, dtype):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4)).astype(dtype)
    y = {
        "binary": (X[:, 0] > 0).astype(int),
        "multiclass": np.argmax(X[:, :3], axis=1),
        "multilabel": (X[:, :2] > 0).astype(int),
    }[target]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of a short fit
        model = MLPScratchClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0)
        model.fit(X, y)
    X_extreme = (X * HUGE).astype(dtype)
    proba = model.predict_proba(X_extreme)
    # Strictly positive, so that predict_log_proba is finite; a multiclass
    # winner may round to exactly 1.
    assert np.isfinite(proba).all() and (proba > 0).all() and (proba <= 1).all()
    if target != "multilabel":
        np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    assert np.isfinite(model.predict_log_proba(X_extreme)).all()
    assert model.predict(X_extreme).shape[0] == len(X)
