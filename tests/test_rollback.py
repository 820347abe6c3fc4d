"""A failed fit or partial_fit leaves the model exactly as it was before the call."""

import contextlib
import copy
import tracemalloc
import warnings

import numpy as np
import pytest

import skbackprop._base
import skbackprop._classifier
import skbackprop._rollback
from skbackprop import MLPScratchClassifier
from skbackprop.optimizers import Adam

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(0)
X = RNG.normal(size=(50, 4))
Y = np.arange(50) % 3


class FailingAdam(Adam):
    """Adam that raises after ``fail_after`` steps, once the weights were updated in place."""

    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-8, fail_after=3):
        super().__init__(beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)
        self.fail_after = fail_after

    def step(self, params, grad, learning_rate):
        super().step(params, grad, learning_rate)
        self.failing_steps_ = getattr(self, "failing_steps_", 0) + 1
        if self.failing_steps_ >= self.fail_after:
            raise RuntimeError("optimizer broke down mid-epoch")


def fitted_model(**params):
    return MLPScratchClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0, **params).fit(
        X, Y
    )


def fitted_state(model):
    """Everything but the constructor parameters, deep-copied for comparison."""
    params = model.get_params(deep=False)
    return copy.deepcopy({k: v for k, v in vars(model).items() if k not in params})


def assert_same_state(model, state, proba):
    now = fitted_state(model)
    assert now.keys() == state.keys()
    np.testing.assert_array_equal(model.network_.params, state["network_"].params)
    assert model.loss_curve_ == state["loss_curve_"]
    assert (model.n_iter_, model.t_, model.n_features_in_) == (
        state["n_iter_"],
        state["t_"],
        state["n_features_in_"],
    )
    np.testing.assert_array_equal(model.classes_, state["classes_"])
    np.testing.assert_array_equal(model.predict_proba(X), proba)


@pytest.mark.parametrize(
    "bad_call",
    [
        # validate_data resets n_features_in_ to 2 before the sample weights are refused
        lambda m: m.fit(X[:, :2], Y, sample_weight=np.zeros(50)),
        lambda m: m.fit(np.where(X > 1, np.nan, X), Y),  # NaN in X
        lambda m: m.partial_fit(X[:, :3], Y),  # wrong number of features
        lambda m: m.partial_fit(X, Y + 10),  # classes never seen
        lambda m: m.partial_fit(X, Y, classes=[0, 1]),  # contradicts classes_
        lambda m: m.set_params(warm_start=True, hidden_layer_sizes=(7,)).fit(X, Y),
    ],
    ids=[
        "fit-features-zero-weights",
        "fit-nan",
        "partial-features",
        "partial-unseen",
        "partial-classes",
        "warm-start-shape",
    ],
)
def test_failed_call_leaves_a_fitted_model_exactly_as_before(bad_call):
    model = fitted_model()
    state, proba = fitted_state(model), model.predict_proba(X)
    with pytest.raises(ValueError):
        bad_call(model)
    assert_same_state(model, state, proba)


@pytest.mark.parametrize("large_array_bytes", [None, 0], ids=["small-copied", "all-large"])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_failure_mid_training_restores_weights_and_optimizer_state(
    method, large_array_bytes, monkeypatch
):
    if large_array_bytes is not None:  # every array saved apart: params in memory, others on disk
        monkeypatch.setattr(skbackprop._rollback, "LARGE_ARRAY_BYTES", large_array_bytes)
    model = fitted_model(warm_start=True, solver=FailingAdam(fail_after=10**9))
    state, proba = fitted_state(model), model.predict_proba(X)
    # warm_start and partial_fit build a fresh optimizer from `solver`, carrying its state.
    model.solver.fail_after = model.optimizer_.failing_steps_ + 1  # after its next update
    with pytest.raises(RuntimeError, match="broke down"):
        getattr(model, method)(X, Y)
    assert_same_state(model, state, proba)
    np.testing.assert_array_equal(model.optimizer_.first_moment_, state["optimizer_"].first_moment_)
    assert model.optimizer_.t_ == state["optimizer_"].t_


def test_failed_first_partial_fit_leaves_the_model_unfitted():
    model = MLPScratchClassifier(hidden_layer_sizes=(3,))
    with pytest.raises(ValueError):
        model.partial_fit(X, np.full(50, 5), classes=[0])  # a class not in classes
    assert not hasattr(model, "classes_") and not hasattr(model, "network_")
    # ...so that a correct first call is still possible, with other classes.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.partial_fit(X, Y, classes=[0, 1, 2])
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])


def test_failed_fit_does_not_replace_the_users_parameter_objects():
    solver = FailingAdam(fail_after=2)
    model = MLPScratchClassifier(hidden_layer_sizes=(3,), solver=solver)
    with pytest.raises(RuntimeError):
        model.fit(X, Y)
    assert model.solver is solver
    assert not hasattr(solver, "failing_steps_")  # fit worked on its own copy


# ---------------------------------------------------------------- memory


@contextlib.contextmanager
def _no_rollback(estimator):
    yield lambda array: None


def _peak_of_second_call(method, solver, rollback, monkeypatch):
    """Peak traced memory of a warm ``method`` call beyond what the model holds, and P."""
    if not rollback:
        monkeypatch.setattr(skbackprop._base, "unchanged_on_error", _no_rollback)
        monkeypatch.setattr(skbackprop._classifier, "unchanged_on_error", _no_rollback)
    rng = np.random.RandomState(0)
    X_big, y_big = rng.normal(size=(40, 100)), np.arange(40) % 10
    model = MLPScratchClassifier(
        hidden_layer_sizes=(600, 600), solver=solver, batch_size=20, max_iter=2, warm_start=True
    )
    call = model.fit if method == "fit" else model.partial_fit
    extra = {} if method == "fit" else {"classes": np.arange(10)}
    tracemalloc.start()
    try:
        call(X_big, y_big, **extra)
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        call(X_big, y_big)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - before, model.network_.params.nbytes


@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_the_rollback_costs_at_most_one_copy_of_the_weights(method, solver, monkeypatch):
    # Deep-copying the fitted state cost the weights and every optimizer array
    # (3 P for Adam): only the weights stay in memory now, shared with the loop.
    with_rollback, P = _peak_of_second_call(method, solver, True, monkeypatch)
    without, _ = _peak_of_second_call(method, solver, False, monkeypatch)
    assert P > skbackprop._rollback.LARGE_ARRAY_BYTES  # the large-array path is measured
    assert with_rollback - without <= 1.1 * P, (with_rollback / P, without / P)
