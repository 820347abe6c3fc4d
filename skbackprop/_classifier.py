"""The scikit-learn classifier of skbackprop: :class:`MLPScratchClassifier`."""

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.callback import with_callbacks
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels

from ._base import BaseMultilayerPerceptron, partial_fit_is_available
from ._rollback import unchanged_on_error
from ._validation import apply_class_weight, resolve_class_weight

__all__ = ["MLPScratchClassifier"]


class MLPScratchClassifier(ClassifierMixin, BaseMultilayerPerceptron):
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
    activation : str, Activation or sequence of them, default="relu"
        Hidden activation: ``"identity"``, ``"logistic"``/``"sigmoid"``,
        ``"tanh"``, ``"relu"``, ``"leaky_relu"``, ``"elu"``, ``"softplus"``,
        ``"gelu"``, a registered plugin name, or an
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
    classes_ : ndarray of shape (n_classes,)
        Class labels.
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
        dropout=0.0,
        input_dropout=0.0,
        transform_layer=-1,
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
        self.dropout = dropout
        self.input_dropout = input_dropout
        self.transform_layer = transform_layer

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
        return self._fit_with_validation(X, y, sample_weight, X_val, y_val, sample_weight_val)

    @available_if(partial_fit_is_available)
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
        with unchanged_on_error(self) as start_params:
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
            return self._fit(X, y, sample_weight, incremental=True, start_params=start_params)

    # ------------------------------------------------------- target hooks

    def _encode_targets(self, y, first_pass, incremental):
        """Fit or check the label binarizer and return the target matrix.

        As in scikit-learn, ``fit`` learns the classes (a single class
        included: it is then always predicted); a warm-started ``fit`` must see
        the same classes as before, and ``partial_fit`` only classes it knows.
        """
        check_classification_targets(y)
        if not hasattr(self, "classes_") or (first_pass and not incremental):
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        elif self.warm_start and not incremental:
            classes = unique_labels(y)
            if set(classes) != set(self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the "
                    f"previous call to fit. Previously got {self.classes_}, `y` has {classes}. "
                    "Set warm_start=False to learn the new classes."
                )
        else:
            unseen = np.setdiff1d(np.unique(y), self.classes_)
            if self._label_binarizer.y_type_ != "multilabel-indicator" and len(unseen):
                raise ValueError(
                    f"y has classes {unseen!r} that are not in classes_={self.classes_!r}. "
                    "Pass every class to the first partial_fit call, or refit."
                )
        if first_pass:
            self._class_counts = np.zeros(len(self.classes_))  # for "balanced" in partial_fit
        return self._label_binarizer.transform(y)

    def _encode_validation_targets(self, y_val, y):
        multilabel = self._label_binarizer.y_type_ == "multilabel-indicator"
        unseen = [] if multilabel else np.setdiff1d(np.unique(y_val), self.classes_)
        if len(unseen):
            raise ValueError(
                f"y_val has classes {unseen!r} that are not in the training classes "
                f"{self.classes_!r}."
            )
        return y_val, self._label_binarizer.transform(y_val)

    def _target_type(self):
        return self._label_binarizer.y_type_

    def _stratify_hold_out(self):
        return self._label_binarizer.y_type_ != "multilabel-indicator"

    def _validation_score(self, y, output, sample_weight):
        """Accuracy, as scikit-learn's early stopping uses."""
        return accuracy_score(y, self._decode(output), sample_weight=sample_weight)

    def _sample_weighting(self, y, sample_weight, incremental):
        """Class weights from all the data of this call (and, in ``partial_fit``, before)."""
        class_weights = resolve_class_weight(
            self.class_weight,
            self.classes_,
            y,
            sample_weight,
            running_counts=self._class_counts if incremental else None,
        )
        dtype = self.network_.params.dtype

        def weigh(y, sample_weight):
            return apply_class_weight(class_weights, self.classes_, y, sample_weight, dtype)

        return weigh

    def _decode(self, output):
        return self._label_binarizer.inverse_transform(output)

    # -------------------------------------------------------------- predict

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
        tags.classifier_tags.multi_label = True
        return tags
