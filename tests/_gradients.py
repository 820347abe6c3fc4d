"""Central-difference gradients of a network's loss: the oracle of the gradient tests."""

import numpy as np


def numerical_gradient(network, X, Y, loss, alpha, sample_weight, h=1e-6):
    """``∂C/∂θ_i ≈ (C(θ + h e_i) - C(θ - h e_i)) / 2h`` for every parameter ``θ_i``."""
    grad = np.empty_like(network.params)
    for i in range(network.params.size):
        saved = network.params[i]
        network.params[i] = saved + h
        plus = network.loss(Y, network.predict(X), loss, alpha, sample_weight)
        network.params[i] = saved - h
        minus = network.loss(Y, network.predict(X), loss, alpha, sample_weight)
        network.params[i] = saved
        grad[i] = (plus - minus) / (2 * h)
    return grad
