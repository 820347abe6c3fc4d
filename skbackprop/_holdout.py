"""Validation data for early stopping and monitoring.

Either the user's own ``X_val``, ``y_val`` (checked and encoded by the
estimator like the training data) or a share of the training data held out,
stratified by class for binary and multiclass targets alike (scikit-learn
stratifies binary ones only). Both end up as a :class:`ValidationSet`, which
the training loop scores after every epoch with the score the estimator
passes in: accuracy for the classifier, R² for the regressor.
"""

import math
import warnings

import numpy as np
from sklearn.model_selection import train_test_split

__all__ = ["ValidationSet", "hold_out"]


class ValidationSet:
    """Held-out data scored after every epoch: a score and the loss from one forward pass.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Targets as the estimator's users see them (labels, values), for the score.
    Y : ndarray of shape (n_samples, n_outputs)
        Encoded targets, for the loss.
    sample_weight : ndarray of shape (n_samples,) or None
    score : callable
        ``score(y, output, sample_weight) -> float`` from the network's
        output, higher is better (the estimator's accuracy or R²).
    """

    def __init__(self, X, y, Y, sample_weight, score):
        self.X = X
        self.y = y
        self.Y = Y
        self.sample_weight = sample_weight
        self.score = score

    def evaluate(self, network, loss):
        """Score and loss (without the L2 penalty) of ``network`` on this set.

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
        score = self.score(self.y, output, self.sample_weight)
        return float(score), float(loss.forward(self.Y, output, self.sample_weight))


def _can_stratify(y, n_val):
    """Whether both sides of a split can hold every class (tiny data cannot)."""
    _, counts = np.unique(y, return_counts=True)
    return counts.min() >= 2 and min(n_val, len(y) - n_val) >= len(counts)


def hold_out(X, y, Y, sample_weight, *, validation_fraction, stratify, random_state, score):
    """Hold out ``validation_fraction`` of the training data.

    Parameters
    ----------
    X, y, Y, sample_weight
        The training data, targets, encoded targets and weights.
    validation_fraction : float
    stratify : bool
        Split class by class (labels ``y`` of a binary or multiclass target),
        when every class has room on both sides.
    random_state : numpy.random.RandomState
    score : callable
        The validation score, as for :class:`ValidationSet`.

    Returns
    -------
    X, y, Y, sample_weight
        What is left for training.
    validation : ValidationSet or None
        None (with a warning) when the data is too small to hold any out.
    """
    n_samples = X.shape[0]
    n_val = max(2, math.ceil(validation_fraction * n_samples))
    if n_samples - n_val < 2:
        warnings.warn(
            f"early_stopping cannot hold out validation_fraction={validation_fraction} "
            f"of {n_samples} samples ({n_val} for validation, at least 2) and keep 2 for "
            "training. Training on all of them without early stopping.",
            UserWarning,
            stacklevel=1,
        )
        return X, y, Y, sample_weight, None
    stratify = y if stratify and _can_stratify(y, n_val) else None
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
    validation = ValidationSet(X_val, y_val, Y_val, sw_val, score)
    return X_train, y_train, Y_train, sw_train, validation
