"""The training loop: epochs, minibatches, shuffling, stopping rules, callbacks.

Two drivers share the estimator's fitted state: :func:`fit_stochastic` for
minibatch optimizers (SGD, Adam, plugins) and :func:`fit_full_batch` for
optimizers that minimise the whole loss themselves (L-BFGS). They read the
estimator's hyperparameters and update its fitted attributes (``n_iter_``,
``t_``, ``loss_curve_``, ...), but know nothing of input validation or labels:
the estimator hands them validated arrays, an optional :class:`~skbackprop._holdout.ValidationSet`
and an :class:`~skbackprop._callbacks.EpochTasks` that reports every epoch to
scikit-learn's callbacks (:mod:`sklearn.callback`).

Every epoch is checked for divergence: a non-finite loss or weight stops
training and puts back the weights of the last finite epoch, with a warning
that says what to change.
"""

import math
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

__all__ = [
    "fit_full_batch",
    "fit_stochastic",
    "resolve_batch_size",
]

#: An epoch loss this many times the loss at the start of a call counts as exploding ...
EXPLOSION_FACTOR = 1e3
#: ... if it is also above this (a warm start from 1e-9 to 1e-6 is no explosion).
EXPLOSION_FLOOR = 1.0

_DIVERGENCE_ADVICE = (
    "Scale the inputs (e.g. with StandardScaler or MinMaxScaler in a Pipeline) or lower "
    "learning_rate_init (now {learning_rate_init:g})."
)


def resolve_batch_size(batch_size, n_samples):
    """The minibatch size: ``min(200, n_samples)`` for ``"auto"``, else clipped to the data.

    Parameters
    ----------
    batch_size : int or "auto"
    n_samples : int

    Returns
    -------
    batch_size : int
    """
    if batch_size == "auto":
        return min(200, n_samples)
    if batch_size > n_samples:
        warnings.warn(
            f"batch_size={batch_size} is larger than the {n_samples} training samples; "
            f"using batches of {n_samples}.",
            UserWarning,
            stacklevel=6,  # resolve_batch_size < fit_stochastic < _fit < fit < with_callbacks
        )
    return int(np.clip(batch_size, 1, n_samples))


def _take_rows(X, rows, buffer):
    """Rows ``rows`` of ``X``: a view for a slice, else gathered into ``buffer`` (dense X)."""
    if isinstance(rows, slice) or not isinstance(X, np.ndarray):
        return X[rows]  # a view, or a sparse matrix's own row indexing
    # mode="clip" skips the bounds check that makes np.take's default 2.7x slower.
    return np.take(X, rows, axis=0, out=buffer[: len(rows)], mode="clip")


class _MinibatchScratch:
    """Buffers of one ``fit`` call, reused by every minibatch, dropped when it returns.

    The network's workspace, room for one gathered minibatch of ``X`` and ``Y``,
    and the minibatch slices (computed once: ``gen_batches`` validates its
    parameters on every call).
    """

    def __init__(self, network, X, Y, batch_size):
        n_samples = X.shape[0]
        self.workspace = network.workspace(batch_size)
        # Sparse X is gathered by its own row indexing: no dense buffer.
        self.X = np.empty((batch_size, X.shape[1]), X.dtype) if isinstance(X, np.ndarray) else None
        self.Y = np.empty((batch_size, Y.shape[1]), Y.dtype)
        self.batches = [
            slice(start, min(start + batch_size, n_samples))
            for start in range(0, n_samples, batch_size)
        ]


def _run_epoch(est, X, Y, sample_weight, order, scratch):
    """One pass over the minibatches in ``order``; returns (mean loss, first minibatch loss).

    Stops at the first non-finite minibatch loss and returns it as the mean.
    """
    network, loss, optimizer = est.network_, est.loss_function_, est.optimizer_
    learning_rate = est.learning_rate_schedule_.learning_rate_
    accumulated_loss, first_loss, n_used = 0.0, None, 0
    for batch in scratch.batches:
        rows = batch if order is None else order[batch]
        batch_weight = None if sample_weight is None else sample_weight[rows]
        if batch_weight is not None and not batch_weight.any():
            continue  # a batch of zero weight carries no gradient
        batch_loss, grad = network.loss_and_gradient(
            _take_rows(X, rows, scratch.X),
            _take_rows(Y, rows, scratch.Y),
            loss,
            est.alpha,
            batch_weight,
            scratch.workspace,
        )
        if not math.isfinite(batch_loss):
            return batch_loss, first_loss
        if first_loss is None:
            first_loss = batch_loss
        optimizer.step(network.params, grad, learning_rate)
        accumulated_loss += batch_loss * (batch.stop - batch.start)
        n_used += batch.stop - batch.start
    # Skipped zero-weight batches are left out of the mean (some batch always
    # counts: check_sample_weight refuses all-zero weights).
    return accumulated_loss / n_used, first_loss


def fit_stochastic(est, X, Y, sample_weight, validation, random_state, incremental, tasks):
    """Run minibatch epochs until a stopping rule fires.

    Stopping rules, in order: a non-finite loss or weight (divergence: the
    last finite weights are put back), no improvement for ``n_iter_no_change``
    epochs (which an adaptive schedule may answer by lowering the rate
    instead), a callback asking to stop, ``max_iter`` epochs (one epoch in
    ``partial_fit``), and ``KeyboardInterrupt``. With early stopping the best
    validation weights are restored at the end.

    Parameters
    ----------
    est : MLPScratchClassifier
        Estimator with ``network_``, ``loss_function_``, ``optimizer_`` and
        ``learning_rate_schedule_`` resolved and the training state set up.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    validation : ValidationSet or None
        Scored after every epoch (``validation_scores_``,
        ``validation_loss_curve_``); with ``early_stopping`` it drives the
        stopping rule and the best weights are kept.
    random_state : numpy.random.RandomState
        Source of the shuffles.
    incremental : bool
        Run a single epoch (``partial_fit``).
    tasks : EpochTasks
        Reports each epoch to the callbacks.
    """
    network, schedule = est.network_, est.learning_rate_schedule_
    n_samples = X.shape[0]
    batch_size = resolve_batch_size(est.batch_size, n_samples)
    early_stopping = validation is not None and est.early_stopping and not incremental
    order = np.arange(n_samples) if est.shuffle else None  # None: batches are slices
    scratch = _MinibatchScratch(network, X, Y, batch_size)  # per fit, never on the estimator
    last_finite_params = network.params.copy()  # fallback if an epoch diverges
    start_loss = None
    est.n_iter_ = 0
    try:
        for _ in range(1 if incremental else est.max_iter):
            tasks.begin()
            np.copyto(last_finite_params, network.params)
            if est.shuffle:
                random_state.shuffle(order)  # the permutation sklearn.utils.shuffle draws
            # Overflow is detected below and reported once, not per operation.
            with np.errstate(over="ignore", invalid="ignore"):
                epoch_loss, first_loss = _run_epoch(est, X, Y, sample_weight, order, scratch)
            if not (math.isfinite(epoch_loss) and np.isfinite(network.params.sum())):
                _recover_from_divergence(est, last_finite_params, X, Y, sample_weight)
                tasks.end()
                break
            if start_loss is None:
                start_loss = first_loss

            est.n_iter_ += 1
            est.t_ += n_samples
            est.loss_ = epoch_loss
            est.loss_curve_.append(epoch_loss)
            if est.verbose:
                print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
            if start_loss is not None and epoch_loss > max(
                EXPLOSION_FACTOR * start_loss, EXPLOSION_FLOOR
            ):
                _warn_exploding(est, start_loss)
                start_loss = math.inf  # warn once per call
            if validation is not None:
                _record_validation(est, validation)

            _update_no_improvement_count(est, early_stopping)
            schedule.epoch_end(est.n_iter_, est.t_)
            stop = _plateau_stops(est, early_stopping)
            if tasks.end():
                if est.verbose:
                    print("A callback asked to stop training.")
                break
            if stop or incremental:
                break
            if est.n_iter_ == est.max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) reached "
                    "and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=5,
                )
    except KeyboardInterrupt:
        # The weights are those of the last completed minibatch step: usable.
        warnings.warn("Training interrupted by user.", UserWarning, stacklevel=5)

    if early_stopping and est._best_params is not None:
        network.params[...] = est._best_params


def _recover_from_divergence(est, last_finite_params, X, Y, sample_weight):
    """Put back the last finite weights, reset the optimizer's state and warn."""
    network = est.network_
    network.params[...] = last_finite_params
    # The optimizer's moments saw the non-finite gradients: start them afresh.
    est.optimizer_.initialize(network.params)
    if not hasattr(est, "loss_"):  # diverged in the very first epoch
        with np.errstate(over="ignore", invalid="ignore"):
            est.loss_ = network.loss(
                Y, network.predict(X), est.loss_function_, est.alpha, sample_weight
            )
    warnings.warn(
        f"Training diverged in epoch {est.n_iter_ + 1} of this call: the loss or the weights "
        "became non-finite (inf or nan). Stopped and restored the weights from before that "
        "epoch. " + _DIVERGENCE_ADVICE.format(learning_rate_init=est.learning_rate_init),
        ConvergenceWarning,
        stacklevel=6,
    )


def _warn_exploding(est, start_loss):
    warnings.warn(
        f"The training loss is exploding: {est.loss_:.3g} after epoch {est.n_iter_}, more "
        f"than {EXPLOSION_FACTOR:g} times the {start_loss:.3g} it started this call at. "
        + _DIVERGENCE_ADVICE.format(learning_rate_init=est.learning_rate_init),
        ConvergenceWarning,
        stacklevel=6,
    )


def _record_validation(est, validation):
    score, loss = validation.evaluate(est.network_, est.loss_function_)
    est.validation_scores_.append(score)
    est.validation_loss_curve_.append(loss)
    if est.verbose:
        print(f"Validation score: {score:f}")
        print(f"Validation loss: {loss:f}")


def _compare_with_best(est, early_stopping):
    """Whether this epoch improved on the best by more than ``tol``, and whether it is the best.

    Training loss without early stopping; with it, the validation loss or
    accuracy. Ties in accuracy within ``tol`` (frequent on small validation
    sets, where accuracy moves in steps) are broken by the validation loss.
    """
    tol = est.tol
    if not early_stopping:
        value, best = est.loss_curve_[-1], est.best_loss_
        return value < best - tol, value < best
    loss, best_loss = est.validation_loss_curve_[-1], est.best_validation_loss_
    if est.early_stopping_metric == "loss":
        return loss < best_loss - tol, loss < best_loss
    score, best_score = est.validation_scores_[-1], est.best_validation_score_
    tie_won_by_loss = score >= best_score - tol and loss < best_loss - tol
    return score >= best_score + tol or tie_won_by_loss, score > best_score or tie_won_by_loss


def _update_no_improvement_count(est, early_stopping):
    improved, is_best = _compare_with_best(est, early_stopping)
    est._no_improvement_count = 0 if improved else est._no_improvement_count + 1
    if early_stopping and is_best:
        est._best_params = est.network_.params.copy()
    if est.validation_scores_:
        est.best_validation_score_ = max(est.best_validation_score_, est.validation_scores_[-1])
        est.best_validation_loss_ = min(est.best_validation_loss_, est.validation_loss_curve_[-1])
    if not early_stopping:
        est.best_loss_ = min(est.best_loss_, est.loss_curve_[-1])


def _plateau_stops(est, early_stopping):
    """After ``n_iter_no_change`` epochs without improvement, let the schedule react."""
    if est._no_improvement_count <= est.n_iter_no_change:
        return False
    if early_stopping:
        what = "Validation loss" if est.early_stopping_metric == "loss" else "Validation score"
    else:
        what = "Training loss"
    stop = est.learning_rate_schedule_.plateau()
    if est.verbose:
        print(
            f"{what} did not improve more than tol={est.tol:f} for "
            f"{est.n_iter_no_change} consecutive epochs. "
            f"{est.learning_rate_schedule_.describe_plateau()}"
        )
    if not stop:
        est._no_improvement_count = 0
    return stop


def fit_full_batch(est, X, Y, sample_weight, validation, tasks):
    """Minimise the loss over the whole data set with a full-batch optimizer.

    Each iteration of the optimizer is one callback task; a callback can stop
    it, and so can ``KeyboardInterrupt`` (the last completed iterate is kept).

    Parameters
    ----------
    est : MLPScratchClassifier
        As for :func:`fit_stochastic`; ``optimizer_`` has a ``minimize`` method.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    validation : ValidationSet or None
        Scored after every iteration (it does not stop a full-batch optimizer).
    tasks : EpochTasks
        Reports each iteration to the callbacks.
    """
    network, loss = est.network_, est.loss_function_
    workspace = network.workspace(X.shape[0])  # per-fit scratch space
    last_iterate = network.params.copy()
    stopped_by = None

    def loss_and_gradient(params):
        value, grad = network.loss_and_gradient(X, Y, loss, est.alpha, sample_weight, workspace)
        return value, grad.copy()  # the optimizer may keep it; the workspace reuses its buffer

    def record(intermediate_result):
        est.loss_curve_.append(float(intermediate_result.fun))
        last_iterate[...] = intermediate_result.x
        if est.verbose:
            print(f"Iteration {len(est.loss_curve_)}, loss = {est.loss_curve_[-1]:.8f}")
        network.params[...] = intermediate_result.x  # what validation and callbacks see
        if validation is not None:
            _record_validation(est, validation)
            _update_no_improvement_count(est, early_stopping=False)
        if tasks.end():
            raise StopIteration  # scipy ends the optimisation cleanly
        tasks.begin()

    n_curve = len(est.loss_curve_)
    tasks.begin()
    try:
        result = est.optimizer_.minimize(
            loss_and_gradient, network.params, est.max_iter, est.tol, callback=record
        )
    except KeyboardInterrupt:
        warnings.warn("Training interrupted by user.", UserWarning, stacklevel=5)
        network.params[...] = last_iterate
        stopped_by = "interrupt"
        result = None
    tasks.close()

    est.t_ += X.shape[0]
    if result is None:
        est.n_iter_ = len(est.loss_curve_) - n_curve
        est.loss_ = (
            est.loss_curve_[-1]
            if est.n_iter_
            else network.loss(Y, network.predict(X), loss, est.alpha, sample_weight)
        )
    else:
        est.n_iter_ = min(int(result.nit), est.max_iter)
        est.loss_ = float(result.fun)
        stopped_by = "callback" if "StopIteration" in str(result.message) else None
    est.best_loss_ = min(est.loss_curve_, default=est.loss_)
    if result is not None and not result.success and stopped_by is None:
        message = result.message.decode() if isinstance(result.message, bytes) else result.message
        warnings.warn(
            f"{type(est.optimizer_).__name__} failed to converge after {est.n_iter_} "
            f"iteration(s) (status={result.status}): {message}. Increase the number of "
            "iterations (max_iter) or scale the data.",
            ConvergenceWarning,
            stacklevel=5,
        )
