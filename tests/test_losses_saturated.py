"""Output errors of confidently wrong outputs, for every pairing of a cross-entropy and a
probability output, against costs written here in plain numpy."""

import numpy as np
import pytest
from scipy.special import expit, logsumexp

from skbackprop.activations import Sigmoid, Softmax
from skbackprop.losses import BinaryCrossEntropy, CrossEntropy, Loss
from skbackprop.testing._losses import LOSS_CHECKS, check_loss_delta_saturated


class RenamedSigmoid(Sigmoid):
    """A subclass that changes nothing but the name: computes like the sigmoid."""

    name = "renamed_sigmoid"


class RenamedSoftmax(Softmax):
    name = "renamed_softmax"


class SteepSigmoid(Sigmoid):
    """σ(2z): a subclass that changes ``forward``, so no closed form for σ may apply."""

    def forward(self, Z, out=None):
        return expit(2 * Z)

    def derivative(self, Z, A):
        return 2 * A * (1 - A)


# -- the oracle: per-sample costs from the logits, stable for any z, no skbackprop inside


def _log_sigmoid(Z):
    return -np.logaddexp(0, -Z)


def _log_softmax(Z):
    return Z - logsumexp(Z, axis=1, keepdims=True)


def _log_one_minus_softmax(Z):
    """``log(1 - a_j) = logsumexp_{i≠j} z_i - logsumexp z``, column by column."""
    columns = []
    for j in range(Z.shape[1]):
        others = np.delete(Z, j, axis=1)
        columns.append(logsumexp(others, axis=1) - logsumexp(Z, axis=1))
    return np.stack(columns, axis=1)


def _cost(loss_name, activation_name, Y, Z, weights):
    if activation_name == "sigmoid":
        log_a, log_1ma = _log_sigmoid(Z), _log_sigmoid(-Z)
    elif activation_name == "steep_sigmoid":
        log_a, log_1ma = _log_sigmoid(2 * Z), _log_sigmoid(-2 * Z)
    else:
        log_a, log_1ma = _log_softmax(Z), _log_one_minus_softmax(Z)
    per_output = -Y * log_a
    if loss_name == "binary":
        per_output = per_output - (1 - Y) * log_1ma
    return np.average(per_output.sum(axis=1), weights=weights)


def _oracle(loss_name, activation_name, Y, Z, weights, h=1e-5):
    Z = Z.astype(np.float64)
    gradient = np.empty_like(Z)
    for index in np.ndindex(Z.shape):
        plus, minus = Z.copy(), Z.copy()
        plus[index] += h
        minus[index] -= h
        difference = _cost(loss_name, activation_name, Y, plus, weights)
        difference -= _cost(loss_name, activation_name, Y, minus, weights)
        gradient[index] = difference / (2 * h)
    return gradient


PAIRINGS = [
    ("categorical", CrossEntropy(), "sigmoid", Sigmoid()),
    ("categorical", CrossEntropy(), "sigmoid", RenamedSigmoid()),
    ("categorical", CrossEntropy(), "softmax", Softmax()),
    ("categorical", CrossEntropy(), "softmax", RenamedSoftmax()),
    ("binary", BinaryCrossEntropy(), "sigmoid", Sigmoid()),
    ("binary", BinaryCrossEntropy(), "sigmoid", RenamedSigmoid()),
    ("binary", BinaryCrossEntropy(), "softmax", Softmax()),
    ("binary", BinaryCrossEntropy(), "softmax", RenamedSoftmax()),
]


def _logits(n_samples=8, n_outputs=3, seed=0):
    """Moderate logits and rows confidently wrong by 17 to 80, both signs."""
    rng = np.random.RandomState(seed)
    Y = np.eye(n_outputs)[rng.randint(n_outputs, size=n_samples)]
    Z = rng.normal(scale=2, size=(n_samples, n_outputs))
    for row, s in enumerate((17, 20, 30, 40, 80)):
        Z[row] = np.where(Y[row] == 1, -s, 0.0 if row % 2 else s / 2)
    return Y, Z, rng.uniform(0.5, 2, size=n_samples)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(
    "loss_name, loss, activation_name, activation",
    PAIRINGS,
    ids=[f"{loss!r}-{activation!r}" for _, loss, _, activation in PAIRINGS],
)
def test_output_error_matches_the_numpy_oracle_up_to_logits_of_80(
    loss_name, loss, activation_name, activation, weighted, dtype
):
    Y, Z, weights = _logits()
    weights = weights if weighted else None
    Z_typed = Z.astype(dtype)
    A = activation.forward(Z_typed.copy())
    delta = loss.delta(Y.astype(dtype), Z_typed, A, activation, weights)
    assert delta.dtype == dtype
    # float32 rounds the logits and 1 - a: an absolute error of a few eps per sample.
    atol = 1e-12 if dtype == np.float64 else 1e-6
    expected = _oracle(loss_name, activation_name, Y, Z_typed, weights)
    np.testing.assert_allclose(delta, expected, rtol=1e-5, atol=atol)


def test_a_confidently_wrong_sigmoid_unit_has_output_error_minus_one_in_both_dtypes():
    for dtype in (np.float32, np.float64):
        for z in (-17, -20, -30, -40, -80):
            Y, Z = np.ones((1, 1), dtype), np.full((1, 1), z, dtype)
            A = Sigmoid().forward(Z)
            for loss in (CrossEntropy(), BinaryCrossEntropy()):
                for activation in (Sigmoid(), RenamedSigmoid()):
                    delta = loss.delta(Y, Z, A, activation)
                    assert delta[0, 0] == pytest.approx(-1, abs=1e-6), (loss, activation, z)


def test_output_errors_stay_finite_for_huge_logits():
    Y = np.eye(3)[[0, 1, 2, 0]]
    for dtype in (np.float32, np.float64):
        Z = np.array([[-1e4, 1e4, 0], [3e4, -3e4, 1], [0, 0, -1e30], [1e30, -1e30, 0]], dtype)
        for _, loss, _, activation in PAIRINGS:
            delta = loss.delta(Y.astype(dtype), Z, activation.forward(Z.copy()), activation)
            assert np.isfinite(delta).all(), (loss, activation)


def test_a_subclass_that_changes_forward_takes_the_chain_rule_and_keeps_its_gradient():
    Y, Z, weights = _logits()
    activation = SteepSigmoid()
    for loss_name, loss in (("categorical", CrossEntropy()), ("binary", BinaryCrossEntropy())):
        A = activation.forward(Z)
        delta = loss.delta(Y, Z, A, activation, weights)
        chain_rule = activation.backward(Z, A, loss.backward(Y, A, weights))
        np.testing.assert_array_equal(delta, chain_rule)
        # Clipped only at tiny, the chain rule keeps -2 down to σ(2z) ≈ 1e-300; the
        # 0 targets at +s lose 1 - a to rounding, so only the rows wrong on a 1 count.
        wrong_ones = (Y == 1) & (Z <= -17) & (Z >= -40)
        expected = _oracle(loss_name, "steep_sigmoid", Y, Z, weights)
        np.testing.assert_allclose(delta[wrong_ones], expected[wrong_ones], rtol=1e-6)


# -- the conformance check catches what was fixed


class EpsClippedBinaryCrossEntropy(Loss):
    """The binary cross-entropy before the fix: chain rule through a ∂C/∂a clipped at eps."""

    name = "eps_clipped_bce"

    def default_output_activation(self, target_type):
        return "logistic"

    def forward(self, Y, A, sample_weight=None):
        eps = np.finfo(A.dtype).eps
        A = A.clip(eps, 1 - eps)
        costs = -(Y * np.log(A) + (1 - Y) * np.log(1 - A)).sum(axis=1)
        return float(np.average(costs, weights=sample_weight))

    def backward(self, Y, A, sample_weight=None):
        eps = np.finfo(A.dtype).eps
        A = A.clip(eps, 1 - eps)
        weights = np.ones(len(A)) if sample_weight is None else np.asarray(sample_weight)
        factors = (weights / weights.sum()).astype(A.dtype)[:, None]
        return (A - Y) / (A * (1 - A)) * factors


def test_the_check_catches_an_output_error_that_vanishes_for_confidently_wrong_outputs():
    with pytest.raises(AssertionError, match=r"delta at \|z\| = .* vanishes|disagrees"):
        check_loss_delta_saturated(EpsClippedBinaryCrossEntropy())


def test_the_eps_clipped_loss_passes_every_other_loss_check():
    # So the saturated check is the one catching it, not an incidental failure.
    for check in LOSS_CHECKS:
        if check is not check_loss_delta_saturated:
            check(EpsClippedBinaryCrossEntropy())


@pytest.mark.parametrize("loss", [CrossEntropy(), BinaryCrossEntropy()], ids=repr)
def test_the_fixed_cross_entropies_pass_the_check(loss):
    check_loss_delta_saturated(loss)


# -- the closed forms beyond the chain rule's reach, and their row-wise stability


@pytest.mark.parametrize("dtype, logit", [(np.float32, 120.0), (np.float64, 800.0)])
@pytest.mark.parametrize("n_outputs", [2, 3])
def test_closed_forms_hold_where_the_probability_underflows(dtype, logit, n_outputs):
    # Beyond the logits of the issue: a = σ(-z) or the wrong softmax output is 0
    # in this dtype, so the chain rule's slope is 0 and only a closed form gives
    # the output error of the confidently wrong unit (the oracle's, from the logits).
    Y = np.zeros((1, n_outputs), dtype)
    Y[0, 0] = 1
    Z = np.zeros((1, n_outputs), dtype)
    Z[0, 0] = -logit
    pairings = (
        ("categorical", CrossEntropy(), "sigmoid", Sigmoid()),
        ("binary", BinaryCrossEntropy(), "softmax", Softmax()),
    )
    for loss_name, loss, activation_name, activation in pairings:
        with np.errstate(all="ignore"):
            A = activation.forward(Z)
            delta = loss.delta(Y, Z, A, activation)
        expected = _oracle(loss_name, activation_name, Y, Z, None)
        assert expected[0, 0] <= -1 + 1e-6  # confidently wrong: at least -1
        np.testing.assert_allclose(delta, expected, atol=1e-5, err_msg=str((loss, activation)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_cross_entropy_through_a_softmax_is_computed_row_by_row(dtype):
    # Rows of very different scales in one batch: each row's output error is
    # the one it has alone, and agrees with the plain-numpy oracle.
    rng = np.random.RandomState(0)
    Z = rng.normal(size=(4, 3)).astype(dtype)
    # A row far enough above the others that their exponentials, shifted by
    # its maximum instead of their own, would underflow to 0.
    Z[1] += dtype(120 if dtype == np.float32 else 800)
    Z[2] = np.array([0, 50, 100], dtype)  # large gaps inside a row
    Y = np.eye(3, dtype=dtype)[[0, 1, 2, 0]]
    loss, softmax = BinaryCrossEntropy(), Softmax()
    batch = loss.delta(Y, Z, softmax.forward(Z), softmax)
    alone = np.vstack(
        [
            loss.delta(Y[i : i + 1], Z[i : i + 1], softmax.forward(Z[i : i + 1]), softmax) * 0.25
            for i in range(4)
        ]
    )
    assert np.isfinite(batch).all()
    np.testing.assert_allclose(batch, alone, rtol=1e-5 if dtype == np.float32 else 1e-12)
    expected = _oracle("binary", "softmax", Y, Z, None)
    np.testing.assert_allclose(batch, expected, rtol=1e-3, atol=1e-5)


def test_a_single_output_softmax_takes_the_chain_rule():
    # A softmax over one output is constantly 1 (the estimators refuse it); its
    # output error is the chain rule's zero, not the closed form's 0/0.
    Y = np.array([[1.0], [0.0]])
    Z = np.array([[2.0], [-3.0]])
    softmax = Softmax()
    with np.errstate(all="ignore"):
        delta = BinaryCrossEntropy().delta(Y, Z, softmax.forward(Z), softmax)
    np.testing.assert_array_equal(delta, np.zeros_like(Z))
