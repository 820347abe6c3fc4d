"""The scikit-learn regressor of skbackprop: :class:`MLPScratchRegressor`."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.callback import with_callbacks
from sklearn.metrics import r2_score
from sklearn.utils.metaestimators import available_if

from . import registry
from ._base import BaseMultilayerPerceptron, partial_fit_is_available
from ._rollback import unchanged_on_error

__all__ = ["MLPScratchRegressor"]


class MLPScratchRegressor(RegressorMixin, BaseMultilayerPerceptron):
    """Multilayer perceptron regressor trained by a plain-numpy backpropagation core.

    A drop-in for :class:`sklearn.neural_network.MLPRegressor`: the same
    parameters with the same defaults and meaning, the same fitted attributes
    and, for the same ``random_state``, the same training path. In addition
    every part of the network is a plugin, named by a string or given as a
    configured instance: the hidden and output activations, the loss
    (robust ones included: ``"absolute_error"``, ``"huber"``), the optimizer
    (``solver``), the learning-rate schedule (``learning_rate``) and the
    weight initializer.

    Parameters
    ----------
    loss : str or Loss, default="squared_error"
        ``"squared_error"`` (half the squared error, averaged over samples and
        outputs, as scikit-learn), ``"poisson"`` (half the Poisson deviance,
        with an exponential output: a log link; needs ``y >= 0``),
        ``"absolute_error"``, ``"huber"`` (:class:`~skbackprop.losses.Huber`,
        whose ``epsilon`` is where it turns from squared to absolute), a
        registered plugin name or a :class:`~skbackprop.losses.Loss` instance.
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units of each hidden layer; ``()`` gives a linear model.
    activation : str, Activation or sequence of them, default="relu"
        Hidden activation: any name of ``skbackprop.available("activation")``
        (``"identity"``, ``"logistic"``, ``"tanh"``, ``"relu"``, ...) or an
        :class:`~skbackprop.activations.Activation` instance.
        Give a list or tuple, one entry per hidden layer, for per-layer
        activations, e.g. ``("relu", "relu", "tanh")``; a grid search over
        configured instances in a sequence searches over whole tuples
        (``activation__...`` routing does not reach inside a tuple).
    solver : str or Optimizer, default="adam"
        ``"adam"``, ``"sgd"``, ``"lbfgs"`` or an
        :class:`~skbackprop.optimizers.Optimizer` instance. A name builds the
        optimizer from ``momentum``, ``nesterovs_momentum``, ``beta_1``,
        ``beta_2``, ``epsilon`` and ``max_fun``; an instance carries its own.
    alpha : float, default=0.0001
        Strength of the L2 penalty ``alpha/2 ‖W‖²``. Each minibatch divides it by
        the sum of its sample weights (its number of rows when unweighted), as
        scikit-learn does, and adds it to that minibatch's weighted mean loss:
        a given ``alpha`` thus regularises more with small minibatches than
        with ``solver="lbfgs"``, whose one batch is the whole training set.
    batch_size : int or "auto", default="auto"
        Minibatch size of stochastic solvers; ``"auto"`` is ``min(200, n_samples)``.
    learning_rate : str or LearningRateSchedule, default="constant"
        ``"constant"``, ``"invscaling"``, ``"adaptive"``, ``"step"``,
        ``"cosine"`` or a :class:`~skbackprop.schedules.LearningRateSchedule`;
        unlike scikit-learn, it applies to every stochastic solver.
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
        Stop when the validation R² (or loss, see ``early_stopping_metric``)
        stops improving; the best weights are kept. The validation set is
        ``X_val``, ``y_val`` when given to ``fit``, else ``validation_fraction``
        of the data. Stochastic solvers only; ``partial_fit`` ignores it.
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
    output_activation : str or Activation, default="auto"
        Output activation; ``"auto"`` lets the loss choose (the identity, or
        the exponential for ``"poisson"``).
    weight_init : str or Initializer, default="glorot_uniform"
        ``"glorot_uniform"`` (scikit-learn's scheme), ``"he_normal"``,
        ``"normal"`` or an :class:`~skbackprop.initializers.Initializer`.
    early_stopping_metric : {"score", "loss"}, default="score"
        What early stopping watches on the validation set: ``"score"`` (R², as
        scikit-learn) or ``"loss"``.
    dropout : float or sequence of float, default=0.0
        Inverted dropout: the probability in [0, 1) of dropping each hidden
        unit on each training minibatch, for every hidden layer or one per
        hidden layer. Masks come from ``random_state`` (two fits with the same
        seed are identical); ``predict`` and ``transform`` use the whole
        network. Stochastic solvers only: ``solver="lbfgs"`` refuses it.
        ``loss_curve_`` is then the loss of the thinned networks.
    input_dropout : float, default=0.0
        Probability of dropping each input feature on each training minibatch.
    transform_layer : int, default=-1
        Hidden layer whose activations :meth:`transform` returns: 0 for the
        first, -1 for the last.

    Attributes
    ----------
    coefs_ : list of ndarray
        Weight matrix of each layer, views into ``network_.params``.
    intercepts_ : list of ndarray
        Bias vector of each layer, views into ``network_.params``.
    network_ : Network
        The trained network (parameters and activations).
    activation_ : Activation or list of Activation
        Resolved hidden activation, or one per hidden layer when
        ``activation`` is a sequence (``network_.activation(layer)`` gives
        the activation of any layer).
    output_activation_ : Activation
        Resolved output activation.
    out_activation_ : str
        Name of the output activation (``"identity"``, ``"exp"``, ...).
    loss_function_ : Loss
        Resolved loss.
    optimizer_ : Optimizer
        Resolved optimizer with its state (momentum, moments).
    learning_rate_schedule_ : LearningRateSchedule
        Resolved schedule with its current rate.
    initializer_ : Initializer
        Resolved weight initializer.
    loss_ : float
        Training loss after the last epoch.
    loss_curve_ : list of float
        Training loss after each epoch (each L-BFGS iteration), L2 penalty
        included. Per epoch, the mean of the minibatch losses weighted by the
        minibatches' numbers of rows, not their sample weights (as
        scikit-learn), where each minibatch loss is the sample-weighted mean
        cost plus ``alpha/2 ‖W‖²`` over that minibatch's weight sum; minibatches
        whose weights are all zero are left out. With L-BFGS, the
        sample-weighted mean over the whole training set.
    best_loss_ : float or None
        Lowest training loss seen (None with early stopping).
    validation_scores_ : list of float or None
        Validation R² after each epoch, whenever a validation set exists
        (early stopping, or ``X_val`` given to ``fit``).
    validation_loss_curve_ : list of float or None
        Validation loss (without the L2 penalty) after each epoch, whenever a
        validation set exists.
    best_validation_score_ : float or None
        Best validation R² seen, whenever a validation set exists.
    best_validation_loss_ : float or None
        Lowest validation loss, whenever a validation set exists.
    t_ : int
        Number of training samples seen.
    n_iter_ : int
        Number of epochs (iterations) run by the last call.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of outputs (targets).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during fit, when X has string column names.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skbackprop import MLPScratchRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = make_pipeline(
    ...     StandardScaler(), MLPScratchRegressor(solver="lbfgs", alpha=1.0, random_state=0)
    ... )
    >>> reg.fit(X, y).score(X, y) > 0.5
    True
    """

    def __init__(
        self,
        loss="squared_error",
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
        output_activation="auto",
        weight_init="glorot_uniform",
        early_stopping_metric="score",
        dropout=0.0,
        input_dropout=0.0,
        transform_layer=-1,
    ):
        self.loss = loss
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
        self.output_activation = output_activation
        self.weight_init = weight_init
        self.early_stopping_metric = early_stopping_metric
        self.dropout = dropout
        self.input_dropout = input_dropout
        self.transform_layer = transform_layer

    @with_callbacks
    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None):
        """Train the network on ``X``, ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 data trains in float32, anything else in float64.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights; the loss is their weighted mean.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), default=None
            A validation set, scored after every epoch (``validation_scores_``,
            ``validation_loss_curve_``) and used by ``early_stopping`` instead
            of holding out ``validation_fraction`` of ``X``. In a ``Pipeline``,
            use ``Pipeline(..., transform_input=["X_val"])`` to transform it
            like ``X``.
        y_val : array-like of shape (n_val,) or (n_val, n_targets), default=None
            Targets of ``X_val``; required with it.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples.

        Returns
        -------
        self : MLPScratchRegressor
            The fitted estimator.
        """
        return self._fit_with_validation(X, y, sample_weight, X_val, y_val, sample_weight_val)

    @available_if(partial_fit_is_available)
    @with_callbacks
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on ``X``, ``y``, continuing from the current state.

        ``early_stopping`` does not apply here (there is no held-out set):
        watch a validation set yourself between calls.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : MLPScratchRegressor
        """
        with unchanged_on_error(self) as start_params:
            return self._fit(X, y, sample_weight, incremental=True, start_params=start_params)

    # ------------------------------------------------------- target hooks

    def _encode_targets(self, y, first_pass, incremental):
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if not first_pass and Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} target(s) but the network was fitted with "
                f"{self.n_outputs_}: set warm_start=False to start afresh."
            )
        return Y

    def _encode_validation_targets(self, y_val, y):
        y_val = np.asarray(y_val, dtype=float) if y_val.dtype.kind not in "fc" else y_val
        return y_val, y_val.reshape(-1, 1) if y_val.ndim == 1 else y_val

    def _target_type(self):
        return "continuous"

    def _validation_score(self, y, output, sample_weight):
        """R², as scikit-learn's early stopping uses."""
        return r2_score(y, output.ravel() if y.ndim == 1 else output, sample_weight=sample_weight)

    # -------------------------------------------------------------- predict

    def predict(self, X):
        """Predict target values.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            One column per target, raveled when there is one.
        """
        output = self._forward(X)
        return output.ravel() if output.shape[1] == 1 else output

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.positive_only = _needs_non_negative_targets(self.loss)
        return tags


def _needs_non_negative_targets(loss):
    """Whether the ``loss`` parameter (a name or an instance) is for ``y >= 0`` only."""
    if isinstance(loss, str):
        try:
            loss = registry.get("loss", loss)
        except ValueError:
            return False  # fit will name the error
    return bool(getattr(loss, "non_negative_targets", False))
