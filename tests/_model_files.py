"""Helpers for the tests of model files: crafting archives, and watching that no code runs."""

import contextlib
import encodings.cp437  # noqa: F401 - zipfile decodes member names with it on first use
import importlib
import json
import os
import pickle
import subprocess
import sys
import time
import tracemalloc
import zipfile

import pytest


def members(path):
    """The members of a zip archive, by name, decompressed."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_archive(path, contents, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def rewrite_metadata(path, change):
    """Rewrite the metadata of a model file in place with ``change(metadata)``.

    ``change`` may return a replacement for the whole metadata.
    """
    contents = members(path)
    metadata = json.loads(contents["metadata.json"])
    metadata = change(metadata) or metadata
    contents["metadata.json"] = json.dumps(metadata).encode()
    write_archive(path, contents)


def find(value, predicate):
    """The JSON objects under ``value`` for which ``predicate`` holds, depth first."""
    found = []
    if isinstance(value, dict):
        if predicate(value):
            found.append(value)
        for item in value.values():
            found.extend(find(item, predicate))
    elif isinstance(value, list):
        for item in value:
            found.extend(find(item, predicate))
    return found


@contextlib.contextmanager
def nothing_runs():
    """Replace the attacker's tools by recorders; on exit, check that none was called.

    ``pickle.loads``, ``os.system`` (and ``posix.system``, what a pickle names),
    ``importlib.import_module`` and ``subprocess.Popen`` record their calls, and no
    module may be imported meanwhile.
    """
    calls = []

    def recorder(name):
        def record(*args, **kwargs):
            calls.append((name, args))
            raise AssertionError(f"{name} was called during load")

        return record

    modules_before = set(sys.modules)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pickle, "loads", recorder("pickle.loads"))
        patch.setattr(os, "system", recorder("os.system"))
        patch.setattr(f"{os.name}.system", recorder("posix.system"))
        patch.setattr(importlib, "import_module", recorder("importlib.import_module"))
        patch.setattr(subprocess, "Popen", recorder("subprocess.Popen"))
        yield calls
    assert calls == []
    assert set(sys.modules) - modules_before == set()


@contextlib.contextmanager
def measured():
    """Record the wall time and the tracemalloc peak (bytes) of the block into a dict."""
    result = {}
    tracemalloc.start()
    start = time.perf_counter()
    try:
        yield result
    finally:
        result["seconds"] = time.perf_counter() - start
        result["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
