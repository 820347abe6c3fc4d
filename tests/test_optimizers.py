"""Optimizers: update rules on a flat vector, state, and L-BFGS."""

import pickle

import numpy as np
import pytest

from skbackprop.optimizers import LBFGS, SGD, Adam


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


@pytest.mark.parametrize("optimizer", [SGD(), Adam()], ids=repr)
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
