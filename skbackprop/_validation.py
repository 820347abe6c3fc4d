"""Checks of estimator parameters, sample and class weights, with actionable messages."""

import math
import numbers

import numpy as np
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight
from sklearn.utils.validation import check_array, check_scalar

__all__ = [
    "check_finite_real",
    "check_hidden_layer_sizes",
    "check_weight_sum",
    "check_parameters",
    "check_sample_weight",
    "resolve_class_weight",
    "apply_class_weight",
    "EARLY_STOPPING_METRICS",
]

#: Values of ``early_stopping_metric``.
EARLY_STOPPING_METRICS = ("score", "loss")


def check_hidden_layer_sizes(hidden_layer_sizes):
    """The hidden layer sizes as a tuple of positive ints.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int

    Returns
    -------
    sizes : tuple of int
    """
    sizes = hidden_layer_sizes
    if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
        sizes = (sizes,)
    try:
        sizes = tuple(sizes)
    except TypeError:
        sizes = None
    if sizes is None or not all(
        isinstance(n, numbers.Integral) and not isinstance(n, bool) and n > 0 for n in sizes
    ):
        raise ValueError(
            "hidden_layer_sizes must be a positive integer or a sequence of positive "
            f"integers, e.g. (100,) or (64, 32); got {hidden_layer_sizes!r}."
        )
    return tuple(int(n) for n in sizes)


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}.")


def check_finite_real(value, name, **bounds):
    """Check that ``value`` is a finite real number within ``bounds``.

    :func:`sklearn.utils.check_scalar` with a finite check first: NaN passes
    every comparison and infinity every lower bound, and either one would
    leave an untrained model behind (scikit-learn's ``Interval`` refuses NaN
    the same way).

    Parameters
    ----------
    value : object
    name : str
        The parameter's name, for the message.
    **bounds
        ``min_val``, ``max_val`` and ``include_boundaries`` of
        :func:`~sklearn.utils.check_scalar`.

    Raises
    ------
    TypeError
        If ``value`` is not a real number.
    ValueError
        If it is NaN, infinite or out of bounds.
    """
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number; got {value!r}.")
    check_scalar(value, name, numbers.Real, **bounds)


def check_parameters(est):
    """Validate the numeric and boolean hyperparameters of ``est``.

    Raises
    ------
    TypeError, ValueError
        Naming the parameter, its value and the accepted range.
    """
    integral = numbers.Integral
    check_finite_real(est.alpha, "alpha", min_val=0)
    if not (isinstance(est.batch_size, str) and est.batch_size == "auto"):
        if isinstance(est.batch_size, str):
            raise ValueError(
                f"batch_size must be 'auto' or a positive integer; got {est.batch_size!r}."
            )
        check_scalar(est.batch_size, "batch_size", integral, min_val=1)
    check_finite_real(
        est.learning_rate_init, "learning_rate_init", min_val=0, include_boundaries="neither"
    )
    check_finite_real(est.power_t, "power_t", min_val=0)
    check_scalar(est.max_iter, "max_iter", integral, min_val=1)
    check_finite_real(est.tol, "tol", min_val=0)
    check_finite_real(est.momentum, "momentum", min_val=0, max_val=1)
    # [0, 1) as in scikit-learn; 0 only fails where a share must be held out.
    check_finite_real(
        est.validation_fraction,
        "validation_fraction",
        min_val=0,
        max_val=1,
        include_boundaries="left",
    )
    check_finite_real(est.beta_1, "beta_1", min_val=0, max_val=1, include_boundaries="left")
    check_finite_real(est.beta_2, "beta_2", min_val=0, max_val=1, include_boundaries="left")
    check_finite_real(est.epsilon, "epsilon", min_val=0, include_boundaries="neither")
    if est.n_iter_no_change != np.inf:  # inf (never stop on a plateau) is scikit-learn's too
        check_scalar(est.n_iter_no_change, "n_iter_no_change", integral, min_val=1)
    check_scalar(est.max_fun, "max_fun", integral, min_val=1)
    if not (
        isinstance(est.early_stopping_metric, str)
        and est.early_stopping_metric in EARLY_STOPPING_METRICS
    ):
        raise ValueError(
            f"early_stopping_metric must be one of {EARLY_STOPPING_METRICS}: 'score' stops on "
            "the validation score (accuracy, or R² for regressors), 'loss' on the validation "
            "loss; got "
            f"{est.early_stopping_metric!r}."
        )
    class_weight = getattr(est, "class_weight", None)  # classifiers only
    if not (
        class_weight is None
        or isinstance(class_weight, (dict, list))
        or (isinstance(class_weight, str) and class_weight == "balanced")
    ):
        raise ValueError(
            "class_weight must be None, 'balanced' or a dict {class_label: weight} "
            f"(a list of such dicts, one per label, for multilabel targets); got {class_weight!r}."
        )
    for weights in class_weight if isinstance(class_weight, list) else [class_weight]:
        if isinstance(weights, dict):
            for label, weight in weights.items():
                check_finite_real(weight, f"class_weight[{label!r}]", min_val=0)
    for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping"):
        _check_bool(getattr(est, name), name)
    if not isinstance(est.verbose, (bool, np.bool_, numbers.Integral)):
        raise TypeError(f"verbose must be a bool or an int; got {est.verbose!r}.")
    _check_random_state(est.random_state)


def _check_random_state(random_state):
    # numpy's own messages ("Seed must be between 0 and 2**32 - 1") do not say
    # which parameter is wrong.
    if random_state is None or isinstance(random_state, np.random.RandomState):
        return
    if not isinstance(random_state, numbers.Integral) or isinstance(random_state, bool):
        raise TypeError(
            "random_state must be None, an int or a numpy.random.RandomState; "
            f"got {random_state!r} of type {type(random_state).__name__}."
        )
    if not 0 <= random_state < 2**32:
        raise ValueError(f"random_state must be in [0, 2**32 - 1]; got {random_state}.")


def check_sample_weight(sample_weight, n_samples, dtype):
    """Sample weights as a 1-D array of ``dtype``, or None.

    Parameters
    ----------
    sample_weight : array-like, scalar or None
    n_samples : int
    dtype : numpy dtype

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,) or None
    """
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Number):
        # A scalar weighs every sample alike; it still has to be a valid weight.
        sample_weight = np.full(n_samples, sample_weight)
    sample_weight = check_array(
        sample_weight, ensure_2d=False, dtype=dtype, input_name="sample_weight", copy=False
    )
    if sample_weight.shape != (n_samples,):
        raise ValueError(
            f"sample_weight.shape == {sample_weight.shape}, expected ({n_samples},): "
            "pass one weight per sample."
        )
    if (sample_weight < 0).any():
        raise ValueError("sample_weight must be non-negative; got negative weights.")
    if not sample_weight.any():
        raise ValueError("sample_weight must not be all zero: no sample would count.")
    check_weight_sum(sample_weight, "sample_weight")
    return sample_weight


def check_weight_sum(sample_weight, name):
    """Refuse weights whose sum overflows the training dtype.

    The loss is a weighted mean (each sample counts ``w_i / Σ w``) and the L2
    penalty is divided by ``Σ w``: with ``Σ w`` infinite, training learns
    nothing, as in scikit-learn, which raises on the diverged weights.

    Parameters
    ----------
    sample_weight : ndarray of shape (n_samples,) or None
    name : str
        What the weights are called in the message.

    Raises
    ------
    ValueError
        If the sum of the weights, in their dtype, is not finite.
    """
    if sample_weight is None:
        return
    with np.errstate(over="ignore"):
        total = sample_weight.sum()
    if not np.isfinite(total):
        raise ValueError(
            f"{name} sums to {total} in {sample_weight.dtype}: the weights are too large for "
            "the loss, a weighted mean over their sum. Divide them by a common factor (only "
            "their ratios weigh the samples; alpha's penalty is divided by their sum)."
        )


def resolve_class_weight(class_weight, classes, y, sample_weight, running_counts=None):
    """The weight of each class, as scikit-learn's linear models compute it.

    ``"balanced"`` gives class ``c`` the weight ``Σw / (n_classes · Σ_{y=c} w)``
    (weighted counts, as :func:`sklearn.utils.class_weight.compute_class_weight`);
    a dict gives its own weights, 1 for the classes it leaves out.

    Parameters
    ----------
    class_weight : None, "balanced", dict or list of dict
    classes : ndarray of shape (n_classes,)
    y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        Training targets in the original labels (an indicator matrix when multilabel).
    sample_weight : ndarray of shape (n_samples,) or None
    running_counts : ndarray of shape (n_classes,) or None, default=None
        Weighted class counts of earlier ``partial_fit`` calls, updated in
        place; with it, ``"balanced"`` uses the counts of every sample seen so
        far instead of this call's alone (so a chunk may lack a class).

    Returns
    -------
    class_weights : ndarray of shape (n_classes,), or None, or the spec unchanged
        None when nothing is weighted. Multilabel targets keep the spec, which
        :func:`apply_class_weight` hands to
        :func:`sklearn.utils.class_weight.compute_sample_weight` (each label
        weighted on its own).
    """
    if class_weight is None or (isinstance(class_weight, dict) and not class_weight):
        return None
    if y.ndim == 2:
        return class_weight
    if isinstance(class_weight, str) and running_counts is not None:
        codes = np.searchsorted(classes, y)
        running_counts += np.bincount(codes, weights=sample_weight, minlength=len(classes))
        seen = running_counts > 0
        per_class = np.ones(len(classes))
        per_class[seen] = running_counts.sum() / (seen.sum() * running_counts[seen])
        return per_class
    if isinstance(class_weight, str):
        return compute_class_weight(class_weight, classes=classes, y=y, sample_weight=sample_weight)
    if isinstance(class_weight, list):
        raise ValueError(
            "class_weight as a list of dicts is for multilabel targets; for these targets "
            "pass one dict {class_label: weight} or 'balanced'."
        )
    return compute_class_weight(class_weight, classes=classes, y=y)


def apply_class_weight(class_weights, classes, y, sample_weight, dtype):
    """Multiply each sample's weight by the weight of its class.

    Parameters
    ----------
    class_weights : ndarray of shape (n_classes,), spec or None
        What :func:`resolve_class_weight` returned.
    classes : ndarray of shape (n_classes,)
    y : ndarray of shape (n_samples,) or (n_samples, n_labels)
    sample_weight : ndarray of shape (n_samples,) or None
    dtype : numpy dtype
        Floating type of the returned weights (the training dtype).

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,) or None
        A new array (the input is never modified), or ``sample_weight`` itself
        when no class weighting applies.
    """
    if class_weights is None or len(y) == 0:
        return sample_weight
    if isinstance(class_weights, np.ndarray):
        weights = class_weights[np.searchsorted(classes, y)].astype(dtype)
    else:
        weights = compute_sample_weight(class_weights, y).astype(dtype)
    if sample_weight is not None:
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused later
            weights *= sample_weight
        # A class weighed only by zero sample weights gets an infinite balanced
        # weight: its samples still count for nothing (not inf * 0 = NaN).
        weights[sample_weight == 0] = 0
    if not weights.any():
        raise ValueError(
            "class_weight gives every sample a weight of zero: give at least one present "
            "class a positive weight."
        )
    return weights
