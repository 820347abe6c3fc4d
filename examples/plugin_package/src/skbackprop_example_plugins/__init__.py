"""Example skbackprop plugins: the Swish activation and the binary focal loss.

Both are registered through entry points in this package's ``pyproject.toml``
under the names ``"example_swish"`` and ``"example_focal"``; the ``example_``
prefix keeps them from clashing with present or future built-in names.
"""

import numpy as np
from scipy.special import expit

from skbackprop.activations import Activation, Sigmoid
from skbackprop.losses import Loss

__all__ = ["Swish", "BinaryFocalLoss"]


class Swish(Activation):
    """Swish (Ramachandran et al., 2017), ``f(z) = z σ(βz)``.

    Its slope ``σ(βz) + β f(z) (1 - σ(βz))`` is cheap given ``A = f(z)``.

    Parameters
    ----------
    beta : float, default=1.0
        Sharpness; ``beta=1`` is the SiLU, large values approach the ReLU.
    """

    name = "example_swish"

    def __init__(self, beta=1.0):
        self.beta = beta

    def forward(self, Z):
        beta = Z.dtype.type(self.beta)  # a Python float would upcast float32
        return Z * expit(beta * Z)

    def derivative(self, Z, A):
        beta = Z.dtype.type(self.beta)
        s = expit(beta * Z)
        return s + beta * A * (1 - s)

    def to_onnx(self, graph, Z):
        # Optional: makes networks using Swish exportable to ONNX (skbackprop.onnx).
        return Z * graph.op("Sigmoid", Z * self.beta)


class BinaryFocalLoss(Loss):
    """Binary focal loss (Lin et al., 2017), summed over outputs, averaged over samples.

    ``C = -Σ_k [y_k (1 - a_k)^γ log a_k + (1 - y_k) a_k^γ log(1 - a_k)]``: the
    binary cross-entropy with each term scaled down where the prediction is
    already confident, so training concentrates on the hard samples.
    ``gamma=0`` is exactly the binary cross-entropy.

    Its output error through the sigmoid output has a closed form in the
    logits, :meth:`delta`, which stays exact for confidently wrong outputs;
    any other output activation takes the base class's chain rule.

    Parameters
    ----------
    gamma : float, default=2.0
        Focusing parameter, ``gamma >= 0``.
    """

    name = "example_focal"

    def __init__(self, gamma=2.0):
        self.gamma = gamma

    def default_output_activation(self, target_type):
        # One independent probability per output, for every target type.
        return "logistic"

    @staticmethod
    def _weights(sample_weight, A):
        """Column of per-sample factors ``w_i / Σ w`` of the weighted mean."""
        if sample_weight is None:
            return np.full((len(A), 1), 1 / len(A), dtype=A.dtype)
        sample_weight = np.asarray(sample_weight, dtype=A.dtype).reshape(-1, 1)
        return sample_weight / sample_weight.sum()

    def forward(self, Y, A, sample_weight=None):
        gamma = self.gamma
        eps = np.finfo(A.dtype).eps
        A = np.clip(A, eps, 1 - eps)
        per_output = Y * (1 - A) ** gamma * np.log(A) + (1 - Y) * A**gamma * np.log1p(-A)
        per_sample = -per_output.sum(axis=1, keepdims=True)
        return float(np.sum(per_sample * self._weights(sample_weight, A)))

    def backward(self, Y, A, sample_weight=None):
        gamma = A.dtype.type(self.gamma)
        eps = np.finfo(A.dtype).eps
        A = np.clip(A, eps, 1 - eps)
        log_a, log_1ma = np.log(A), np.log1p(-A)
        # d/da of y (1-a)^γ log a  and of  (1-y) a^γ log(1-a)
        positive = Y * ((1 - A) ** gamma / A - gamma * (1 - A) ** (gamma - 1) * log_a)
        negative = (1 - Y) * (gamma * A ** (gamma - 1) * log_1ma - A**gamma / (1 - A))
        return -(positive + negative) * self._weights(sample_weight, A)

    def delta(self, Y, Z, A, activation, sample_weight=None):
        if type(activation) is not Sigmoid:
            return super().delta(Y, Z, A, activation, sample_weight)
        gamma = Z.dtype.type(self.gamma)
        zero = Z.dtype.type(0)
        # p = σ(z), q = 1 - p = σ(-z) and their logs, from z: no 1 - a, no clipping.
        p, q = expit(Z), expit(-Z)
        log_p, log_q = -np.logaddexp(zero, -Z), -np.logaddexp(zero, Z)
        # d/dz of -(1-p)^γ log p  and of  -p^γ log(1-p), with dp/dz = p q
        positive = q**gamma * (gamma * p * log_p - q)
        negative = p**gamma * (p - gamma * q * log_q)
        return (Y * positive + (1 - Y) * negative) * self._weights(sample_weight, A)
