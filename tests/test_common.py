"""scikit-learn's estimator checks, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skbackprop import MLPScratchClassifier
from skbackprop.activations import LeakyReLU

ESTIMATORS = [
    MLPScratchClassifier(),
    MLPScratchClassifier(solver="sgd"),
    MLPScratchClassifier(solver="lbfgs"),
    MLPScratchClassifier(activation="tanh"),
    MLPScratchClassifier(activation=LeakyReLU()),
    MLPScratchClassifier(loss="squared_error"),
    MLPScratchClassifier(hidden_layer_sizes=(16, 16)),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
