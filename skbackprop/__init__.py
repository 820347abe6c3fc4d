"""skbackprop: a scikit-learn multilayer perceptron on a readable numpy backprop core."""

from ._classifier import MLPScratchClassifier
from ._regressor import MLPScratchRegressor
from .persistence import load, save
from .registry import available, register

__version__ = "0.1.0"

__all__ = [
    "MLPScratchClassifier",
    "MLPScratchRegressor",
    "__version__",
    "available",
    "load",
    "register",
    "save",
]
