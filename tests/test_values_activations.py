"""Activations against their formulas written out here, and the ``out`` buffer contract.

Forward values come from the textbook formula evaluated with ``math`` element by element;
backward values from central differences of that formula (of ``Σ dA ⊙ f(Z)`` for softmax,
which mixes units). The module docstring's speed contract is pinned too: given ``out`` the
result is written into it and ``out`` itself is returned, also when ``out`` is the input.
"""

import math

import numpy as np
import pytest

from skbackprop.activations import (
    ELU,
    GELU,
    Activation,
    Exp,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)

# No entry at a kink (0), where central differences are meaningless.
Z = np.array([[-2.5, -0.7, 0.3, 1.9], [0.05, -1.3, 2.2, -0.01]])
DA = np.array([[0.4, -1.1, 0.9, 0.2], [-0.6, 0.35, 1.5, -0.8]])

FORMULAS = {
    "identity": (Identity(), lambda z: z),
    "sigmoid": (Sigmoid(), lambda z: 1 / (1 + math.exp(-z))),
    "tanh": (Tanh(), math.tanh),
    "relu": (ReLU(), lambda z: max(z, 0.0)),
    "leaky_relu": (LeakyReLU(0.2), lambda z: z if z > 0 else 0.2 * z),
    "elu": (ELU(), lambda z: z if z > 0 else math.exp(z) - 1),
    "elu(alpha=2)": (ELU(alpha=2.0), lambda z: z if z > 0 else 2 * (math.exp(z) - 1)),
    "softplus": (Softplus(), lambda z: math.log(1 + math.exp(z))),
    "gelu": (GELU(), lambda z: z * 0.5 * (1 + math.erf(z / math.sqrt(2)))),
    "exp": (Exp(), math.exp),
}


def _elementwise(f, Z):
    return np.vectorize(f, otypes=[float])(Z)


def _softmax(Z):
    rows = [[math.exp(z) / sum(math.exp(v) for v in row) for z in row] for row in Z]
    return np.array(rows)


def _vjp_by_central_differences(forward, Z, dA, h=1e-6):
    """∂/∂Z of Σ dA ⊙ forward(Z), one entry at a time."""
    grad = np.empty_like(Z)
    for index in np.ndindex(Z.shape):
        step = np.zeros_like(Z)
        step[index] = h
        grad[index] = np.sum(dA * (forward(Z + step) - forward(Z - step))) / (2 * h)
    return grad


CASES = [(a, lambda Z, f=f: _elementwise(f, Z)) for a, f in FORMULAS.values()]
CASES.append((Softmax(), _softmax))
IDS = [*FORMULAS, "softmax"]


@pytest.mark.parametrize("activation, oracle", CASES, ids=IDS)
def test_forward_is_the_formula(activation, oracle):
    np.testing.assert_allclose(activation.forward(Z.copy()), oracle(Z), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("activation, oracle", CASES, ids=IDS)
def test_backward_is_the_vector_jacobian_product_of_the_formula(activation, oracle):
    A = activation.forward(Z.copy())
    expected = _vjp_by_central_differences(oracle, Z, DA)
    np.testing.assert_allclose(activation.backward(Z, A, DA.copy()), expected, rtol=1e-6)


@pytest.mark.parametrize("activation, oracle", CASES, ids=IDS)
def test_forward_and_backward_write_into_out_and_return_it(activation, oracle):
    expected_A = oracle(Z)
    buffer = np.full_like(Z, np.nan)
    Z_in = Z.copy()
    assert activation.forward(Z_in, out=buffer) is buffer
    np.testing.assert_allclose(buffer, expected_A, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(Z_in, Z)  # the input is left alone

    aliased = Z.copy()
    assert activation.forward(aliased, out=aliased) is aliased
    np.testing.assert_allclose(aliased, expected_A, rtol=1e-12, atol=1e-15)

    A = activation.forward(Z.copy())
    expected_dZ = activation.backward(Z, A, DA.copy())
    buffer = np.full_like(Z, np.nan)
    dA = DA.copy()
    assert activation.backward(Z, A, dA, out=buffer) is buffer
    np.testing.assert_allclose(buffer, expected_dZ, rtol=1e-12)
    np.testing.assert_array_equal(dA, DA)
    assert activation.backward(Z, A, dA, out=dA) is dA
    np.testing.assert_allclose(dA, expected_dZ, rtol=1e-12)


def test_the_slope_at_a_kink_is_the_left_one():
    # As scikit-learn's ReLU derivative: 0 at z = 0; ELU's is alpha there.
    zero = np.zeros((1, 1))
    one = np.ones((1, 1))
    assert ReLU().backward(zero, ReLU().forward(zero.copy()), one.copy())[0, 0] == 0.0
    assert ReLU().derivative(zero, zero)[0, 0] == 0.0
    assert LeakyReLU(0.2).backward(zero, zero, one.copy())[0, 0] == pytest.approx(0.2)
    assert ELU(alpha=2.0).backward(zero, zero, one.copy())[0, 0] == 2.0


def test_relu_derivative_is_the_zero_one_step_in_the_input_dtype():
    Z32 = np.array([[-1.0, 0.5, 2.0]], dtype=np.float32)
    slope = ReLU().derivative(Z32, ReLU().forward(Z32.copy()))
    assert slope.dtype == np.float32
    np.testing.assert_array_equal(slope, [[0.0, 1.0, 1.0]])


def test_identity_slope_is_one():
    np.testing.assert_array_equal(Identity().derivative(Z, Z), np.ones_like(Z))


def test_defaults_are_the_usual_ones():
    assert LeakyReLU().negative_slope == 0.01
    assert ELU().alpha == 1.0


def test_an_activation_without_a_slope_says_what_to_implement():
    class Half(Activation):
        def forward(self, Z, out=None):
            return Z / 2

    with pytest.raises(
        NotImplementedError,
        match=r"^Half must implement derivative\(Z, A\) or backward\(Z, A, dA\)\.$",
    ):
        Half().backward(Z, Z / 2, DA)


def test_softmax_of_rows_far_apart_still_writes_into_out():
    # The second row lies 2000 below the first: one shift for the whole batch would
    # underflow it, so each row is shifted by its own maximum.
    Z_far = np.array([[0.0, 1.0], [-2000.0, -1999.0]])
    buffer = np.full_like(Z_far, np.nan)
    assert Softmax().forward(Z_far, out=buffer) is buffer
    p = 1 / (1 + math.e)
    np.testing.assert_allclose(buffer, [[p, 1 - p], [p, 1 - p]], rtol=1e-12)


def test_an_activation_without_to_onnx_says_how_to_add_it():
    class Half(Activation):
        def __repr__(self):
            return "Half()"

    message = (
        "Half() cannot be exported to ONNX: the activation "
        f"{__name__}.test_an_activation_without_to_onnx_says_how_to_add_it.<locals>.Half "
        "does not implement to_onnx(graph, Z). Add that method, e.g. `def to_onnx(self, "
        "graph, Z): return graph.op(\"Tanh\", Z)`, as described in 'Exporting to ONNX' in "
        "the plugin guide (docs/plugins.rst)."
    )
    with pytest.raises(NotImplementedError) as error:
        Half().to_onnx(None, None)
    assert str(error.value) == message
