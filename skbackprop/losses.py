"""Loss functions: the cost C(y, a) and the output error δ^L = ∂C/∂z^L.

A loss implements ``forward(Y, A, sample_weight)``, the weighted mean over
samples of the per-sample cost, and ``backward(Y, A, sample_weight)``, its
gradient with respect to the network output ``A`` (so it already carries the
``sample_weight / sum(sample_weight)`` factor of the mean).

The output error ``delta(Y, Z, A, activation, sample_weight)`` is the first
backpropagation equation, ``δ^L = ∇_a C ⊙ f'(z^L)``. By default it is exactly
that chain rule, ``activation.backward(Z, A, backward(Y, A))``. A loss
overrides it with the fused ``(A - Y) * w`` only when ``activation`` is its
canonical one (softmax for cross-entropy, sigmoid for binary cross-entropy,
identity for squared error): faster, numerically stable, and never a hidden
assumption, because any other pairing still takes the general path.
"""

import numpy as np
from scipy.special import xlogy

from ._plugin import Plugin
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


def _weigh(per_sample, sample_weight):
    """Scale the rows of ``per_sample`` in place by the weighted mean's factors ``w_i / Σ w``."""
    if sample_weight is None:
        per_sample *= 1.0 / len(per_sample)
    else:
        sample_weight = np.asarray(sample_weight, dtype=per_sample.dtype).reshape(-1, 1)
        per_sample *= sample_weight / sample_weight.sum()
    return per_sample


def _mean_of_sums(costs, sample_weight):
    """Weighted mean over samples (rows) of the summed ``costs`` of each row.

    Unweighted, one sum of the whole array: per-row sums of a few columns are
    slow in numpy, and this runs on every minibatch.
    """
    if sample_weight is None:
        return float(costs.sum()) / len(costs)
    return float(np.average(costs.sum(axis=1), weights=sample_weight))


def _mean_of_row_dots(P, Q, sample_weight):
    """Weighted mean over samples (rows) of ``Σ_k P_ik Q_ik``.

    Unweighted, one BLAS dot product of the flattened arrays, which skips both
    the temporary ``P * Q`` and numpy's reduction machinery (whose fixed cost
    is several microseconds per call on minibatch-sized arrays).
    """
    if sample_weight is None:
        return float(np.vdot(P, Q)) / len(P)
    return _mean_of_sums(P * Q, sample_weight)


def _clip_probabilities(A):
    eps = np.finfo(A.dtype).eps
    return A.clip(eps, 1 - eps)  # the method: np.clip's dispatch costs more than the clipping


class Loss(Plugin):
    """Base class of losses.

    Subclasses implement :meth:`forward` and :meth:`backward`, and may name a
    ``canonical_activation`` class for which :meth:`delta` is fused.
    """

    #: Output activation class whose pairing with this loss gives δ = A - Y.
    canonical_activation = None

    #: Whether the loss is defined for targets ``y >= 0`` only (counts, rates):
    #: :meth:`check_targets` then refuses negative ones, and the regressor's
    #: tags tell scikit-learn's estimator checks to draw positive targets.
    non_negative_targets = False

    def forward(self, Y, A, sample_weight=None):
        """Mean loss over the samples.

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_outputs)
            Targets (one-hot or indicator for classification).
        A : ndarray of shape (n_samples, n_outputs)
            Network output.
        sample_weight : ndarray of shape (n_samples,), default=None
            Weights of the samples in the mean.

        Returns
        -------
        loss : float
        """
        raise NotImplementedError

    def backward(self, Y, A, sample_weight=None):
        """Gradient of :meth:`forward` with respect to ``A``.

        Parameters
        ----------
        Y, A, sample_weight
            As in :meth:`forward`.

        Returns
        -------
        dA : ndarray of shape (n_samples, n_outputs)
        """
        raise NotImplementedError

    def delta(self, Y, Z, A, activation, sample_weight=None):
        """Output error ``δ^L``: the gradient of the loss with respect to ``Z``.

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_outputs)
            Targets.
        Z : ndarray of shape (n_samples, n_outputs)
            Output pre-activations.
        A : ndarray of shape (n_samples, n_outputs)
            Output activations, ``activation.forward(Z)``.
        activation : Activation
            The output activation.
        sample_weight : ndarray of shape (n_samples,), default=None

        Returns
        -------
        delta : ndarray of shape (n_samples, n_outputs)
        """
        if self.canonical_activation is not None and type(activation) is (
            self.canonical_activation
        ):
            # Canonical link: the activation's Jacobian cancels the loss's
            # denominator, leaving the famous A - Y.
            return _weigh(A - Y, sample_weight)
        return activation.backward(Z, A, self.backward(Y, A, sample_weight))

    def for_target(self, target_type):
        """The loss to train on targets of ``target_type``.

        Parameters
        ----------
        target_type : str
            ``"binary"``, ``"multiclass"`` or ``"multilabel-indicator"``.

        Returns
        -------
        loss : Loss
            ``self`` unless the loss dispatches on the target type, like
            :class:`LogLoss`.
        """
        return self

    def default_output_activation(self, target_type):
        """Name of the output activation used with ``output_activation="auto"``."""
        return self.canonical_activation.name

    def check_targets(self, Y):
        """Refuse targets outside the loss's domain, naming the loss (no-op by default).

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_outputs)
            The encoded training targets.

        Raises
        ------
        ValueError
            If some targets cannot be fitted with this loss.
        """
        if self.non_negative_targets and Y.size and not Y.min() >= 0:  # also refuses NaN
            raise ValueError(
                f"loss={self.name!r} needs non-negative targets y (counts or rates); the "
                f"smallest is {Y.min()!r}. Use loss='squared_error' for targets of any sign."
            )

    def gradient_scale(self, n_outputs):
        """How many times the gradient of :meth:`forward` :meth:`backward` returns.

        1 for every consistent loss, the default. Only
        :class:`MeanSquaredError` differs: it copies a quirk of scikit-learn's
        ``MLPRegressor`` so that fits match it (see there). The conformance
        checker multiplies its central differences by this factor.

        Parameters
        ----------
        n_outputs : int

        Returns
        -------
        scale : float
        """
        return 1.0


class CrossEntropy(Loss):
    """Categorical cross-entropy, ``C = -Σ_k y_k log a_k``; canonical with softmax.

    For binary and multilabel targets it dispatches to :class:`BinaryCrossEntropy`.
    """

    name = "cross_entropy"
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
        return _weigh(-(Y / _clip_probabilities(A)), sample_weight)


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy summed over outputs; canonical with the sigmoid.

    ``C = -Σ_k [y_k log a_k + (1 - y_k) log(1 - a_k)]``, for binary and
    multilabel targets (one independent probability per output).
    """

    name = "binary_cross_entropy"
    canonical_activation = Sigmoid

    def forward(self, Y, A, sample_weight=None):
        A = _clip_probabilities(A)
        return -_mean_of_sums(xlogy(Y, A) + xlogy(1 - Y, 1 - A), sample_weight)

    def backward(self, Y, A, sample_weight=None):
        A = _clip_probabilities(A)
        return _weigh((A - Y) / (A * (1 - A)), sample_weight)


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
