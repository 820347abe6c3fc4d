"""
Out-of-core training on Dask with dask-ml's ``Incremental``
===========================================================

``dask_ml.wrappers.Incremental`` trains any estimator that has ``partial_fit``
over the blocks of a chunked ``dask.array``, one block after another: each block
is computed (here: generated; in practice read from Zarr, HDF5, Parquet or
``.npy`` files) on a worker when it is needed, handed to
:meth:`~skbackprop.MLPScratchClassifier.partial_fit`, and dropped. The whole
array is never in memory. Every call to ``Incremental.partial_fit`` is one pass
over all blocks, in a new random order; a few passes reach the accuracy of an
in-memory ``fit`` with as many epochs.

``Incremental`` is also a ``ParallelPostFit``: its ``predict`` on a dask array
is lazy and runs block by block on the workers.

The data set is the digits augmented to ``--rows`` rows (default 100,000, in
blocks of 10,000; see ``augmented_digits.py``). Run it offline::

    python examples/dask_incremental.py                    # LocalCluster on 127.0.0.1
    python examples/dask_incremental.py --scheduler tcp://10.0.0.5:8786

dask-ml's adaptive searches (``HyperbandSearchCV``, ``IncrementalSearchCV``,
``SuccessiveHalvingSearchCV``) do not work with current dask/distributed, for
any estimator (dask/dask-ml#1016); search with ``GridSearchCV`` on the joblib
backend instead (``dask_grid_search.py``).
"""

import argparse
import contextlib
import time
import warnings

import augmented_digits
import dask.array as da
import numpy as np
from augmented_digits import CLASSES, N_FEATURES, augmented_block, held_out_digits
from dask_ml.wrappers import Incremental
from distributed import Client, LocalCluster
from sklearn.exceptions import ConvergenceWarning

from skbackprop import MLPScratchClassifier


def lazy_augmented_digits(n_rows, block_rows):
    """``(X, y)`` as dask arrays whose blocks are generated only when a task needs them."""
    row_chunks = (block_rows,) * (n_rows // block_rows)
    X = da.map_blocks(
        augmented_digits.augmented_block_X,
        n_rows=block_rows,
        chunks=(row_chunks, (N_FEATURES,)),
        dtype=np.float32,
        meta=np.empty((0, N_FEATURES), dtype=np.float32),
    )
    y = da.map_blocks(
        augmented_digits.augmented_block_y,
        n_rows=block_rows,
        chunks=(row_chunks,),
        dtype=np.int64,
        meta=np.empty((0,), dtype=np.int64),
    )
    return X, y


@contextlib.contextmanager
def dask_client(scheduler_address):
    """A Client on the given scheduler, or on a two-worker LocalCluster on loopback."""
    if scheduler_address:
        with Client(scheduler_address) as client:
            # The blocks are generated on the workers by functions of this module.
            client.upload_file(augmented_digits.__file__)
            yield client
        return
    with (
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n")[0])
    parser.add_argument("--scheduler", help="address of a running Dask scheduler")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--block-rows", type=int, default=10_000)
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    X_test, y_test = held_out_digits()

    with dask_client(args.scheduler):
        X, y = lazy_augmented_digits(args.rows, args.block_rows)
        print(f"X: {X.shape[0]:,} rows in {X.numblocks[0]} blocks of {args.block_rows:,}")
        model = Incremental(
            MLPScratchClassifier(hidden_layer_sizes=(64,), random_state=0),
            random_state=np.random.RandomState(0),  # a new block order on every pass
        )
        start = time.perf_counter()
        for n_pass in range(1, args.passes + 1):
            model.partial_fit(X, y, classes=CLASSES)
            accuracy = model.estimator_.score(X_test, y_test)
            print(f"pass {n_pass}: held-out accuracy {accuracy:.4f}")
        print(f"Incremental: {time.perf_counter() - start:.1f} s for {args.passes} passes")

        # Lazy, blockwise prediction (ParallelPostFit) over the whole dask array.
        predictions = model.predict(X)
        print(f"predict on the dask array: {predictions!r}")
        train_accuracy = (predictions == y).mean().compute()
        print(
            f"accuracy on all {X.shape[0]:,} training rows, computed blockwise: "
            f"{train_accuracy:.4f}"
        )

    # The in-memory baseline: the same rows, fit for the same number of epochs.
    n_blocks = args.rows // args.block_rows
    X_all, y_all = map(
        np.concatenate, zip(*(augmented_block(i, args.block_rows) for i in range(n_blocks)))
    )
    in_memory = MLPScratchClassifier(
        hidden_layer_sizes=(64,), max_iter=args.passes, random_state=0
    ).fit(X_all, y_all)
    print(
        f"in-memory fit, {args.passes} epochs: held-out accuracy "
        f"{in_memory.score(X_test, y_test):.4f}"
    )


if __name__ == "__main__":
    main()
