"""Loaded models are whole or refused; no parameter may make scikit-learn open or unpickle.

Mirrors ``skbackprop/_model_checks.py`` and ``skbackprop/_safe_params.py``: each
class of inconsistency a file can carry (top level, pipeline, scaler, network
shapes, plugins, classes and binarizer, parameters) is crafted into a saved
pipeline and must be refused by ``load`` with :class:`ModelFileError`; the same
mistakes in a model in memory are refused by ``save``.
"""

import io
import json

import joblib
import numpy as np
import pytest
from _model_files import measured, members, nothing_runs, write_archive
from sklearn.base import clone
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler

from skbackprop import MLPScratchClassifier, MLPScratchRegressor, load, save
from skbackprop._plain_data import SAFE_SKLEARN_CLASSES
from skbackprop._rollback import CALLBACK_ATTRIBUTES
from skbackprop._safe_archive import array_references
from skbackprop._safe_params import SKLEARN_PARAMETERS
from skbackprop.exceptions import ModelFileError

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(0)
X = RNG.normal(size=(30, 4))
Y = RNG.randint(0, 3, size=30)


def tiny(**params):
    return MLPScratchClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0, **params)


@pytest.fixture(scope="module")
def pipeline():
    return make_pipeline(StandardScaler(), tiny()).fit(X, Y)


@pytest.fixture
def saved(pipeline, tmp_path):
    path = tmp_path / "model.skbp"
    save(pipeline, path)
    return path


def rewrite(path, change):
    """Apply ``change(model, arrays)`` to a file's metadata["model"] and its arrays by ref.

    ``change`` may return a new top-level model record.
    """
    contents = members(path)
    metadata = json.loads(contents.pop("metadata.json"))
    arrays = {name[:-4]: np.load(io.BytesIO(data)) for name, data in contents.items()}
    replaced = change(metadata["model"], arrays)
    if replaced is not None:
        metadata["model"] = replaced
    renumber(metadata["model"], {}, [0])
    contents = {"metadata.json": json.dumps(metadata).encode()}
    referenced = {name[:-4] for name in array_references(metadata, path)}
    for ref, array in arrays.items():
        if ref not in referenced:
            continue  # left behind by the change: a stray member is another test's case
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, array, allow_pickle=False)
        contents[f"{ref}.npy"] = buffer.getvalue()
    write_archive(path, contents)


def renumber(value, new_index, counter):
    """Index objects again in the order load reads them, after a change removed some."""
    if isinstance(value, list):
        for item in value:
            renumber(item, new_index, counter)
    elif isinstance(value, dict):
        if value.get("type") == "shared":
            value["index"] = new_index.get(value["index"], value["index"])
            return
        for key, item in value.items():
            if key != "index":
                renumber(item, new_index, counter)
        if value.get("type") in ("plugin", "network", "estimator", "sklearn"):
            new_index[value["index"]] = counter[0]
            value["index"] = counter[0]
            counter[0] += 1


def steps(model):
    return model["params"]["steps"]


def scaler(model):
    return steps(model)[0]["items"][1]


def estimator(model):
    return steps(model)[1]["items"][1]


def state(model):
    return estimator(model)["state"]


def ref(record):
    return record["ref"]


def set_array(where, key, make):
    """A change replacing the array at ``where(model)[key]`` by ``make(old)``."""

    def change(model, arrays):
        name = ref(where(model)[key])
        arrays[name] = make(arrays[name])

    return change


def set_value(where, key, value):
    return lambda model, arrays: where(model).__setitem__(key, value)


NAN = {"type": "float", "value": "nan"}
INCONSISTENT = {
    # the top level
    "top-is-a-string": lambda model, arrays: "a string",
    "top-is-none": lambda model, arrays: {"type": "tuple", "items": []},
    "top-is-a-bare-scaler": lambda model, arrays: {**scaler(model), "index": 0},
    **{
        f"callback{name}-{kind}": set_value(state, name, value)
        for name in sorted(CALLBACK_ATTRIBUTES)
        for kind, value in {"string": "abc", "none": None, "list": []}.items()
    },
    # fitted state that a warm fit or partial_fit resumes from
    "loss-curve-string": set_value(state, "loss_curve_", "abc"),
    "loss-curve-of-strings": set_value(state, "loss_curve_", ["a"]),
    "n-iter-string": set_value(state, "n_iter_", "3"),
    "t-negative": set_value(state, "t_", -1),
    "best-loss-nan": set_value(state, "best_loss_", NAN),
    "adam-t-string": set_value(lambda m: state(m)["optimizer_"]["state"], "t_", "x"),
    "adam-moment-string": set_value(
        lambda m: state(m)["optimizer_"]["state"], "first_moment_", "x"
    ),
    "schedule-rate-negative": set_value(
        lambda m: state(m)["learning_rate_schedule_"]["state"], "learning_rate_", -1e300
    ),
    "schedule-rate-infinite": set_value(
        lambda m: state(m)["learning_rate_schedule_"]["state"],
        "learning_rate_init_",
        {"type": "float", "value": "inf"},
    ),
    "transform-layer-out-of-range": set_value(
        lambda m: estimator(m)["params"], "transform_layer", 5
    ),
    # the pipeline
    "pipeline-memory-path": set_value(lambda m: m["params"], "memory", "/tmp/shared-cache"),
    "pipeline-memory-dict": set_value(
        lambda m: m["params"], "memory", {"type": "dict", "items": {"location": "/tmp"}}
    ),
    "pipeline-transform-input": set_value(lambda m: m["params"], "transform_input", 5),
    "pipeline-verbose-path": set_value(lambda m: m["params"], "verbose", "/dev/stdout"),
    "pipeline-without-estimator": lambda model, arrays: steps(model).pop(),
    "pipeline-repeated-names": set_value(lambda m: steps(m)[1]["items"], 0, "standardscaler"),
    "pipeline-unknown-state": set_value(lambda m: m["state"], "named_steps_", 1),
    # the scaler
    "scaler-unknown-parameter": set_value(lambda m: scaler(m)["params"], "with_mean", "/tmp/x"),
    "scaler-unknown-attribute": set_value(lambda m: scaler(m)["state"], "cache_dir_", "/tmp"),
    "scaler-output-config": set_value(
        lambda m: scaler(m)["state"],
        "_sklearn_output_config",
        {"type": "dict", "items": {"transform": "os.system"}},
    ),
    **{
        f"{part}-output-{container}": set_value(
            lambda m, part=part: (scaler if part == "scaler" else estimator)(m)["state"],
            "_sklearn_output_config",
            {"type": "dict", "items": {"transform": container}},
        )
        for part in ("scaler", "estimator")
        for container in ("pandas", "polars")
    },
    "scaler-n-features": set_value(lambda m: scaler(m)["state"], "n_features_in_", 5),
    "scaler-mean-length": set_array(lambda m: scaler(m)["state"], "mean_", lambda a: a[:-1]),
    "scaler-scale-zero": set_array(lambda m: scaler(m)["state"], "scale_", np.zeros_like),
    "scaler-int-mean": set_array(lambda m: scaler(m)["state"], "mean_", lambda a: a.astype(int)),
    "scaler-nan-var": set_array(lambda m: scaler(m)["state"], "var_", lambda a: a * np.nan),
    "scaler-unfitted": set_value(lambda m: scaler(m), "state", {}),
    # shapes of the network against the fitted attributes and parameters
    "n-features-in": set_value(state, "n_features_in_", 5),
    "n-outputs": set_value(state, "n_outputs_", 2),
    "n-layers": set_value(state, "n_layers_", 4),
    "hidden-layer-sizes": set_value(
        lambda m: estimator(m)["params"], "hidden_layer_sizes", {"type": "tuple", "items": [4]}
    ),
    "layer-sizes": set_value(
        lambda m: state(m)["network_"]["state"],
        "layer_sizes",
        {"type": "tuple", "items": [4, 2, 4]},
    ),
    "moments-length": set_array(
        lambda m: state(m)["optimizer_"]["state"], "first_moment_", lambda a: a[:-1]
    ),
    "moments-dtype": set_array(
        lambda m: state(m)["optimizer_"]["state"],
        "second_moment_",
        lambda a: a.astype(np.float32),
    ),
    "moments-infinite": set_array(
        lambda m: state(m)["optimizer_"]["state"], "first_moment_", lambda a: a + np.inf
    ),
    # plugins
    "activation-of-the-wrong-kind": lambda model, arrays: state(model)["activation_"].update(
        kind="loss", name="squared_error"
    ),
    "plugin-parameter-nan": set_value(lambda m: state(m)["optimizer_"]["params"], "beta_1", NAN),
    "solver-unknown": set_value(lambda m: estimator(m)["params"], "solver", "/tmp/solver.py"),
    "loss-unknown": set_value(lambda m: estimator(m)["params"], "loss", "os.system"),
    # parameters
    "alpha-negative": set_value(lambda m: estimator(m)["params"], "alpha", -1.0),
    "alpha-nan": set_value(lambda m: estimator(m)["params"], "alpha", NAN),
    "random-state-path": set_value(lambda m: estimator(m)["params"], "random_state", "/etc"),
    "dropout-string": set_value(lambda m: estimator(m)["params"], "dropout", "0.1"),
    # classes, outputs and the label binarizer
    "classes-more-than-outputs": set_array(state, "classes_", lambda a: np.arange(4)),
    "binarizer-more-classes": set_array(
        lambda m: state(m)["_label_binarizer"]["state"], "classes_", lambda a: np.arange(4)
    ),
    "binarizer-other-classes": set_array(
        lambda m: state(m)["_label_binarizer"]["state"], "classes_", lambda a: a + 1
    ),
    "binarizer-target-type": set_value(
        lambda m: state(m)["_label_binarizer"]["state"], "y_type_", "continuous"
    ),
    "binarizer-multiclass-on-three-as-binary": set_value(
        lambda m: state(m)["_label_binarizer"]["state"], "y_type_", "binary"
    ),
    "binarizer-pos-label": set_value(
        lambda m: state(m)["_label_binarizer"]["params"], "pos_label", 2
    ),
    "classes-repeated": lambda model, arrays: (
        [
            arrays.__setitem__(ref(state(model)["classes_"]), np.array([0, 0, 2])),
            arrays.__setitem__(
                ref(state(model)["_label_binarizer"]["state"]["classes_"]), np.array([0, 0, 2])
            ),
        ]
        and None
    ),
    "class-counts-length": set_array(state, "_class_counts", lambda a: a[:-1]),
    "class-counts-strings": set_array(state, "_class_counts", lambda a: a.astype(str)),
    "scaler-samples-nan": set_value(lambda m: scaler(m)["state"], "n_samples_seen_", NAN),
    "unfitted-with-attributes": lambda model, arrays: estimator(model).update(
        state={"n_features_in_": 4}
    ),
}


# What each refusal must say, beyond the file's name.
EXPECTED = {
    "top-is-a-string": "must be a skbackprop estimator or a Pipeline",
    "top-is-none": "must be a skbackprop estimator or a Pipeline",
    "top-is-a-bare-scaler": "must be a skbackprop estimator or a Pipeline",
    **{
        f"callback{name}-{kind}": f"sets '{name}': callbacks are run-time objects"
        for name in CALLBACK_ATTRIBUTES
        for kind in ("string", "none", "list")
    },
    "loss-curve-string": "loss_curve_ must be None or a list of numbers",
    "loss-curve-of-strings": "loss_curve_ must be None or a list of numbers",
    "n-iter-string": "n_iter_ must be a count",
    "t-negative": r"\.t_ must be a count",
    "best-loss-nan": "best_loss_ must be None or a number",
    "adam-t-string": "optimizer_.t_ must be a step count",
    "adam-moment-string": "first_moment_ must be an array",
    "schedule-rate-negative": "learning_rate_ must be a finite learning rate",
    "schedule-rate-infinite": "learning_rate_init_ must be a finite learning rate",
    "transform-layer-out-of-range": "transform_layer=5 does not name",
    "pipeline-memory-path": "memory must be None",
    "pipeline-memory-dict": "memory must be None",
    "pipeline-transform-input": "transform_input",
    "pipeline-verbose-path": "verbose must be True or False",
    "pipeline-without-estimator": "must be a skbackprop estimator",
    "pipeline-repeated-names": "repeated",
    "pipeline-unknown-state": "named_steps_ is not a parameter or fitted attribute",
    "scaler-unknown-parameter": "with_mean must be True or False",
    "scaler-unknown-attribute": "cache_dir_ is not a parameter or fitted attribute",
    "scaler-output-config": "_sklearn_output_config",
    **{
        f"{part}-output-{container}": "_sklearn_output_config must be absent"
        for part in ("scaler", "estimator")
        for container in ("pandas", "polars")
    },
    "scaler-n-features": r"shape \(4,\), expected \(5,\)",
    "scaler-mean-length": r"mean_ has the shape",
    "scaler-scale-zero": "zeros",
    "scaler-int-mean": "mean_ must be a float32 or float64 array",
    "scaler-nan-var": "var_ holds NaN",
    "scaler-unfitted": "mixes fitted and unfitted steps",
    "n-features-in": "layer sizes",
    "n-outputs": "layer sizes",
    "n-layers": "n_layers_=4",
    "hidden-layer-sizes": "layer sizes",
    "layer-sizes": "need 22",
    "moments-length": r"first_moment_ has the shape",
    "moments-dtype": "second_moment_ has the dtype float32",
    "moments-infinite": "first_moment_ holds NaN or infinite",
    "activation-of-the-wrong-kind": "must be a plugin of the kind 'activation'",
    "plugin-parameter-nan": "beta_1 must be a finite number",
    "solver-unknown": "not registered",
    "loss-unknown": "not registered",
    "alpha-negative": "alpha == -1.0",
    "alpha-nan": "alpha must be a finite number",
    "random-state-path": "random_state must be None",
    "dropout-string": "dropout must not be a string",
    "classes-more-than-outputs": "other classes than classes_",
    "binarizer-more-classes": "other classes than classes_",
    "binarizer-other-classes": "other classes than classes_",
    "binarizer-target-type": "target type 'continuous'",
    "binarizer-multiclass-on-three-as-binary": "'binary' for 3 classes",
    "binarizer-pos-label": "pos_label=1",
    "classes-repeated": "a label twice",
    "class-counts-length": "one count per class",
    "class-counts-strings": "one count per class",
    "scaler-samples-nan": "n_samples_seen_ must be a number of samples",
    "unfitted-with-attributes": "is not fitted, yet holds",
}


@pytest.mark.parametrize("name", sorted(INCONSISTENT))
def test_inconsistent_file_is_refused_at_load(name, saved):
    rewrite(saved, INCONSISTENT[name])
    with nothing_runs(), measured() as cost:
        with pytest.raises(ModelFileError, match=EXPECTED[name]) as refused:
            load(saved)
    assert str(saved) in str(refused.value)
    assert cost["seconds"] < 1.0 and cost["peak"] < 8 * 2**20, cost


def test_untouched_rewrite_loads(saved, pipeline):
    rewrite(saved, lambda model, arrays: None)
    np.testing.assert_array_equal(load(saved).predict_proba(X), pipeline.predict_proba(X))


@pytest.mark.parametrize("memory", ["cache", "joblib"])
def test_a_caching_pipeline_is_refused_at_save_naming_memory(memory, tmp_path):
    folder = str(tmp_path / "cache")
    memory = folder if memory == "cache" else joblib.Memory(folder, verbose=0)
    model = make_pipeline(StandardScaler(), tiny(), memory=memory).fit(X, Y)
    with pytest.raises(ValueError, match=r"Pipeline\.memory.*(None|plain data)"):
        save(model, tmp_path / "model.skbp")
    assert not (tmp_path / "model.skbp").exists()


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda m: setattr(m, "random_state", "/etc/passwd"), r"random_state"),
        (lambda m: setattr(m[0], "copy", "/tmp/file"), r"steps\[0\]\[1\]\.copy"),
        (lambda m: setattr(m[0], "cache_", "/tmp"), r"cache_"),
        (lambda m: m.set_output(transform="pandas"), r"set_output\(transform='default'\)"),
        (lambda m: setattr(m[-1], "n_features_in_", 7), r"layer sizes"),
        (lambda m: m.steps.pop(0) and setattr(m[0], "alpha", float("nan")), r"alpha"),
        (lambda m: setattr(m, "steps", [m.steps[0]]), r"skbackprop estimator"),
    ],
    ids=[
        *("random-state-path", "scaler-param", "scaler-attribute", "pandas-output"),
        *("n-features", "nan", "no-est"),
    ],
)
def test_the_same_mistakes_in_memory_are_refused_at_save(change, message, pipeline, tmp_path):
    model = clone(pipeline).fit(X, Y)
    change(model)
    with pytest.raises(ValueError, match=message):
        save(model, tmp_path / "model.skbp")


@pytest.mark.parametrize("cls", SAFE_SKLEARN_CLASSES.values(), ids=lambda cls: cls.__name__)
def test_every_parameter_of_every_allowed_sklearn_class_has_an_allow_list_entry(cls):
    instance = Pipeline([("m", tiny())]) if cls is Pipeline else cls()
    assert set(instance.get_params(deep=False)) == set(SKLEARN_PARAMETERS[cls])


@pytest.mark.parametrize(
    "model, y",
    [
        (make_pipeline(MinMaxScaler((-1, 1)), RobustScaler(), tiny()), Y),
        (make_pipeline(StandardScaler(with_mean=False), MLPScratchRegressor(max_iter=2)), X[:, 0]),
        (make_pipeline(StandardScaler(with_mean=False, with_std=False), tiny()), Y),
        (
            make_pipeline(
                RobustScaler(with_centering=False), RobustScaler(with_scaling=False), tiny()
            ),
            Y,
        ),
        (tiny(), Y),
        (tiny(), Y % 2),
        (make_pipeline(StandardScaler(), tiny()).set_output(transform="default"), Y),
        (tiny(), np.zeros_like(Y)),
        (tiny(), np.c_[Y % 2, Y // 2]),
        (make_pipeline(MinMaxScaler(), tiny()), None),
        (Pipeline([("skip", "passthrough"), ("scale", MaxAbsScaler()), ("mlp", tiny())]), Y),
    ],
    ids=[
        *(
            "minmax-robust",
            "regressor",
            "standard-off",
            "robust-off",
            "estimator",
            "binary",
            "default-output",
            "one-class",
            "multilabel",
        ),
        *("unfitted", "passthrough"),
    ],
)
def test_consistent_models_of_every_shape_round_trip(model, y, tmp_path):
    if y is not None:
        model.fit(X, y)
    path = tmp_path / "model.skbp"
    save(model, path)
    loaded = load(path)
    assert repr(loaded) == repr(model)
    if y is not None:
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def binarizer(model):
    return state(model)["_label_binarizer"]["state"]


# Files whose model is other than the 3-class pipeline: (model, y, change, message).
OTHER_MODELS = {
    "binary-as-multiclass": (
        lambda: make_pipeline(StandardScaler(), tiny()),
        Y % 2,
        set_value(binarizer, "y_type_", "multiclass"),
        "'multiclass' for 2 classes",
    ),
    "binary-as-multilabel": (
        lambda: make_pipeline(StandardScaler(), tiny()),
        Y % 2,
        set_value(binarizer, "y_type_", "multilabel-indicator"),
        "1 output units for 2 multilabel-indicator classes",
    ),
    "sgd-velocity-string": (
        lambda: tiny(solver="sgd"),
        Y,
        set_value(lambda m: m["state"]["optimizer_"]["state"], "velocity_", "x"),
        "velocity_ must be an array",
    ),
    "maxabs-scale-zero": (
        lambda: make_pipeline(MaxAbsScaler(), tiny()),
        Y,
        set_array(lambda m: scaler(m)["state"], "scale_", np.zeros_like),
        "zeros, which the scaler would divide by",
    ),
    "maxabs-scale-none": (
        lambda: make_pipeline(MaxAbsScaler(), tiny()),
        Y,
        set_value(lambda m: scaler(m)["state"], "scale_", None),
        "scale_ must be a float32 or float64 array",
    ),
    **{
        f"{cls.__name__}-{name}-none": (
            lambda cls=cls: make_pipeline(cls(), tiny()),
            Y,
            set_value(lambda m, name=name: scaler(m)["state"], name, None),
            f"{name} is None, yet {flag}=True",
        )
        for cls, attributes in [
            (StandardScaler, {"mean_": "with_mean", "var_": "with_std", "scale_": "with_std"}),
            (RobustScaler, {"center_": "with_centering", "scale_": "with_scaling"}),
        ]
        for name, flag in attributes.items()
    },
}


@pytest.mark.parametrize("name", sorted(OTHER_MODELS))
def test_inconsistent_file_of_another_model_is_refused_at_load(name, tmp_path):
    make, y, change, message = OTHER_MODELS[name]
    path = tmp_path / "model.skbp"
    save(make().fit(X, y), path)
    load(path)  # the untouched file loads
    rewrite(path, change)
    with nothing_runs(), pytest.raises(ModelFileError, match=message) as refused:
        load(path)
    assert str(path) in str(refused.value)
