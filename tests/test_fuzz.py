"""Property-based tests: whatever data and parameters come in, fail clearly or succeed.

Hypothesis generates feature matrices (0 and 1 rows or columns, NaN, inf,
huge and tiny values, object, string, bool and complex dtypes, lists, sparse
matrices, data frames, 1-D and 3-D arrays), targets (mismatched lengths,
continuous and mixed labels, one class, multilabel and multioutput matrices),
sample weights and parameters (valid and out of range). Every call must
either succeed or raise ``ValueError`` or ``TypeError`` (``NotFittedError`` is
a ``ValueError``) with a message; any other exception fails the test, and so
does a slow example (the deadline). A call that fails must leave a fitted
model predicting exactly as before.

Under ``CI`` the examples are derandomised, so that a run is reproducible.
"""

import os
import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("hypothesis", reason="hypothesis (in the test extra) is not installed")
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scipy import sparse

from skbackprop import MLPScratchClassifier, registry

settings.register_profile(
    "skbackprop-fuzz",
    max_examples=int(os.environ.get("SKBACKPROP_FUZZ_EXAMPLES", "150")),
    deadline=5000,  # milliseconds: generous on a loaded machine, yet catches a hang
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
fuzz_settings = settings.get_profile("skbackprop-fuzz")
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

CLEAR_ERRORS = (ValueError, TypeError)

# ------------------------------------------------------------------ strategies

EXTREMES = [0.0, -0.0, 1e-300, -1e-300, 5e-324, 1e300, -1e300, 1e10, -1e10, 1.0, -1.0]
FINITE = st.floats(-1e3, 1e3, allow_nan=False, width=32)


def element_strategy(kind):
    return {
        "float": FINITE,
        "extreme": st.sampled_from(EXTREMES) | FINITE,
        "overflowing": st.sampled_from([1e308, -1e308, 1e300, -1e300, 0.0]),
        "nonfinite": st.floats(allow_nan=True, allow_infinity=True),
        "int": st.integers(-5, 5),
        "bool": st.booleans(),
        "string": st.sampled_from(["1.5", "a", "", "nan", "-2"]),
        "object-numbers": st.one_of(st.integers(-3, 3), FINITE),
        "complex": st.complex_numbers(max_magnitude=10, allow_nan=False),
    }[kind]


DTYPE_OF_KIND = {
    "float": np.float64,
    "extreme": np.float64,
    "overflowing": np.float64,
    "nonfinite": np.float64,
    "int": np.int64,
    "bool": bool,
    "string": str,
    "object-numbers": object,
    "complex": np.complex128,
}


@st.composite
def feature_matrices(draw, n_samples=None, n_features=None, kinds=None, containers=None):
    """Arrays, lists, sparse matrices and data frames of any content."""
    n = draw(st.integers(0, 10)) if n_samples is None else n_samples
    d = draw(st.integers(0, 4)) if n_features is None else n_features
    kind = draw(st.sampled_from(kinds or ["float"] * 8 + ["extreme"] * 2 + list(DTYPE_OF_KIND)))
    values = draw(st.lists(element_strategy(kind), min_size=n * d, max_size=n * d))
    X = np.array(values, dtype=DTYPE_OF_KIND[kind]).reshape(n, d)
    if kind == "float" and draw(st.booleans()):
        X = X.astype(np.float32)
    container = draw(
        st.sampled_from(
            containers
            or [
                *["ndarray"] * 6,
                "list",
                "csr",
                "csc",
                "coo",
                "frame",
                "1d",
                "3d",
            ]
        )
    )
    if container == "list":
        return X.tolist()
    if container in ("csr", "csc", "coo") and X.dtype.kind in "biuf":
        return getattr(sparse, f"{container}_matrix")(X)
    if container == "frame":
        return pd.DataFrame(X, columns=[f"f{i}" for i in range(d)])
    if container == "1d":
        return X.ravel()
    if container == "3d":
        return X.reshape(n, d, 1)
    return X


@st.composite
def targets(draw, n_samples):
    """Labels of every sort, sometimes of the wrong length."""
    n = draw(st.sampled_from([n_samples] * 4 + [n_samples + 1, max(n_samples - 1, 0)]))
    kind = draw(
        st.sampled_from(
            [
                *["int"] * 8,
                "string",
                "string",
                "float-labels",
                "continuous",
                "nan",
                "mixed",
                "bool",
                "one-class",
                "multilabel",
                "multioutput",
                "column",
            ]
        )
    )
    classes = draw(st.integers(2, 4))
    labels = draw(st.lists(st.integers(0, classes - 1), min_size=n, max_size=n))
    y = np.array(labels, dtype=int)
    if kind == "string":
        return np.array(["cat", "dog", "emu", "gnu"])[y]
    if kind == "float-labels":
        return y.astype(float) / 2
    if kind == "continuous":
        return np.array(draw(st.lists(FINITE, min_size=n, max_size=n)))
    if kind == "nan":
        return np.where(y == 0, np.nan, y)
    if kind == "mixed":
        return np.array([1 if label == 0 else "a" for label in labels], dtype=object)
    if kind == "bool":
        return y.astype(bool)
    if kind == "one-class":
        return np.zeros(n, dtype=int)
    if kind == "multilabel":
        return np.array(
            draw(st.lists(st.integers(0, 1), min_size=3 * n, max_size=3 * n)), dtype=int
        ).reshape(n, 3)
    if kind == "multioutput":
        return np.stack([y, y[::-1]], axis=1)
    if kind == "column":
        return y.reshape(-1, 1)
    return y


def sample_weights(n_samples):
    return st.one_of(
        st.none(),
        st.none(),
        st.none(),
        st.floats(-1, 2, allow_nan=False),
        st.lists(st.floats(0, 3, allow_nan=False), min_size=n_samples, max_size=n_samples),
        st.lists(st.floats(allow_nan=True), min_size=n_samples, max_size=n_samples),
        st.lists(st.floats(0, 1), min_size=n_samples + 1, max_size=n_samples + 1),
    )


#: In-range parameters whose combinations train normally on data of moderate scale.
TAME_PARAMETERS = {
    "hidden_layer_sizes": st.sampled_from([(), (1,), (3,), (2, 2)]),
    "activation": st.sampled_from(registry.available("activation")),
    "solver": st.sampled_from(registry.available("optimizer")),
    "loss": st.sampled_from(registry.available("loss")),
    "output_activation": st.sampled_from(["auto", *registry.available("activation")]),
    "weight_init": st.sampled_from(registry.available("initializer")),
    "learning_rate": st.sampled_from(registry.available("schedule")),
    "batch_size": st.sampled_from(["auto", 1, 4, 1000]),
    "max_iter": st.integers(1, 3),
    "max_fun": st.integers(1, 20),
    "early_stopping": st.booleans(),
    "validation_fraction": st.floats(0.05, 0.95),
    "alpha": st.sampled_from([0.0, 1e-4, 1.0]),
    "learning_rate_init": st.sampled_from([1e-6, 1e-3, 0.1]),
    "warm_start": st.booleans(),
    "shuffle": st.booleans(),
    "tol": st.sampled_from([0.0, 1e-4, 1e3]),
    "n_iter_no_change": st.sampled_from([1, 10, np.inf]),
    "momentum": st.sampled_from([0.0, 0.5, 0.9]),
    "nesterovs_momentum": st.booleans(),
    "beta_1": st.sampled_from([0.0, 0.9]),
    "beta_2": st.sampled_from([0.5, 0.999]),
    "epsilon": st.sampled_from([1e-8, 1.0]),
    "power_t": st.sampled_from([0.0, 0.5, 10.0]),
    "random_state": st.one_of(st.none(), st.integers(0, 2**32 - 1)),
}

#: In-range but extreme values: training may diverge, which must be reported clearly.
EXTREME_PARAMETERS = {
    **TAME_PARAMETERS,
    "alpha": st.sampled_from([0.0, 1e-4, 1e6, 1e300]),
    "learning_rate_init": st.sampled_from([1e-300, 1e-3, 1e3, 1e300]),
    "momentum": st.sampled_from([0.0, 1.0]),
    "beta_1": st.sampled_from([0.0, 0.999999]),
    "beta_2": st.sampled_from([0.0, 0.999999]),
    "epsilon": st.sampled_from([1e-300, 1e-8, 1e300]),
    "power_t": st.sampled_from([0.0, 1e3]),
    "n_iter_no_change": st.sampled_from([1, np.inf]),
}

INVALID_PARAMETERS = {
    "hidden_layer_sizes": [0, -1, (0,), (2, -3), (1.5,), "10", None, (True,)],
    "activation": ["nope", 3, None, "Relu"],
    "solver": ["bogus", 1, None],
    "loss": ["hinge", 0],
    "output_activation": ["sofmax", 1.0],
    "weight_init": ["zeros", None],
    "learning_rate": ["optimal", 0.1],
    "batch_size": [0, -5, 2.5, "all", None],
    "max_iter": [0, -1, 1.5, "10", None],
    "max_fun": [0, -1, 2.5],
    "alpha": [-1.0, "a", None],
    "learning_rate_init": [0.0, -1.0, "fast"],
    "tol": [-1.0, "x"],
    "momentum": [-0.1, 1.5],
    "validation_fraction": [1.0, 2.0, -0.5],
    "beta_1": [1.0, -0.1],
    "beta_2": [1.0, 2.0],
    "epsilon": [0.0, -1e-8],
    "n_iter_no_change": [0, -1, 1.5],
    "power_t": [-1.0],
    "shuffle": ["yes", 2],
    "warm_start": ["no"],
    "early_stopping": [None],
    "nesterovs_momentum": ["x"],
    "verbose": ["loud"],
    "random_state": [-1, "seed", 1.5],
}


def parameters(strategies=EXTREME_PARAMETERS):
    return st.fixed_dictionaries({}, optional=strategies)


def is_divergence(error):
    """Whether ``error`` reports training that blew up (extreme but valid settings)."""
    return isinstance(error, ValueError) and any(
        word in str(error).lower() for word in ("non-finite", "diverge")
    )


def n_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def call(method, *args, **kwargs):
    """``method(*args, **kwargs)``: its result, or the clear error it raised.

    Any exception other than ``ValueError``/``TypeError`` propagates and fails
    the test. Warnings (convergence, data conversion, overflow) are allowed.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return method(*args, **kwargs), None
        except CLEAR_ERRORS as error:
            assert len(str(error)) > 10, f"{type(error).__name__} with no real message: {error!r}"
            return None, error


def assert_sane_predictions(model, X):
    """A fitted model predicts labels from classes_ and finite probabilities for X."""
    proba, error = call(model.predict_proba, X)
    if error is not None:
        return
    assert proba.shape[0] == n_rows(X)
    assert not np.isnan(proba).any(), "predict_proba returned NaN"
    labels, error = call(model.predict, X)
    assert error is None, f"predict_proba worked but predict raised {error!r}"
    if model._label_binarizer.y_type_ != "multilabel-indicator":
        assert np.isin(labels, model.classes_).all()


# ---------------------------------------------------------------------- tests


@fuzz_settings
@given(data=st.data(), params=parameters())
def test_fit_on_any_data_and_parameters_succeeds_or_fails_clearly(data, params):
    X = data.draw(feature_matrices(), label="X")
    n_samples = n_rows(X)
    y = data.draw(targets(n_samples), label="y")
    sample_weight = data.draw(sample_weights(n_samples), label="sample_weight")
    model = MLPScratchClassifier(**params)
    fitted, error = call(model.fit, X, y, sample_weight=sample_weight)
    event(f"fit {'succeeded' if error is None else 'raised ' + type(error).__name__}")
    if error is None:
        assert_sane_predictions(fitted, X)
    else:
        assert not hasattr(model, "network_"), "a failed first fit left a half-fitted model"


@fuzz_settings
@given(data=st.data(), params=parameters(TAME_PARAMETERS))
def test_valid_data_with_valid_parameters_fits(data, params):
    n_samples = data.draw(st.integers(20, 40), label="n_samples")
    X = data.draw(
        feature_matrices(
            n_samples,
            n_features=3,
            kinds=["float", "int", "bool"],
            containers=["ndarray", "csr", "frame"],
        ),
        label="X",
    )
    y = np.arange(n_samples) % data.draw(st.integers(2, 3), label="n_classes")
    fitted, error = call(MLPScratchClassifier(**params).fit, X, y)
    if error is not None:
        # Legitimate refusals: a validation split too small for early stopping,
        # a divergence (unscaled features up to 1e3 with a large step), or a
        # softmax output on a binary target (one unit, always 1).
        binary_softmax = params.get("output_activation") == "softmax" and len(set(y)) == 2
        assert (
            is_divergence(error)
            or (params.get("early_stopping") and "validation" in str(error).lower())
            or binary_softmax
        ), error
        return
    assert_sane_predictions(fitted, X)


@fuzz_settings
@given(
    name=st.sampled_from(sorted(INVALID_PARAMETERS)),
    data=st.data(),
    others=parameters(),
)
def test_out_of_range_parameter_is_rejected_naming_it(name, data, others):
    value = data.draw(st.sampled_from(INVALID_PARAMETERS[name]), label="value")
    X = np.random.RandomState(0).normal(size=(30, 3))
    y = np.arange(30) % 3
    model = MLPScratchClassifier(**{**others, name: value})
    _, error = call(model.fit, X, y)
    assert error is not None, f"{name}={value!r} was accepted"
    assert name in str(error), f"the error does not name {name!r}: {error}"


@fuzz_settings
@given(data=st.data(), params=parameters())
def test_first_partial_fit_with_any_classes_succeeds_or_fails_clearly(data, params):
    params["solver"] = data.draw(st.sampled_from(["adam", "sgd"]), label="solver")
    X = data.draw(feature_matrices(kinds=["float"], containers=["ndarray"]), label="X")
    y = data.draw(targets(n_rows(X)), label="y")
    classes = data.draw(
        st.one_of(
            st.none(),
            st.lists(st.integers(0, 4), max_size=5),
            st.lists(st.sampled_from(["cat", "dog", "emu"]), max_size=3),
            st.just([[0, 1], [1, 0]]),
        ),
        label="classes",
    )
    model = MLPScratchClassifier(**params)
    fitted, error = call(model.partial_fit, X, y, classes=classes)
    if error is None:
        assert_sane_predictions(fitted, X)
        assert set(np.unique(y).tolist()) <= set(fitted.classes_.tolist()) or y.ndim == 2
    else:
        assert not hasattr(model, "classes_"), "a failed first partial_fit set classes_"


@pytest.fixture(scope="module")
def fitted_models():
    """One fitted model per solver kind, and the predictions they must keep."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    y = np.arange(40) % 3
    models = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for solver in ("adam", "sgd", "lbfgs"):
            model = MLPScratchClassifier(
                hidden_layer_sizes=(4,), solver=solver, max_iter=5, random_state=0
            ).fit(X, y)
            models[solver] = model
        # Deep and linear: huge inputs overflow to +-inf inside, and inf - inf is NaN.
        models["deep-linear"] = MLPScratchClassifier(
            hidden_layer_sizes=(16, 16), activation="identity", max_iter=5, random_state=0
        ).fit(X, y)
    return X, models


@fuzz_settings
@given(data=st.data(), params=parameters(), solver=st.sampled_from(["adam", "sgd", "lbfgs"]))
def test_failed_refit_leaves_a_fitted_model_predicting_exactly_as_before(
    fitted_models, data, params, solver
):
    X_train, models = fitted_models
    model = models[solver]
    expected = model.predict_proba(X_train)
    method = data.draw(st.sampled_from(["fit", "partial_fit"]), label="method")
    params.pop("solver", None)  # keep partial_fit available
    original_params = model.get_params()
    model.set_params(**params)
    try:
        X = data.draw(feature_matrices(), label="X")
        n_samples = n_rows(X)
        y = data.draw(targets(n_samples), label="y")
        kwargs = {}
        if method == "partial_fit" and hasattr(model, "partial_fit"):
            kwargs["classes"] = data.draw(
                st.sampled_from([None, [0, 1, 2], [0, 1], ["a", "b"], [0, 1, 2, 3]]),
                label="classes",
            )
        _, error = call(getattr(model, method if hasattr(model, method) else "fit"), X, y, **kwargs)
        if error is not None:
            np.testing.assert_array_equal(model.predict_proba(X_train), expected)
    finally:
        # Put the shared model back as the fixture made it, whatever happened.
        model.set_params(**original_params)
        if not np.array_equal(call(model.predict_proba, X_train)[0], expected):
            models[solver] = MLPScratchClassifier(**original_params).fit(X_train, np.arange(40) % 3)
            np.testing.assert_array_equal(models[solver].predict_proba(X_train), expected)


@settings(fuzz_settings, max_examples=8 * fuzz_settings.max_examples)  # cheap: no fit
@given(data=st.data())
def test_predict_on_any_input_succeeds_or_fails_clearly(fitted_models, data):
    _, models = fitted_models
    model = models[data.draw(st.sampled_from(sorted(models)), label="solver")]
    n_features = data.draw(st.sampled_from([model.n_features_in_] * 3 + [None]), label="d")
    kinds = list(DTYPE_OF_KIND) + ["overflowing"] * 4
    X = data.draw(feature_matrices(n_features=n_features, kinds=kinds), label="X")
    for method in (model.predict, model.predict_proba, model.predict_log_proba):
        result, error = call(method, X)
        if error is None:
            assert not np.issubdtype(result.dtype, np.floating) or not np.isnan(result).any()


@fuzz_settings
@given(data=st.data())
def test_unfitted_model_refuses_to_predict_with_not_fitted_error(data):
    from sklearn.exceptions import NotFittedError

    X = data.draw(feature_matrices(), label="X")
    for method in ("predict", "predict_proba", "predict_log_proba"):
        with pytest.raises(NotFittedError, match="not fitted"):
            getattr(MLPScratchClassifier(), method)(X)
