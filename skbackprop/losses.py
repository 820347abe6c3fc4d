"""Loss functions: the cost C(y, a) and the output error δ^L = ∂C/∂z^L.

A loss implements ``forward(Y, A, sample_weight)``, the weighted mean over
samples of the per-sample cost, and ``backward(Y, A, sample_weight)``, its
gradient with respect to the network output ``A`` (so it already carries the
``sample_weight / sum(sample_weight)`` factor of the mean).

The output error ``delta(Y, Z, A, activation, sample_weight)`` is the first
backpropagation equation, ``δ^L = ∇_a C ⊙ f'(z^L)``. By default it is exactly
that chain rule, ``activation.backward(Z, A, backward(Y, A))``. A loss
overrides it with the fused ``(A - Y) * w`` only when ``activation`` computes
like its canonical one (softmax for cross-entropy, sigmoid for binary
cross-entropy, identity for squared error): faster, numerically stable, and
never a hidden assumption, because any other pairing still takes the general
path. The cross-entropies also have closed forms for the other probability
output (a sigmoid under the categorical cross-entropy, a softmax under the
binary one): the chain rule multiplies a huge ``1 / a`` by a tiny slope there,
and loses the output error of a confidently wrong unit once ``a`` underflows.
"""

import numpy as np
from scipy.special import expit, xlogy

from ._loss_base import (
    Loss,
    _clip_probabilities,
    _computes_like,
    _keep_finite,
    _mean_of_row_dots,
    _mean_of_sums,
    _weigh,
)
from .activations import Exp, Identity, Sigmoid, Softmax

__all__ = [
    "Loss",
    "LogLoss",
    "CrossEntropy",
    "BinaryCrossEntropy",
    "SquaredError",
    "MeanSquaredError",
    "Poisson",
    "AbsoluteError",
    "Huber",
]


class CrossEntropy(Loss):
    """Categorical cross-entropy, ``C = -Σ_k y_k log a_k``; canonical with softmax.

    For binary and multilabel targets it dispatches to :class:`BinaryCrossEntropy`.
    """

    name = "cross_entropy"
    probability_targets = True
    canonical_activation = Softmax

    def for_target(self, target_type):
        # Binary targets have one output unit, where a softmax is constantly 1,
        # and multilabel rows do not sum to 1, where the fused A - Y is wrong:
        # both need one independent sigmoid probability per output.
        if target_type in ("binary", "multilabel-indicator"):
            return BinaryCrossEntropy()
        return self

    def default_output_activation(self, target_type):
        return self.for_target(target_type).canonical_activation.name

    def forward(self, Y, A, sample_weight=None):
        # A is clipped away from 0, so Y log A is xlogy(Y, A) without its special cases.
        return -_mean_of_row_dots(Y, np.log(_clip_probabilities(A)), sample_weight)

    def backward(self, Y, A, sample_weight=None):
        return _weigh(-(Y / _keep_finite(A)), sample_weight)

    def _closed_form_delta(self, Y, Z, A, activation):
        if _computes_like(activation, Sigmoid):
            # -y / σ(z) times the slope σ(z) σ(-z): the output error -y σ(-z) of
            # one-vs-rest units trained on one-hot rows, -y for a confidently wrong one.
            return -Y * expit(-Z)
        return super()._closed_form_delta(Y, Z, A, activation)


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy summed over outputs; canonical with the sigmoid.

    ``C = -Σ_k [y_k log a_k + (1 - y_k) log(1 - a_k)]``, for binary and
    multilabel targets (one independent probability per output).
    """

    name = "binary_cross_entropy"
    probability_targets = True
    canonical_activation = Sigmoid

    def forward(self, Y, A, sample_weight=None):
        A = _clip_probabilities(A)
        return -_mean_of_sums(xlogy(Y, A) + xlogy(1 - Y, 1 - A), sample_weight)

    def backward(self, Y, A, sample_weight=None):
        A = _keep_finite(A)
        return _weigh((A - Y) / (A * (1 - A)), sample_weight)

    def _closed_form_delta(self, Y, Z, A, activation):
        if _computes_like(activation, Softmax) and A.shape[1] > 1:
            return _binary_cross_entropy_softmax_delta(Y, Z, A)
        return super()._closed_form_delta(Y, Z, A, activation)


def _binary_cross_entropy_softmax_delta(Y, Z, A):
    """Output error of the binary cross-entropy through a softmax, stable for any logits.

    With ``n`` outputs, ``c_j = 1 - a_j`` and ``∂ log(1 - a_j) / ∂z_k = a_k / c_j - a_k``
    for ``k ≠ j``, the chain rule collapses to

        δ_k = n a_k - y_k - Σ_{j≠k} (1 - y_j) a_k / c_j.

    Every ``a_k / c_j`` lies in [0, 1], but ``c_j`` is lost to rounding for the
    row's dominant output ``j*``. Only that one can have ``a_j > 1/2``, so the
    other ``c_j`` are accurate, and ``a_k / c_{j*}`` is the softmax of the row
    without ``z_{j*}``, computed from ``Z``.
    """
    rows = np.arange(len(Z))
    top = Z.argmax(axis=1)
    complement = 1 - A
    complement[rows, top] = 1  # unused there, and may be 0
    ratio = (1 - Y) / complement  # (1 - y_j) / c_j, each at most 2 off the top
    ratio[rows, top] = 0
    others = Z.copy()
    others[rows, top] = -np.inf
    others -= others.max(axis=1, keepdims=True)
    without_top = np.exp(others, out=others)  # a_k / c_{j*}, once normalised
    without_top /= without_top.sum(axis=1, keepdims=True)
    not_top_target = (1 - Y[rows, top])[:, np.newaxis]
    delta = A.shape[1] * A - Y
    delta -= A * (ratio.sum(axis=1, keepdims=True) - ratio)
    delta -= not_top_target * without_top
    return delta


class LogLoss(Loss):
    """scikit-learn's ``"log_loss"``: the cross-entropy matching the target.

    Resolves to :class:`CrossEntropy` (softmax output) for multiclass targets
    and to :class:`BinaryCrossEntropy` (sigmoid output) for binary and
    multilabel ones, as :class:`sklearn.neural_network.MLPClassifier` does.
    """

    name = "log_loss"

    def for_target(self, target_type):
        if target_type == "multiclass":
            return CrossEntropy()
        return BinaryCrossEntropy()

    def default_output_activation(self, target_type):
        return self.for_target(target_type).default_output_activation(target_type)

    def forward(self, Y, A, sample_weight=None):
        raise TypeError(
            "LogLoss dispatches on the target type: call for_target(target_type) "
            "to get the cross-entropy to evaluate."
        )

    backward = forward


class SquaredError(Loss):
    """The quadratic cost ``C = ½ ‖a - y‖²``, summed over outputs, averaged over samples.

    Its canonical output is the identity, but a classifier uses a sigmoid output
    by default, as in the classic textbook network; that pairing takes the
    general chain-rule path ``δ = (a - y) ⊙ σ'(z)``.
    """

    name = "squared_error"
    canonical_activation = Identity

    def forward(self, Y, A, sample_weight=None):
        residual = A - Y
        return 0.5 * _mean_of_row_dots(residual, residual, sample_weight)

    def backward(self, Y, A, sample_weight=None):
        return _weigh(A - Y, sample_weight)

    def for_target(self, target_type):
        # Regression targets follow scikit-learn's MLPRegressor: averaged over outputs.
        return MeanSquaredError() if target_type == "continuous" else self

    def default_output_activation(self, target_type):
        if target_type == "continuous":
            return "identity"
        return "logistic"


class MeanSquaredError(SquaredError):
    """scikit-learn's regression squared error, ``C = ½ mean_k (a_k - y_k)²``, averaged.

    What :class:`~skbackprop.MLPScratchRegressor` trains with for
    ``loss="squared_error"``. With several outputs, scikit-learn's
    ``MLPRegressor`` reports this mean over outputs, but its output error is
    ``A - Y``, the gradient of the *sum* over outputs (:class:`SquaredError`):
    ``n_outputs`` times the gradient of what it reports. This loss keeps that
    pairing, declared by :meth:`gradient_scale`, so that fits (their steps,
    their L2 balance, their L-BFGS line searches) match scikit-learn's to
    rounding. With one output, the usual case, the two losses are the same.
    """

    name = "mean_squared_error"

    def for_target(self, target_type):
        return self

    def forward(self, Y, A, sample_weight=None):
        return super().forward(Y, A, sample_weight) / Y.shape[1]

    def gradient_scale(self, n_outputs):
        return float(n_outputs)


def _mean_over_outputs(costs, sample_weight):
    """Weighted mean over samples of the mean over outputs of ``costs``."""
    return _mean_of_sums(costs, sample_weight) / costs.shape[1]


class Poisson(Loss):
    """Half the Poisson deviance, ``C = Σ_k [y_k log(y_k / a_k) - y_k + a_k]``, averaged.

    scikit-learn's ``MLPRegressor(loss="poisson")``: for counts and rates
    ``y >= 0``. Canonical with the exponential output (a log link), where the
    output error is ``A - Y``.
    """

    name = "poisson"
    canonical_activation = Exp
    non_negative_targets = True

    def forward(self, Y, A, sample_weight=None):
        with np.errstate(divide="ignore"):
            return _mean_of_sums(xlogy(Y, Y / A) - Y + A, sample_weight)

    def backward(self, Y, A, sample_weight=None):
        with np.errstate(divide="ignore", invalid="ignore"):
            return _weigh(1 - Y / A, sample_weight)


class AbsoluteError(Loss):
    """The absolute error ``C = mean_k |a_k - y_k|``, averaged over samples.

    Robust to outliers in ``y``: a median regression. Its gradient is the sign
    of the residual (0 where it is 0). Defaults to an identity output.
    """

    name = "absolute_error"

    def forward(self, Y, A, sample_weight=None):
        return _mean_over_outputs(np.abs(A - Y), sample_weight)

    def backward(self, Y, A, sample_weight=None):
        return _weigh(np.sign(A - Y) / Y.shape[1], sample_weight)

    def default_output_activation(self, target_type):
        return "identity"


class Huber(Loss):
    """The Huber loss: squared for residuals up to ``epsilon``, absolute beyond, averaged.

    ``h(r) = ½ r²`` for ``|r| <= epsilon`` and ``epsilon (|r| - ½ epsilon)``
    beyond, averaged over outputs and samples, as ``SGDRegressor(loss="huber")``
    defines it. Outliers pull with a force of at most ``epsilon``. Defaults to
    an identity output.

    Parameters
    ----------
    epsilon : float, default=1.0
        Where the loss turns from squared to absolute, in the units of ``y``
        (of the scaled ``y`` inside a ``TransformedTargetRegressor``).
    """

    name = "huber"
    _parameter_bounds = {"epsilon": {"min_val": 0, "include_boundaries": "neither"}}

    def __init__(self, epsilon=1.0):
        self.epsilon = epsilon

    def _check_epsilon(self):
        epsilon = self.epsilon
        if not (isinstance(epsilon, (int, float, np.number)) and 0 < epsilon < np.inf):
            raise ValueError(f"Huber's epsilon must be a positive finite number; got {epsilon!r}.")
        return epsilon

    def forward(self, Y, A, sample_weight=None):
        epsilon = self._check_epsilon()
        residual = np.abs(A - Y)
        costs = np.where(
            residual <= epsilon, 0.5 * residual**2, epsilon * (residual - 0.5 * epsilon)
        )
        return _mean_over_outputs(costs, sample_weight)

    def backward(self, Y, A, sample_weight=None):
        epsilon = self._check_epsilon()
        slope = np.clip(A - Y, -epsilon, epsilon) / Y.shape[1]
        return _weigh(slope.astype(A.dtype, copy=False), sample_weight)

    def check_targets(self, Y):
        self._check_epsilon()

    def default_output_activation(self, target_type):
        return "identity"
