"""Central-difference gradients of a network's loss: the oracle of the gradient tests.

The oracle shares no code with what it checks: the forward pass, the
activations and the costs are written here in plain numpy and scipy, from
the flat parameter vector (``W^1, b^1, W^2, …``, each ``W`` row-major). Only
the network's configuration (layer sizes, the names and parameters of its
activations, the loss's name) is read from skbackprop's objects.
"""

import numpy as np
from scipy.special import expit, logsumexp, ndtr


def _softmax(Z):
    return np.exp(Z - logsumexp(Z, axis=1, keepdims=True))


def plain_function(activation):
    """``activation`` as a numpy function written here, from its registered name and parameters."""
    params = activation.get_params()
    functions = {
        "identity": lambda Z: Z,
        "logistic": expit,
        "tanh": np.tanh,
        "relu": lambda Z: np.where(Z > 0, Z, 0.0),
        "leaky_relu": lambda Z: np.where(Z > 0, Z, params.get("negative_slope") * Z),
        "elu": lambda Z: np.where(Z > 0, Z, params.get("alpha") * (np.exp(np.minimum(Z, 0)) - 1)),
        "softplus": lambda Z: np.log1p(np.exp(-np.abs(Z))) + np.maximum(Z, 0),
        "gelu": lambda Z: Z * ndtr(Z),
        "softmax": _softmax,
        "exp": np.exp,
    }
    if activation.name not in functions:
        raise ValueError(f"no plain-numpy oracle for {activation!r}: pass its function instead.")
    return functions[activation.name]


# Per-sample costs, summed over outputs, without clipping: the points tested are moderate.
COSTS = {
    "cross_entropy": lambda Y, A: -np.sum(Y * np.log(A), axis=1),
    "binary_cross_entropy": lambda Y, A: -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A), axis=1),
    "squared_error": lambda Y, A: 0.5 * np.sum((A - Y) ** 2, axis=1),
}


def plain_network_loss(
    params, layer_sizes, functions, cost, X, Y, alpha, sample_weight, masks=None
):
    """Weighted mean cost plus ``alpha/2 ‖W‖² / Σ w`` of the network ``params``, from scratch.

    ``functions`` holds one numpy function per layer (the output's last);
    ``masks[l]``, when given, multiplies the input of layer ``l + 1`` (dropout).
    """
    A, start, squared_norm = X, 0, 0.0
    for layer, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        W = params[start : start + n_in * n_out].reshape(n_in, n_out)
        b = params[start + n_in * n_out : start + (n_in + 1) * n_out]
        start += (n_in + 1) * n_out
        squared_norm += np.sum(W**2)
        inputs = A if masks is None or masks[layer] is None else A * masks[layer]
        A = functions[layer](inputs @ W + b)
    weights = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight)
    mean_cost = np.sum(weights * cost(Y, A)) / np.sum(weights)
    return mean_cost + 0.5 * alpha * squared_norm / np.sum(weights)


def numerical_gradient(network, X, Y, loss, alpha, sample_weight, functions=None, h=1e-6):
    """``∂C/∂θ_i ≈ (C(θ + h e_i) - C(θ - h e_i)) / 2h`` of :func:`plain_network_loss`.

    ``functions`` overrides the per-layer numpy functions read from the
    network's activations (for activations this module does not know).
    """
    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    if functions is None:
        activations = [*network.hidden_activations, network.output_activation]
        functions = [plain_function(activation) for activation in activations]
    cost = COSTS[loss.name]

    def total(params):
        return plain_network_loss(
            params, network.layer_sizes, functions, cost, X, Y, alpha, sample_weight
        )

    return central_differences(total, network.params.astype(np.float64), h)


def plain_loss_value(network, X, Y, loss, alpha, sample_weight):
    """The loss :func:`numerical_gradient` differentiates, at the network's parameters."""
    activations = [*network.hidden_activations, network.output_activation]
    functions = [plain_function(activation) for activation in activations]
    return plain_network_loss(
        network.params, network.layer_sizes, functions, COSTS[loss.name], X, Y, alpha, sample_weight
    )


def thinned_network_loss(params, layer_sizes, hidden_functions, X, Y, masks, alpha):
    """Mean cross-entropy of a softmax network thinned by dropout ``masks``, from scratch.

    ``hidden_functions`` are plain numpy functions, one per hidden layer, and
    ``masks[l]`` multiplies the input of layer ``l + 1`` (None for no dropout there).
    """
    functions = [*hidden_functions, _softmax]
    cost = COSTS["cross_entropy"]
    return plain_network_loss(params, layer_sizes, functions, cost, X, Y, alpha, None, masks)


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
