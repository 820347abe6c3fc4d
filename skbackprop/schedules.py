"""Learning-rate schedules: the step size η of each gradient step.

A schedule implements ``start(learning_rate_init, max_epochs=None)``,
``epoch_end(n_epochs, n_samples_seen)`` and ``plateau()``; its current rate is
the attribute ``learning_rate_``. The same schedule drives every stochastic
optimizer, Adam included (scikit-learn applies its schedules to SGD only).
``plateau`` is called when the monitored quantity has not improved for
``n_iter_no_change`` epochs and answers whether training should stop
(``True``) or go on with the adjusted rate (``False``).
"""

import math
import numbers

from ._plugin import Plugin

__all__ = [
    "LearningRateSchedule",
    "Constant",
    "InvScaling",
    "Adaptive",
    "StepDecay",
    "CosineAnnealing",
]


class LearningRateSchedule(Plugin):
    """Base class of learning-rate schedules: a constant rate by default."""

    def start(self, learning_rate_init, max_epochs=None):
        """Begin a fit at ``learning_rate_init``.

        Parameters
        ----------
        learning_rate_init : float
        max_epochs : int or None, default=None
            The estimator's ``max_iter``, for schedules that span a whole fit.
        """
        self.learning_rate_init_ = float(learning_rate_init)
        self.learning_rate_ = float(learning_rate_init)
        self.max_epochs_ = max_epochs

    def epoch_end(self, n_epochs, n_samples_seen):
        """Update the rate after an epoch.

        Parameters
        ----------
        n_epochs : int
            Epochs completed so far in this call (``partial_fit`` runs one
            epoch per call, so schedules that count epochs across calls keep
            their own count, carried over with their state).
        n_samples_seen : int
            Training samples processed so far (scikit-learn's ``t_``).
        """

    def plateau(self):
        """React to a plateau; return True to stop training.

        Returns
        -------
        stop : bool
        """
        return True

    def describe_plateau(self):
        """Words for ``verbose`` output after :meth:`plateau`."""
        return "Stopping."


class Constant(LearningRateSchedule):
    """The rate stays at ``learning_rate_init``; a plateau stops training."""

    name = "constant"


class InvScaling(LearningRateSchedule):
    """``η = η₀ / (t + 1)^power_t``, with ``t`` the number of samples seen.

    Parameters
    ----------
    power_t : float, default=0.5
        Exponent of the decay.
    """

    name = "invscaling"
    _parameter_bounds = {"power_t": {"min_val": 0}}

    def __init__(self, power_t=0.5):
        self.power_t = power_t

    def epoch_end(self, n_epochs, n_samples_seen):
        try:
            decay = (n_samples_seen + 1) ** self.power_t
        except OverflowError:  # a huge power_t: the rate has decayed to nothing
            decay = float("inf")
        self.learning_rate_ = self.learning_rate_init_ / decay


class Adaptive(LearningRateSchedule):
    """Keep the rate while training improves; divide it by ``factor`` on each plateau.

    Training stops once the rate has fallen to ``min_learning_rate``.

    Parameters
    ----------
    factor : float, default=5.0
        Divisor applied on a plateau.
    min_learning_rate : float, default=1e-6
        Below this rate a plateau stops training.
    """

    name = "adaptive"
    _parameter_bounds = {
        "factor": {"min_val": 1, "include_boundaries": "neither"},
        "min_learning_rate": {"min_val": 0},
    }

    def __init__(self, factor=5.0, min_learning_rate=1e-6):
        self.factor = factor
        self.min_learning_rate = min_learning_rate

    def plateau(self):
        if self.learning_rate_ <= self.min_learning_rate:
            self._stopped = True
            return True
        self._stopped = False
        self.learning_rate_ /= self.factor
        return False

    def describe_plateau(self):
        if self._stopped:
            return "Learning rate too small. Stopping."
        return f"Setting learning rate to {self.learning_rate_:f}"


class StepDecay(LearningRateSchedule):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs.

    ``η = η₀ · gamma^⌊epoch / step_size⌋``; a plateau stops training.

    Parameters
    ----------
    step_size : int, default=10
        Epochs between two decays.
    gamma : float, default=0.5
        Factor applied at each decay, in (0, 1].
    """

    name = "step"
    _parameter_bounds = {"gamma": {"min_val": 0, "max_val": 1, "include_boundaries": "right"}}

    def __init__(self, step_size=10, gamma=0.5):
        self.step_size = step_size
        self.gamma = gamma

    def start(self, learning_rate_init, max_epochs=None):
        if not _is_positive_int(self.step_size):
            raise ValueError(
                f"StepDecay step_size must be a positive integer; got {self.step_size!r}."
            )
        if not 0 < self.gamma <= 1:
            raise ValueError(f"StepDecay gamma must be in (0, 1]; got {self.gamma!r}.")
        super().start(learning_rate_init, max_epochs)
        self.epochs_seen_ = 0

    def epoch_end(self, n_epochs, n_samples_seen):
        self.epochs_seen_ += 1
        self.learning_rate_ = self.learning_rate_init_ * self.gamma ** (
            self.epochs_seen_ // self.step_size
        )


class CosineAnnealing(LearningRateSchedule):
    """Anneal the rate from ``η₀`` to ``min_learning_rate`` along half a cosine.

    ``η = η_min + (η₀ - η_min) (1 + cos(π e / T)) / 2`` after ``e`` epochs, for
    ``e ≤ T`` (Loshchilov and Hutter, 2017, without restarts); the rate then
    stays at ``η_min``. A plateau stops training.

    Parameters
    ----------
    period : int or None, default=None
        ``T``, the number of epochs of the descent; ``None`` spans the
        estimator's ``max_iter``.
    min_learning_rate : float, default=0.0
        ``η_min``, the rate reached at the end of the period.
    """

    name = "cosine"
    _parameter_bounds = {"min_learning_rate": {"min_val": 0}}

    def __init__(self, period=None, min_learning_rate=0.0):
        self.period = period
        self.min_learning_rate = min_learning_rate

    def start(self, learning_rate_init, max_epochs=None):
        period = max_epochs if self.period is None else self.period
        if not _is_positive_int(period):
            raise ValueError(
                "CosineAnnealing needs a period: set period to a positive integer (epochs), "
                f"or leave it None inside an estimator, which uses max_iter; got {period!r}."
            )
        if not 0 <= self.min_learning_rate <= learning_rate_init:
            raise ValueError(
                "CosineAnnealing min_learning_rate must be in [0, learning_rate_init]; "
                f"got {self.min_learning_rate!r}."
            )
        super().start(learning_rate_init, max_epochs)
        self.period_ = int(period)
        self.epochs_seen_ = 0

    def epoch_end(self, n_epochs, n_samples_seen):
        self.epochs_seen_ += 1
        progress = min(self.epochs_seen_, self.period_) / self.period_
        span = self.learning_rate_init_ - self.min_learning_rate
        self.learning_rate_ = self.min_learning_rate + span * (1 + math.cos(math.pi * progress)) / 2


def _is_positive_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1
