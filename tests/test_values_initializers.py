"""Initializers against the distributions their docstrings name, drawn here with numpy.

The oracle is numpy's ``RandomState`` with the same seed and the bound or standard deviation
worked out by hand from the published formula: the initializer must draw exactly those
numbers, in the same order, with the right shapes.
"""

import numpy as np
import pytest

from skbackprop.activations import ReLU, Sigmoid, Tanh
from skbackprop.initializers import GlorotUniform, HeNormal, Normal


def _rs(seed=3):
    return np.random.RandomState(seed)


@pytest.mark.parametrize(
    "activation, bound",
    [(Sigmoid(), np.sqrt(2.0 / 7.0)), (Tanh(), np.sqrt(6.0 / 7.0)), (ReLU(), np.sqrt(6.0 / 7.0))],
    ids=["sigmoid", "tanh", "relu"],
)
def test_glorot_uniform_draws_weights_then_biases_within_the_published_bound(activation, bound):
    weights, biases = GlorotUniform().initialize(3, 4, activation, _rs())
    oracle = _rs()
    np.testing.assert_array_equal(weights, oracle.uniform(-bound, bound, (3, 4)))
    np.testing.assert_array_equal(biases, oracle.uniform(-bound, bound, 4))


def test_glorot_uniform_uses_factor_two_for_any_sigmoid_subclass():
    class SteepSigmoid(Sigmoid):
        pass

    weights, _ = GlorotUniform().initialize(5, 3, SteepSigmoid(), _rs())
    np.testing.assert_array_equal(weights, _rs().uniform(-0.5, 0.5, (5, 3)))  # sqrt(2 / 8)


def test_he_normal_draws_weights_with_variance_two_over_fan_in_and_zero_biases():
    weights, biases = HeNormal().initialize(8, 3, ReLU(), _rs())
    np.testing.assert_array_equal(weights, _rs().normal(0.0, 0.5, (8, 3)))  # sqrt(2 / 8)
    assert biases.shape == (3,)
    np.testing.assert_array_equal(biases, 0.0)


def test_normal_defaults_to_unit_variance_for_weights_then_biases():
    weights, biases = Normal().initialize(4, 2, ReLU(), _rs())
    oracle = _rs()
    np.testing.assert_array_equal(weights, oracle.normal(0.0, 1.0, (4, 2)))
    np.testing.assert_array_equal(biases, oracle.normal(0.0, 1.0, 2))
    assert weights.shape == (4, 2)
    assert biases.shape == (2,)


def test_normal_scales_the_standard_deviation():
    weights, biases = Normal(scale=0.1).initialize(2, 3, ReLU(), _rs())
    oracle = _rs()
    np.testing.assert_array_equal(weights, oracle.normal(0.0, 0.1, (2, 3)))
    np.testing.assert_array_equal(biases, oracle.normal(0.0, 0.1, 3))
