"""The plugin registry: names, registration, entry points, resolving estimator parameters."""

import copy
import importlib.metadata
import subprocess
import sys
import threading
import types
import warnings

import numpy as np
import pytest

from skbackprop import MLPScratchClassifier, available, register, registry
from skbackprop.activations import Activation, LeakyReLU, ReLU, Sigmoid
from skbackprop.optimizers import SGD


@pytest.fixture
def clean_registry(monkeypatch):
    """A registry with only the built-ins and no entry points loaded, restored afterwards."""
    builtins = {
        kind: {name: cls for name, cls in names.items() if cls.__module__.startswith("skbackprop.")}
        for kind, names in registry._registry.items()
    }
    monkeypatch.setattr(registry, "_registry", copy.deepcopy(builtins))
    monkeypatch.setattr(registry, "_entry_points_loaded", set())
    monkeypatch.setattr(registry, "_entry_points_tried", set())
    return registry


class Cube(Activation):
    name = "test_cube"

    def forward(self, Z):
        return Z**3

    def derivative(self, Z, A):
        return 3 * Z**2


class _FakeEntryPoint:
    """What importlib.metadata.entry_points yields, without installing a package."""

    def __init__(self, name, load, package="fake-plugins"):
        self.name = name
        self.value = f"fake_plugins:{name}"
        self.dist = types.SimpleNamespace(name=package)
        self._load = load
        self.loads = 0

    def load(self):
        self.loads += 1
        return self._load()


def _broken():
    raise ModuleNotFoundError("No module named 'fake_plugins'")


@pytest.fixture
def fake_entry_points(clean_registry, monkeypatch):
    """Install fake entry points: a good ``fake_cube``, a broken one, a non-plugin, a clash."""
    points = {
        "skbackprop.activations": [
            _FakeEntryPoint("fake_cube", lambda: Cube),
            _FakeEntryPoint("fake_broken", _broken, package="broken-plugins"),
            _FakeEntryPoint("fake_not_a_plugin", lambda: np.tanh, package="odd-plugins"),
            _FakeEntryPoint("relu", lambda: Cube, package="greedy-plugins"),
        ],
    }
    monkeypatch.setattr(registry, "entry_points", lambda group: points.get(group, []))
    return points["skbackprop.activations"]


def _warnings_of(function, *args):
    """Call ``function(*args)``; return its result and the messages of its warnings."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        result = function(*args)
    return result, [str(warning.message) for warning in record]


def test_available_lists_the_builtin_names_sorted(clean_registry):
    names = available("activation")
    assert names == sorted(names)
    assert {"identity", "logistic", "sigmoid", "tanh", "relu", "softmax"} <= set(names)
    assert set(available("optimizer")) == {"adam", "adamw", "lbfgs", "sgd"}


def test_an_unknown_kind_is_refused_with_the_kinds():
    with pytest.raises(ValueError, match=r"Unknown plugin kind 'activations'.*'activation'"):
        available("activations")


def test_an_unknown_name_suggests_the_closest_and_lists_all():
    with pytest.raises(
        ValueError,
        match=r"Unknown activation name 'rleu'\. Did you mean 'relu'\?"
        r" Built-in activation names: .*tanh",
    ):
        registry.get("activation", "rleu")


@pytest.mark.parametrize(
    "kind, class_name, registered_name",
    [("activation", "ReLU", "relu"), ("optimizer", "Adam", "adam"), ("loss", "Huber", "huber")],
)
def test_a_class_name_given_as_a_name_suggests_the_registered_name(
    kind, class_name, registered_name
):
    with pytest.raises(ValueError, match=f"Did you mean '{registered_name}'"):
        registry.get(kind, class_name)


def test_unknown_name_message_says_where_non_built_in_names_come_from(clean_registry):
    register("activation", "my_cube", Cube)
    with pytest.raises(ValueError) as info:
        registry.get("activation", "nope")
    message = str(info.value)
    built_in, _, plugins = message.partition("From installed or registered plugins:")
    assert "relu" in built_in and "my_cube" not in built_in
    assert f"my_cube (from {Cube.__module__.split('.')[0]})" in plugins
    assert "losss" not in str(pytest.raises(ValueError, registry.get, "loss", "nope").value)


def test_estimator_reports_an_unknown_name_with_the_parameter():
    X, y = np.random.RandomState(0).normal(size=(20, 3)), np.arange(20) % 2
    with pytest.raises(ValueError, match=r"Invalid value for 'activation'.*Did you mean 'tanh'"):
        MLPScratchClassifier(activation="tahn").fit(X, y)


def test_register_as_a_call_makes_the_name_usable_by_the_estimator(clean_registry):
    register("activation", "my_cube", Cube)
    assert registry.get("activation", "my_cube") is Cube
    X, y = np.random.RandomState(0).normal(size=(30, 3)), np.arange(30) % 2
    clf = MLPScratchClassifier(hidden_layer_sizes=(4,), activation="my_cube", max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    assert type(clf.activation_) is Cube


def test_register_as_a_decorator_uses_the_class_name_attribute(clean_registry):
    @register("activation")
    class Square(Activation):
        name = "test_square"

    assert registry.get("activation", "test_square") is Square
    assert "test_square" in available("activation")


def test_register_refuses_to_replace_a_name_unless_asked(clean_registry):
    with pytest.raises(ValueError, match=r"'relu' is already taken by skbackprop.activations.ReLU"):
        register("activation", "relu", Cube)
    register("activation", "relu", ReLU)  # the same class again is fine
    register("activation", "relu", Cube, replace=True)
    assert registry.get("activation", "relu") is Cube


def test_register_refuses_a_class_of_the_wrong_kind(clean_registry):
    with pytest.raises(TypeError, match=r"must be a subclass of skbackprop.losses.Loss"):
        register("loss", "cube", Cube)
    with pytest.raises(TypeError, match="must be a subclass"):
        register("activation", "cube", Cube())


def test_register_needs_a_name(clean_registry):
    class Nameless(Activation):
        pass

    with pytest.raises(ValueError, match="give a non-empty string name"):
        register("activation", cls=Nameless)


def test_resolve_copies_an_instance_and_never_returns_it():
    activation = LeakyReLU(negative_slope=0.2)
    resolved = registry.resolve("activation", activation, "activation")
    assert resolved is not activation
    assert type(resolved) is LeakyReLU and resolved.negative_slope == 0.2


def test_resolve_passes_only_the_defaults_a_plugin_accepts():
    optimizer = registry.resolve("optimizer", "sgd", "solver", momentum=0.5, beta_1=0.3)
    assert type(optimizer) is SGD and optimizer.momentum == 0.5


def test_resolve_points_from_a_class_to_an_instance():
    with pytest.raises(TypeError, match=r"'activation' must be a plugin instance.*LeakyReLU\(\)"):
        registry.resolve("activation", LeakyReLU, "activation")


def test_resolve_refuses_a_plugin_of_another_kind():
    with pytest.raises(
        TypeError,
        match=r"'loss' must be a registered loss name .* or an "
        r"instance of skbackprop.losses.Loss; got Sigmoid",
    ):
        registry.resolve("loss", Sigmoid(), "loss")


# -------------------------------------------------------------------------- entry points


def test_entry_point_plugins_are_found_by_name(fake_entry_points):
    cls, _ = _warnings_of(registry.get, "activation", "fake_cube")
    assert cls is Cube


def test_builtin_names_never_load_entry_points(fake_entry_points):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert registry.get("activation", "tanh") is not None
    assert all(point.loads == 0 for point in fake_entry_points)


def test_a_broken_entry_point_warns_naming_its_package_and_fit_goes_on(fake_entry_points):
    names, messages = _warnings_of(available, "activation")
    assert any(
        "'fake_broken' of package 'broken-plugins'" in m and "ModuleNotFoundError" in m
        for m in messages
    )
    assert any("'fake_not_a_plugin' of package 'odd-plugins'" in m for m in messages)
    assert "fake_cube" in names
    assert "fake_broken" not in names and "fake_not_a_plugin" not in names

    X, y = np.random.RandomState(0).normal(size=(30, 3)), np.arange(30) % 2
    clf = MLPScratchClassifier(hidden_layer_sizes=(4,), activation="fake_cube", max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)
        clf.fit(X, y)
    assert type(clf.activation_) is Cube


def test_entry_points_are_loaded_once_per_kind(fake_entry_points):
    _, messages = _warnings_of(available, "activation")
    assert len(messages) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no second round of warnings
        available("activation")
        registry.get("activation", "fake_cube")
    assert all(point.loads == 1 for point in fake_entry_points)


def test_an_entry_point_cannot_shadow_a_builtin_name(fake_entry_points):
    _, messages = _warnings_of(available, "activation")
    assert any(
        "Ignoring the activation plugin 'relu' of package 'greedy-plugins'" in message
        for message in messages
    )
    assert registry.get("activation", "relu") is ReLU


def test_an_unknown_name_after_a_broken_entry_point_is_still_a_clear_error(fake_entry_points):
    with pytest.raises(ValueError, match=r"Unknown activation name 'fake_broken'"):
        _warnings_of(registry.get, "activation", "fake_broken")
    assert "fake_broken" not in _warnings_of(available, "activation")[0]


def test_a_lookup_in_another_thread_waits_for_entry_points_being_loaded(
    clean_registry, monkeypatch
):
    loading, release = threading.Event(), threading.Event()

    def slow_load():
        loading.set()
        release.wait(timeout=30)
        return Cube

    point = _FakeEntryPoint("slow_cube", slow_load)
    monkeypatch.setattr(registry, "entry_points", lambda group: [point])
    results = {}

    def look_up(key):
        try:
            results[key] = registry.get("activation", "slow_cube")
        except Exception as exc:  # reported by the assertion below
            results[key] = exc

    first = threading.Thread(target=look_up, args=("first",))
    first.start()
    assert loading.wait(timeout=30)
    second = threading.Thread(target=look_up, args=("second",))
    second.start()
    second.join(timeout=0.2)  # without the lock it would fail right away
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert results == {"first": Cube, "second": Cube}
    assert point.loads == 1


def test_installed_plugin_package_works_by_name_without_being_imported():
    try:  # its entry points, without importing it here
        importlib.metadata.distribution("skbackprop-example-plugins")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(
            "the example plugin package is not installed: pip install ./examples/plugin_package"
        )
    # A fresh interpreter, so no other test has imported the example package.
    code = """
import sys
import numpy as np
from skbackprop import MLPScratchClassifier
assert "skbackprop_example_plugins" not in sys.modules
X, y = np.random.RandomState(0).normal(size=(40, 3)), np.arange(40) % 2
clf = MLPScratchClassifier(hidden_layer_sizes=(4,), activation="example_swish",
                           loss="example_focal", max_iter=3)
import warnings
warnings.simplefilter("ignore")
clf.fit(X, y)
print(type(clf.activation_).__module__, type(clf.loss_function_).__name__)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, (
        f"{result.stderr}\nIs the example package installed? "
        "pip install ./examples/plugin_package (make test does it)."
    )
    assert result.stdout.split() == ["skbackprop_example_plugins", "BinaryFocalLoss"]


def test_an_unknown_name_loads_no_entry_point_and_lists_them_unloaded(fake_entry_points):
    with pytest.raises(ValueError) as info:
        registry.get("activation", "nope")
    assert all(point.loads == 0 for point in fake_entry_points)
    assert "fake_cube (from fake_plugins:fake_cube, not imported)" in str(info.value)


def test_a_name_loads_only_the_entry_point_declared_under_it(fake_entry_points):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the broken entry points are not even tried
        assert registry.get("activation", "fake_cube") is Cube
    assert {point.name: point.loads for point in fake_entry_points} == {
        "fake_cube": 1,
        "fake_broken": 0,
        "fake_not_a_plugin": 0,
        "relu": 0,
    }


def test_an_unloaded_entry_point_is_suggested_by_its_class_name(fake_entry_points):
    fake_entry_points[0].value = "fake_plugins.shapes:Cube"
    with pytest.raises(ValueError, match="Did you mean 'fake_cube'"):
        registry.get("activation", "cube")
    assert all(point.loads == 0 for point in fake_entry_points)


_RECORD_IMPORTS = """
import importlib, importlib.metadata, sys
imported, loaded = [], []
real_import_module, real_load = importlib.import_module, importlib.metadata.EntryPoint.load
def import_module(name, *args, **kwargs):
    imported.append(name)
    return real_import_module(name, *args, **kwargs)
def load(self):
    loaded.append(self.name)
    return real_load(self)
importlib.import_module, importlib.metadata.EntryPoint.load = import_module, load
from skbackprop import registry
"""


def _run_recorded(code):
    """Run ``code`` after installing recorders on import_module and EntryPoint.load."""
    result = subprocess.run(
        [sys.executable, "-c", _RECORD_IMPORTS + code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, (
        f"{result.stderr}\nIs the example package installed? "
        "pip install ./examples/plugin_package (make test does it)."
    )
    return result.stdout


@pytest.mark.parametrize("kind", ["activation", "loss"])
def test_an_unknown_name_imports_no_installed_plugin_package(kind):
    output = _run_recorded(f"""
try:
    registry.get({kind!r}, "no_such_plugin")
except ValueError as exc:
    message = str(exc)
assert "skbackprop_example_plugins" not in sys.modules, "imported"
assert not loaded, loaded
assert not [name for name in imported if "example" in name], imported
print(message)
""")
    declared = "example_swish" if kind == "activation" else "example_focal"
    assert f"{declared} (from skbackprop_example_plugins:" in output
    assert "not imported" in output


def test_a_plugin_name_loads_only_its_own_entry_point():
    output = _run_recorded("""
cls = registry.get("activation", "example_swish")
print(cls.__name__, loaded)
""")
    assert output.split() == ["Swish", "['example_swish']"]
