"""Out-of-core training without Dask: a loop of ``partial_fit`` over chunks of a ``numpy.memmap``.

The data set (digits augmented to 100,000 rows) is written to disk block by
block and read back as a memory map, so only the chunk being trained on is
ever paged in: training must reach the accuracy of an in-memory ``fit`` and
allocate about one chunk, not the whole file.
"""

import tracemalloc

import numpy as np
import pytest
from augmented_digits import CLASSES, N_FEATURES, augmented_block, held_out_digits

from skbackprop import MLPScratchClassifier

N_BLOCKS, BLOCK_ROWS, PASSES = 10, 10_000, 5


@pytest.fixture(scope="module")
def memmapped_digits(tmp_path_factory):
    """``(X, y)``: 100,000 augmented digits rows as read-only ``numpy.memmap`` arrays."""
    folder = tmp_path_factory.mktemp("out_of_core")
    n_rows = N_BLOCKS * BLOCK_ROWS
    X = np.lib.format.open_memmap(
        folder / "X.npy", mode="w+", dtype=np.float32, shape=(n_rows, N_FEATURES)
    )
    y = np.lib.format.open_memmap(folder / "y.npy", mode="w+", dtype=np.int64, shape=(n_rows,))
    for block in range(N_BLOCKS):
        rows = slice(block * BLOCK_ROWS, (block + 1) * BLOCK_ROWS)
        X[rows], y[rows] = augmented_block(block, BLOCK_ROWS)
    X.flush()
    y.flush()
    del X, y  # close the writable maps; training reads the files afresh
    return (
        np.load(folder / "X.npy", mmap_mode="r"),
        np.load(folder / "y.npy", mmap_mode="r"),
    )


def _train_over_chunks(model, X, y, passes, random_state):
    """One ``partial_fit`` call per chunk, chunks in a new random order on every pass."""
    n_chunks = X.shape[0] // BLOCK_ROWS
    for _ in range(passes):
        for chunk in random_state.permutation(n_chunks):
            rows = slice(chunk * BLOCK_ROWS, (chunk + 1) * BLOCK_ROWS)
            model.partial_fit(X[rows], y[rows], classes=CLASSES)
    return model


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_partial_fit_over_memmap_chunks_is_as_accurate_as_in_memory_fit(memmapped_digits):
    X, y = memmapped_digits
    assert isinstance(X, np.memmap) and X.shape == (100_000, N_FEATURES)
    X_test, y_test = held_out_digits()

    out_of_core = _train_over_chunks(
        MLPScratchClassifier(hidden_layer_sizes=(64,), random_state=0),
        X,
        y,
        PASSES,
        np.random.RandomState(0),
    )
    in_memory = MLPScratchClassifier(hidden_layer_sizes=(64,), max_iter=PASSES, random_state=0).fit(
        np.array(X), np.array(y)
    )

    assert out_of_core.t_ == PASSES * X.shape[0]
    assert out_of_core.network_.params.dtype == np.float32
    in_memory_accuracy = in_memory.score(X_test, y_test)
    assert in_memory_accuracy > 0.9
    assert abs(out_of_core.score(X_test, y_test) - in_memory_accuracy) <= 0.02


def test_partial_fit_over_memmap_allocates_about_one_chunk_not_the_file(memmapped_digits):
    X, y = memmapped_digits
    chunk_bytes = BLOCK_ROWS * N_FEATURES * X.itemsize
    model = MLPScratchClassifier(hidden_layer_sizes=(64,), random_state=0)

    # tracemalloc sees every numpy allocation but not the pages of a memory map,
    # which the operating system reads in and drops as a file cache.
    tracemalloc.start()
    try:
        _train_over_chunks(model, X, y, passes=1, random_state=np.random.RandomState(0))
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert model.t_ == X.shape[0]
    assert peak_bytes < 3 * chunk_bytes
    assert peak_bytes < X.nbytes / 3
