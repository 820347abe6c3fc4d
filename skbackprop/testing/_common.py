"""Shared machinery of the conformance checks: failures, numerical gradients, the common checks.

Every check is a function of one plugin instance that returns nothing and
raises ``AssertionError`` whose message starts with the plugin's ``repr`` and
names the failed property and the numbers behind it.
"""

import numbers
import pickle
import warnings

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

__all__ = []

#: Seed of every random draw of the checks: a failure reproduces exactly.
SEED = 0


def describe(plugin):
    """``repr(plugin)``, or a stand-in when that repr itself is broken."""
    try:
        return repr(plugin)
    except Exception as exc:  # the repr check reports this properly
        return f"<{type(plugin).__name__} with a failing repr: {type(exc).__name__}>"


def fail(plugin, message):
    """Raise the ``AssertionError`` of a failed check on ``plugin``."""
    __tracebackhide__ = True  # pytest shows the failing check, not this helper
    raise AssertionError(f"{describe(plugin)}: {message}")


def assert_finite(plugin, array, what):
    """Fail unless every entry of ``array`` is finite."""
    __tracebackhide__ = True  # pytest shows the failing check, not this helper
    array = np.asarray(array)
    if not np.all(np.isfinite(array)):
        bad = np.flatnonzero(~np.isfinite(array))
        fail(plugin, f"{what} has {bad.size} non-finite entries, e.g. {array.ravel()[bad[0]]!r}.")


def assert_dtype(plugin, array, dtype, what):
    """Fail unless ``array`` is an ndarray of ``dtype``."""
    __tracebackhide__ = True  # pytest shows the failing check, not this helper
    if not isinstance(array, np.ndarray):
        fail(plugin, f"{what} must be a numpy array; got {type(array).__name__}.")
    if array.dtype != dtype:
        fail(
            plugin,
            f"{what} is {array.dtype} for {np.dtype(dtype)} inputs: compute in the dtype "
            "of the inputs (e.g. cast Python scalars with Z.dtype.type(value)).",
        )


def assert_shape(plugin, array, shape, what):
    """Fail unless ``array`` has ``shape``."""
    __tracebackhide__ = True  # pytest shows the failing check, not this helper
    if np.shape(array) != tuple(shape):
        fail(plugin, f"{what} has shape {np.shape(array)}, expected {tuple(shape)}.")


def assert_close(plugin, actual, expected, what, *, rtol, atol, at=None):
    """Fail unless ``|actual - expected| <= atol + rtol |expected|`` everywhere.

    The message gives the largest error, where it happened (``at`` is an
    array of the inputs, of the same shape, whose value is quoted) and both
    values there.
    """
    __tracebackhide__ = True
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    error = np.abs(actual - expected)
    excess = error - (atol + rtol * np.abs(expected))
    if np.all(excess <= 0) and np.all(np.isfinite(actual)):
        return
    # A non-finite result counts as the worst error.
    worst = np.argmax(np.where(np.isfinite(excess), excess, np.inf))
    index = np.unravel_index(worst, error.shape)
    where = ""
    if at is not None:
        name, values = at
        where = f" at {name}={np.asarray(values)[index]:.2g}"
    position = f" (index {tuple(int(i) for i in index)})" if error.ndim else ""
    fail(
        plugin,
        f"{what}: max abs error {error[index]:.1e}{where}{position}; got "
        f"{actual[index]:.6g}, expected {expected[index]:.6g}.",
    )


def central_differences(function, X, step=1e-6):
    """Gradient of the scalar ``function(X)`` by central differences, entry by entry.

    Parameters
    ----------
    function : callable
        ``function(X) -> float`` on float64 arrays of the shape of ``X``.
    X : ndarray of float64
        Point of evaluation (not modified).
    step : float, default=1e-6
        Finite-difference step.

    Returns
    -------
    gradient : ndarray of the shape of ``X``
    """
    gradient = np.empty_like(X, dtype=np.float64)
    shifted = X.astype(np.float64)
    for index in np.ndindex(X.shape):
        original = shifted[index]
        shifted[index] = original + step
        forward = function(shifted.copy())
        shifted[index] = original - step
        backward = function(shifted.copy())
        shifted[index] = original
        gradient[index] = (forward - backward) / (2 * step)
    return gradient


def params_equal(left, right):
    """Whether two parameter values are equal (arrays and nested plugins included)."""
    if hasattr(left, "get_params") and not isinstance(left, type):
        return type(left) is type(right) and params_equal(
            left.get_params(deep=False), right.get_params(deep=False)
        )
    if isinstance(left, dict):
        return (
            isinstance(right, dict)
            and left.keys() == right.keys()
            and all(params_equal(left[key], right[key]) for key in left)
        )
    if isinstance(left, np.ndarray) or isinstance(right, np.ndarray):
        return np.array_equal(left, right)
    try:
        return bool(left == right)
    except Exception:
        return left is right


def fingerprint(plugin):
    """Hash of the plugin's whole state, to detect that something mutated it."""
    return joblib.hash(plugin)


def small_classification_problems():
    """Two small, deterministic problems: (name, X, y) for binary and 3-class targets."""
    rng = np.random.RandomState(SEED)
    X = rng.normal(size=(40, 4))
    scores = X[:, :3] + 0.3 * rng.normal(size=(40, 3))
    return [("binary", X, (scores[:, 0] > 0).astype(int)), ("multiclass", X, scores.argmax(1))]


def check_fits_in_classifier(plugin, parameter, **estimator_params):
    """Fit tiny networks with ``plugin`` as ``parameter``: valid predictions, plugin untouched."""
    # Imported here: the estimator depends on the registry, which the checks
    # of this package import too.
    from .._classifier import MLPScratchClassifier

    before = fingerprint(plugin)
    for target_type, X, y in small_classification_problems():
        params = dict(hidden_layer_sizes=(5,), max_iter=5, random_state=SEED)
        params.update(estimator_params)
        params[parameter] = plugin
        estimator = MLPScratchClassifier(**params)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                estimator.fit(X, y)
                proba = estimator.predict_proba(X)
                predicted = estimator.predict(X)
        except Exception as exc:
            fail(
                plugin,
                f"MLPScratchClassifier({parameter}=...) failed to fit {target_type} targets: "
                f"{type(exc).__name__}: {exc}",
            )
        assert_finite(plugin, estimator.loss_curve_, f"the loss curve on {target_type} targets")
        assert_finite(plugin, proba, f"predict_proba on {target_type} targets")
        if not np.isin(predicted, estimator.classes_).all():
            fail(plugin, f"predict returned labels outside classes_ on {target_type} targets.")
        if fingerprint(plugin) != before:
            fail(
                plugin,
                f"fitting MLPScratchClassifier({parameter}=...) modified the plugin object; "
                "keep per-fit state on the copy the estimator makes (sklearn.base.clone).",
            )


def check_parameters(plugin):
    """The constructor stores each argument unchanged; every argument has a default."""
    cls = type(plugin)
    try:
        names = cls._get_param_names()
    except TypeError as exc:
        fail(plugin, str(exc))
    for name in names:
        if not hasattr(plugin, name):
            fail(
                plugin,
                f"__init__ takes {name!r} but does not store it as self.{name}: store every "
                "argument unchanged under its own name (derived values belong in methods).",
            )
    params = plugin.get_params(deep=False)
    if sorted(params) != sorted(names):
        fail(plugin, f"get_params returned {sorted(params)}, expected {sorted(names)}.")
    try:
        default = cls()
    except TypeError as exc:
        fail(
            plugin,
            f"{cls.__name__}() failed ({exc}): give every parameter a default, so the plugin "
            "can be named by a string and built by the registry.",
        )
    rebuilt = cls(**params)
    for name in names:
        # The very object, as sklearn.base.clone demands: no copies, casts or abs().
        if getattr(rebuilt, name) is not params[name]:
            fail(
                plugin,
                f"{cls.__name__}({name}={params[name]!r}) stored {getattr(rebuilt, name)!r}: "
                "__init__ must store each argument unchanged (validate it in the methods).",
            )
    if plugin.set_params(**params) is not plugin:
        fail(plugin, "set_params must return the plugin itself.")
    name = getattr(default, "name", None)
    if name is not None and not (isinstance(name, str) and name):
        fail(plugin, f"the class attribute name must be a non-empty string or None; got {name!r}.")


def check_clone(plugin):
    """``sklearn.base.clone`` gives a new object of the same type and parameters."""
    try:
        copy = clone(plugin)
    except Exception as exc:
        fail(plugin, f"sklearn.base.clone failed: {type(exc).__name__}: {exc}")
    if copy is plugin or type(copy) is not type(plugin):
        fail(plugin, f"clone returned {describe(copy)}, not a new {type(plugin).__name__}.")
    if not params_equal(copy.get_params(deep=False), plugin.get_params(deep=False)):
        fail(plugin, f"clone changed the parameters: {describe(copy)}.")


def check_repr(plugin):
    """``repr`` names the class and its parameters, and is the same for a clone."""
    text = describe(plugin)
    name = type(plugin).__name__
    if not text.startswith(name) or " object at 0x" in text:
        fail(plugin, f"repr should read like a constructor call, {name}(...); got {text!r}.")
    if repr(clone(plugin)) != text:
        fail(plugin, f"repr of a clone differs: {repr(clone(plugin))!r}.")


def pickle_round_trip(plugin):
    """The plugin after ``pickle.dumps``/``pickle.loads``, failing the check on error."""
    try:
        restored = pickle.loads(pickle.dumps(plugin))
    except Exception as exc:
        fail(
            plugin,
            f"pickling failed: {type(exc).__name__}: {exc}. Plugins must be picklable "
            "(no lambdas, closures or open files in attributes) so fitted models can be saved.",
        )
    if type(restored) is not type(plugin) or not params_equal(
        restored.get_params(deep=False), plugin.get_params(deep=False)
    ):
        fail(plugin, f"the unpickled plugin differs: {describe(restored)}.")
    return restored


def float_parameters(plugin):
    """Names of the plugin's parameters whose value is a float (not an int or a bool)."""
    return [
        name
        for name, value in plugin.get_params(deep=False).items()
        if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral)
    ]


def check_non_finite_parameters(plugin):
    """Every float parameter set to NaN, inf or -inf is refused by name before training.

    Resolution in an estimator (:func:`skbackprop.registry.resolve`, which
    calls the plugin's ``check_params``) must raise ``ValueError`` or
    ``TypeError`` whose message names the parameter: NaN passes every
    comparison, so a plugin that only checks ranges trains nothing and says
    nothing.
    """
    from .. import registry  # the registry imports the plugin modules, not this package

    kind = next(kind for kind, (base, _) in registry.KINDS.items() if isinstance(plugin, base))
    for name in float_parameters(plugin):
        for value in (float("nan"), float("inf"), float("-inf")):
            bad = clone(plugin).set_params(**{name: value})
            try:
                registry.resolve(kind, bad, kind)
            except (TypeError, ValueError) as exc:
                if name not in str(exc):
                    fail(
                        plugin,
                        f"{name}={value} was refused, but the message does not name {name!r}: "
                        f"{exc}",
                    )
                continue
            fail(
                plugin,
                f"{name}={value} was accepted: refuse non-finite values in check_params "
                "(the Plugin base does so for every real parameter unless check_params is "
                "overridden without calling super().check_params()).",
            )


COMMON_CHECKS = [check_parameters, check_clone, check_repr, check_non_finite_parameters]
