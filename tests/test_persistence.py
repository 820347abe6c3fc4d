"""Model files: pickles stamped with the version, and the safe save/load format."""

import io
import itertools
import os
import pickle
import warnings
import zipfile

import numpy as np
import pytest
from _model_files import nothing_runs, rewrite_metadata, write_archive
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler

import skbackprop
from skbackprop import MLPScratchClassifier, load, registry, save
from skbackprop.activations import Activation, LeakyReLU, Tanh
from skbackprop.exceptions import InconsistentVersionWarning, ModelFileError
from skbackprop.initializers import Normal
from skbackprop.optimizers import SGD
from skbackprop.schedules import Adaptive

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(0)
X = RNG.normal(size=(40, 5))
Y_MULTICLASS = RNG.randint(0, 3, size=40)
Y_BINARY = (X[:, 0] > 0).astype(int)
Y_MULTILABEL = (X[:, :3] > 0).astype(int)


def tiny(**params):
    defaults = {"hidden_layer_sizes": (4,), "max_iter": 3, "random_state": 0}
    return MLPScratchClassifier(**{**defaults, **params})


def round_trip(model, tmp_path, name="model.skbp"):
    path = tmp_path / name
    save(model, path)
    return load(path)


def assert_predicts_identically(loaded, model, X):
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    proba, expected = loaded.predict_proba(X), model.predict_proba(X)
    assert proba.dtype == expected.dtype
    np.testing.assert_array_equal(proba, expected)  # bit for bit, not approximately


# ------------------------------------------------------------------- pickles


def test_pickle_round_trip_is_silent_and_exact():
    model = tiny().fit(X, Y_MULTICLASS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = pickle.loads(pickle.dumps(model))
    assert_predicts_identically(loaded, model, X)


def test_pickle_from_another_version_warns_naming_both_versions():
    state = tiny().fit(X, Y_MULTICLASS).__getstate__()
    assert state["_skbackprop_version"] == skbackprop.__version__
    state["_skbackprop_version"] = "0.0.1"
    loaded = MLPScratchClassifier.__new__(MLPScratchClassifier)
    with pytest.warns(InconsistentVersionWarning, match="skbackprop 0.0.1") as record:
        loaded.__setstate__(state)
    warning = record[0].message
    assert (warning.original_version, warning.current_version) == ("0.0.1", skbackprop.__version__)
    assert skbackprop.__version__ in str(warning)
    assert "_skbackprop_version" not in vars(loaded)


# ------------------------------------------------------ safe format: fidelity


@pytest.mark.parametrize("solver", registry.available("optimizer"))
def test_every_builtin_plugin_combination_predicts_exactly_after_loading(solver, tmp_path):
    initializers = registry.available("initializer")
    schedules = registry.available("schedule")
    combinations = itertools.product(registry.available("activation"), registry.available("loss"))
    for i, (activation, loss) in enumerate(combinations):
        model = tiny(
            activation=activation,
            loss=loss,
            solver=solver,
            weight_init=initializers[i % len(initializers)],
            learning_rate=schedules[i % len(schedules)],
        ).fit(X, Y_MULTICLASS)
        loaded = round_trip(model, tmp_path)
        assert_predicts_identically(loaded, model, X)
        assert type(loaded.optimizer_) is type(model.optimizer_)


def test_configured_plugin_instances_keep_their_parameters_and_state(tmp_path):
    model = tiny(
        activation=LeakyReLU(negative_slope=0.2),
        solver=SGD(momentum=0.5, nesterov=False),
        weight_init=Normal(scale=0.3),
        learning_rate=Adaptive(factor=3.0),
    ).fit(X, Y_MULTICLASS)
    loaded = round_trip(model, tmp_path)
    assert loaded.activation.negative_slope == 0.2
    assert loaded.activation_ is loaded.network_.hidden_activation
    assert (loaded.solver.momentum, loaded.solver.nesterov) == (0.5, False)
    np.testing.assert_array_equal(loaded.optimizer_.velocity_, model.optimizer_.velocity_)
    schedules = loaded.learning_rate_schedule_, model.learning_rate_schedule_
    assert schedules[0].learning_rate_ == schedules[1].learning_rate_
    assert repr(loaded) == repr(model)
    assert_predicts_identically(loaded, model, X)


def test_file_written_before_per_layer_activations_still_loads(tmp_path):
    model = tiny(hidden_layer_sizes=(4, 3), activation="tanh").fit(X, Y_MULTICLASS)
    path = tmp_path / "model.skbp"
    save(model, path)

    def one_shared_activation(metadata):
        # What earlier versions wrote: "hidden_activation", one plugin for every layer.
        network = metadata["model"]["state"]["network_"]["state"]
        network["hidden_activation"] = network.pop("hidden_activations")[0]
        network["output_activation"] = network.pop("output_activation")  # keep the file order
        network["params"] = network.pop("params")

    rewrite_metadata(path, one_shared_activation)
    loaded = load(path)
    assert len(loaded.network_.hidden_activations) == 2
    assert loaded.network_.hidden_activation is loaded.activation_
    assert_predicts_identically(loaded, model, X)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "y",
    [
        Y_BINARY,
        Y_MULTICLASS,
        Y_MULTILABEL,
        np.array(["cat", "dog", "emu"])[Y_MULTICLASS],
        np.array(["no", "yes"], dtype=object)[Y_BINARY],
    ],
    ids=["binary", "multiclass", "multilabel", "string", "object-string"],
)
def test_targets_and_dtypes_round_trip_exactly(y, dtype, tmp_path):
    model = tiny().fit(X.astype(dtype), y)
    loaded = round_trip(model, tmp_path)
    assert loaded.network_.params.dtype == dtype
    assert loaded.classes_.dtype == model.classes_.dtype
    np.testing.assert_array_equal(loaded.classes_, model.classes_)
    assert_predicts_identically(loaded, model, X.astype(dtype))


def test_fitted_attributes_round_trip(tmp_path):
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    model = tiny(early_stopping=True, max_iter=5).fit(frame, Y_MULTICLASS)
    loaded = round_trip(model, tmp_path)
    for name in (
        "n_iter_",
        "t_",
        "loss_",
        "loss_curve_",
        "validation_scores_",
        "best_validation_score_",
        "n_features_in_",
        "n_layers_",
        "n_outputs_",
        "out_activation_",
    ):
        assert getattr(loaded, name) == getattr(model, name), name
    np.testing.assert_array_equal(loaded.feature_names_in_, model.feature_names_in_)
    for name in ("first_moment_", "second_moment_"):
        np.testing.assert_array_equal(
            getattr(loaded.optimizer_, name), getattr(model.optimizer_, name)
        )
    assert loaded.optimizer_.t_ == model.optimizer_.t_
    assert_predicts_identically(loaded, model, frame)


def test_unfitted_estimator_round_trips_its_parameters(tmp_path):
    model = tiny(activation=Tanh(), random_state=np.random.RandomState(3))
    loaded = round_trip(model, tmp_path)
    assert not hasattr(loaded, "network_")
    assert loaded.random_state.randint(1000) == np.random.RandomState(3).randint(1000)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_warm_start_after_loading_continues_exactly_like_the_original(solver, tmp_path):
    model = tiny(solver=solver, warm_start=True).fit(X, Y_MULTICLASS)
    loaded = round_trip(model, tmp_path)
    model.fit(X, Y_MULTICLASS)
    loaded.fit(X, Y_MULTICLASS)
    np.testing.assert_array_equal(loaded.network_.params, model.network_.params)
    assert loaded.loss_curve_ == model.loss_curve_


def test_partial_fit_after_loading_continues_exactly_like_the_original(tmp_path):
    model = tiny(learning_rate="adaptive").partial_fit(X, Y_MULTICLASS, classes=[0, 1, 2])
    loaded = round_trip(model, tmp_path)
    for _ in range(3):
        model.partial_fit(X, Y_MULTICLASS)
        loaded.partial_fit(X, Y_MULTICLASS)
    np.testing.assert_array_equal(loaded.network_.params, model.network_.params)


@pytest.mark.parametrize("scaler", [MinMaxScaler, StandardScaler, MaxAbsScaler, RobustScaler])
def test_pipeline_with_a_scaler_round_trips_exactly(scaler, tmp_path):
    pipeline = make_pipeline(scaler(), tiny()).fit(X * 100, Y_MULTICLASS)
    loaded = round_trip(pipeline, tmp_path)
    assert [name for name, _ in loaded.steps] == [name for name, _ in pipeline.steps]
    assert_predicts_identically(loaded, pipeline, X * 100)


def test_pipeline_with_an_unsupported_step_is_refused_naming_the_step(tmp_path):
    pipeline = make_pipeline(PCA(n_components=2), tiny()).fit(X, Y_MULTICLASS)
    with pytest.raises(ValueError, match=r"steps\[0\].*sklearn.decomposition._pca.PCA"):
        save(pipeline, tmp_path / "model.skbp")
    assert list(tmp_path.iterdir()) == []  # no partial file, no temporary file


def test_model_with_callbacks_saves_without_them(tmp_path):
    pytest.importorskip("rich", reason="the progress extra is not installed")
    from sklearn.callback import ProgressBar

    clf = tiny().set_callbacks(ProgressBar())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, Y_MULTICLASS)
    save(clf, tmp_path / "model.skbp")
    loaded = load(tmp_path / "model.skbp")
    assert_predicts_identically(loaded, clf, X)
    assert not hasattr(loaded, "_skl_callbacks")


def test_failed_save_leaves_an_existing_file_untouched(tmp_path):
    path = tmp_path / "model.skbp"
    good = tiny().fit(X, Y_MULTICLASS)
    save(good, path)
    before = path.read_bytes()
    bad = make_pipeline(PCA(n_components=2), tiny()).fit(X, Y_MULTICLASS)
    with pytest.raises(ValueError):
        save(bad, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.skbp"]


class Cube(Activation):
    """A plugin that is not registered by skbackprop."""

    def forward(self, Z):
        return Z**3

    def derivative(self, Z, A):
        return 3 * Z**2


def test_unregistered_plugin_is_refused_on_save_with_how_to_register_it(tmp_path):
    model = tiny(activation=Cube()).fit(X, Y_MULTICLASS)
    message = r"MLPScratchClassifier\.activation: .*not registered.*registry\.register"
    with pytest.raises(ValueError, match=message):
        save(model, tmp_path / "model.skbp")


def test_registered_third_party_plugin_round_trips_and_unknown_name_is_refused(
    tmp_path, monkeypatch
):
    monkeypatch.setitem(registry._registry["activation"], "cube", Cube)
    model = tiny(activation=Cube()).fit(X, Y_MULTICLASS)
    path = tmp_path / "model.skbp"
    save(model, path)
    assert_predicts_identically(load(path), model, X)

    monkeypatch.delitem(registry._registry["activation"], "cube")
    with pytest.raises(ValueError, match=r"activation plugin 'cube'.*not registered"):
        load(path)


def test_callable_parameter_is_refused_naming_the_attribute(tmp_path):
    model = tiny().fit(X, Y_MULTICLASS)
    model.random_state = lambda: 0  # anything that is not plain data
    with pytest.raises(ValueError, match=r"MLPScratchClassifier\.random_state.*function"):
        save(model, tmp_path / "model.skbp")


def test_file_from_another_version_warns_naming_both_versions(tmp_path):
    path = tmp_path / "model.skbp"
    save(tiny().fit(X, Y_MULTICLASS), path)
    rewrite_metadata(path, lambda metadata: metadata.update(skbackprop_version="0.0.1"))
    with pytest.warns(InconsistentVersionWarning, match=r"0\.0\.1.*" + skbackprop.__version__):
        load(path)


def test_file_from_another_sklearn_version_warns_like_sklearn(tmp_path):
    from sklearn.exceptions import InconsistentVersionWarning as SklearnVersionWarning

    path = tmp_path / "model.skbp"
    save(make_pipeline(StandardScaler(), tiny()).fit(X, Y_MULTICLASS), path)
    rewrite_metadata(path, lambda metadata: metadata.update(sklearn_version="1.0"))
    with pytest.warns(SklearnVersionWarning, match="from version 1.0"):
        load(path)


def test_file_of_a_newer_format_is_refused(tmp_path):
    path = tmp_path / "model.skbp"
    save(tiny(), path)
    rewrite_metadata(path, lambda metadata: metadata.update(format_version=99))
    with pytest.raises(ValueError, match="format version 99.*Upgrade skbackprop"):
        load(path)


# ------------------------------------------------- where and how files are written


@pytest.fixture
def fitted():
    return tiny().fit(X, Y_MULTICLASS)


def test_a_missing_file_is_file_not_found_and_a_directory_is_named(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.skbp")
    with pytest.raises(ModelFileError, match="it is a directory"):
        load(tmp_path)


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ModelFileError, match="not a regular file"):
        load(fifo)


def test_saving_into_a_missing_folder_names_the_destination(fitted, tmp_path):
    destination = tmp_path / "no-such-folder" / "model.skbp"
    with pytest.raises(FileNotFoundError, match="folder does not exist") as error:
        save(fitted, destination)
    assert error.value.filename == str(destination)
    assert ".tmp" not in str(error.value)


def test_saving_into_an_unwritable_folder_names_the_destination(fitted, tmp_path, monkeypatch):
    def refused(path, *args):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(os, "open", refused)  # as for a non-root user in a read-only folder
    with pytest.raises(PermissionError) as error:
        save(fitted, tmp_path / "model.skbp")
    assert error.value.filename == str(tmp_path / "model.skbp")
    assert ".tmp" not in str(error.value)


def test_a_read_only_file_is_not_overwritten(fitted, tmp_path):
    path = tmp_path / "model.skbp"
    path.write_bytes(b"precious")
    path.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        save(fitted, path)
    assert path.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["model.skbp"]


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664])
def test_an_existing_file_keeps_its_permissions(mode, fitted, tmp_path):
    path = tmp_path / "model.skbp"
    save(fitted, path)
    path.chmod(mode)
    save(fitted, path)
    assert path.stat().st_mode & 0o777 == mode
    assert_predicts_identically(load(path), fitted, X)


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_a_new_file_is_no_more_open_than_the_umask_allows(umask, fitted, tmp_path):
    previous = os.umask(umask)
    try:
        save(fitted, tmp_path / "model.skbp")
    finally:
        os.umask(previous)
    assert (tmp_path / "model.skbp").stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_symlink_is_followed_and_kept(fitted, tmp_path):
    target, link = tmp_path / "target.skbp", tmp_path / "link.skbp"
    target.write_bytes(b"old")
    target.chmod(0o600)
    link.symlink_to(target)
    save(fitted, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.stat().st_mode & 0o777 == 0o600
    assert_predicts_identically(load(target), fitted, X)


def test_a_hard_linked_file_is_refused(fitted, tmp_path):
    path, other = tmp_path / "model.skbp", tmp_path / "other-name.skbp"
    path.write_bytes(b"shared")
    os.link(path, other)
    with pytest.raises(FileExistsError, match="2 hard links"):
        save(fitted, path)
    assert path.read_bytes() == other.read_bytes() == b"shared"


def test_saving_onto_a_directory_is_refused(fitted, tmp_path):
    with pytest.raises(IsADirectoryError):
        save(fitted, tmp_path)


# ------------------------------------------------- safe format: crafted files


class Payload:
    """Pickles to a call of ``os.system``: what an attacker would put in a file."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


@pytest.fixture
def nothing_may_run(tmp_path):
    """Replace the attacker's tools by recorders; check afterwards that none ran."""
    with nothing_runs() as calls:
        yield calls
    assert not (tmp_path / "pwned").exists()


@pytest.fixture
def payload(tmp_path):
    """Pickled bytes that would create ``tmp_path / "pwned"`` if they were unpickled."""
    return Payload(f"touch {tmp_path / 'pwned'}")


@pytest.fixture
def saved_model_file(tmp_path):
    path = tmp_path / "model.skbp"
    save(tiny().fit(X, Y_MULTICLASS), path)
    return path


@pytest.fixture
def file_with_pickled_array(saved_model_file, payload):
    with zipfile.ZipFile(saved_model_file) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.array([payload], dtype=object), allow_pickle=True)
    members["a0.npy"] = buffer.getvalue()
    write_archive(saved_model_file, members)
    return saved_model_file


def test_pickled_object_array_inside_the_archive_is_refused(
    file_with_pickled_array, nothing_may_run
):
    saved_model_file = file_with_pickled_array
    with pytest.raises(ModelFileError, match=r"'a0\.npy' has the dtype object"):
        load(saved_model_file)


@pytest.fixture
def pickle_file(tmp_path, payload):
    path = tmp_path / "model.skbp"
    path.write_bytes(pickle.dumps(payload))
    return path


def test_a_pickle_instead_of_a_model_file_is_refused(pickle_file, nothing_may_run):
    path = pickle_file
    with pytest.raises(ValueError, match="not a zip archive"):
        load(path)


@pytest.mark.parametrize("member", ["../outside.npy", "/etc/passwd", "arrays/../../a0.npy"])
def test_member_with_a_path_outside_the_archive_is_refused(
    member, saved_model_file, tmp_path, nothing_may_run
):
    with zipfile.ZipFile(saved_model_file) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members[member] = members["a0.npy"]
    write_archive(saved_model_file, members)
    with pytest.raises(ValueError, match=f"unexpected member {member!r}"):
        load(saved_model_file)
    assert not (tmp_path.parent / "outside.npy").exists()


def test_array_reference_outside_the_archive_is_refused(saved_model_file, nothing_may_run):
    def point_outside(metadata):
        state = metadata["model"]["state"]
        state["classes_"] = {"type": "ndarray", "ref": "../../etc/passwd"}

    rewrite_metadata(saved_model_file, point_outside)
    with pytest.raises(ModelFileError, match=r"refers to the array '\.\./\.\./etc/passwd'"):
        load(saved_model_file)


@pytest.mark.parametrize(
    "crafted, message",
    [
        (
            {"type": "plugin", "kind": "activation", "name": "os.system", "params": {}},
            r"activation plugin 'os\.system', which is not registered",
        ),
        ({"type": "plugin", "kind": "os", "name": "system", "params": {}}, r"plugin kind 'os'"),
        (
            {"type": "estimator", "class": "os.system", "params": {}},
            r"names the estimator 'os\.system'",
        ),
        (
            {"type": "sklearn", "class": "builtins.eval", "params": {}},
            r"names the class 'builtins\.eval'",
        ),
        ({"type": "callable", "module": "os", "name": "system"}, r"unknown value type 'callable'"),
    ],
    ids=["plugin-name", "plugin-kind", "estimator", "sklearn-class", "unknown-type"],
)
def test_names_pointing_at_code_are_refused_without_running_it(
    crafted, message, saved_model_file, nothing_may_run
):
    def inject(metadata):
        metadata["model"]["state"]["activation_"] = {**crafted, "index": 0}

    rewrite_metadata(saved_model_file, inject)
    with pytest.raises(ValueError, match=message):
        load(saved_model_file)


@pytest.mark.parametrize("attribute", ["__class__", "predict", "coefs_"])
def test_state_that_would_shadow_methods_is_refused(attribute, saved_model_file, nothing_may_run):
    rewrite_metadata(
        saved_model_file, lambda metadata: metadata["model"]["state"].update({attribute: 1})
    )
    with pytest.raises(ValueError, match=f"attribute {attribute!r}"):
        load(saved_model_file)


# --------------------------------------------------------------------- skops


def test_skops_round_trip_with_skbackprop_types_trusted(tmp_path):
    sio = pytest.importorskip("skops.io", reason="the persist extra is not installed")
    model = make_pipeline(MinMaxScaler(), tiny(activation=LeakyReLU(0.1))).fit(X, Y_MULTICLASS)
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert all(name.startswith("skbackprop.") for name in untrusted), untrusted
    assert set(untrusted) <= set(skbackprop.persistence.skops_trusted_types())
    loaded = sio.load(path, trusted=skbackprop.persistence.skops_trusted_types())
    assert_predicts_identically(loaded, model, X)


def test_absurdly_nested_metadata_is_refused_with_a_value_error(saved_model_file):
    with zipfile.ZipFile(saved_model_file) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    deep = "[" * 100_000 + "]" * 100_000  # past Python's recursion limit
    text = members["metadata.json"].decode()
    members["metadata.json"] = text.replace('"loss_curve_": [', f'"loss_curve_": [{deep}, ')
    write_archive(saved_model_file, members)
    with pytest.raises(ValueError, match="not a valid skbackprop model file"):
        load(saved_model_file)
