"""ONNX export: the fitted network as an ONNX graph, through skl2onnx.

skl2onnx finds converters by the exact class of an estimator and has no
discovery mechanism, so skbackprop's converters are registered by calling
:func:`register` once, before ``skl2onnx.to_onnx``::

    import skbackprop.onnx
    from skl2onnx import to_onnx

    skbackprop.onnx.register()
    onx = to_onnx(pipeline, X[:1].astype(np.float32))

Importing this module registers nothing and needs neither skl2onnx nor onnx,
so activations can import it and write their ``to_onnx(graph, Z)`` method
(see "Exporting to ONNX" in the plugin guide) without them installed. The
converters are built from the fitted network itself: matrix products for the
layers, each layer's activation translated by its own ``to_onnx``, then the
estimator's own ``predict``/``predict_proba`` post-processing. See
:doc:`/deploying` for what the graphs compute and how exactly.
"""

import numbers

import numpy as np

__all__ = ["OnnxGraph", "OnnxTensor", "activation_to_onnx", "register"]


class OnnxTensor:
    """A value of the graph being built: the output of an operator, or a graph input.

    The arithmetic operators ``+ - * /`` and unary ``-`` add the ONNX
    operators ``Add``, ``Sub``, ``Mul``, ``Div`` and ``Neg``; a Python or
    numpy number on either side becomes a constant of the graph's dtype.
    Everything else goes through :meth:`OnnxGraph.op`.

    Parameters
    ----------
    graph : OnnxGraph
        The graph the value belongs to.
    name : str
        Its name in the ONNX graph.
    """

    # numpy defers to the reflected operators (np.float64(1) - tensor), instead
    # of making an object array.
    __array_ufunc__ = None

    def __init__(self, graph, name):
        self.graph = graph
        self.name = name

    def __repr__(self):
        return f"OnnxTensor({self.name!r})"

    def __add__(self, other):
        return self.graph.op("Add", self, other)

    def __radd__(self, other):
        return self.graph.op("Add", other, self)

    def __sub__(self, other):
        return self.graph.op("Sub", self, other)

    def __rsub__(self, other):
        return self.graph.op("Sub", other, self)

    def __mul__(self, other):
        return self.graph.op("Mul", self, other)

    def __rmul__(self, other):
        return self.graph.op("Mul", other, self)

    def __truediv__(self, other):
        return self.graph.op("Div", self, other)

    def __rtruediv__(self, other):
        return self.graph.op("Div", other, self)

    def __neg__(self):
        return self.graph.op("Neg", self)


class OnnxGraph:
    """The ONNX graph that an activation's ``to_onnx(graph, Z)`` adds its operators to.

    Plugins receive one; they never build it. Its calculations run in
    :attr:`dtype`, the dtype of the fitted network: ``float32`` or ``float64``.

    Parameters
    ----------
    dtype : numpy dtype
        Floating type of the network's computations.
    add_node : callable
        ``add_node(op_type, input_names, output_name, domain, attributes)``.
    add_initializer : callable
        ``add_initializer(name, array)``: a constant tensor of the graph.
    unique_name : callable
        ``unique_name(prefix) -> str``, a name not yet used in the graph.

    Attributes
    ----------
    dtype : numpy.dtype
        Floating type of the network: constants made from Python numbers
        take it, and ``Z`` has it.
    """

    def __init__(self, dtype, add_node, add_initializer, unique_name):
        self.dtype = np.dtype(dtype)
        self._add_node = add_node
        self._add_initializer = add_initializer
        self._unique_name = unique_name

    def op(self, op_type, *inputs, domain="", **attributes):
        """Add one ONNX operator and return its (single) output.

        Parameters
        ----------
        op_type : str
            The operator, e.g. ``"Relu"``, ``"Exp"``, ``"Where"``.
        *inputs : OnnxTensor, number or ndarray
            Its inputs, in ONNX's order. Numbers and arrays become constants
            (of :attr:`dtype` when they are floating or Python numbers).
        domain : str, default=""
            Operator set: ``""`` is the standard ``ai.onnx``.
        **attributes
            The operator's attributes, e.g. ``axis=1``. ONNX stores floating
            attributes in single precision: pass a float64 parameter as an
            input constant instead (``Z * slope``, not ``alpha=slope``).

        Returns
        -------
        output : OnnxTensor
        """
        names = [self._as_tensor(value).name for value in inputs]
        output = self._unique_name(op_type.lower())
        self._add_node(op_type, names, output, domain, attributes)
        return OnnxTensor(self, output)

    def constant(self, value, dtype=None):
        """A constant tensor.

        Parameters
        ----------
        value : number or array-like
        dtype : numpy dtype, default=None
            Its type; by default :attr:`dtype` for Python numbers and floating
            arrays, and the value's own type otherwise (e.g. int64 shapes).

        Returns
        -------
        constant : OnnxTensor
        """
        array = np.asarray(value)
        if dtype is None:
            floating = isinstance(value, numbers.Real) or array.dtype.kind == "f"
            dtype = self.dtype if floating and array.dtype.kind != "b" else array.dtype
        name = self._unique_name("constant")
        self._add_initializer(name, array.astype(dtype))
        return OnnxTensor(self, name)

    def erf(self, X):
        """The error function, also in float64 (onnxruntime's ``Erf`` is float32 only).

        Parameters
        ----------
        X : OnnxTensor

        Returns
        -------
        erf_X : OnnxTensor
        """
        if self.dtype == np.float32:
            return self.op("Erf", X)
        from ._onnx_erf import erf_float64

        return erf_float64(self, X)

    def _as_tensor(self, value):
        if isinstance(value, OnnxTensor):
            if value.graph is not self:
                raise ValueError(f"{value!r} belongs to another graph.")
            return value
        return self.constant(value)


def _standalone_graph(dtype):
    """A graph of its own, and the lists its nodes and constants go to."""
    from onnx import helper, numpy_helper

    nodes, initializers = [], []
    counts = {}

    def unique_name(prefix):
        counts[prefix] = counts.get(prefix, 0) + 1
        return f"{prefix}_{counts[prefix]}"

    def add_node(op_type, inputs, output, domain, attributes):
        nodes.append(helper.make_node(op_type, inputs, [output], domain=domain, **attributes))

    def add_initializer(name, array):
        initializers.append(numpy_helper.from_array(array, name))

    return OnnxGraph(dtype, add_node, add_initializer, unique_name), nodes, initializers


def activation_to_onnx(activation, dtype=np.float32, opset=17):
    """An ONNX model of one activation alone: input ``"Z"``, output ``"A"``.

    What :func:`skbackprop.testing.check_activation` runs against ``forward``;
    also handy to look at what ``to_onnx`` builds.

    Parameters
    ----------
    activation : Activation
        Its ``to_onnx(graph, Z)`` method is called once.
    dtype : {numpy.float32, numpy.float64}, default=numpy.float32
    opset : int, default=17
        Version of the standard ONNX operator set the model declares.

    Returns
    -------
    model : onnx.ModelProto
        Input and output of shape ``(n_samples, n_units)``.
    """
    from onnx import helper

    dtype = np.dtype(dtype)
    graph, nodes, initializers = _standalone_graph(dtype)
    output = _translate_activation(activation, graph, OnnxTensor(graph, "Z"))
    elem_type = helper.np_dtype_to_tensor_dtype(dtype)
    nodes.append(helper.make_node("Identity", [output.name], ["A"]))
    body = helper.make_graph(
        nodes,
        type(activation).__name__,
        [helper.make_tensor_value_info("Z", elem_type, [None, None])],
        [helper.make_tensor_value_info("A", elem_type, [None, None])],
        initializer=initializers,
    )
    return helper.make_model(body, opset_imports=[helper.make_opsetid("", opset)])


def _translate_activation(activation, graph, Z):
    """``activation.to_onnx(graph, Z)``, with the errors a plugin author can act on.

    Parameters
    ----------
    activation : Activation
    graph : OnnxGraph
    Z : OnnxTensor
        Pre-activations of one layer.

    Returns
    -------
    A : OnnxTensor
    """
    to_onnx = getattr(activation, "to_onnx", None)
    if to_onnx is None:
        # Activation.to_onnx exists and raises the full message; this is for duck types.
        raise NotImplementedError(
            f"{activation!r} cannot be exported to ONNX: add a method to_onnx(self, graph, Z) "
            "to its class (see 'Exporting to ONNX' in the plugin guide)."
        )
    A = to_onnx(graph, Z)
    if not isinstance(A, OnnxTensor):
        raise TypeError(
            f"{activation!r}.to_onnx(graph, Z) must return the OnnxTensor of the activations "
            f"(what graph.op(...) returns); it returned {A!r}."
        )
    return A


def register():
    """Register skbackprop's estimators with skl2onnx (idempotent).

    After this call ``skl2onnx.to_onnx`` and ``skl2onnx.convert_sklearn``
    convert :class:`~skbackprop.MLPScratchClassifier` and
    :class:`~skbackprop.MLPScratchRegressor`, alone or inside a pipeline.
    The classifier takes skl2onnx's usual classifier options: ``zipmap``
    (``True``, ``False`` or ``"columns"``), ``nocl`` (labels are class
    indices) and ``output_class_labels``. Both take ``transform``: the graph
    computes ``transform`` (hidden features) instead of predicting. It is set
    for them wherever scikit-learn calls ``transform``: steps of a
    ``Pipeline`` but the last, members of a ``FeatureUnion`` or
    ``ColumnTransformer``; for that, skl2onnx's parsers of these three are
    wrapped (models without skbackprop estimators convert as before).

    Raises
    ------
    ImportError
        If skl2onnx is not installed (``pip install skbackprop[onnx]``).
    """
    try:
        import skl2onnx  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "Exporting to ONNX needs skl2onnx: pip install 'skbackprop[onnx]' (skl2onnx and "
            "onnxruntime)."
        ) from exc
    from ._onnx_convert import register_converters

    register_converters()
