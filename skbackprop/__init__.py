"""skbackprop: a scikit-learn multilayer perceptron on a readable numpy backprop core."""

from ._classifier import MLPScratchClassifier
from .persistence import load, save

__version__ = "0.1.0"

__all__ = ["MLPScratchClassifier", "__version__", "load", "save"]
