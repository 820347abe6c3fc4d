"""Plugins as hyperparameters: get_params/set_params/repr, nested search, no mutation by fit."""

import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skbackprop import MLPScratchClassifier
from skbackprop._plugin import Plugin
from skbackprop.activations import Activation, LeakyReLU, Sigmoid, Tanh
from skbackprop.initializers import Normal
from skbackprop.losses import SquaredError
from skbackprop.optimizers import SGD, Adam
from skbackprop.schedules import Adaptive


class Scaled(Activation):
    """An activation with a nested plugin parameter: ``scale * inner(z)``."""

    def __init__(self, inner=None, scale=1.0):
        self.inner = inner
        self.scale = scale

    def forward(self, Z):
        return self.scale * self.inner.forward(Z)

    def backward(self, Z, A, dA):
        return self.scale * self.inner.backward(Z, A / self.scale, dA)


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


def test_get_params_lists_the_constructor_arguments():
    assert LeakyReLU(negative_slope=0.2).get_params() == {"negative_slope": 0.2}
    assert Tanh().get_params() == {}


def test_get_params_deep_reaches_nested_plugins():
    plugin = Scaled(inner=LeakyReLU(0.3), scale=2.0)
    params = plugin.get_params(deep=True)
    assert params["inner__negative_slope"] == 0.3
    assert "inner__negative_slope" not in plugin.get_params(deep=False)


def test_set_params_sets_direct_and_nested_parameters_and_returns_the_plugin():
    plugin = Scaled(inner=LeakyReLU(0.3))
    assert plugin.set_params(scale=3.0, inner__negative_slope=0.1) is plugin
    assert plugin.scale == 3.0 and plugin.inner.negative_slope == 0.1


def test_set_params_rejects_an_unknown_parameter_naming_the_valid_ones():
    with pytest.raises(
        ValueError,
        match=r"Invalid parameter 'slope' for plugin LeakyReLU.*"
        r"\['negative_slope'\]",
    ):
        LeakyReLU().set_params(slope=0.1)


def test_a_constructor_with_kwargs_is_refused_with_the_reason():
    class Loose(Plugin):
        def __init__(self, **kwargs):
            self.kwargs = kwargs

    with pytest.raises(TypeError, match=r"Loose.__init__ must list its parameters explicitly"):
        Loose().get_params()


def test_repr_reads_like_the_constructor_call():
    assert repr(LeakyReLU(negative_slope=0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(Scaled(inner=Sigmoid(), scale=2)) == "Scaled(inner=Sigmoid(), scale=2)"
    assert repr(SGD()) == "SGD(momentum=0.9, nesterov=True)"


def test_clone_copies_nested_plugins():
    plugin = Scaled(inner=LeakyReLU(0.3))
    copy = clone(plugin)
    assert copy.inner is not plugin.inner
    assert copy.inner.negative_slope == 0.3


def test_estimator_get_params_exposes_nested_plugin_parameters():
    clf = MLPScratchClassifier(activation=LeakyReLU(0.2), solver=SGD(momentum=0.5))
    params = clf.get_params(deep=True)
    assert params["activation__negative_slope"] == 0.2
    assert params["solver__momentum"] == 0.5
    clf.set_params(solver__momentum=0.7)
    assert clf.solver.momentum == 0.7


def test_grid_search_over_a_nested_activation_parameter(data):
    X, y = data
    grid_activation = LeakyReLU()
    search = GridSearchCV(
        MLPScratchClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0),
        {"activation": [grid_activation], "activation__negative_slope": [0.01, 0.1, 0.3]},
        cv=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    slopes = [params["activation__negative_slope"] for params in search.cv_results_["params"]]
    assert slopes == [0.01, 0.1, 0.3]
    best = search.best_estimator_
    assert best.activation_.negative_slope == search.best_params_["activation__negative_slope"]
    assert grid_activation.negative_slope == 0.01  # the grid's object was never touched


def test_grid_search_over_a_nested_optimizer_parameter_through_solver(data):
    X, y = data
    search = GridSearchCV(
        MLPScratchClassifier(
            hidden_layer_sizes=(8,),
            solver=SGD(),
            max_iter=30,
            learning_rate_init=0.05,
            random_state=0,
        ),
        {"solver__momentum": [0.0, 0.9], "solver__nesterov": [False]},
        cv=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    best = search.best_estimator_
    assert best.optimizer_.momentum == search.best_params_["solver__momentum"]
    assert best.optimizer_.nesterov is False
    assert search.estimator.solver.momentum == 0.9  # the search's own estimator is untouched


def test_nested_parameters_change_training(data):
    X, y = data
    fits = []
    for slope in (0.01, 0.5):
        clf = MLPScratchClassifier(
            hidden_layer_sizes=(8,), activation=LeakyReLU(), max_iter=5, random_state=0
        ).set_params(activation__negative_slope=slope)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fits.append(clf.fit(X, y).coefs_[0].copy())
    assert not np.allclose(fits[0], fits[1])


def _user_plugins():
    return dict(
        activation=LeakyReLU(0.2),
        output_activation=Sigmoid(),
        loss=SquaredError(),
        solver=SGD(momentum=0.5),
        learning_rate=Adaptive(factor=2.0),
        weight_init=Normal(scale=0.5),
    )


@pytest.mark.parametrize("mode", ["fit", "warm_start", "partial_fit"])
def test_fit_never_mutates_the_users_plugin_objects(data, mode):
    X, y = data
    plugins = _user_plugins()
    hashes = {name: joblib.hash(plugin) for name, plugin in plugins.items()}
    clf = MLPScratchClassifier(
        hidden_layer_sizes=(8,),
        max_iter=5,
        random_state=0,
        warm_start=mode == "warm_start",
        **plugins,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if mode == "partial_fit":
            clf.partial_fit(X, y, classes=[0, 1]).partial_fit(X, y)
        else:
            clf.fit(X, y).fit(X, y)
    for name, plugin in plugins.items():
        assert joblib.hash(plugin) == hashes[name], f"fit modified the {name} plugin"
        assert getattr(clf, name) is plugin
    assert clf.activation_ is not plugins["activation"]
    assert clf.optimizer_ is not plugins["solver"]
    assert hasattr(clf.optimizer_, "velocity_") and not hasattr(plugins["solver"], "velocity_")
    assert clf.initializer_ is not plugins["weight_init"]


def test_a_fitted_estimator_with_plugin_instances_pickles(data):
    X, y = data
    clf = MLPScratchClassifier(
        hidden_layer_sizes=(8,),
        max_iter=5,
        random_state=0,
        solver=Adam(beta_1=0.8),
        activation=LeakyReLU(0.1),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    assert repr(restored.optimizer_) == "Adam(beta_1=0.8, beta_2=0.999, epsilon=1e-08)"


def test_set_params_on_a_nested_name_of_a_non_plugin_value_says_why():
    plugin = Scaled(inner="tanh")
    with pytest.raises(ValueError, match=r"inner__negative_slope.*'inner' is 'tanh', not a plugin"):
        plugin.set_params(inner__negative_slope=0.1)
