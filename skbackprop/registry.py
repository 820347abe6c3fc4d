"""Plugin registry: string names to plugin classes, for every plugin kind.

Built-in plugins are registered here in code; :func:`register` adds more at
run time. Third-party packages add their own through package entry points in
the groups ``skbackprop.activations``, ``skbackprop.losses``,
``skbackprop.optimizers``, ``skbackprop.initializers`` and
``skbackprop.schedules``, for example in their ``pyproject.toml``::

    [project.entry-points."skbackprop.activations"]
    mypkg_swish = "mypkg.activations:Swish"

Entry points are loaded lazily and one by one: names registered in code
(every built-in) are found without importing any third-party package, and a
name not found in code loads only the entry points declared under that very
name (reading the installed packages' metadata imports nothing). An unknown
name imports nothing at all: its error message lists the entry-point names
with the modules they would load. :func:`available` loads every entry point
of a kind, to list the names that work. An entry point that fails to load, or
that does not point at a plugin class, is reported with a ``RuntimeWarning``
naming its package, and skipped: a broken plugin package never breaks a fit
that does not use it.
"""

import difflib
import threading
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
        activations.Exp,
    ],
    "loss": [
        losses.LogLoss,
        losses.CrossEntropy,
        losses.BinaryCrossEntropy,
        losses.SquaredError,
        losses.MeanSquaredError,
        losses.Poisson,
        losses.AbsoluteError,
        losses.Huber,
    ],
    "optimizer": [optimizers.SGD, optimizers.Adam, optimizers.AdamW, optimizers.LBFGS],
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
_BUILTIN_CLASSES = frozenset(cls for classes in _BUILTINS.values() for cls in classes)

# name -> class, per kind: the built-ins, then register() calls and entry points.
_registry = {kind: {} for kind in KINDS}
# Kinds whose entry points have all been loaded (each is loaded at most once).
_entry_points_loaded = set()
# (kind, entry-point name) pairs already loaded or tried: each is loaded at most once.
_entry_points_tried = set()
_loading_lock = threading.RLock()


def _check_kind(kind):
    if kind not in KINDS:
        raise ValueError(f"Unknown plugin kind {kind!r}; the kinds are {sorted(KINDS)}.")


def _check_plugin_class(kind, cls):
    base = KINDS[kind][0]
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise TypeError(
            f"A plugin of kind {kind!r} must be a subclass of "
            f"{base.__module__}.{base.__name__}; got {cls!r}."
        )


def register(kind, name=None, cls=None, *, replace=False):
    """Register a plugin class under a name, so estimators accept that name.

    Usable as a call, ``register("activation", "swish", Swish)``, or as a
    class decorator, ``@register("activation")`` (the name then defaults to the
    class attribute ``name``).

    Parameters
    ----------
    kind : {"activation", "loss", "optimizer", "initializer", "schedule"}
        The plugin kind.
    name : str, default=None
        The name users will pass to the estimator; defaults to ``cls.name``.
    cls : type, default=None
        A subclass of the kind's base class. When omitted, a decorator is
        returned.
    replace : bool, default=False
        Allow replacing a different class already registered under ``name``
        (a built-in included). Registering the same class again is always
        allowed.

    Returns
    -------
    cls : type or callable
        The class itself, or a decorator registering its argument when ``cls``
        is omitted.

    Raises
    ------
    ValueError
        If ``kind`` is unknown, the name is missing or empty, or another class
        is registered under ``name`` and ``replace`` is False.
    TypeError
        If ``cls`` is not a subclass of the kind's base class.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.activations import Activation
    >>> from skbackprop.registry import available, register
    >>> @register("activation")
    ... class Cube(Activation):
    ...     name = "doc_cube"
    ...     def forward(self, Z):
    ...         return Z**3
    ...     def derivative(self, Z, A):
    ...         return 3 * Z**2
    >>> "doc_cube" in available("activation")
    True
    """
    _check_kind(kind)
    if cls is None:
        return lambda cls: register(kind, name, cls, replace=replace)
    _check_plugin_class(kind, cls)
    if name is None:
        name = cls.name
    if not isinstance(name, str) or not name:
        raise ValueError(
            f"Cannot register {cls.__name__} as a {kind}: give a non-empty string name, "
            f"either register({kind!r}, 'my_name', {cls.__name__}) or the class attribute "
            f"`name = 'my_name'`; got name={name!r}."
        )
    registered = _registry[kind].get(name)
    if registered is not None and registered is not cls and not replace:
        raise ValueError(
            f"The {kind} name {name!r} is already taken by "
            f"{registered.__module__}.{registered.__qualname__}. Choose another name "
            "(prefixing it with your package name avoids clashes) or pass replace=True."
        )
    _registry[kind][name] = cls
    return cls


for _kind, _classes in _BUILTINS.items():
    for _cls in _classes:
        register(_kind, cls=_cls)
    for _name, _cls in _ALIASES.get(_kind, {}).items():
        register(_kind, _name, _cls)


def _package_of(entry_point):
    """The distribution that declares ``entry_point`` (its module path if unknown)."""
    dist = getattr(entry_point, "dist", None)
    return dist.name if dist is not None else entry_point.value


def _declared_entry_points(kind, name=None):
    """The entry points of ``kind`` (only those called ``name`` if given), none loaded.

    Reading them parses the installed packages' metadata and imports nothing.
    """
    declared = entry_points(group=KINDS[kind][1])
    return [point for point in declared if name is None or point.name == name]


def _load_entry_points(kind, name=None):
    """Register the entry points of ``kind`` (those called ``name``, or all), each once.

    Broken ones are warned about and skipped.
    """
    # Fits in threads (e.g. joblib's threading backend) may look up names at
    # once: the lock makes them wait until the entry point is loaded. It is
    # re-entrant, and each entry point is marked before it is loaded, so a
    # plugin module that looks up names while it is being imported does not
    # load itself again.
    with _loading_lock:
        if kind in _entry_points_loaded:
            return
        if name is None:
            _entry_points_loaded.add(kind)
        for entry_point in _declared_entry_points(kind, name):
            if (kind, entry_point.name, entry_point.value) in _entry_points_tried:
                continue
            _entry_points_tried.add((kind, entry_point.name, entry_point.value))
            _load_entry_point(kind, entry_point)


def _load_entry_point(kind, entry_point):
    """Register one entry point of ``kind``, or warn naming its package and skip it."""
    package = _package_of(entry_point)
    try:
        cls = entry_point.load()
        _check_plugin_class(kind, cls)
    except Exception as exc:  # a broken plugin package must not break every fit
        warnings.warn(
            f"Skipping the {kind} plugin {entry_point.name!r} of package {package!r}: "
            f"loading {entry_point.value!r} failed with {type(exc).__name__}: "
            f"{str(exc).rstrip('.')}. "
            f"Reinstall or fix {package!r}, or uninstall it to silence this warning.",
            RuntimeWarning,
            stacklevel=4,  # the caller of available() or get()
        )
        return
    registered = _registry[kind].get(entry_point.name)
    if registered is not None and registered is not cls:
        warnings.warn(
            f"Ignoring the {kind} plugin {entry_point.name!r} of package {package!r}: "
            f"that name is already taken by {registered.__module__}."
            f"{registered.__qualname__}. Ask the package to choose another name.",
            RuntimeWarning,
            stacklevel=4,  # the caller of available() or get()
        )
        return
    _registry[kind][entry_point.name] = cls


def available(kind):
    """Sorted names of the plugins of ``kind`` that estimators accept.

    Built-ins, classes added with :func:`register`, and the plugins of
    installed packages (entry points), which this loads.

    Parameters
    ----------
    kind : {"activation", "loss", "optimizer", "initializer", "schedule"}
        The plugin kind.

    Returns
    -------
    names : list of str
        The registered names, sorted.

    Examples
    --------
    >>> from skbackprop.registry import available
    >>> "relu" in available("activation")
    True
    """
    _check_kind(kind)
    _load_entry_points(kind)
    return sorted(_registry[kind])


def get(kind, name):
    """The plugin class registered as ``name``.

    Parameters
    ----------
    kind : {"activation", "loss", "optimizer", "initializer", "schedule"}
        The plugin kind.
    name : str
        A registered name.

    Returns
    -------
    cls : type
        The plugin class.

    Raises
    ------
    ValueError
        If no plugin of that kind has that name; the message suggests the
        closest name and lists them all.
    """
    _check_kind(kind)
    if name not in _registry[kind] and isinstance(name, str):
        # Only the package declaring this very name is imported, if any.
        _load_entry_points(kind, name)
    if name not in _registry[kind]:
        raise ValueError(_unknown_name_message(kind, name))
    return _registry[kind][name]


def _origin(cls):
    """Where a plugin class comes from, for listings: built in, or the module that has it."""
    module = cls.__module__
    if module.split(".")[0] == "skbackprop" and cls in _BUILTIN_CLASSES:
        return None
    return module.split(".")[0]


def _unloaded_entry_points(kind):
    """Entry-point name -> module string, for the declared entry points not loaded or tried."""
    unloaded = {}
    for point in _declared_entry_points(kind):
        tried = (kind, point.name, point.value) in _entry_points_tried
        if not tried and point.name not in _registry[kind]:
            unloaded.setdefault(point.name, point.value)
    return unloaded


def _unknown_name_message(kind, name):
    """Say ``name`` is unknown, suggest the closest name (or the name of a class
    spelt as given, e.g. ``"ReLU"``) and list the known names with their origin.

    Entry points that were not loaded are listed with the module they name,
    from the packages' metadata: nothing is imported to write the message.
    """
    registry = _registry[kind]
    unloaded = _unloaded_entry_points(kind)
    by_class_name = {cls.__name__.lower(): key for key, cls in registry.items()}
    for key, value in unloaded.items():  # "mypkg.activations:Swish" -> "swish"
        by_class_name.setdefault(value.rpartition(":")[2].rpartition(".")[2].lower(), key)
    close = difflib.get_close_matches(str(name), sorted({*registry, *unloaded}), n=1)
    suggestion = by_class_name.get(str(name).lower()) or (close[0] if close else None)
    hint = f" Did you mean {suggestion!r}?" if suggestion else ""
    built_in = [key for key, cls in sorted(registry.items()) if _origin(cls) is None]
    others = sorted(
        [f"{key} (from {_origin(cls)})" for key, cls in registry.items() if _origin(cls)]
        + [f"{key} (from {value}, not imported)" for key, value in unloaded.items()]
    )
    listing = f"Built-in {kind} names: {', '.join(built_in)}."
    if others:
        listing += f" From installed or registered plugins: {', '.join(others)}."
    return f"Unknown {kind} name {name!r}.{hint} {listing}"


def _checked(plugin, parameter):
    """``plugin`` once its :meth:`~skbackprop._plugin.Plugin.check_params` passes."""
    try:
        plugin.check_params()
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"Invalid value for {parameter!r}: {exc}") from None
    return plugin


def resolve(kind, spec, parameter, **defaults):
    """Turn an estimator parameter into a fresh plugin instance.

    Parameters
    ----------
    kind : {"activation", "loss", "optimizer", "initializer", "schedule"}
        The plugin kind.
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
        A new object: later changes to it never reach ``spec``.

    Raises
    ------
    ValueError
        If ``spec`` is an unknown name, or the plugin's
        :meth:`~skbackprop._plugin.Plugin.check_params` refuses a parameter
        (NaN, infinite, out of range).
    TypeError
        If ``spec`` is neither a name nor an instance of the kind's base class.
    """
    base = KINDS[kind][0]
    if isinstance(spec, str):
        try:
            cls = get(kind, spec)
        except ValueError as exc:
            raise ValueError(f"Invalid value for {parameter!r}: {exc}") from None
        accepted = set(cls._get_param_names())
        return _checked(cls(**{k: v for k, v in defaults.items() if k in accepted}), parameter)
    if isinstance(spec, base):
        return _checked(clone(spec), parameter)
    public_base = f"skbackprop.{base.__module__.rsplit('.', 1)[-1]}.{base.__name__}"
    if isinstance(spec, type) and issubclass(spec, base):
        raise TypeError(
            f"{parameter!r} must be a plugin instance, not a class: pass "
            f"{spec.__name__}() instead of {spec.__name__}."
        )
    raise TypeError(
        f"{parameter!r} must be a registered {kind} name (one of {available(kind)}) or "
        f"an instance of {public_base}; got {spec!r} of type {type(spec).__name__}."
    )
