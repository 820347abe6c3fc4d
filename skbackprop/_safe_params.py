"""Allow-lists of the parameters and attributes a saved object may hold, and their values.

scikit-learn and joblib act on some parameters later: a pipeline's ``memory``
makes its next ``fit`` unpickle what lies in a cache folder. So every allow-listed
scikit-learn class has an allow-list of its own, ``(class, parameter) -> values``,
and a parameter or fitted attribute outside it is refused, at save and at load.
skbackprop's own estimators and plugins may hold plain data only (numbers,
strings naming registered plugins, tuples, lists and dicts of them) and
registered plugins.

Each check takes ``fail(where, problem)``, which raises: :func:`skbackprop.save`
and :func:`skbackprop.load` word the error each their own way.
"""

import math
import numbers

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    LabelBinarizer,
    MaxAbsScaler,
    MinMaxScaler,
    RobustScaler,
    StandardScaler,
)

from . import registry

__all__ = [
    "PLUGIN_PARAMETERS",
    "check_output_config",
    "check_plain",
    "check_plugin",
    "check_sklearn_object",
    "is_bool",
    "is_int",
]


def is_bool(value):
    return isinstance(value, (bool, np.bool_))


def is_int(value):
    return isinstance(value, numbers.Integral) and not is_bool(value)


def _is_finite_real(value):
    return isinstance(value, numbers.Real) and not is_bool(value) and math.isfinite(value)


def _range(low, high):
    def check(value):
        return (
            isinstance(value, (tuple, list))
            and len(value) == 2
            and all(_is_finite_real(v) for v in value)
            and low <= value[0] < value[1] <= high
        )

    return check


def _names(value):
    return value is None or (
        isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
    )


_BOOL = (is_bool, "True or False")
#: The parameters each allow-listed scikit-learn class may have, with what each may hold.
#: Pipeline ``steps`` are checked by the caller, step by step.
SKLEARN_PARAMETERS = {
    Pipeline: {
        "memory": (
            lambda v: v is None,
            "None (a cache folder would make the pipeline's next fit unpickle whatever "
            "lies in that folder: set memory=None before saving)",
        ),
        "steps": (lambda v: True, "a list of (name, step) pairs"),
        "transform_input": (_names, "None or a list of parameter names"),
        "verbose": _BOOL,
    },
    LabelBinarizer: {
        "neg_label": (is_int, "an integer"),
        "pos_label": (is_int, "an integer"),
        "sparse_output": _BOOL,
    },
    StandardScaler: {"copy": _BOOL, "with_mean": _BOOL, "with_std": _BOOL},
    MinMaxScaler: {
        "feature_range": (_range(-math.inf, math.inf), "a pair of finite numbers (min, max)"),
        "copy": _BOOL,
        "clip": _BOOL,
    },
    MaxAbsScaler: {"copy": _BOOL, "clip": _BOOL},
    RobustScaler: {
        "with_centering": _BOOL,
        "with_scaling": _BOOL,
        "quantile_range": (_range(0, 100), "a pair (q_min, q_max) with 0 <= q_min < q_max <= 100"),
        "copy": _BOOL,
        "unit_variance": _BOOL,
    },
}

#: The fitted attributes each allow-listed scikit-learn class may have.
SKLEARN_ATTRIBUTES = {
    Pipeline: set(),
    LabelBinarizer: {"y_type_", "sparse_input_", "classes_"},
    StandardScaler: {"n_features_in_", "n_samples_seen_", "mean_", "var_", "scale_"},
    MinMaxScaler: {
        *("n_features_in_", "n_samples_seen_", "scale_", "min_"),
        *("data_min_", "data_max_", "data_range_"),
    },
    MaxAbsScaler: {"n_features_in_", "n_samples_seen_", "max_abs_", "scale_"},
    RobustScaler: {"n_features_in_", "center_", "scale_"},
}

#: skbackprop estimator parameters that may name a plugin, and the plugin's kind.
PLUGIN_PARAMETERS = {
    "activation": "activation",
    "output_activation": "activation",
    "loss": "loss",
    "solver": "optimizer",
    "learning_rate": "schedule",
    "weight_init": "initializer",
}


def check_output_config(obj, where, fail):
    """Refuse a ``set_output`` container other than numpy's.

    scikit-learn imports pandas or polars at ``transform`` for the others: a file
    would choose what is imported when the model is used.
    """
    config = vars(obj).get("_sklearn_output_config")
    if config is not None and not (
        isinstance(config, dict)
        and all(isinstance(v, str) and v == "default" for v in config.values())
        and set(config) <= {"transform"}
    ):
        fail(
            f"{where}._sklearn_output_config",
            "must be absent or {'transform': 'default'}: a model file does not record "
            "pandas or polars output. Call model.set_output(transform='default') before "
            "saving, and set_output again after loading.",
        )


def check_sklearn_object(obj, where, fail):
    """Refuse any parameter or attribute of ``obj`` outside its class's allow-list."""
    cls = type(obj)
    allowed = SKLEARN_PARAMETERS[cls]
    for name, value in vars(obj).items():
        if name in allowed:
            accepts, expected = allowed[name]
            if not accepts(value):
                fail(f"{where}.{name}", f"must be {expected}; got {value!r}.")
        elif name == "_sklearn_output_config":  # set_output(transform=...)
            check_output_config(obj, where, fail)
        elif name == "feature_names_in_" and cls is not Pipeline:
            continue  # checked with the fitted state
        elif name not in SKLEARN_ATTRIBUTES[cls]:
            fail(
                f"{where}.{name}",
                f"is not a parameter or fitted attribute that a {cls.__name__} in a model "
                f"file may hold (allowed: {sorted({*allowed, *SKLEARN_ATTRIBUTES[cls]})}).",
            )
    missing = set(allowed) - set(vars(obj))
    if missing:
        fail(where, f"lacks the parameters {sorted(missing)}.")


_PLAIN_SCALARS = {str, int, float, bool, type(None)}


def check_plain(value, where, fail, depth=0):
    """Refuse anything but plain data: numbers, strings, None, arrays, containers of them."""
    if value is None or isinstance(value, (bool, numbers.Number, str, np.generic)):
        if isinstance(value, (complex, np.complexfloating)):
            fail(where, "is a complex number.")
        return
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject and not set(map(type, value.ravel())) <= _PLAIN_SCALARS:
            for i, item in enumerate(value.ravel()):
                check_plain(item, f"{where}[{i}]", fail, depth + 1)
        return
    if depth > 50:
        fail(where, "is nested too deeply.")
    if isinstance(value, (list, tuple)) and set(map(type, value)) <= _PLAIN_SCALARS:
        return  # a loss curve, a list of labels: no walk item by item
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            check_plain(item, f"{where}[{i}]", fail, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_plain(item, f"{where}[{key!r}]", fail, depth + 1)
    else:
        fail(where, f"holds an object of type {type(value).__name__}, which is not plain data.")


def check_plugin(plugin, kind, where, fail):
    """A registered plugin of ``kind`` whose parameters are plain, finite values."""
    base = registry.KINDS[kind][0]
    if not isinstance(plugin, base):
        fail(where, f"must be a plugin of the kind {kind!r}; got {type(plugin).__name__}.")
    for name, value in plugin.get_params().items():
        if not (value is None or isinstance(value, str) or is_bool(value) or is_int(value)):
            if not _is_finite_real(value):
                fail(f"{where}.{name}", f"must be a finite number; got {value!r}.")
    for name, value in vars(plugin).items():
        check_plain(value, f"{where}.{name}", fail)
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            if not np.isfinite(value).all():
                fail(f"{where}.{name}", "holds NaN or infinite values.")


def check_plugin_parameter(value, kind, where, fail):
    """A plugin parameter of an estimator: a registered name, or a registered plugin."""
    if isinstance(value, str):
        if value == "auto" and where.endswith("output_activation"):
            return
        try:
            registry.get(kind, value)
        except ValueError:
            fail(where, f"names the {kind} {value!r}, which is not registered.")
    elif isinstance(value, (list, tuple)) and kind == "activation":
        for i, item in enumerate(value):  # one activation per hidden layer
            check_plugin_parameter(item, kind, f"{where}[{i}]", fail)
    else:
        check_plugin(value, kind, where, fail)
