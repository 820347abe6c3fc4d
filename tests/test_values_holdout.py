"""The hold-out split for early stopping against scikit-learn's own ``train_test_split``.

Rows of ``X`` carry their index, so every returned piece can be traced back to the samples
it must hold; the boundaries of the split sizes and of stratification are worked out by hand.
"""

import re

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from skbackprop._holdout import ValidationSet, _can_stratify, hold_out


def _data(y):
    y = np.asarray(y)
    X = np.arange(len(y), dtype=float).reshape(-1, 1)  # row i holds i
    Y = np.column_stack([y == c for c in np.unique(y)]).astype(float)
    return X, y, Y


def _hold_out(X, y, Y, sample_weight=None, fraction=0.25, stratify=True, seed=0):
    return hold_out(
        X,
        y,
        Y,
        sample_weight,
        validation_fraction=fraction,
        stratify=stratify,
        random_state=np.random.RandomState(seed),
        score=lambda y, output, sample_weight: 0.0,
    )


@pytest.mark.parametrize("stratify", [True, False])
def test_the_split_is_scikit_learns_stratified_or_not(stratify):
    X, y, Y = _data([0] * 12 + [1] * 4)
    X_train, y_train, Y_train, sw_train, validation = _hold_out(X, y, Y, stratify=stratify)
    expected_train, expected_val = train_test_split(
        X, test_size=4, random_state=np.random.RandomState(0), stratify=y if stratify else None
    )
    np.testing.assert_array_equal(X_train, expected_train)
    np.testing.assert_array_equal(validation.X, expected_val)
    rows = X_train[:, 0].astype(int)
    np.testing.assert_array_equal(y_train, y[rows])
    np.testing.assert_array_equal(Y_train, Y[rows])
    assert sw_train is None and validation.sample_weight is None


def test_sample_weights_follow_their_rows_to_both_sides():
    X, y, Y = _data([0] * 6 + [1] * 6)
    weights = np.arange(1.0, 13.0)
    X_train, y_train, _, sw_train, validation = _hold_out(X, y, Y, weights)
    np.testing.assert_array_equal(sw_train, weights[X_train[:, 0].astype(int)])
    np.testing.assert_array_equal(validation.sample_weight, weights[validation.X[:, 0].astype(int)])
    np.testing.assert_array_equal(validation.y, y[validation.X[:, 0].astype(int)])
    assert len(sw_train) == 9 and len(validation.sample_weight) == 3


def test_at_least_two_samples_are_held_out():
    X, y, Y = _data([0, 1] * 5)
    X_train, *_, validation = _hold_out(X, y, Y, fraction=0.1)  # ceil(1.0) = 1, raised to 2
    assert (len(X_train), len(validation.X)) == (8, 2)


def test_two_training_samples_are_enough():
    X, y, Y = _data([0, 1, 0, 1])
    X_train, *_, validation = _hold_out(X, y, Y, fraction=0.5)
    assert (len(X_train), len(validation.X)) == (2, 2)


def test_too_few_samples_train_on_all_of_them_with_a_warning():
    X, y, Y = _data([0, 1, 0])
    message = (
        "early_stopping cannot hold out validation_fraction=0.5 of 3 samples (2 for "
        "validation, at least 2) and keep 2 for training. Training on all of them without "
        "early stopping."
    )
    with pytest.warns(UserWarning) as record:
        X_train, y_train, Y_train, sw_train, validation = _hold_out(X, y, Y, fraction=0.5)
    assert [str(w.message) for w in record] == [message]
    assert X_train is X and y_train is y and Y_train is Y and sw_train is None
    assert validation is None


@pytest.mark.parametrize(
    "y, n_val, expected",
    [
        ([0, 0, 1, 1, 1, 1], 2, True),  # two per class, both sides have room for each class
        ([0, 1, 1, 1, 1, 1], 2, False),  # one sample of class 0
        ([0, 0, 1, 1, 1, 1], 5, False),  # one training sample left for two classes
        ([0, 0, 1, 1, 2, 2], 2, False),  # two validation samples for three classes
        ([0, 0, 1, 1, 2, 2], 3, True),
    ],
)
def test_stratification_needs_two_per_class_and_room_for_every_class(y, n_val, expected):
    assert bool(_can_stratify(np.array(y), n_val)) is expected


def test_all_zero_training_weights_raise_a_clear_error():
    X, y, Y = _data([0, 1] * 4)
    weights = np.zeros(8)
    _, _, _, _, validation = _hold_out(X, y, Y, np.ones(8))
    weights[validation.X[:, 0].astype(int)] = 1.0  # only the held-out rows weigh
    message = (
        "The training samples left after holding out the validation set all have zero "
        "sample_weight: pass X_val and y_val, or change validation_fraction."
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        _hold_out(X, y, Y, weights)


def test_all_zero_validation_weights_raise_a_clear_error():
    X, y, Y = _data([0, 1] * 4)
    _, _, _, _, validation = _hold_out(X, y, Y, np.ones(8))
    weights = np.ones(8)
    weights[validation.X[:, 0].astype(int)] = 0.0
    message = (
        "The held-out validation samples all have zero sample_weight, so they cannot be "
        "scored: pass X_val and y_val, or change validation_fraction."
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        _hold_out(X, y, Y, weights)


class _Network:
    def predict(self, X):
        return X * 2.0


class _WeightSumLoss:
    """A loss whose value is the weight sum it was given: shows which weights reached it."""

    def forward(self, Y, A, sample_weight=None):
        return -1.0 if sample_weight is None else float(np.sum(sample_weight))


def test_evaluate_scores_the_output_and_passes_the_weights_to_the_loss():
    seen = {}

    def score(y, output, sample_weight):
        seen.update(y=y, output=output, sample_weight=sample_weight)
        return 0.75

    X = np.array([[1.0], [2.0]])
    validation = ValidationSet(X, np.array([3, 4]), None, np.array([0.5, 2.0]), score)
    assert validation.evaluate(_Network(), _WeightSumLoss()) == (0.75, 2.5)
    np.testing.assert_array_equal(seen["output"], [[2.0], [4.0]])
    np.testing.assert_array_equal(seen["y"], [3, 4])
    np.testing.assert_array_equal(seen["sample_weight"], [0.5, 2.0])
