"""The bridge to scikit-learn's callback protocol (:mod:`sklearn.callback`): one task per epoch.

The estimator opens the root task of a ``fit`` with
``CallbackSupportMixin._init_callback_context`` (the adopter's entry point of
the protocol); the training loop reports each epoch (each L-BFGS iteration)
through an :class:`EpochTasks` and stops when a callback asks it to.
"""

import copy

__all__ = ["EpochTasks"]


class EpochTasks:
    """One task of scikit-learn's callback protocol per epoch.

    Wraps the root :class:`sklearn.callback.CallbackContext` of a ``fit`` call:
    :meth:`begin` opens a subtask named ``"epoch"`` (``"iteration"`` for
    full-batch solvers) and :meth:`end` closes it and returns whether a callback
    asked to stop. Callbacks that want a fitted model (e.g. ``ScoringMonitor``)
    get a copy of the estimator holding a snapshot of the current weights; it
    is only built if a callback asks for it.

    Parameters
    ----------
    estimator : MLPScratchClassifier
    context : sklearn.callback.CallbackContext or None
        The root context; ``None`` disables the reporting.
    X : {ndarray, sparse matrix}
        Training data handed to the hooks.
    y : ndarray
        Training targets in the estimator's labels.
    metadata : dict or None
        E.g. ``{"sample_weight": ...}``.
    task_name : str, default="epoch"
    """

    def __init__(self, estimator, context, X, y, metadata, task_name="epoch"):
        self.estimator = estimator
        self.context = context
        self.X = X
        self.y = y
        self.metadata = metadata
        self.task_name = task_name
        self._task = None

    def _fitted_attributes(self):
        network = copy.copy(self.estimator.network_)
        network.params = network.params.copy()
        return {"network_": network}

    def begin(self):
        """Open the next epoch's task."""
        if self.context is None:
            return
        self._task = self.context.subcontext(task_name=self.task_name)
        self._task.call_on_fit_task_begin(
            estimator=self.estimator,
            X=self.X,
            y=self.y,
            metadata=self.metadata,
            reconstruction_attributes=self._fitted_attributes,
        )

    def end(self):
        """Close the current task; return True if a callback asks to stop."""
        if self._task is None:
            return False
        task, self._task = self._task, None
        return task.call_on_fit_task_end(
            estimator=self.estimator,
            X=self.X,
            y=self.y,
            metadata=self.metadata,
            reconstruction_attributes=self._fitted_attributes,
        )

    def close(self):
        """Close a task that was opened but never ran (no data for the hooks)."""
        if self._task is not None:
            task, self._task = self._task, None
            task.call_on_fit_task_end(estimator=self.estimator)
