"""Plugin registry: string names to plugin classes, for every plugin kind.

Built-in plugins are registered here in code. Third-party packages add their
own through package entry points in the groups ``skbackprop.activations``,
``skbackprop.losses``, ``skbackprop.optimizers``, ``skbackprop.initializers``
and ``skbackprop.schedules``; those are discovered lazily, the first time a
name of that kind is looked up, and one that fails to load is reported with a
warning instead of breaking every fit.
"""

import difflib
import warnings
from importlib.metadata import entry_points
from sklearn.base import clone

from . import activations, initializers, losses, optimizers, schedules

__all__ = ["KINDS", "available", "get", "register", "resolve"]

#: Plugin kinds: name -> (base class, entry-point group).
KINDS = {
    "activation": (activations.Activation, "skbackprop.activations"),
    "loss": (losses.Loss, "skbackprop.losses"),
    "optimizer": (optimizers.Optimizer, "skbackprop.optimizers"),
    "initializer": (initializers.Initializer, "skbackprop.initializers"),
    "schedule": (schedules.LearningRateSchedule, "skbackprop.schedules"),
}

_BUILTINS = {
    "activation": [
        activations.Identity,
        activations.Sigmoid,
        activations.Tanh,
        activations.ReLU,
        activations.LeakyReLU,
        activations.ELU,
        activations.Softplus,
        activations.GELU,
        activations.Softmax,
    ],
    "loss": [losses.LogLoss, losses.CrossEntropy, losses.BinaryCrossEntropy, losses.SquaredError],
    "optimizer": [optimizers.SGD, optimizers.Adam, optimizers.LBFGS],
    "initializer": [initializers.GlorotUniform, initializers.HeNormal, initializers.Normal],
    "schedule": [
        schedules.Constant,
        schedules.InvScaling,
        schedules.Adaptive,
        schedules.StepDecay,
        schedules.CosineAnnealing,
    ],
}

_ALIASES = {"activation": {"sigmoid": activations.Sigmoid}}

_registry = {kind: {} for kind in KINDS}
_entry_points_loaded = set()

for _kind, _classes in _BUILTINS.items():
    for _cls in _classes:
        _registry[_kind][_cls.name] = _cls
    _registry[_kind].update(_ALIASES.get(_kind, {}))


def _check_kind(kind):
    if kind not in KINDS:
        raise ValueError(f"Unknown plugin kind {kind!r}; the kinds are {sorted(KINDS)}.")


def register(kind, name, cls):
    """Register plugin class ``cls`` under ``name`` for plugin ``kind``.

    Parameters
    ----------
    kind : {"activation", "loss", "optimizer", "initializer", "schedule"}
    name : str
        The name users will pass to the estimator.
    cls : type
        A subclass of the kind's base class.

    Returns
    -------
    cls : type
        The class, so this can be used as a decorator helper.
    """
    _check_kind(kind)
    base = KINDS[kind][0]
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise TypeError(f"A {kind} plugin must be a subclass of {base.__name__}; got {cls!r}.")
    _registry[kind][name] = cls
    return cls


def _load_entry_points(kind):
    if kind in _entry_points_loaded:
        return
    _entry_points_loaded.add(kind)
    for entry_point in entry_points(group=KINDS[kind][1]):
        try:
            cls = entry_point.load()
            register(kind, entry_point.name, cls)
        except Exception as exc:  # a broken plugin must not break every fit
            package = entry_point.dist.name if entry_point.dist else entry_point.value
            warnings.warn(
                f"Could not load the {kind} plugin {entry_point.name!r} from package "
                f"{package!r}: {type(exc).__name__}: {exc}",
                RuntimeWarning,
                stacklevel=3,
            )


def available(kind):
    """Sorted names of the registered plugins of ``kind``.

    Parameters
    ----------
    kind : {"activation", "loss", "optimizer", "initializer", "schedule"}

    Returns
    -------
    names : list of str
    """
    _check_kind(kind)
    _load_entry_points(kind)
    return sorted(_registry[kind])


def get(kind, name):
    """The plugin class registered as ``name``.

    Parameters
    ----------
    kind : {"activation", "loss", "optimizer", "initializer", "schedule"}
    name : str

    Returns
    -------
    cls : type

    Raises
    ------
    ValueError
        If no plugin of that kind has that name; the message suggests the
        closest names and lists them all.
    """
    names = available(kind)
    if name not in _registry[kind]:
        close = difflib.get_close_matches(str(name), names, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"Unknown {kind} {name!r}.{hint} Known {kind}s: {', '.join(names)}.")
    return _registry[kind][name]


def resolve(kind, spec, parameter, **defaults):
    """Turn an estimator parameter into a fresh plugin instance.

    Parameters
    ----------
    kind : {"activation", "loss", "optimizer", "initializer", "schedule"}
    spec : str or plugin instance
        A registered name, or an instance of the kind's base class (copied
        with :func:`sklearn.base.clone`, never mutated).
    parameter : str
        The estimator parameter ``spec`` came from, for error messages.
    **defaults
        Constructor arguments for a plugin named by string, used when its
        constructor accepts them (e.g. ``momentum`` for ``"sgd"``).

    Returns
    -------
    plugin : instance of the kind's base class
    """
    base = KINDS[kind][0]
    if isinstance(spec, str):
        try:
            cls = get(kind, spec)
        except ValueError as exc:
            raise ValueError(f"Invalid value for {parameter!r}: {exc}") from None
        accepted = set(cls._get_param_names())
        return cls(**{k: v for k, v in defaults.items() if k in accepted})
    if isinstance(spec, base):
        return clone(spec)
    raise TypeError(
        f"{parameter!r} must be a registered {kind} name (one of {available(kind)}) or "
        f"an instance of skbackprop.{base.__module__.rsplit('.', 1)[-1]}.{base.__name__}; "
        f"got {spec!r} of type {type(spec).__name__}."
    )
