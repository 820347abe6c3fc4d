"""One BLAS thread while training a network whose matrix products are small.

OpenBLAS splits a matrix product across its threads from a modest size on; for
the products of a small network (a digits minibatch is 200 × 64 times 64 × 100)
waking the second thread and waiting for it costs more than the work it takes
over, and the network's elementwise passes, single-threaded anyway, then wait
too. So a training call whose largest product is below
:data:`SINGLE_THREAD_BELOW` multiply-adds runs with BLAS limited to one thread
(through :mod:`threadpoolctl`, scikit-learn's own dependency), and the limit is
lifted when the call returns. Larger networks keep every thread. The figures
behind the threshold are in docs/performance.rst.
"""

from contextlib import nullcontext

from threadpoolctl import ThreadpoolController

__all__ = ["SINGLE_THREAD_BELOW", "blas_threads_for"]

#: Largest product, in multiply-adds (rows × fan_in × fan_out), trained on one BLAS thread.
SINGLE_THREAD_BELOW = 4_000_000

_controller = None


def _blas_controller():
    # Inspecting the loaded libraries takes milliseconds; the handle, once
    # made, limits and restores them in microseconds (partial_fit is called often).
    global _controller
    if _controller is None:
        _controller = ThreadpoolController().select(user_api="blas")
    return _controller


def blas_threads_for(layer_sizes, rows):
    """A context manager for a training call: one BLAS thread if its products are small.

    Parameters
    ----------
    layer_sizes : sequence of int
        The network's units per layer, inputs first.
    rows : int
        Rows per product: the minibatch size, or the number of samples for a
        full-batch optimizer.

    Returns
    -------
    context : context manager
    """
    largest = rows * max(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
    if largest >= SINGLE_THREAD_BELOW:
        return nullcontext()
    return _blas_controller().limit(limits=1)
