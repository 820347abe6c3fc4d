"""Scratch buffers of one training call, and the in-place kernels that write into them.

:class:`Workspace` holds the per-layer arrays that :meth:`Network.forward
<skbackprop.network.Network.forward>` and :meth:`Network.backward
<skbackprop.network.Network.backward>` compute into during ``fit``;
:func:`_matmul` and :func:`_call_with_out` write a product or a plugin's
result into such a buffer when they can. Kept apart from ``network.py`` so
that the core reads as the four equations, not as memory management.
"""

import inspect
from functools import cache

import numpy as np

__all__ = ["Workspace"]


class Workspace:
    """Scratch buffers of one network for batches of up to ``max_batch_size`` rows.

    Reusing the same buffers for every minibatch spares the allocator and
    keeps them warm in the cache. A workspace belongs to one training call
    (``fit``), which creates it from :meth:`~skbackprop.network.Network.workspace` and drops it at
    the end: it is never stored on a fitted estimator, is not thread-safe,
    and is never pickled. The arrays that the network's ``forward``,
    ``backward`` and ``loss_and_gradient`` return when
    given a workspace are views into it, overwritten by its next use.

    Buffers are allocated with ``np.empty``: memory the operating system
    hands out lazily, so a buffer that a pass never writes costs nothing.

    Parameters
    ----------
    network : Network
    max_batch_size : int

    Attributes
    ----------
    pre_activations, activations : list of ndarray of shape (max_batch_size, n_units)
        ``z^l`` and ``a^l`` of every layer ``l = 1 … L``.
    hidden_errors : list of ndarray of shape (max_batch_size, n_units)
        ``δ^l`` of every hidden layer.
    dropped_inputs : list of ndarray of shape (max_batch_size, n_units)
        ``a^{l-1} ⊙ m^{l-1}``, the input of every layer after dropout (only
        written, so only paid for, when there is a mask).
    gradient : ndarray of shape (n_params,)
        The flat gradient, with ``gradient_weights`` and ``gradient_biases``
        its per-layer views.
    penalty_scratch : list of ndarray of shape (fan_in, fan_out)
        Room for the L2 penalty's gradient of every weight matrix.
    ones : ndarray of shape (max_batch_size,)
        Sums over the samples of a batch are products with it.
    """

    def __init__(self, network, max_batch_size):
        self.network = network
        self.max_batch_size = int(max_batch_size)
        dtype = network.params.dtype
        units = network.layer_sizes[1:]
        self.pre_activations = [np.empty((self.max_batch_size, n), dtype) for n in units]
        self.activations = [np.empty((self.max_batch_size, n), dtype) for n in units]
        self.hidden_errors = [np.empty((self.max_batch_size, n), dtype) for n in units[:-1]]
        inputs = network.layer_sizes[:-1]
        self.dropped_inputs = [np.empty((self.max_batch_size, n), dtype) for n in inputs]
        self.gradient = np.empty_like(network.params)
        self.gradient_weights, self.gradient_biases = network.unpack(self.gradient)
        self.penalty_scratch = network.unpack(np.empty_like(network.params))[0]
        self.ones = np.ones(self.max_batch_size, dtype)
        self._params = None

    def parameters(self):
        """The network's weights and biases as per-layer views, unpacked once per parameter vector.

        Returns
        -------
        weights : list of ndarray of shape (fan_in, fan_out)
        biases : list of ndarray of shape (fan_out,)
        """
        if self._params is not self.network.params:
            self._params = self.network.params
            self._weights, self._biases = self.network.unpack(self._params)
        return self._weights, self._biases


def _matmul(A, B, out):
    """``A @ B`` written into ``out``; ``A`` may be a scipy sparse matrix."""
    if isinstance(A, np.ndarray):
        return np.matmul(A, B, out=out)
    out[...] = A @ B
    return out


@cache
def _accepts_out(function):
    try:
        return "out" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def _call_with_out(method, *args, out):
    """``method(*args, out=out)``, or ``method(*args)`` for a plugin method without ``out``."""
    if _accepts_out(getattr(method, "__func__", method)):
        return method(*args, out=out)
    return method(*args)
