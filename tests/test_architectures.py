"""Per-layer activations, dropout, hidden features and AdamW through both estimators."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skbackprop import MLPScratchClassifier, MLPScratchRegressor, load, save
from skbackprop.activations import LeakyReLU, ReLU, Tanh
from skbackprop.optimizers import AdamW

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X_CLF, Y_CLF = make_classification(n_samples=80, n_features=6, n_informative=4, random_state=0)
X_REG, Y_REG = make_regression(n_samples=80, n_features=6, noise=0.1, random_state=0)
Y_REG = Y_REG / Y_REG.std()
ESTIMATORS = [(MLPScratchClassifier, X_CLF, Y_CLF), (MLPScratchRegressor, X_REG, Y_REG)]
IDS = ["classifier", "regressor"]


def small(cls, **params):
    return cls(**{"hidden_layer_sizes": (7, 5), "max_iter": 15, "random_state": 0, **params})


def hidden_activations_by_hand(model, X):
    """Every hidden layer's activations, from coefs_ and the resolved activations."""
    A, layers = X, []
    n_hidden = len(model.coefs_) - 1
    activations = model.activation_
    if not isinstance(activations, list):
        activations = [activations] * n_hidden
    for W, b, activation in zip(model.coefs_[:-1], model.intercepts_[:-1], activations):
        A = activation.forward(A @ W + b)
        layers.append(A)
    return layers


# -------------------------------------------------------------- per-layer activations


@pytest.mark.parametrize("cls, X, y", ESTIMATORS, ids=IDS)
def test_each_hidden_layer_gets_its_own_activation(cls, X, y):
    leaky = LeakyReLU(negative_slope=0.3)
    model = small(cls, activation=(leaky, "tanh")).fit(X, y)
    assert [type(a) for a in model.activation_] == [LeakyReLU, Tanh]
    assert model.activation_[0] is not leaky and model.activation_[0].negative_slope == 0.3
    assert model.network_.hidden_activations == model.activation_
    output = model.network_.predict(X)
    last_hidden = hidden_activations_by_hand(model, X)[-1]
    expected = model.network_.output_activation.forward(
        last_hidden @ model.coefs_[-1] + model.intercepts_[-1]
    )
    np.testing.assert_allclose(output, expected, rtol=1e-12)


@pytest.mark.parametrize("cls, X, y", ESTIMATORS, ids=IDS)
def test_activation_sequence_of_the_wrong_length_is_refused(cls, X, y):
    with pytest.raises(ValueError, match=r"activation has 3 entries.*2 hidden layer"):
        small(cls, activation=("relu", "relu", "tanh")).fit(X, y)


def test_single_activation_keeps_its_meaning_and_sklearns_weights():
    model = small(MLPScratchClassifier, activation="tanh").fit(X_CLF, Y_CLF)
    assert isinstance(model.activation_, Tanh)
    assert model.network_.hidden_activations == [model.activation_] * 2
    same = small(MLPScratchClassifier, activation=("tanh", "tanh")).fit(X_CLF, Y_CLF)
    for mine, other in zip(model.coefs_, same.coefs_):
        np.testing.assert_array_equal(mine, other)


def test_grid_search_over_tuples_of_configured_instances():
    grid = {
        "activation": [(LeakyReLU(0.1), "tanh"), (LeakyReLU(0.4), "tanh"), ("relu", "relu")],
        "solver__weight_decay": [0.0, 0.1],  # an instance parameter is routed as usual
    }
    search = GridSearchCV(small(MLPScratchClassifier, solver=AdamW()), grid, cv=2)
    search.fit(X_CLF, Y_CLF)
    assert len(search.cv_results_["params"]) == 6
    slopes = {
        params["activation"][0].negative_slope
        for params in search.cv_results_["params"]
        if isinstance(params["activation"][0], LeakyReLU)
    }
    assert slopes == {0.1, 0.4}
    best = search.best_estimator_
    assert repr(best.activation) == repr(search.best_params_["activation"])
    assert best.solver.weight_decay == search.best_params_["solver__weight_decay"]


# ------------------------------------------------------------------------- dropout


@pytest.mark.parametrize("cls, X, y", ESTIMATORS, ids=IDS)
def test_dropout_fits_are_reproducible_and_differ_from_no_dropout(cls, X, y):
    first = small(cls, dropout=(0.3, 0.5), input_dropout=0.1).fit(X, y)
    second = small(cls, dropout=(0.3, 0.5), input_dropout=0.1).fit(X, y)
    plain = small(cls).fit(X, y)
    np.testing.assert_array_equal(first.network_.params, second.network_.params)
    assert not np.allclose(first.network_.params, plain.network_.params)


@pytest.mark.parametrize("cls, X, y", ESTIMATORS, ids=IDS)
def test_predictions_after_dropout_use_the_whole_network(cls, X, y):
    model = small(cls, dropout=0.5).fit(X, y)
    first, second = model.predict(X), model.predict(X)
    np.testing.assert_array_equal(first, second)
    raw = model.network_.output_activation.forward(
        hidden_activations_by_hand(model, X)[-1] @ model.coefs_[-1] + model.intercepts_[-1]
    )
    if cls is MLPScratchRegressor:
        np.testing.assert_allclose(first, raw.ravel(), rtol=1e-12)
    else:
        np.testing.assert_allclose(model.predict_proba(X)[:, 1], raw.ravel(), rtol=1e-12)


def test_zero_dropout_changes_nothing():
    plain = small(MLPScratchClassifier).fit(X_CLF, Y_CLF)
    zero = small(MLPScratchClassifier, dropout=(0.0, 0.0), input_dropout=0.0).fit(X_CLF, Y_CLF)
    np.testing.assert_array_equal(plain.network_.params, zero.network_.params)


@pytest.mark.parametrize("cls, X, y", ESTIMATORS, ids=IDS)
def test_dropout_with_lbfgs_is_refused_with_the_way_out(cls, X, y):
    with pytest.raises(ValueError, match="dropout needs a stochastic solver.*solver='adam'"):
        small(cls, solver="lbfgs", dropout=0.5).fit(X, y)
    with pytest.raises(ValueError, match="dropout needs a stochastic solver"):
        small(cls, solver="lbfgs", input_dropout=0.2).fit(X, y)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"dropout": 1.0}, r"dropout must be a dropout probability in \[0, 1\)"),
        ({"dropout": (0.5,)}, r"dropout has 1 entries.*2 hidden layer"),
        ({"input_dropout": -0.5}, "input_dropout must be"),
    ],
)
def test_bad_dropout_is_refused_naming_the_parameter(params, message):
    with pytest.raises(ValueError, match=message):
        small(MLPScratchClassifier, **params).fit(X_CLF, Y_CLF)


def test_dropout_with_early_stopping_and_partial_fit():
    model = small(MLPScratchClassifier, dropout=0.2, early_stopping=True, max_iter=30)
    model.fit(X_CLF, Y_CLF)
    assert model.validation_scores_ and model.best_loss_ is None
    model.partial_fit(X_CLF, Y_CLF)
    assert np.isfinite(model.network_.params).all()


# ------------------------------------------------------------------ hidden features


@pytest.mark.parametrize("cls, X, y", ESTIMATORS, ids=IDS)
@pytest.mark.parametrize("layer", [-1, 0, 1, -2])
def test_transform_returns_the_chosen_hidden_layers_activations(cls, X, y, layer):
    model = small(cls, activation=("relu", "tanh"), transform_layer=layer).fit(X, y)
    expected = hidden_activations_by_hand(model, X)[layer]
    np.testing.assert_allclose(model.transform(X), expected, rtol=1e-12)
    names = model.get_feature_names_out()
    assert len(names) == expected.shape[1]
    assert names[0] == f"{cls.__name__.lower()}0"


@pytest.mark.parametrize("cls, X, y", ESTIMATORS, ids=IDS)
def test_fit_transform_and_pandas_output(cls, X, y):
    model = small(cls, dropout=0.2).set_output(transform="pandas")
    frame = model.fit_transform(X, y)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(model.get_feature_names_out())
    np.testing.assert_array_equal(frame.to_numpy(), small(cls, dropout=0.2).fit(X, y).transform(X))


def test_hidden_features_feed_the_next_pipeline_step():
    pipeline = make_pipeline(
        small(MLPScratchClassifier, hidden_layer_sizes=(16,), max_iter=100),
        LogisticRegression(),
    )
    pipeline.fit(X_CLF, Y_CLF)
    assert pipeline[-1].n_features_in_ == 16
    assert pipeline.score(X_CLF, Y_CLF) > 0.8


@pytest.mark.parametrize(
    "params, error, message",
    [
        ({"transform_layer": 2}, ValueError, "does not name one of the 2 hidden layers"),
        ({"transform_layer": -3}, ValueError, "use 0 to 1, or -1"),
        ({"transform_layer": 0.5}, TypeError, "transform_layer must be the index"),
        ({"hidden_layer_sizes": ()}, ValueError, "has none"),
    ],
)
def test_transform_of_a_layer_that_is_not_there_is_refused(params, error, message):
    if "transform_layer" in params:
        # Refused at fit, and at transform when set after fitting.
        with pytest.raises(error, match=message):
            small(MLPScratchClassifier, **params).fit(X_CLF, Y_CLF)
        model = small(MLPScratchClassifier).fit(X_CLF, Y_CLF).set_params(**params)
    else:
        model = small(MLPScratchClassifier, **params).fit(X_CLF, Y_CLF)
    with pytest.raises(error, match=message):
        model.transform(X_CLF)


def test_transform_keeps_float32():
    X32 = X_CLF.astype(np.float32)
    model = small(MLPScratchClassifier).fit(X32, Y_CLF)
    assert model.transform(X32).dtype == np.float32


# ---------------------------------------------------------- AdamW, persistence, clone


@pytest.mark.parametrize("cls, X, y", ESTIMATORS, ids=IDS)
def test_adamw_by_name_decays_more_than_adam(cls, X, y):
    adam = small(cls, solver="adam", max_iter=40).fit(X, y)
    adamw = small(cls, solver=AdamW(weight_decay=0.5), max_iter=40).fit(X, y)
    by_name = small(cls, solver="adamw", max_iter=40).fit(X, y)
    assert isinstance(by_name.optimizer_, AdamW) and by_name.optimizer_.weight_decay == 0.01
    assert np.linalg.norm(adamw.network_.params) < np.linalg.norm(adam.network_.params)


@pytest.mark.parametrize("cls, X, y", ESTIMATORS, ids=IDS)
def test_new_parameters_round_trip_through_save_load_and_clone(cls, X, y, tmp_path):
    params = {
        "activation": (LeakyReLU(0.2), ReLU()),
        "dropout": (0.1, 0.3),
        "input_dropout": 0.1,
        "transform_layer": 0,
        "solver": AdamW(weight_decay=0.05),
    }
    model = small(cls, **params).fit(X, y)
    save(model, tmp_path / "model.skbp")
    loaded = load(tmp_path / "model.skbp")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))
    assert repr(loaded) == repr(model)
    assert [type(a) for a in loaded.network_.hidden_activations] == [LeakyReLU, ReLU]
    assert loaded.network_.hidden_activations[0] is loaded.activation_[0]  # shared, as saved
    np.testing.assert_array_equal(loaded.optimizer_.first_moment_, model.optimizer_.first_moment_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.set_params(warm_start=True).fit(X, y)
        loaded.set_params(warm_start=True).fit(X, y)
    np.testing.assert_array_equal(loaded.network_.params, model.network_.params)

    copy = clone(model)
    assert copy.get_params()["dropout"] == (0.1, 0.3)
    assert copy.get_params()["solver__weight_decay"] == 0.05
    assert copy.activation[0] is not params["activation"][0]
