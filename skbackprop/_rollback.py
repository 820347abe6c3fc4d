"""All-or-nothing training calls: a failed ``fit`` leaves the model as it was."""

import contextlib
import copy

__all__ = ["CALLBACK_ATTRIBUTES", "unchanged_on_error"]

# scikit-learn's callback machinery: the user's callback objects and the live
# callback context, which must stay the very same objects (teardown runs after
# the restore, from @with_callbacks).
CALLBACK_ATTRIBUTES = frozenset(
    {"_skl_callbacks", "_skl_callbacks_to_teardown", "_callback_fit_ctx", "_parent_callback_ctx"}
)


@contextlib.contextmanager
def unchanged_on_error(estimator):
    """Put back the fitted state of ``estimator`` if the ``with`` block raises.

    The estimator's attributes other than its constructor parameters and
    scikit-learn's callback machinery are deep-copied on entry (training
    updates the network's weights, the optimizer's moments and the loss curve
    in place) and restored if the block
    raises anything, ``KeyboardInterrupt`` included. A model fitted before a
    failing ``fit`` or ``partial_fit`` therefore predicts exactly as before,
    and one that was not fitted stays unfitted. A context manager rather than
    a decorator, so that warnings raised inside keep their ``stacklevel``.

    Parameters
    ----------
    estimator : BaseEstimator
    """
    untouched = CALLBACK_ATTRIBUTES.union(estimator.get_params(deep=False))
    saved = copy.deepcopy({k: v for k, v in vars(estimator).items() if k not in untouched})
    try:
        yield
    except BaseException:
        for name in [k for k in vars(estimator) if k not in untouched]:
            delattr(estimator, name)
        vars(estimator).update(saved)
        raise
