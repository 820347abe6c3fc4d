"""The floors an implementation of the same maths cannot go under, timed on random matrices.

``gemm_epoch_seconds``: the matrix products alone of one epoch;
``optimizer_epoch_seconds``: the optimizer's steps alone;
``predict_gemm_seconds``: the products alone of a forward pass.
"""

import time

import numpy as np


def gemm_epoch_seconds(layer_sizes, n_samples, batch_size, dtype, repeats=1):
    """Time of the matrix products alone of one epoch, into preallocated arrays."""
    rng = np.random.default_rng(0)
    batch_size = min(batch_size, n_samples)
    batch_sizes = [batch_size] * (n_samples // batch_size)
    if n_samples % batch_size:
        batch_sizes.append(n_samples % batch_size)
    fans = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    W = [rng.standard_normal(fan).astype(dtype) for fan in fans]
    A = [rng.standard_normal((batch_size, n)).astype(dtype) for n in layer_sizes]
    D = [np.empty((batch_size, n), dtype) for n in layer_sizes]
    dW = [np.empty(fan, dtype) for fan in fans]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for n in batch_sizes:
            for layer, W_l in enumerate(W):  # forward: z = a W
                np.matmul(A[layer][:n], W_l, out=D[layer + 1][:n])
            for layer in reversed(range(len(W))):  # weight gradient, backward recurrence
                np.matmul(A[layer][:n].T, D[layer + 1][:n], out=dW[layer])
                if layer > 0:
                    np.matmul(D[layer + 1][:n], W[layer].T, out=D[layer][:n])
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def optimizer_epoch_seconds(optimizer, n_params, n_batches, dtype, repeats=3):
    """Time of ``n_batches`` optimizer steps on a vector of ``n_params`` parameters.

    ``step`` may use the gradient as scratch space, so each step gets a fresh
    copy of it; the time of those copies is measured apart and taken off.
    """
    rng = np.random.default_rng(0)
    params = rng.standard_normal(n_params).astype(dtype)
    gradient = (1e-2 * rng.standard_normal(n_params)).astype(dtype)
    scratch = np.empty_like(gradient)
    optimizer.initialize(params)
    with_steps, copies_only = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n_batches):
            np.copyto(scratch, gradient)
            optimizer.step(params, scratch, 1e-3)
        with_steps.append(time.perf_counter() - start)
        start = time.perf_counter()
        for _ in range(n_batches):
            np.copyto(scratch, gradient)
        copies_only.append(time.perf_counter() - start)
    return max(float(np.median(with_steps) - np.median(copies_only)), 0.0)


def predict_gemm_seconds(layer_sizes, X, repeats=7):
    """Time of the matrix products alone of a forward pass over ``X``, into preallocated arrays."""
    rng = np.random.default_rng(0)
    fans = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    W = [rng.standard_normal(fan).astype(X.dtype) for fan in fans]
    Z = [np.empty((X.shape[0], n_out), X.dtype) for _, n_out in fans]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        A = X
        for W_l, Z_l in zip(W, Z):
            A = np.matmul(A, W_l, out=Z_l)
        times.append(time.perf_counter() - start)
    return float(np.median(times))
