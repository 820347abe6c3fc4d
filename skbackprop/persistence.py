"""Safe model files: fitted models as plain arrays and JSON, which cannot run code.

A pickle (and so ``joblib``) file can execute anything when it is loaded.
:func:`save` writes a fitted model as a zip archive holding one JSON document,
``metadata.json``, and numeric or string arrays in numpy's ``.npy`` format,
``a0.npy``, ``a1.npy``, ... :func:`load` reads the arrays with
``allow_pickle=False`` and rebuilds the model from a closed set of types:

- JSON values (None, bool, int, float, str, lists) and tuples, dicts with
  string keys, numpy arrays and scalars of bool, number or string dtype, and
  object arrays of those, and ``numpy.random.RandomState`` states;
- skbackprop plugins, recorded by kind, registered name
  (:mod:`skbackprop.registry`), constructor parameters and learned state
  (e.g. Adam's moments, so that ``warm_start`` continues where it stopped);
- skbackprop's estimators and :class:`~skbackprop.network.Network`;
- an allow-list of scikit-learn classes: ``Pipeline``, ``LabelBinarizer`` and
  the scalers ``MinMaxScaler``, ``StandardScaler``, ``MaxAbsScaler`` and
  ``RobustScaler``.

Anything else is refused on save, with the path of the offending attribute.
On load, a name outside those sets (an unknown plugin, a class such as
``os.system``) is an error naming it: names are looked up in the registry and
the allow-lists, never imported.
"""

import json
import os
import re
import uuid
import warnings
import zipfile

import numpy as np
import sklearn
from sklearn.exceptions import InconsistentVersionWarning

from . import registry
from ._plain_data import (
    PLAIN_DTYPE_KINDS,
    SAFE_SKLEARN_CLASSES,
    Decoder,
    Encoder,
    refuse,
    skbackprop_estimators,
)
from .exceptions import warn_if_version_differs
from .network import Network

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "SAFE_SKLEARN_CLASSES",
    "load",
    "save",
    "skops_trusted_types",
]

#: Name recorded in every file, checked on load.
FORMAT = "skbackprop-model"
#: Version of the file layout; files of a newer layout are refused.
FORMAT_VERSION = 1

_METADATA = "metadata.json"
_ARRAY_MEMBER = re.compile(r"a(0|[1-9][0-9]*)\.npy")


def skops_trusted_types():
    """Names of skbackprop's types, to pass as ``trusted`` to ``skops.io.load``.

    `skops <https://skops.readthedocs.io>`_ loads only types it is told to
    trust. This lists skbackprop's estimators, its network and every plugin
    class in the registry (built-ins, and third-party ones registered or found
    through entry points): what a fitted skbackprop model is made of.

    Returns
    -------
    names : list of str
        Fully qualified class names, e.g. ``"skbackprop.optimizers.Adam"``.

    Examples
    --------
    >>> import skops.io as sio  # doctest: +SKIP
    >>> from skbackprop.persistence import skops_trusted_types
    >>> sio.dump(model, "model.skops")  # doctest: +SKIP
    >>> model = sio.load("model.skops", trusted=skops_trusted_types())  # doctest: +SKIP
    """
    classes = {Network, *skbackprop_estimators().values()}
    for kind in registry.KINDS:
        classes.update(registry.get(kind, name) for name in registry.available(kind))
    return sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in classes)


# ---------------------------------------------------------------------- save


def save(model, path):
    """Write ``model`` to ``path`` in skbackprop's safe file format.

    The file is a zip archive of JSON metadata and ``.npy`` arrays, without
    any pickled object: :func:`load` can read it without running code from it.
    A file that exists already is replaced only once the new one is complete.

    Parameters
    ----------
    model : MLPScratchClassifier or Pipeline
        A skbackprop estimator (fitted or not), or a :class:`~sklearn.pipeline.Pipeline`
        whose steps are skbackprop estimators or scikit-learn scalers.
    path : str or os.PathLike
        Destination file; ``.skbp`` is a fitting extension.

    Raises
    ------
    ValueError
        If the model holds an object that cannot be recorded as plain data
        (an unregistered plugin, an unsupported pipeline step, a callable);
        the message names the attribute.

    See Also
    --------
    load : Read the model back.
    """
    from . import __version__

    encoder = Encoder()
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "skbackprop_version": __version__,
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "model": encoder.encode(model, type(model).__name__),
    }
    text = json.dumps(metadata, allow_nan=False)
    path = os.fspath(path)
    # Write beside the destination, then rename: a failed save never leaves a
    # truncated model behind. os.open with 0o666 honours the umask, as open() does.
    directory, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(directory, f".{name}.{uuid.uuid4().hex}.tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with (
            os.fdopen(handle, "wb") as file,
            zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        ):
            archive.writestr(_METADATA, text)
            for i, array in enumerate(encoder.arrays):
                with archive.open(f"a{i}.npy", "w") as member:
                    np.lib.format.write_array(member, array, allow_pickle=False)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


# ---------------------------------------------------------------------- load


def _read_archive(path):
    """The metadata and arrays of a model file, checked before anything is rebuilt."""
    if not zipfile.is_zipfile(path):
        refuse(path, "it is not a zip archive.")
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        for name in names:
            if name != _METADATA and not _ARRAY_MEMBER.fullmatch(name):
                refuse(
                    path,
                    f"the archive holds the unexpected member {name!r} (only "
                    f"{_METADATA!r} and arrays 'a<N>.npy' belong in a model file).",
                )
        if len(set(names)) != len(names) or _METADATA not in names:
            refuse(path, f"the archive must hold exactly one {_METADATA!r}.")
        try:
            metadata = json.loads(archive.read(_METADATA).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            refuse(path, f"{_METADATA} is not JSON ({exc}).")
        for name in names:
            if name == _METADATA:
                continue
            with archive.open(name) as member:
                try:
                    array = np.lib.format.read_array(member, allow_pickle=False)
                except ValueError as exc:
                    refuse(
                        path,
                        f"the array {name!r} cannot be read without unpickling "
                        f"objects, which model files never need ({exc}).",
                    )
            if array.dtype.kind not in PLAIN_DTYPE_KINDS:
                refuse(path, f"the array {name!r} has the dtype {array.dtype}.")
            arrays[name[: -len(".npy")]] = array
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        refuse(path, f"its metadata does not say format={FORMAT!r}.")
    version = metadata.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        refuse(
            path,
            f"it has format version {version!r}; this skbackprop reads up to "
            f"{FORMAT_VERSION}. Upgrade skbackprop.",
        )
    return metadata, arrays


def load(path):
    """Read a model written by :func:`save`, without running any code from the file.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save`.

    Returns
    -------
    model : estimator
        The model as it was saved: it predicts exactly what the saved one did.

    Raises
    ------
    ValueError
        If the file is not a valid model file, holds pickled objects or
        members outside the format, or names a plugin or class that is not
        registered or allowed (the message names it).

    Warns
    -----
    skbackprop.exceptions.InconsistentVersionWarning
        If the file was written by another skbackprop version.
    sklearn.exceptions.InconsistentVersionWarning
        If it was written with another scikit-learn version.

    See Also
    --------
    save : Write a model.
    """
    path = os.fspath(path)
    metadata, arrays = _read_archive(path)
    try:
        model = Decoder(arrays, path).decode(metadata.get("model"), "model")
    except RecursionError:
        refuse(path, "its metadata is nested too deeply to be a model.")
    warn_if_version_differs(type(model).__name__, str(metadata.get("skbackprop_version")))
    saved_by = str(metadata.get("sklearn_version"))
    if saved_by != sklearn.__version__:  # the scalers' attributes are scikit-learn's
        warnings.warn(
            InconsistentVersionWarning(
                estimator_name=type(model).__name__,
                current_sklearn_version=sklearn.__version__,
                original_sklearn_version=saved_by,
            ),
            stacklevel=2,
        )
    return model
