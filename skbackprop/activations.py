"""Activation functions: the nonlinearity a = f(z) of each layer and its backward rule.

Every activation implements ``forward(Z) -> A`` and the vector-Jacobian
product ``backward(Z, A, dA) -> dZ``: given the gradient of the loss with
respect to the layer's output ``A``, return it with respect to the layer's
pre-activation ``Z``. That is the ``⊙ f'(z)`` factor of backpropagation's
output-error and hidden-error equations.

Elementwise activations only need ``derivative(Z, A)``, the slope ``f'(Z)``
(they may use ``A = f(Z)`` to avoid recomputing it); the base class turns it
into ``backward``. Activations that mix units, like :class:`Softmax`, override
``backward`` itself.

Both ``forward`` and ``backward`` take an optional ``out`` buffer, the speed
contract of this module: given ``out``, the result is written into it (no
temporary the size of the layer) and ``out`` is returned. ``out`` may be the
input itself (``forward(Z, out=Z)``, ``backward(Z, A, dA, out=dA)``): every
built-in supports that aliasing, and the training loop uses it to reuse one
set of buffers for every minibatch. Without ``out`` the inputs are never
modified. A third-party activation may leave ``out`` out of its signatures:
the network then lets it allocate its result.

The optional ``to_onnx(graph, Z)`` writes the activation as ONNX operators,
so that fitted networks using it can be exported (:mod:`skbackprop.onnx`).
"""

from functools import cache

import numpy as np
from scipy.special import erf, expit

from ._plugin import Plugin

__all__ = [
    "Activation",
    "Identity",
    "Sigmoid",
    "Tanh",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "Softplus",
    "GELU",
    "Softmax",
    "Exp",
]


def _into(out, values):
    """``values`` written into the buffer ``out`` and returned, or ``values`` when no buffer."""
    if out is None or out is values:
        return values
    out[...] = values
    return out


class Activation(Plugin):
    """Base class of activation functions.

    Subclasses implement :meth:`forward` and either :meth:`derivative`
    (elementwise activations) or :meth:`backward` (the general case).
    """

    def forward(self, Z, out=None):
        """Apply the activation.

        Parameters
        ----------
        Z : ndarray of shape (n_samples, n_units)
            Pre-activations. Modified only when it is ``out``.
        out : ndarray of shape (n_samples, n_units), default=None
            Buffer of ``Z``'s dtype to write the activations into; may be ``Z``.

        Returns
        -------
        A : ndarray of shape (n_samples, n_units)
            Activations, of the same dtype as ``Z``; ``out`` when given.
        """
        raise NotImplementedError

    def derivative(self, Z, A):
        """Slope ``f'(Z)`` of an elementwise activation.

        Parameters
        ----------
        Z : ndarray of shape (n_samples, n_units)
            Pre-activations.
        A : ndarray of shape (n_samples, n_units)
            ``forward(Z)``, available so the slope need not recompute it.

        Returns
        -------
        slope : ndarray of shape (n_samples, n_units)
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement derivative(Z, A) or backward(Z, A, dA)."
        )

    def backward(self, Z, A, dA, out=None):
        """Vector-Jacobian product: the gradient with respect to ``Z``.

        Parameters
        ----------
        Z : ndarray of shape (n_samples, n_units)
            Pre-activations. Never modified.
        A : ndarray of shape (n_samples, n_units)
            ``forward(Z)``. Never modified.
        dA : ndarray of shape (n_samples, n_units)
            Gradient of the loss with respect to ``A``. Modified only when it
            is ``out``.
        out : ndarray of shape (n_samples, n_units), default=None
            Buffer to write ``dZ`` into; may be ``dA`` (the network passes
            ``out=dA``, so the hidden error overwrites its own input).

        Returns
        -------
        dZ : ndarray of shape (n_samples, n_units)
            ``dA * f'(Z)`` for an elementwise activation; ``out`` when given.
        """
        return np.multiply(dA, self.derivative(Z, A), out=out)

    def to_onnx(self, graph, Z):
        """The activation as ONNX operators, to export a fitted network (optional).

        Only :mod:`skbackprop.onnx` calls it. Implement it to make networks that
        use this activation exportable; :func:`skbackprop.testing.check_activation`
        then runs the graph against :meth:`forward`, in float32 and float64.

        Parameters
        ----------
        graph : skbackprop.onnx.OnnxGraph
            Adds operators, ``graph.op("Tanh", Z)``, and constants;
            ``graph.dtype`` is the network's floating type.
        Z : skbackprop.onnx.OnnxTensor
            Pre-activations of shape (n_samples, n_units). ``+ - * /`` with
            tensors or numbers add the matching ONNX operators.

        Returns
        -------
        A : skbackprop.onnx.OnnxTensor
            The activations, of the same shape and dtype as ``Z``.

        Raises
        ------
        NotImplementedError
            When the class does not implement it: the network cannot be exported.
        """
        cls = type(self)
        raise NotImplementedError(
            f"{self!r} cannot be exported to ONNX: the activation {cls.__module__}."
            f"{cls.__qualname__} does not implement to_onnx(graph, Z). Add that method, "
            'e.g. `def to_onnx(self, graph, Z): return graph.op("Tanh", Z)`, as described '
            "in 'Exporting to ONNX' in the plugin guide (docs/plugins.rst)."
        )


class Identity(Activation):
    """The identity, ``f(z) = z``: a linear layer."""

    name = "identity"

    def forward(self, Z, out=None):
        return Z.copy() if out is None else _into(out, Z)

    def derivative(self, Z, A):
        return np.ones_like(Z)

    def backward(self, Z, A, dA, out=None):
        return dA.copy() if out is None else _into(out, dA)

    def to_onnx(self, graph, Z):
        return graph.op("Identity", Z)


class Sigmoid(Activation):
    """The logistic sigmoid, ``f(z) = 1 / (1 + exp(-z))``.

    Registered as ``"logistic"`` (scikit-learn's name) and ``"sigmoid"``.
    """

    name = "logistic"

    def forward(self, Z, out=None):
        # expit is stable for large |z|: no overflow warning from exp(-z).
        return expit(Z, out=out)

    def derivative(self, Z, A):
        return A * (1.0 - A)

    def to_onnx(self, graph, Z):
        return graph.op("Sigmoid", Z)


class Tanh(Activation):
    """The hyperbolic tangent, ``f(z) = tanh(z)``."""

    name = "tanh"

    def forward(self, Z, out=None):
        return np.tanh(Z, out=out)

    def derivative(self, Z, A):
        return 1.0 - A * A

    def to_onnx(self, graph, Z):
        return graph.op("Tanh", Z)


class ReLU(Activation):
    """The rectified linear unit, ``f(z) = max(0, z)``."""

    name = "relu"

    def forward(self, Z, out=None):
        return np.maximum(Z, 0, out=out)

    def derivative(self, Z, A):
        return (Z > 0).astype(Z.dtype)

    def backward(self, Z, A, dA, out=None):
        # Multiplying by a boolean mask is ~10x faster than masked assignment.
        return np.multiply(dA, Z > 0, out=out)

    def to_onnx(self, graph, Z):
        return graph.op("Relu", Z)


class LeakyReLU(Activation):
    """Leaky ReLU, ``f(z) = z`` for ``z > 0`` and ``negative_slope * z`` otherwise.

    Parameters
    ----------
    negative_slope : float, default=0.01
        Slope of the function for negative inputs.
    """

    name = "leaky_relu"

    def __init__(self, negative_slope=0.01):
        self.negative_slope = negative_slope

    def forward(self, Z, out=None):
        return _into(out, np.where(Z > 0, Z, Z * Z.dtype.type(self.negative_slope)))

    def derivative(self, Z, A):
        return np.where(Z > 0, Z.dtype.type(1), Z.dtype.type(self.negative_slope))

    def to_onnx(self, graph, Z):
        # Not ONNX's LeakyRelu: its slope is a float32 attribute, 1e-10 off in float64.
        return graph.op("Where", graph.op("Greater", Z, 0.0), Z, Z * self.negative_slope)


class ELU(Activation):
    """Exponential linear unit, ``f(z) = z`` for ``z > 0``, else ``alpha (e^z - 1)``.

    Parameters
    ----------
    alpha : float, default=1.0
        Value the function approaches for large negative inputs is ``-alpha``.
    """

    name = "elu"

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def forward(self, Z, out=None):
        alpha = Z.dtype.type(self.alpha)
        # expm1 of min(z, 0) never overflows, whatever the positive values are.
        return _into(out, np.where(Z > 0, Z, alpha * np.expm1(np.minimum(Z, 0))))

    def derivative(self, Z, A):
        # For z <= 0, f'(z) = alpha e^z = f(z) + alpha.
        return np.where(Z > 0, Z.dtype.type(1), A + Z.dtype.type(self.alpha))

    def to_onnx(self, graph, Z):
        # Not ONNX's Elu: onnxruntime has no float64 kernel, and alpha would be a
        # float32 attribute. ONNX has no expm1; exp(z) - 1 is as close in absolute terms.
        negative_part = self.alpha * (graph.op("Exp", graph.op("Min", Z, 0.0)) - 1.0)
        return graph.op("Where", graph.op("Greater", Z, 0.0), Z, negative_part)


class Softplus(Activation):
    """Softplus, ``f(z) = log(1 + e^z)``, a smooth ReLU whose slope is the sigmoid."""

    name = "softplus"

    def forward(self, Z, out=None):
        return np.logaddexp(Z, Z.dtype.type(0), out=out)

    def derivative(self, Z, A):
        return expit(Z)

    def to_onnx(self, graph, Z):
        # logaddexp(z, 0) = max(z, 0) + log(1 + e^-|z|), as numpy computes it;
        # onnxruntime's Softplus has no float64 kernel.
        return graph.op("Max", Z, 0.0) + graph.op("Log", 1.0 + graph.op("Exp", -graph.op("Abs", Z)))


class GELU(Activation):
    """Gaussian error linear unit, ``f(z) = z Φ(z)`` with Φ the normal CDF.

    Its slope ``Φ(z) + z φ(z)`` needs ``Z``, not just ``A``: the reason the
    interface passes both.
    """

    name = "gelu"

    def forward(self, Z, out=None):
        return np.multiply(Z, self._cdf(Z), out=out)

    def derivative(self, Z, A):
        density = np.exp(-0.5 * Z * Z) / np.sqrt(2.0 * np.pi)
        return (self._cdf(Z) + Z * density).astype(Z.dtype, copy=False)

    def to_onnx(self, graph, Z):
        # graph.erf: onnxruntime's Erf has no float64 kernel.
        return Z * (0.5 * (1.0 + graph.erf(Z / np.sqrt(2.0))))

    @staticmethod
    def _cdf(Z):
        return (0.5 * (1.0 + erf(Z / np.sqrt(2.0)))).astype(Z.dtype, copy=False)


class Exp(Activation):
    """The exponential, ``f(z) = exp(z)``: the inverse of the log link.

    The output of ``MLPScratchRegressor(loss="poisson")``, as in scikit-learn,
    where it keeps predictions positive.
    """

    name = "exp"

    def forward(self, Z, out=None):
        # Capped at the largest finite number instead of overflowing to inf.
        A = np.minimum(Z, _log_max(Z.dtype), out=out)
        return np.exp(A, out=A)

    def derivative(self, Z, A):
        return A.copy()

    def backward(self, Z, A, dA, out=None):
        return np.multiply(dA, A, out=out)

    def to_onnx(self, graph, Z):
        return graph.op("Exp", graph.op("Min", Z, _log_max(graph.dtype)))


class Softmax(Activation):
    """Softmax over the units of each sample, ``a_k = e^{z_k} / Σ_j e^{z_j}``.

    Not elementwise: each output depends on every input of its row, so it
    implements the full vector-Jacobian product ``dZ = A ⊙ (dA - Σ_k dA_k A_k)``.
    """

    name = "softmax"

    def forward(self, Z, out=None):
        # Subtracting a constant from a row leaves its softmax unchanged and
        # keeps exp from overflowing. One shift for the whole batch, its
        # largest entry, is a fast reduction; each row's own maximum is a slow
        # one (numpy's reductions over a few columns cost several µs). It is
        # exact unless a row lies so far below the largest entry that its
        # exponentials leave the normal range: then every row is shifted by
        # its own maximum. That needs Z intact, so in place (out is Z) the
        # per-row shift is used from the start.
        if Z.size and (out is None or not np.may_share_memory(out, Z)):
            A = np.subtract(Z, Z.max(), out=out)
            np.exp(A, out=A)
            row_sums = _row_sums(A)
            if row_sums.min() >= _safe_row_sum(A.dtype):  # False for NaN
                A /= row_sums[:, np.newaxis]
                return A
            out = A
        A = np.subtract(Z, Z.max(axis=1, keepdims=True), out=out)
        np.exp(A, out=A)
        A /= _row_sums(A)[:, np.newaxis]
        return A

    def backward(self, Z, A, dA, out=None):
        row_dot = _row_sums(dA * A)[:, np.newaxis]  # Σ_k dA_k A_k, before out=dA is written
        dZ = np.subtract(dA, row_dot, out=out)
        dZ *= A
        return dZ

    def to_onnx(self, graph, Z):
        return graph.op("Softmax", Z, axis=1)


def _row_sums(A):
    """Row sums as a product with ones: 3-4x faster than sum(axis=1) on a few columns."""
    return A @ np.ones(A.shape[1], A.dtype)


@cache
def _log_max(dtype):
    """Largest ``z`` whose exponential is finite in ``dtype``."""
    z = np.log(np.finfo(dtype).max).astype(dtype)
    with np.errstate(over="ignore"):
        while not np.isfinite(np.exp(z)):  # the logarithm rounded up
            z = np.nextafter(z, dtype.type(0))
    return z


@cache
def _safe_row_sum(dtype):
    """Least row sum of exponentials that keeps every probability ≥ √tiny a normal number."""
    return np.sqrt(np.finfo(dtype).tiny)
