"""Weight initializers: the starting point w⁰, b⁰ of gradient descent.

An initializer implements ``initialize(fan_in, fan_out, activation,
random_state)`` and returns a weight matrix of shape ``(fan_in, fan_out)``
and a bias vector of shape ``(fan_out,)``, in float64 (the network casts them).
"""

import numpy as np

from ._plugin import Plugin
from .activations import Sigmoid

__all__ = ["Initializer", "GlorotUniform", "HeNormal", "Normal"]


class Initializer(Plugin):
    """Base class of weight initializers."""

    def initialize(self, fan_in, fan_out, activation, random_state):
        """Draw one layer's weights and biases.

        Parameters
        ----------
        fan_in, fan_out : int
            Number of units feeding the layer and in the layer.
        activation : Activation
            The network's hidden activation (some schemes scale by it).
        random_state : numpy.random.RandomState
            Source of randomness; draws are made in a fixed order.

        Returns
        -------
        weights : ndarray of shape (fan_in, fan_out)
        biases : ndarray of shape (fan_out,)
        """
        raise NotImplementedError


class GlorotUniform(Initializer):
    """scikit-learn's scheme: weights and biases ~ U(-r, r), ``r = sqrt(k / (fan_in + fan_out))``.

    ``k = 2`` for a sigmoid hidden activation and 6 otherwise (Glorot and
    Bengio, 2010). With the same ``random_state`` it draws exactly the numbers
    :class:`sklearn.neural_network.MLPClassifier` draws.
    """

    name = "glorot_uniform"

    def initialize(self, fan_in, fan_out, activation, random_state):
        factor = 2.0 if isinstance(activation, Sigmoid) else 6.0
        bound = np.sqrt(factor / (fan_in + fan_out))
        weights = random_state.uniform(-bound, bound, (fan_in, fan_out))
        biases = random_state.uniform(-bound, bound, fan_out)
        return weights, biases


class HeNormal(Initializer):
    """He et al. (2015): weights ~ N(0, 2 / fan_in), biases zero; suited to ReLU."""

    name = "he_normal"

    def initialize(self, fan_in, fan_out, activation, random_state):
        weights = random_state.normal(0.0, np.sqrt(2.0 / fan_in), (fan_in, fan_out))
        return weights, np.zeros(fan_out)


class Normal(Initializer):
    """Weights and biases ~ N(0, scale²): the classic unit-normal initialisation.

    Parameters
    ----------
    scale : float, default=1.0
        Standard deviation of the weights and biases.
    """

    name = "normal"
    _parameter_bounds = {"scale": {"min_val": 0}}

    def __init__(self, scale=1.0):
        self.scale = scale

    def initialize(self, fan_in, fan_out, activation, random_state):
        weights = random_state.normal(0.0, self.scale, (fan_in, fan_out))
        biases = random_state.normal(0.0, self.scale, fan_out)
        return weights, biases
