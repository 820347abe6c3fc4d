"""The loss interface, :class:`Loss`, and the weighted reductions the built-in losses share.

See :mod:`skbackprop.losses` for the contract (``forward``, ``backward`` and
the output error ``delta``) and the built-in losses.
"""

import numpy as np

from ._plugin import Plugin

__all__ = ["Loss"]


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
    """``A`` clipped to ``[eps, 1 - eps]``, where the cost ``-log a`` stays below ``-log eps``.

    For the value of the loss only, as scikit-learn clips it: a gradient clipped
    there would vanish for a confidently wrong output (see :func:`_keep_finite`).
    """
    eps = np.finfo(A.dtype).eps
    return A.clip(eps, 1 - eps)  # the method: np.clip's dispatch costs more than the clipping


def _keep_finite(A):
    """``A`` clipped to ``[tiny, 1 - epsneg]``: enough for finite ``1 / a`` and ``1 / (1 - a)``.

    The chain rule multiplies ``∂C/∂a`` by the activation's slope, which is about
    ``a`` for a sigmoid near 0: clipping ``a`` any higher (to ``eps``, say) leaves a
    gradient ``slope / eps`` that vanishes as the unit grows confidently wrong.
    """
    info = np.finfo(A.dtype)
    return A.clip(info.tiny, 1 - info.epsneg)


def _computes_like(activation, family):
    """Whether ``activation`` is a ``family`` instance that computes exactly as ``family`` does.

    A subclass that only renames or registers the class qualifies; one that
    overrides ``forward``, ``derivative`` or ``backward`` does not, so a closed
    form derived for ``family`` is never applied to a different function.
    """
    cls = type(activation)
    return isinstance(activation, family) and all(
        getattr(cls, method) is getattr(family, method)
        for method in ("forward", "derivative", "backward")
    )


class Loss(Plugin):
    """Base class of losses.

    Subclasses implement :meth:`forward` and :meth:`backward`, and may name a
    ``canonical_activation`` class for which :meth:`delta` is fused, or give
    closed-form output errors for other activations in :meth:`_closed_form_delta`.
    """

    # Its public home, for messages, reprs and the docs (defined here to keep
    # the built-ins' file short).
    __module__ = "skbackprop.losses"

    #: Output activation class whose pairing with this loss gives δ = A - Y.
    canonical_activation = None

    #: Whether the loss is defined for targets ``y >= 0`` only (counts, rates):
    #: :meth:`check_targets` then refuses negative ones, and the regressor's
    #: tags tell scikit-learn's estimator checks to draw positive targets.
    non_negative_targets = False

    #: Whether the targets are probabilities, in [0, 1] (the cross-entropies):
    #: :meth:`check_targets` then refuses others, e.g. a regressor's real values.
    probability_targets = False

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
        closed_form = self._closed_form_delta(Y, Z, A, activation)
        if closed_form is not None:
            return _weigh(closed_form, sample_weight)
        return activation.backward(Z, A, self.backward(Y, A, sample_weight))

    def _closed_form_delta(self, Y, Z, A, activation):
        """Per-sample output error in closed form for ``activation``, or None for the chain rule.

        The mean's weights are applied by :meth:`delta`. The base class knows
        one closed form: ``A - Y`` for an activation that computes like
        ``canonical_activation`` (a renamed subclass included).
        """
        canonical = self.canonical_activation
        if canonical is not None and _computes_like(activation, canonical):
            # Canonical link: the activation's Jacobian cancels the loss's
            # denominator, leaving the famous A - Y.
            return A - Y
        return None

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
        if self.probability_targets and Y.size and not (Y.min() >= 0 and Y.max() <= 1):
            raise ValueError(
                f"loss={self.name!r} compares probabilities: its targets must lie in [0, 1] "
                f"(classes, or probabilities); they range from {float(Y.min()):g} to "
                f"{float(Y.max()):g}. "
                "For real-valued targets use a regression loss: 'squared_error', "
                "'absolute_error', 'huber' or 'poisson'."
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
