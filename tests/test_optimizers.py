"""Optimizers: update rules on a flat vector, state, and L-BFGS."""

import pickle

import numpy as np
import pytest

from skbackprop.optimizers import LBFGS, SGD, Adam, AdamW


def test_sgd_without_momentum_is_plain_gradient_descent():
    params = np.array([1.0, -2.0])
    optimizer = SGD(momentum=0)
    optimizer.initialize(params)
    optimizer.step(params, np.array([0.5, 1.0]), learning_rate=0.1)
    np.testing.assert_allclose(params, [0.95, -2.1])


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_accumulates_velocity(nesterov):
    params = np.zeros(1)
    optimizer = SGD(momentum=0.5, nesterov=nesterov)
    optimizer.initialize(params)
    for _ in range(2):
        optimizer.step(params, np.ones(1), learning_rate=1.0)
    # v1 = -1, v2 = 0.5 v1 - 1 = -1.5; classic: w = v1 + v2; Nesterov adds μv - ηg each step.
    expected = -2.5 if not nesterov else (0.5 * -1 - 1) + (0.5 * -1.5 - 1)
    np.testing.assert_allclose(params, expected)


def test_adam_first_step_has_the_size_of_the_learning_rate():
    params = np.zeros(3)
    optimizer = Adam()
    optimizer.initialize(params)
    optimizer.step(params, np.array([0.001, -5.0, 300.0]), learning_rate=0.01)
    np.testing.assert_allclose(params, [-0.01, 0.01, -0.01], rtol=1e-3)
    assert optimizer.t_ == 1


@pytest.mark.parametrize("optimizer", [SGD(), Adam(), AdamW(weight_decay=1e-4)], ids=repr)
def test_stochastic_optimizers_minimise_a_quadratic_and_pickle_with_their_state(optimizer):
    target = np.array([3.0, -1.0, 0.5])
    params = np.zeros(3, dtype=np.float32)
    optimizer.initialize(params)
    for _ in range(500):
        optimizer.step(params, (params - target).astype(np.float32), learning_rate=0.05)
    assert params.dtype == np.float32
    np.testing.assert_allclose(params, target, atol=0.05)
    restored = pickle.loads(pickle.dumps(optimizer))
    assert vars(restored).keys() == vars(optimizer).keys()
    assert not any(value is params for value in vars(optimizer).values())


def test_lbfgs_minimises_in_place_and_records_iterations():
    target = np.array([1.0, 2.0])
    params = np.zeros(2)
    seen = []
    result = LBFGS().minimize(
        lambda p: (0.5 * float(((p - target) ** 2).sum()), p - target),
        params,
        max_iter=50,
        tol=1e-10,
        callback=lambda r: seen.append(r.fun),
    )
    assert result.success
    np.testing.assert_allclose(params, target)
    assert seen and seen[-1] <= seen[0]


# ------------------------------------------------------------------------------ AdamW


def _adamw_by_hand(w, gradients, lr, weight_decay, beta_1, beta_2, epsilon):
    """torch.optim.AdamW's documented update, written out (Loshchilov and Hutter's Algorithm 2)."""
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(gradients, start=1):
        w = w - lr * weight_decay * w  # decoupled decay, at the old weights
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + epsilon)
    return w


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adamw_steps_match_torchs_adamw_update_written_out(dtype):
    rng = np.random.RandomState(0)
    start = rng.normal(size=30)
    gradients = [rng.normal(size=30) for _ in range(5)]
    # epsilon=0: torch adds ε to √v̂, scikit-learn's Adam (ours) to √v; without ε they agree.
    optimizer = AdamW(weight_decay=0.3, beta_1=0.8, beta_2=0.95, epsilon=0.0)
    params = start.astype(dtype)
    optimizer.initialize(params)
    for g in gradients:
        optimizer.step(params, g.astype(dtype), learning_rate=0.05)
    expected = _adamw_by_hand(start, gradients, 0.05, 0.3, 0.8, 0.95, 0.0)
    np.testing.assert_allclose(params, expected, rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_adamw_epsilon_is_added_as_in_the_packages_adam():
    rng = np.random.RandomState(1)
    start, gradients = rng.normal(size=10), [rng.normal(size=10) for _ in range(3)]
    decayed, plain = start.copy(), start.copy()
    adamw, adam = AdamW(weight_decay=0.0, epsilon=1e-3), Adam(epsilon=1e-3)
    adamw.initialize(decayed)
    adam.initialize(plain)
    for g in gradients:
        adamw.step(decayed, g.copy(), 0.01)
        adam.step(plain, g.copy(), 0.01)
    np.testing.assert_array_equal(decayed, plain)  # weight_decay=0 is exactly Adam


def test_adamw_decay_bypasses_the_moments():
    params = np.array([2.0, -4.0])
    optimizer = AdamW(weight_decay=0.5)
    optimizer.initialize(params)
    for _ in range(3):
        optimizer.step(params, np.zeros(2), learning_rate=0.1)
    # Zero gradients: Adam moves nothing, the decay shrinks by (1 - ηλ) per step.
    np.testing.assert_allclose(params, np.array([2.0, -4.0]) * 0.95**3, rtol=1e-12)
    assert not optimizer.first_moment_.any() and not optimizer.second_moment_.any()


def test_adamw_refuses_a_negative_weight_decay():
    params = np.zeros(2)
    optimizer = AdamW(weight_decay=-0.1)
    optimizer.initialize(params)
    with pytest.raises(ValueError, match="weight_decay must be non-negative"):
        optimizer.step(params, np.ones(2), 0.1)
