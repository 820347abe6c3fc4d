"""Learning-rate schedules: the step size η of each gradient step.

A schedule implements ``start(learning_rate_init)``, ``epoch_end(n_epochs,
n_samples_seen)`` and ``plateau()``; its current rate is the attribute
``learning_rate_``. ``plateau`` is called when the monitored quantity has not
improved for ``n_iter_no_change`` epochs and answers whether training should
stop (``True``) or go on with the adjusted rate (``False``).
"""

from ._plugin import Plugin

__all__ = ["LearningRateSchedule", "Constant", "InvScaling", "Adaptive"]


class LearningRateSchedule(Plugin):
    """Base class of learning-rate schedules: a constant rate by default."""

    def start(self, learning_rate_init):
        """Begin a fit at ``learning_rate_init``.

        Parameters
        ----------
        learning_rate_init : float
        """
        self.learning_rate_init_ = float(learning_rate_init)
        self.learning_rate_ = float(learning_rate_init)

    def epoch_end(self, n_epochs, n_samples_seen):
        """Update the rate after an epoch.

        Parameters
        ----------
        n_epochs : int
            Epochs completed so far.
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
