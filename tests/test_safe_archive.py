"""Hostile model files, built at test time: each is refused quickly, cheaply, running nothing.

Mirrors ``skbackprop/_safe_archive.py``: bombs in every compression method
:mod:`zipfile` writes, members that lie about their sizes, ``.npy`` headers that
declare huge shapes or wrong dtypes, members nothing refers to. Also the
corruption test: every byte of a small model file flipped, and the file cut at
every length, gives back the identical model or :class:`ModelFileError`.
"""

import functools
import io
import json
import struct
import time
import warnings
import zipfile

import numpy as np
import pytest
from _model_files import measured, members, nothing_runs, write_archive
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import MLPScratchClassifier, load, save
from skbackprop.exceptions import ModelFileError
from skbackprop.persistence import MAX_BYTES

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(0)
X = RNG.normal(size=(30, 4))
Y = RNG.randint(0, 3, size=30)
METHODS = {
    "stored": zipfile.ZIP_STORED,
    "deflate": zipfile.ZIP_DEFLATED,
    "bzip2": zipfile.ZIP_BZIP2,
    "lzma": zipfile.ZIP_LZMA,
}
BOMB_BYTES = 17 * 2**20  # past the metadata cap; zeros, as a bomb holds
# Refusals must cost no more than reading a small model: generous bounds for a busy CI.
MAX_SECONDS = 1.0
MAX_PEAK = 8 * 2**20


@functools.cache
def legitimate_file():
    """Bytes of a small fitted pipeline's model file, and the pipeline."""
    import tempfile

    model = make_pipeline(
        StandardScaler(), MLPScratchClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    ).fit(X, Y)
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/model.skbp"
        save(model, path)
        with open(path, "rb") as file:
            return file.read(), model


@functools.cache
def zeros_compressed(method):
    """BOMB_BYTES zeros compressed by ``method``, and their CRC, built once per session."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        with archive.open("x", "w", force_zip64=True) as member:
            chunk = bytes(2**20)
            for _ in range(BOMB_BYTES // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


def add_member(data, name, source_zip, source_name="x"):
    """``data`` (a zip) plus ``name`` copied raw (compressed as it is) from ``source_zip``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as archive, zipfile.ZipFile(out, "w") as target:
        for info in archive.infolist():
            target.writestr(info, archive.read(info.filename), info.compress_type)
        with zipfile.ZipFile(io.BytesIO(source_zip)) as source:
            info = source.getinfo(source_name)
            raw = source_raw(source_zip, info)
        copied = zipfile.ZipInfo(name, date_time=info.date_time)
        copied.compress_type, copied.CRC = info.compress_type, info.CRC
        copied.file_size, copied.compress_size = info.file_size, len(raw)
        copied.header_offset = target.fp.tell()
        if copied.file_size > 0xFFFFFFFF:
            copied.extra = b""
        target.fp.write(copied.FileHeader(zip64=copied.file_size > 0xFFFFFFFF))
        target.fp.write(raw)
        target.start_dir = target.fp.tell()
        target.filelist.append(copied)
        target.NameToInfo[name] = copied
    return out.getvalue()


def source_raw(data, info):
    header = data[info.header_offset : info.header_offset + 30]
    name_length, extra_length = struct.unpack("<2H", header[26:30])
    start = info.header_offset + 30 + name_length + extra_length
    return data[start : start + info.compress_size]


def patch_central(data, name, **fields):
    """``data`` with fields of ``name``'s central directory entry overwritten."""
    offsets = {"crc": 16, "compress_size": 20, "file_size": 24, "header_offset": 42}
    position = 0
    while True:
        position = data.index(b"PK\x01\x02", position)
        name_length = struct.unpack("<H", data[position + 28 : position + 30])[0]
        if data[position + 46 : position + 46 + name_length] == name.encode():
            entry = position
            break
        position += 4
    data = bytearray(data)
    for field, value in fields.items():
        data[entry + offsets[field] : entry + offsets[field] + 4] = struct.pack("<L", value)
    return bytes(data)


def npy(array_or_header, data=b""):
    if isinstance(array_or_header, np.ndarray):
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, array_or_header, allow_pickle=False)
        return buffer.getvalue()
    header = array_or_header.encode("latin1")
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + data


def with_members(change):
    contents = members(io.BytesIO(legitimate_file()[0]))
    change(contents)
    buffer = io.BytesIO()
    write_archive(buffer, contents, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def params_ref():
    metadata = json.loads(members(io.BytesIO(legitimate_file()[0]))["metadata.json"])
    network = metadata["model"]["params"]["steps"][1]["items"][1]["state"]["network_"]
    return network["state"]["params"]["ref"] + ".npy"


def replace_params(array):
    return lambda: with_members(lambda c: c.__setitem__(params_ref(), npy(array)))


def replace_params_header(header, data=b""):
    return lambda: with_members(lambda c: c.__setitem__(params_ref(), npy(header, data)))


def metadata_bomb(method):
    def build():
        data = with_members(lambda c: c.pop("metadata.json"))
        return add_member(data, "metadata.json", zeros_compressed(method))

    return build


def lying_member(method):
    """A metadata bomb whose directory declares 1000 bytes: decompression must stop there."""

    def build():
        return patch_central(metadata_bomb(method)(), "metadata.json", file_size=1000)

    return build


def long_metadata():
    """Valid metadata with a loss curve of 7 million zeros: 15 MiB that deflates to 19 KB."""
    metadata = json.loads(members(io.BytesIO(legitimate_file()[0]))["metadata.json"])
    estimator = metadata["model"]["params"]["steps"][1]["items"][1]
    estimator["state"]["loss_curve_"] = [0] * (15 * 2**20 // 2)
    text = json.dumps(metadata, separators=(",", ":")).encode()
    return with_members(lambda c: c.__setitem__("metadata.json", text))


def nested_dicts(key_length, depth):
    """An unchecked attribute of ``depth`` nested dict records, each keyed by ``key_length`` chars.

    Naming every level after its parents' keys would cost key_length * depth**2.
    """
    value = 1
    for level in range(depth):
        value = {"type": "dict", "items": {str(level % 10) * key_length: value}}
    metadata = json.loads(members(io.BytesIO(legitimate_file()[0]))["metadata.json"])
    metadata["model"]["params"]["steps"][1]["items"][1]["state"]["foo_"] = value
    text = json.dumps(metadata).encode()
    return with_members(lambda c: c.__setitem__("metadata.json", text))


def n_params():
    return legitimate_file()[1][-1].network_.n_params


CORPUS = {
    **{
        f"unreferenced-bomb-{name}": functools.partial(
            lambda m: add_member(legitimate_file()[0], "a99.npy", zeros_compressed(m)), method
        )
        for name, method in METHODS.items()
    },
    **{f"metadata-bomb-{name}": metadata_bomb(method) for name, method in METHODS.items()},
    **{f"lying-size-{name}": lying_member(method) for name, method in METHODS.items()},
    "metadata-json-bomb": long_metadata,
    "nested-dicts-deep": lambda: nested_dicts(1000, 400),
    "nested-dicts-long-keys": lambda: nested_dicts(20_000, 30),
    "dict-key-of-a-million-characters": lambda: nested_dicts(10**6, 1),
    "declared-size-over-cap": lambda: patch_central(
        legitimate_file()[0], "a0.npy", file_size=0xFFFFFFF0
    ),
    "unreferenced-small-member": lambda: with_members(
        lambda c: c.__setitem__("a50.npy", npy(np.zeros(3)))
    ),
    "missing-member": lambda: with_members(lambda c: c.pop(params_ref())),
    "huge-shape-header": replace_params_header(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }"
    ),
    "overflowing-shape-header": replace_params_header(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2**62, 2**62), }"
    ),
    "negative-shape-header": replace_params_header(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }"
    ),
    "huge-header-length": lambda: with_members(
        lambda c: c.__setitem__(params_ref(), b"\x93NUMPY\x02\x00" + b"\xff\xff\xff\x7f")
    ),
    "object-dtype-header": replace_params_header(
        "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", b"\x80\x04N."
    ),
    "structured-dtype-header": replace_params_header(
        "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", bytes(8)
    ),
    "weights-int64": lambda: replace_params(np.zeros(n_params(), dtype=np.int64))(),
    "weights-bool": lambda: replace_params(np.zeros(n_params(), dtype=bool))(),
    "weights-complex": lambda: replace_params(np.zeros(n_params(), dtype=complex))(),
    "weights-float16": lambda: replace_params(np.zeros(n_params(), dtype=np.float16))(),
    "weights-big-endian": lambda: replace_params(np.zeros(n_params(), dtype=">f8"))(),
    "weights-strings": lambda: replace_params(np.zeros(n_params(), dtype="U3"))(),
    "weights-nan": lambda: replace_params(np.full(n_params(), np.nan))(),
    "weights-wrong-length": lambda: replace_params(np.zeros(n_params() + 1))(),
    "weights-2d": lambda: replace_params(np.zeros((n_params(), 1)))(),
    "fortran-order": replace_params_header(
        "{'descr': '<f8', 'fortran_order': True, 'shape': (1,), }", bytes(8)
    ),
    "npy-version-3": lambda: with_members(
        lambda c: c.__setitem__(params_ref(), b"\x93NUMPY\x03\x00" + bytes(8))
    ),
    "duplicate-member": lambda: add_member(
        legitimate_file()[0], "a0.npy", legitimate_file()[0], "a0.npy"
    ),
    "encrypted-flag": lambda: legitimate_file()[0].replace(
        b"PK\x01\x02\x14\x03\x14\x00\x00\x00", b"PK\x01\x02\x14\x03\x14\x00\x01\x00", 1
    ),
    "not-a-zip": lambda: b"\x80\x04\x95" + bytes(100),
    "empty": lambda: b"",
    "zip-without-metadata": lambda: with_members(lambda c: c.pop("metadata.json")),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_hostile_file_is_refused_quickly_cheaply_and_without_running_code(name, tmp_path):
    path = tmp_path / "hostile.skbp"
    path.write_bytes(CORPUS[name]())
    with nothing_runs(), measured() as cost, pytest.raises(ModelFileError) as refused:
        load(path)
    assert str(path) in str(refused.value)
    assert cost["seconds"] < MAX_SECONDS, cost
    assert cost["peak"] < MAX_PEAK, cost


def test_the_legitimate_file_loads_within_the_same_bounds(tmp_path):
    path = tmp_path / "model.skbp"
    path.write_bytes(legitimate_file()[0])
    with nothing_runs(), measured() as cost:
        loaded = load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), legitimate_file()[1].predict_proba(X))
    assert cost["seconds"] < MAX_SECONDS and cost["peak"] < MAX_PEAK, cost


@pytest.mark.parametrize("name, method", METHODS.items())
def test_a_referenced_member_compressed_past_deflate_s_ratio_is_refused_unread(name, method):
    info = zipfile.ZipFile(io.BytesIO(zeros_compressed(method))).getinfo("x")
    refused = info.file_size > 1100 * info.compress_size + 4096
    assert refused == (method in (zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)), name


@pytest.mark.parametrize("method", METHODS.values(), ids=METHODS.keys())
def test_a_model_file_recompressed_with_any_method_loads_identically(method, tmp_path):
    data, model = legitimate_file()
    path = tmp_path / "model.skbp"
    write_archive(path, members(io.BytesIO(data)), method)
    loaded = load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_a_larger_array_is_read_across_many_chunks_with_every_method(tmp_path):
    model = MLPScratchClassifier(hidden_layer_sizes=(300, 300), max_iter=1, random_state=0)
    model.fit(X, Y)  # about 100 000 weights: 0.8 MB per array, many reads of 64 KiB
    path = tmp_path / "model.skbp"
    save(model, path)
    for method in METHODS.values():
        write_archive(path, members(path), method)
        np.testing.assert_array_equal(load(path).network_.params, model.network_.params)


def test_max_bytes_caps_the_total_and_is_named_in_the_message(tmp_path):
    path = tmp_path / "model.skbp"
    path.write_bytes(legitimate_file()[0])
    with pytest.raises(ModelFileError, match="max_bytes=1000"):
        load(path, max_bytes=1000)
    assert MAX_BYTES == 4 * 2**30
    with pytest.raises(ValueError, match="max_bytes must be a positive integer"):
        load(path, max_bytes=0)


# -------------------------------------------------------------- corruption


@functools.cache
def smallest_file():
    """Bytes of a very small fitted classifier's model file, and the classifier."""
    import tempfile

    model = MLPScratchClassifier(hidden_layer_sizes=(2,), max_iter=2, solver="lbfgs")
    model.fit(X[:, :2], Y > 0)
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/model.skbp"
        save(model, path)
        with open(path, "rb") as file:
            return file.read(), model


def _outcome(path, model, expected_proba):
    """'identical', 'refused' or the name of whatever else happened."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loaded = load(path)
    except ModelFileError:
        return "refused"
    except Exception as exc:  # noqa: BLE001 - the test reports what escaped
        return type(exc).__name__
    same = (
        repr(loaded) == repr(model)
        and np.array_equal(loaded.network_.params, model.network_.params)
        and np.array_equal(loaded.classes_, model.classes_)
        and np.array_equal(loaded.predict_proba(X[:, :2]), expected_proba)
    )
    return "identical" if same else "different"


def test_every_flipped_byte_and_every_truncation_loads_identically_or_is_refused(tmp_path):
    data, model = smallest_file()
    expected_proba = model.predict_proba(X[:, :2])
    path = tmp_path / "model.skbp"
    outcomes = {}
    start = time.perf_counter()
    variants = [("flip", i) for i in range(len(data))] + [("cut", n) for n in range(len(data))]
    for kind, i in variants:
        if kind == "flip":
            corrupted = data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1 :]
        else:
            corrupted = data[:i]
        path.write_bytes(corrupted)
        outcome = _outcome(path, model, expected_proba)
        outcomes.setdefault((kind, outcome), []).append(i)
    elapsed = time.perf_counter() - start
    summary = {key: len(positions) for key, positions in outcomes.items()}
    allowed = {"identical", "refused"}
    assert {outcome for _, outcome in summary} <= allowed, {
        key: positions[:5] for key, positions in outcomes.items() if key[1] not in allowed
    }
    assert summary[("cut", "refused")] == len(data)  # a cut file never loads
    assert summary[("flip", "refused")] > len(data) // 2
    assert elapsed < 60, summary  # nothing hangs
    print(f"{len(data)} bytes, {elapsed:.1f} s:", summary)


def test_checksum_catches_a_change_in_stored_array_data(tmp_path):
    # A stored (uncompressed) member changed in place: only the CRC can tell.
    contents = members(io.BytesIO(legitimate_file()[0]))
    path = tmp_path / "model.skbp"
    write_archive(path, contents)
    info = zipfile.ZipFile(path).infolist()[-1]
    data = bytearray(path.read_bytes())
    data[info.header_offset + 30 + len(info.filename) + 20] ^= 0x01  # past the .npy magic
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="checksum"):
        load(path)
