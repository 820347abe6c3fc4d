"""Built-in activations: values, slopes, and numerical stability."""

import numpy as np
import pytest
from scipy.special import expit
from scipy.stats import norm

from skbackprop.activations import (
    ELU,
    GELU,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)

Z = np.array([[-3.0, -0.5, 0.0, 0.5, 3.0]])

EXPECTED = [
    (Identity(), Z),
    (Sigmoid(), expit(Z)),
    (Tanh(), np.tanh(Z)),
    (ReLU(), np.maximum(Z, 0)),
    (LeakyReLU(0.1), np.where(Z > 0, Z, 0.1 * Z)),
    (ELU(2.0), np.where(Z > 0, Z, 2.0 * (np.exp(Z) - 1))),
    (Softplus(), np.log1p(np.exp(Z))),
    (GELU(), Z * norm.cdf(Z)),
]


@pytest.mark.parametrize("activation, expected", EXPECTED, ids=repr)
def test_forward_values(activation, expected):
    np.testing.assert_allclose(activation.forward(Z), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("activation", [a for a, _ in EXPECTED] + [Softmax()], ids=repr)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_and_backward_keep_dtype_and_leave_inputs_alone(activation, dtype):
    Z_typed = Z.astype(dtype)
    dA = np.ones_like(Z_typed)
    A = activation.forward(Z_typed)
    dZ = activation.backward(Z_typed, A, dA)
    assert A.dtype == dtype and dZ.dtype == dtype
    np.testing.assert_array_equal(Z_typed, Z.astype(dtype))
    np.testing.assert_array_equal(dA, 1)


def test_softmax_rows_are_distributions_even_for_huge_inputs():
    Z_big = np.array([[1e4, 0.0, -1e4], [5.0, 5.0, 5.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        A = Softmax().forward(Z_big)
    np.testing.assert_allclose(A.sum(axis=1), 1)
    np.testing.assert_allclose(A[0], [1, 0, 0])
    np.testing.assert_allclose(A[1], 1 / 3)


def _row_by_row_softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("far_below", [0.0, 30.0, 80.0, 1000.0])
@pytest.mark.parametrize("where", ["new array", "buffer", "in place"])
def test_softmax_batch_shift_agrees_with_the_row_by_row_softmax(dtype, far_below, where):
    # The forward pass shifts the whole batch by its largest entry; rows far
    # below it (their exponentials would leave the normal range) must still
    # come out exactly as a row-by-row softmax, small probabilities included.
    Z = np.random.default_rng(0).normal(scale=4.0, size=(64, 10)).astype(dtype)
    Z[::3] -= dtype(far_below)
    expected = _row_by_row_softmax(Z.astype(np.float64))
    if where == "new array":
        A = Softmax().forward(Z)
    elif where == "buffer":
        A = Softmax().forward(Z, out=np.empty_like(Z))
    else:
        Z_copy = Z.copy()
        A = Softmax().forward(Z_copy, out=Z_copy)
    assert A.dtype == dtype
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(A, expected, rtol=rtol, atol=0)


@pytest.mark.parametrize("activation", [Sigmoid(), Tanh(), Softplus(), ELU(), GELU()], ids=repr)
def test_smooth_activations_are_finite_at_magnitude_1e4(activation):
    Z_big = np.array([[-1e4, 1e4]])
    A = activation.forward(Z_big)
    assert np.isfinite(A).all()
    assert np.isfinite(activation.backward(Z_big, A, np.ones_like(A))).all()


def test_softmax_backward_is_not_elementwise():
    Z_row = np.array([[0.2, -1.0, 0.7]])
    A = Softmax().forward(Z_row)
    dA = np.array([[1.0, 0.0, 0.0]])
    # d a_0 / d z_j = a_0 (δ_0j - a_j): the other units get a gradient too.
    expected = A[0, 0] * (np.eye(3)[0] - A[0])
    np.testing.assert_allclose(Softmax().backward(Z_row, A, dA)[0], expected)


def test_leaky_relu_slope_is_a_searchable_parameter():
    activation = LeakyReLU()
    assert activation.get_params() == {"negative_slope": 0.01}
    activation.set_params(negative_slope=0.2)
    assert repr(activation) == "LeakyReLU(negative_slope=0.2)"
    np.testing.assert_allclose(activation.derivative(Z, None), np.where(Z > 0, 1, 0.2))
