"""The check that a trained network predicts finite outputs (skbackprop/_finite_outputs.py)."""

import numpy as np
import pytest
import scipy.sparse as sp

from skbackprop import _finite_outputs
from skbackprop.activations import (
    ELU,
    GELU,
    Exp,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softplus,
    Tanh,
)
from skbackprop.initializers import GlorotUniform
from skbackprop.network import Network


class Cube(Identity):
    """A plugin activation of unknown growth."""

    def forward(self, Z, out=None):
        return Z**3


def _network(hidden, output=None, sizes=(5, 8, 3), dtype=np.float64, seed=0):
    network = Network(sizes, hidden, output or Sigmoid(), dtype=dtype)
    network.initialize(GlorotUniform(), np.random.RandomState(seed))
    return network


def _count_forward_passes(monkeypatch, network):
    calls = []
    predict = network.predict
    monkeypatch.setattr(network, "predict", lambda X: calls.append(1) or predict(X))
    return calls


@pytest.mark.parametrize(
    "hidden", [ReLU(), Tanh(), Sigmoid(), Identity(), GELU(), Softplus(), ELU(2.0), LeakyReLU(3.0)]
)
@pytest.mark.parametrize("output", [Sigmoid(), Identity(), Exp()])
def test_ordinary_networks_are_proved_finite_without_a_forward_pass(monkeypatch, hidden, output):
    network = _network(hidden, output)
    calls = _count_forward_passes(monkeypatch, network)
    X = np.random.RandomState(1).normal(size=(50, 5))
    assert _finite_outputs.outputs_are_finite(network, X)
    assert _finite_outputs.outputs_are_finite(network, sp.csr_matrix(X))
    assert calls == []


@pytest.mark.parametrize("hidden", [Cube(), Exp()])
def test_activations_of_unknown_growth_take_the_forward_pass(monkeypatch, hidden):
    network = _network(hidden)
    calls = _count_forward_passes(monkeypatch, network)
    X = np.random.RandomState(1).normal(size=(5000, 5))
    assert _finite_outputs.outputs_are_finite(network, X)
    assert len(calls) == -(-5000 // _finite_outputs.CHUNK_ROWS)  # every row, in chunks


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_outputs_near_the_largest_float_are_computed_and_judged(monkeypatch, dtype):
    big = float(np.finfo(dtype).max)
    network = _network(ReLU(), Identity(), dtype=dtype)
    X = np.ones((4, 5), dtype)
    # Inputs too large for the bound to prove anything: the outputs are computed.
    X_large = X * dtype(big * 1e-4)
    calls = _count_forward_passes(monkeypatch, network)
    finite = np.isfinite(network.predict(X_large)).all()
    calls.clear()
    assert finite
    assert _finite_outputs.outputs_are_finite(network, X_large)
    assert len(calls) == 1
    # Inputs that overflow: refused.
    X_huge = X * dtype(big / 4)
    network.params *= dtype(100)
    with np.errstate(over="ignore", invalid="ignore"):
        assert not np.isfinite(network.predict(X_huge)).all()
    assert not _finite_outputs.outputs_are_finite(network, X_huge)


def test_the_bound_never_claims_finite_outputs_that_overflow():
    # Scale the weights of random networks until they overflow: every network
    # the bound calls finite is finite when computed.
    rng = np.random.RandomState(0)
    for trial in range(60):
        hidden = [ReLU(), Tanh(), LeakyReLU(5.0), ELU(), Softplus()][trial % 5]
        network = _network(hidden, Identity(), sizes=(6, 7, 4, 2), dtype=np.float32, seed=trial)
        X = rng.normal(size=(30, 6)).astype(np.float32)
        network.params *= np.float32(10.0 ** rng.uniform(0, 14))
        with np.errstate(over="ignore", invalid="ignore"):
            actually_finite = np.isfinite(network.predict(X)).all()
        if _finite_outputs._bounded(network, X):
            assert actually_finite
        assert _finite_outputs.outputs_are_finite(network, X) == actually_finite
