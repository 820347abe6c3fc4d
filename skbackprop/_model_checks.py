"""Whether a model is whole: a fitted estimator or pipeline whose every part agrees.

:func:`check_model` runs when a model is saved and when one is loaded, so that
nothing a file holds is discovered at ``predict``: the top level is a skbackprop
estimator or a pipeline of allow-listed scalers ending in one; weights are finite
float32 or float64 and their shapes chain from ``n_features_in_`` through
``hidden_layer_sizes`` to ``n_outputs_``; ``classes_`` agrees with the outputs and
the label binarizer; plugins are registered and their parameters valid; fitted
scalers agree with ``n_features_in_``. The allow-lists of parameters live in
:mod:`skbackprop._safe_params`.
"""

import math

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelBinarizer, MaxAbsScaler, RobustScaler, StandardScaler

from ._fitted_state import check_fitted_state
from ._plain_data import SAFE_SKLEARN_CLASSES, skbackprop_estimators
from ._rollback import CALLBACK_ATTRIBUTES
from ._safe_params import (
    PLUGIN_PARAMETERS,
    check_output_config,
    check_plain,
    check_plugin,
    check_plugin_parameter,
    check_sklearn_object,
    is_int,
)
from ._validation import check_hidden_layer_sizes, check_parameters
from .network import Network

__all__ = ["FLOAT_DTYPES", "check_model"]

#: The dtypes of a network's weights and of every fitted array that meets them.
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_SCALERS = tuple(
    cls for cls in SAFE_SKLEARN_CLASSES.values() if cls not in (Pipeline, LabelBinarizer)
)
# Scalers divide by scale_ (MinMaxScaler multiplies): zero would give inf.
_DIVIDING = (StandardScaler, RobustScaler, MaxAbsScaler)
# Fitted arrays that scikit-learn leaves None when a flag is off, and that flag:
# transform uses the array exactly when the flag is on.
_USED_WHEN = {
    StandardScaler: {"mean_": "with_mean", "var_": "with_std", "scale_": "with_std"},
    RobustScaler: {"center_": "with_centering", "scale_": "with_scaling"},
}
_TARGET_TYPES = ("binary", "multiclass", "multilabel-indicator")
# Parameters whose value may be a string ("auto", "balanced", "loss"...): the plugins'
# names are checked against the registry, the others by check_parameters.
_STRING_PARAMETERS = {*PLUGIN_PARAMETERS, "batch_size", "class_weight", "early_stopping_metric"}
_INFINITE_OK = {"n_iter_no_change"}  # np.inf: never stop on a plateau
_FITTED_PLUGINS = {
    "activation_": "activation",
    "output_activation_": "activation",
    "loss_function_": "loss",
    "optimizer_": "optimizer",
    "learning_rate_schedule_": "schedule",
    "initializer_": "initializer",
}


def check_model(model, where, fail):
    """Refuse, with ``fail(where, problem)``, anything a model file should not hold.

    Parameters
    ----------
    model : object
    where : str
        Name of ``model`` in messages.
    fail : callable
        ``fail(where, problem)`` raises.

    Returns
    -------
    n_features : int or None
        Number of input features of a fitted model, None for an unfitted one.
    """
    if type(model) is Pipeline:
        return _check_pipeline(model, where, fail)
    if _is_estimator(model):
        return _check_estimator(model, where, fail)
    fail(
        where,
        "must be a skbackprop estimator or a Pipeline ending in one; got "
        f"{type(model).__module__}.{type(model).__qualname__}.",
    )


def _is_estimator(obj):
    cls = type(obj)
    return skbackprop_estimators().get(cls.__name__) is cls


def _check_pipeline(pipeline, where, fail):
    check_sklearn_object(pipeline, where, fail)
    steps = pipeline.steps
    if not isinstance(steps, list) or not steps:
        fail(f"{where}.steps", "must be a non-empty list of (name, step) pairs.")
    names = []
    for i, step in enumerate(steps):
        if not (isinstance(step, tuple) and len(step) == 2 and isinstance(step[0], str)):
            fail(f"{where}.steps[{i}]", "must be a (name, step) pair.")
        if not step[0] or "__" in step[0] or step[0] in names:
            fail(f"{where}.steps[{i}]", f"has an empty, repeated or '__' name {step[0]!r}.")
        names.append(step[0])
    *transforms, (_, final) = steps
    fitted = []
    for i, (_, step) in enumerate(transforms):
        if step is None or (isinstance(step, str) and step == "passthrough"):
            continue  # scikit-learn's no-op step
        if type(step) not in _SCALERS:
            cls = type(step)
            fail(
                f"{where}.steps[{i}]",
                f"is a {cls.__module__}.{cls.__qualname__}; the steps before the estimator "
                f"must be among the scalers {[c.__name__ for c in _SCALERS]}. Use joblib or "
                "skops for other pipelines.",
            )
        fitted.append(_check_scaler(step, f"{where}.steps[{i}][1]", fail))
    if not _is_estimator(final):
        fail(f"{where}.steps[-1]", "must be a skbackprop estimator.")
    fitted.append(_check_estimator(final, f"{where}.steps[-1][1]", fail))
    if len(set(fitted)) != 1:
        fail(
            where,
            f"mixes fitted and unfitted steps or disagrees on the number of features "
            f"({fitted}: None is unfitted).",
        )
    return fitted[0]


def _check_feature_names(obj, n_features, where, fail):
    names = vars(obj).get("feature_names_in_")
    if names is not None and not (
        isinstance(names, np.ndarray)
        and names.shape == (n_features,)
        and all(isinstance(name, str) for name in names)
    ):
        fail(f"{where}.feature_names_in_", f"must be {n_features} feature names.")


def _check_float_array(value, shape, where, fail, dtype=None):
    if not (isinstance(value, np.ndarray) and value.dtype in FLOAT_DTYPES):
        fail(where, f"must be a float32 or float64 array; got {_describe(value)}.")
    if dtype is not None and value.dtype != dtype:
        fail(where, f"has the dtype {value.dtype}; the network's weights are {dtype}.")
    if value.shape != shape:
        fail(where, f"has the shape {value.shape}, expected {shape}.")
    if not np.isfinite(value).all():
        fail(where, "holds NaN or infinite values.")


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype}"
    return type(value).__name__


def _check_scaler(scaler, where, fail):
    check_sklearn_object(scaler, where, fail)
    state = vars(scaler)
    if "n_features_in_" not in state:
        if any(key.endswith("_") for key in state):
            fail(where, "has fitted attributes but no n_features_in_.")
        return None
    n_features = state["n_features_in_"]
    if not (is_int(n_features) and n_features > 0):
        fail(f"{where}.n_features_in_", "must be a positive integer.")
    from ._safe_params import SKLEARN_ATTRIBUTES

    for name in sorted(SKLEARN_ATTRIBUTES[type(scaler)] - {"n_features_in_"}):
        if name not in state:
            fail(where, f"is fitted but lacks {name}.")
        value = state[name]
        if name == "n_samples_seen_":
            count = np.asarray(value)
            if not (
                count.ndim in (0, 1)
                and count.dtype.kind in "iuf"
                and np.isfinite(count).all()
                and (count >= 0).all()
            ):
                fail(f"{where}.{name}", "must be a number of samples.")
            continue
        flag = _USED_WHEN.get(type(scaler), {}).get(name)
        if value is None and flag is not None:
            if getattr(scaler, flag):
                fail(f"{where}.{name}", f"is None, yet {flag}=True: transform would use it.")
            continue  # with_mean=False, with_centering=False, ...
        _check_float_array(value, (n_features,), f"{where}.{name}", fail)
        if name == "scale_" and type(scaler) in _DIVIDING and not value.all():
            fail(f"{where}.scale_", "holds zeros, which the scaler would divide by.")
    _check_feature_names(scaler, n_features, where, fail)
    return n_features


def _check_estimator(est, where, fail):
    parameters = est.get_params(deep=False)
    for name, value in parameters.items():
        if name in PLUGIN_PARAMETERS and not (name == "output_activation" and value is None):
            check_plugin_parameter(value, PLUGIN_PARAMETERS[name], f"{where}.{name}", fail)
        elif name == "random_state":
            if not (value is None or is_int(value) or type(value) is np.random.RandomState):
                fail(
                    f"{where}.random_state",
                    f"must be None, an int or a RandomState; got {value!r}.",
                )
        else:
            check_plain(value, f"{where}.{name}", fail)
            _check_no_strings_or_nan(name, value, f"{where}.{name}", fail)
    try:
        check_parameters(est)
        hidden = check_hidden_layer_sizes(est.hidden_layer_sizes)
    except (TypeError, ValueError) as exc:
        fail(where, f"has an invalid parameter: {exc}")
    check_output_config(est, where, fail)
    skipped = CALLBACK_ATTRIBUTES.union(parameters)  # run-time objects, never saved
    state = {k: v for k, v in vars(est).items() if k not in skipped}
    if "network_" not in state:
        if state:
            fail(where, f"is not fitted, yet holds the attributes {sorted(state)}.")
        return None
    network = state["network_"]
    if type(network) is not Network:
        fail(f"{where}.network_", "must be a Network.")
    n_features, n_outputs = state.get("n_features_in_"), state.get("n_outputs_")
    for name in ("n_features_in_", "n_outputs_", "n_layers_"):
        if not (is_int(state.get(name)) and state[name] > 0):
            fail(f"{where}.{name}", f"must be a positive integer; got {state.get(name)!r}.")
    sizes = (n_features, *hidden, n_outputs)
    if network.layer_sizes != sizes or state["n_layers_"] != len(sizes):
        fail(
            f"{where}.network_",
            f"has the layer sizes {network.layer_sizes}, but n_features_in_, "
            f"hidden_layer_sizes and n_outputs_ give {sizes} (n_layers_={state['n_layers_']}).",
        )
    params = network.params
    _check_float_array(params, (network.n_params,), f"{where}.network_.params", fail)
    _check_network_plugins(network, len(hidden), where, fail)
    for name, kind in _FITTED_PLUGINS.items():
        if name not in state:
            fail(where, f"is fitted but lacks {name}.")
        value = state[name]
        if name == "activation_" and isinstance(value, list):
            for i, item in enumerate(value):
                check_plugin(item, kind, f"{where}.{name}[{i}]", fail)
        else:
            check_plugin(value, kind, f"{where}.{name}", fail)
    for name, value in vars(state["optimizer_"]).items():
        if isinstance(value, np.ndarray):  # moments, velocities: one value per parameter
            _check_float_array(
                value, params.shape, f"{where}.optimizer_.{name}", fail, params.dtype
            )
    check_fitted_state(est, state, where, fail)
    if state.get("_best_params") is not None:
        _check_float_array(state["_best_params"], params.shape, f"{where}._best_params", fail)
    for name, value in state.items():
        if name not in _FITTED_PLUGINS and name not in ("network_", "_label_binarizer"):
            check_plain(value, f"{where}.{name}", fail)
    _check_feature_names(est, n_features, where, fail)
    if "_label_binarizer" in state or hasattr(type(est), "predict_proba"):
        _check_classes(est, state, where, fail)
    return n_features


def _check_no_strings_or_nan(name, value, where, fail):
    """Only the parameters that name a choice hold strings; no parameter holds NaN."""
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_no_strings_or_nan(name, item, f"{where}[{i}]", fail)
    elif isinstance(value, str) and name not in _STRING_PARAMETERS:
        fail(where, f"must not be a string; got {value!r}.")
    elif isinstance(value, float) and not math.isfinite(value) and name not in _INFINITE_OK:
        fail(where, f"must be a finite number; got {value!r}.")


def _check_network_plugins(network, n_hidden, where, fail):
    activations = network.hidden_activations
    if not (isinstance(activations, list) and len(activations) == n_hidden):
        fail(f"{where}.network_", f"must have {n_hidden} hidden activations.")
    for i, activation in enumerate(activations):
        check_plugin(activation, "activation", f"{where}.network_.hidden_activations[{i}]", fail)
    check_plugin(network.output_activation, "activation", f"{where}.network_", fail)


def _check_classes(est, state, where, fail):
    binarizer, classes = state.get("_label_binarizer"), state.get("classes_")
    if type(binarizer) is not LabelBinarizer:
        fail(f"{where}._label_binarizer", "must be a LabelBinarizer.")
    check_sklearn_object(binarizer, f"{where}._label_binarizer", fail)
    params = (binarizer.neg_label, binarizer.pos_label, binarizer.sparse_output)
    if params != (0, 1, False):
        fail(
            f"{where}._label_binarizer",
            f"must have neg_label=0, pos_label=1, sparse_output=False; got {params}.",
        )
    if not (isinstance(classes, np.ndarray) and classes.ndim == 1 and len(classes)):
        fail(f"{where}.classes_", "must be a non-empty 1-D array of labels.")
    if (
        classes.dtype.kind not in "biufUSO"
        or classes.dtype.kind == "f"
        and not (np.isfinite(classes).all())
    ):
        fail(f"{where}.classes_", f"must hold finite labels; got dtype {classes.dtype}.")
    if classes.dtype.hasobject and not all(isinstance(c, (str, int)) for c in classes):
        fail(f"{where}.classes_", "must hold strings or numbers.")
    fitted = getattr(binarizer, "classes_", None)
    if not (
        isinstance(fitted, np.ndarray)
        and fitted.shape == classes.shape
        and fitted.dtype == classes.dtype
        and (fitted == classes).all()
    ):
        fail(f"{where}._label_binarizer", "has other classes than classes_.")
    if len(np.unique(classes)) != len(classes):
        fail(f"{where}.classes_", "holds a label twice.")
    y_type = getattr(binarizer, "y_type_", None)
    if y_type not in _TARGET_TYPES or not isinstance(vars(binarizer).get("sparse_input_"), bool):
        fail(f"{where}._label_binarizer", f"has the target type {y_type!r}.")
    # What LabelBinarizer records: "binary" for one or two classes (one output
    # unit), "multiclass" for three or more; a 2-class "multiclass" would predict
    # classes_[0] only.
    if (y_type == "binary") != (len(classes) <= 2) and y_type != "multilabel-indicator":
        fail(
            f"{where}._label_binarizer",
            f"has the target type {y_type!r} for {len(classes)} classes; LabelBinarizer "
            "records 'binary' for one or two classes and 'multiclass' for more.",
        )
    expected = 1 if y_type == "binary" else len(classes)
    if state["n_outputs_"] != expected:
        fail(
            where,
            f"has {state['n_outputs_']} output units for {len(classes)} {y_type} classes, "
            f"which need {expected}.",
        )
    counts = state.get("_class_counts")
    if counts is not None and not (
        isinstance(counts, np.ndarray)
        and counts.shape == classes.shape
        and counts.dtype.kind in "iuf"
        and np.isfinite(counts).all()
        and (counts >= 0).all()
    ):
        fail(f"{where}._class_counts", "must hold one count per class.")
