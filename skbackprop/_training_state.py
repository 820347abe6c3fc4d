"""What the training loop follows and what it records: settings in, state out.

:class:`TrainingSettings` are the estimator's checked hyperparameters, frozen
for one call; :class:`TrainingState` is the loop's progress (epochs, curves,
the best weights seen), carried from call to call through the estimator's
fitted attributes: the loop never reads or writes the estimator itself.
"""

import copy
from dataclasses import dataclass, field, fields

import numpy as np

__all__ = ["TrainingSettings", "TrainingState"]


@dataclass(frozen=True)
class TrainingSettings:
    """The hyperparameters the loop follows (the estimator's, checked).

    ``early_stopping`` is whether early stopping is in force for this call
    (a validation set exists, the solver is stochastic, not ``partial_fit``).
    ``dropout_rates`` holds one dropout probability per weight layer (the
    features, then each hidden layer; see :func:`~skbackprop.dropout.draw_masks`).
    """

    alpha: float
    batch_size: object
    max_iter: int
    shuffle: bool
    tol: float
    n_iter_no_change: float
    verbose: bool
    early_stopping: bool
    early_stopping_metric: str
    learning_rate_init: float
    dropout_rates: tuple = ()


@dataclass
class TrainingState:
    """The loop's record of its progress, carried from call to call.

    Each field but ``best_params`` and ``no_improvement_count`` is published
    as the fitted attribute of the same name with a trailing underscore; those
    two as private attributes (``_best_params``, ``_no_improvement_count``).
    """

    n_iter: int = 0
    t: int = 0
    loss: float = None
    loss_curve: list = field(default_factory=list)
    best_loss: float = np.inf
    validation_scores: list = None
    validation_loss_curve: list = None
    best_validation_score: float = None
    best_validation_loss: float = None
    no_improvement_count: int = 0
    best_params: np.ndarray = None

    _PRIVATE = ("no_improvement_count", "best_params")

    @classmethod
    def attribute_names(cls):
        """Map each field to the estimator attribute it is published as."""
        return {
            f.name: (f"_{f.name}" if f.name in cls._PRIVATE else f"{f.name}_") for f in fields(cls)
        }

    @classmethod
    def resume(cls, attributes):
        """The state a previous call published, from a mapping of attribute values.

        Lists are copied, so the published ones are never appended to.
        """
        state = cls()
        for name, attribute in cls.attribute_names().items():
            if attribute in attributes:
                setattr(state, name, copy.copy(attributes[attribute]))
        return state

    def published(self):
        """The fitted attributes to set on the estimator, as a dict."""
        return {
            attribute: getattr(self, name) for name, attribute in self.attribute_names().items()
        }

    def start_call(self, monitored, early_stopping):
        """Open the validation curves the first time a validation set shows up.

        As in scikit-learn, ``best_loss`` is None while early stopping watches
        the validation set instead of the training loss.
        """
        if monitored and self.validation_scores is None:
            self.validation_scores = []
            self.validation_loss_curve = []
            self.best_validation_score = -np.inf
            self.best_validation_loss = np.inf
        if early_stopping:
            self.best_loss = None
        elif self.best_loss is None:
            self.best_loss = np.inf
