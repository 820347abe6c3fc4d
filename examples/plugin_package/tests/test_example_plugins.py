"""The example plugins conform, and skbackprop finds them through their entry points."""

import numpy as np
import pytest

pytest.importorskip(
    "skbackprop_example_plugins",
    reason="the example plugin package is not installed: pip install ./examples/plugin_package",
)
from skbackprop_example_plugins import BinaryFocalLoss, Swish
from sklearn.datasets import make_classification

from skbackprop import MLPScratchClassifier, available
from skbackprop.losses import BinaryCrossEntropy
from skbackprop.testing import parametrize_with_checks


@parametrize_with_checks([Swish(), Swish(beta=2.5), BinaryFocalLoss(), BinaryFocalLoss(gamma=0.5)])
def test_example_plugin_conforms(plugin, check):
    check(plugin)


def test_entry_point_names_are_listed():
    assert "example_swish" in available("activation")
    assert "example_focal" in available("loss")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_estimator_accepts_the_entry_point_names():
    X, y = make_classification(n_samples=200, random_state=0)
    clf = MLPScratchClassifier(
        hidden_layer_sizes=(16,),
        activation="example_swish",
        loss="example_focal",
        max_iter=200,
        random_state=0,
    ).fit(X, y)
    assert isinstance(clf.activation_, Swish)
    assert isinstance(clf.loss_function_, BinaryFocalLoss)
    assert clf.score(X, y) > 0.85


def test_focal_loss_with_gamma_zero_is_the_binary_cross_entropy():
    rng = np.random.RandomState(0)
    Y = rng.randint(2, size=(8, 3)).astype(float)
    A = rng.uniform(0.05, 0.95, size=(8, 3))
    weights = rng.uniform(0.5, 2.0, size=8)
    focal, bce = BinaryFocalLoss(gamma=0.0), BinaryCrossEntropy()
    assert focal.forward(Y, A, weights) == pytest.approx(bce.forward(Y, A, weights), rel=1e-12)
    np.testing.assert_allclose(
        focal.backward(Y, A, weights), bce.backward(Y, A, weights), rtol=1e-12
    )
