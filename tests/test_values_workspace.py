"""The workspace of a training call (skbackprop/_workspace.py): its buffers and the out= calls."""

import numpy as np
import pytest

from skbackprop import _workspace
from skbackprop.activations import ReLU, Softmax
from skbackprop.initializers import GlorotUniform
from skbackprop.losses import CrossEntropy
from skbackprop.network import Network


def _network(dtype):
    network = Network((5, 4, 3, 2), [ReLU(), ReLU()], Softmax(), dtype=dtype)
    network.initialize(GlorotUniform(), np.random.RandomState(0))
    return network


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_buffer_has_the_network_dtype_and_the_batch_rows(dtype):
    workspace = _network(dtype).workspace(7)
    buffers = [
        *workspace.pre_activations,
        *workspace.activations,
        *workspace.hidden_errors,
        *workspace.dropped_inputs,
        workspace.gradient,
        *workspace.penalty_scratch,
        workspace.ones,
    ]
    assert all(buffer.dtype == dtype for buffer in buffers)
    assert [a.shape for a in workspace.activations] == [(7, 4), (7, 3), (7, 2)]
    assert [d.shape for d in workspace.dropped_inputs] == [(7, 5), (7, 4), (7, 3)]
    np.testing.assert_array_equal(workspace.ones, np.ones(7, dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_pass_with_a_workspace_computes_into_it_in_the_network_dtype(dtype):
    network = _network(dtype)
    workspace = network.workspace(6)
    rng = np.random.RandomState(1)
    X = rng.normal(size=(6, 5)).astype(dtype)
    Y = np.eye(2, dtype=dtype)[[0, 1, 1, 0, 1, 0]]
    Zs, As = network.forward(X, workspace)
    for layer in range(3):
        assert np.shares_memory(Zs[layer], workspace.pre_activations[layer])
        assert np.shares_memory(As[layer + 1], workspace.activations[layer])
        assert As[layer + 1].dtype == dtype
    gradient = network.backward(Y, Zs, As, CrossEntropy(), 1e-3, None, workspace)
    assert gradient is workspace.gradient
    # The same numbers as the allocating pass.
    Zs_alone, As_alone = network.forward(X)
    np.testing.assert_array_equal(As[-1], As_alone[-1])


def test_call_with_out_passes_the_buffer_to_plain_functions_and_methods():
    calls = []

    def with_out(x, out=None):
        calls.append(out)
        return np.negative(x, out=out)

    def without_out(x):
        return -x

    x, buffer = np.arange(3.0), np.empty(3)
    assert _workspace._call_with_out(with_out, x, out=buffer) is buffer
    assert calls == [buffer]
    result = _workspace._call_with_out(without_out, x, out=buffer)
    np.testing.assert_array_equal(result, -x)
    assert result is not buffer  # a plugin without out= allocates


def test_the_out_check_is_cached_per_function_not_per_bound_method():
    # A bound method is a new object at every attribute access: the cache is
    # keyed on its function, so it does not grow with the number of calls.
    relu, Z = ReLU(), np.ones((2, 3))
    _workspace._call_with_out(relu.forward, Z, out=np.empty_like(Z))
    size = _workspace._accepts_out.cache_info().currsize
    for _ in range(20):
        _workspace._call_with_out(relu.forward, Z, out=np.empty_like(Z))
    assert _workspace._accepts_out.cache_info().currsize == size
