"""The training loop: epochs, minibatches, shuffling, stopping rules.

Two drivers share the estimator's fitted state: :func:`fit_stochastic` for
minibatch optimizers (SGD, Adam, plugins) and :func:`fit_full_batch` for
optimizers that minimise the whole loss themselves (L-BFGS). They read the
estimator's hyperparameters and update its fitted attributes (``n_iter_``,
``t_``, ``loss_curve_``, ...), but know nothing of input validation or labels:
the estimator hands them validated arrays and a ``validation_score`` callable.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

__all__ = ["fit_stochastic", "fit_full_batch", "resolve_batch_size"]


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
            stacklevel=4,
        )
    return int(np.clip(batch_size, 1, n_samples))


def _take_rows(X, rows, buffer):
    """Rows ``rows`` of ``X``: a view for a slice, else gathered into ``buffer`` (dense X)."""
    if isinstance(rows, slice) or not isinstance(X, np.ndarray):
        return X[rows]  # a view, or a sparse matrix's own row indexing
    # mode="clip" skips the bounds check that makes np.take's default 2.7x slower.
    return np.take(X, rows, axis=0, out=buffer[: len(rows)], mode="clip")


def _minibatches(n_samples, batch_size):
    """Slices of consecutive minibatches, the last one shorter (as gen_batches, computed once)."""
    return [
        slice(start, min(start + batch_size, n_samples))
        for start in range(0, n_samples, batch_size)
    ]


def fit_stochastic(est, X, Y, sample_weight, validation, random_state, incremental):
    """Run minibatch epochs until a stopping rule fires.

    Parameters
    ----------
    est : MLPScratchClassifier
        Estimator with ``network_``, ``loss_function_``, ``optimizer_`` and
        ``learning_rate_schedule_`` resolved and the training state set up.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    validation : callable or None
        ``validation() -> float`` scores the current network on held-out data;
        when given, it drives early stopping and the best weights are kept.
    random_state : numpy.random.RandomState
        Source of the shuffles.
    incremental : bool
        Run a single epoch (``partial_fit``).
    """
    network, loss, optimizer = est.network_, est.loss_function_, est.optimizer_
    schedule = est.learning_rate_schedule_
    n_samples = X.shape[0]
    batch_size = resolve_batch_size(est.batch_size, n_samples)
    order = np.arange(n_samples)
    # Per-fit scratch space, dropped when this call returns (never on the estimator).
    workspace = network.workspace(batch_size)
    X_batch = np.empty((batch_size, X.shape[1]), X.dtype)
    Y_batch = np.empty((batch_size, Y.shape[1]), Y.dtype)
    batches = _minibatches(n_samples, batch_size)  # gen_batches validates on every call
    est.n_iter_ = 0
    try:
        for epoch in range(est.max_iter):
            if est.shuffle:
                random_state.shuffle(order)  # the permutation sklearn.utils.shuffle draws
            accumulated_loss = 0.0
            for batch in batches:
                rows = order[batch] if est.shuffle else batch
                batch_weight = None if sample_weight is None else sample_weight[rows]
                if batch_weight is not None and not batch_weight.any():
                    continue  # a batch of zero weight carries no gradient
                batch_loss, grad = network.loss_and_gradient(
                    _take_rows(X, rows, X_batch), _take_rows(Y, rows, Y_batch), loss,
                    est.alpha, batch_weight, workspace,
                )
                optimizer.step(network.params, grad, schedule.learning_rate_)
                accumulated_loss += batch_loss * (batch.stop - batch.start)

            est.n_iter_ += 1
            est.t_ += n_samples
            est.loss_ = accumulated_loss / n_samples
            est.loss_curve_.append(est.loss_)
            if est.verbose:
                print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")

            _update_no_improvement_count(est, validation)
            schedule.epoch_end(est.n_iter_, est.t_)

            if est._no_improvement_count > est.n_iter_no_change:
                what = "Validation score" if validation else "Training loss"
                message = (
                    f"{what} did not improve more than tol={est.tol:f} for "
                    f"{est.n_iter_no_change} consecutive epochs."
                )
                stop = schedule.plateau()
                if est.verbose:
                    print(f"{message} {schedule.describe_plateau()}")
                if stop:
                    break
                est._no_improvement_count = 0

            if incremental:
                break
            if epoch == est.max_iter - 1:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) reached "
                    "and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=4,
                )
    except KeyboardInterrupt:
        warnings.warn("Training interrupted by user.", UserWarning, stacklevel=4)

    if validation is not None and est._best_params is not None:
        network.params[...] = est._best_params


def _update_no_improvement_count(est, validation):
    if validation is not None:
        score = validation()
        est.validation_scores_.append(score)
        if est.verbose:
            print(f"Validation score: {score:f}")
        if score < est.best_validation_score_ + est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        if score > est.best_validation_score_:
            est.best_validation_score_ = score
            est._best_params = est.network_.params.copy()
    else:
        if est.loss_curve_[-1] > est.best_loss_ - est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        est.best_loss_ = min(est.best_loss_, est.loss_curve_[-1])


def fit_full_batch(est, X, Y, sample_weight):
    """Minimise the loss over the whole data set with a full-batch optimizer.

    Parameters
    ----------
    est : MLPScratchClassifier
        As for :func:`fit_stochastic`; ``optimizer_`` has a ``minimize`` method.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    """
    network, loss = est.network_, est.loss_function_
    workspace = network.workspace(X.shape[0])  # per-fit scratch space

    def loss_and_gradient(params):
        value, grad = network.loss_and_gradient(X, Y, loss, est.alpha, sample_weight, workspace)
        return value, grad.copy()  # the optimizer may keep it; the workspace reuses its buffer

    def record(intermediate_result):
        est.loss_curve_.append(float(intermediate_result.fun))
        if est.verbose:
            print(f"Iteration {len(est.loss_curve_)}, loss = {est.loss_curve_[-1]:.8f}")

    result = est.optimizer_.minimize(
        loss_and_gradient, network.params, est.max_iter, est.tol, callback=record
    )
    est.n_iter_ = min(int(result.nit), est.max_iter)
    est.t_ += X.shape[0]
    est.loss_ = float(result.fun)
    est.best_loss_ = min(est.loss_curve_, default=est.loss_)
    if not result.success:
        message = result.message.decode() if isinstance(result.message, bytes) else result.message
        warnings.warn(
            f"{type(est.optimizer_).__name__} failed to converge after {est.n_iter_} "
            f"iteration(s) (status={result.status}): {message}. Increase the number of "
            "iterations (max_iter) or scale the data.",
            ConvergenceWarning,
            stacklevel=4,
        )
