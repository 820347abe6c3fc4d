"""skbackprop on a Dask cluster: joblib-backed searches and dask-ml's out-of-core wrappers.

Every test starts a real ``LocalCluster`` of two single-threaded worker
processes listening on loopback only, and the fixture closes it (and checks
that the worker processes are gone) when the test ends.
"""

import importlib
import os
import shutil
import sys

import numpy as np
import pytest

# A guard for users without the ``dask`` extra; CI installs it, so these tests run there.
da = pytest.importorskip("dask.array", reason="the dask extra is not installed")
distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
dask_ml_wrappers = pytest.importorskip("dask_ml.wrappers", reason="the dask extra is not installed")

import joblib
import psutil  # installed with distributed
import user_activations
from augmented_digits import (
    CLASSES,
    N_FEATURES,
    augmented_block,
    augmented_block_X,
    augmented_block_y,
    held_out_digits,
)
from scipy.stats import loguniform
from sklearn.datasets import load_digits, make_friedman1
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from skbackprop import MLPScratchClassifier, MLPScratchRegressor
from skbackprop.activations import LeakyReLU

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N_BLOCKS, BLOCK_ROWS, PASSES = 10, 10_000, 5


@pytest.fixture
def dask_client():
    """A Client on ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)``.

    Scheduler and workers listen on 127.0.0.1 only, without dashboards. After
    the test the cluster is closed and its worker processes must have exited.
    """
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            scheduler_port=0,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        worker_pids = list(client.run(os.getpid).values())
        yield client
    _, alive = psutil.wait_procs(_existing_processes(worker_pids), timeout=10)
    assert not alive, f"worker processes still running after the cluster closed: {alive}"


class BlockRecordingClassifier(MLPScratchClassifier):
    """:class:`MLPScratchClassifier` that records the rows of every ``partial_fit`` call.

    ``block_rows_`` lists them in call order, so a test can see that training
    received chunks and never the whole data set.
    """

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        self.block_rows_ = [*getattr(self, "block_rows_", []), X.shape[0]]
        return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)


def _existing_processes(pids):
    processes = []
    for pid in pids:
        try:
            processes.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            pass
    return processes


# --------------------------------------------------------------- searches


def _search_data():
    X, y = load_digits(return_X_y=True)
    return X[:450], y[:450]


def _pipeline():
    return make_pipeline(
        MinMaxScaler(),
        MLPScratchClassifier(hidden_layer_sizes=(24,), max_iter=15, random_state=0),
    )


def _grid_search(activation_class):
    grid = {
        "mlpscratchclassifier__activation": [
            "relu",
            LeakyReLU(negative_slope=0.05),
            activation_class(),
        ],
        "mlpscratchclassifier__alpha": [1e-4, 1e-1],
    }
    return GridSearchCV(_pipeline(), grid, cv=3)


def _randomized_search(activation_class):
    distributions = {
        "mlpscratchclassifier__activation": [
            "tanh",
            LeakyReLU(negative_slope=0.2),
            activation_class(amplitude=1.5),
        ],
        "mlpscratchclassifier__alpha": loguniform(1e-5, 1e-1),
        "mlpscratchclassifier__learning_rate_init": loguniform(1e-3, 1e-2),
    }
    return RandomizedSearchCV(_pipeline(), distributions, n_iter=6, cv=3, random_state=0)


def _assert_same_scores(reference, result):
    score_keys = [key for key in reference.cv_results_ if key.endswith("test_score")]
    assert len(score_keys) == 6  # split0..2, mean, std, rank
    for key in score_keys:
        np.testing.assert_array_equal(result.cv_results_[key], reference.cv_results_[key], key)
    assert repr(result.best_params_) == repr(reference.best_params_)


@pytest.mark.parametrize("make_search", [_grid_search, _randomized_search])
def test_search_on_dask_cluster_scores_exactly_as_default_backend(dask_client, make_search):
    X, y = _search_data()
    reference = make_search(user_activations.ScaledTanh).fit(X, y)

    with distributed.get_task_stream(dask_client) as task_stream, joblib.parallel_backend("dask"):
        result = make_search(user_activations.ScaledTanh).fit(X, y)

    _assert_same_scores(reference, result)
    # The user-defined plugin was among the candidates, and both workers trained some.
    tried = [params["mlpscratchclassifier__activation"] for params in result.cv_results_["params"]]
    assert any(isinstance(activation, user_activations.ScaledTanh) for activation in tried)
    workers = {task["worker"] for task in task_stream.data}
    assert workers == set(dask_client.scheduler_info()["workers"])
    # Unpickling the candidates imported the user's module inside the worker processes.
    # (A lambda travels by value: running it imports no module of the tests.)
    imported = dask_client.run(lambda: "user_activations" in __import__("sys").modules)
    assert all(imported.values())


def _can_import(module_name):
    import importlib.util

    return importlib.util.find_spec(module_name) is not None


def test_module_unknown_to_started_workers_reaches_them_by_upload_file(
    dask_client, tmp_path, monkeypatch
):
    # A module the client can import only after the workers started, as on a real
    # cluster whose machines do not have the user's code.
    module_path = tmp_path / "late_activations.py"
    shutil.copy(user_activations.__file__, module_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    late_activations = importlib.import_module("late_activations")
    try:
        assert not any(dask_client.run(_can_import, "late_activations").values())

        dask_client.upload_file(str(module_path))

        assert all(dask_client.run(_can_import, "late_activations").values())
        X, y = _search_data()
        reference = _grid_search(late_activations.ScaledTanh).fit(X, y)
        with joblib.parallel_backend("dask"):
            result = _grid_search(late_activations.ScaledTanh).fit(X, y)
        _assert_same_scores(reference, result)
    finally:
        sys.modules.pop("late_activations", None)


def _blas_thread_counts():
    import numpy  # noqa: F401  (loads the BLAS that threadpoolctl then inspects)
    from threadpoolctl import threadpool_info

    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_dask_workers_run_blas_on_one_thread(dask_client):
    # distributed's nanny sets OPENBLAS/OMP/MKL_NUM_THREADS=1 before it spawns a
    # worker (``distributed.nanny.pre-spawn-environ``): two single-threaded
    # workers on two cores then use two cores, not four BLAS threads.
    thread_counts = dask_client.run(_blas_thread_counts)
    assert len(thread_counts) == 2
    for counts in thread_counts.values():
        assert counts and set(counts) == {1}


# ------------------------------------------------------------ out of core


def _lazy_augmented_digits():
    """``(X, y)`` as dask arrays of ``N_BLOCKS`` blocks, each made only when a task needs it."""
    row_chunks = (BLOCK_ROWS,) * N_BLOCKS
    X = da.map_blocks(
        augmented_block_X,
        n_rows=BLOCK_ROWS,
        chunks=(row_chunks, (N_FEATURES,)),
        dtype=np.float32,
        meta=np.empty((0, N_FEATURES), dtype=np.float32),
    )
    y = da.map_blocks(
        augmented_block_y,
        n_rows=BLOCK_ROWS,
        chunks=(row_chunks,),
        dtype=np.int64,
        meta=np.empty((0,), dtype=np.int64),
    )
    return X, y


def test_incremental_trains_blockwise_as_well_as_in_memory_fit(dask_client):
    X, y = _lazy_augmented_digits()
    assert X.shape == (N_BLOCKS * BLOCK_ROWS, N_FEATURES)
    X_test, y_test = held_out_digits()
    X_test_dask = da.from_array(X_test, chunks=100)

    incremental = dask_ml_wrappers.Incremental(
        BlockRecordingClassifier(hidden_layer_sizes=(64,), random_state=0),
        random_state=np.random.RandomState(0),  # a new block order on every pass
    )
    for _ in range(PASSES):
        incremental.partial_fit(X, y, classes=CLASSES)

    # Training saw one block per partial_fit call, never the whole array.
    assert incremental.estimator_.block_rows_ == [BLOCK_ROWS] * (N_BLOCKS * PASSES)
    assert incremental.estimator_.t_ == PASSES * N_BLOCKS * BLOCK_ROWS

    # The baseline: the same rows in memory, fit for the same number of epochs.
    X_all, y_all = map(
        np.concatenate, zip(*(augmented_block(i, BLOCK_ROWS) for i in range(N_BLOCKS)))
    )
    in_memory = dask_ml_wrappers.ParallelPostFit(
        MLPScratchClassifier(hidden_layer_sizes=(64,), max_iter=PASSES, random_state=0)
    ).fit(X_all, y_all)

    # ParallelPostFit (which Incremental is) predicts lazily, block by block.
    predictions = incremental.predict(X_test_dask)
    assert isinstance(predictions, da.Array)
    assert predictions.chunks == (X_test_dask.chunks[0],)
    incremental_accuracy = float((predictions == y_test).mean().compute())
    in_memory_accuracy = float((in_memory.predict(X_test_dask) == y_test).mean().compute())
    assert in_memory_accuracy > 0.9
    assert abs(incremental_accuracy - in_memory_accuracy) <= 0.02
    np.testing.assert_array_equal(predictions.compute(), incremental.estimator_.predict(X_test))


# ------------------------------------------------------------ the regressor


def test_regressor_search_and_incremental_on_a_dask_cluster(dask_client):
    X, y = make_friedman1(n_samples=2000, noise=0.5, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    search = GridSearchCV(
        MLPScratchRegressor(hidden_layer_sizes=(16,), max_iter=10, random_state=0),
        {"loss": ["squared_error", "huber"], "alpha": [1e-4, 1e-1]},
        cv=3,
    )
    default = GridSearchCV(**search.get_params(deep=False)).fit(X, y)
    with joblib.parallel_backend("dask"):
        on_cluster = search.fit(X, y)
    _assert_same_scores(default, on_cluster)

    X_dask, y_dask = da.from_array(X, chunks=200), da.from_array(y, chunks=200)
    incremental = dask_ml_wrappers.Incremental(
        MLPScratchRegressor(
            hidden_layer_sizes=(16,), learning_rate_init=0.01, batch_size=50, random_state=0
        ),
        random_state=np.random.RandomState(0),
    )
    for _ in range(5):
        incremental.partial_fit(X_dask, y_dask)
    assert incremental.estimator_.t_ == 5 * len(X)
    predictions = incremental.predict(X_dask)  # lazily, block by block
    assert isinstance(predictions, da.Array)
    np.testing.assert_array_equal(predictions.compute(), incremental.estimator_.predict(X))
    assert incremental.estimator_.score(X, y) > 0.7
