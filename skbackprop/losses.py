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
from .activations import Identity, Sigmoid, Softmax

__all__ = ["Loss", "LogLoss", "CrossEntropy", "BinaryCrossEntropy", "SquaredError"]


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

    def default_output_activation(self, target_type):
        if target_type == "continuous":
            return "identity"
        return "logistic"
