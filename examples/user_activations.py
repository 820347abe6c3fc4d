"""
A user-defined activation in its own module
===========================================

:class:`ScaledTanh` is LeCun's scaled hyperbolic tangent, written the way a
user would write a plugin outside skbackprop. ``dask_grid_search.py`` searches
over it on Dask workers.

Dask worker processes unpickle a ``ScaledTanh`` instance by importing this
module by name (``user_activations``), so the module must be importable there:

- workers of a ``LocalCluster`` are new Python processes that inherit the
  client's ``sys.path``, so a module the script can import, they can import;
- on a real cluster, install the module (best: as part of a package) on every
  machine, or send it with ``client.upload_file("user_activations.py")``.
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
