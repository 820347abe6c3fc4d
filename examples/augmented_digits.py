"""
Digits augmented to any size, one block at a time
=================================================

A data set for the out-of-core examples that is much larger than one chunk, yet
whose chunks can each be made on their own, so nothing ever holds the whole.
Block ``i`` draws rows of the scikit-learn digits training split with its own
seed, shifts every image by at most one pixel and adds a little noise: the same
``i`` gives the same rows in any process. The untouched digits test split is
the held-out set.
"""

import functools

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

__all__ = [
    "CLASSES",
    "N_FEATURES",
    "augmented_block",
    "augmented_block_X",
    "augmented_block_y",
    "held_out_digits",
]

CLASSES = np.arange(10)
N_FEATURES = 64


@functools.cache
def _digits_split():
    X, y = load_digits(return_X_y=True)
    # Pixels are 0..16; dividing by 16 puts them in [0, 1] without a scaler.
    X = (X / 16.0).astype(np.float32)
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


def held_out_digits():
    """The untouched test split of the digits: ``(X_test, y_test)``, float32 in [0, 1]."""
    _, X_test, _, y_test = _digits_split()
    return X_test, y_test


def augmented_block(block_index, n_rows):
    """Block ``block_index`` of the augmented training digits.

    Parameters
    ----------
    block_index : int
        Seeds the block: equal indices give equal blocks.
    n_rows : int
        Rows in the block.

    Returns
    -------
    X : ndarray of shape (n_rows, 64), float32 in [0, 1]
    y : ndarray of shape (n_rows,)
    """
    X_train, _, y_train, _ = _digits_split()
    rng = np.random.RandomState(10_000 + block_index)
    rows = rng.randint(len(X_train), size=n_rows)
    images = np.zeros((n_rows, 10, 10), dtype=np.float32)
    images[:, 1:9, 1:9] = X_train[rows].reshape(n_rows, 8, 8)
    # Shift by -1, 0 or +1 pixel in each direction: crop an 8x8 window of the padded image.
    dy, dx = rng.randint(3, size=(2, n_rows))
    window = np.arange(8)
    shifted = images[
        np.arange(n_rows)[:, None, None],
        (dy[:, None] + window)[:, :, None],
        (dx[:, None] + window)[:, None, :],
    ].reshape(n_rows, N_FEATURES)
    shifted += rng.normal(scale=0.05, size=shifted.shape).astype(np.float32)
    return np.clip(shifted, 0.0, 1.0, out=shifted), y_train[rows]


def augmented_block_X(block_id=None, n_rows=None):
    """Features of a block, in the ``block_id`` signature of :func:`dask.array.map_blocks`."""
    return augmented_block(block_id[0], n_rows)[0]


def augmented_block_y(block_id=None, n_rows=None):
    """Labels of a block, in the ``block_id`` signature of :func:`dask.array.map_blocks`."""
    return augmented_block(block_id[0], n_rows)[1]
