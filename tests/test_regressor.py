"""MLPScratchRegressor: parity with MLPRegressor, targets, dtypes, workflows."""

import inspect
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, make_friedman1, make_regression
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.model_selection import GridSearchCV, cross_validate, train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import MLPScratchRegressor, load, save
from skbackprop.losses import Huber, MeanSquaredError, SquaredError

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return X, (y - y.mean()) / y.std()


def _weights(model):
    return model.coefs_ + model.intercepts_


def test_constructor_matches_sklearn_mlp_regressor_parameters_and_defaults():
    ours = inspect.signature(MLPScratchRegressor).parameters
    theirs = inspect.signature(MLPRegressor).parameters
    assert list(ours)[:3] == list(theirs)[:3]  # loss first, positional, as in scikit-learn
    for name, parameter in theirs.items():
        assert name in ours, name
        assert ours[name].default == parameter.default, name
    assert set(ours) - set(theirs) == {
        "output_activation",
        "weight_init",
        "early_stopping_metric",
        "dropout",
        "input_dropout",
        "transform_layer",
    }


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize("n_targets", [1, 3])
def test_same_seed_gives_sklearn_training_path(diabetes, solver, loss, n_targets):
    X, y = diabetes
    Y = np.column_stack([y * (k + 1) + k for k in range(n_targets)])
    Y = np.abs(Y) if loss == "poisson" else Y
    Y = Y.ravel() if n_targets == 1 else Y
    sample_weight = np.random.RandomState(0).uniform(0.2, 3.0, len(X))
    params = dict(hidden_layer_sizes=(7,), solver=solver, loss=loss, max_iter=6, random_state=0)
    ours = MLPScratchRegressor(**params).fit(X, Y, sample_weight=sample_weight)
    theirs = MLPRegressor(**params).fit(X, Y, sample_weight=sample_weight)
    for mine, reference in zip(_weights(ours), _weights(theirs)):
        np.testing.assert_allclose(mine, reference, rtol=1e-7, atol=1e-12)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-9)
    if solver != "lbfgs":  # scikit-learn records no curve for L-BFGS (skbackprop does)
        np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)
        assert ours.best_loss_ == pytest.approx(theirs.best_loss_, rel=1e-9)
    for name in ("n_iter_", "t_", "n_outputs_", "n_layers_", "out_activation_"):
        assert getattr(ours, name) == getattr(theirs, name), name
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-6, atol=1e-9)


def test_early_stopping_records_r2_as_sklearn(diabetes):
    X, y = diabetes
    params = dict(hidden_layer_sizes=(10,), early_stopping=True, max_iter=30, random_state=0)
    ours = MLPScratchRegressor(**params).fit(X, y)
    theirs = MLPRegressor(**params).fit(X, y)
    np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_, rtol=1e-9)
    assert ours.best_validation_score_ == pytest.approx(theirs.best_validation_score_)
    assert ours.best_loss_ is None and theirs.best_loss_ is None
    assert len(ours.validation_loss_curve_) == ours.n_iter_
    for mine, reference in zip(_weights(ours), _weights(theirs)):
        np.testing.assert_allclose(mine, reference, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize(
    "make_data",
    [
        lambda: load_diabetes(return_X_y=True),
        lambda: make_friedman1(n_samples=600, noise=1.0, random_state=0),
    ],
    ids=["diabetes", "friedman1"],
)
def test_r2_in_a_scaled_pipeline_is_not_below_sklearn(make_data):
    X, y = make_data()
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    params = dict(
        hidden_layer_sizes=(16,), solver="lbfgs", alpha=10.0, max_iter=200, random_state=0
    )

    def r2(estimator):
        model = TransformedTargetRegressor(
            make_pipeline(StandardScaler(), estimator), transformer=StandardScaler()
        )
        return model.fit(X_train, y_train).score(X_test, y_test)

    ours, theirs = r2(MLPScratchRegressor(**params)), r2(MLPRegressor(**params))
    assert ours > 0.3  # diabetes is noisy: linear models reach about 0.35 on this split
    assert ours >= theirs - 0.01


def test_textbook_quadratic_cost_learns_a_regression_target():
    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, size=(400, 1))
    y = np.sin(2 * X[:, 0])
    model = MLPScratchRegressor(
        loss=SquaredError(),  # ½‖a − y‖², the textbook's cost
        hidden_layer_sizes=(20,),
        activation="sigmoid",
        solver="sgd",
        learning_rate_init=0.1,
        momentum=0.5,
        batch_size=10,
        alpha=0,
        max_iter=300,
        weight_init="normal",
        random_state=0,
    ).fit(X, y)
    assert model.score(X, y) > 0.95


def test_squared_error_on_regression_targets_is_scikit_learns_mean_over_outputs(diabetes):
    X, y = diabetes
    Y = np.column_stack([y, 2 * y])
    model = MLPScratchRegressor(max_iter=2, random_state=0).fit(X, Y)
    assert isinstance(model.loss_function_, MeanSquaredError)
    residual = model.predict(X) - Y
    # ½ mean over samples and outputs, plus the L2 penalty of the final weights.
    value = model.loss_function_.forward(Y, model.predict(X))
    assert value == pytest.approx(0.5 * np.mean(residual**2), rel=1e-12)


@pytest.mark.parametrize("loss", ["huber", "absolute_error"])
def test_robust_losses_resist_outliers_in_y(loss):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    y_noisy = y.copy()
    y_noisy[rng.choice(300, 30, replace=False)] += 40.0  # gross outliers
    params = dict(hidden_layer_sizes=(), solver="lbfgs", alpha=0, max_iter=500, random_state=0)
    robust = MLPScratchRegressor(loss=loss, **params).fit(X, y_noisy)
    least_squares = MLPScratchRegressor(**params).fit(X, y_noisy)
    error = lambda model: np.abs(model.predict(X) - y).mean()  # noqa: E731
    assert error(robust) < 0.2 * error(least_squares)
    assert error(robust) < 0.5


def test_huber_epsilon_is_searchable_and_validated(diabetes):
    X, y = diabetes
    search = GridSearchCV(
        MLPScratchRegressor(loss=Huber(), hidden_layer_sizes=(5,), max_iter=20, random_state=0),
        {"loss__epsilon": [0.5, 2.0]},
        cv=2,
    ).fit(X, y)
    assert search.best_params_["loss__epsilon"] in (0.5, 2.0)
    with pytest.raises(ValueError, match="Huber: epsilon must be a finite number"):
        MLPScratchRegressor(loss=Huber(epsilon=np.nan)).fit(X, y)
    with pytest.raises(ValueError, match="Huber: epsilon == 0, must be > 0"):
        MLPScratchRegressor(loss=Huber(epsilon=0)).fit(X, y)


def test_poisson_refuses_negative_targets_naming_the_loss(diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match="loss='poisson' needs non-negative targets"):
        MLPScratchRegressor(loss="poisson").fit(X, y)
    model = MLPScratchRegressor(loss="poisson", max_iter=5, random_state=0).fit(X, np.abs(y))
    assert model.out_activation_ == "exp"
    assert (model.predict(X) > 0).all()


def test_column_vector_y_warns_and_predictions_are_one_dimensional(diabetes):
    X, y = diabetes
    with pytest.warns(DataConversionWarning):
        model = MLPScratchRegressor(max_iter=2, random_state=0).fit(X, y.reshape(-1, 1))
    assert model.predict(X).shape == (len(X),)
    multi = MLPScratchRegressor(max_iter=2, random_state=0).fit(X, np.column_stack([y, y]))
    assert multi.predict(X).shape == (len(X), 2) and multi.n_outputs_ == 2


def test_float32_input_trains_and_predicts_in_float32(diabetes):
    X, y = diabetes
    model = MLPScratchRegressor(max_iter=3, random_state=0).fit(X.astype(np.float32), y)
    assert model.network_.params.dtype == np.float32
    assert model.predict(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("to_sparse", [sp.csr_matrix, sp.csc_matrix])
def test_sparse_input_gives_the_same_model_as_dense(diabetes, to_sparse):
    X, y = diabetes
    dense = MLPScratchRegressor(max_iter=3, random_state=0).fit(X, y)
    sparse = MLPScratchRegressor(max_iter=3, random_state=0).fit(to_sparse(X), y)
    for a, b in zip(_weights(dense), _weights(sparse)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_partial_fit_and_warm_start_continue_training(diabetes):
    X, y = diabetes
    model = MLPScratchRegressor(hidden_layer_sizes=(8,), random_state=0)
    for _ in range(3):
        model.partial_fit(X, y)
    assert len(model.loss_curve_) == 3 and model.loss_curve_[-1] < model.loss_curve_[0]
    warm = MLPScratchRegressor(hidden_layer_sizes=(8,), max_iter=3, warm_start=True, random_state=0)
    warm.fit(X, y).fit(X, y)
    assert len(warm.loss_curve_) == 6 and warm.n_iter_ == 3
    with pytest.raises(ValueError, match="fitted with 1"):
        warm.fit(X, np.column_stack([y, y]))


def test_validation_set_and_early_stopping_on_the_loss(diabetes):
    X, y = diabetes
    X_train, X_val, y_train, y_val = train_test_split(X, y, random_state=0)
    model = MLPScratchRegressor(
        hidden_layer_sizes=(16,),
        early_stopping=True,
        early_stopping_metric="loss",
        max_iter=300,
        random_state=0,
    ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    best = int(np.argmin(model.validation_loss_curve_))
    assert model.n_iter_ < 300
    assert model.best_validation_loss_ == min(model.validation_loss_curve_)
    # The kept weights are those of the best epoch: scoring them again gives its loss.
    output = model.network_.predict(X_val)
    loss = model.loss_function_.forward(y_val.reshape(-1, 1), output)
    assert loss == pytest.approx(model.validation_loss_curve_[best], rel=1e-10)


def test_workflows_pipeline_search_cross_validate_joblib_and_safe_files(diabetes, tmp_path):
    X, y = diabetes
    pipeline = make_pipeline(
        StandardScaler(), MLPScratchRegressor(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    )
    scores = cross_validate(pipeline, X, y, cv=3)["test_score"]
    assert np.isfinite(scores).all()
    search = GridSearchCV(
        pipeline, {"mlpscratchregressor__activation": ["relu", "tanh"]}, cv=2
    ).fit(X, y)
    model = search.best_estimator_
    joblib.dump(model, tmp_path / "model.joblib")
    np.testing.assert_array_equal(
        joblib.load(tmp_path / "model.joblib").predict(X), model.predict(X)
    )
    save(model, tmp_path / "model.skbp")
    np.testing.assert_array_equal(load(tmp_path / "model.skbp").predict(X), model.predict(X))


def test_convergence_warnings_are_attributed_to_skbackprop(diabetes):
    X, y = diabetes
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=ConvergenceWarning, module="skbackprop")
        MLPScratchRegressor(max_iter=1, random_state=0).fit(X, y)
        MLPScratchRegressor(solver="lbfgs", max_iter=1, random_state=0).fit(X, y)
    assert not [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    with pytest.warns(ConvergenceWarning):
        MLPScratchRegressor(max_iter=1, random_state=0).fit(X, y)


def test_html_representation_links_to_the_api_reference():
    html = MLPScratchRegressor()._repr_html_()
    assert "generated/skbackprop.MLPScratchRegressor.html" in html


def test_make_regression_with_many_targets_fits():
    X, Y = make_regression(n_samples=80, n_features=5, n_targets=4, random_state=0)
    model = MLPScratchRegressor(solver="lbfgs", max_iter=200, random_state=0)
    model.fit(StandardScaler().fit_transform(X), Y / Y.std())
    assert model.predict(X).shape == Y.shape


@pytest.mark.parametrize("loss", ["log_loss", "binary_cross_entropy"])
def test_cross_entropies_refuse_targets_outside_zero_one_naming_the_loss(diabetes, loss):
    X, y = diabetes
    names = r"loss='(log_loss|binary_cross_entropy)'"  # log_loss resolves to the binary one
    with pytest.raises(ValueError, match=names + r".*\[0, 1\].*'squared_error'"):
        MLPScratchRegressor(loss=loss, max_iter=2).fit(X, y)
    for outside in (np.full(len(y), 1.5), np.full(len(y), -0.5)):
        with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
            MLPScratchRegressor(loss=loss, max_iter=2).fit(X, outside)
    # Probabilities are what these losses fit: 0 and 1 included.
    probabilities = np.linspace(0, 1, len(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPScratchRegressor(loss=loss, max_iter=2, random_state=0).fit(X, probabilities)
    assert ((model.predict(X) >= 0) & (model.predict(X) <= 1)).all()
