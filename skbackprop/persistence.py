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

Both ends check the same things (``_safe_params.py``, ``_model_checks.py``): no
parameter that makes scikit-learn or joblib open, import or unpickle something
later (a pipeline's ``memory``), and a whole model whose parts agree. Loading
reads the archive within a budget (``_safe_archive.py``) and refuses every bad
file with :class:`~skbackprop.exceptions.ModelFileError`; saving replaces the
destination atomically, keeping its permissions (``_safe_write.py``). The
threat model is in ``docs/persistence.rst``.
"""

import json
import os
import warnings
import zipfile

import numpy as np
import sklearn
from sklearn.exceptions import InconsistentVersionWarning

from . import registry
from ._model_checks import check_model
from ._plain_data import SAFE_SKLEARN_CLASSES, Decoder, Encoder, skbackprop_estimators
from ._safe_archive import MAX_METADATA_BYTES, METADATA, read_archive
from ._safe_write import replace_atomically
from .exceptions import ModelFileError, warn_if_version_differs
from .network import Network

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_BYTES",
    "SAFE_SKLEARN_CLASSES",
    "load",
    "save",
    "skops_trusted_types",
]

#: Name recorded in every file, checked on load.
FORMAT = "skbackprop-model"
#: Version of the file layout; files of a newer layout are refused.
FORMAT_VERSION = 1
#: Default ``max_bytes`` of :func:`load`: 4 GiB, the cap on a file's size and on what
#: its members decompress to, all together.
MAX_BYTES = 4 * 2**30


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


def _refuse_to_save(where, problem):
    raise ValueError(f"Cannot save {where}: {problem}")


def save(model, path):
    """Write ``model`` to ``path`` in skbackprop's safe file format.

    The file is a zip archive of JSON metadata and ``.npy`` arrays, without
    any pickled object: :func:`load` can read it without running code from it.
    A file that exists already is replaced only once the new one is complete;
    it keeps its permissions. A symbolic link is followed (its target is
    replaced); a file with other hard links, or without write permission, is
    refused. See :doc:`/persistence`.

    Parameters
    ----------
    model : MLPScratchClassifier or Pipeline
        A skbackprop estimator (fitted or not), or a :class:`~sklearn.pipeline.Pipeline`
        of scikit-learn scalers ending in a skbackprop estimator.
    path : str or os.PathLike
        Destination file; ``.skbp`` is a fitting extension.

    Raises
    ------
    ValueError
        If the model holds an object or a parameter that a model file cannot
        hold (an unregistered plugin, an unsupported pipeline step, a callable,
        a pipeline ``memory``), or parts that disagree; the message names the
        attribute.
    FileNotFoundError
        If the destination's folder does not exist.
    PermissionError
        If the destination is read-only, or its folder cannot be written.
    FileExistsError
        If the destination has other hard links.

    See Also
    --------
    load : Read the model back.
    """
    from . import __version__

    check_model(model, type(model).__name__, _refuse_to_save)
    encoder = Encoder()
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "skbackprop_version": __version__,
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "model": encoder.encode(model, type(model).__name__),
    }
    text = json.dumps(metadata, allow_nan=False).encode("utf-8")
    if len(text) > MAX_METADATA_BYTES:
        _refuse_to_save(
            type(model).__name__, f"its metadata would exceed {MAX_METADATA_BYTES} bytes."
        )

    def write(file):
        with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(METADATA, text)
            for i, array in enumerate(encoder.arrays):
                with archive.open(f"a{i}.npy", "w", force_zip64=array.nbytes > 2**31) as member:
                    np.lib.format.write_array(member, array, allow_pickle=False)

    replace_atomically(os.fspath(path), write)


# ---------------------------------------------------------------------- load


def _check_format(metadata, path):
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ModelFileError(path, f"its metadata does not say format={FORMAT!r}.")
    version = metadata.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(
            path,
            f"it has format version {version!r}; this skbackprop reads up to "
            f"{FORMAT_VERSION}. Upgrade skbackprop.",
        )


def load(path, *, max_bytes=MAX_BYTES):
    """Read a model written by :func:`save`, without running any code from the file.

    Whatever the file holds, ``load`` returns a fitted (or, as saved, unfitted)
    skbackprop estimator or pipeline whose every part is consistent, or raises
    :class:`~skbackprop.exceptions.ModelFileError`. See the threat model in
    :doc:`/persistence`.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save`.
    max_bytes : int, default=4 GiB
        Cap on the file's size and on what its members decompress to, all
        together (:data:`MAX_BYTES`). Lower it to bound the memory that a file
        from an untrusted source may cost; raise it for larger models.

    Returns
    -------
    model : estimator
        The model as it was saved: it predicts exactly what the saved one did.

    Raises
    ------
    FileNotFoundError
        If nothing is at ``path``.
    skbackprop.exceptions.ModelFileError
        For every file that is refused: not a model file, corrupted, truncated,
        over ``max_bytes``, holding pickled objects, members outside the
        format, a plugin or class that is not registered or allowed, a
        parameter that would make scikit-learn open or unpickle something, or
        parts that disagree. A subclass of ``ValueError``; the message names the
        file and the problem.

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
    if not (isinstance(max_bytes, int) and not isinstance(max_bytes, bool) and max_bytes > 0):
        raise ValueError(f"max_bytes must be a positive integer; got {max_bytes!r}.")

    def refuse(where, problem):
        raise ModelFileError(path, f"{where} {problem}")

    try:
        metadata, arrays = read_archive(path, max_bytes, lambda m: _check_format(m, path))
        model = Decoder(arrays, path).decode(metadata.get("model"), "model")
        check_model(model, "model", refuse)
    except (ModelFileError, FileNotFoundError):
        raise
    except RecursionError:
        raise ModelFileError(path, "its metadata is nested too deeply to be a model.") from None
    except PermissionError:
        raise
    except Exception as exc:  # the one exception, whatever a crafted file triggers
        raise ModelFileError(path, f"reading it failed with {type(exc).__name__}: {exc}") from exc
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
