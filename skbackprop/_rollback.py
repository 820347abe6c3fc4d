"""All-or-nothing training calls: a failed ``fit`` leaves the model as it was.

The fitted state is saved once per call, at the least cost in memory: small
things (scalars, the loss curves, the label binarizer, small arrays) are
deep-copied, as before; large arrays are not copied with them but have their
contents saved and written back into the very same arrays if the call fails.
Of those, the network's parameter vector is kept in memory, and the training
loop reads this copy as the weights of the call's start (one copy serves
both); the others, which training also updates in place (an optimizer's
moments, shared with the optimizer that carries them on), are written to a
temporary file. A warm ``fit`` or a ``partial_fit`` of a network of ``P``
bytes thus costs about ``P`` of memory for its rollback, not a copy of every
array of the model.
"""

import contextlib
import copy
import tempfile

import numpy as np

__all__ = ["CALLBACK_ATTRIBUTES", "LARGE_ARRAY_BYTES", "unchanged_on_error"]

# scikit-learn's callback machinery: the user's callback objects and the live
# callback context, which must stay the very same objects (teardown runs after
# the restore, from @with_callbacks).
CALLBACK_ATTRIBUTES = frozenset(
    {"_skl_callbacks", "_skl_callbacks_to_teardown", "_callback_fit_ctx", "_parent_callback_ctx"}
)

#: Arrays of at least this many bytes have their contents saved on their own
#: (the parameter vector in memory, the others in a temporary file) rather than
#: deep-copied with the rest of the state.
LARGE_ARRAY_BYTES = 1 << 20


def _large_arrays(value, found, seen):
    """Collect (by id) the large numeric arrays reachable from ``value``."""
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        if value.nbytes >= LARGE_ARRAY_BYTES and value.dtype != object:
            found[id(value)] = value
        return
    if isinstance(value, dict):
        children = value.values()
    elif isinstance(value, (list, tuple, set, frozenset)):
        children = value
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        children = vars(value).values()
    else:
        return
    for child in children:
        _large_arrays(child, found, seen)


class _ContentSnapshot:
    """The contents of some arrays, to be written back into the same arrays.

    ``in_memory`` is the array whose copy stays in memory (the parameter
    vector, also read by the training loop); the others go to one temporary
    file, or to memory if they cannot (not contiguous, or the file fails).
    """

    def __init__(self, arrays, in_memory):
        self._copies = {}  # id -> (array, copy)
        self._spilled = []  # (array, offset)
        self._file = None
        for array in arrays:
            if array is in_memory or not array.flags.c_contiguous or not self._spill(array):
                self._copies[id(array)] = (array, array.copy())

    def _spill(self, array):
        try:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="skbackprop-rollback-")
            offset = self._file.tell()
            self._file.write(memoryview(array).cast("B"))
        except OSError:  # no room on disk: keep the copy in memory instead
            return False
        self._spilled.append((array, offset))
        return True

    def copy_of(self, array):
        """The in-memory copy of ``array``'s contents at the start (read only), or None."""
        saved = self._copies.get(id(array))
        return None if saved is None or saved[0] is not array else saved[1]

    def restore(self):
        """Write the saved contents back into the arrays."""
        for array, saved in self._copies.values():
            np.copyto(array, saved)
        for array, offset in self._spilled:
            self._file.seek(offset)
            self._file.readinto(memoryview(array).cast("B"))

    def close(self):
        if self._file is not None:
            self._file.close()


@contextlib.contextmanager
def unchanged_on_error(estimator):
    """Put back the fitted state of ``estimator`` if the ``with`` block raises.

    The estimator's attributes other than its constructor parameters and
    scikit-learn's callback machinery are saved on entry (training updates the
    network's weights, the optimizer's moments and the loss curve in place)
    and restored if the block raises anything, ``KeyboardInterrupt`` included.
    A model fitted before a failing ``fit`` or ``partial_fit`` therefore
    predicts exactly as before, and one that was not fitted stays unfitted. A
    context manager rather than a decorator, so that warnings raised inside
    keep their ``stacklevel``.

    Parameters
    ----------
    estimator : BaseEstimator

    Yields
    ------
    start_params : callable
        ``start_params(array)`` gives the saved contents of ``array`` at the
        start of the call, if it is the network's parameter vector, else None.
        The training loop uses them as its weights of the call's start, so the
        rollback and the loop share one copy. Read only.
    """
    untouched = CALLBACK_ATTRIBUTES.union(estimator.get_params(deep=False))
    state = {k: v for k, v in vars(estimator).items() if k not in untouched}
    large = {}
    _large_arrays(state, large, set())
    network = state.get("network_")
    params = getattr(network, "params", None)
    # Large arrays go into the deep copy as themselves; their contents are saved apart.
    saved = copy.deepcopy(state, memo={key: array for key, array in large.items()})
    contents = _ContentSnapshot(large.values(), in_memory=params)
    try:
        yield contents.copy_of
    except BaseException:
        contents.restore()
        for name in [k for k in vars(estimator) if k not in untouched]:
            delattr(estimator, name)
        vars(estimator).update(saved)
        raise
    finally:
        contents.close()
