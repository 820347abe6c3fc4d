"""
Out-of-core training from a memory-mapped file, without Dask
=============================================================

When the training set does not fit in memory, keep it on disk as a ``.npy``
file, open it as a :class:`numpy.memmap` and call
:meth:`~skbackprop.MLPScratchClassifier.partial_fit` on one chunk of rows at a
time: each call trains one epoch over its chunk, and the operating system pages
in only the rows being read. A few passes over all chunks, in a new random
order every pass, reach the accuracy of an in-memory ``fit`` with as many epochs.

The data set is the digits augmented to ``--rows`` rows (default 100,000,
chunks of 10,000; see ``augmented_digits.py``), written to a temporary folder
block by block. The script reports the peak memory that training allocates
(``tracemalloc`` traces every numpy allocation, not the pages of a memory map)
and the process's anonymous resident memory (``RssAnon`` on Linux, which
excludes file pages), beside the same measurements for loading the whole file.
Run it offline::

    python examples/out_of_core_memmap.py
    python examples/out_of_core_memmap.py --rows 1000000 --passes 3
"""

import argparse
import pathlib
import tempfile
import threading
import time
import tracemalloc
import warnings

import numpy as np
from augmented_digits import CLASSES, N_FEATURES, augmented_block, held_out_digits
from sklearn.exceptions import ConvergenceWarning

from skbackprop import MLPScratchClassifier


def write_memmapped_data(folder, n_rows, chunk_rows):
    """Write the augmented digits to ``X.npy`` and ``y.npy`` one chunk at a time."""
    X = np.lib.format.open_memmap(
        folder / "X.npy", mode="w+", dtype=np.float32, shape=(n_rows, N_FEATURES)
    )
    y = np.lib.format.open_memmap(folder / "y.npy", mode="w+", dtype=np.int64, shape=(n_rows,))
    for start in range(0, n_rows, chunk_rows):
        rows = slice(start, min(start + chunk_rows, n_rows))
        X[rows], y[rows] = augmented_block(start // chunk_rows, rows.stop - rows.start)
    X.flush()
    y.flush()


def train_over_chunks(model, X, y, chunk_rows, passes, random_state):
    """Call ``partial_fit`` once per chunk, chunks in a new random order every pass."""
    starts = np.arange(0, X.shape[0], chunk_rows)
    for _ in range(passes):
        for start in random_state.permutation(starts):
            model.partial_fit(
                X[start : start + chunk_rows], y[start : start + chunk_rows], classes=CLASSES
            )
    return model


def anonymous_resident_bytes():
    """Resident memory that is not file pages (Linux ``RssAnon``), or 0 elsewhere."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def measure(train):
    """Run ``train()``; return its result, CPU seconds, and two peaks of memory growth.

    The peaks are the largest amount allocated at once (``tracemalloc``) and the
    largest growth of ``RssAnon``, sampled every 5 ms by a thread.
    """
    baseline = anonymous_resident_bytes()
    peak_rss = baseline
    done = threading.Event()

    def sample():
        nonlocal peak_rss
        while not done.wait(0.005):
            peak_rss = max(peak_rss, anonymous_resident_bytes())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    tracemalloc.start()
    start = time.process_time()  # CPU time: wall time means little on a busy machine
    try:
        result = train()
        _, peak_allocated = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        done.set()
        sampler.join()
    seconds = time.process_time() - start
    return result, seconds, peak_allocated, peak_rss - baseline


def _report(label, model, seconds, peak_allocated, peak_rss):
    X_test, y_test = held_out_digits()
    print(
        f"{label:<32} accuracy {model.score(X_test, y_test):.4f}  {seconds:5.1f} s CPU  "
        f"peak allocated {peak_allocated / 1e6:6.2f} MB  peak RssAnon growth "
        f"{peak_rss / 1e6:6.2f} MB"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chunk-rows", type=int, default=10_000)
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)

    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp)
        write_memmapped_data(folder, args.rows, args.chunk_rows)
        chunk_mb = args.chunk_rows * N_FEATURES * 4 / 1e6
        print(
            f"file: {args.rows:,} rows, {args.rows * N_FEATURES * 4 / 1e6:.1f} MB of float32; "
            f"chunks of {args.chunk_rows:,} rows, {chunk_mb:.2f} MB"
        )

        def fit_over_memmap_chunks():
            X = np.load(folder / "X.npy", mmap_mode="r")  # a numpy.memmap: nothing read yet
            y = np.load(folder / "y.npy", mmap_mode="r")
            model = MLPScratchClassifier(hidden_layer_sizes=(64,), random_state=0)
            return train_over_chunks(
                model, X, y, args.chunk_rows, args.passes, np.random.RandomState(0)
            )

        def fit_in_memory():
            X, y = np.load(folder / "X.npy"), np.load(folder / "y.npy")
            model = MLPScratchClassifier(
                hidden_layer_sizes=(64,), max_iter=args.passes, random_state=0
            )
            return model.fit(X, y)

        _report("partial_fit over memmap chunks", *measure(fit_over_memmap_chunks))
        _report("fit on the whole file in memory", *measure(fit_in_memory))


if __name__ == "__main__":
    main()
