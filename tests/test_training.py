"""The training loop (skbackprop/_training.py): stopping rules, state, divergence."""

import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skbackprop import MLPScratchClassifier, MLPScratchRegressor
from skbackprop.optimizers import LBFGS

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_SCALED = StandardScaler().fit_transform(X_IRIS)


def _fit_quietly(clf, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(*args, **kwargs)


# ------------------------------------------------------------ parity with scikit-learn


def test_max_iter_reached_warns_convergence():
    clf = MLPScratchClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
        clf.fit(X_SCALED, Y_IRIS)
    assert clf.n_iter_ == 3


def test_n_iter_counts_the_epochs_of_the_last_call_only():
    clf = MLPScratchClassifier(hidden_layer_sizes=(5,), max_iter=2, warm_start=True, random_state=0)
    _fit_quietly(clf, X_SCALED, Y_IRIS)
    _fit_quietly(clf, X_SCALED, Y_IRIS)
    assert clf.n_iter_ == 2
    assert len(clf.loss_curve_) == 4
    assert clf.t_ == 4 * len(X_SCALED)


def test_training_loss_plateau_stops_after_n_iter_no_change_epochs():
    # With a huge tol no epoch after the first counts as an improvement.
    clf = MLPScratchClassifier(
        hidden_layer_sizes=(5,), tol=100.0, n_iter_no_change=3, random_state=0
    )
    clf.fit(X_SCALED, Y_IRIS)
    assert clf.n_iter_ == 1 + 3 + 1
    assert clf.best_loss_ == min(clf.loss_curve_)


def test_adaptive_schedule_divides_the_rate_by_five_on_a_plateau():
    clf = MLPScratchClassifier(
        hidden_layer_sizes=(5,),
        solver="sgd",
        learning_rate="adaptive",
        tol=100.0,
        n_iter_no_change=2,
        max_iter=4,
        random_state=0,
    )
    _fit_quietly(clf, X_SCALED, Y_IRIS)
    assert clf.learning_rate_schedule_.learning_rate_ == pytest.approx(0.001 / 5)


def test_adaptive_schedule_stops_when_the_rate_is_too_small(capsys):
    clf = MLPScratchClassifier(
        hidden_layer_sizes=(5,),
        solver="sgd",
        learning_rate="adaptive",
        learning_rate_init=1e-6,
        tol=100.0,
        n_iter_no_change=2,
        verbose=True,
        random_state=0,
    )
    clf.fit(X_SCALED, Y_IRIS)
    assert clf.n_iter_ == 1 + 2 + 1
    assert "Learning rate too small. Stopping." in capsys.readouterr().out


def test_verbose_prints_loss_and_validation_score_each_epoch(capsys):
    clf = MLPScratchClassifier(
        hidden_layer_sizes=(5,), max_iter=3, early_stopping=True, verbose=True, random_state=0
    )
    _fit_quietly(clf, X_SCALED, Y_IRIS)
    out = capsys.readouterr().out
    assert out.count("Iteration ") == 3
    assert "Iteration 3, loss = " in out
    assert out.count("Validation score: ") == 3
    assert out.count("Validation loss: ") == 3


def test_early_stopping_restores_the_best_validation_weights():
    clf = MLPScratchClassifier(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        max_iter=60,
        n_iter_no_change=5,
        random_state=0,
    )
    X_val, y_val = X_SCALED[::3], Y_IRIS[::3]
    _fit_quietly(clf, X_SCALED, Y_IRIS, X_val=X_val, y_val=y_val)
    assert clf.best_loss_ is None
    assert clf.score(X_val, y_val) == pytest.approx(clf.best_validation_score_)
    assert len(clf.validation_scores_) == clf.n_iter_


def test_partial_fit_runs_one_epoch_per_call_and_ignores_early_stopping():
    clf = MLPScratchClassifier(hidden_layer_sizes=(5,), early_stopping=True, random_state=0)
    clf.partial_fit(X_SCALED, Y_IRIS, classes=np.unique(Y_IRIS))
    clf.partial_fit(X_SCALED, Y_IRIS)
    assert clf.n_iter_ == 1
    assert len(clf.loss_curve_) == 2
    assert clf.t_ == 2 * len(X_SCALED)  # no sample was held out


# --------------------------------------------------- defects of scikit-learn 1.9.1, fixed


def test_minibatch_of_zero_weight_is_skipped_not_a_crash():
    # scikit-learn raises ZeroDivisionError here.
    sample_weight = np.ones(len(X_SCALED))
    sample_weight[:4] = 0
    params = dict(hidden_layer_sizes=(5,), batch_size=4, shuffle=False, max_iter=3, random_state=0)
    weighted = _fit_quietly(
        MLPScratchClassifier(**params), X_SCALED, Y_IRIS, sample_weight=sample_weight
    )
    dropped = _fit_quietly(MLPScratchClassifier(**params), X_SCALED[4:], Y_IRIS[4:])
    for W_weighted, W_dropped in zip(weighted.coefs_, dropped.coefs_):
        np.testing.assert_array_equal(W_weighted, W_dropped)
    # The skipped batch does not count in the epoch's mean loss either.
    assert weighted.loss_curve_ == pytest.approx(dropped.loss_curve_, rel=1e-12)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_warm_start_continues_the_optimizer_state(solver):
    # scikit-learn resets Adam's moments (and SGD's velocity) on every warm fit;
    # carrying them makes two warm fits of one epoch equal one fit of two epochs.
    params = dict(hidden_layer_sizes=(5,), solver=solver, shuffle=False, random_state=0)
    two_epochs = _fit_quietly(MLPScratchClassifier(max_iter=2, **params), X_SCALED, Y_IRIS)
    warm = MLPScratchClassifier(max_iter=1, warm_start=True, **params)
    _fit_quietly(warm, X_SCALED, Y_IRIS)
    _fit_quietly(warm, X_SCALED, Y_IRIS)
    np.testing.assert_allclose(warm.network_.params, two_epochs.network_.params, rtol=1e-12)


@pytest.mark.parametrize(
    "first, then", [("lbfgs", "adam"), ("lbfgs", "sgd"), ("sgd", "adam"), ("adam", "sgd")]
)
@pytest.mark.parametrize("method", ["warm_start", "partial_fit"])
def test_changing_solver_between_fits_starts_fresh_optimizer_state(first, then, method):
    params = dict(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    clf = _fit_quietly(MLPScratchClassifier(solver=first, **params), X_SCALED, Y_IRIS)
    before = clf.network_.params.copy()
    clf.set_params(solver=then, warm_start=method == "warm_start")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if method == "warm_start":
            clf.fit(X_SCALED, Y_IRIS)
        else:
            clf.partial_fit(X_SCALED, Y_IRIS)
    assert type(clf.optimizer_).__name__.lower() == then
    assert not np.array_equal(clf.network_.params, before)  # continued from the old weights


def test_lbfgs_records_the_loss_curve_and_prints_it(capsys):
    clf = MLPScratchClassifier(
        hidden_layer_sizes=(5,), solver="lbfgs", max_iter=15, verbose=True, random_state=0
    )
    _fit_quietly(clf, X_SCALED, Y_IRIS)
    assert len(clf.loss_curve_) == clf.n_iter_ == 15
    assert clf.loss_curve_[-1] == pytest.approx(clf.loss_)
    assert capsys.readouterr().out.count("Iteration ") == 15


# ------------------------------------------------------------------------ divergence


@pytest.mark.parametrize(
    "X, params",
    [
        (
            X_IRIS,
            dict(
                solver="sgd",
                learning_rate_init=10.0,
                activation="identity",
                loss="squared_error",
                output_activation="identity",
            ),
        ),
        (
            X_IRIS * 1e6,
            dict(
                solver="sgd",
                activation="identity",
                loss="squared_error",
                output_activation="identity",
            ),
        ),
    ],
    ids=["learning_rate_init=10", "features*1e6"],
)
def test_divergence_stops_restores_finite_weights_and_says_what_to_do(X, params):
    clf = MLPScratchClassifier(hidden_layer_sizes=(5,), max_iter=50, random_state=0, **params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, Y_IRIS)
    messages = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    diverged = [m for m in messages if "diverged" in m]
    assert len(diverged) == 1
    assert "Scale the inputs" in diverged[0] and "lower learning_rate_init" in diverged[0]
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert clf.n_iter_ < 50
    assert np.isfinite(clf.network_.params).all()
    assert np.isfinite(clf.loss_curve_).all()
    assert np.isfinite(clf.predict_proba(X)).all()


def test_exploding_loss_warns_once_even_while_finite():
    clf = MLPScratchClassifier(
        hidden_layer_sizes=(100,),
        solver="sgd",
        learning_rate_init=10.0,
        max_iter=30,
        random_state=0,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X_IRIS, Y_IRIS)
    exploding = [w for w in caught if "exploding" in str(w.message)]
    assert len(exploding) == 1
    assert issubclass(exploding[0].category, ConvergenceWarning)
    assert np.isfinite(clf.predict_proba(X_IRIS)).all()


def test_divergence_keeps_a_model_usable_for_warm_start():
    clf = MLPScratchClassifier(
        hidden_layer_sizes=(5,),
        solver="sgd",
        learning_rate_init=10.0,
        activation="identity",
        loss="squared_error",
        output_activation="identity",
        warm_start=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_IRIS, Y_IRIS)
        clf.set_params(learning_rate_init=1e-4, max_iter=3).fit(X_IRIS, Y_IRIS)
    assert np.isfinite(clf.optimizer_.velocity_).all()
    assert np.isfinite(clf.loss_curve_[-3:]).all()


class _NaNLBFGS(LBFGS):
    """A full-batch optimizer that returns non-finite weights."""

    name = None

    def minimize(self, loss_and_gradient, params, max_iter, tol, callback=None):
        result = super().minimize(loss_and_gradient, params, max_iter, tol, callback)
        params[0] = np.nan
        return result


def test_non_finite_weights_from_a_full_batch_optimizer_raise_a_clear_error():
    clf = MLPScratchClassifier(hidden_layer_sizes=(5,), solver=_NaNLBFGS(), max_iter=5)
    with pytest.raises(ValueError, match="non-finite weights.*Scale the inputs"):
        _fit_quietly(clf, X_SCALED, Y_IRIS)


# ------------------------------------------- what a diverged training leaves behind

#: Ways to blow training up: (name, estimator parameters, X scale, fit keyword arguments).
BLOW_UPS = [
    ("learning_rate_init=1e300", {"learning_rate_init": 1e300}, 1.0, {}),
    ("learning_rate_init=1e10", {"learning_rate_init": 1e10}, 1.0, {}),
    ("sample_weight=1e308", {}, 1.0, {"sample_weight": np.full(len(Y_IRIS), 1e308)}),
    ("one sample_weight=1e308", {}, 1.0, {"sample_weight": np.r_[1e308, np.ones(149)]}),
    ("X*1e150", {}, 1e150, {}),
    ("X*1e300", {}, 1e300, {}),
]
DIVERGENCE_ERROR = r"diverged|non-finite|sums to inf"


def _outputs(model, X):
    if isinstance(model, MLPScratchClassifier):
        return model.predict_proba(X)
    return model.predict(X)


@pytest.mark.parametrize("blow_up", BLOW_UPS, ids=[case[0] for case in BLOW_UPS])
@pytest.mark.parametrize("solver", ["adam", "sgd", "adamw", "lbfgs"])
@pytest.mark.parametrize("estimator_class", [MLPScratchClassifier, MLPScratchRegressor])
def test_a_diverged_fit_leaves_a_model_with_finite_outputs_or_raises(
    estimator_class, solver, blow_up
):
    _, params, scale, fit_params = blow_up
    X = X_IRIS * scale
    y = Y_IRIS if estimator_class is MLPScratchClassifier else X_SCALED[:, 0]
    model = estimator_class(hidden_layer_sizes=(10,), solver=solver, max_iter=20, random_state=0)
    model.set_params(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model.fit(X, y, **fit_params)
        except ValueError as exc:
            assert re.search(DIVERGENCE_ERROR, str(exc)), exc
            assert not hasattr(model, "network_")  # all or nothing
            return
    assert np.isfinite(_outputs(model, X)).all()
    if estimator_class is MLPScratchClassifier:
        model.score(X, y)  # no overflow error


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("estimator_class", [MLPScratchClassifier, MLPScratchRegressor])
def test_a_diverging_warm_call_raises_or_keeps_finite_outputs(estimator_class, solver, method):
    y = Y_IRIS if estimator_class is MLPScratchClassifier else X_SCALED[:, 0]
    model = estimator_class(
        hidden_layer_sizes=(10,), solver=solver, max_iter=5, warm_start=True, random_state=0
    )
    _fit_quietly(model, X_SCALED, y)
    before = _outputs(model, X_SCALED)
    model.set_params(learning_rate_init=1e300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            getattr(model, method)(X_SCALED, y)
        except ValueError as exc:
            assert re.search(DIVERGENCE_ERROR, str(exc)), exc
            np.testing.assert_array_equal(_outputs(model, X_SCALED), before)
            return
    assert np.isfinite(_outputs(model, X_SCALED)).all()


def test_huge_learning_rates_raise_rather_than_leave_an_overflowing_model():
    # The case: the weights after the last step were finite but overflowed.
    model = MLPScratchClassifier(learning_rate_init=1e300, max_iter=30, random_state=0)
    with pytest.raises(ValueError, match="Training diverged.*lower learning_rate_init"):
        _fit_quietly(model, X_IRIS, Y_IRIS)


@pytest.mark.parametrize("dtype, weight", [(np.float64, 1e308), (np.float32, 1e37)])
def test_sample_weights_summing_to_infinity_are_refused(dtype, weight):
    model = MLPScratchClassifier(max_iter=5)
    with pytest.raises(ValueError, match=f"sample_weight sums to inf in {np.dtype(dtype)}"):
        model.fit(X_IRIS.astype(dtype), Y_IRIS, sample_weight=np.full(len(Y_IRIS), weight))


def test_class_weights_making_the_weights_overflow_are_refused():
    model = MLPScratchClassifier(max_iter=5, class_weight={0: 1e300})
    with pytest.raises(ValueError, match="sample_weight times class_weight sums to inf"):
        model.fit(X_IRIS, Y_IRIS, sample_weight=np.full(len(Y_IRIS), 1e300))
