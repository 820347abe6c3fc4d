"""Inverted dropout: the masks, and the network's gradient through them."""

import numpy as np
import pytest
import scipy.sparse as sp
from _gradients import central_differences, thinned_network_loss

from skbackprop.activations import Softmax, Softplus, Tanh
from skbackprop.dropout import draw_masks
from skbackprop.initializers import GlorotUniform
from skbackprop.losses import CrossEntropy
from skbackprop.network import Network

LAYER_SIZES = (5, 6, 4, 3)


def _problem(seed=0, n_samples=8):
    rng = np.random.RandomState(seed)
    network = Network(LAYER_SIZES, [Tanh(), Softplus()], Softmax())
    network.initialize(GlorotUniform(), np.random.RandomState(seed))
    X = rng.normal(size=(n_samples, LAYER_SIZES[0]))
    Y = np.eye(3)[rng.randint(0, 3, n_samples)]
    return network, X, Y


def test_masks_are_zero_or_the_inverse_keep_probability_with_the_given_rate():
    masks = draw_masks([0.2, 0.5, 0.0], LAYER_SIZES, 4000, np.random.RandomState(0))
    assert masks[2] is None  # rate 0: no mask
    for mask, rate, n_units in zip(masks[:2], (0.2, 0.5), LAYER_SIZES):
        assert mask.shape == (4000, n_units)
        assert set(np.unique(mask)) == {0.0, 1.0 / (1.0 - rate)}
        assert np.mean(mask == 0) == pytest.approx(rate, abs=0.01)
        assert mask.mean() == pytest.approx(1.0, abs=0.02)  # inverted: expectation kept


def test_masks_are_reproducible_and_rate_zero_draws_nothing():
    first = draw_masks([0.0, 0.5, 0.3], LAYER_SIZES, 7, np.random.RandomState(3), np.float32)
    second = draw_masks([0.0, 0.5, 0.3], LAYER_SIZES, 7, np.random.RandomState(3), np.float32)
    for a, b in zip(first[1:], second[1:]):
        assert a.dtype == np.float32
        np.testing.assert_array_equal(a, b)
    untouched = np.random.RandomState(5)
    assert draw_masks([0.0, 0.0, 0.0], LAYER_SIZES, 7, untouched) is None  # no dropout
    assert untouched.random_sample() == np.random.RandomState(5).random_sample()


def test_masks_need_one_rate_per_weight_layer():
    with pytest.raises(ValueError, match="2 dropout rates for 3 weight layers"):
        draw_masks([0.5, 0.5], LAYER_SIZES, 4, np.random.RandomState(0))


@pytest.mark.parametrize("rates", [(0.0, 0.5, 0.5), (0.3, 0.0, 0.6), (0.2, 0.4, 0.4)])
def test_gradient_with_fixed_masks_matches_central_differences_of_an_independent_oracle(rates):
    network, X, Y = _problem()
    masks = draw_masks(rates, LAYER_SIZES, len(X), np.random.RandomState(1))
    alpha = 0.1
    value, grad = network.loss_and_gradient(X, Y, CrossEntropy(), alpha, masks=masks)

    def oracle(params):
        hidden = [np.tanh, lambda Z: np.logaddexp(0.0, Z)]  # tanh, then softplus
        return thinned_network_loss(params, LAYER_SIZES, hidden, X, Y, masks, alpha)

    params = network.params.copy()
    assert value == pytest.approx(oracle(params), rel=1e-12)
    np.testing.assert_allclose(grad, central_differences(oracle, params), rtol=1e-6, atol=1e-9)


def test_gradient_through_the_workspace_equals_the_allocating_one_with_masks():
    network, X, Y = _problem(n_samples=9)
    masks = draw_masks((0.2, 0.5, 0.5), LAYER_SIZES, len(X), np.random.RandomState(2))
    workspace = network.workspace(16)  # larger than the batch: views of its first rows
    loss_ws, grad_ws = network.loss_and_gradient(X, Y, CrossEntropy(), 0.0, None, workspace, masks)
    loss_fresh, grad_fresh = network.loss_and_gradient(X, Y, CrossEntropy(), masks=masks)
    assert loss_ws == pytest.approx(loss_fresh, rel=1e-12)
    np.testing.assert_allclose(grad_ws, grad_fresh, rtol=1e-12, atol=1e-15)


def test_dropped_units_get_no_weight_gradient_and_all_ones_masks_change_nothing():
    network, X, Y = _problem()
    ones = [np.ones((len(X), n)) for n in LAYER_SIZES[:-1]]
    _, plain = network.loss_and_gradient(X, Y, CrossEntropy(), 0.0)
    plain = plain.copy()
    _, with_ones = network.loss_and_gradient(X, Y, CrossEntropy(), 0.0, masks=ones)
    np.testing.assert_allclose(with_ones, plain, rtol=1e-13)

    dropped_unit = np.ones((len(X), LAYER_SIZES[1]))
    dropped_unit[:, 2] = 0.0  # hidden unit 2 of layer 1 dropped for every sample
    _, grad = network.loss_and_gradient(X, Y, CrossEntropy(), 0.0, masks=[None, dropped_unit, None])
    weights, biases = network.unpack(grad)
    assert np.all(weights[1][2] == 0.0)  # its outgoing weights learn nothing
    assert np.all(weights[0][:, 2] == 0.0) and biases[0][2] == 0.0  # and no error reaches it


def test_input_dropout_on_sparse_features_gives_the_dense_gradient():
    network, X, Y = _problem()
    X[np.abs(X) < 0.5] = 0.0
    masks = draw_masks((0.4, 0.5, 0.0), LAYER_SIZES, len(X), np.random.RandomState(4))
    _, dense = network.loss_and_gradient(X, Y, CrossEntropy(), 0.0, masks=masks)
    dense = dense.copy()
    workspace = network.workspace(len(X))
    _, sparse = network.loss_and_gradient(
        sp.csr_matrix(X), Y, CrossEntropy(), 0.0, None, workspace, masks
    )
    np.testing.assert_allclose(sparse, dense, rtol=1e-12)


def test_predict_uses_the_whole_network_without_masks():
    network, X, _ = _problem()
    params = network.params.copy()
    weights, biases = network.weights, network.biases
    hidden_1 = np.tanh(X @ weights[0] + biases[0])
    hidden_2 = np.logaddexp(0.0, hidden_1 @ weights[1] + biases[1])
    logits = hidden_2 @ weights[2] + biases[2]
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(network.predict(X), expected, rtol=1e-12)
    np.testing.assert_array_equal(network.params, params)


def test_masks_of_the_wrong_count_are_refused():
    network, X, Y = _problem()
    with pytest.raises(ValueError, match="one entry per weight layer"):
        network.loss_and_gradient(X, Y, CrossEntropy(), masks=[None, None])
