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


def thinned_network_loss(params, layer_sizes, hidden_functions, X, Y, masks, alpha):
    """Mean cross-entropy of a softmax network thinned by dropout ``masks``, from scratch.

    An oracle written without skbackprop: ``params`` is unpacked here (``W^1,
    b^1, W^2, …`` in row-major order), ``hidden_functions`` are plain numpy
    functions, one per hidden layer, and ``masks[l]`` multiplies the input of
    layer ``l + 1`` (None for no dropout there).
    """
    A, start, squared_norm = X, 0, 0.0
    n_layers = len(layer_sizes) - 1
    for layer, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        W = params[start : start + n_in * n_out].reshape(n_in, n_out)
        b = params[start + n_in * n_out : start + (n_in + 1) * n_out]
        start += (n_in + 1) * n_out
        squared_norm += np.sum(W**2)
        inputs = A if masks[layer] is None else A * masks[layer]
        Z = inputs @ W + b
        if layer < n_layers - 1:
            A = hidden_functions[layer](Z)
        else:
            exp = np.exp(Z - Z.max(axis=1, keepdims=True))
            A = exp / exp.sum(axis=1, keepdims=True)
    n_samples = len(X)
    return -np.sum(Y * np.log(A)) / n_samples + 0.5 * alpha * squared_norm / n_samples


def central_differences(function, params, h=1e-6):
    """``(f(θ + h e_i) - f(θ - h e_i)) / 2h`` for every entry of ``params``, left unchanged."""
    grad = np.empty_like(params)
    for i in range(params.size):
        saved = params[i]
        params[i] = saved + h
        plus = function(params)
        params[i] = saved - h
        minus = function(params)
        params[i] = saved
        grad[i] = (plus - minus) / (2 * h)
    return grad
