"""The backprop core: gradients against central differences, layout, dtypes."""

import numpy as np
import pytest
import scipy.sparse as sp
from _gradients import numerical_gradient, plain_loss_value

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
from skbackprop.initializers import GlorotUniform
from skbackprop.losses import BinaryCrossEntropy, CrossEntropy, SquaredError
from skbackprop.network import Network

HIDDEN_ACTIVATIONS = [
    Identity(),
    Sigmoid(),
    Tanh(),
    ReLU(),
    LeakyReLU(0.1),
    ELU(),
    Softplus(),
    GELU(),
]

# Every loss with its canonical output (the fused delta) and with other
# valid outputs (the general chain-rule path).
LOSS_OUTPUTS = [
    (CrossEntropy(), Softmax()),
    (CrossEntropy(), Sigmoid()),
    (BinaryCrossEntropy(), Sigmoid()),
    (BinaryCrossEntropy(), Softmax()),
    (SquaredError(), Identity()),
    (SquaredError(), Sigmoid()),
    (SquaredError(), Tanh()),
    (SquaredError(), Softmax()),
]


def _problem(n_samples=7, n_features=4, n_outputs=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features))
    Y = np.eye(n_outputs)[rng.randint(n_outputs, size=n_samples)]
    weights = rng.uniform(0.5, 2.0, size=n_samples)
    return X, Y, weights, rng


def _network(hidden, output, layer_sizes=(4, 5, 6, 3), seed=0):
    net = Network(layer_sizes, hidden, output)
    net.initialize(GlorotUniform(), np.random.RandomState(seed))
    # Shift the biases so no ReLU-like unit sits exactly at its kink.
    net.params += 0.01
    return net


@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS, ids=repr)
@pytest.mark.parametrize("loss, output", LOSS_OUTPUTS, ids=repr)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_backprop_gradient_matches_central_differences(hidden, loss, output, weighted):
    X, Y, weights, _ = _problem()
    sample_weight = weights if weighted else None
    net = _network(hidden, output)
    alpha = 0.3
    value, grad = net.loss_and_gradient(X, Y, loss, alpha, sample_weight)
    numerical = numerical_gradient(net, X, Y, loss, alpha, sample_weight)
    assert value == pytest.approx(plain_loss_value(net, X, Y, loss, alpha, sample_weight))
    np.testing.assert_allclose(grad, numerical, rtol=1e-5, atol=1e-9)


def test_gradient_check_detects_a_wrong_derivative():
    class WrongTanh(Tanh):
        def derivative(self, Z, A):
            return 1.0 - A  # should be 1 - A²

    X, Y, _, _ = _problem()
    net = _network(WrongTanh(), Softmax())
    _, grad = net.loss_and_gradient(X, Y, CrossEntropy())
    numerical = numerical_gradient(net, X, Y, CrossEntropy(), 0.0, None)
    assert not np.allclose(grad, numerical, rtol=1e-5, atol=1e-9)


def test_l2_penalty_is_normalised_by_the_sum_of_sample_weights():
    X, Y, weights, _ = _problem()
    net = _network(ReLU(), Softmax())
    plain = net.loss(Y, net.predict(X), CrossEntropy(), 0.0, weights)
    penalised = net.loss(Y, net.predict(X), CrossEntropy(), 2.0, weights)
    squared_norm = sum((W**2).sum() for W in net.weights)
    assert penalised - plain == pytest.approx(2.0 / 2 * squared_norm / weights.sum())


def test_weights_and_biases_are_views_into_the_flat_parameter_vector():
    net = _network(ReLU(), Softmax())
    assert net.params.size == (4 * 5 + 5) + (5 * 6 + 6) + (6 * 3 + 3)
    net.weights[1][2, 3] = 42.0
    net.biases[2][1] = -7.0
    assert 42.0 in net.params and -7.0 in net.params
    assert [W.shape for W in net.weights] == [(4, 5), (5, 6), (6, 3)]
    for W in net.weights + net.biases:
        assert np.shares_memory(W, net.params)


def test_network_without_hidden_layers_is_a_linear_model():
    X, Y, _, _ = _problem()
    net = _network(ReLU(), Softmax(), layer_sizes=(4, 3))
    expected = Softmax().forward(X @ net.weights[0] + net.biases[0])
    np.testing.assert_allclose(net.predict(X), expected)
    _, grad = net.loss_and_gradient(X, Y, CrossEntropy())
    np.testing.assert_allclose(
        grad, numerical_gradient(net, X, Y, CrossEntropy(), 0, None), rtol=1e-5, atol=1e-9
    )


def test_float32_network_computes_in_float32():
    X, Y, _, _ = _problem()
    net = Network((4, 5, 3), ReLU(), Softmax(), dtype=np.float32)
    net.initialize(GlorotUniform(), np.random.RandomState(0))
    value, grad = net.loss_and_gradient(X.astype(np.float32), Y.astype(np.float32), CrossEntropy())
    assert grad.dtype == np.float32
    assert net.predict(X.astype(np.float32)).dtype == np.float32
    assert np.isfinite(value)


def test_sparse_input_gives_the_dense_gradient():
    X, Y, _, _ = _problem()
    X[X < 0.3] = 0.0
    net = _network(Tanh(), Softmax())
    dense = net.loss_and_gradient(X, Y, CrossEntropy(), 0.1)
    for matrix in (sp.csr_matrix(X), sp.csc_matrix(X)):
        sparse = net.loss_and_gradient(matrix, Y, CrossEntropy(), 0.1)
        assert sparse[0] == pytest.approx(dense[0])
        np.testing.assert_allclose(sparse[1], dense[1], rtol=1e-12)


def test_forward_keeps_pre_activations_and_activations_of_every_layer():
    X, _, _, _ = _problem()
    net = _network(Tanh(), Softmax())
    Zs, As = net.forward(X)
    assert As[0] is X
    assert len(Zs) == 3 and len(As) == 4
    np.testing.assert_allclose(As[1], np.tanh(Zs[0]))
    np.testing.assert_allclose(As[-1], net.predict(X))


# ----------------------------------------------------------- per-layer activations


def test_each_hidden_layer_uses_its_own_activation_forward_and_backward():
    X, Y, weights, _ = _problem()
    net = _network([Tanh(), Softplus()], Softmax())
    hidden_1 = np.tanh(X @ net.weights[0] + net.biases[0])
    hidden_2 = np.logaddexp(0.0, hidden_1 @ net.weights[1] + net.biases[1])
    np.testing.assert_allclose(
        net.predict(X), Softmax().forward(hidden_2 @ net.weights[2] + net.biases[2])
    )
    _, grad = net.loss_and_gradient(X, Y, CrossEntropy(), 0.2, weights)
    numerical = numerical_gradient(net, X, Y, CrossEntropy(), 0.2, weights)
    np.testing.assert_allclose(grad, numerical, rtol=1e-5, atol=1e-9)


def test_activation_accessor_lists_every_layer_in_weight_order():
    tanh, relu, softmax = Tanh(), ReLU(), Softmax()
    net = Network((4, 5, 6, 3), (tanh, relu), softmax)
    assert net.hidden_activations == [tanh, relu]
    assert [net.activation(layer) for layer in range(len(net.weights))] == [tanh, relu, softmax]
    assert (
        net.activation(-1) is softmax and net.activation(-2) is relu and net.activation(-3) is tanh
    )


def test_single_activation_is_shared_and_readable_as_hidden_activation():
    relu = ReLU()
    net = Network((4, 5, 6, 3), relu, Softmax())
    assert net.hidden_activations == [relu, relu]
    assert net.hidden_activation is relu
    tanh = Tanh()
    net.hidden_activation = tanh  # sets every hidden layer
    assert net.hidden_activations == [tanh, tanh]
    net.hidden_activations = [tanh, ReLU()]
    with pytest.raises(AttributeError, match="hidden_activations"):
        _ = net.hidden_activation


def test_wrong_number_of_hidden_activations_is_refused():
    with pytest.raises(ValueError, match="3 hidden activations for 2 hidden layer"):
        Network((4, 5, 6, 3), [ReLU(), ReLU(), ReLU()], Softmax())


def test_initializer_sees_each_layers_activation_and_the_last_one_for_the_output():
    seen = []

    class Recording(GlorotUniform):
        def initialize(self, fan_in, fan_out, activation, random_state):
            seen.append(activation)
            return super().initialize(fan_in, fan_out, activation, random_state)

    sigmoid, relu = Sigmoid(), ReLU()
    Network((4, 5, 6, 3), [sigmoid, relu], Softmax()).initialize(
        Recording(), np.random.RandomState(0)
    )
    assert seen == [sigmoid, relu, relu]
    seen.clear()
    Network((4, 3), [], Sigmoid()).initialize(Recording(), np.random.RandomState(0))
    assert [type(activation) for activation in seen] == [Identity]


def test_network_pickled_with_one_shared_activation_still_loads():
    net = _network(Tanh(), Softmax())
    state = dict(vars(net))
    state["hidden_activation"] = state.pop("hidden_activations")[0]  # the old layout
    old = Network.__new__(Network)
    old.__setstate__(dict(state))  # what unpickling an old network does
    assert old.hidden_activations == [state["hidden_activation"]] * 2
    assert "hidden_activation" not in vars(old)
    X, _, _, _ = _problem()
    np.testing.assert_array_equal(old.predict(X), net.predict(X))


def test_predict_can_stop_at_a_hidden_layer():
    X, _, _, _ = _problem()
    net = _network([Tanh(), Softplus()], Softmax())
    Zs, As = net.forward(X)
    np.testing.assert_allclose(net.predict(X, n_layers=1), As[1], rtol=1e-13)
    np.testing.assert_allclose(net.predict(X, n_layers=2), As[2], rtol=1e-13)
    np.testing.assert_allclose(net.predict(X, n_layers=3), net.predict(X), rtol=1e-13)
