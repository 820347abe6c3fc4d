"""Parameter checks: NaN and infinity are refused by name, for estimators and built-in plugins."""

import math
import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from skbackprop import MLPScratchClassifier, MLPScratchRegressor, registry

NON_FINITE = [math.nan, math.inf, -math.inf, np.float32("nan"), np.float64("inf")]
ESTIMATORS = [MLPScratchClassifier, MLPScratchRegressor]

#: The estimator parameter through which each plugin kind is passed.
PARAMETER_OF_KIND = {
    "activation": "activation",
    "loss": "loss",
    "optimizer": "solver",
    "initializer": "weight_init",
    "schedule": "learning_rate",
}


def _data():
    X, y = make_classification(n_samples=30, n_features=4, random_state=0)
    return X, y


def _float_parameters(estimator_class):
    """Every parameter of the estimator whose default is a float, found, not listed by hand."""
    params = estimator_class().get_params(deep=False)
    return sorted(name for name, value in params.items() if isinstance(value, float))


def test_the_float_parameters_found_include_those_of_the_issue():
    for estimator_class in ESTIMATORS:
        found = set(_float_parameters(estimator_class))
        assert {
            "learning_rate_init",
            "alpha",
            "beta_1",
            "beta_2",
            "epsilon",
            "momentum",
            "power_t",
            "tol",
            "validation_fraction",
        } <= found


@pytest.mark.parametrize(
    "estimator_class, name",
    [(cls, name) for cls in ESTIMATORS for name in _float_parameters(cls)],
    ids=lambda value: getattr(value, "__name__", value),
)
@pytest.mark.parametrize("value", NON_FINITE, ids=repr)
def test_a_non_finite_float_parameter_is_refused_at_fit_by_name(estimator_class, name, value):
    X, y = _data()
    estimator = estimator_class(**{name: value}, max_iter=3)  # accepted at construction
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        estimator.fit(X, y)
    assert not hasattr(estimator, "network_")


@pytest.mark.parametrize("value", NON_FINITE, ids=repr)
@pytest.mark.parametrize(
    "class_weight", [lambda v: {0: v}, lambda v: {0: 1.0, 1: v}], ids=["first", "second"]
)
def test_a_non_finite_class_weight_is_refused_naming_the_class(class_weight, value):
    X, y = _data()
    with pytest.raises(ValueError, match=r"class_weight\[\d\] must be a finite number"):
        MLPScratchClassifier(class_weight=class_weight(value), max_iter=3).fit(X, y)


def test_a_non_finite_class_weight_of_a_multilabel_target_is_refused():
    X, y = _data()
    Y = np.column_stack([y, 1 - y])
    with pytest.raises(ValueError, match=r"class_weight\[1\]"):
        MLPScratchClassifier(class_weight=[{0: 1.0}, {1: math.nan}], max_iter=3).fit(X, Y)


def test_a_negative_class_weight_is_refused():
    X, y = _data()
    with pytest.raises(ValueError, match=r"class_weight\[0\] == -1"):
        MLPScratchClassifier(class_weight={0: -1}, max_iter=3).fit(X, y)


def _builtin_float_parameters():
    """(kind, class, parameter) for every float parameter of every built-in plugin."""
    cases = []
    for kind in registry.KINDS:
        for name in registry.available(kind):
            cls = registry.get(kind, name)
            if not cls.__module__.startswith("skbackprop."):
                continue  # an installed third-party plugin: the conformance checker covers it
            for parameter, default in cls().get_params(deep=False).items():
                if isinstance(default, float) and (kind, cls, parameter) not in cases:
                    cases.append((kind, cls, parameter))
    return cases


def test_every_builtin_plugin_with_a_float_parameter_is_covered():
    covered = {(cls.__name__, parameter) for _, cls, parameter in _builtin_float_parameters()}
    assert {
        ("LeakyReLU", "negative_slope"),
        ("ELU", "alpha"),
        ("Huber", "epsilon"),
        ("Adam", "epsilon"),
        ("AdamW", "weight_decay"),
        ("Normal", "scale"),
        ("InvScaling", "power_t"),
        ("StepDecay", "gamma"),
        ("CosineAnnealing", "min_learning_rate"),
    } <= covered


@pytest.mark.parametrize(
    "kind, cls, parameter",
    _builtin_float_parameters(),
    ids=lambda value: getattr(value, "__name__", value),
)
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=repr)
@pytest.mark.parametrize("estimator_class", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_a_non_finite_builtin_plugin_parameter_is_refused_at_fit_naming_plugin_and_parameter(
    estimator_class, kind, cls, parameter, value
):
    X, y = _data()
    estimator_parameter = PARAMETER_OF_KIND[kind]
    estimator = estimator_class(**{estimator_parameter: cls(**{parameter: value})}, max_iter=3)
    pattern = rf"'{estimator_parameter}'.*{cls.__name__}.*\b{parameter}\b"
    with pytest.raises(ValueError, match=pattern):
        estimator.fit(X, y)
    assert not hasattr(estimator, "network_")


@pytest.mark.parametrize(
    "plugin_spec, pattern",
    [
        ("solver", r"Adam: beta_1 == 1.0, must be < 1"),
        ("learning_rate", r"Adaptive: factor == 1.0, must be > 1"),
    ],
)
def test_builtin_plugin_bounds_are_checked_at_fit(plugin_spec, pattern):
    from skbackprop.optimizers import Adam
    from skbackprop.schedules import Adaptive

    plugin = {"solver": Adam(beta_1=1.0), "learning_rate": Adaptive(factor=1.0)}[plugin_spec]
    X, y = _data()
    with pytest.raises(ValueError, match=re.escape(pattern).replace(r"\ ", " ")):
        MLPScratchClassifier(**{plugin_spec: plugin}, max_iter=3).fit(X, y)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_validation_fraction_zero_is_refused_only_where_a_share_is_held_out(estimator_class):
    # scikit-learn accepts any validation_fraction in [0, 1); 0 fails only with early stopping.
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator_class(validation_fraction=0.0, max_iter=3).fit(X, y)
        estimator_class(validation_fraction=0.0, early_stopping=True, max_iter=3).fit(
            X, y, X_val=X, y_val=y
        )
        with pytest.raises(ValueError, match="validation_fraction=0 holds out nothing"):
            estimator_class(validation_fraction=0.0, early_stopping=True, max_iter=3).fit(X, y)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
@pytest.mark.parametrize("layer, error", [(2, ValueError), (-3, ValueError), ("last", TypeError)])
def test_transform_layer_is_checked_at_fit(estimator_class, layer, error):
    X, y = _data()
    with pytest.raises(error, match="transform_layer"):
        estimator_class(hidden_layer_sizes=(4, 3), transform_layer=layer, max_iter=3).fit(X, y)
    # Without hidden layers any int fits (only transform needs a hidden layer).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator_class(hidden_layer_sizes=(), transform_layer=5, max_iter=3).fit(X, y)
