"""
Hyperparameter search on a Dask cluster
=======================================

A ``GridSearchCV`` over ``MinMaxScaler`` + :class:`~skbackprop.MLPScratchClassifier`
runs its fits on Dask workers through joblib's ``"dask"`` backend. The grid
holds plugin instances, among them :class:`~user_activations.ScaledTanh`, a
user-defined activation from the module ``user_activations.py`` beside this
script: they are pickled, sent to the workers and unpickled there.

The search runs once with the default joblib backend and once on Dask; the
scores of ``cv_results_`` are identical. Run it offline::

    python examples/dask_grid_search.py                     # LocalCluster on 127.0.0.1
    python examples/dask_grid_search.py --scheduler tcp://10.0.0.5:8786   # a real cluster
    python examples/dask_grid_search.py --blas-threads 2 --hidden 256 256 # oversubscribe

Without ``--scheduler`` it starts a ``LocalCluster`` of two single-threaded
worker processes listening on 127.0.0.1 only. Each worker's BLAS gets
``--blas-threads`` threads (default 1) through the environment the Dask nanny
sets before it spawns the worker (``distributed.nanny.pre-spawn-environ``).
"""

import argparse
import contextlib
import time

import dask
import joblib
import numpy as np
import user_activations
from distributed import Client, LocalCluster
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from threadpoolctl import threadpool_info

from skbackprop import MLPScratchClassifier
from skbackprop.activations import LeakyReLU

_BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def make_search(hidden_layer_sizes=(64,), max_iter=40):
    """The search: three activations (one user-defined) times two penalties, 5-fold CV."""
    pipeline = make_pipeline(
        MinMaxScaler(),
        MLPScratchClassifier(
            hidden_layer_sizes=hidden_layer_sizes, max_iter=max_iter, random_state=0
        ),
    )
    grid = {
        "mlpscratchclassifier__activation": [
            "relu",
            LeakyReLU(negative_slope=0.05),
            user_activations.ScaledTanh(),
        ],
        "mlpscratchclassifier__alpha": [1e-4, 1e-2],
    }
    return GridSearchCV(pipeline, grid, cv=5)


@contextlib.contextmanager
def dask_client(scheduler_address, blas_threads):
    """A Client on the given scheduler, or on a two-worker LocalCluster on loopback."""
    if scheduler_address:
        with Client(scheduler_address) as client:
            # Remote workers cannot import a module that only exists here: send it.
            # (Better still, install it on every machine as part of a package.)
            client.upload_file(user_activations.__file__)
            yield client
        return
    # Set before the nanny spawns each worker, so that numpy's BLAS reads it at import.
    # Variables already set in the shell take precedence over this configuration.
    blas_environment = {
        f"distributed.nanny.pre-spawn-environ.{name}": str(blas_threads)
        for name in _BLAS_THREAD_VARIABLES
    }
    with (
        dask.config.set(blas_environment),
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            scheduler_port=0,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _blas_threads():
    return sorted({pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"})


def _timed_fit(search, X, y):
    start = time.perf_counter()
    search.fit(X, y)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scheduler", help="address of a running Dask scheduler")
    parser.add_argument("--blas-threads", type=int, default=1, help="BLAS threads per worker")
    parser.add_argument("--hidden", type=int, nargs="+", default=[64], help="hidden layer sizes")
    parser.add_argument("--max-iter", type=int, default=40, help="epochs of each fit")
    parser.add_argument("--no-reference", action="store_true", help="skip the default backend")
    args = parser.parse_args(argv)
    X, y = load_digits(return_X_y=True)
    hidden = tuple(args.hidden)

    if not args.no_reference:
        reference = make_search(hidden, args.max_iter)
        print(f"default joblib backend : {_timed_fit(reference, X, y):6.1f} s")

    with dask_client(args.scheduler, args.blas_threads) as client:
        # Start the workers' BLAS before asking how many threads it uses.
        client.run(np.dot, np.ones((2, 2)), np.ones((2, 2)))
        print(f"workers' BLAS threads  : {sorted(client.run(_blas_threads).values())}")
        search = make_search(hidden, args.max_iter)
        cpu_before = client.run(time.process_time)
        with joblib.parallel_backend("dask"):
            elapsed = _timed_fit(search, X, y)
        cpu_seconds = sum(client.run(time.process_time)[w] - cpu_before[w] for w in cpu_before)
        print(
            f"dask backend           : {elapsed:6.1f} s on {len(cpu_before)} workers, "
            f"who used {cpu_seconds:.1f} s of CPU"
        )

    print(f"best parameters        : {search.best_params_}")
    print(f"best CV accuracy       : {search.best_score_:.4f}")
    if not args.no_reference:
        same = all(
            np.array_equal(search.cv_results_[key], reference.cv_results_[key])
            for key in reference.cv_results_
            if key.endswith("test_score")
        )
        print(f"same cv_results_ scores: {same}")


if __name__ == "__main__":
    main()
