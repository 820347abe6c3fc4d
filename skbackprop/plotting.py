"""Plots of training: the loss curve of a fitted network, in scikit-learn's Display style.

matplotlib is an optional dependency (``pip install skbackprop[plot]``); it is
imported only when a display is drawn.
"""

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

__all__ = ["LossCurveDisplay"]


def _import_pyplot(caller):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} requires matplotlib. Install it with `pip install matplotlib` "
            "or `pip install skbackprop[plot]`."
        ) from exc
    return plt


def _final_estimator(estimator):
    """The estimator that holds the curves: the last step of a pipeline, else itself."""
    while isinstance(estimator, Pipeline):
        estimator = estimator[-1]
    return estimator


def _is_stochastic(estimator):
    """Whether the curves are per epoch (minibatch solvers) rather than per L-BFGS iteration."""
    optimizer = getattr(estimator, "optimizer_", None)
    if optimizer is not None:
        return bool(getattr(optimizer, "stochastic", True))
    return getattr(estimator, "solver", "adam") != "lbfgs"  # scikit-learn's MLPClassifier


def _as_curve(values):
    """A curve as a float array, or None when absent or empty."""
    if values is None:
        return None
    values = np.asarray(values, dtype=float).ravel()
    return values if values.size else None


class LossCurveDisplay:
    """Training loss per epoch, with validation loss and score when available.

    Build it with :meth:`from_estimator` from a fitted
    :class:`~skbackprop.MLPScratchClassifier` (alone or as the last step of a
    :class:`~sklearn.pipeline.Pipeline`; scikit-learn's
    :class:`~sklearn.neural_network.MLPClassifier` works too), or directly from
    the curves, then call :meth:`plot`. As with scikit-learn's displays, the
    figure parts are stored in attributes ending in ``_`` so they can be
    restyled after plotting.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Training loss after each epoch (each iteration for L-BFGS).
    validation_loss_curve : array-like of shape (n_epochs,), default=None
        Loss on the held-out validation set after each epoch.
    validation_scores : array-like of shape (n_epochs,), default=None
        Score (accuracy, or R² for a regressor) on the validation set after each epoch; drawn
        on a second y axis, since it is not on the scale of the loss.
    estimator_name : str, default=None
        Name shown in the title.
    x_label : str, default="Epoch"
        Label of the x axis.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes of the losses.
    score_ax_ : matplotlib Axes or None
        Twin axes of the validation score, when there is one.
    figure_ : matplotlib Figure
        Figure holding the axes.
    lines_ : dict of str to matplotlib Line2D
        The drawn curves, keyed ``"loss"``, ``"validation_loss"`` and
        ``"validation_score"`` (only those that were available).

    See Also
    --------
    sklearn.model_selection.LearningCurveDisplay : Score against training-set size.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from skbackprop import MLPScratchClassifier
    >>> from skbackprop.plotting import LossCurveDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MLPScratchClassifier(max_iter=20, early_stopping=True, random_state=0)
    >>> clf = clf.fit(X / 16, y)
    >>> display = LossCurveDisplay.from_estimator(clf)
    >>> sorted(display.lines_)
    ['loss', 'validation_score']
    """

    def __init__(
        self,
        *,
        loss_curve,
        validation_loss_curve=None,
        validation_scores=None,
        estimator_name=None,
        x_label="Epoch",
    ):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.validation_scores = validation_scores
        self.estimator_name = estimator_name
        self.x_label = x_label

    def plot(self, ax=None, *, name=None, loss_kwargs=None, validation_kwargs=None):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure and axes are created when None.
        name : str, default=None
            Title; defaults to ``estimator_name``.
        loss_kwargs : dict, default=None
            Keyword arguments for the training-loss line (``ax.plot``).
        validation_kwargs : dict, default=None
            Keyword arguments for the validation lines.

        Returns
        -------
        display : LossCurveDisplay
            This display, with ``ax_``, ``score_ax_``, ``figure_`` and ``lines_`` set.
        """
        plt = _import_pyplot("LossCurveDisplay.plot")
        loss_curve = _as_curve(self.loss_curve)
        if loss_curve is None:
            raise ValueError(
                "loss_curve is empty: fit the estimator (with max_iter >= 1) before plotting."
            )
        if ax is None:
            _, ax = plt.subplots()
        validation_kwargs = dict(validation_kwargs or {})
        epochs = np.arange(1, loss_curve.size + 1)

        self.lines_ = {}
        (self.lines_["loss"],) = ax.plot(
            epochs, loss_curve, **{"label": "training loss", "color": "C0", **(loss_kwargs or {})}
        )
        validation_loss = _as_curve(self.validation_loss_curve)
        if validation_loss is not None:
            (self.lines_["validation_loss"],) = ax.plot(
                np.arange(1, validation_loss.size + 1),
                validation_loss,
                **{"label": "validation loss", "color": "C1", **validation_kwargs},
            )
        ax.set_xlabel(self.x_label)
        ax.set_ylabel("Loss")

        self.score_ax_ = None
        handles = list(self.lines_.values())
        validation_scores = _as_curve(self.validation_scores)
        if validation_scores is not None:
            self.score_ax_ = ax.twinx()
            (self.lines_["validation_score"],) = self.score_ax_.plot(
                np.arange(1, validation_scores.size + 1),
                validation_scores,
                **{
                    "label": "validation score",
                    "color": "C2",
                    "linestyle": "--",
                    **validation_kwargs,
                },
            )
            self.score_ax_.set_ylabel("Validation score")
            handles.append(self.lines_["validation_score"])
        ax.legend(handles=handles, loc="best")

        title = name if name is not None else self.estimator_name
        if title is not None:
            ax.set_title(title)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(
        cls, estimator, *, ax=None, name=None, loss_kwargs=None, validation_kwargs=None
    ):
        """Plot the curves recorded by a fitted network.

        Parameters
        ----------
        estimator : MLPScratchClassifier, MLPScratchRegressor or Pipeline
            A fitted network, or a fitted pipeline whose last step is one.
            Anything with a ``loss_curve_`` attribute works, scikit-learn's
            :class:`~sklearn.neural_network.MLPClassifier` included.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure and axes are created when None.
        name : str, default=None
            Title; defaults to the class name of the network.
        loss_kwargs : dict, default=None
            Keyword arguments for the training-loss line.
        validation_kwargs : dict, default=None
            Keyword arguments for the validation lines.

        Returns
        -------
        display : LossCurveDisplay
            The display, drawn.
        """
        _import_pyplot("LossCurveDisplay.from_estimator")
        network = _final_estimator(estimator)
        check_is_fitted(network)
        if not hasattr(network, "loss_curve_"):
            raise TypeError(
                f"LossCurveDisplay needs an estimator that records loss_curve_, such as "
                f"MLPScratchClassifier or MLPScratchRegressor; got {type(network).__name__}."
            )
        display = cls(
            loss_curve=network.loss_curve_,
            # Only recorded when a validation set exists (early stopping); absent
            # altogether from estimators that never compute it.
            validation_loss_curve=getattr(network, "validation_loss_curve_", None),
            validation_scores=getattr(network, "validation_scores_", None),
            estimator_name=type(network).__name__,
            x_label="Epoch" if _is_stochastic(network) else "Iteration",
        )
        return display.plot(
            ax=ax, name=name, loss_kwargs=loss_kwargs, validation_kwargs=validation_kwargs
        )
