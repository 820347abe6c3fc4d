"""Hyperparameters given per hidden layer: one value for every layer, or one per layer.

``activation`` and ``dropout`` each take either a single value, shared by
every hidden layer, or a sequence with one entry per hidden layer, first to
last. The functions here turn them into one resolved entry per layer, with
errors that name the parameter and the number of hidden layers.

Grid searches over per-layer values search over whole sequences::

    param_grid = {"activation": [("relu", "relu"), ("relu", "tanh")]}

A configured instance inside a tuple is not reachable by scikit-learn's
``__`` routing (``activation__negative_slope`` only reaches an
``activation`` that has ``get_params`` itself, not a tuple), so search over
tuples of configured instances instead::

    param_grid = {"activation": [(LeakyReLU(0.1), "tanh"), (LeakyReLU(0.3), "tanh")]}

``clone`` copies each instance of such a tuple, so every candidate fits its
own objects.
"""

import numbers

from . import registry

__all__ = ["resolve_activation", "resolve_dropout_rates"]


def _is_sequence(value):
    return isinstance(value, (list, tuple))


def _one_per_layer(value, n_hidden_layers, parameter, example):
    """``value`` as a list of ``n_hidden_layers`` entries (a single value repeated)."""
    if not _is_sequence(value):
        return [value] * n_hidden_layers
    if len(value) != n_hidden_layers:
        raise ValueError(
            f"{parameter} has {len(value)} entries, but the network has {n_hidden_layers} "
            f"hidden layer(s) (hidden_layer_sizes): give one entry per hidden layer, e.g. "
            f"{parameter}={example(n_hidden_layers)!r}, or a single value for every layer."
        )
    return list(value)


def resolve_activation(activation, n_hidden_layers, parameter="activation"):
    """The ``activation`` parameter as fresh plugins: one shared, or one per hidden layer.

    Parameters
    ----------
    activation : str, Activation or sequence of them
        A registered name or an instance, shared by every hidden layer, or a
        list or tuple of them, one per hidden layer.
    n_hidden_layers : int
        Number of hidden layers of the network.
    parameter : str, default="activation"
        The estimator parameter, for error messages.

    Returns
    -------
    activation : Activation or list of Activation
        A copy of a single value (never the user's object), or a list of
        ``n_hidden_layers`` copies for a sequence: what the estimator keeps as
        ``activation_`` and :class:`~skbackprop.network.Network` takes as its
        hidden activations.

    Raises
    ------
    ValueError
        If a sequence does not have one entry per hidden layer, or a name is
        unknown.
    TypeError
        If an entry is neither a name nor an activation instance.
    """
    if not _is_sequence(activation):
        return registry.resolve("activation", activation, parameter)
    entries = _one_per_layer(activation, n_hidden_layers, parameter, lambda n: ("relu",) * n)
    return [
        registry.resolve("activation", entry, f"{parameter}[{index}]")
        for index, entry in enumerate(entries)
    ]


def _check_rate(rate, parameter):
    if not isinstance(rate, numbers.Real) or isinstance(rate, bool) or not 0.0 <= float(rate) < 1.0:
        raise ValueError(
            f"{parameter} must be a dropout probability in [0, 1) (0 keeps every unit), "
            f"got {rate!r}."
        )
    return float(rate)


def resolve_dropout_rates(dropout, n_hidden_layers, input_dropout=0.0):
    """Dropout probability of each layer's input: the features, then every hidden layer.

    Parameters
    ----------
    dropout : float or sequence of float
        Probability of dropping a unit of a hidden layer during training,
        shared by every hidden layer, or one per hidden layer.
    n_hidden_layers : int
        Number of hidden layers of the network.
    input_dropout : float, default=0.0
        Probability of dropping an input feature.

    Returns
    -------
    rates : list of float
        ``n_hidden_layers + 1`` rates, one per weight layer, as
        :func:`skbackprop.dropout.draw_masks` takes them: ``rates[0]`` for
        the features, ``rates[l]`` for hidden layer ``l``.

    Raises
    ------
    ValueError
        If a rate is not in [0, 1) or a sequence does not have one entry per
        hidden layer.
    """
    if _is_sequence(dropout):
        entries = _one_per_layer(dropout, n_hidden_layers, "dropout", lambda n: (0.5,) * n)
        hidden = [_check_rate(rate, f"dropout[{i}]") for i, rate in enumerate(entries)]
    else:
        hidden = [_check_rate(dropout, "dropout")] * n_hidden_layers
    return [_check_rate(input_dropout, "input_dropout"), *hidden]
