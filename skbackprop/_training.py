"""The training loop: epochs, minibatches, shuffling, stopping rules, callbacks.

:class:`TrainingLoop` trains a :class:`~skbackprop.network.Network` with a
loss, an optimizer and a learning-rate schedule, following the
:class:`~skbackprop._training_state.TrainingSettings` it is given, and keeps
its progress (epochs, loss curves, the best weights seen, the no-improvement
count) in a :class:`~skbackprop._training_state.TrainingState` of its own.
It knows nothing of estimators, labels or input validation: the estimator
hands it validated arrays, an optional
:class:`~skbackprop._holdout.ValidationSet` (which carries its own score) and an
:class:`~skbackprop._callbacks.EpochTasks`, and publishes the returned state
as its fitted attributes (``n_iter_``, ``loss_curve_``, ...).

Two drivers: :meth:`TrainingLoop.run_stochastic` for minibatch optimizers
(SGD, Adam, plugins) and :meth:`TrainingLoop.run_full_batch` for optimizers
that minimise the whole loss themselves (L-BFGS). Every epoch is checked for
divergence: a non-finite loss or weight stops training and puts back the
weights of the last finite epoch, with a warning that says what to change.

Warnings are raised with ``stacklevel=1``, so they are attributed to
this module, as scikit-learn's are to its own:
``warnings.filterwarnings("ignore", category=ConvergenceWarning, module="skbackprop")``
silences them.
"""

import math
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._minibatches import MinibatchScratch, resolve_batch_size, take_rows
from .dropout import draw_masks

__all__ = ["TrainingLoop"]

#: An epoch loss this many times the loss at the start of a call counts as exploding ...
EXPLOSION_FACTOR = 1e3
#: ... if it is also above this (a warm start from 1e-9 to 1e-6 is no explosion).
EXPLOSION_FLOOR = 1.0

_DIVERGENCE_ADVICE = (
    "Scale the inputs (e.g. with StandardScaler or MinMaxScaler in a Pipeline) or lower "
    "learning_rate_init (now {learning_rate_init:g})."
)


class TrainingLoop:
    """Trains a network, recording its progress in a ``TrainingState``.

    Parameters
    ----------
    network : Network
        Trained in place.
    loss : Loss
        Resolved for the target type.
    optimizer : Optimizer
        Initialised for ``network.params`` (stochastic ones).
    schedule : LearningRateSchedule
        Started (``start`` called); ignored by full-batch optimizers.
    settings : TrainingSettings
    state : TrainingState
        Where the previous calls left off (a fresh one on a first fit).
    tasks : EpochTasks
        Reports each epoch to scikit-learn's callbacks.
    call_start_params : ndarray of shape (n_params,) or None, default=None
        A copy of ``network.params`` as they are now, which the loop only
        reads (the rollback's, shared to save a copy of the weights): the
        fallback if the first epoch diverges. None: the loop copies them.
    """

    def __init__(
        self, network, loss, optimizer, schedule, settings, state, tasks, call_start_params=None
    ):
        self.network = network
        self.loss = loss
        self.optimizer = optimizer
        self.schedule = schedule
        self.settings = settings
        self.state = state
        self.tasks = tasks
        self.call_start_params = call_start_params

    # ----------------------------------------------------------- minibatches

    def _run_epoch(self, X, Y, sample_weight, order, scratch, random_state):
        """One pass over the minibatches in ``order``; returns (mean loss, first minibatch loss).

        Stops at the first non-finite minibatch loss and returns it as the mean.
        With dropout, each minibatch thins the network with masks drawn from
        ``random_state``.
        """
        network, optimizer = self.network, self.optimizer
        learning_rate = self.schedule.learning_rate_
        accumulated_loss, first_loss, n_used = 0.0, None, 0
        for batch in scratch.batches:
            rows = batch if order is None else order[batch]
            batch_weight = None if sample_weight is None else sample_weight[rows]
            if batch_weight is not None and not batch_weight.any():
                continue  # a batch of zero weight carries no gradient
            masks = draw_masks(  # None without dropout
                self.settings.dropout_rates,
                network.layer_sizes,
                batch.stop - batch.start,
                random_state,
                network.params.dtype,
            )
            batch_loss, grad = network.loss_and_gradient(
                take_rows(X, rows, scratch.X),
                take_rows(Y, rows, scratch.Y),
                self.loss,
                self.settings.alpha,
                batch_weight,
                scratch.workspace,
                masks,
            )
            if not math.isfinite(batch_loss):
                return batch_loss, first_loss
            if first_loss is None:
                first_loss = batch_loss
            optimizer.step(network.params, grad, learning_rate)
            # The epoch loss is the mean of the minibatch losses weighted by
            # their number of rows, as in scikit-learn (each minibatch loss is
            # itself a sample-weighted mean).
            accumulated_loss += batch_loss * (batch.stop - batch.start)
            n_used += batch.stop - batch.start
        # Skipped zero-weight batches are left out of the mean (some batch always
        # counts: check_sample_weight refuses all-zero weights).
        return accumulated_loss / n_used, first_loss

    def run_stochastic(self, X, Y, sample_weight, validation, random_state, incremental):
        """Run minibatch epochs until a stopping rule fires; return the state.

        Stopping rules, in order: a non-finite loss or weight (divergence: the
        last finite weights are put back), no improvement for
        ``n_iter_no_change`` epochs (which an adaptive schedule may answer by
        lowering the rate instead), a callback asking to stop, ``max_iter``
        epochs (one epoch in ``partial_fit``), and ``KeyboardInterrupt``. With
        early stopping the best validation weights are restored at the end.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Y : ndarray of shape (n_samples, n_outputs)
        sample_weight : ndarray of shape (n_samples,) or None
        validation : ValidationSet or None
            Scored after every epoch; with early stopping it drives the
            stopping rule and the best weights are kept.
        random_state : numpy.random.RandomState
            Source of the shuffles and the dropout masks.
        incremental : bool
            Run a single epoch (``partial_fit``).

        Returns
        -------
        state : TrainingState
        """
        network, schedule, settings, state = self.network, self.schedule, self.settings, self.state
        n_samples = X.shape[0]
        batch_size = resolve_batch_size(settings.batch_size, n_samples)
        order = np.arange(n_samples) if settings.shuffle else None  # None: batches are slices
        scratch = MinibatchScratch(network, X, Y, batch_size)  # per fit, never on the estimator
        # Fallback if an epoch diverges: the weights before it. The first
        # epoch's are the call's start, which the rollback may have copied
        # already (read only); a buffer of the loop's own serves from the second.
        last_finite_params = self.call_start_params
        if last_finite_params is None:
            last_finite_params = network.params.copy()
        start_loss = None
        state.n_iter = 0
        try:
            for epoch in range(1 if incremental else settings.max_iter):
                self.tasks.begin()
                if epoch > 0 and last_finite_params is self.call_start_params:
                    last_finite_params = network.params.copy()
                elif epoch > 0:
                    np.copyto(last_finite_params, network.params)
                if settings.shuffle:
                    random_state.shuffle(order)  # the permutation sklearn.utils.shuffle draws
                # Overflow is detected below and reported once, not per operation.
                with np.errstate(over="ignore", invalid="ignore"):
                    epoch_loss, first_loss = self._run_epoch(
                        X, Y, sample_weight, order, scratch, random_state
                    )
                if not (math.isfinite(epoch_loss) and np.isfinite(network.params.sum())):
                    self._recover_from_divergence(last_finite_params, X, Y, sample_weight)
                    self.tasks.end()
                    break
                if start_loss is None:
                    start_loss = first_loss

                state.n_iter += 1
                state.t += n_samples
                state.loss = epoch_loss
                state.loss_curve.append(epoch_loss)
                if settings.verbose:
                    print(f"Iteration {state.n_iter}, loss = {state.loss:.8f}")
                if start_loss is not None and epoch_loss > max(
                    EXPLOSION_FACTOR * start_loss, EXPLOSION_FLOOR
                ):
                    self._warn_exploding(start_loss)
                    start_loss = math.inf  # warn once per call
                if validation is not None:
                    self._record_validation(validation)

                self._update_no_improvement_count(settings.early_stopping)
                schedule.epoch_end(state.n_iter, state.t)
                stop = self._plateau_stops()
                if self.tasks.end():
                    if settings.verbose:
                        print("A callback asked to stop training.")
                    break
                if stop or incremental:
                    break
                if state.n_iter == settings.max_iter:
                    warnings.warn(
                        f"Stochastic Optimizer: Maximum iterations ({settings.max_iter}) reached "
                        "and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                        stacklevel=1,
                    )
        except KeyboardInterrupt:
            # The weights are those of the last completed minibatch step: usable.
            warnings.warn("Training interrupted by user.", UserWarning, stacklevel=1)

        if settings.early_stopping and state.best_params is not None:
            network.params[...] = state.best_params
        return state

    def _recover_from_divergence(self, last_finite_params, X, Y, sample_weight):
        """Put back the last finite weights, reset the optimizer's state and warn."""
        network, state = self.network, self.state
        network.params[...] = last_finite_params
        # The optimizer's moments saw the non-finite gradients: start them afresh.
        self.optimizer.initialize(network.params)
        if state.loss is None:  # diverged in the very first epoch
            with np.errstate(over="ignore", invalid="ignore"):
                state.loss = network.loss(
                    Y, network.predict(X), self.loss, self.settings.alpha, sample_weight
                )
        warnings.warn(
            f"Training diverged in epoch {state.n_iter + 1} of this call: the loss or the "
            "weights became non-finite (inf or nan). Stopped and restored the weights from "
            "before that epoch. "
            + _DIVERGENCE_ADVICE.format(learning_rate_init=self.settings.learning_rate_init),
            ConvergenceWarning,
            stacklevel=1,
        )

    def _warn_exploding(self, start_loss):
        state = self.state
        warnings.warn(
            f"The training loss is exploding: {state.loss:.3g} after epoch {state.n_iter}, more "
            f"than {EXPLOSION_FACTOR:g} times the {start_loss:.3g} it started this call at. "
            + _DIVERGENCE_ADVICE.format(learning_rate_init=self.settings.learning_rate_init),
            ConvergenceWarning,
            stacklevel=1,
        )

    def _record_validation(self, validation):
        score, loss = validation.evaluate(self.network, self.loss)
        self.state.validation_scores.append(score)
        self.state.validation_loss_curve.append(loss)
        if self.settings.verbose:
            print(f"Validation score: {score:f}")
            print(f"Validation loss: {loss:f}")

    def _compare_with_best(self, early_stopping):
        """Whether this epoch improved on the best by more than ``tol``, and whether it is best.

        Training loss without early stopping; with it, the validation loss or
        score. Ties in score within ``tol`` (frequent on small validation
        sets, where accuracy moves in steps) are broken by the validation loss.
        """
        state, tol = self.state, self.settings.tol
        if not early_stopping:
            value, best = state.loss_curve[-1], state.best_loss
            return value < best - tol, value < best
        loss, best_loss = state.validation_loss_curve[-1], state.best_validation_loss
        if self.settings.early_stopping_metric == "loss":
            return loss < best_loss - tol, loss < best_loss
        score, best_score = state.validation_scores[-1], state.best_validation_score
        tie_won_by_loss = score >= best_score - tol and loss < best_loss - tol
        return score >= best_score + tol or tie_won_by_loss, score > best_score or tie_won_by_loss

    def _update_no_improvement_count(self, early_stopping):
        state = self.state
        improved, is_best = self._compare_with_best(early_stopping)
        state.no_improvement_count = 0 if improved else state.no_improvement_count + 1
        if early_stopping and is_best:
            state.best_params = self.network.params.copy()
        if state.validation_scores:
            state.best_validation_score = max(
                state.best_validation_score, state.validation_scores[-1]
            )
            state.best_validation_loss = min(
                state.best_validation_loss, state.validation_loss_curve[-1]
            )
        if not early_stopping:
            state.best_loss = min(state.best_loss, state.loss_curve[-1])

    def _plateau_stops(self):
        """After ``n_iter_no_change`` epochs without improvement, let the schedule react."""
        settings, state = self.settings, self.state
        if state.no_improvement_count <= settings.n_iter_no_change:
            return False
        if settings.early_stopping:
            metric = settings.early_stopping_metric
            what = "Validation loss" if metric == "loss" else "Validation score"
        else:
            what = "Training loss"
        stop = self.schedule.plateau()
        if settings.verbose:
            print(
                f"{what} did not improve more than tol={settings.tol:f} for "
                f"{settings.n_iter_no_change} consecutive epochs. "
                f"{self.schedule.describe_plateau()}"
            )
        if not stop:
            state.no_improvement_count = 0
        return stop

    # ------------------------------------------------------------ full batch

    def run_full_batch(self, X, Y, sample_weight, validation):
        """Minimise the loss over the whole data set with a full-batch optimizer.

        Each iteration of the optimizer is one callback task; a callback can
        stop it, and so can ``KeyboardInterrupt`` (the last completed iterate
        is kept).

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Y : ndarray of shape (n_samples, n_outputs)
        sample_weight : ndarray of shape (n_samples,) or None
        validation : ValidationSet or None
            Scored after every iteration (it does not stop a full-batch optimizer).

        Returns
        -------
        state : TrainingState
        """
        network, loss, settings, state, tasks = (
            self.network,
            self.loss,
            self.settings,
            self.state,
            self.tasks,
        )
        workspace = network.workspace(X.shape[0])  # per-fit scratch space
        last_iterate = network.params.copy()
        stopped_by = None

        def loss_and_gradient(params):
            value, grad = network.loss_and_gradient(
                X, Y, loss, settings.alpha, sample_weight, workspace
            )
            return value, grad.copy()  # the optimizer may keep it; the workspace reuses its buffer

        def record(intermediate_result):
            state.loss_curve.append(float(intermediate_result.fun))
            last_iterate[...] = intermediate_result.x
            if settings.verbose:
                print(f"Iteration {len(state.loss_curve)}, loss = {state.loss_curve[-1]:.8f}")
            network.params[...] = intermediate_result.x  # what validation and callbacks see
            if validation is not None:
                self._record_validation(validation)
                self._update_no_improvement_count(early_stopping=False)
            if tasks.end():
                raise StopIteration  # scipy ends the optimisation cleanly
            tasks.begin()

        n_curve = len(state.loss_curve)
        tasks.begin()
        try:
            result = self.optimizer.minimize(
                loss_and_gradient, network.params, settings.max_iter, settings.tol, callback=record
            )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", UserWarning, stacklevel=1)
            network.params[...] = last_iterate
            stopped_by = "interrupt"
            result = None
        tasks.close()

        # As in scikit-learn, t_ counts the samples of minibatch steps only.
        if result is None:
            state.n_iter = len(state.loss_curve) - n_curve
            state.loss = (
                state.loss_curve[-1]
                if state.n_iter
                else network.loss(Y, network.predict(X), loss, settings.alpha, sample_weight)
            )
        else:
            state.n_iter = min(int(result.nit), settings.max_iter)
            state.loss = float(result.fun)
            stopped_by = "callback" if "StopIteration" in str(result.message) else None
        state.best_loss = min(state.loss_curve, default=state.loss)
        if result is not None and not result.success and stopped_by is None:
            message = result.message
            message = message.decode() if isinstance(message, bytes) else message
            warnings.warn(
                f"{type(self.optimizer).__name__} failed to converge after {state.n_iter} "
                f"iteration(s) (status={result.status}): {message}. Increase the number of "
                "iterations (max_iter) or scale the data.",
                ConvergenceWarning,
                stacklevel=1,
            )
        return state
