"""Minibatches: their size, their rows, and the buffers one ``fit`` call reuses for them."""

import warnings

import numpy as np

__all__ = ["MinibatchScratch", "resolve_batch_size", "take_rows"]


def resolve_batch_size(batch_size, n_samples):
    """The minibatch size: ``min(200, n_samples)`` for ``"auto"``, else clipped to the data.

    Parameters
    ----------
    batch_size : int or "auto"
    n_samples : int

    Returns
    -------
    batch_size : int
    """
    if batch_size == "auto":
        return min(200, n_samples)
    if batch_size > n_samples:
        warnings.warn(
            f"batch_size={batch_size} is larger than the {n_samples} training samples; "
            f"using batches of {n_samples}.",
            UserWarning,
            stacklevel=1,
        )
    return int(np.clip(batch_size, 1, n_samples))


def take_rows(X, rows, buffer):
    """Rows ``rows`` of ``X``: a view for a slice, else gathered into ``buffer`` (dense X)."""
    if isinstance(rows, slice) or not isinstance(X, np.ndarray):
        return X[rows]  # a view, or a sparse matrix's own row indexing
    # mode="clip" skips the bounds check that makes np.take's default 2.7x slower.
    return np.take(X, rows, axis=0, out=buffer[: len(rows)], mode="clip")


class MinibatchScratch:
    """Buffers of one ``fit`` call, reused by every minibatch, dropped when it returns.

    The network's workspace, room for one gathered minibatch of ``X`` and ``Y``,
    and the minibatch slices (computed once: ``gen_batches`` validates its
    parameters on every call).
    """

    def __init__(self, network, X, Y, batch_size):
        n_samples = X.shape[0]
        self.workspace = network.workspace(batch_size)
        # Sparse X is gathered by its own row indexing: no dense buffer.
        self.X = np.empty((batch_size, X.shape[1]), X.dtype) if isinstance(X, np.ndarray) else None
        self.Y = np.empty((batch_size, Y.shape[1]), Y.dtype)
        self.batches = [
            slice(start, min(start + batch_size, n_samples))
            for start in range(0, n_samples, batch_size)
        ]
