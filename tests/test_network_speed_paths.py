"""The fast paths of the core: workspace buffers, in-place activations, in-place optimizers.

Each fast path must compute the same maths as the plain one: gradients are
checked against central differences through the workspace, the in-place
(``out=``) activations against their allocating selves, the optimizers against
the textbook update, and the whole training loop against scikit-learn's
MLPClassifier, weight for weight.
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from _gradients import numerical_gradient, plain_function
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skbackprop import MLPScratchClassifier
from skbackprop.activations import (
    ELU,
    GELU,
    Activation,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)
from skbackprop.initializers import GlorotUniform
from skbackprop.losses import BinaryCrossEntropy, CrossEntropy, SquaredError
from skbackprop.network import Network, Workspace
from skbackprop.optimizers import SGD, Adam

ACTIVATIONS = [
    Identity(),
    Sigmoid(),
    Tanh(),
    ReLU(),
    LeakyReLU(0.1),
    ELU(),
    Softplus(),
    GELU(),
    Softmax(),
]


def _network(layer_sizes, hidden, output, dtype=np.float64, seed=0):
    network = Network(layer_sizes, hidden, output, dtype)
    network.initialize(GlorotUniform(), np.random.RandomState(seed))
    return network


# Smooth hidden activations only: central differences straddle ReLU's kink.
@pytest.mark.parametrize(
    "hidden, output, loss",
    [
        (Tanh(), Softmax(), CrossEntropy()),  # fused softmax-cross-entropy delta
        (Sigmoid(), Sigmoid(), BinaryCrossEntropy()),  # fused sigmoid delta
        (Softplus(), Sigmoid(), SquaredError()),  # general chain rule through the output
        (GELU(), Softmax(), SquaredError()),  # softmax's own backward, in place
        (ELU(), Identity(), SquaredError()),
    ],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_workspace_gradient_matches_central_differences(hidden, output, loss, weighted):
    rng = np.random.RandomState(1)
    network = _network((5, 4, 3, 3), hidden, output)
    X = rng.normal(size=(7, 5))
    Y = np.eye(3)[rng.randint(0, 3, 7)]
    sample_weight = rng.uniform(0.5, 2.0, 7) if weighted else None
    workspace = network.workspace(10)  # larger than the batch: views of its first rows
    _, grad = network.loss_and_gradient(X, Y, loss, 0.3, sample_weight, workspace)
    expected = numerical_gradient(network, X, Y, loss, 0.3, sample_weight)
    np.testing.assert_allclose(grad, expected, rtol=1e-5, atol=1e-8)


def test_workspace_and_fresh_arrays_give_the_same_loss_and_gradient():
    rng = np.random.RandomState(2)
    network = _network((6, 8, 5, 4), ReLU(), Softmax())
    workspace = network.workspace(32)
    for n in (32, 17, 1):  # full, partial and single-row batches reuse one workspace
        X, Y = rng.normal(size=(n, 6)), np.eye(4)[rng.randint(0, 4, n)]
        loss_ws, grad_ws = network.loss_and_gradient(X, Y, CrossEntropy(), 1e-3, None, workspace)
        loss_fresh, grad_fresh = network.loss_and_gradient(X, Y, CrossEntropy(), 1e-3)
        assert loss_ws == pytest.approx(loss_fresh, rel=1e-12)
        np.testing.assert_allclose(grad_ws, grad_fresh, rtol=1e-12, atol=1e-15)
        assert grad_ws is workspace.gradient


def test_workspace_follows_a_replaced_parameter_vector():
    network = _network((3, 4, 2), Tanh(), Softmax())
    workspace = network.workspace(5)
    X, Y = np.ones((5, 3)), np.eye(2)[[0, 1, 0, 1, 0]]
    network.params = network.params * 2.0  # a new array, not an in-place update
    _, grad = network.loss_and_gradient(X, Y, CrossEntropy(), 0.0, None, workspace)
    np.testing.assert_allclose(grad, network.loss_and_gradient(X, Y, CrossEntropy())[1])


def test_sparse_input_takes_the_same_path_through_the_workspace():
    rng = np.random.RandomState(3)
    network = _network((6, 5, 3), ReLU(), Softmax())
    X = sp.random(9, 6, density=0.4, format="csr", random_state=rng)
    Y = np.eye(3)[rng.randint(0, 3, 9)]
    workspace = network.workspace(9)
    _, grad_sparse = network.loss_and_gradient(X, Y, CrossEntropy(), 1e-2, None, workspace)
    _, grad_dense = network.loss_and_gradient(X.toarray(), Y, CrossEntropy(), 1e-2)
    np.testing.assert_allclose(grad_sparse, grad_dense, rtol=1e-12)


@pytest.mark.parametrize("activation", ACTIVATIONS, ids=lambda a: type(a).__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_out_and_aliasing_match_the_allocating_call(activation, dtype):
    rng = np.random.RandomState(4)
    Z = rng.normal(scale=3, size=(6, 5)).astype(dtype)
    dA = rng.normal(size=(6, 5)).astype(dtype)
    Z_before, dA_before = Z.copy(), dA.copy()

    A = activation.forward(Z)
    dZ = activation.backward(Z, A, dA)
    np.testing.assert_array_equal(Z, Z_before)  # without out, inputs stay untouched
    np.testing.assert_array_equal(dA, dA_before)
    assert A.dtype == dtype

    out = np.empty_like(Z)
    assert activation.forward(Z, out=out) is out
    np.testing.assert_allclose(out, A, rtol=1e-6)
    in_place = Z.copy()
    np.testing.assert_allclose(activation.forward(in_place, out=in_place), A, rtol=1e-6)

    dA_buffer = dA.copy()
    assert activation.backward(Z, A, dA_buffer, out=dA_buffer) is dA_buffer
    np.testing.assert_allclose(dA_buffer, dZ, rtol=1e-6, atol=1e-7)


class _PlainSquare(Activation):
    """A third-party activation written without ``out`` arguments."""

    name = None

    def forward(self, Z):
        return Z * Z

    def backward(self, Z, A, dA):
        return 2 * Z * dA


def test_plugin_without_out_arguments_still_trains_through_the_workspace():
    rng = np.random.RandomState(5)
    network = _network((4, 3, 2), _PlainSquare(), Softmax())
    X, Y = rng.normal(size=(6, 4)), np.eye(2)[rng.randint(0, 2, 6)]
    _, grad = network.loss_and_gradient(X, Y, CrossEntropy(), 0.0, None, network.workspace(6))
    functions = [lambda Z: Z * Z, plain_function(Softmax())]
    expected = numerical_gradient(network, X, Y, CrossEntropy(), 0.0, None, functions)
    np.testing.assert_allclose(grad, expected, rtol=1e-5, atol=1e-8)


def test_predict_does_not_modify_the_parameters_or_share_buffers_between_calls():
    network = _network((3, 4, 2), ReLU(), Softmax())
    params = network.params.copy()
    X = np.random.RandomState(6).normal(size=(5, 3))
    first = network.predict(X)
    second = network.predict(X)
    assert first is not second and not np.shares_memory(first, second)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(network.params, params)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_in_place_step_matches_the_textbook_update(dtype):
    rng = np.random.RandomState(7)
    params = rng.normal(size=50).astype(dtype)
    adam = Adam(beta_1=0.8, beta_2=0.99, epsilon=1e-7)
    adam.initialize(params)
    w, m, v = params.astype(np.float64), np.zeros(50), np.zeros(50)
    for t in range(1, 4):
        grad = rng.normal(size=50).astype(dtype)
        m = 0.8 * m + 0.2 * grad
        v = 0.99 * v + 0.01 * grad.astype(np.float64) ** 2
        w = w - 0.01 * np.sqrt(1 - 0.99**t) / (1 - 0.8**t) * m / (np.sqrt(v) + 1e-7)
        adam.step(params, grad, 0.01)
    tolerance = 1e-5 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(params, w, rtol=tolerance)
    np.testing.assert_allclose(adam.second_moment_, v, rtol=10 * tolerance)


@pytest.mark.parametrize("nesterov", [True, False])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_in_place_step_matches_the_textbook_update(momentum, nesterov):
    rng = np.random.RandomState(8)
    params = rng.normal(size=20)
    sgd = SGD(momentum=momentum, nesterov=nesterov)
    sgd.initialize(params)
    w, velocity = params.copy(), np.zeros(20)
    for _ in range(3):
        grad = rng.normal(size=20)
        velocity = momentum * velocity - 0.1 * grad
        w = w + (momentum * velocity - 0.1 * grad if nesterov else velocity)
        sgd.step(params, grad, 0.1)
    np.testing.assert_allclose(params, w, rtol=1e-13)


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "adam"},
        {"solver": "sgd"},
        {"solver": "lbfgs"},
        {"solver": "adam", "activation": "tanh", "hidden_layer_sizes": (32, 16)},
        {"solver": "adam", "batch_size": 64, "shuffle": False},
    ],
)
def test_training_matches_scikit_learn_weight_for_weight(params):
    X, y = load_digits(return_X_y=True)
    X = X[:600] / 16.0
    y = y[:600]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MLPScratchClassifier(max_iter=5, random_state=0, **params).fit(X, y)
        theirs = MLPClassifier(max_iter=5, random_state=0, **params).fit(X, y)
    for mine, reference in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(mine, reference, rtol=0, atol=1e-10)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-10)


def test_fitted_estimator_keeps_no_scratch_buffers():
    X, y = load_digits(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPScratchClassifier(max_iter=2, random_state=0).fit(X[:200] / 16.0, y[:200])
    reachable = pickle.dumps(model)
    assert b"Workspace" not in reachable
    assert not any(isinstance(value, Workspace) for value in vars(model).values())
    assert not any(isinstance(value, Workspace) for value in vars(model.network_).values())


def test_predict_proba_from_many_threads_gives_the_single_thread_answer():
    from concurrent.futures import ThreadPoolExecutor

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPScratchClassifier(max_iter=3, random_state=0).fit(X, y)
    chunks = np.array_split(X, 16)
    expected = [model.predict_proba(chunk) for chunk in chunks]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(model.predict_proba, chunks * 4))
    for index, proba in enumerate(got):
        np.testing.assert_array_equal(proba, expected[index % len(chunks)])
