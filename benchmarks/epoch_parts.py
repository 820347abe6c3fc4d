"""Where a skbackprop epoch goes: each part of a minibatch step timed on its own.

A fitted model's own network, loss, activations and optimizer, on its own
workspace, go through one epoch's minibatches part by part (the same calls, in
the same order as ``TrainingLoop`` makes them), each part timed over all the
minibatches:

gather
    the shuffled minibatch rows of ``X`` and of the targets, into the buffers
products
    every matrix product of the forward and backward passes (what the ``GEMM``
    column of the main table times on random matrices)
activations
    the hidden layers' activations, forward and backward (``f(z)`` and
    ``δ ⊙ f'(z)``)
output
    the output activation, the loss value and the output error ``δ^L``
bias + L2
    the bias gradients (``ones @ δ``) and the L2 penalty's gradient and value
optimizer
    the optimizer's step
other
    the epoch as timed in ``fit`` minus the parts: Python, calls, the loop's
    bookkeeping

The parts are timed in a loop each, so their
sum can differ a little from the epoch in ``fit``, where they interleave;
``other`` takes up the difference.
"""

import time

import numpy as np

from skbackprop._minibatches import MinibatchScratch, take_rows
from skbackprop._workspace import _call_with_out

PARTS = ("gather", "products", "activations", "output", "bias + L2", "optimizer")


def _timed(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def epoch_parts(model, X, Y, batch_size=200, repeats=5):
    """Seconds per epoch of each part of the minibatch steps of a fitted ``model``.

    Parameters
    ----------
    model : MLPScratchClassifier or MLPScratchRegressor
        Fitted with a stochastic solver; its network, plugins and optimizer are
        used (the optimizer on a copy of the weights).
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        Encoded targets, in ``X``'s dtype.
    batch_size : int, default=200
    repeats : int, default=5
        Median over this many epochs per part.

    Returns
    -------
    parts : dict
        Seconds per epoch for each name of :data:`PARTS`.
    """
    network = model.network_
    loss, alpha = model.loss_function_, model.alpha
    scratch = MinibatchScratch(network, X, Y, batch_size)
    workspace = scratch.workspace
    order = np.random.default_rng(0).permutation(X.shape[0])
    batches = [order[batch] for batch in scratch.batches]
    weights, biases = workspace.parameters()
    n_layers = len(weights)
    # One forward and backward pass, so that every buffer holds real values.
    Xb, Yb = take_rows(X, batches[0], scratch.X), take_rows(Y, batches[0], scratch.Y)
    Zs, As = network.forward(Xb, workspace)
    network.backward(Yb, Zs, As, loss, alpha, None, workspace)
    rows = len(batches[0])
    Z, A = workspace.pre_activations, workspace.activations
    delta = workspace.hidden_errors
    output_error = np.empty_like(Z[-1][:rows])
    dW, db, ones = workspace.gradient_weights, workspace.gradient_biases, workspace.ones[:rows]

    def gather():
        for rows_ in batches:
            take_rows(X, rows_, scratch.X)
            take_rows(Y, rows_, scratch.Y)

    def products():
        for _ in batches:
            inputs = scratch.X[:rows]
            for layer in range(n_layers):
                np.matmul(inputs, weights[layer], out=Z[layer][:rows])
                inputs = A[layer][:rows]
            for layer in reversed(range(n_layers)):
                error = output_error if layer == n_layers - 1 else delta[layer][:rows]
                below = scratch.X[:rows] if layer == 0 else A[layer - 1][:rows]
                np.matmul(below.T, error, out=dW[layer])
                if layer > 0:
                    np.matmul(error, weights[layer].T, out=delta[layer - 1][:rows])

    def activations():
        for _ in batches:
            for layer in range(n_layers - 1):
                activation = network.activation(layer)
                _call_with_out(activation.forward, Z[layer][:rows], out=A[layer][:rows])
            for layer in reversed(range(n_layers - 1)):
                backward = network.activation(layer).backward
                dA = delta[layer][:rows]
                _call_with_out(backward, Z[layer][:rows], A[layer][:rows], dA, out=dA)

    def output():
        output_activation = network.output_activation
        for _ in batches:
            _call_with_out(output_activation.forward, Z[-1][:rows], out=A[-1][:rows])
            loss.forward(scratch.Y[:rows], A[-1][:rows])
            output_error[...] = loss.delta(
                scratch.Y[:rows], Z[-1][:rows], A[-1][:rows], output_activation
            )

    def bias_and_l2():
        scale = alpha / rows
        for _ in batches:
            for layer in range(n_layers):
                error = output_error if layer == n_layers - 1 else delta[layer][:rows]
                np.matmul(ones, error, out=db[layer])
            for dW_l, W_l, room in zip(dW, weights, workspace.penalty_scratch):
                dW_l += np.multiply(W_l, scale, out=room)
            sum(float(np.vdot(W_l, W_l)) for W_l in weights)

    optimizer = type(model.optimizer_)(**model.optimizer_.get_params())
    params = network.params.copy()
    optimizer.initialize(params)
    gradient = np.empty_like(params)
    learning_rate = model.learning_rate_init

    def optimizer_steps():
        for _ in batches:
            optimizer.step(params, gradient, learning_rate)

    def gradient_copies():  # the optimizer may use the gradient as scratch: refill it
        for _ in batches:
            np.copyto(gradient, workspace.gradient)

    with np.errstate(all="ignore"):
        parts = {
            "gather": _timed(gather, repeats),
            "products": _timed(products, repeats),
            "activations": _timed(activations, repeats),
            "output": _timed(output, repeats),
            "bias + L2": _timed(bias_and_l2, repeats),
        }
        steps = _timed(lambda: (gradient_copies(), optimizer_steps()), repeats)
        parts["optimizer"] = max(steps - _timed(gradient_copies, repeats), 0.0)
    return parts
