"""The backprop core against a network written out here in numpy, and central differences.

The oracle shares no code with skbackprop: it unpacks the flat parameter vector itself,
applies tanh, softmax or softplus with numpy, and computes the loss from its definition.
Gradients are checked against central differences of that oracle, not of
:meth:`Network.loss`.
"""

import numpy as np
import pytest

from skbackprop.activations import Identity, ReLU, Sigmoid, Softmax, Softplus, Tanh
from skbackprop.initializers import GlorotUniform
from skbackprop.losses import CrossEntropy, SquaredError
from skbackprop.network import Network

SIZES = (3, 4, 2)
RNG = np.random.RandomState(1)
X = RNG.normal(size=(6, 3))
Y = np.eye(2)[[0, 1, 1, 0, 1, 0]]
WEIGHTS = np.array([0.5, 1.0, 2.0, 1.5, 0.25, 1.0])
PARAMS = RNG.normal(scale=0.7, size=3 * 4 + 4 + 4 * 2 + 2)


def _unpack(params):
    W1 = params[:12].reshape(3, 4)
    b1 = params[12:16]
    W2 = params[16:24].reshape(4, 2)
    b2 = params[24:26]
    return W1, b1, W2, b2


def _oracle_output(params, output, X=X, mask=None):
    W1, b1, W2, b2 = _unpack(params)
    hidden = np.tanh(X @ W1 + b1)
    if mask is not None:
        hidden = hidden * mask
    z = hidden @ W2 + b2
    if output == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return np.log1p(np.exp(z))  # softplus


def _oracle_loss(params, output="softmax", weights=WEIGHTS, alpha=0.0, mask=None):
    A = _oracle_output(params, output, mask=mask)
    if output == "softmax":
        per_sample = -np.sum(Y * np.log(A), axis=1)
    else:
        per_sample = 0.5 * np.sum((A - Y) ** 2, axis=1)
    W1, _, W2, _ = _unpack(params)
    penalty = 0.5 * alpha * (np.sum(W1**2) + np.sum(W2**2))
    return (weights @ per_sample + penalty) / weights.sum()


def _central_differences(f, params, h=1e-6):
    grad = np.empty_like(params)
    for i in range(params.size):
        step = np.zeros_like(params)
        step[i] = h
        grad[i] = (f(params + step) - f(params - step)) / (2 * h)
    return grad


def _network(output):
    net = Network(SIZES, Tanh(), Softmax() if output == "softmax" else output)
    net.params[...] = PARAMS
    return net


@pytest.mark.parametrize(
    "output, loss",
    [("softmax", CrossEntropy()), ("softplus", SquaredError())],
    ids=["fused softmax cross-entropy", "softplus output, chain rule"],
)
@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_loss_and_gradient_match_the_numpy_oracle_and_central_differences(output, loss, alpha):
    net = _network(Softplus() if output == "softplus" else output)
    value, grad = net.loss_and_gradient(X, Y, loss, alpha, WEIGHTS)
    assert value == pytest.approx(_oracle_loss(PARAMS, output, alpha=alpha), rel=1e-12)
    expected = _central_differences(lambda p: _oracle_loss(p, output, alpha=alpha), PARAMS)
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-9)


def test_forward_and_backward_default_to_no_penalty_and_unit_weights():
    net = _network("softmax")
    Zs, As = net.forward(X)
    np.testing.assert_allclose(As[-1], _oracle_output(PARAMS, "softmax"), rtol=1e-12)
    ones = np.ones(len(X))
    assert net.loss(Y, As[-1], CrossEntropy()) == pytest.approx(
        _oracle_loss(PARAMS, weights=ones), rel=1e-12
    )
    grad = net.backward(Y, Zs, As, CrossEntropy())
    expected = _central_differences(lambda p: _oracle_loss(p, weights=ones), PARAMS)
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-9)
    value, grad = net.loss_and_gradient(X, Y, CrossEntropy())
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-9)


def test_dropout_masks_thin_the_hidden_layer_in_the_loss_and_the_gradient():
    mask = np.where(RNG.uniform(size=(6, 4)) < 0.5, 0.0, 2.0)
    net = _network("softmax")
    value, grad = net.loss_and_gradient(X, Y, CrossEntropy(), 0.1, WEIGHTS, masks=[None, mask])
    assert value == pytest.approx(_oracle_loss(PARAMS, alpha=0.1, mask=mask), rel=1e-12)
    expected = _central_differences(lambda p: _oracle_loss(p, alpha=0.1, mask=mask), PARAMS)
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-9)


def test_masks_must_hold_one_entry_per_weight_layer():
    net = _network("softmax")
    message = r"^masks must hold one entry per weight layer \(2\), got 3\.$"
    with pytest.raises(ValueError, match=message):
        net.forward(X, masks=[None, None, None])
    with pytest.raises(
        ValueError, match=r"^masks must hold one entry per weight layer \(2\), got 1"
    ):
        net.loss_and_gradient(X, Y, CrossEntropy(), masks=[None])


def test_predict_matches_the_oracle_and_stops_after_n_layers():
    net = _network("softmax")
    np.testing.assert_allclose(net.predict(X), _oracle_output(PARAMS, "softmax"), rtol=1e-12)
    W1, b1, _, _ = _unpack(PARAMS)
    np.testing.assert_allclose(net.predict(X, n_layers=1), np.tanh(X @ W1 + b1), rtol=1e-12)


def test_the_output_layer_is_initialised_for_the_last_hidden_activation():
    net = Network((2, 3, 3, 3, 2), [ReLU(), ReLU(), Sigmoid()], Softmax())
    net.initialize(GlorotUniform(), np.random.RandomState(0))
    # Replayed draw by draw: the last layer follows the sigmoid (factor 2), not a ReLU.
    rs = np.random.RandomState(0)
    expected = []
    for (n_in, n_out), factor in zip([(2, 3), (3, 3), (3, 3), (3, 2)], [6, 6, 2, 2]):
        bound = np.sqrt(factor / (n_in + n_out))
        expected += [
            rs.uniform(-bound, bound, (n_in, n_out)).ravel(),
            rs.uniform(-bound, bound, n_out),
        ]
    np.testing.assert_array_equal(net.params, np.concatenate(expected))


def test_a_network_without_hidden_layers_is_initialised_for_the_given_activation():
    net = Network((3, 2), [], Identity())
    net.initialize(GlorotUniform(), np.random.RandomState(0), Sigmoid())
    bound = np.sqrt(2 / 5)
    rs = np.random.RandomState(0)
    expected = np.concatenate(
        [rs.uniform(-bound, bound, (3, 2)).ravel(), rs.uniform(-bound, bound, 2)]
    )
    np.testing.assert_array_equal(net.params, expected)


def test_a_wrong_number_of_hidden_activations_is_refused_with_the_fix():
    message = (
        r"^Got 1 hidden activations for 2 hidden layer\(s\); give one per hidden layer, "
        r"or a single one for all\.$"
    )
    with pytest.raises(ValueError, match=message):
        Network((3, 4, 4, 2), [Tanh()], Softmax())
