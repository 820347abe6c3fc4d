"""skl2onnx shape calculators and converters of skbackprop's estimators.

Each graph is built from the fitted network itself (a ``MatMul`` and an
``Add`` per layer, then the layer's activation through its ``to_onnx``) and
ends with the estimator's own post-processing, operator for operator, so that
onnxruntime reproduces ``predict`` and ``predict_proba``; with the option
``transform`` (see :mod:`skbackprop._onnx_transform`) it stops at a hidden
layer and reproduces ``transform``. Imported by :func:`skbackprop.onnx.register`
only: it needs skl2onnx.
"""

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from skl2onnx import update_registered_converter
from skl2onnx.common.data_types import Int64TensorType, StringTensorType
from skl2onnx.common.utils import check_input_and_output_numbers

from ._classifier import MLPScratchClassifier
from ._onnx_transform import TRANSFORM_OPTION, parse_mlp, transforms, wrap_container_parsers
from ._regressor import MLPScratchRegressor
from .onnx import OnnxGraph, OnnxTensor, _translate_activation

__all__ = ["register_converters"]

# skl2onnx's option names and values for classifiers, as its own converters declare them.
_CLASSIFIER_OPTIONS = {
    "zipmap": [True, False, "columns"],
    "nocl": [False, True],
    "output_class_labels": [False, True],
    **TRANSFORM_OPTION,
}


def _layer_activations(network):
    """The activation of every weight layer, the output layer's last (``Network.activation``)."""
    return [network.activation(layer) for layer in range(len(network.layer_sizes) - 1)]


def _target_type(classifier):
    """``"binary"``, ``"multiclass"`` or ``"multilabel-indicator"``, as fit saw it."""
    return classifier._target_type()


def _graph_of(scope, container, dtype):
    """An :class:`OnnxGraph` whose operators and constants go into skl2onnx's container."""

    def add_node(op_type, inputs, output, domain, attributes):
        name = scope.get_unique_operator_name(op_type)
        container.add_node(op_type, inputs, output, op_domain=domain, name=name, **attributes)

    def add_initializer(name, array):
        if array.dtype.kind in "OSU":
            values = [str(value).encode("utf-8") for value in array.ravel()]
            container.add_initializer(name, TensorProto.STRING, list(array.shape), values)
        else:
            container.add_initializer(name, None, None, numpy_helper.from_array(array))

    return OnnxGraph(dtype, add_node, add_initializer, scope.get_unique_variable_name)


def _network_output(graph, network, X, n_layers=None):
    """The network's output ``a^L`` for the graph value ``X``, as ``Network.predict``.

    ``n_layers`` stops after that many layers, as ``Network.predict(X, n_layers)``.
    """
    A = X
    layers = list(zip(network.weights, network.biases, _layer_activations(network)))
    for W, b, activation in layers[:n_layers]:
        Z = graph.op("MatMul", A, W) + b  # z^l = a^{l-1} W^l + b^l
        A = _translate_activation(activation, graph, Z)
    return A


def _network_input(graph, operator):
    """The converter's input cast to the network's dtype, as ``validate_data`` casts X."""
    to = helper.np_dtype_to_tensor_dtype(graph.dtype)
    return graph.op("Cast", OnnxTensor(graph, operator.inputs[0].full_name), to=to)


def _write_output(graph, value, variable):
    """Write ``value`` into the operator's output ``variable``, cast to its declared type."""
    declared = variable.type.to_onnx_type().tensor_type.elem_type
    graph._add_node("Cast", [value.name], variable.full_name, "", {"to": declared})


# ------------------------------------------------------------------ classifier


def _label_constants(classifier):
    """``classes_`` as int64 or strings (ONNX label types), or a ValueError saying what to do."""
    classes = np.asarray(classifier.classes_)
    if classes.dtype.kind in "iub":
        return classes.astype(np.int64)
    if classes.dtype.kind == "f" and np.array_equal(classes, np.round(classes)):
        return classes.astype(np.int64)
    if classes.dtype.kind in "SU" or all(isinstance(label, str) for label in classes):
        return classes.astype(str).astype(object)
    raise ValueError(
        f"Cannot export a classifier with classes_={classes!r} to ONNX: ONNX class labels are "
        "integers or strings. Fit on integer or string labels (e.g. y.astype(str))."
    )


def _uses_class_indices(scope, classifier):
    return bool(scope.get_options(classifier, dict(nocl=False))["nocl"])


def _classifier_shapes(operator):
    """Output types: labels (int64 or string) and probabilities (n_samples, n_classes)."""
    if transforms(operator.scope_inst, operator.raw_operator):
        return _hidden_features_shapes(operator)
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=2)
    classifier = operator.raw_operator
    zipmap = operator.scope_inst.get_options(classifier, dict(zipmap=True))["zipmap"]
    if zipmap is not False and operator.outputs[1].type.to_onnx_type().tensor_type.elem_type == (
        TensorProto.DOUBLE
    ):
        raise ValueError(
            "ONNX's ZipMap (skl2onnx's default output of classifiers, a list of dicts) takes "
            "float32 probabilities only. Convert float64 input with the option zipmap=False, "
            "e.g. skl2onnx.to_onnx(model, X, options={'zipmap': False}), or convert float32 X."
        )
    n_samples = operator.inputs[0].get_first_dimension()
    n_classes = len(classifier.classes_)
    if n_classes == 1 and zipmap is not False:
        raise ValueError(
            "A classifier fitted on a single class has two probability columns (as in "
            "scikit-learn) but one class for ZipMap: convert it with the option zipmap=False."
        )
    if _target_type(classifier) == "multilabel-indicator":
        label_type = Int64TensorType([n_samples, n_classes])
    elif _uses_class_indices(operator.scope_inst, classifier):
        label_type = Int64TensorType([n_samples])
    elif _label_constants(classifier).dtype == object:
        label_type = StringTensorType([n_samples])
    else:
        label_type = Int64TensorType([n_samples])
    operator.outputs[0].type = label_type
    # The probabilities' dtype is the input's (skl2onnx's convention, set by its parser).
    operator.outputs[1].type.shape = [n_samples, max(n_classes, 2)]


def _probabilities(graph, output, target_type, n_outputs):
    """``MLPScratchClassifier.predict_proba`` from the network's output."""
    finfo = np.finfo(graph.dtype)
    if target_type == "multiclass":
        # Clipped at tiny and normalised, whatever the output activation; row
        # sums as a product with ones.
        positive = graph.op("Max", output, finfo.tiny)
        return positive / graph.op("MatMul", positive, np.ones((n_outputs, 1), graph.dtype))
    clipped = graph.op("Min", graph.op("Max", output, finfo.eps), 1 - finfo.eps)
    if target_type == "binary":
        return graph.op("Concat", 1.0 - clipped, clipped, axis=1)
    return clipped


def _labels(graph, output, target_type, classes, n_classes):
    """``MLPScratchClassifier.predict``: what ``LabelBinarizer.inverse_transform`` does."""
    above_half = graph.op("Greater", output, 0.5)
    if target_type == "multilabel-indicator":
        return graph.op("Cast", above_half, to=TensorProto.INT64)
    if target_type == "binary":
        as_index = graph.op("Cast", above_half, to=TensorProto.INT64)
        index = graph.op("Reshape", as_index, graph.constant(np.array([-1], np.int64)))
        if n_classes == 1:  # the single class seen in fit is always predicted
            index = graph.op("Gather", graph.constant(np.zeros(2, np.int64)), index, axis=0)
    else:
        # Of the network's output, not of the probabilities (ties differ after clipping).
        index = graph.op("ArgMax", output, axis=1, keepdims=0)
    if classes is None:  # option nocl: the class index is the label
        return index
    return graph.op("Gather", graph.constant(classes), index, axis=0)


def _convert_classifier(scope, operator, container):
    classifier = operator.raw_operator
    if transforms(scope, classifier):
        return _convert_hidden_features(scope, operator, container)
    network = classifier.network_
    graph = _graph_of(scope, container, network.params.dtype)
    output = _network_output(graph, network, _network_input(graph, operator))
    target_type = _target_type(classifier)
    classes = None if _uses_class_indices(scope, classifier) else _label_constants(classifier)
    labels = _labels(graph, output, target_type, classes, len(classifier.classes_))
    graph._add_node("Identity", [labels.name], operator.outputs[0].full_name, "", {})
    probabilities = _probabilities(graph, output, target_type, network.layer_sizes[-1])
    _write_output(graph, probabilities, operator.outputs[1])


# ------------------------------------------------------------------- regressor


def _regressor_shapes(operator):
    """One output: predictions of shape (n_samples, n_outputs), as skl2onnx's regressors."""
    if transforms(operator.scope_inst, operator.raw_operator):
        return _hidden_features_shapes(operator)
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=1)
    n_samples = operator.inputs[0].get_first_dimension()
    # The dtype is the input's (skl2onnx's convention, set by its parser).
    operator.outputs[0].type.shape = [n_samples, operator.raw_operator.n_outputs_]


def _convert_regressor(scope, operator, container):
    # predict is the network's output: the output activation is the inverse
    # link (the identity, or the exponential of the Poisson loss).
    if transforms(scope, operator.raw_operator):
        return _convert_hidden_features(scope, operator, container)
    network = operator.raw_operator.network_
    graph = _graph_of(scope, container, network.params.dtype)
    output = _network_output(graph, network, _network_input(graph, operator))
    _write_output(graph, output, operator.outputs[0])


# ------------------------------------------------------------- hidden features


def _hidden_features_shapes(operator):
    """``transform``'s output: (n_samples, n_units) of the layer ``transform_layer``."""
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=1)
    estimator = operator.raw_operator
    # Raises transform's own error for a transform_layer that names no hidden layer.
    layer = estimator._transform_layer_index()
    n_samples = operator.inputs[0].get_first_dimension()
    # The dtype is the input's (skl2onnx's convention, set by the parser).
    operator.outputs[0].type.shape = [n_samples, estimator.network_.layer_sizes[1 + layer]]


def _convert_hidden_features(scope, operator, container):
    # transform is the network up to that hidden layer, as Network.predict(X, n_layers).
    estimator = operator.raw_operator
    network = estimator.network_
    graph = _graph_of(scope, container, network.params.dtype)
    n_layers = estimator._transform_layer_index() + 1
    hidden = _network_output(graph, network, _network_input(graph, operator), n_layers)
    _write_output(graph, hidden, operator.outputs[0])


def register_converters():
    """Register the parsers, shape calculators and converters with skl2onnx (again: replaces)."""
    update_registered_converter(
        MLPScratchClassifier,
        "SkbackpropMLPScratchClassifier",
        _classifier_shapes,
        _convert_classifier,
        options=_CLASSIFIER_OPTIONS,
        parser=parse_mlp,
    )
    update_registered_converter(
        MLPScratchRegressor,
        "SkbackpropMLPScratchRegressor",
        _regressor_shapes,
        _convert_regressor,
        options=TRANSFORM_OPTION,
        parser=parse_mlp,
    )
    wrap_container_parsers()
