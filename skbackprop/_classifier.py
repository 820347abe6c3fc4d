"""The scikit-learn face of skbackprop: :class:`MLPScratchClassifier`."""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.callback import CallbackSupportMixin, with_callbacks
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from . import registry
from ._callbacks import EpochTasks
from ._holdout import hold_out, user_validation_set
from ._rollback import unchanged_on_error
from ._training import fit_full_batch, fit_stochastic
from ._validation import (
    apply_class_weight,
    check_hidden_layer_sizes,
    check_parameters,
    check_sample_weight,
    resolve_class_weight,
)
from .activations import Softmax
from .exceptions import warn_if_version_differs
from .network import Network

__all__ = ["MLPScratchClassifier"]


def _partial_fit_is_available(est):
    """Whether ``est.solver`` names or is a stochastic (minibatch) optimizer."""
    solver = est.solver
    if isinstance(solver, str):
        try:
            solver = registry.get("optimizer", solver)
        except ValueError as exc:  # AttributeError keeps hasattr(est, "partial_fit") working
            raise AttributeError(f"partial_fit is not available: invalid solver. {exc}") from None
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


class MLPScratchClassifier(CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    """Multilayer perceptron classifier trained by a plain-numpy backpropagation core.

    A drop-in for :class:`sklearn.neural_network.MLPClassifier`: it takes the
    same parameters with the same defaults and meaning, and sets the same
    fitted attributes. In addition every part of the network is a plugin,
    named by a string or given as a configured instance: the hidden and output
    activations, the loss, the optimizer (``solver``), the learning-rate
    schedule (``learning_rate``) and the weight initializer.

    Training can be watched and stopped through scikit-learn's callbacks
    (:mod:`sklearn.callback`, one task per epoch), e.g.
    ``clf.set_callbacks(ProgressBar())``; see the user guide on training control.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units of each hidden layer; ``()`` gives a network without hidden layers.
    activation : str or Activation, default="relu"
        Hidden activation: ``"identity"``, ``"logistic"``/``"sigmoid"``,
        ``"tanh"``, ``"relu"``, ``"leaky_relu"``, ``"elu"``, ``"softplus"``,
        ``"gelu"``, a registered plugin name, or an
        :class:`~skbackprop.activations.Activation` instance.
    solver : str or Optimizer, default="adam"
        ``"adam"``, ``"sgd"``, ``"lbfgs"`` or an
        :class:`~skbackprop.optimizers.Optimizer` instance. A name builds the
        optimizer from ``momentum``, ``nesterovs_momentum``, ``beta_1``,
        ``beta_2``, ``epsilon`` and ``max_fun``; an instance carries its own.
    alpha : float, default=0.0001
        Strength of the L2 penalty ``alpha/2 ‖W‖²``, divided by the sum of the
        sample weights (the number of samples when unweighted).
    batch_size : int or "auto", default="auto"
        Minibatch size of stochastic solvers; ``"auto"`` is ``min(200, n_samples)``.
    learning_rate : str or LearningRateSchedule, default="constant"
        ``"constant"``, ``"invscaling"`` or ``"adaptive"`` (as in scikit-learn),
        ``"step"`` (:class:`~skbackprop.schedules.StepDecay`), ``"cosine"``
        (:class:`~skbackprop.schedules.CosineAnnealing` over ``max_iter``
        epochs), or a :class:`~skbackprop.schedules.LearningRateSchedule`. Unlike
        scikit-learn, the schedule applies to every stochastic solver, Adam included.
    learning_rate_init : float, default=0.001
        Initial step size of stochastic solvers.
    power_t : float, default=0.5
        Exponent of ``learning_rate="invscaling"``.
    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or iterations (L-BFGS).
    shuffle : bool, default=True
        Whether to shuffle the samples every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the early-stopping split and the shuffles.
    tol : float, default=1e-4
        Improvement of the loss (or validation score) below which an epoch
        counts as no improvement.
    verbose : bool, default=False
        Print the loss after every epoch.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution and optimizer state.
    momentum : float, default=0.9
        Momentum of ``solver="sgd"``.
    nesterovs_momentum : bool, default=True
        Whether ``solver="sgd"`` uses Nesterov's momentum.
    early_stopping : bool, default=False
        Stop when the validation accuracy (or loss, see
        ``early_stopping_metric``) stops improving; the best weights are kept.
        The validation set is ``X_val``, ``y_val`` when given to ``fit``, else
        ``validation_fraction`` of the data, held out stratified (multiclass
        targets included). Stochastic solvers only; ``partial_fit`` ignores it.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    beta_1, beta_2 : float, default=0.9, 0.999
        Moment decay rates of ``solver="adam"``.
    epsilon : float, default=1e-8
        Numerical stabiliser of ``solver="adam"``.
    n_iter_no_change : int, default=10
        Epochs without improvement before the schedule reacts (stop, or divide
        the rate for ``"adaptive"``).
    max_fun : int, default=15000
        Maximum number of loss evaluations of ``solver="lbfgs"``.
    loss : str or Loss, default="log_loss"
        ``"log_loss"`` (softmax cross-entropy for multiclass targets, binary
        cross-entropy otherwise), ``"cross_entropy"``,
        ``"binary_cross_entropy"``, ``"squared_error"`` or a
        :class:`~skbackprop.losses.Loss` instance.
    output_activation : str or Activation, default="auto"
        Output activation; ``"auto"`` lets the loss choose (softmax or sigmoid
        for log-loss, sigmoid for squared error).
    weight_init : str or Initializer, default="glorot_uniform"
        ``"glorot_uniform"`` (scikit-learn's scheme), ``"he_normal"``,
        ``"normal"`` (unit normal) or an :class:`~skbackprop.initializers.Initializer`.
    class_weight : dict, list of dict, "balanced" or None, default=None
        Weight of each class in the training loss, multiplied into
        ``sample_weight`` as scikit-learn's linear models do. ``"balanced"``
        uses ``Σw / (n_classes · Σ_{y=c} w)``; in ``partial_fit`` it counts
        every sample seen so far. For multilabel targets each label is
        weighted on its own (``"balanced"`` or one dict per label), each
        ``partial_fit`` chunk balanced on its own. The validation score and
        loss are class-weighted alike.
    early_stopping_metric : {"score", "loss"}, default="score"
        What early stopping watches on the validation set: ``"score"``
        (accuracy, as scikit-learn) or ``"loss"``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coefs_ : list of ndarray
        Weight matrix of each layer, views into ``network_.params``.
    intercepts_ : list of ndarray
        Bias vector of each layer, views into ``network_.params``.
    network_ : Network
        The trained network (parameters and activations).
    activation_, output_activation_ : Activation
        Resolved hidden and output activations.
    out_activation_ : str
        Name of the output activation (scikit-learn's attribute).
    loss_function_ : Loss
        Resolved loss, specialised to the target type.
    optimizer_ : Optimizer
        Resolved optimizer with its state (momentum, moments).
    learning_rate_schedule_ : LearningRateSchedule
        Resolved schedule with its current rate.
    initializer_ : Initializer
        Resolved weight initializer.
    loss_ : float
        Training loss after the last epoch.
    loss_curve_ : list of float
        Training loss after each epoch (each L-BFGS iteration).
    best_loss_ : float or None
        Lowest training loss seen (None with early stopping).
    validation_scores_ : list of float or None
        Validation accuracy after each epoch, whenever a validation set
        exists (early stopping, or ``X_val`` given to ``fit``).
    validation_loss_curve_ : list of float or None
        Validation loss (without the L2 penalty) after each epoch, whenever a
        validation set exists.
    best_validation_score_ : float or None
        Best validation accuracy seen, whenever a validation set exists. With
        early stopping on ``"score"``, the restored weights are those of the
        best epoch by accuracy, ties within ``tol`` going to the lower
        validation loss, so their accuracy may sit up to ``tol`` below this.
    best_validation_loss_ : float or None
        Lowest validation loss, whenever a validation set exists.
    t_ : int
        Number of training samples seen.
    n_iter_ : int
        Number of epochs (iterations) run by the last call.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of output units.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during fit, when X has string column names.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from skbackprop import MLPScratchClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = make_pipeline(MinMaxScaler(), MLPScratchClassifier(max_iter=50, random_state=0))
    >>> clf.fit(X, y).score(X, y) > 0.95
    True
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        loss="log_loss",
        output_activation="auto",
        weight_init="glorot_uniform",
        class_weight=None,
        early_stopping_metric="score",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.loss = loss
        self.output_activation = output_activation
        self.weight_init = weight_init
        self.class_weight = class_weight
        self.early_stopping_metric = early_stopping_metric

    # ------------------------------------------------------------------ fit

    @with_callbacks
    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None):
        """Train the network on ``X``, ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 data trains in float32, anything else in float64.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a label-indicator matrix for multilabel targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights; the loss is their weighted mean.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), default=None
            A validation set, scored after every epoch (``validation_scores_``,
            ``validation_loss_curve_``) and used by ``early_stopping`` instead
            of holding out ``validation_fraction`` of ``X``. In a ``Pipeline``,
            use ``Pipeline(..., transform_input=["X_val"])`` to transform it
            like ``X``.
        y_val : array-like of shape (n_val,) or (n_val, n_labels), default=None
            Labels of ``X_val``; required with it.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples.

        Returns
        -------
        self : MLPScratchClassifier
            The fitted estimator.
        """
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
        with unchanged_on_error(self):
            return self._fit(
                X, y, sample_weight, incremental=False, validation_data=validation_data
            )

    @available_if(_partial_fit_is_available)
    @with_callbacks
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on ``X``, ``y``, continuing from the current state.

        ``early_stopping`` does not apply here (there is no held-out set):
        watch a validation set yourself between calls.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        classes : array-like of shape (n_classes,), default=None
            All the classes that will ever be seen; required on the first call
            (except for multilabel targets), ignored afterwards unless it
            contradicts ``classes_``.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : MLPScratchClassifier
        """
        with unchanged_on_error(self):
            if not hasattr(self, "classes_"):
                if type_of_target(y).startswith("multilabel"):
                    self._label_binarizer = LabelBinarizer().fit(y)
                elif classes is None:
                    raise ValueError(
                        "classes must be passed on the first call to partial_fit: "
                        "use classes=np.unique(y_all) with every label that will be seen."
                    )
                elif np.ndim(classes) != 1:
                    raise ValueError(
                        f"classes must be a 1-D array of every label; got {classes!r}."
                    )
                else:
                    self._label_binarizer = LabelBinarizer().fit(classes)
                self.classes_ = self._label_binarizer.classes_
            elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
                raise ValueError(
                    f"classes={classes!r} is not the same as on the first call to partial_fit, "
                    f"which set classes_={self.classes_!r}."
                )
            return self._fit(X, y, sample_weight, incremental=True)

    def _fit(self, X, y, sample_weight, incremental, validation_data=None):
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
            dtype=dtype,
            reset=first_pass,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        Y = self._encode_targets(y, first_pass, incremental).astype(X.dtype)
        sample_weight = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        random_state = check_random_state(self.random_state)

        previous_optimizer = None if first_pass else type(self.optimizer_)
        self._resolve_plugins(first_pass, incremental)
        layer_sizes = (X.shape[1], *hidden_layer_sizes, Y.shape[1])
        if first_pass:
            self._initialize(layer_sizes, X.dtype, random_state)
        elif self.network_.layer_sizes != layer_sizes:
            raise ValueError(
                f"warm_start/partial_fit needs the same layer sizes as the previous fit, "
                f"{self.network_.layer_sizes}; got {layer_sizes}. Set warm_start=False to "
                "start afresh."
            )
        if Y.shape[1] == 1 and isinstance(self.output_activation_, Softmax):
            raise ValueError(
                "output_activation='softmax' needs one output unit per class, but binary "
                "targets have a single output unit (a softmax over it is always 1). Use "
                "output_activation='auto' or 'logistic'."
            )
        self.network_.hidden_activation = self.activation_
        self.network_.output_activation = self.output_activation_
        params = self.network_.params
        carried_state = type(self.optimizer_) is previous_optimizer
        if self.optimizer_.stochastic and not (
            carried_state and self.optimizer_.is_initialized_for(params)
        ):
            # A first fit, or a solver changed since the last one: fresh state.
            self.optimizer_.initialize(params)

        stochastic = self.optimizer_.stochastic
        # Class weights from all the data of this call; they weight the training
        # loss and the validation set alike.
        class_weights = resolve_class_weight(
            self.class_weight,
            self.classes_,
            y,
            sample_weight,
            running_counts=self._class_counts if incremental else None,
        )
        early_stopping = stochastic and self.early_stopping and not incremental
        X, y, Y, sample_weight, validation = self._validation_set(
            X, y, Y, sample_weight, validation_data, random_state, split=early_stopping
        )
        sample_weight = apply_class_weight(class_weights, self.classes_, y, sample_weight, X.dtype)
        if validation is not None:
            validation.sample_weight = apply_class_weight(
                class_weights, self.classes_, validation.y, validation.sample_weight, X.dtype
            )
        self._prepare_monitoring(validation, early_stopping and validation is not None)
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}

        # scikit-learn's callback protocol: the fit is a task, each epoch a subtask.
        if stochastic:
            n_tasks = 1 if incremental else self.max_iter
        else:
            n_tasks = self.max_iter + 1  # the optimizer's iterations, plus one never run
        context = self._init_callback_context(max_subtasks=n_tasks)
        context.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=metadata)
        tasks = EpochTasks(self, context, X, y, metadata, "epoch" if stochastic else "iteration")
        if stochastic:
            fit_stochastic(self, X, Y, sample_weight, validation, random_state, incremental, tasks)
        else:
            fit_full_batch(self, X, Y, sample_weight, validation, tasks)

        if not np.isfinite(self.network_.params).all():
            raise ValueError(
                "Training produced non-finite weights. Scale the inputs (e.g. with "
                "MinMaxScaler or StandardScaler) or lower learning_rate_init."
            )
        context.call_on_fit_task_end(
            estimator=self, X=X, y=y, metadata=metadata, reconstruction_attributes={}
        )
        return self

    def _encode_targets(self, y, first_pass, incremental):
        """Fit or check the label binarizer and return the target matrix."""
        check_classification_targets(y)
        if not hasattr(self, "classes_") or (first_pass and not incremental):
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            unseen = np.setdiff1d(np.unique(y), self.classes_)
            if self._label_binarizer.y_type_ != "multilabel-indicator" and len(unseen):
                raise ValueError(
                    f"y has classes {unseen!r} that are not in classes_={self.classes_!r}. "
                    "Pass every class to the first partial_fit call, or refit."
                )
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes, but the data "
                f"contains only one class: {self.classes_[0]!r}."
            )
        return self._label_binarizer.transform(y)

    def _resolve_plugins(self, first_pass, incremental):
        """Turn the plugin parameters into fresh fitted copies (never the user's objects)."""
        target_type = self._label_binarizer.y_type_
        self.activation_ = registry.resolve("activation", self.activation, "activation")
        loss = registry.resolve("loss", self.loss, "loss")
        self.loss_function_ = loss.for_target(target_type)
        output_activation = self.output_activation
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
        """Create and initialise the network and reset the training state."""
        self.network_ = Network(layer_sizes, self.activation_, self.output_activation_, dtype)
        self.network_.initialize(self.initializer_, random_state)
        self.n_layers_ = len(layer_sizes)
        self.n_outputs_ = layer_sizes[-1]
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self.best_loss_ = np.inf
        self.validation_scores_ = None
        self.validation_loss_curve_ = None
        self.best_validation_score_ = None
        self.best_validation_loss_ = None
        self._no_improvement_count = 0
        self._best_params = None
        self._class_counts = np.zeros(len(self.classes_))  # for "balanced" in partial_fit

    def _prepare_monitoring(self, validation, early_stopping):
        """Start the validation curves the first time a validation set shows up.

        As in scikit-learn, ``best_loss_`` is None while early stopping watches
        the validation set instead of the training loss.
        """
        if validation is not None and self.validation_scores_ is None:
            self.validation_scores_ = []
            self.validation_loss_curve_ = []
            self.best_validation_score_ = -np.inf
            self.best_validation_loss_ = np.inf
        if early_stopping:
            self.best_loss_ = None
        elif self.best_loss_ is None:
            self.best_loss_ = np.inf

    def _validation_set(self, X, y, Y, sample_weight, validation_data, random_state, split):
        """The training arrays and a :class:`ValidationSet` (or None).

        A user's ``X_val``, ``y_val`` take precedence; otherwise, when ``split``
        (early stopping), ``validation_fraction`` of the data is held out.
        """
        if validation_data is not None:
            validation = user_validation_set(self, *validation_data, y=y, dtype=X.dtype)
            return X, y, Y, sample_weight, validation
        if not split:
            return X, y, Y, sample_weight, None
        return hold_out(self, X, y, Y, sample_weight, random_state)

    # -------------------------------------------------------------- predict

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

    def _decode(self, output):
        return self._label_binarizer.inverse_transform(output)

    def predict(self, X):
        """Predict class labels (or a label-indicator matrix for multilabel targets).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels from ``classes_``.
        """
        return self._decode(self._forward(X))

    def predict_proba(self, X):
        """Probability estimates.

        Probabilities are never exactly 0, so :meth:`predict_log_proba` is
        finite; binary and multilabel ones are also never exactly 1 (a
        confident multiclass winner may round to 1.0). Multiclass outputs that
        are not a softmax (e.g. sigmoid units trained with squared error) are
        clipped at zero and normalised to sum to one, as one-vs-rest
        classifiers do.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class in the order of ``classes_``; for
            multilabel targets, the independent probability of each label.
        """
        output = self._forward(X)
        finfo = np.finfo(output.dtype)
        target_type = self._label_binarizer.y_type_
        if target_type == "multiclass":
            proba = np.maximum(output, finfo.tiny, out=output)
            proba /= proba.sum(axis=1, keepdims=True)
            return proba
        proba = np.clip(output, finfo.eps, 1 - finfo.eps, out=output)
        if target_type == "binary":
            return np.hstack([1 - proba, proba])
        return proba

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba` (always finite).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        proba = self.predict_proba(X)
        return np.log(proba, out=proba)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags
