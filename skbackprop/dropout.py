"""Inverted dropout: the random masks that thin the network on each training minibatch.

Each unit of a layer's input is kept with probability ``1 - p`` and then
scaled by ``1 / (1 - p)`` (dropped units are 0), so the expected input of
the next layer is unchanged and predictions use the whole network without
rescaling (Srivastava et al., 2014, in its "inverted" form). A mask is a
plain array; :meth:`skbackprop.network.Network.loss_and_gradient` takes one
per weight layer (``masks=``) and uses it in the forward pass and in the
backward recurrence, and never in :meth:`~skbackprop.network.Network.predict`.
"""

import numpy as np

__all__ = ["draw_masks"]


def draw_masks(rates, layer_sizes, n_samples, random_state, dtype=np.float64):
    """Inverted-dropout masks of one minibatch, one per weight layer.

    Parameters
    ----------
    rates : sequence of float
        Dropout probability of the input of each weight layer, in [0, 1):
        ``rates[0]`` for the features, ``rates[l]`` for hidden layer ``l``
        (see :func:`skbackprop._per_layer.resolve_dropout_rates`).
    layer_sizes : sequence of int
        The network's units per layer, input and output included.
    n_samples : int
        Rows of the minibatch.
    random_state : numpy.random.RandomState
        Source of the masks: the estimator's, so that two fits with the same
        seed draw the same masks. Layers of rate 0 draw nothing, so a network
        without dropout consumes exactly the numbers it did before.
    dtype : numpy dtype, default=np.float64
        The network's floating type.

    Returns
    -------
    masks : list of (ndarray of shape (n_samples, layer_sizes[l]) or None), or None
        Entries ``0`` (dropped, with probability ``rate`` rounded to a
        multiple of ``2**-16``) or ``1 / (1 - rate)`` (kept); None where the
        rate is 0, and None instead of the list when every rate is 0, so a
        training loop can always pass the result to
        :meth:`~skbackprop.network.Network.loss_and_gradient`.
    """
    if len(rates) != len(layer_sizes) - 1:
        raise ValueError(
            f"Got {len(rates)} dropout rates for {len(layer_sizes) - 1} weight layers; "
            "give one per weight layer (the features, then each hidden layer)."
        )
    if not any(rates):
        return None
    masks = []
    for rate, n_units in zip(rates, layer_sizes[:-1]):
        if not rate:
            masks.append(None)
            continue
        # 16-bit uniform integers: RandomState packs two into each 32-bit draw,
        # four times fewer draws than random_sample's doubles, which made up most
        # of dropout's cost. A unit is dropped with probability ``rate`` rounded
        # to a multiple of 2**-16 (within 7.7e-6 of it).
        draws = random_state.randint(0, 1 << 16, size=(n_samples, n_units), dtype=np.uint16)
        kept = draws >= np.uint32(round(rate * (1 << 16)))
        masks.append(np.multiply(kept, 1.0 / (1.0 - rate), dtype=dtype))
    return masks
