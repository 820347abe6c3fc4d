"""Built-in losses: values against scikit-learn, gradients, and the fused output error."""

import numpy as np
import pytest
from sklearn.metrics import log_loss

from skbackprop.activations import Identity, Sigmoid, Softmax, Tanh
from skbackprop.losses import BinaryCrossEntropy, CrossEntropy, LogLoss, SquaredError

RNG = np.random.RandomState(0)
Z = RNG.normal(size=(6, 3))
Y = np.eye(3)[[0, 1, 2, 0, 1, 2]]
WEIGHTS = RNG.uniform(0.5, 2, size=6)


def test_cross_entropy_matches_sklearn_log_loss_with_weights():
    A = Softmax().forward(Z)
    expected = log_loss(Y.argmax(axis=1), A, sample_weight=WEIGHTS)
    assert CrossEntropy().forward(Y, A, WEIGHTS) == pytest.approx(expected)


def test_binary_cross_entropy_sums_over_independent_outputs():
    A = Sigmoid().forward(Z)
    per_output = [log_loss(Y[:, k], A[:, k]) for k in range(3)]
    assert BinaryCrossEntropy().forward(Y, A) == pytest.approx(sum(per_output))


def test_squared_error_is_half_the_squared_norm_averaged_over_samples():
    A = Sigmoid().forward(Z)
    expected = np.mean(0.5 * ((A - Y) ** 2).sum(axis=1))
    assert SquaredError().forward(Y, A) == pytest.approx(expected)


@pytest.mark.parametrize(
    "loss, activation",
    [(CrossEntropy(), Softmax()), (BinaryCrossEntropy(), Sigmoid()), (SquaredError(), Identity())],
    ids=repr,
)
@pytest.mark.parametrize("weights", [None, WEIGHTS], ids=["unweighted", "weighted"])
def test_fused_delta_equals_the_chain_rule_for_the_canonical_pairing(loss, activation, weights):
    A = activation.forward(Z)
    fused = loss.delta(Y, Z, A, activation, weights)
    chain = activation.backward(Z, A, loss.backward(Y, A, weights))
    np.testing.assert_allclose(fused, chain, rtol=1e-10, atol=1e-12)
    normaliser = (np.ones(6) / 6 if weights is None else weights / weights.sum())[:, None]
    np.testing.assert_allclose(fused, (A - Y) * normaliser)


def test_non_canonical_pairing_takes_the_chain_rule():
    # The textbook network: sigmoid output with quadratic cost, δ = (a - y) σ'(z).
    A = Sigmoid().forward(Z)
    delta = SquaredError().delta(Y, Z, A, Sigmoid())
    np.testing.assert_allclose(delta, (A - Y) * A * (1 - A) / 6)
    A_tanh = Tanh().forward(Z)
    assert not np.allclose(SquaredError().delta(Y, Z, A_tanh, Tanh()), (A_tanh - Y) / 6)


def test_log_loss_dispatches_on_the_target_type():
    assert isinstance(LogLoss().for_target("multiclass"), CrossEntropy)
    assert isinstance(LogLoss().for_target("binary"), BinaryCrossEntropy)
    assert isinstance(LogLoss().for_target("multilabel-indicator"), BinaryCrossEntropy)
    assert LogLoss().default_output_activation("multiclass") == "softmax"
    assert LogLoss().default_output_activation("binary") == "logistic"
    assert SquaredError().default_output_activation("multiclass") == "logistic"
    with pytest.raises(TypeError, match="for_target"):
        LogLoss().forward(Y, Y)
