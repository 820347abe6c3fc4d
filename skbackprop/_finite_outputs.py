"""Whether a trained network gives finite outputs on its training data.

After every ``fit`` and ``partial_fit`` the estimator makes sure that the
weights it keeps can predict the data they were trained on: finite weights can
still overflow in the forward pass (after one step of a huge learning rate, or
on inputs near the largest float). Running that forward pass costs a third of
an epoch, so it is the fallback: first an interval bound tries to prove it.

The bound: with ``|a^{l-1}| ≤ B`` entrywise, ``|z^l| ≤ B ‖W^l‖₁ + max|b^l|``,
where ``‖W‖₁`` is the largest column sum of ``|W|`` (exact arithmetic; the
rounding of a float product stays within a few units in the last place of
that). The built-in activations grow at most linearly, ``|f(z)| ≤ k |z| + c``,
so the bound carries through every layer. If the output layer's bound is far
below the largest float, no output can be inf or NaN and the check is done in
one pass over ``X`` and one over the weights; otherwise (a plugin activation
of unknown growth, or weights or inputs too large for the bound to be useful)
the outputs are computed, in chunks.
"""

import math

import numpy as np
import scipy.sparse as sp

from .activations import ELU, GELU, Exp, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Softplus, Tanh

__all__ = ["check_trained_network", "outputs_are_finite"]

#: Rows per forward pass of the fallback: no more memory than a training batch.
CHUNK_ROWS = 2048
#: The proof must hold with this much room below the largest float.
_MARGIN = 1e-6


def _linear_growth(activation):
    """``(k, c)`` with ``|f(z)| ≤ k |z| + c`` for a built-in activation, else None.

    Only exact built-in classes: a subclass may compute something else.
    """
    kind = type(activation)
    if kind in (Identity, ReLU, GELU):
        return 1.0, 0.0
    if kind in (Sigmoid, Tanh, Softmax):
        return 0.0, 1.0
    if kind is Softplus:
        return 1.0, math.log(2.0)
    if kind is LeakyReLU:
        return max(1.0, abs(float(activation.negative_slope))), 0.0
    if kind is ELU:
        return 1.0, abs(float(activation.alpha))
    return None


def _max_abs(X):
    if sp.issparse(X):
        return float(abs(X.data).max()) if X.nnz else 0.0
    # max and min instead of abs: no temporary the size of X.
    return max(float(X.max()), -float(X.min())) if X.size else 0.0


def _bounded(network, X):
    """True if interval bounds prove every output of ``network`` on ``X`` finite."""
    limit = float(np.finfo(network.params.dtype).max) * _MARGIN
    bound = _max_abs(X)
    n_layers = len(network.weights)
    with np.errstate(over="ignore", invalid="ignore"):
        for layer, (W, b) in enumerate(zip(network.weights, network.biases)):
            column_sums = np.abs(W).sum(axis=0) if W.size else np.zeros(1)
            z_bound = bound * float(column_sums.max()) + (float(np.abs(b).max()) if b.size else 0)
            if not z_bound < limit:  # also False for inf and NaN
                return False
            activation = network.activation(layer)
            if layer == n_layers - 1:
                # The output activation only needs finite inputs: every built-in
                # one, Exp included (it caps), maps finite to finite.
                return _linear_growth(activation) is not None or type(activation) is Exp
            growth = _linear_growth(activation)
            if growth is None:
                return False
            bound = growth[0] * z_bound + growth[1]
    return True


def outputs_are_finite(network, X):
    """Whether ``network.predict(X)`` holds only finite numbers.

    Parameters
    ----------
    network : Network
        With finite parameters.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Finite inputs.

    Returns
    -------
    finite : bool
    """
    if _bounded(network, X):
        return True
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, X.shape[0], CHUNK_ROWS):
            if not np.isfinite(network.predict(X[start : start + CHUNK_ROWS])).all():
                return False
    return True


def check_trained_network(network, X, learning_rate_init):
    """Raise unless the trained weights are finite and give finite outputs on ``X``.

    Divergence recovery restores the last finite weights, but finite weights
    can still overflow in the forward pass (e.g. after a step of a huge
    learning rate that the next epoch never got to see): no model that cannot
    predict its own training data is left behind. The estimator's rollback
    then puts back the model as it was before the call.

    Parameters
    ----------
    network : Network
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The training data of the call.
    learning_rate_init : float
        Named in the advice.

    Raises
    ------
    ValueError
        If the weights or the outputs are not all finite.
    """
    advice = (
        "Scale the inputs (e.g. with MinMaxScaler or StandardScaler) or lower "
        f"learning_rate_init (now {learning_rate_init:g})."
    )
    if not np.isfinite(network.params).all():
        raise ValueError(f"Training produced non-finite weights. {advice}")
    if not outputs_are_finite(network, X):
        raise ValueError(
            "Training diverged: the weights it reached give non-finite outputs "
            "(inf or NaN) on the training data, so the model was left as it was "
            f"before this call. {advice}"
        )
