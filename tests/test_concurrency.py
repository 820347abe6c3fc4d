"""Threads and processes: concurrent prediction, bit-identical refits, interrupted fits."""

import copy
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from scipy import sparse
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import MLPScratchClassifier
from skbackprop.optimizers import SGD

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N_THREADS = 8
RNG = np.random.RandomState(0)
X = RNG.normal(size=(600, 20))
Y = np.argmax(X[:, :4] + 0.3 * RNG.normal(size=(600, 4)), axis=1)


@pytest.fixture(scope="module")
def fitted():
    return MLPScratchClassifier(hidden_layer_sizes=(64, 32), max_iter=20, random_state=0).fit(X, Y)


def run_at_once(function, arguments):
    """Call ``function`` on each argument from its own thread, all released together."""
    barrier = threading.Barrier(len(arguments))

    def call(argument):
        barrier.wait()
        return function(argument)

    with ThreadPoolExecutor(max_workers=len(arguments)) as pool:
        return list(pool.map(call, arguments))


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba"])
def test_predictions_from_8_threads_at_once_equal_serial_ones(fitted, method):
    chunks = np.array_split(np.tile(X, (4, 1)), N_THREADS)  # different data per thread
    serial = [getattr(fitted, method)(chunk) for chunk in chunks]
    for _ in range(3):
        concurrent = run_at_once(getattr(fitted, method), chunks)
        for got, expected in zip(concurrent, serial):
            np.testing.assert_array_equal(got, expected)


def test_concurrent_predictions_leave_the_estimator_untouched(fitted):
    before = copy.deepcopy(vars(fitted))
    run_at_once(fitted.predict_proba, [X] * N_THREADS)
    after = vars(fitted)
    assert after.keys() == before.keys()  # no buffers or caches appear on the estimator
    np.testing.assert_array_equal(after["network_"].params, before["network_"].params)


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "adam"},
        {"solver": "sgd", "learning_rate": "adaptive"},
        {"solver": "lbfgs"},
        {"solver": "adam", "early_stopping": True},
        {"solver": "sgd", "weight_init": "he_normal", "batch_size": 33},
    ],
    ids=["adam", "sgd-adaptive", "lbfgs", "early-stopping", "he-normal-batches"],
)
def test_same_random_state_gives_bit_identical_weights(params):
    def fit():
        model = MLPScratchClassifier(hidden_layer_sizes=(16,), max_iter=15, random_state=7)
        return model.set_params(**params).fit(X, Y)

    first, second = fit(), fit()
    np.testing.assert_array_equal(first.network_.params, second.network_.params)
    assert first.loss_curve_ == second.loss_curve_


def test_same_random_state_gives_bit_identical_weights_on_sparse_input():
    X_sparse = sparse.csr_matrix(np.where(np.abs(X) > 1, X, 0))
    fits = [
        MLPScratchClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=3).fit(X_sparse, Y)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(fits[0].network_.params, fits[1].network_.params)


def test_grid_search_is_bit_identical_across_n_jobs():
    pipeline = make_pipeline(
        StandardScaler(), MLPScratchClassifier(hidden_layer_sizes=(8,), max_iter=8, random_state=0)
    )
    grid = {
        "mlpscratchclassifier__solver": ["adam", "sgd"],
        "mlpscratchclassifier__alpha": [1e-4, 1e-1],
    }

    def search(n_jobs):
        return GridSearchCV(pipeline, grid, cv=2, n_jobs=n_jobs).fit(X[:200], Y[:200])

    serial, parallel = search(1), search(2)
    for key in ("mean_test_score", "std_test_score", "split0_test_score", "split1_test_score"):
        np.testing.assert_array_equal(serial.cv_results_[key], parallel.cv_results_[key])
    assert serial.best_params_ == parallel.best_params_
    np.testing.assert_array_equal(
        serial.best_estimator_[-1].network_.params, parallel.best_estimator_[-1].network_.params
    )


class InterruptingSGD(SGD):
    """SGD that raises KeyboardInterrupt at its ``interrupt_at``-th step, like a user's Ctrl-C."""

    def __init__(self, momentum=0.9, nesterov=True, interrupt_at=5):
        super().__init__(momentum=momentum, nesterov=nesterov)
        self.interrupt_at = interrupt_at

    def step(self, params, grad, learning_rate):
        self.steps_ = getattr(self, "steps_", 0) + 1
        if self.steps_ == self.interrupt_at:
            raise KeyboardInterrupt
        super().step(params, grad, learning_rate)


def test_fit_interrupted_by_keyboard_interrupt_leaves_a_usable_model():
    model = MLPScratchClassifier(
        hidden_layer_sizes=(8,),
        solver=InterruptingSGD(interrupt_at=7),
        batch_size=50,
        max_iter=50,
        random_state=0,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, Y)
    assert any("interrupted" in str(w.message).lower() for w in caught)
    assert model.optimizer_.steps_ == 7  # it stopped at the interrupt, not at max_iter
    proba = model.predict_proba(X)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1)
