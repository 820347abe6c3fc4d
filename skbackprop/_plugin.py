"""The common base of every plugin: parameters, ``repr`` and cloning.

A plugin is a plain object whose constructor stores each keyword argument
unchanged under the same name. Offering ``get_params``/``set_params`` in the
scikit-learn style makes :func:`sklearn.base.clone` work on it and lets
``GridSearchCV`` reach nested parameters such as ``activation__negative_slope``
through the estimator's own ``get_params(deep=True)``.
"""

import inspect
import numbers

from ._validation import check_finite_real

__all__ = ["Plugin"]


class Plugin:
    """Base class of activations, losses, optimizers, initializers, schedules.

    Subclasses write an explicit ``__init__`` (no ``*args``/``**kwargs``) that
    stores every argument unchanged as an attribute of the same name, give
    every argument a default, and set the class attribute ``name`` to the
    string the registry knows them by. State created while training lives in
    attributes ending in ``_``. :func:`skbackprop.testing.check_plugin`
    verifies all of this.

    Examples
    --------
    >>> from skbackprop.activations import LeakyReLU
    >>> activation = LeakyReLU(negative_slope=0.2)
    >>> activation
    LeakyReLU(negative_slope=0.2)
    >>> activation.set_params(negative_slope=0.1).get_params()
    {'negative_slope': 0.1}
    """

    #: Registry name of the plugin (``None`` for abstract bases).
    name = None

    #: Ranges of numeric parameters that :meth:`check_params` enforces:
    #: parameter name -> keyword arguments of :func:`sklearn.utils.check_scalar`
    #: (``min_val``, ``max_val``, ``include_boundaries``).
    _parameter_bounds = {}

    @classmethod
    def _get_param_names(cls):
        init = cls.__init__
        if init is object.__init__:
            return []
        signature = inspect.signature(init)
        names = []
        for parameter in signature.parameters.values():
            if parameter.name == "self":
                continue
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                raise TypeError(
                    f"{cls.__name__}.__init__ must list its parameters explicitly "
                    "(no *args or **kwargs), so that it can be cloned and searched."
                )
            names.append(parameter.name)
        return sorted(names)

    def get_params(self, deep=True):
        """Get the parameters of this plugin.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of nested plugins, as ``name__param``.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = {}
        for key in self._get_param_names():
            value = getattr(self, key)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                params.update((f"{key}__{k}", v) for k, v in value.get_params().items())
            params[key] = value
        return params

    def set_params(self, **params):
        """Set the parameters of this plugin.

        Parameters
        ----------
        **params : dict
            Plugin parameters, nested ones as ``name__param``.

        Returns
        -------
        self : Plugin
            This plugin.
        """
        valid = self._get_param_names()
        nested = {}
        for key, value in params.items():
            key, _, sub_key = key.partition("__")
            if key not in valid:
                raise ValueError(
                    f"Invalid parameter {key!r} for plugin {type(self).__name__}. "
                    f"Valid parameters are: {valid}."
                )
            if sub_key:
                nested.setdefault(key, {})[sub_key] = value
            else:
                setattr(self, key, value)
        for key, sub_params in nested.items():
            value = getattr(self, key)
            if not hasattr(value, "set_params") or isinstance(value, type):
                raise ValueError(
                    f"Cannot set {', '.join(f'{key}__{k}' for k in sub_params)} on plugin "
                    f"{type(self).__name__}: its parameter {key!r} is {value!r}, not a plugin "
                    "with parameters of its own."
                )
            value.set_params(**sub_params)
        return self

    def check_params(self):
        """Check the parameters before training; the registry calls this when resolving.

        Every real-valued parameter (nested plugins' included) must be finite:
        NaN passes every comparison and infinity every lower bound, and either
        one trains nothing. Parameters listed in the class attribute
        ``_parameter_bounds`` must also lie in their range. Subclasses with
        further rules override this and call ``super().check_params()``.

        Raises
        ------
        ValueError
            Naming the plugin, the parameter and the accepted values.
        """
        for key, value in self.get_params(deep=False).items():
            if isinstance(value, Plugin):
                value.check_params()
                continue
            bounds = self._parameter_bounds.get(key)
            is_real = isinstance(value, numbers.Real) and not isinstance(value, bool)
            if bounds is None and not is_real:
                continue  # a string, None, an array...: the plugin's own business
            try:
                check_finite_real(value, key, **(bounds or {}))
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"Invalid parameter of {type(self).__name__}: {exc}") from None

    def __repr__(self):
        arguments = ", ".join(
            f"{key}={value!r}" for key, value in self.get_params(deep=False).items()
        )
        return f"{type(self).__name__}({arguments})"
