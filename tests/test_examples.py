"""The gallery examples: each runs offline as a script and saves its figure."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))
# Examples that need an optional extra, and its modules (docs/conf.py shows them unrun without).
EXAMPLE_EXTRAS = {"plot_onnx_export": ("onnx", ("skl2onnx", "onnxruntime"))}


def _example_environment():
    env = dict(os.environ, MPLBACKEND="Agg")
    # The examples' matrices are small: one BLAS thread per process is faster,
    # and on a shared two-core machine it avoids threads spinning against each
    # other (measured: a 10x slowdown of a 100-unit fit under load).
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(variable, "1")
    return env


def test_there_are_examples_to_run():
    assert len(EXAMPLES) >= 6, [path.name for path in EXAMPLES]


@pytest.mark.parametrize("script", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_example_runs_and_saves_its_figure(script, tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    extra, modules = EXAMPLE_EXTRAS.get(script.stem, (None, ()))
    for module in modules:
        pytest.importorskip(module, reason=f"the {extra} extra is not installed")
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=_example_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"{script.name} failed:\n{result.stdout}\n{result.stderr}"
    assert result.stdout.strip(), f"{script.name} printed nothing"
    figure = tmp_path / f"{script.stem}.png"
    assert figure.is_file(), f"{script.name} did not save {figure.name}"
    data = figure.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000


def test_every_example_has_a_place_in_the_gallery_reading_order():
    sys.path.insert(0, str(ROOT / "docs" / "sphinxext"))
    try:
        from gallery_order import READING_ORDER
    finally:
        sys.path.pop(0)
    assert sorted(READING_ORDER) == [path.name for path in EXAMPLES]
    assert (ROOT / "examples" / "GALLERY_HEADER.rst").is_file()
