"""Validation data for early stopping and monitoring.

Either the user's own ``X_val``, ``y_val`` (checked and encoded like the
training data) or a share of the training data held out, stratified by class
for binary and multiclass targets alike (scikit-learn stratifies binary ones
only). Both end up as a :class:`ValidationSet`, which the training loop scores
after every epoch.
"""

import math
import warnings

import numpy as np
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.utils import column_or_1d
from sklearn.utils.validation import check_consistent_length, validate_data

from ._validation import check_sample_weight

__all__ = ["ValidationSet", "hold_out", "user_validation_set"]


class ValidationSet:
    """Held-out data scored after every epoch: accuracy and loss from one forward pass.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        Targets in the estimator's labels, for the accuracy.
    Y : ndarray of shape (n_samples, n_outputs)
        Encoded targets, for the loss.
    sample_weight : ndarray of shape (n_samples,) or None
    decode : callable
        Turns network outputs into labels (the estimator's label decoder).
    """

    def __init__(self, X, y, Y, sample_weight, decode):
        self.X = X
        self.y = y
        self.Y = Y
        self.sample_weight = sample_weight
        self.decode = decode

    def evaluate(self, network, loss):
        """Accuracy and loss (without the L2 penalty) of ``network`` on this set.

        Parameters
        ----------
        network : Network
        loss : Loss

        Returns
        -------
        score : float
        loss : float
        """
        output = network.predict(self.X)
        score = accuracy_score(self.y, self.decode(output), sample_weight=self.sample_weight)
        return float(score), float(loss.forward(self.Y, output, self.sample_weight))


def _can_stratify(y, n_val):
    """Whether both sides of a split can hold every class (tiny data cannot)."""
    _, counts = np.unique(y, return_counts=True)
    return counts.min() >= 2 and min(n_val, len(y) - n_val) >= len(counts)


def user_validation_set(est, X_val, y_val, sample_weight_val, *, y, dtype):
    """Check and encode a validation set passed to ``fit``.

    Parameters
    ----------
    est : MLPScratchClassifier
        The estimator being fitted (its features, classes and label encoder).
    X_val : {array-like, sparse matrix} of shape (n_val, n_features)
    y_val : array-like of shape (n_val,) or (n_val, n_labels)
    sample_weight_val : array-like of shape (n_val,) or None
    y : ndarray
        The training targets, whose shape ``y_val`` must follow.
    dtype : numpy dtype
        The network's floating type.

    Returns
    -------
    validation : ValidationSet
    """
    X_val = validate_data(est, X_val, accept_sparse=["csr", "csc"], dtype=dtype, reset=False)
    y_val = np.asarray(y_val)
    if y_val.ndim == 2 and y_val.shape[1] == 1 and y.ndim == 1:
        y_val = column_or_1d(y_val, warn=True)
    check_consistent_length(X_val, y_val)
    multilabel = est._label_binarizer.y_type_ == "multilabel-indicator"
    if y_val.ndim != y.ndim or (multilabel and y_val.shape[1] != y.shape[1]):
        raise ValueError(
            f"y_val must be shaped like y: got {y_val.shape} for y of shape {y.shape}."
        )
    unseen = [] if multilabel else np.setdiff1d(np.unique(y_val), est.classes_)
    if len(unseen):
        raise ValueError(
            f"y_val has classes {unseen!r} that are not in the training classes {est.classes_!r}."
        )
    Y_val = est._label_binarizer.transform(y_val).astype(dtype)
    sample_weight_val = check_sample_weight(sample_weight_val, X_val.shape[0], dtype)
    return ValidationSet(X_val, y_val, Y_val, sample_weight_val, est._decode)


def hold_out(est, X, y, Y, sample_weight, random_state):
    """Hold out ``est.validation_fraction`` of the training data.

    Parameters
    ----------
    est : MLPScratchClassifier
    X, y, Y, sample_weight
        The training data, labels, encoded targets and weights.
    random_state : numpy.random.RandomState

    Returns
    -------
    X, y, Y, sample_weight
        What is left for training.
    validation : ValidationSet or None
        None (with a warning) when the data is too small to hold any out.
    """
    n_samples = X.shape[0]
    n_val = max(2, math.ceil(est.validation_fraction * n_samples))
    if n_samples - n_val < 2:
        warnings.warn(
            f"early_stopping cannot hold out validation_fraction={est.validation_fraction} "
            f"of {n_samples} samples ({n_val} for validation, at least 2) and keep 2 for "
            "training. Training on all of them without early stopping.",
            UserWarning,
            stacklevel=6,  # hold_out < _validation_set < _fit < fit < with_callbacks < user
        )
        return X, y, Y, sample_weight, None
    multilabel = est._label_binarizer.y_type_ == "multilabel-indicator"
    stratify = None if multilabel or not _can_stratify(y, n_val) else y
    arrays = [X, y, Y] + ([] if sample_weight is None else [sample_weight])
    parts = train_test_split(*arrays, test_size=n_val, random_state=random_state, stratify=stratify)
    X_train, X_val, y_train, y_val, Y_train, Y_val = parts[:6]
    sw_train, sw_val = parts[6:] if sample_weight is not None else (None, None)
    if sw_train is not None and not sw_train.any():
        raise ValueError(
            "The training samples left after holding out the validation set all have "
            "zero sample_weight: pass X_val and y_val, or change validation_fraction."
        )
    if sw_val is not None and not sw_val.any():
        raise ValueError(
            "The held-out validation samples all have zero sample_weight, so they "
            "cannot be scored: pass X_val and y_val, or change validation_fraction."
        )
    validation = ValidationSet(X_val, y_val, Y_val, sw_val, est._decode)
    return X_train, y_train, Y_train, sw_train, validation
