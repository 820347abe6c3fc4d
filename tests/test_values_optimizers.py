"""Optimizer steps against their update rules written out by hand, and L-BFGS's options.

Each expected vector comes from the formula in the optimizer's docstring, evaluated here in
plain Python, not from the optimizer's code.
"""

import math
import warnings

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier

from skbackprop.optimizers import LBFGS, SGD, Adam, AdamW, Optimizer


def _adam_first_step(w, g, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    """Kingma and Ba's first step, bias-corrected: m = (1-b1) g, v = (1-b2) g^2."""
    m, v = (1 - beta_1) * g, (1 - beta_2) * g * g
    lr_t = lr * math.sqrt(1 - beta_2) / (1 - beta_1)
    return w - lr_t * m / (math.sqrt(v) + epsilon)


def test_defaults_are_scikit_learns():
    sk = MLPClassifier()
    assert SGD().momentum == sk.momentum
    assert SGD().nesterov == sk.nesterovs_momentum
    assert (Adam().beta_1, Adam().beta_2, Adam().epsilon) == (sk.beta_1, sk.beta_2, sk.epsilon)
    assert LBFGS().max_fun == sk.max_fun


def test_sgd_default_is_nesterov_momentum_point_nine():
    params = np.zeros(1)
    optimizer = SGD()
    optimizer.initialize(params)
    optimizer.step(params, np.ones(1), learning_rate=1.0)
    # v1 = -1; w1 = 0 - 1 + 0.9 v1 = -1.9
    np.testing.assert_allclose(params, [-1.9])
    optimizer.step(params, np.ones(1), learning_rate=1.0)
    # v2 = 0.9 v1 - 1 = -1.9; w2 = w1 - 1 + 0.9 v2 = -4.61
    np.testing.assert_allclose(params, [-4.61])


def test_adam_two_steps_follow_the_bias_corrected_rule():
    params = np.array([1.0, -1.0])
    optimizer = Adam(beta_1=0.5, beta_2=0.75, epsilon=0.1)
    optimizer.initialize(params)
    optimizer.step(params, np.array([2.0, -4.0]), learning_rate=0.5)
    expected = [_adam_first_step(w, g, 0.5, 0.5, 0.75, 0.1) for w, g in [(1, 2), (-1, -4)]]
    np.testing.assert_allclose(params, expected)
    optimizer.step(params, np.array([1.0, 1.0]), learning_rate=0.5)
    # t = 2 for the first entry: m = 0.5*0.5*2 + 0.5*1 = 1, v = 0.75*0.25*4 + 0.25 = 1,
    # lr_t = 0.5 sqrt(1 - 0.75^2) / (1 - 0.5^2)
    lr_t = 0.5 * math.sqrt(1 - 0.75**2) / (1 - 0.5**2)
    assert params[0] == pytest.approx(expected[0] - lr_t * 1.0 / (1.0 + 0.1))
    assert optimizer.t_ == 2


def test_adamw_defaults_decay_by_one_hundredth_and_add_epsilon_1e_8():
    g = 1e-6  # small enough that epsilon weighs in the denominator
    params = np.array([2.0])
    optimizer = AdamW()
    optimizer.initialize(params)
    optimizer.step(params, np.array([g]), learning_rate=0.1)
    decayed = 2.0 * (1 - 0.1 * 0.01)
    np.testing.assert_allclose(params, [_adam_first_step(decayed, g, 0.1)], rtol=1e-12)


def test_the_base_optimizer_trusts_carried_state():
    assert Optimizer().is_initialized_for(np.zeros(3)) is True


@pytest.mark.parametrize("cls", [SGD, Adam, AdamW])
def test_state_is_initialized_only_for_the_same_shape_and_dtype(cls):
    optimizer = cls()
    assert optimizer.is_initialized_for(np.zeros(3)) is False
    optimizer.initialize(np.zeros(3))
    assert optimizer.is_initialized_for(np.zeros(3)) is True
    assert optimizer.is_initialized_for(np.zeros(4)) is False
    assert optimizer.is_initialized_for(np.zeros(3, np.float32)) is False
    assert optimizer.is_initialized_for(np.zeros(4, np.float32)) is False


def _quadratic(center):
    def loss_and_gradient(x):
        return float(np.sum((x - center) ** 2)), 2 * (x - center)

    return loss_and_gradient


def test_lbfgs_minimises_without_a_callback():
    params = np.zeros(3)
    LBFGS().minimize(_quadratic(np.array([1.0, -2.0, 3.0])), params, max_iter=100, tol=1e-10)
    np.testing.assert_allclose(params, [1.0, -2.0, 3.0], atol=1e-8)


def test_lbfgs_stops_before_any_iteration_when_the_gradient_is_below_tol():
    params = np.zeros(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an option scipy does not know would warn
        result = LBFGS().minimize(_quadratic(np.array([1.0, 1.0])), params, 100, tol=10.0)
    assert result.nit == 0
    np.testing.assert_array_equal(params, [0.0, 0.0])


def _rosenbrock(x):
    a, b = x
    value = (1 - a) ** 2 + 100 * (b - a * a) ** 2
    grad = np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])
    return value, grad


def test_lbfgs_stops_at_max_fun_evaluations():
    params = np.array([-1.2, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = LBFGS(max_fun=5).minimize(_rosenbrock, params, max_iter=1000, tol=1e-10)
    assert result.nfev <= 6
    assert not result.success
    assert params[0] < 0.9  # far from the minimum at (1, 1)
