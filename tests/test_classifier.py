"""MLPScratchClassifier as a scikit-learn estimator: accuracy, targets, dtypes, workflows."""

import inspect
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skbackprop import MLPScratchClassifier
from skbackprop.activations import LeakyReLU

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, stratify=y, random_state=0)


def test_constructor_matches_sklearn_mlp_classifier_parameters_and_defaults():
    ours = inspect.signature(MLPScratchClassifier).parameters
    theirs = inspect.signature(MLPClassifier).parameters
    for name, parameter in theirs.items():
        assert name in ours, name
        assert ours[name].default == parameter.default, name
    added = set(ours) - set(theirs)
    assert added == {
        "loss",
        "output_activation",
        "weight_init",
        "class_weight",
        "early_stopping_metric",
        "dropout",
        "input_dropout",
        "transform_layer",
    }


def test_default_accuracy_on_digits_matches_sklearn(digits):
    X_train, X_test, y_train, y_test = digits
    ours = make_pipeline(MinMaxScaler(), MLPScratchClassifier(random_state=0))
    theirs = make_pipeline(MinMaxScaler(), MLPClassifier(random_state=0))
    our_score = ours.fit(X_train, y_train).score(X_test, y_test)
    their_score = theirs.fit(X_train, y_train).score(X_test, y_test)
    assert our_score >= 0.97
    assert our_score >= their_score - 0.01


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_same_seed_gives_sklearn_weights(digits, solver):
    X_train, _, y_train, _ = digits
    X_train = MinMaxScaler().fit_transform(X_train)
    params = dict(random_state=0, max_iter=3, solver=solver)
    ours = MLPScratchClassifier(**params).fit(X_train, y_train)
    theirs = MLPClassifier(**params).fit(X_train, y_train)
    for mine, reference in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(mine, reference, rtol=1e-7, atol=1e-10)


def test_textbook_network_learns_digits(digits):
    X_train, X_test, y_train, y_test = digits
    scores = []
    for seed in range(8):
        clf = MLPScratchClassifier(
            hidden_layer_sizes=(32,),
            activation="sigmoid",
            loss="squared_error",
            solver="sgd",
            momentum=0,
            learning_rate_init=3.0,
            batch_size=16,
            alpha=0,
            weight_init="normal",
            max_iter=30,
            random_state=seed,
        )
        model = make_pipeline(MinMaxScaler(), clf).fit(X_train, y_train)
        scores.append(model.score(X_test, y_test))
        assert clf.out_activation_ == "logistic"
    assert np.mean(scores) >= 0.85


def test_grid_search_over_string_and_instance_activations_then_joblib_round_trip(digits, tmp_path):
    X_train, X_test, y_train, _ = digits
    pipe = make_pipeline(MinMaxScaler(), MLPScratchClassifier(max_iter=20, random_state=0))
    grid = GridSearchCV(
        pipe,
        {
            "mlpscratchclassifier__activation": ["relu", "tanh", LeakyReLU(negative_slope=0.1)],
            "mlpscratchclassifier__solver": ["adam", "lbfgs"],
        },
        cv=2,
        n_jobs=2,
    ).fit(X_train, y_train)
    assert len(grid.cv_results_["params"]) == 6
    assert np.all(grid.cv_results_["mean_test_score"] > 0.8)
    path = tmp_path / "model.joblib"
    joblib.dump(grid.best_estimator_, path)
    reloaded = joblib.load(path)
    np.testing.assert_array_equal(
        reloaded.predict_proba(X_test), grid.best_estimator_.predict_proba(X_test)
    )
    np.testing.assert_array_equal(reloaded.predict(X_test), grid.predict(X_test))


def test_fit_does_not_mutate_user_plugin_instances():
    X, y = make_classification(n_samples=60, random_state=0)
    activation = LeakyReLU(negative_slope=0.2)
    clf = MLPScratchClassifier(activation=activation, max_iter=5).fit(X, y)
    assert clf.activation is activation
    assert clf.activation_ is not activation
    assert vars(activation) == {"negative_slope": 0.2}


def test_binary_target_uses_one_sigmoid_output_and_two_probability_columns():
    X, y = make_classification(n_samples=80, random_state=0)
    labels = np.array(["no", "yes"])[y]
    clf = MLPScratchClassifier(max_iter=50, random_state=0).fit(X, labels)
    proba = clf.predict_proba(X)
    assert clf.n_outputs_ == 1 and clf.out_activation_ == "logistic"
    assert proba.shape == (80, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert set(clf.predict(X)) <= {"no", "yes"}
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))


def test_multiclass_string_labels_are_predicted_from_classes():
    X, y = make_classification(n_samples=90, n_informative=4, n_classes=3, random_state=0)
    labels = np.array(["ant", "bee", "cat"])[y]
    clf = MLPScratchClassifier(max_iter=100, random_state=0).fit(X, labels)
    assert list(clf.classes_) == ["ant", "bee", "cat"]
    assert clf.out_activation_ == "softmax"
    assert clf.score(X, labels) > 0.8
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(clf.predict_proba(X)))


def test_multilabel_indicator_targets():
    X, Y = make_multilabel_classification(n_samples=100, n_classes=4, random_state=0)
    clf = MLPScratchClassifier(max_iter=200, random_state=0).fit(X, Y)
    proba = clf.predict_proba(X)
    assert clf.predict(X).shape == Y.shape
    assert proba.shape == Y.shape and np.all((proba > 0) & (proba < 1))
    assert clf.score(X, Y) > 0.5


@pytest.mark.parametrize("to_sparse", [sp.csr_matrix, sp.csc_matrix])
def test_sparse_input_gives_the_same_model_as_dense(to_sparse):
    X, y = make_classification(n_samples=60, random_state=0)
    X[np.abs(X) < 0.5] = 0
    dense = MLPScratchClassifier(max_iter=10, random_state=0).fit(X, y)
    sparse = MLPScratchClassifier(max_iter=10, random_state=0).fit(to_sparse(X), y)
    np.testing.assert_allclose(
        sparse.predict_proba(to_sparse(X)), dense.predict_proba(X), rtol=1e-10
    )


def test_float32_input_trains_and_predicts_in_float32():
    X, y = make_classification(n_samples=60, random_state=0)
    clf = MLPScratchClassifier(max_iter=10, random_state=0).fit(X.astype(np.float32), y)
    assert all(W.dtype == np.float32 for W in clf.coefs_ + clf.intercepts_)
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32
    clf64 = MLPScratchClassifier(max_iter=10, random_state=0).fit(X.astype(np.int64), y)
    assert clf64.coefs_[0].dtype == np.float64


def test_no_hidden_layers_is_multinomial_logistic_regression():
    X, y = make_classification(n_samples=90, n_informative=4, n_classes=3, random_state=0)
    clf = MLPScratchClassifier(hidden_layer_sizes=(), solver="lbfgs", random_state=0).fit(X, y)
    assert clf.n_layers_ == 2
    assert [W.shape for W in clf.coefs_] == [(20, 3)]
    assert clf.score(X, y) > 0.8


def test_fitted_attributes_match_sklearn():
    X, y = make_classification(n_samples=60, random_state=0)
    ours = MLPScratchClassifier(max_iter=5, random_state=0).fit(X, y)
    theirs = MLPClassifier(max_iter=5, random_state=0).fit(X, y)
    public = {name for name in vars(theirs) if name.endswith("_") and not name.startswith("_")}
    for name in public | {"coefs_", "intercepts_"}:
        assert hasattr(ours, name), name
    assert ours.loss_curve_ == pytest.approx(theirs.loss_curve_)
    assert (ours.n_iter_, ours.t_, ours.n_layers_) == (theirs.n_iter_, theirs.t_, theirs.n_layers_)


def test_partial_fit_needs_classes_first_and_is_missing_for_lbfgs():
    X, y = make_classification(n_samples=60, random_state=0)
    clf = MLPScratchClassifier(random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:30], y[:30], classes=[0, 1])
    clf.partial_fit(X[30:], y[30:])
    assert clf.n_iter_ == 1 and clf.t_ == 60
    assert not hasattr(MLPScratchClassifier(solver="lbfgs"), "partial_fit")


def test_convergence_warning_when_max_iter_is_reached():
    X, y = make_classification(n_samples=60, random_state=0)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MLPScratchClassifier(max_iter=2, tol=0).fit(X, y)


def test_invalid_parameters_are_reported_at_fit_not_init():
    X, y = make_classification(n_samples=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = MLPScratchClassifier(hidden_layer_sizes=(-3,), learning_rate_init=0, activation="x")
    assert clf.get_params()["hidden_layer_sizes"] == (-3,)
    with pytest.raises(ValueError, match="hidden_layer_sizes|learning_rate_init"):
        clf.fit(X, y)


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"hidden_layer_sizes": (10, -1)}, ValueError, "hidden_layer_sizes must be"),
        ({"hidden_layer_sizes": "big"}, ValueError, "hidden_layer_sizes must be"),
        ({"learning_rate_init": 0}, ValueError, "learning_rate_init"),
        ({"learning_rate_init": -0.1}, ValueError, "learning_rate_init"),
        ({"alpha": -1}, ValueError, "alpha"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"momentum": 1.5}, ValueError, "momentum"),
        ({"activation": "relux"}, ValueError, "Did you mean 'relu'"),
        ({"solver": "adma"}, ValueError, "Invalid value for 'solver'.*adam"),
        ({"loss": "hinge"}, ValueError, "Built-in loss names: "),
        ({"weight_init": "zeros"}, ValueError, "glorot_uniform"),
        ({"activation": 3}, TypeError, "'activation' must be a registered activation"),
        ({"shuffle": "yes"}, TypeError, "shuffle"),
    ],
)
def test_invalid_parameters_raise_errors_naming_them(params, error, match):
    X, y = make_classification(n_samples=30, random_state=0)
    with pytest.raises(error, match=match):
        MLPScratchClassifier(**params).fit(X, y)


def test_unknown_plugin_name_lists_the_known_names():
    X, y = make_classification(n_samples=30, random_state=0)
    with pytest.raises(ValueError) as info:
        MLPScratchClassifier(activation="swish").fit(X, y)
    for name in ("relu", "tanh", "logistic", "leaky_relu", "gelu"):
        assert name in str(info.value)


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.array([[np.nan, 1.0], [1.0, 2.0]]), [0, 1], "NaN"),
        (np.array([[np.inf, 1.0], [1.0, 2.0]]), [0, 1], "infinity"),
        (np.array([1.0, 2.0, 3.0]), [0, 1, 0], "Expected 2D array"),
        (np.empty((0, 3)), [], "0 sample"),
        (np.ones((4, 2)) + 1j, [0, 1, 0, 1], "Complex data"),
        (np.ones((4, 2)), [0.5, 1.5, 2.5, 3.5], "Unknown label type"),
        (np.ones((4, 2)), [0, 1, 0], "inconsistent numbers of samples"),
    ],
)
def test_bad_data_raises_a_clear_value_error(X, y, match):
    with pytest.raises(ValueError, match=match):
        MLPScratchClassifier().fit(X, y)


def test_predicting_with_the_wrong_number_of_features_fails_clearly():
    X, y = make_classification(n_samples=30, random_state=0)
    clf = MLPScratchClassifier(max_iter=3).fit(X, y)
    with pytest.raises(ValueError, match="20 features"):
        clf.predict(X[:, :5])


def test_sample_weight_equals_repeating_rows():
    X, y = make_classification(n_samples=40, random_state=0)
    weights = np.random.RandomState(0).randint(1, 4, size=40)
    params = dict(solver="lbfgs", max_iter=30, random_state=0, tol=0)
    weighted = MLPScratchClassifier(**params).fit(X, y, sample_weight=weights)
    repeated = MLPScratchClassifier(**params).fit(
        np.repeat(X, weights, axis=0), np.repeat(y, weights)
    )
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-6)


def test_clone_keeps_plugin_parameters():
    clf = MLPScratchClassifier(activation=LeakyReLU(negative_slope=0.3))
    copy = clone(clf)
    assert copy.activation is not clf.activation
    assert copy.activation.negative_slope == 0.3
    assert clf.get_params()["activation__negative_slope"] == 0.3


def test_softmax_output_on_a_binary_target_is_refused():
    X, y = make_classification(n_samples=30, random_state=0)
    with pytest.raises(ValueError, match="output_activation='softmax' needs one output unit"):
        MLPScratchClassifier(output_activation="softmax", max_iter=2).fit(X, y)


def test_coefs_and_intercepts_can_be_assigned_as_in_sklearn():
    X, y = make_classification(n_samples=40, random_state=0)
    clf = MLPScratchClassifier(hidden_layer_sizes=(3,), max_iter=2).fit(X, y)
    clf.coefs_ = [np.zeros((20, 3)), np.zeros((3, 1))]
    clf.intercepts_ = [np.zeros(3), np.ones(1)]
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], 1 / (1 + np.exp(-1)))
    with pytest.raises(ValueError, match=r"coefs_ must be a list of arrays of shapes"):
        clf.coefs_ = [np.zeros((20, 4)), np.zeros((4, 1))]


def test_partial_fit_with_a_misspelt_solver_names_the_typo():
    clf = MLPScratchClassifier(solver="adma")
    assert not hasattr(clf, "partial_fit")
    with pytest.raises(AttributeError) as info:
        clf.partial_fit(np.ones((4, 2)), [0, 1, 0, 1], classes=[0, 1])
    # scikit-learn's available_if shows our reason as the cause in the traceback.
    assert "Did you mean 'adam'" in str(info.value.__cause__)


@pytest.mark.parametrize("classes", [[0, 1], [0, 1, 2, 3]], ids=["subset", "superset"])
def test_warm_fit_on_other_classes_raises_as_sklearn(classes):
    X, y = make_classification(n_samples=60, n_classes=3, n_informative=4, random_state=0)
    new_y = np.array(classes)[np.arange(60) % len(classes)]
    message = "warm_start can only be used where `y` has the same classes"
    for cls in (MLPClassifier, MLPScratchClassifier):
        model = cls(hidden_layer_sizes=(5,), max_iter=5, warm_start=True, random_state=0)
        model.fit(X, y)
        with pytest.raises(ValueError, match=message):
            model.fit(X, new_y)
        np.testing.assert_array_equal(model.classes_, [0, 1, 2])


def test_a_single_class_is_fitted_and_always_predicted_as_sklearn():
    X = np.random.RandomState(0).normal(size=(20, 3))
    y = np.full(20, "only")
    ours = MLPScratchClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0).fit(X, y)
    theirs = MLPClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0).fit(X, y)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert set(ours.predict(X)) == {"only"}


def test_learning_curve_on_sorted_data_works_as_with_sklearn():
    # The first training sizes of sorted data hold a single class.
    from sklearn.model_selection import learning_curve

    X, y = make_classification(n_samples=120, random_state=0)
    order = np.argsort(y, kind="stable")
    params = dict(hidden_layer_sizes=(5,), max_iter=30, random_state=0)
    train_scores = {
        cls: learning_curve(
            cls(**params),
            X[order],
            y[order],
            cv=3,
            shuffle=False,
            train_sizes=[0.2, 0.6, 1.0],
            error_score="raise",
        )[1]
        for cls in (MLPScratchClassifier, MLPClassifier)
    }
    assert np.isfinite(train_scores[MLPScratchClassifier]).all()
    np.testing.assert_allclose(
        train_scores[MLPScratchClassifier][0], train_scores[MLPClassifier][0]
    )


def test_html_representation_links_to_the_api_reference():
    html = MLPScratchClassifier()._repr_html_()
    assert "generated/skbackprop.MLPScratchClassifier.html" in html


@pytest.mark.parametrize("activation", ["logistic", "relu"])
def test_no_hidden_layers_draws_sklearns_initial_weights(activation):
    # scikit-learn's Glorot factor follows its activation parameter even with no hidden layer.
    X, y = make_classification(n_samples=40, random_state=0)
    params = dict(hidden_layer_sizes=(), activation=activation, max_iter=1, random_state=0)
    ours = MLPScratchClassifier(**params).fit(X, y)
    theirs = MLPClassifier(**params).fit(X, y)
    np.testing.assert_allclose(ours.coefs_[0], theirs.coefs_[0], rtol=1e-7, atol=1e-12)
