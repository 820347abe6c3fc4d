"""Conformance checks that plugin authors run on their own plugins.

Each ``check_<kind>(plugin)`` runs every check for one plugin instance and
returns nothing when the plugin conforms; otherwise it raises
``AssertionError`` whose message starts with the plugin's ``repr`` and names
the failed property and the numbers, for example::

    AssertionError: Swish(beta=1.5): backward disagrees with central
    differences: max abs error 3.1e-02 at Z=0.73 (index (2, 1)); got ...

:func:`parametrize_with_checks` turns the same checks into separate pytest
cases, like :func:`sklearn.utils.estimator_checks.parametrize_with_checks`.

What is checked, for every plugin: the constructor stores its arguments
unchanged and has defaults (so the registry can build it from a name),
:func:`sklearn.base.clone` round trip, pickling, a constructor-like ``repr``,
float parameters refusing NaN and infinity by name (through
``check_params``, as an estimator's ``fit`` resolves the plugin), and a fit
of a tiny :class:`~skbackprop.MLPScratchClassifier` that must not modify the
plugin. Then, per kind:

- activations: ``backward`` against float64 central differences of
  ``forward`` (the whole vector-Jacobian product, so softmax-like
  activations are covered), ``derivative`` consistent with ``backward``,
  float32 in gives float32 out, finite for ``|Z| <= 30``, rows transformed
  independently, inputs not modified (``dA`` may be, if the class declares
  ``backward_overwrites_dA = True``), and, when the class implements the
  optional ``to_onnx``, its ONNX graph run by onnxruntime against ``forward``
  in float32 and float64 (skipped when onnxruntime is not installed);
- losses, for binary, multiclass and multilabel targets (after
  ``for_target``, so dispatching losses such as ``LogLoss`` are checked
  through the losses they dispatch to): ``backward`` against central
  differences with and without ``sample_weight``, weights acting as a
  weighted mean, ``delta`` equal to the chain rule for the canonical and a
  non-canonical output activation, ``delta`` of confidently wrong outputs
  (logits up to ±80, float32 and float64) finite and not vanishing, float32
  preserved, inputs not modified;
- optimizers: descend a quadratic in float64 and float32 (minibatch
  ``step``, or ``minimize`` for full-batch optimizers with
  ``stochastic = False``), keep no reference to the parameters, and carry
  their state through pickling;
- initializers: shapes, finite values, reproducible with a seed, no draws
  from numpy's global random state;
- learning-rate schedules: finite non-negative rates, ``start`` restarts,
  state survives pickling.
"""

from unittest import SkipTest

from .. import registry
from ._activations import ACTIVATION_CHECKS
from ._common import COMMON_CHECKS, describe
from ._initializers import INITIALIZER_CHECKS
from ._losses import LOSS_CHECKS
from ._optimizers import OPTIMIZER_CHECKS
from ._schedules import SCHEDULE_CHECKS

__all__ = [
    "check_activation",
    "check_initializer",
    "check_loss",
    "check_optimizer",
    "check_plugin",
    "check_schedule",
    "parametrize_with_checks",
    "plugin_checks",
]

_CHECKS = {
    "activation": ACTIVATION_CHECKS,
    "loss": LOSS_CHECKS,
    "optimizer": OPTIMIZER_CHECKS,
    "initializer": INITIALIZER_CHECKS,
    "schedule": SCHEDULE_CHECKS,
}


def _kind_of(plugin):
    """The registry kind of a plugin instance, or a TypeError saying what to pass."""
    if isinstance(plugin, type):
        raise TypeError(
            f"Pass a plugin instance, not the class: {plugin.__name__}() instead of "
            f"{plugin.__name__}."
        )
    for kind, (base, _) in registry.KINDS.items():
        if isinstance(plugin, base):
            return kind
    bases = ", ".join(f"{base.__module__}.{base.__name__}" for base, _ in registry.KINDS.values())
    raise TypeError(f"{describe(plugin)} is not a plugin: subclass one of {bases}.")


def plugin_checks(plugin):
    """The conformance checks that apply to ``plugin``, as callables.

    Parameters
    ----------
    plugin : plugin instance
        An activation, loss, optimizer, initializer or learning-rate schedule.

    Returns
    -------
    checks : list of callable
        Each takes the plugin as its only argument and raises
        ``AssertionError`` if the plugin fails it. The common checks come
        first, then those of the plugin's kind.

    Raises
    ------
    TypeError
        If ``plugin`` is a class or not an instance of a plugin base class.
    """
    # A kind without checks of its own yet still gets the common ones.
    return COMMON_CHECKS + _CHECKS.get(_kind_of(plugin), [])


def check_plugin(plugin):
    """Run every conformance check that applies to ``plugin``.

    Parameters
    ----------
    plugin : plugin instance
        An activation, loss, optimizer, initializer or learning-rate schedule.

    Raises
    ------
    AssertionError
        At the first failed check, naming the property and the numbers.
    TypeError
        If ``plugin`` is a class or not an instance of a plugin base class.

    Notes
    -----
    A check that needs a missing optional package (the ONNX check needs
    onnxruntime) is skipped here; :func:`parametrize_with_checks` reports it
    as a skipped test with the reason.
    """
    for check in plugin_checks(plugin):
        try:
            check(plugin)
        except SkipTest:
            continue


def _checker(kind):
    def check(plugin):
        if _kind_of(plugin) != kind:
            raise TypeError(
                f"check_{kind} expects a {kind} plugin; {describe(plugin)} is a "
                f"{_kind_of(plugin)}: use check_{_kind_of(plugin)}."
            )
        check_plugin(plugin)

    check.__name__ = check.__qualname__ = f"check_{kind}"
    base = registry.KINDS[kind][0]
    check.__doc__ = f"""Run the conformance checks of a {kind} plugin.

    Parameters
    ----------
    {kind} : {base.__name__}
        The instance to check (not modified).

    Raises
    ------
    AssertionError
        At the first failed check, naming the property and the numbers.
    TypeError
        If the argument is not an instance of {base.__module__}.{base.__name__}.

    See Also
    --------
    parametrize_with_checks : the same checks as separate pytest cases.
    """
    return check


check_activation = _checker("activation")
check_loss = _checker("loss")
check_optimizer = _checker("optimizer")
check_initializer = _checker("initializer")
check_schedule = _checker("schedule")


def _check_id(value):
    if callable(value) and hasattr(value, "__name__") and value.__name__.startswith("check_"):
        return value.__name__
    return describe(value)


def parametrize_with_checks(plugins, *, expected_failed_checks=None):
    """Pytest decorator running every conformance check of every plugin as its own test.

    Parameters
    ----------
    plugins : list of plugin instances
        Activations, losses, optimizers, initializers or schedules, in any mix.
    expected_failed_checks : callable, default=None
        ``expected_failed_checks(plugin) -> dict`` mapping the names of checks
        the plugin is known to fail (e.g. ``"check_loss_sample_weight"``) to
        the reason. Those cases are marked ``xfail(strict=True)``, so they are
        reported, and flagged as soon as they start passing.

    Returns
    -------
    decorator : pytest.mark.parametrize
        Parametrizes the arguments ``plugin`` and ``check``; the test body
        calls ``check(plugin)``. Test ids read ``Swish(beta=1.5)-check_activation_gradient``.

    Raises
    ------
    ValueError
        If ``expected_failed_checks`` names a check that does not apply to the plugin.

    Examples
    --------
    In a plugin package's test suite::

        from skbackprop.testing import parametrize_with_checks
        from mypkg import Swish, FocalLoss

        @parametrize_with_checks([Swish(), Swish(beta=2.0), FocalLoss()])
        def test_plugin_conforms(plugin, check):
            check(plugin)
    """
    import pytest  # a test-time dependency only

    cases = []
    for plugin in plugins:
        checks = plugin_checks(plugin)
        expected = {} if expected_failed_checks is None else expected_failed_checks(plugin)
        unknown = set(expected) - {check.__name__ for check in checks}
        if unknown:
            raise ValueError(
                f"expected_failed_checks names {sorted(unknown)} for {describe(plugin)}, but "
                f"its checks are {[check.__name__ for check in checks]}."
            )
        for check in checks:
            marks = ()
            if check.__name__ in expected:
                marks = pytest.mark.xfail(reason=expected[check.__name__], strict=True)
            cases.append(pytest.param(plugin, check, marks=marks))
    return pytest.mark.parametrize("plugin, check", cases, ids=_check_id)
