"""A user-defined activation living outside skbackprop, as a user's own module would.

The Dask tests send instances of :class:`ScaledTanh` to worker processes. A
worker unpickles them by importing this module by name, so the module must be
importable there: local workers inherit the client's ``sys.path``; on a real
cluster the module is installed on every machine or sent with
``Client.upload_file`` (see docs/scaling.rst).
"""

import numpy as np

from skbackprop.activations import Activation

__all__ = ["ScaledTanh"]


class ScaledTanh(Activation):
    """LeCun's scaled hyperbolic tangent, ``f(z) = amplitude * tanh(slope * z)``.

    Parameters
    ----------
    amplitude : float, default=1.7159
        Value approached for large inputs.
    slope : float, default=2/3
        Steepness at the origin, divided by ``amplitude``.
    """

    def __init__(self, amplitude=1.7159, slope=2 / 3):
        self.amplitude = amplitude
        self.slope = slope

    def forward(self, Z):
        return Z.dtype.type(self.amplitude) * np.tanh(Z.dtype.type(self.slope) * Z)

    def derivative(self, Z, A):
        # f'(z) = amplitude * slope * (1 - tanh²) = slope * (amplitude - A² / amplitude).
        amplitude, slope = Z.dtype.type(self.amplitude), Z.dtype.type(self.slope)
        return slope * (amplitude - A * A / amplitude)
