"""The training loop's drivers on a linear model whose loss is written out here in numpy.

A network without hidden layers and an identity output under the squared error is linear
least squares: its loss, ``Σ w_i (x_i W + b - y_i)² / (2 Σ w_i) + α/2 ‖W‖² / Σ w_i``, and its
minimum (a weighted ridge regression) have closed forms, computed below without skbackprop.
The tests pin what the loop records (iterations, loss curve, state after a stop or an
interrupt or a divergence) and the exact words of its warnings.
"""

import warnings

import numpy as np
import pytest
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from skbackprop._holdout import ValidationSet
from skbackprop._training import TrainingLoop
from skbackprop._training_state import TrainingSettings, TrainingState
from skbackprop.activations import Identity
from skbackprop.losses import SquaredError
from skbackprop.network import Network
from skbackprop.optimizers import LBFGS, SGD
from skbackprop.schedules import Constant

RNG = np.random.RandomState(0)
X = RNG.normal(size=(20, 2))
Y = (X @ np.array([1.0, -2.0]) + 0.5 + 0.1 * RNG.normal(size=20)).reshape(-1, 1)
WEIGHTS = np.linspace(0.5, 2.0, 20)
ALPHA = 0.1


def _oracle_loss(params, X=X, Y=Y, weights=WEIGHTS, alpha=ALPHA):
    params = np.asarray(params, dtype=float)
    W, b = params[:2], params[2]
    residual = X @ W + b - Y[:, 0]
    total = weights.sum()
    return float(weights @ residual**2 / (2 * total) + 0.5 * alpha * W @ W / total)


def _oracle_gradient(params, X=X, Y=Y, weights=WEIGHTS, alpha=ALPHA):
    W, b = params[:2], params[2]
    residual = X @ W + b - Y[:, 0]
    total = weights.sum()
    return np.append(
        X.T @ (weights * residual) / total + alpha * W / total, weights @ residual / total
    )


def _oracle_minimum(X=X, Y=Y, weights=WEIGHTS, alpha=ALPHA):
    """Weighted ridge with an unpenalised intercept: the normal equations."""
    design = np.column_stack([X, np.ones(len(X))])
    penalty = np.diag([alpha, alpha, 0.0])
    lhs = design.T @ (weights[:, None] * design) + penalty
    return np.linalg.solve(lhs, design.T @ (weights * Y[:, 0]))


class _Tasks:
    """Stands in for the callbacks: records the weights each end of iteration sees."""

    def __init__(self, network, stop_at=None, interrupt_at=None):
        self.network, self.stop_at, self.interrupt_at = network, stop_at, interrupt_at
        self.seen, self.begun, self.closed = [], 0, False

    def begin(self):
        self.begun += 1

    def end(self):
        self.seen.append(self.network.params.copy())
        if len(self.seen) == self.interrupt_at:
            raise KeyboardInterrupt
        return len(self.seen) == self.stop_at

    def close(self):
        self.closed = True


def _loop(
    optimizer,
    max_iter=100,
    tasks=None,
    loss=None,
    learning_rate=0.01,
    call_start_params=None,
    **settings,
):
    network = Network((2, 1), [], Identity())
    params = dict(
        alpha=ALPHA,
        batch_size=5,
        max_iter=max_iter,
        shuffle=False,
        tol=1e-12,
        n_iter_no_change=10,
        verbose=False,
        early_stopping=False,
        early_stopping_metric="score",
        learning_rate_init=learning_rate,
        dropout_rates=(0.0,),
    )
    params.update(settings)
    schedule = Constant()
    schedule.start(learning_rate)
    optimizer.initialize(network.params)
    state = TrainingState()
    tasks = tasks or _Tasks(network)
    tasks.network = network
    loop = TrainingLoop(
        network,
        loss or SquaredError(),
        optimizer,
        schedule,
        TrainingSettings(**params),
        state,
        tasks,
        call_start_params,
    )
    return loop, network, tasks


def _validation():
    def score(y, output, sample_weight):
        return -float(np.mean((output[:, 0] - y) ** 2))

    return ValidationSet(X[:8], Y[:8, 0], Y[:8], None, score)


# ------------------------------------------------------------------------ full batch


def test_lbfgs_reaches_the_weighted_ridge_solution_and_records_each_iteration():
    loop, network, tasks = _loop(LBFGS())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        state = loop.run_full_batch(X, Y, WEIGHTS, None)
    np.testing.assert_allclose(network.params, _oracle_minimum(), atol=1e-6)
    assert state.loss == pytest.approx(_oracle_loss(network.params), rel=1e-9)
    assert state.loss_curve == pytest.approx([_oracle_loss(p) for p in tasks.seen], rel=1e-9)
    assert state.n_iter == len(state.loss_curve) >= 2
    assert state.best_loss == min(state.loss_curve)
    assert state.best_params is None
    assert tasks.closed and tasks.begun == len(tasks.seen) + 1


def test_lbfgs_stopped_by_max_iter_warns_with_the_iterations_and_what_to_do():
    loop, network, _ = _loop(LBFGS(), max_iter=1)
    with pytest.warns(ConvergenceWarning) as record:
        state = loop.run_full_batch(X, Y, WEIGHTS, None)
    # scipy's own words for the stop, from the same problem solved by scipy directly.
    scipy_result = scipy.optimize.minimize(
        lambda p: (_oracle_loss(p), _oracle_gradient(p)),
        np.zeros(3),
        method="L-BFGS-B",
        jac=True,
        options={"maxiter": 1},
    )
    assert scipy_result.status == 1
    assert [str(w.message) for w in record] == [
        f"LBFGS failed to converge after 1 iteration(s) (status=1): {scipy_result.message}. "
        "Increase the number of iterations (max_iter) or scale the data."
    ]
    assert state.n_iter == 1
    assert state.loss == pytest.approx(_oracle_loss(network.params), rel=1e-9)


def test_lbfgs_stopped_by_a_callback_does_not_warn():
    loop, network, tasks = _loop(LBFGS(), tasks=_Tasks(None, stop_at=2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        state = loop.run_full_batch(X, Y, WEIGHTS, None)
    assert len(state.loss_curve) == 2
    np.testing.assert_array_equal(network.params, tasks.seen[-1])


def test_lbfgs_interrupted_keeps_the_last_iterate_and_its_loss():
    loop, network, tasks = _loop(LBFGS(), tasks=_Tasks(None, interrupt_at=3))
    loop.state.loss_curve = [9.0, 8.0]  # an earlier call's
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        state = loop.run_full_batch(X, Y, WEIGHTS, None)
    assert [(w.category, str(w.message)) for w in caught] == [
        (UserWarning, "Training interrupted by user.")
    ]
    np.testing.assert_array_equal(network.params, tasks.seen[2])
    assert state.n_iter == 3  # this call's iterations only
    assert len(state.loss_curve) == 5
    assert state.loss == state.loss_curve[-1] == pytest.approx(_oracle_loss(tasks.seen[2]))
    assert state.best_loss == min(state.loss_curve)


class _InterruptedOnce(SquaredError):
    """A squared error whose first evaluation is interrupted (Ctrl-C before any iteration)."""

    def forward(self, Y, A, sample_weight=None):
        self.calls = getattr(self, "calls", 0) + 1
        if self.calls == 1:
            raise KeyboardInterrupt
        return super().forward(Y, A, sample_weight)


def test_lbfgs_interrupted_before_any_iteration_reports_the_starting_loss():
    loop, network, tasks = _loop(LBFGS(), loss=_InterruptedOnce())
    network.params[...] = [0.5, 0.25, -1.0]
    with pytest.warns(UserWarning, match="^Training interrupted by user.$"):
        try:
            state = loop.run_full_batch(X, Y, WEIGHTS, None)
        except KeyboardInterrupt:  # a failure of this test, not an interrupted session
            pytest.fail("The interrupt escaped the training loop.")
    assert state.n_iter == 0 and state.loss_curve == []
    np.testing.assert_array_equal(network.params, [0.5, 0.25, -1.0])
    assert state.loss == pytest.approx(_oracle_loss(network.params), rel=1e-12)
    assert state.best_loss == state.loss


def test_lbfgs_scores_the_validation_set_at_every_iterate_without_keeping_best_weights():
    loop, network, tasks = _loop(LBFGS())
    loop.state.start_call(monitored=True, early_stopping=False)
    state = loop.run_full_batch(X, Y, WEIGHTS, _validation())
    expected = [-float(np.mean((X[:8] @ p[:2] + p[2] - Y[:8, 0]) ** 2)) for p in tasks.seen]
    assert state.validation_scores == pytest.approx(expected, rel=1e-9)
    assert state.best_validation_score == max(state.validation_scores)
    assert state.best_params is None


# ---------------------------------------------------------------------- divergence


class _NaiveIdentity(Identity):
    """``z + (exp(z) - exp(z))``: the identity, written as a careless plugin might.

    At huge ``z`` it overflows and then subtracts infinities: numpy warns of both unless
    the caller silences them.
    """

    name = None

    def forward(self, Z, out=None):
        return np.add(Z, np.exp(Z) - np.exp(Z), out=out)


def test_divergence_in_the_first_epoch_restores_the_start_and_reports_its_loss_quietly():
    huge = X * 1e160  # the loss at the starting weights overflows too
    loop, network, _ = _loop(SGD(momentum=0.0), max_iter=5, learning_rate=10.0, alpha=0.0)
    network.output_activation = _NaiveIdentity()
    network.params[...] = [0.5, 0.25, -1.0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        state = loop.run_stochastic(huge, Y, None, None, np.random.RandomState(0), False)
    message = (
        "Training diverged in epoch 1 of this call: the loss or the weights became non-finite "
        "(inf or nan). Stopped and restored the weights from before that epoch. Scale the "
        "inputs (e.g. with StandardScaler or MinMaxScaler in a Pipeline) or lower "
        "learning_rate_init (now 10)."
    )
    assert [(w.category, str(w.message)) for w in caught] == [(ConvergenceWarning, message)]
    np.testing.assert_array_equal(network.params, [0.5, 0.25, -1.0])
    assert state.n_iter == 0
    assert np.isnan(state.loss)


def test_divergence_in_the_first_epoch_reports_the_finite_starting_loss():
    loop, network, _ = _loop(SGD(momentum=0.0), max_iter=5, learning_rate=1e200)
    network.params[...] = [0.5, 0.25, -1.0]
    with pytest.warns(ConvergenceWarning, match="^Training diverged in epoch 1 of this call"):
        state = loop.run_stochastic(X, Y, WEIGHTS, None, np.random.RandomState(0), False)
    assert state.loss == pytest.approx(_oracle_loss([0.5, 0.25, -1.0]), rel=1e-12)


def test_divergence_after_some_epochs_names_the_epoch_and_resets_the_optimizer():
    optimizer = SGD(momentum=0.5, nesterov=False)
    # One full batch per epoch: epoch 1 steps from zero to weights of order 1e200, finite;
    # epoch 2's loss at those weights overflows.
    loop, network, _ = _loop(optimizer, max_iter=10, learning_rate=1e200, alpha=0.0, batch_size=20)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        state = loop.run_stochastic(X, Y, None, None, np.random.RandomState(0), False)
    diverged = [str(w.message) for w in caught if "diverged" in str(w.message)]
    assert len(diverged) == 1
    assert diverged[0].startswith("Training diverged in epoch 2 of this call")
    assert state.n_iter == 1 and len(state.loss_curve) == 1
    assert state.loss == pytest.approx(_oracle_loss([0.0, 0.0, 0.0], weights=np.ones(20), alpha=0))
    assert np.abs(network.params).max() > 1e100  # epoch 1's weights, put back
    np.testing.assert_array_equal(optimizer.velocity_, 0.0)


# ---------------------------------------------------------------------- minibatches


def test_exploding_loss_warns_once_with_the_losses_it_compares():
    loop, network, _ = _loop(SGD(momentum=0.0), max_iter=3, learning_rate=30.0, alpha=0.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        state = loop.run_stochastic(X, Y, None, None, np.random.RandomState(0), False)
    exploding = [w for w in caught if "exploding" in str(w.message)]
    start = float(np.mean(Y[:5, 0] ** 2) / 2)  # the first minibatch, at zero weights
    message = (
        f"The training loss is exploding: {state.loss_curve[0]:.3g} after epoch 1, more than "
        f"1000 times the {start:.3g} it started this call at. Scale the inputs (e.g. with "
        "StandardScaler or MinMaxScaler in a Pipeline) or lower learning_rate_init (now 30)."
    )
    assert [(w.category, str(w.message)) for w in exploding] == [(ConvergenceWarning, message)]
    assert state.n_iter == 3  # finite all along, each epoch far above the last
    assert state.loss_curve[2] > 1e3 * state.loss_curve[1] > 1e6 * state.loss_curve[0]


def test_max_iter_reached_warns_in_scikit_learns_words():
    loop, _, _ = _loop(SGD(), max_iter=2)
    with pytest.warns(ConvergenceWarning) as record:
        state = loop.run_stochastic(X, Y, WEIGHTS, None, np.random.RandomState(0), False)
    assert [str(w.message) for w in record] == [
        "Stochastic Optimizer: Maximum iterations (2) reached and the optimization hasn't "
        "converged yet."
    ]
    assert state.n_iter == 2 and state.t == 40


def test_an_incremental_call_runs_exactly_one_epoch_without_warning():
    loop, _, _ = _loop(SGD(), max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        state = loop.run_stochastic(X, Y, WEIGHTS, None, np.random.RandomState(0), True)
    assert state.n_iter == 1 and len(state.loss_curve) == 1 and state.t == 20


class _RecordingSchedule(Constant):
    def epoch_end(self, n_epochs, n_samples_seen):
        self.calls.append((n_epochs, n_samples_seen))


def test_the_schedule_hears_the_epoch_count_and_the_samples_seen():
    loop, _, _ = _loop(SGD(), max_iter=3)
    loop.schedule = _RecordingSchedule()
    loop.schedule.start(0.01)
    loop.schedule.calls = []
    with pytest.warns(ConvergenceWarning):
        loop.run_stochastic(X, Y, None, None, np.random.RandomState(0), False)
    assert loop.schedule.calls == [(1, 20), (2, 40), (3, 60)]


def test_a_callback_stop_is_reported_when_verbose(capsys):
    loop, _, tasks = _loop(SGD(), max_iter=5, verbose=True, tasks=_Tasks(None, stop_at=2))
    state = loop.run_stochastic(X, Y, None, None, np.random.RandomState(0), False)
    assert state.n_iter == 2
    assert capsys.readouterr().out.splitlines()[-1] == "A callback asked to stop training."


def test_best_weights_are_restored_only_under_early_stopping():
    loop, network, _ = _loop(SGD(), max_iter=1)
    loop.state.best_params = np.full(3, 7.0)  # left by an earlier call with early stopping
    with pytest.warns(ConvergenceWarning):
        loop.run_stochastic(X, Y, None, None, np.random.RandomState(0), False)
    assert not np.any(network.params == 7.0)


def test_dropout_masks_are_drawn_per_minibatch_with_its_size_and_dtype():
    from skbackprop.dropout import draw_masks

    loop, network, _ = _loop(SGD(momentum=0.0), max_iter=1, alpha=0.0, dropout_rates=(0.5,))
    with pytest.warns(ConvergenceWarning):
        loop.run_stochastic(X, Y, None, None, np.random.RandomState(0), False)
    # The same epoch replayed by hand: four minibatches of five rows, one mask each.
    replay, rs = Network((2, 1), [], Identity()), np.random.RandomState(0)
    for start in range(0, 20, 5):
        masks = draw_masks((0.5,), (2, 1), 5, rs, np.float64)
        assert masks[0].shape == (5, 2)
        W, b = replay.params[:2], replay.params[2]
        inputs = X[start : start + 5] * masks[0]
        residual = inputs @ W + b - Y[start : start + 5, 0]
        grad = np.concatenate([inputs.T @ residual / 5, [residual.mean()]])
        replay.params -= 0.01 * grad
    np.testing.assert_allclose(network.params, replay.params, rtol=1e-12)


# ------------------------------------------------------------------- stopping rules


def _state_with(loop, **values):
    for name, value in values.items():
        setattr(loop.state, name, value)
    return loop


@pytest.mark.parametrize(
    "value, expected",
    [(0.9, (True, True)), (0.95, (False, True)), (0.96, (False, True)), (1.0, (False, False))],
)
def test_training_loss_improves_by_more_than_tol(value, expected):
    loop, _, _ = _loop(SGD(), tol=0.05)
    _state_with(loop, loss_curve=[value], best_loss=1.0)
    assert loop._compare_with_best(False) == pytest.approx(expected)


@pytest.mark.parametrize(
    "loss, expected",
    [(0.5, (True, True)), (0.75, (False, True)), (0.8, (False, True)), (1.0, (False, False))],
)
def test_validation_loss_improves_by_more_than_tol(loss, expected):
    loop, _, _ = _loop(SGD(), tol=0.25, early_stopping_metric="loss")
    _state_with(loop, validation_loss_curve=[loss], best_validation_loss=1.0)
    assert loop._compare_with_best(True) == expected


@pytest.mark.parametrize(
    "score, loss, expected",
    [
        (0.75, 2.0, (True, True)),  # better by exactly tol
        (0.6, 2.0, (False, True)),  # better by less than tol, loss no better
        (0.5, 2.0, (False, False)),  # a tie, loss no better
        (0.5, 0.7, (True, True)),  # a tie won by a loss lower by more than tol
        (0.5, 0.75, (False, False)),  # ... lower by exactly tol
        (0.25, 0.5, (True, True)),  # worse by exactly tol, loss far lower
        (0.2, 0.5, (False, False)),  # worse by more than tol
    ],
)
def test_validation_score_ties_within_tol_are_broken_by_the_loss(score, loss, expected):
    loop, _, _ = _loop(SGD(), tol=0.25, early_stopping_metric="score")
    _state_with(
        loop,
        validation_scores=[score],
        validation_loss_curve=[loss],
        best_validation_score=0.5,
        best_validation_loss=1.0,
    )
    assert loop._compare_with_best(True) == expected


@pytest.mark.parametrize(
    "early_stopping, metric, what",
    [
        (False, "score", "Training loss"),
        (True, "score", "Validation score"),
        (True, "loss", "Validation loss"),
    ],
)
def test_a_plateau_is_reported_with_what_stopped_improving(capsys, early_stopping, metric, what):
    loop, _, _ = _loop(
        SGD(),
        tol=0.5,
        n_iter_no_change=2,
        verbose=True,
        early_stopping=early_stopping,
        early_stopping_metric=metric,
    )
    _state_with(loop, no_improvement_count=2)
    assert loop._plateau_stops() is False  # not more than n_iter_no_change yet
    _state_with(loop, no_improvement_count=3)
    assert loop._plateau_stops() is True
    assert capsys.readouterr().out == (
        f"{what} did not improve more than tol=0.500000 for 2 consecutive epochs. Stopping.\n"
    )


def test_a_plateau_that_lowers_the_rate_starts_the_count_afresh():
    from skbackprop.schedules import Adaptive

    loop, _, _ = _loop(SGD(), n_iter_no_change=1)
    loop.schedule = Adaptive()
    loop.schedule.start(1.0)
    _state_with(loop, no_improvement_count=2)
    assert loop._plateau_stops() is False
    assert loop.state.no_improvement_count == 0
    assert loop.schedule.learning_rate_ == 0.2


def test_an_interrupted_epoch_loop_keeps_its_weights_and_says_so():
    loop, network, tasks = _loop(SGD(), max_iter=5, tasks=_Tasks(None, interrupt_at=2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        state = loop.run_stochastic(X, Y, WEIGHTS, None, np.random.RandomState(0), False)
    assert [(w.category, str(w.message)) for w in caught] == [
        (UserWarning, "Training interrupted by user.")
    ]
    assert state.n_iter == 2
    np.testing.assert_array_equal(network.params, tasks.seen[-1])


def test_the_state_publishes_private_fields_with_a_leading_underscore():
    names = TrainingState.attribute_names()
    assert names["best_params"] == "_best_params"
    assert names["no_improvement_count"] == "_no_improvement_count"
    assert names["loss_curve"] == "loss_curve_"
    assert names["n_iter"] == "n_iter_"


def test_the_callers_copy_of_the_starting_weights_is_never_written_to():
    start = np.array([0.5, 0.25, -1.0])
    caller_copy = start.copy()
    loop, network, _ = _loop(SGD(), max_iter=4, call_start_params=caller_copy)
    network.params[...] = start
    with pytest.warns(ConvergenceWarning):
        loop.run_stochastic(X, Y, None, None, np.random.RandomState(0), False)
    np.testing.assert_array_equal(caller_copy, start)
    assert not np.array_equal(network.params, start)


def test_divergence_after_epoch_one_restores_that_epochs_weights_not_the_callers():
    # As the second divergence test above, with the caller's copy of the starting weights.
    caller_copy = np.zeros(3)
    optimizer = SGD(momentum=0.0)
    loop, network, _ = _loop(
        optimizer,
        max_iter=10,
        learning_rate=1e200,
        alpha=0.0,
        batch_size=20,
        call_start_params=caller_copy,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        state = loop.run_stochastic(X, Y, None, None, np.random.RandomState(0), False)
    assert [str(w.message)[:41] for w in caught] == ["Training diverged in epoch 2 of this call"]
    assert state.n_iter == 1
    assert np.isfinite(network.params).all() and np.abs(network.params).max() > 1e100
    np.testing.assert_array_equal(caller_copy, 0.0)


def test_dropout_masks_are_drawn_in_the_network_dtype(monkeypatch):
    import skbackprop._training as training

    dtypes = []

    def recording_draw_masks(*args, **kwargs):
        masks = training_draw_masks(*args, **kwargs)
        dtypes.extend(mask.dtype for mask in masks if mask is not None)
        return masks

    training_draw_masks = training.draw_masks
    monkeypatch.setattr(training, "draw_masks", recording_draw_masks)
    from skbackprop.activations import ReLU
    from skbackprop.initializers import GlorotUniform

    network = Network((2, 3, 1), [ReLU()], Identity(), dtype=np.float32)
    network.initialize(GlorotUniform(), np.random.RandomState(0))
    settings = TrainingSettings(
        alpha=0.0,
        batch_size=5,
        max_iter=1,
        shuffle=False,
        tol=0.0,
        n_iter_no_change=10,
        verbose=False,
        early_stopping=False,
        early_stopping_metric="score",
        learning_rate_init=0.01,
        dropout_rates=(0.0, 0.5),
    )
    schedule = Constant()
    schedule.start(0.01)
    optimizer = SGD(momentum=0.0)
    optimizer.initialize(network.params)
    loop = TrainingLoop(
        network, SquaredError(), optimizer, schedule, settings, TrainingState(), _Tasks(network)
    )
    with pytest.warns(ConvergenceWarning):
        loop.run_stochastic(
            X.astype(np.float32), Y.astype(np.float32), None, None, np.random.RandomState(0), False
        )
    assert dtypes and set(dtypes) == {np.dtype(np.float32)}
