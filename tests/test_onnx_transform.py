"""ONNX export of transform: onnxruntime gives the hidden features where scikit-learn uses them."""

import warnings

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

skl2onnx = pytest.importorskip("skl2onnx", reason="the onnx extra is not installed")
onnxruntime = pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")

import skbackprop.onnx  # noqa: E402
from skbackprop import MLPScratchClassifier, MLPScratchRegressor  # noqa: E402

# What the issue asks: float32 to 1e-6, float64 to 1e-12 (absolute).
TOLERANCE = {np.float32: 1e-6, np.float64: 1e-12}
DTYPES = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
MLPS = {"classifier": MLPScratchClassifier, "regressor": MLPScratchRegressor}
KINDS = pytest.mark.parametrize("kind", MLPS)


@pytest.fixture(scope="module", autouse=True)
def registered():
    skbackprop.onnx.register()


def _run(model, X, **options):
    onx = skl2onnx.to_onnx(model, X[:1], **options)
    session = onnxruntime.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


def _data(dtype, n_samples=80, n_features=5):
    """Features in a wide range, a binary target and a real one."""
    rng = np.random.RandomState(0)
    X = rng.normal(scale=2.0, size=(n_samples, n_features)).astype(dtype)
    score = X @ rng.normal(size=n_features)
    return X, (score > 0).astype(int), score


def _mlp(kind, **params):
    params = {"hidden_layer_sizes": (6, 4), "max_iter": 30, "random_state": 0, **params}
    return MLPS[kind](**params)


def _target(kind, y_class, y_real):
    return y_class if kind == "classifier" else y_real


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def _max_diff(got, expected, dtype):
    assert got.dtype == dtype and got.shape == expected.shape
    return np.abs(got - expected).max()


@DTYPES
@KINDS
def test_mlp_in_the_middle_of_a_pipeline_is_exported_as_its_transform(kind, dtype):
    X, y_class, y_real = _data(dtype)
    if kind == "classifier":
        pipe = make_pipeline(StandardScaler(), _mlp(kind), LogisticRegression())
        pipe = _fit(pipe, X, y_class)
        labels, proba = _run(pipe, X, options={"zipmap": False})
        assert _max_diff(proba, pipe.predict_proba(X), dtype) <= TOLERANCE[dtype]
        np.testing.assert_array_equal(labels, pipe.predict(X))
    else:
        pipe = _fit(make_pipeline(StandardScaler(), _mlp(kind), Ridge()), X, y_real)
        (prediction,) = _run(pipe, X)
        expected = pipe.predict(X).reshape(-1, 1)
        assert _max_diff(prediction, expected, dtype) <= TOLERANCE[dtype] * np.abs(expected).max()


@DTYPES
@KINDS
def test_mlp_in_a_feature_union_alone_and_at_the_end_of_a_pipeline(kind, dtype):
    X, y_class, y_real = _data(dtype)
    union = FeatureUnion(
        [
            ("mlp", _mlp(kind, transform_layer=0)),
            ("scaled_mlp", make_pipeline(StandardScaler(), _mlp(kind))),
            ("scaler", StandardScaler()),
        ]
    )
    union = _fit(union, X, _target(kind, y_class, y_real))
    (features,) = _run(union, X)
    expected = union.transform(X)
    assert expected.shape == (len(X), 6 + 4 + X.shape[1])
    assert _max_diff(features, expected, dtype) <= TOLERANCE[dtype]


@DTYPES
@KINDS
def test_mlp_in_a_column_transformer_inside_a_pipeline(kind, dtype):
    X, y_class, y_real = _data(dtype)
    columns = ColumnTransformer([("mlp", _mlp(kind), [0, 1, 2]), ("rest", "passthrough", [3, 4])])
    y = _target(kind, y_class, y_real)
    columns = _fit(columns, X, y)
    (features,) = _run(columns, X)
    assert _max_diff(features, columns.transform(X), dtype) <= TOLERANCE[dtype]

    pipe = _fit(make_pipeline(columns, LogisticRegression()), X, y_class)
    labels, proba = _run(pipe, X, options={"zipmap": False})
    assert _max_diff(proba, pipe.predict_proba(X), dtype) <= TOLERANCE[dtype]
    np.testing.assert_array_equal(labels, pipe.predict(X))


@DTYPES
@KINDS
@pytest.mark.parametrize("transform_layer", [0, 1, -1, -3])
def test_transform_layer_per_layer_activations_and_dropout(kind, dtype, transform_layer):
    # An earlier hidden layer, one activation per hidden layer (one of them
    # composed in float64, where onnxruntime lacks Elu), and dropout, which
    # transform does not apply.
    X, y_class, y_real = _data(dtype)
    mlp = _mlp(
        kind,
        hidden_layer_sizes=(7, 5, 3),
        activation=("gelu", "elu", "tanh"),
        dropout=0.2,
        transform_layer=transform_layer,
    )
    mlp = _fit(mlp, X, _target(kind, y_class, y_real))
    (features,) = _run(mlp, X, options={id(mlp): {"transform": True}})
    expected = mlp.transform(X)
    assert features.shape[1] == mlp.hidden_layer_sizes[transform_layer]
    assert _max_diff(features, expected, dtype) <= TOLERANCE[dtype]


@KINDS
@pytest.mark.parametrize(
    "options",
    [
        lambda mlp: {"transform": True},
        lambda mlp: {id(mlp): {"transform": True}},
        lambda mlp: {type(mlp): {"transform": True}},
    ],
    ids=["by-name", "by-id", "by-class"],
)
def test_option_transform_exports_a_lone_estimator_as_its_transform(kind, options):
    X, y_class, y_real = _data(np.float32)
    mlp = _fit(_mlp(kind), X, _target(kind, y_class, y_real))
    outputs = _run(mlp, X, options=options(mlp))
    assert len(outputs) == 1
    assert _max_diff(outputs[0], mlp.transform(X), np.float32) <= TOLERANCE[np.float32]


def test_option_transform_on_the_last_step_gives_the_pipeline_transform():
    X, y_class, _ = _data(np.float64)
    pipe = _fit(make_pipeline(StandardScaler(), _mlp("classifier")), X, y_class)
    (features,) = _run(pipe, X, options={"mlpscratchclassifier__transform": True})
    assert _max_diff(features, pipe.transform(X), np.float64) <= TOLERANCE[np.float64]


def test_without_the_option_the_last_step_still_predicts():
    X, y_class, _ = _data(np.float32)
    pipe = _fit(make_pipeline(StandardScaler(), _mlp("classifier")), X, y_class)
    labels, proba = _run(pipe, X, options={"zipmap": False})
    np.testing.assert_array_equal(labels, pipe.predict(X))
    assert _max_diff(proba, pipe.predict_proba(X), np.float32) <= TOLERANCE[np.float32]


def test_grid_search_of_an_mlp_as_a_middle_step():
    X, y_class, _ = _data(np.float64)
    search = GridSearchCV(_mlp("classifier"), {"hidden_layer_sizes": [(3,), (4,)]}, cv=2)
    pipe = _fit(make_pipeline(search, LogisticRegression()), X, y_class)
    onx = skl2onnx.to_onnx(pipe, X[:1], options={"zipmap": False})
    session = onnxruntime.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    # skl2onnx's GridSearchCV parser also makes the search's own output a graph output.
    outputs = dict(zip([out.name for out in session.get_outputs()], session.run(None, {"X": X})))
    assert _max_diff(outputs["variable"], search.transform(X), np.float64) <= 1e-12
    assert _max_diff(outputs["probabilities"], pipe.predict_proba(X), np.float64) <= 1e-12
    np.testing.assert_array_equal(outputs["label"], pipe.predict(X))


@KINDS
def test_option_transform_false_on_a_transformer_step_is_refused(kind):
    X, y_class, _ = _data(np.float32)
    mlp = _mlp(kind)
    pipe = _fit(make_pipeline(mlp, LogisticRegression()), X, y_class)
    with pytest.raises(ValueError, match="Pipeline calls transform on .*remove the option"):
        skl2onnx.to_onnx(pipe, X[:1], options={id(mlp): {"transform": False}})


def test_the_options_passed_to_to_onnx_are_left_unchanged():
    X, y_class, _ = _data(np.float32)
    mlp = _mlp("classifier")
    pipe = _fit(make_pipeline(mlp, LogisticRegression()), X, y_class)
    options = {id(mlp): {"zipmap": False}, id(pipe[-1]): {"zipmap": False}}
    _run(pipe, X, options=options)
    assert options == {id(mlp): {"zipmap": False}, id(pipe[-1]): {"zipmap": False}}
    labels, proba = _run(mlp, X, options=options)  # predicts, as without the pipeline
    np.testing.assert_array_equal(labels, mlp.predict(X))


def test_multiclass_classifier_with_string_labels_as_a_middle_step():
    # transform ignores the output layer and the classes, whatever they are.
    X, _, y_real = _data(np.float64)
    y = np.array(["low", "middle", "high"])[
        np.digitize(y_real, np.quantile(y_real, [1 / 3, 2 / 3]))
    ]
    pipe = _fit(make_pipeline(_mlp("classifier"), LogisticRegression()), X, y)
    labels, proba = _run(pipe, X, options={"zipmap": False})
    assert _max_diff(proba, pipe.predict_proba(X), np.float64) <= TOLERANCE[np.float64]
    assert list(labels) == list(pipe.predict(X))


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(transform_layer=2), "does not name one of the 2 hidden layers"),
        (dict(hidden_layer_sizes=()), "has none"),
    ],
    ids=["layer-out-of-range", "no-hidden-layer"],
)
def test_a_transform_that_cannot_run_cannot_be_exported(params, match):
    X, _, y_real = _data(np.float32)
    if "transform_layer" in params:  # refused at fit: set after fitting
        mlp = _fit(_mlp("regressor"), X, y_real).set_params(**params)
    else:
        mlp = _fit(_mlp("regressor", **params), X, y_real)
    with pytest.raises(ValueError, match=match):
        mlp.transform(X)
    with pytest.raises(ValueError, match=match):
        skl2onnx.to_onnx(mlp, X[:1], options={"transform": True})


def test_register_twice_wraps_the_container_parsers_once():
    from skbackprop._onnx_transform import _default_parser

    skbackprop.onnx.register()
    skbackprop.onnx.register()
    for container in (Pipeline, FeatureUnion, ColumnTransformer):
        wrapped = _default_parser(container).wraps_skl2onnx_parser
        assert not hasattr(wrapped, "wraps_skl2onnx_parser")
