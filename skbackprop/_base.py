"""What every skbackprop estimator shares: :class:`BaseMultilayerPerceptron`.

The base holds the ``fit`` / ``partial_fit`` skeleton (input checks, plugin
resolution, network set-up, warm starts, validation data, callbacks and the
all-or-nothing rollback), the fitted network's ``coefs_`` and ``intercepts_``,
pickling and the forward pass behind ``predict``. The training itself is
:class:`~skbackprop._training.TrainingLoop`'s, which hands back a
:class:`~skbackprop._training_state.TrainingState` that the base publishes as fitted
attributes.

A concrete estimator (:class:`~skbackprop.MLPScratchClassifier`,
:class:`~skbackprop.MLPScratchRegressor`) adds only what is its own: its
constructor and docstring, how targets are encoded (``_encode_targets``,
``_encode_validation_targets``), the target type its loss is resolved for
(``_target_type``), the validation score (``_validation_score``), optional
sample weighting (``_sample_weighting``) and its predict methods.
"""

import numpy as np
from sklearn.base import BaseEstimator, is_regressor
from sklearn.callback import CallbackSupportMixin
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.validation import check_consistent_length, check_is_fitted, validate_data

from . import registry
from ._callbacks import EpochTasks
from ._finite_outputs import check_trained_network
from ._hidden_features import HiddenFeaturesMixin, check_transform_layer
from ._holdout import ValidationSet, hold_out
from ._per_layer import resolve_activation, resolve_dropout_rates
from ._rollback import unchanged_on_error
from ._training import TrainingLoop
from ._training_state import TrainingSettings, TrainingState
from ._validation import (
    check_hidden_layer_sizes,
    check_parameters,
    check_sample_weight,
    check_weight_sum,
)
from .activations import Softmax
from .exceptions import warn_if_version_differs
from .network import Network

__all__ = ["BaseMultilayerPerceptron"]


def partial_fit_is_available(est):
    """Whether ``est.solver`` names or is a stochastic (minibatch) optimizer.

    For :func:`sklearn.utils.metaestimators.available_if` on ``partial_fit``.
    """
    solver = est.solver
    if isinstance(solver, str):
        try:
            solver = registry.get("optimizer", solver)
        except ValueError as exc:  # AttributeError keeps hasattr(est, "partial_fit") working
            raise AttributeError(f"partial_fit is not available: invalid solver. {exc}") from exc
    if not getattr(solver, "stochastic", False):
        raise AttributeError(
            f"partial_fit is only available for stochastic optimizers; solver={est.solver!r} "
            "is not stochastic."
        )
    return True


def _carry_state(previous, fresh):
    """Copy the learned state (attributes ending in ``_``) of a plugin into a new one."""
    if type(previous) is type(fresh):
        fresh.__dict__.update((k, v) for k, v in vars(previous).items() if k.endswith("_"))
    return fresh


def _assign_layers(views, values, name):
    """Copy per-layer arrays into the network's views (assigning ``coefs_`` as in sklearn)."""
    shapes = [view.shape for view in views]
    values = list(values)
    if [np.shape(value) for value in values] != shapes:
        raise ValueError(
            f"{name} must be a list of arrays of shapes {shapes}, as the fitted network has; "
            f"got shapes {[np.shape(value) for value in values]}."
        )
    for view, value in zip(views, values):
        view[...] = value


class BaseMultilayerPerceptron(CallbackSupportMixin, HiddenFeaturesMixin, BaseEstimator):
    """Base class of skbackprop's multilayer perceptrons; not meant to be used directly.

    Subclasses define ``__init__`` with their parameters (every one of the
    attributes read here) and the target hooks listed in the module docstring.
    """

    # The HTML representation links to the API reference, as scikit-learn's do.
    _doc_link_module = "skbackprop"
    _doc_link_template = (
        "https://skbackprop.readthedocs.io/en/latest/generated/skbackprop.{estimator_name}.html"
    )

    def _doc_link_url_param_generator(self):
        return {"estimator_name": type(self).__name__}

    # ----------------------------------------------------- target hooks

    def _encode_targets(self, y, first_pass, incremental):
        """Fit or check the target encoding; return the target matrix (n_samples, n_outputs)."""
        raise NotImplementedError

    def _encode_validation_targets(self, y_val, y):
        """Check ``y_val`` against the training targets ``y``; return it and its matrix."""
        raise NotImplementedError

    def _target_type(self):
        """The target type the loss is resolved for (:meth:`Loss.for_target`)."""
        raise NotImplementedError

    def _validation_score(self, y, output, sample_weight):
        """Score of the network's ``output`` against targets ``y`` (higher is better)."""
        raise NotImplementedError

    def _sample_weighting(self, y, sample_weight, incremental):
        """A function ``(y, sample_weight) -> sample_weight`` applied to training and
        validation samples alike (class weights); the identity by default."""
        return lambda y, sample_weight: sample_weight

    def _stratify_hold_out(self):
        """Whether early stopping holds out a share of the data stratified by class."""
        return False

    # -------------------------------------------------------------- fit

    def _fit_with_validation(self, X, y, sample_weight, X_val, y_val, sample_weight_val):
        """``fit``'s body: check the validation arguments, then train all-or-nothing."""
        validation_data = None
        if X_val is not None or y_val is not None:
            if X_val is None or y_val is None:
                raise ValueError(
                    "X_val and y_val go together: pass both to use a validation set, or "
                    "neither to let early_stopping hold out validation_fraction of X."
                )
            validation_data = (X_val, y_val, sample_weight_val)
        elif sample_weight_val is not None:
            raise ValueError("sample_weight_val was given without X_val and y_val.")
        with unchanged_on_error(self) as start_params:
            return self._fit(
                X,
                y,
                sample_weight,
                incremental=False,
                validation_data=validation_data,
                start_params=start_params,
            )

    def _fit(self, X, y, sample_weight, incremental, validation_data=None, start_params=None):
        """Train on one call's data; ``start_params`` is what :func:`unchanged_on_error` yields."""
        check_parameters(self)
        hidden_layer_sizes = check_hidden_layer_sizes(self.hidden_layer_sizes)
        first_pass = not hasattr(self, "network_") or (not self.warm_start and not incremental)
        dtype = (np.float64, np.float32) if first_pass else self.network_.params.dtype
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=is_regressor(self),
            dtype=dtype,
            reset=first_pass,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        Y = np.asarray(self._encode_targets(y, first_pass, incremental), dtype=X.dtype)
        sample_weight = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        random_state = check_random_state(self.random_state)

        previous_optimizer = None if first_pass else type(self.optimizer_)
        self._resolve_plugins(first_pass, incremental)
        dropout_rates = resolve_dropout_rates(
            self.dropout, len(hidden_layer_sizes), self.input_dropout
        )
        check_transform_layer(self.transform_layer, len(hidden_layer_sizes))
        if any(dropout_rates) and not self.optimizer_.stochastic:
            raise ValueError(
                f"dropout needs a stochastic solver: solver={self.solver!r} minimises one "
                "deterministic full-batch loss, which fresh random masks would change at "
                "every evaluation. Use solver='adam', 'adamw' or 'sgd', or set dropout=0 "
                "and input_dropout=0."
            )
        self.loss_function_.check_targets(Y)
        layer_sizes = (X.shape[1], *hidden_layer_sizes, Y.shape[1])
        # The rollback's copy of the weights at the call's start, which the loop
        # shares (None on a first pass: a new network, nothing saved).
        call_start_params = None
        if first_pass:
            self._initialize(layer_sizes, X.dtype, random_state)
        elif self.network_.layer_sizes != layer_sizes:
            raise ValueError(
                f"warm_start/partial_fit needs the same layer sizes as the previous fit, "
                f"{self.network_.layer_sizes}; got {layer_sizes}. Set warm_start=False to "
                "start afresh."
            )
        elif start_params is not None:
            call_start_params = start_params(self.network_.params)
        if Y.shape[1] == 1 and isinstance(self.output_activation_, Softmax):
            raise ValueError(
                "output_activation='softmax' needs one output unit per class, but this target "
                "has a single output unit (binary classes, or one regression target), where a "
                "softmax is always 1. Use output_activation='auto' or 'logistic'."
            )
        self.network_.hidden_activation = self.activation_
        self.network_.output_activation = self.output_activation_
        carried_state = type(self.optimizer_) is previous_optimizer
        stochastic = self.optimizer_.stochastic
        if stochastic and not (
            carried_state and self.optimizer_.is_initialized_for(self.network_.params)
        ):
            # A first fit, or a solver changed since the last one: fresh state.
            self.optimizer_.initialize(self.network_.params)

        # Sample weighting (class weights) from all the data of this call; it
        # weighs the training loss and the validation set alike.
        weigh = self._sample_weighting(y, sample_weight, incremental)
        early_stopping = stochastic and self.early_stopping and not incremental
        X, y, Y, sample_weight, validation = self._validation_set(
            X, y, Y, sample_weight, validation_data, random_state, split=early_stopping
        )
        sample_weight = weigh(y, sample_weight)
        check_weight_sum(sample_weight, "sample_weight times class_weight")
        if validation is not None:
            validation.sample_weight = weigh(validation.y, validation.sample_weight)
            check_weight_sum(validation.sample_weight, "sample_weight_val times class_weight")
        early_stopping = early_stopping and validation is not None

        state = TrainingState() if first_pass else TrainingState.resume(vars(self))
        state.start_call(monitored=validation is not None, early_stopping=early_stopping)
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}

        # scikit-learn's callback protocol: the fit is a task, each epoch a subtask.
        if stochastic:
            n_tasks = 1 if incremental else self.max_iter
        else:
            n_tasks = self.max_iter + 1  # the optimizer's iterations, plus one never run
        context = self._init_callback_context(max_subtasks=n_tasks)
        context.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=metadata)
        tasks = EpochTasks(self, context, X, y, metadata, "epoch" if stochastic else "iteration")
        loop = TrainingLoop(
            self.network_,
            self.loss_function_,
            self.optimizer_,
            self.learning_rate_schedule_,
            self._training_settings(early_stopping, dropout_rates),
            state,
            tasks,
            call_start_params=call_start_params,
        )
        if stochastic:
            state = loop.run_stochastic(X, Y, sample_weight, validation, random_state, incremental)
        else:
            state = loop.run_full_batch(X, Y, sample_weight, validation)
        vars(self).update(state.published())

        check_trained_network(self.network_, X, self.learning_rate_init)
        context.call_on_fit_task_end(
            estimator=self, X=X, y=y, metadata=metadata, reconstruction_attributes={}
        )
        return self

    def _training_settings(self, early_stopping, dropout_rates):
        return TrainingSettings(
            alpha=self.alpha,
            batch_size=self.batch_size,
            max_iter=self.max_iter,
            shuffle=self.shuffle,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            verbose=self.verbose,
            early_stopping=early_stopping,
            early_stopping_metric=getattr(self, "early_stopping_metric", "score"),
            learning_rate_init=self.learning_rate_init,
            dropout_rates=tuple(dropout_rates),
        )

    def _resolve_plugins(self, first_pass, incremental):
        """Turn the plugin parameters into fresh fitted copies (never the user's objects)."""
        target_type = self._target_type()
        n_hidden_layers = len(check_hidden_layer_sizes(self.hidden_layer_sizes))
        self.activation_ = resolve_activation(self.activation, n_hidden_layers)
        loss = registry.resolve("loss", self.loss, "loss")
        self.loss_function_ = loss.for_target(target_type)
        output_activation = getattr(self, "output_activation", "auto")
        if isinstance(output_activation, str) and output_activation == "auto":
            output_activation = loss.default_output_activation(target_type)
        self.output_activation_ = registry.resolve(
            "activation", output_activation, "output_activation"
        )
        self.out_activation_ = (
            self.output_activation_.name or type(self.output_activation_).__name__.lower()
        )
        self.initializer_ = registry.resolve("initializer", self.weight_init, "weight_init")

        optimizer = registry.resolve(
            "optimizer",
            self.solver,
            "solver",
            momentum=self.momentum,
            nesterov=self.nesterovs_momentum,
            beta_1=self.beta_1,
            beta_2=self.beta_2,
            epsilon=self.epsilon,
            max_fun=self.max_fun,
        )
        schedule = registry.resolve(
            "schedule", self.learning_rate, "learning_rate", power_t=self.power_t
        )
        schedule.start(self.learning_rate_init, max_epochs=self.max_iter)
        if not first_pass:
            # warm_start and partial_fit continue with the optimizer's moments;
            # partial_fit also continues the schedule (e.g. an adapted rate).
            optimizer = _carry_state(self.optimizer_, optimizer)
            if incremental:
                schedule = _carry_state(self.learning_rate_schedule_, schedule)
        self.optimizer_ = optimizer
        self.learning_rate_schedule_ = schedule

    def _initialize(self, layer_sizes, dtype, random_state):
        """Create and initialise the network."""
        self.network_ = Network(layer_sizes, self.activation_, self.output_activation_, dtype)
        # Without hidden layers scikit-learn still scales by its activation parameter.
        single = None if isinstance(self.activation_, list) else self.activation_
        self.network_.initialize(self.initializer_, random_state, single)
        self.n_layers_ = len(layer_sizes)
        self.n_outputs_ = layer_sizes[-1]

    def _validation_set(self, X, y, Y, sample_weight, validation_data, random_state, split):
        """The training arrays and a :class:`ValidationSet` (or None).

        A user's ``X_val``, ``y_val`` take precedence; otherwise, when ``split``
        (early stopping), ``validation_fraction`` of the data is held out.
        """
        if validation_data is not None:
            X_val, y_val, sample_weight_val = validation_data
            X_val = validate_data(
                self, X_val, accept_sparse=["csr", "csc"], dtype=X.dtype, reset=False
            )
            y_val = np.asarray(y_val)
            if y_val.ndim == 2 and y_val.shape[1] == 1 and y.ndim == 1:
                y_val = column_or_1d(y_val, warn=True)
            check_consistent_length(X_val, y_val)
            if y_val.ndim != y.ndim or (y.ndim == 2 and y_val.shape[1] != y.shape[1]):
                raise ValueError(
                    f"y_val must be shaped like y: got {y_val.shape} for y of shape {y.shape}."
                )
            y_val, Y_val = self._encode_validation_targets(y_val, y)
            sample_weight_val = check_sample_weight(sample_weight_val, X_val.shape[0], X.dtype)
            validation = ValidationSet(
                X_val, y_val, Y_val.astype(X.dtype), sample_weight_val, self._validation_score
            )
            return X, y, Y, sample_weight, validation
        if not split:
            return X, y, Y, sample_weight, None
        if self.validation_fraction == 0:
            raise ValueError(
                "early_stopping=True holds out validation_fraction of the training data, "
                "and validation_fraction=0 holds out nothing: give a fraction in (0, 1), or "
                "pass a validation set with fit(X, y, X_val=..., y_val=...)."
            )
        return hold_out(
            X,
            y,
            Y,
            sample_weight,
            validation_fraction=self.validation_fraction,
            stratify=self._stratify_hold_out(),
            random_state=random_state,
            score=self._validation_score,
        )

    # ------------------------------------------------------- fitted state

    @property
    def coefs_(self):
        """Weight matrices of the layers, views into ``network_.params``."""
        return self.network_.weights

    @coefs_.setter
    def coefs_(self, values):
        _assign_layers(self.network_.weights, values, "coefs_")

    @property
    def intercepts_(self):
        """Bias vectors of the layers, views into ``network_.params``."""
        return self.network_.biases

    @intercepts_.setter
    def intercepts_(self, values):
        _assign_layers(self.network_.biases, values, "intercepts_")

    def __getstate__(self):
        # Stamp pickles with our version, as scikit-learn does with its own.
        from . import __version__

        return dict(super().__getstate__(), _skbackprop_version=__version__)

    def __setstate__(self, state):
        state = dict(state)
        saved_by = state.pop("_skbackprop_version", "unknown (before 0.1.0)")
        warn_if_version_differs(type(self).__name__, saved_by)
        super().__setstate__(state)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "network_")

    def _forward(self, X):
        """The network's output for ``X``, checked like the training data."""
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=self.network_.params.dtype, reset=False
        )
        output = self.network_.predict(X)
        if not np.isfinite(output).all():  # overflow: no answer is better than NaN probabilities
            raise ValueError(
                "The network's output overflowed to inf or NaN for some rows of X: their values "
                "are far outside the range seen in training. Scale X as the training data was."
            )
        return output

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
