"""Conformance checks of activations: ``forward`` and its vector-Jacobian product ``backward``."""

from unittest import SkipTest

import numpy as np

from ..activations import Activation
from ._common import (
    SEED,
    assert_close,
    assert_dtype,
    assert_finite,
    assert_shape,
    central_differences,
    check_fits_in_classifier,
    fail,
    pickle_round_trip,
)

__all__ = []


def _points(dtype=np.float64, shape=(5, 4), scale=3.0):
    """Pre-activations ``Z`` in [-scale, scale] and an incoming gradient ``dA``."""
    rng = np.random.RandomState(SEED)
    Z = rng.uniform(-scale, scale, size=shape)
    dA = rng.normal(size=shape)
    return Z.astype(dtype), dA.astype(dtype)


def _overwrites_dA(activation):
    # A plugin may declare that backward works in place on dA (the network
    # always hands it a fresh temporary); then dA is not checked for changes.
    return bool(getattr(activation, "backward_overwrites_dA", False))


def check_activation_gradient(activation):
    """``backward`` agrees with central differences of ``forward``, in float64.

    The vector-Jacobian product is checked entry by entry as
    ``∂/∂Z_ij Σ dA ⊙ forward(Z)``, so activations that mix units, like
    softmax, are checked as thoroughly as elementwise ones.
    """
    Z, dA = _points()
    A = activation.forward(Z.copy())
    dZ = activation.backward(Z.copy(), A.copy(), dA.copy())
    assert_shape(activation, dZ, Z.shape, "backward(Z, A, dA)")
    numerical = central_differences(lambda Z_: float(np.sum(dA * activation.forward(Z_))), Z)
    assert_close(
        activation,
        dZ,
        numerical,
        "backward disagrees with central differences",
        rtol=1e-5,
        atol=1e-6,
        at=("Z", Z),
    )


def check_activation_derivative_matches_backward(activation):
    """When ``derivative`` is implemented, ``backward`` equals ``dA * derivative(Z, A)``."""
    Z, dA = _points()
    A = activation.forward(Z.copy())
    try:
        slope = activation.derivative(Z.copy(), A.copy())
    except NotImplementedError:
        return  # not elementwise (e.g. softmax): backward alone is the interface
    assert_shape(activation, slope, Z.shape, "derivative(Z, A)")
    assert_close(
        activation,
        activation.backward(Z.copy(), A.copy(), dA.copy()),
        dA * slope,
        "backward(Z, A, dA) disagrees with dA * derivative(Z, A)",
        rtol=1e-7,
        atol=1e-10,
        at=("Z", Z),
    )


def _forward_backward(activation, dtype):
    """``(A, dZ)`` at the check points, computed in ``dtype``, on copies of the inputs."""
    Z, dA = _points(dtype)
    A = activation.forward(Z.copy())
    return A, activation.backward(Z.copy(), A.copy(), dA.copy())


def check_activation_dtypes(activation):
    """float32 in gives float32 out (float64 likewise), same shape, close to float64."""
    Z, _ = _points()
    results = {dtype: _forward_backward(activation, dtype) for dtype in (np.float64, np.float32)}
    for dtype, (A, dZ) in results.items():
        assert_dtype(activation, A, dtype, "forward(Z)")
        assert_shape(activation, A, Z.shape, "forward(Z)")
        assert_dtype(activation, dZ, dtype, "backward(Z, A, dA)")
        assert_shape(activation, dZ, Z.shape, "backward(Z, A, dA)")
    (A64, dZ64), (A32, dZ32) = results[np.float64], results[np.float32]
    assert_close(
        activation,
        A32,
        A64,
        "float32 forward disagrees with float64",
        rtol=1e-4,
        atol=1e-5,
        at=("Z", Z),
    )
    assert_close(
        activation,
        dZ32,
        dZ64,
        "float32 backward disagrees with float64",
        rtol=1e-3,
        atol=1e-4,
        at=("Z", Z),
    )


def check_activation_large_inputs_finite(activation):
    """``forward`` and ``backward`` stay finite for pre-activations up to ±30."""
    Z = np.linspace(-30, 30, 61).reshape(-1, 1).repeat(3, axis=1)
    for dtype in (np.float64, np.float32):
        Z_ = Z.astype(dtype)
        with np.errstate(over="ignore", under="ignore"):
            A = activation.forward(Z_)
            dZ = activation.backward(Z_, A, np.ones_like(Z_))
        assert_finite(activation, A, f"forward(Z) for {np.dtype(dtype)} Z in [-30, 30]")
        assert_finite(activation, dZ, f"backward(Z, A, dA) for {np.dtype(dtype)} Z in [-30, 30]")


def check_activation_rows_independent(activation):
    """Each sample (row) is transformed on its own: a sub-batch gives the same rows."""
    Z, dA = _points(shape=(6, 4))
    A = activation.forward(Z.copy())
    dZ = activation.backward(Z.copy(), A.copy(), dA.copy())
    A_part = activation.forward(Z[:2].copy())
    dZ_part = activation.backward(Z[:2].copy(), A_part, dA[:2].copy())
    assert_close(
        activation,
        A_part,
        A[:2],
        "forward of the first 2 rows alone differs "
        "from the same rows of a 6-row batch (are you reducing over axis 0?)",
        rtol=1e-9,
        atol=1e-12,
    )
    assert_close(
        activation,
        dZ_part,
        dZ[:2],
        "backward of the first 2 rows alone differs from the same rows of a 6-row batch",
        rtol=1e-9,
        atol=1e-12,
    )


def check_activation_inputs_unchanged(activation):
    """``forward`` and ``backward`` modify neither their inputs nor return views of them."""
    Z, dA = _points()
    Z_before, dA_before = Z.copy(), dA.copy()
    A = activation.forward(Z)
    if not np.array_equal(Z, Z_before):
        fail(activation, "forward modified its input Z; the network needs Z for backward.")
    if np.shares_memory(A, Z):
        fail(
            activation,
            "forward returned a view of its input Z; return a new array (e.g. Z.copy()).",
        )
    A_before = A.copy()
    dZ = activation.backward(Z, A, dA)
    if not np.array_equal(Z, Z_before):
        fail(activation, "backward modified its input Z.")
    if not np.array_equal(A, A_before):
        fail(activation, "backward modified its input A.")
    if not _overwrites_dA(activation):
        if not np.array_equal(dA, dA_before):
            fail(
                activation,
                "backward modified its input dA; if that is intended, declare "
                "the class attribute backward_overwrites_dA = True.",
            )
        if np.shares_memory(dZ, dA):
            fail(
                activation,
                "backward returned a view of dA; return a new array or declare "
                "backward_overwrites_dA = True.",
            )


def check_activation_pickle(activation):
    """A pickled and unpickled activation computes the same ``forward`` and ``backward``."""
    restored = pickle_round_trip(activation)
    Z, _ = _points()
    expected = _forward_backward(activation, np.float64)
    for got, want, what in zip(
        _forward_backward(restored, np.float64), expected, ("forward", "backward")
    ):
        assert_close(
            activation,
            got,
            want,
            f"the unpickled activation's {what} differs",
            rtol=0,
            atol=0,
            at=("Z", Z),
        )


def check_activation_in_classifier(activation):
    """``MLPScratchClassifier(activation=...)`` fits and predicts, leaving the plugin as it was."""
    check_fits_in_classifier(activation, "activation")


def _implements_to_onnx(activation):
    return getattr(type(activation), "to_onnx", None) not in (None, Activation.to_onnx)


def check_activation_onnx(activation):
    """When the class implements ``to_onnx``, onnxruntime runs its graph as ``forward`` computes.

    In float32 and float64, for pre-activations in [-12, 12]. An activation
    without ``to_onnx`` passes (the method is optional: only exporting needs
    it). Raises :class:`unittest.SkipTest` when onnx or onnxruntime is not
    installed.
    """
    if not _implements_to_onnx(activation):
        return
    try:
        import onnx  # noqa: F401  (activation_to_onnx builds the model with it)
        import onnxruntime
    except ImportError:
        raise SkipTest(
            "onnx or onnxruntime is not installed: to_onnx is not checked "
            "(pip install 'skbackprop[onnx]')"
        ) from None
    from ..onnx import activation_to_onnx

    # float32 results may differ by a few units in the last place (operators
    # are evaluated in another order); float64 ones to about 1e-15.
    for dtype, tolerance in ((np.float32, 1e-6), (np.float64, 1e-12)):
        Z, _ = _points(dtype, shape=(50, 4), scale=12.0)
        try:
            model = activation_to_onnx(activation, dtype)
            session = onnxruntime.InferenceSession(
                model.SerializeToString(), providers=["CPUExecutionProvider"]
            )
            A = session.run(None, {"Z": Z})[0]
        except Exception as exc:  # invalid graph, missing kernel: say which and where
            fail(
                activation,
                f"onnxruntime cannot run the graph of to_onnx in {np.dtype(dtype).name}: "
                f"{type(exc).__name__}: {exc}. Use operators with a kernel for this dtype "
                "(graph.erf for erf), and constants through graph.constant or plain numbers.",
            )
        assert_dtype(activation, A, dtype, "the graph of to_onnx")
        assert_close(
            activation,
            A,
            activation.forward(Z.copy()),
            f"the graph of to_onnx disagrees with forward in {np.dtype(dtype).name}",
            rtol=tolerance,
            atol=tolerance,
            at=("Z", Z),
        )


# Inputs first: a plugin that overwrites them would fail the others confusingly.
ACTIVATION_CHECKS = [
    check_activation_inputs_unchanged,
    check_activation_gradient,
    check_activation_derivative_matches_backward,
    check_activation_dtypes,
    check_activation_large_inputs_finite,
    check_activation_rows_independent,
    check_activation_pickle,
    check_activation_in_classifier,
    check_activation_onnx,
]
