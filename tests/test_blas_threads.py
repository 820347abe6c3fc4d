"""One BLAS thread for small networks (skbackprop/_blas_threads.py)."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from threadpoolctl import ThreadpoolController

from skbackprop import MLPScratchClassifier, _blas_threads
from skbackprop._blas_threads import SINGLE_THREAD_BELOW, blas_threads_for


def _thread_counts():
    return [lib["num_threads"] for lib in ThreadpoolController().select(user_api="blas").info()]


@pytest.fixture
def two_blas_threads():
    controller = ThreadpoolController().select(user_api="blas")
    with controller.limit(limits=2):
        yield


def test_small_products_train_on_one_thread_and_the_limit_is_lifted(two_blas_threads):
    before = _thread_counts()
    with blas_threads_for((64, 100, 10), 200):  # 1.28M multiply-adds
        assert set(_thread_counts()) == {1}
    assert _thread_counts() == before


def test_large_products_keep_every_thread(two_blas_threads):
    before = _thread_counts()
    rows = SINGLE_THREAD_BELOW // (784 * 256) + 1
    with blas_threads_for((784, 256, 10), rows):
        assert _thread_counts() == before


def test_the_limit_is_lifted_when_training_raises(two_blas_threads):
    before = _thread_counts()
    with pytest.raises(RuntimeError), blas_threads_for((4, 3, 2), 10):
        raise RuntimeError
    assert _thread_counts() == before


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_thread_counts_change_the_weights_only_by_rounding(monkeypatch, two_blas_threads, solver):
    X, y = load_digits(return_X_y=True)
    params = dict(hidden_layer_sizes=(32,), solver=solver, max_iter=3, random_state=0)
    weights = []
    for threshold in (0, 10**12):  # every call threaded, then every call on one thread
        monkeypatch.setattr(_blas_threads, "SINGLE_THREAD_BELOW", threshold)
        weights.append(MLPScratchClassifier(**params).fit(X / 16, y).network_.params)
    # OpenBLAS splits some products differently with two threads: the last bits differ.
    np.testing.assert_allclose(weights[0], weights[1], rtol=1e-10, atol=1e-13)
