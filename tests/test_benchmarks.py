"""The benchmark script still runs: a tiny smoke run, so it cannot rot (no timing assertions)."""

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_mlp.py"


def test_benchmark_tiny_run_prints_every_table():
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--tiny", "--threads", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    assert "BLAS:" in out and "threads" in out  # the machine and BLAS it ran on
    for header in ("skb epoch ms", "skl epoch ms", "GEMM ms", "skb acc", "skl acc"):
        assert header in out
    for solver in ("adam", "sgd", "lbfgs"):
        assert re.search(rf"^tiny +{solver} ", out, flags=re.MULTILINE)
    assert re.search(r"^tiny regression +adam ", out, flags=re.MULTILINE)  # vs MLPRegressor
    assert "opt ms" in out and "skb/(GEMM+opt)" in out
    assert "predict_proba" in out and "GEMM/skl" in out and "MiB added by fit" in out
    assert "Where a skbackprop epoch goes" in out
    assert all(part in out for part in ("gather", "products", "activations", "bias + L2", "other"))
    assert "dropout epoch ms" in out and "dropout/plain" in out
