"""skl2onnx parsers that export ``transform`` (hidden features) where scikit-learn calls it.

skl2onnx parses every classifier as producing labels and probabilities, and
every regressor as producing predictions, whatever its place in the model. A
:class:`~sklearn.pipeline.Pipeline` calls ``transform`` on all its steps but
the last, and :class:`~sklearn.pipeline.FeatureUnion` and
:class:`~sklearn.compose.ColumnTransformer` call it on all their members, so
an MLP in those places must export its hidden features instead. Two pieces do
that:

- the option ``transform`` of both estimators (``True``: the graph computes
  ``transform``, one output of shape ``(n_samples, n_units)``), read by the
  parser :func:`parse_mlp` and by the converters;
- wrappers of skl2onnx's parsers of those three containers, which set
  ``transform=True`` on every skbackprop MLP that the container uses as a
  transformer (and refuse ``transform=False`` there).

Imported by :mod:`skbackprop._onnx_convert` only: it needs skl2onnx.
"""

from skl2onnx import get_model_alias, update_registered_parser
from skl2onnx.common.data_types import guess_tensor_type
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import FeatureUnion, Pipeline

from ._classifier import MLPScratchClassifier
from ._regressor import MLPScratchRegressor

__all__ = ["TRANSFORM_OPTION", "parse_mlp", "transforms", "wrap_container_parsers"]

# The option's name and values, declared with each converter's options.
TRANSFORM_OPTION = {"transform": [False, True]}

_MLPS = (MLPScratchClassifier, MLPScratchRegressor)


def _default_parser(kind):
    """skl2onnx's own parser of ``kind``: the one use of its private ``_parse`` module.

    skl2onnx has no public way to read the parser registered for a class, nor
    to call its default classifier parser (labels, probabilities and the
    ``zipmap`` outputs); both live in ``skl2onnx._parse`` (checked with
    skl2onnx 1.20).

    Parameters
    ----------
    kind : type or "classifier"
        A container class (``Pipeline``, ...), whose currently registered
        parser is returned, or ``"classifier"`` for the default classifier one.

    Returns
    -------
    parser : callable
        ``parser(scope, model, inputs, custom_parsers=None)``.
    """
    from skl2onnx import _parse

    if kind == "classifier":
        return _parse._parse_sklearn_classifier
    return _parse.sklearn_parsers_map[kind]


def _transform_option(scope, model):
    """The option ``transform`` of ``model`` (given by id or class), None if unset."""
    return scope.get_options(model, dict(transform=None))["transform"]


def transforms(scope, model):
    """Whether ``model``'s graph computes ``transform`` (its option ``transform``)."""
    return bool(_transform_option(scope, model))


def parse_mlp(scope, model, inputs, custom_parsers=None):
    """skl2onnx parser of both estimators: hidden features, or skl2onnx's usual outputs.

    With the option ``transform``: one output ``variable`` of the input's
    type (skl2onnx's convention for transformers); the shape calculator sets
    its width. Without: the classifier's labels and probabilities (and
    ``zipmap``), the regressor's predictions.
    """
    if isinstance(model, MLPScratchClassifier) and not transforms(scope, model):
        return _default_parser("classifier")(scope, model, inputs, custom_parsers=custom_parsers)
    operator = scope.declare_local_operator(get_model_alias(type(model)), model)
    operator.inputs = inputs
    output = scope.declare_local_variable("variable", guess_tensor_type(inputs[0].type))
    operator.outputs.append(output)
    return operator.outputs


def _mark_as_transformer(scope, step, container):
    """Set ``transform=True`` on ``step`` if it is an MLP (the container calls its transform).

    A pipeline used as a transformer transforms with its last step, so the
    mark goes down to it; nested feature unions and column transformers mark
    their own members when skl2onnx parses them. skl2onnx's GridSearchCV
    parser hands the search's options to its best estimator, so a search of
    an MLP gets the option itself (its options are not checked).
    """
    if isinstance(step, Pipeline) and step.steps:
        _mark_as_transformer(scope, step.steps[-1][1], container)
        return
    if not isinstance(step, _MLPS) and not isinstance(
        getattr(step, "best_estimator_", None), _MLPS
    ):
        return
    explicit = _transform_option(scope, step)
    if explicit is None:
        _add_transform_option(scope, step)
    elif not explicit:
        # Its predictions would feed the next step: a graph unlike the model.
        raise ValueError(
            f"{type(container).__name__} calls transform on {type(step).__name__}, but the "
            "ONNX option transform=False given for it exports predict: remove the option "
            "(the graph then computes transform, as scikit-learn does)."
        )


def _add_transform_option(scope, model):
    """``transform=True`` for ``model``, in a copy of the scope's options.

    ``Scope.add_options`` would write into the dict the user passed to
    ``to_onnx`` (skl2onnx keeps it), and a later conversion of the same
    estimator with that dict would export ``transform``.
    """
    options = dict(scope.options or {})
    options[id(model)] = {**(options.get(id(model)) or {}), "transform": True}
    scope.options = options


def _transformer_steps(model):
    """The members ``model`` calls ``transform`` on."""
    if isinstance(model, Pipeline):
        return [step for _, step in model.steps[:-1]]
    if isinstance(model, FeatureUnion):
        return [member for _, member in model.transformer_list]
    return [member for _, member, _ in model.transformers_]  # ColumnTransformer


def _marking(parser):
    """``parser`` of a container, marking the MLPs it uses as transformers first."""

    def parse_container(scope, model, inputs, custom_parsers=None):
        for step in _transformer_steps(model):
            _mark_as_transformer(scope, step, model)
        return parser(scope, model, inputs, custom_parsers=custom_parsers)

    parse_container.wraps_skl2onnx_parser = parser
    return parse_container


def wrap_container_parsers():
    """Wrap skl2onnx's parsers of Pipeline, FeatureUnion and ColumnTransformer (idempotent).

    The wrappers delegate everything to the parser they wrap; they only add
    the option ``transform`` to skbackprop MLPs used as transformers, so
    models without them convert exactly as before.
    """
    for container in (Pipeline, FeatureUnion, ColumnTransformer):
        parser = _default_parser(container)
        if not hasattr(parser, "wraps_skl2onnx_parser"):
            update_registered_parser(container, _marking(parser))
