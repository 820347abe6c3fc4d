"""Bounded reading of a model file's zip archive: nothing is inflated past what it declares.

:func:`read_archive` opens a model file and returns its ``metadata.json`` (parsed)
and its arrays, after checking, before anything is decompressed, that the member
list is exactly ``metadata.json`` plus the arrays the metadata refers to, and that
the sizes every member declares fit in the budget and in deflate's best ratio.
Members are then read through ``BoundedMember`` (``_bounded_member.py``), which
never decompresses past a member's declared size, and each ``.npy`` header is
checked (dtype, shape, size against the member's) before the array is allocated.

Every problem is a :class:`~skbackprop.exceptions.ModelFileError`.
"""

import io
import json
import os
import re
import stat
import struct
import zipfile

import numpy as np

from ._bounded_member import BoundedMember
from .exceptions import ModelFileError

__all__ = ["MAX_METADATA_BYTES", "METADATA", "array_references", "read_archive"]

#: Cap on ``metadata.json``: even a model trained for a million epochs needs far less.
MAX_METADATA_BYTES = 16 * 2**20
METADATA = "metadata.json"
ARRAY_MEMBER = re.compile(r"a(0|[1-9][0-9]{0,8})\.npy")

# Deflate cannot compress better than 1032:1, and save writes deflate only; a
# member claiming more (bzip2 and lzma reach millions to one on zeros) is a bomb.
_MAX_RATIO = 1100
_RATIO_SLACK = 4096  # tiny members: headers do not compress
# Parsed JSON takes about nine times its text: metadata that compresses better than
# any model's (keys, loss curves and labels compress about 3:1) would cost more
# memory than a small multiple of the file's size.
_METADATA_MAX_RATIO = 20
_NPY_MAX_HEADER = 10_000
# Array dtypes a model file may hold: no objects, no complex, no float16 or long double.
_ARRAY_DTYPES = {np.dtype(t) for t in ("?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8")}
_ARRAY_DTYPES |= {np.dtype(np.float32), np.dtype(np.float64)}


def _open(path, max_bytes):
    """The open file, after checking it is a regular file within the budget."""
    status = os.stat(path)  # FileNotFoundError, PermissionError: as open() would
    if stat.S_ISDIR(status.st_mode):
        raise ModelFileError(path, "it is a directory, not a file.")
    if not stat.S_ISREG(status.st_mode):
        raise ModelFileError(path, "it is not a regular file (a device, pipe or socket).")
    if status.st_size > max_bytes:
        raise ModelFileError(
            path,
            f"it is {status.st_size} bytes long, more than max_bytes={max_bytes}. "
            "Pass a larger max_bytes to skbackprop.load if you trust the file.",
        )
    return open(path, "rb")


def _members(archive, path, max_bytes):
    """The archive's entries by name, checked before anything is decompressed."""
    infos = {}
    for info in archive.infolist():
        name = info.filename
        if name in infos:
            raise ModelFileError(path, f"the archive holds the member {name!r} twice.")
        if name != METADATA and not ARRAY_MEMBER.fullmatch(name):
            raise ModelFileError(
                path,
                f"the archive holds the unexpected member {name!r} (only {METADATA!r} and "
                "arrays 'a<N>.npy' belong in a model file).",
            )
        methods = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
        if info.compress_type not in methods:
            raise ModelFileError(
                path, f"{name!r} uses the unsupported compression method {info.compress_type}."
            )
        if info.flag_bits & 0x1:
            raise ModelFileError(path, f"{name!r} is encrypted; model files never are.")
        stored = info.compress_type == zipfile.ZIP_STORED
        if (stored and info.file_size != info.compress_size) or (
            info.file_size > _MAX_RATIO * info.compress_size + _RATIO_SLACK
        ):
            raise ModelFileError(
                path,
                f"{name!r} declares {info.file_size} bytes from {info.compress_size} compressed "
                "bytes, more than deflate (the compression skbackprop.save uses) can achieve: "
                "a decompression bomb.",
            )
        infos[name] = info
    if METADATA not in infos:
        raise ModelFileError(path, f"the archive has no {METADATA!r}.")
    total = sum(info.file_size for info in infos.values())
    if total > max_bytes:
        raise ModelFileError(
            path,
            f"its members declare {total} bytes in all, more than max_bytes={max_bytes}. "
            "Pass a larger max_bytes to skbackprop.load if you trust the file.",
        )
    return infos


def _refuse_constant(name):
    raise ValueError(f"the non-standard JSON constant {name}")


def _metadata(archive_file, info, path, max_bytes):
    limit = min(MAX_METADATA_BYTES, max_bytes)
    if info.file_size > limit:
        raise ModelFileError(path, f"{METADATA} declares {info.file_size} bytes, over {limit}.")
    if info.file_size > _METADATA_MAX_RATIO * info.compress_size + _RATIO_SLACK:
        raise ModelFileError(
            path,
            f"{METADATA} declares {info.file_size} bytes from {info.compress_size} compressed "
            f"bytes; the metadata of a model compresses about 3:1, never {_METADATA_MAX_RATIO}:1.",
        )
    member = BoundedMember(archive_file, info, path)
    raw = member.read_exactly(info.file_size, METADATA)
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        raise ModelFileError(path, f"{METADATA} is not valid JSON ({exc}).") from None
    except RecursionError:
        raise ModelFileError(path, f"{METADATA} is nested too deeply to be a model.") from None


def array_references(metadata, path):
    """Names of the members (``a<N>.npy``) the metadata refers to, each at most once."""
    references, stack = set(), [metadata]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            if value.get("type") in ("ndarray", "scalar") and "ref" in value:
                ref = value["ref"]
                member = f"{ref}.npy" if isinstance(ref, str) else None
                if member is None or not ARRAY_MEMBER.fullmatch(member):
                    raise ModelFileError(path, f"the metadata refers to the array {ref!r}.")
                if member in references:
                    raise ModelFileError(path, f"the metadata refers to {ref!r} twice.")
                references.add(member)
            stack.extend(value.values())
    return references


def _array(archive_file, info, path):
    """The array of one ``.npy`` member; its header is checked before anything is allocated."""
    member = BoundedMember(archive_file, info, path)
    name = info.filename
    magic = member.read_exactly(8, "the .npy header")
    try:
        version = np.lib.format.read_magic(io.BytesIO(magic))
        if version not in ((1, 0), (2, 0)):
            raise ValueError(f"unsupported .npy format version {version}")
        length_size = 2 if version == (1, 0) else 4
        length_bytes = member.read_exactly(length_size, "the .npy header")
        length = int.from_bytes(length_bytes, "little")
        if length > _NPY_MAX_HEADER:
            raise ValueError(f"a header of {length} bytes")
        # numpy parses the header from memory: at most _NPY_MAX_HEADER bytes.
        header = io.BytesIO(length_bytes + member.read_exactly(length, "the .npy header"))
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(
                header, max_header_size=_NPY_MAX_HEADER
            )
        else:
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(
                header, max_header_size=_NPY_MAX_HEADER
            )
    except ModelFileError:
        raise
    except (ValueError, SyntaxError, TypeError, OverflowError, MemoryError) as exc:
        raise ModelFileError(
            path, f"the array {name!r} has a damaged .npy header ({exc})."
        ) from None
    plain_string = dtype.kind in "US" and dtype.isnative and dtype.itemsize > 0
    if not (dtype in _ARRAY_DTYPES or plain_string):
        raise ModelFileError(
            path,
            f"the array {name!r} has the dtype {dtype}; model files hold bool, integer, "
            "float32, float64 and string arrays only (no objects: nothing is ever unpickled).",
        )
    if fortran_order or len(shape) > 32 or any(n < 0 for n in shape):
        raise ModelFileError(path, f"the array {name!r} has a bad layout {shape}.")
    count = 1
    for n in shape:
        count *= n
    data_start = 8 + length_size + length
    if data_start + count * dtype.itemsize != info.file_size:
        raise ModelFileError(
            path,
            f"the array {name!r} declares shape {shape} of {dtype} ({count * dtype.itemsize} "
            f"bytes), but its member holds {info.file_size - data_start} bytes of data.",
        )
    try:  # at most the declared size, which the budget has bounded
        array = np.empty(shape, dtype=dtype)
    except (ValueError, MemoryError) as exc:
        raise ModelFileError(path, f"the array {name!r} cannot be allocated ({exc}).") from None
    if count and member.readinto(array.reshape(-1).view(np.uint8)) != count * dtype.itemsize:
        raise ModelFileError(path, f"the array {name!r} is truncated.")
    return array


def read_archive(path, max_bytes, check_metadata):
    """The parsed metadata and the arrays (by reference, ``"a0"``) of a model file.

    Parameters
    ----------
    path : str
    max_bytes : int
        Cap on the file's size and on its members' declared sizes, all together.
    check_metadata : callable
        Called with the parsed metadata before any array is read; raises to refuse.

    Returns
    -------
    metadata : object
        The parsed ``metadata.json``.
    arrays : dict of str to ndarray

    Raises
    ------
    FileNotFoundError
        If nothing is at ``path``.
    ModelFileError
        For anything else that is wrong with the file.
    """
    with _open(path, max_bytes) as file:
        try:
            archive = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
            raise ModelFileError(path, f"it is not a zip archive ({exc}).") from None
        except (struct.error, UnicodeDecodeError, KeyError, IndexError, TypeError) as exc:
            raise ModelFileError(path, f"its zip directory is damaged ({exc!r}).") from None
        with archive:
            infos = _members(archive, path, max_bytes)
            metadata = _metadata(file, infos[METADATA], path, max_bytes)
            check_metadata(metadata)
            references = array_references(metadata, path)
            stray = sorted(set(infos) - references - {METADATA})
            if stray:
                raise ModelFileError(
                    path, f"the member {stray[0]!r} is not referenced by the metadata."
                )
            missing = sorted(references - set(infos))
            if missing:
                raise ModelFileError(
                    path, f"the metadata refers to the array {missing[0][:-4]!r}, which is missing."
                )
            arrays = {name[:-4]: _array(file, infos[name], path) for name in sorted(references)}
    return metadata, arrays
