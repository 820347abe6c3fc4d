"""The object graph of a model as plain data: JSON-able values plus numeric arrays.

:class:`Encoder` turns a model into JSON-able values, collecting its arrays on
the side; :class:`Decoder` rebuilds it from them, accepting only a closed set
of types (see :mod:`skbackprop.persistence`) and refusing any other name with
an error that says which. Neither knows about files.
"""

import math

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    LabelBinarizer,
    MaxAbsScaler,
    MinMaxScaler,
    RobustScaler,
    StandardScaler,
)

from . import registry
from ._rollback import CALLBACK_ATTRIBUTES
from .exceptions import ModelFileError
from .network import Network, count_params

__all__ = [
    "JSON_SCALARS",
    "PLAIN_DTYPE_KINDS",
    "SAFE_SKLEARN_CLASSES",
    "Decoder",
    "Encoder",
    "refuse",
    "skbackprop_estimators",
]

#: scikit-learn classes that :func:`save` records and :func:`load` rebuilds.
SAFE_SKLEARN_CLASSES = {
    f"{cls.__module__.split('._')[0]}.{cls.__name__}": cls
    for cls in (Pipeline, LabelBinarizer, MinMaxScaler, StandardScaler, MaxAbsScaler, RobustScaler)
}

#: Types of the JSON values that decode to themselves.
JSON_SCALARS = {str, int, float, bool, type(None)}

#: Deepest nesting of JSON values :class:`Decoder` follows: a model nests a few
#: levels (pipeline, step, estimator, plugin, random state); a deeper file is refused
#: before the names of its parts (``where``), which grow with depth, are built.
MAX_DEPTH = 32
#: Longest key of a dict or attribute name a model file may hold.
MAX_KEY_LENGTH = 256

#: Array dtype kinds a model file may hold: bool, signed and unsigned int, float,
#: complex, unicode and byte strings.
PLAIN_DTYPE_KINDS = "biufcUS"


def skbackprop_estimators():
    """Public skbackprop estimator classes by name.

    Imported late: skbackprop imports this module.
    """
    import skbackprop

    classes = (getattr(skbackprop, name) for name in skbackprop.__all__)
    return {
        cls.__name__: cls
        for cls in classes
        if isinstance(cls, type) and issubclass(cls, BaseEstimator)
    }


def _plugin_kind(value):
    for kind, (base, _) in registry.KINDS.items():
        if isinstance(value, base):
            return kind
    return None


def _registered_name(kind, plugin, where):
    """The name under which the registry knows ``type(plugin)``."""
    cls = type(plugin)
    candidates = ([plugin.name] if isinstance(plugin.name, str) else []) + registry.available(kind)
    for name in candidates:
        try:
            if registry.get(kind, name) is cls:
                return name
        except ValueError:
            continue
    raise ValueError(
        f"Cannot save {where}: the {kind} plugin class {cls.__module__}.{cls.__qualname__} "
        "is not registered, so a file could not name it. Register it with "
        f"skbackprop.registry.register({kind!r}, name, {cls.__name__}) (or an entry point) "
        "before saving and before loading."
    )


class Encoder:
    """Turns a model into JSON-able data, collecting its arrays on the side."""

    def __init__(self):
        self.arrays = []
        # id(object) -> index, so that an object reached twice (the network
        # shares the estimator's activation plugins) is loaded as one object.
        self.shared = {}

    def _array(self, array, where):
        if array.dtype.hasobject:
            return {
                "type": "object_array",
                "shape": list(array.shape),
                "items": [
                    self.encode(item, f"{where}[{i}]")
                    for i, item in enumerate(array.ravel(order="C"))
                ],
            }
        if array.dtype.kind not in PLAIN_DTYPE_KINDS:
            raise ValueError(
                f"Cannot save {where}: arrays of dtype {array.dtype} are not supported; "
                "only bool, number and string arrays are."
            )
        self.arrays.append(np.ascontiguousarray(array) if array.ndim else array)
        return f"a{len(self.arrays) - 1}"

    def _object(self, obj, type_name, where, **extra):
        """Constructor parameters and remaining attributes of an estimator-like object."""
        parameters = obj.get_params(deep=False)
        # Callbacks set with set_callbacks are run-time objects, not model state.
        skipped = CALLBACK_ATTRIBUTES.union(parameters)
        state = {k: v for k, v in vars(obj).items() if k not in skipped}
        return {
            "type": type_name,
            **extra,
            "params": {k: self.encode(v, f"{where}.{k}") for k, v in parameters.items()},
            "state": {k: self.encode(v, f"{where}.{k}") for k, v in state.items()},
        }

    def encode(self, value, where):
        """JSON-able form of ``value``; ``where`` names it in error messages."""
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"type": "float", "value": repr(value)}
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject:
                return self._array(value, where)
            return {"type": "ndarray", "ref": self._array(value, where)}
        if isinstance(value, np.generic):
            return {"type": "scalar", "ref": self._array(np.asarray(value), where)}
        if isinstance(value, np.dtype) and value.kind in PLAIN_DTYPE_KINDS:
            return {"type": "dtype", "str": value.str}
        if isinstance(value, list):
            return [self.encode(item, f"{where}[{i}]") for i, item in enumerate(value)]
        if isinstance(value, tuple):
            return {
                "type": "tuple",
                "items": [self.encode(item, f"{where}[{i}]") for i, item in enumerate(value)],
            }
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {
                "type": "dict",
                "items": {k: self.encode(v, f"{where}[{k!r}]") for k, v in value.items()},
            }
        if type(value) is np.random.RandomState:
            return {"type": "random_state", "state": self.encode(value.get_state(), where)}
        if id(value) in self.shared:
            return {"type": "shared", "index": self.shared[id(value)]}
        encoded = self._encode_object(value, where)
        self.shared[id(value)] = encoded["index"] = len(self.shared)
        return encoded

    def _encode_object(self, value, where):
        kind = _plugin_kind(value)
        if kind is not None:
            name = _registered_name(kind, value, where)
            return self._object(value, "plugin", where, kind=kind, name=name)
        if type(value) is Network:
            return {
                "type": "network",
                "state": {k: self.encode(v, f"{where}.{k}") for k, v in vars(value).items()},
            }
        cls = type(value)
        if skbackprop_estimators().get(cls.__name__) is cls:
            return self._object(value, "estimator", where, **{"class": cls.__name__})
        for name, safe_cls in SAFE_SKLEARN_CLASSES.items():
            if cls is safe_cls:
                return self._object(value, "sklearn", where, **{"class": name})
        raise ValueError(
            f"Cannot save {where}: objects of type {cls.__module__}.{cls.__qualname__} cannot "
            "be recorded as plain data. skbackprop.save supports skbackprop estimators and "
            f"plugins, and pipelines of the scikit-learn steps {sorted(SAFE_SKLEARN_CLASSES)}; "
            "use joblib or skops for other objects."
        )


def refuse(path, problem):
    """Raise :class:`~skbackprop.exceptions.ModelFileError` for ``path``."""
    raise ModelFileError(path, problem)


class Decoder:
    """Rebuilds a model from what :class:`Encoder` produced, trusting nothing."""

    def __init__(self, arrays, path):
        self.arrays = arrays
        self.path = path
        self.shared = []
        self._depth = 0

    def _ref(self, ref, where):
        if not isinstance(ref, str) or ref not in self.arrays:
            refuse(self.path, f"{where} refers to array {ref!r}, which is not in the archive.")
        return self.arrays[ref]

    def _attributes(self, cls, encoded, where):
        if not isinstance(encoded, dict):
            refuse(self.path, f"{where} must be a JSON object of attributes.")
        attributes = {}
        self._check_keys(encoded, where)
        for key, value in encoded.items():
            if key in CALLBACK_ATTRIBUTES:  # save never writes them
                refuse(
                    self.path,
                    f"{where} sets {key!r}: callbacks are run-time objects, which model files "
                    "do not hold. Attach them with set_callbacks after loading.",
                )
            if not key.isidentifier() or key.startswith("__") or hasattr(cls, key):
                refuse(
                    self.path,
                    f"{where} sets the attribute {key!r}, which is not a plain "
                    f"attribute of {cls.__name__}.",
                )
            attributes[key] = self.decode(value, f"{where}.{key}")
        return attributes

    def _build(self, cls, encoded, where):
        parameters = self._attributes(cls, encoded.get("params", {}), where)
        try:
            obj = cls(**parameters)
        except TypeError as exc:
            refuse(
                self.path,
                f"{where}: {cls.__name__} does not accept the recorded parameters ({exc}).",
            )
        vars(obj).update(self._attributes(cls, encoded.get("state", {}), where))
        return obj

    def _plugin(self, encoded, where):
        kind, name = encoded.get("kind"), encoded.get("name")
        if kind not in registry.KINDS:
            refuse(
                self.path,
                f"{where} names the plugin kind {kind!r}; the kinds are {sorted(registry.KINDS)}.",
            )
        if not isinstance(name, str):
            refuse(self.path, f"{where} has no {kind} name.")
        try:
            cls = registry.get(kind, name)
        except ValueError as exc:
            refuse(
                self.path,
                f"{where} is the {kind} plugin {name!r}, which is not registered in this Python "
                "session. Install and import the package that provides it, or register it with "
                f"skbackprop.registry.register. ({exc})",
            )
        return self._build(cls, encoded, where)

    def _network(self, encoded, where):
        encoded_state = encoded.get("state", {})
        if isinstance(encoded_state, dict) and "hidden_activation" in encoded_state:
            # Files written before per-layer activations hold one shared
            # activation; renamed in place, so values decode in file order.
            encoded_state = {
                "hidden_activations" if key == "hidden_activation" else key: value
                for key, value in encoded_state.items()
            }
        state = self._attributes(Network, encoded_state, where)
        sizes, params = state.get("layer_sizes"), state.get("params")
        if not (
            isinstance(sizes, (tuple, list))
            and len(sizes) >= 2
            and all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in sizes)
        ):
            refuse(self.path, f"{where}.layer_sizes must be at least two positive integers.")
        if not (isinstance(params, np.ndarray) and params.dtype.kind == "f" and params.ndim == 1):
            refuse(self.path, f"{where}.params must be a 1-D float array.")
        # Checked before Network() allocates its own vector from the sizes alone.
        n_params = count_params(sizes)
        if params.size != n_params:
            refuse(
                self.path,
                f"{where}.params holds {params.size} values; layers {tuple(sizes)} "
                f"need {n_params}.",
            )
        try:
            network = Network(
                state["layer_sizes"],
                state["hidden_activations"],
                state["output_activation"],
                state["params"].dtype,
            )
            state["hidden_activations"] = network.hidden_activations  # one per layer
            if state["params"].shape != network.params.shape:
                raise ValueError(
                    f"params has shape {state['params'].shape}, expected "
                    f"{network.params.shape} for layers {network.layer_sizes}"
                )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            refuse(self.path, f"{where} is not a consistent network ({exc!r}).")
        vars(network).update(state)
        return network

    def _check_keys(self, mapping, where):
        """Refuse long keys before they are copied into the names of nested values."""
        for key in mapping:
            if len(key) > MAX_KEY_LENGTH:
                refuse(
                    self.path,
                    f"{where} has a key of {len(key)} characters; keys of model files "
                    f"have at most {MAX_KEY_LENGTH}.",
                )

    def decode(self, value, where):
        """Python object for the JSON-able ``value``."""
        if self._depth >= MAX_DEPTH:
            refuse(
                self.path,
                f"{where[:200]}... nests values more than {MAX_DEPTH} levels deep; "
                "model files need only a few.",
            )
        self._depth += 1
        try:
            return self._decode(value, where)
        finally:
            self._depth -= 1

    def _decode(self, value, where):
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            if set(map(type, value)) <= JSON_SCALARS:  # loss curves: no walk item by item
                return value
            return [self.decode(item, f"{where}[{i}]") for i, item in enumerate(value)]
        if not isinstance(value, dict):
            refuse(self.path, f"{where} holds an unexpected JSON value.")
        kind = value.get("type")
        if kind == "float" and value.get("value") in ("inf", "-inf", "nan"):
            return float(value["value"])
        if kind == "ndarray":
            return self._ref(value.get("ref"), where)
        if kind == "scalar":
            array = self._ref(value.get("ref"), where)
            if array.ndim:
                refuse(self.path, f"{where} should be a scalar, not an array.")
            return array[()]
        if kind == "object_array":
            items = self.decode(value.get("items", []), where)
            if not isinstance(items, list):
                refuse(self.path, f"{where} has object array items that are not a list.")
            array = np.empty(len(items), dtype=object)
            array[:] = items
            try:
                return array.reshape(value.get("shape"))
            except (TypeError, ValueError):
                refuse(self.path, f"{where} has an object array of inconsistent shape.")
        if kind == "dtype":
            try:
                dtype = np.dtype(str(value.get("str")))
            except TypeError:
                dtype = np.dtype(object)
            if dtype.kind not in PLAIN_DTYPE_KINDS:
                refuse(self.path, f"{where} names the dtype {dtype}.")
            return dtype
        if kind == "tuple":
            return tuple(self.decode(value.get("items", []), where))
        if kind == "dict" and isinstance(value.get("items"), dict):
            self._check_keys(value["items"], where)
            return {k: self.decode(v, f"{where}[{k!r}]") for k, v in value["items"].items()}
        if kind == "random_state":
            random_state = np.random.RandomState()
            try:
                random_state.set_state(self.decode(value.get("state"), where))
            except (TypeError, ValueError) as exc:
                refuse(self.path, f"{where} is not a random state ({exc}).")
            return random_state
        if kind == "shared":
            index = value.get("index")
            if not isinstance(index, int) or not 0 <= index < len(self.shared):
                refuse(self.path, f"{where} refers to an object that was not read before it.")
            return self.shared[index]
        obj = self._decode_object(kind, value, where)
        if value.get("index") != len(self.shared):
            refuse(self.path, f"{where} is out of order in the file.")
        self.shared.append(obj)
        return obj

    def _decode_object(self, kind, value, where):
        if kind == "plugin":
            return self._plugin(value, where)
        if kind == "network":
            return self._network(value, where)
        if kind == "estimator":
            name = value.get("class")
            estimators = skbackprop_estimators()
            if name not in estimators:
                refuse(
                    self.path,
                    f"{where} names the estimator {name!r}; skbackprop "
                    f"estimators are {sorted(estimators)}.",
                )
            return self._build(estimators[name], value, where)
        if kind == "sklearn":
            name = value.get("class")
            if name not in SAFE_SKLEARN_CLASSES:
                refuse(
                    self.path,
                    f"{where} names the class {name!r}, which is not one of the "
                    f"scikit-learn classes allowed in model files, "
                    f"{sorted(SAFE_SKLEARN_CLASSES)}.",
                )
            return self._build(SAFE_SKLEARN_CLASSES[name], value, where)
        refuse(self.path, f"{where} has the unknown value type {kind!r}.")
