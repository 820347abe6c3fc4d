"""The main job (``make demo``, ``python -m skbackprop``) keeps working."""

import os
import re
import subprocess
import sys


def test_main_job_compares_with_sklearn_and_round_trips_the_model():
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    result = subprocess.run(
        [sys.executable, "-m", "skbackprop"], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr
    rows = {
        line.split()[0]: [float(x) for x in re.findall(r"\d\.\d{4}", line)]
        for line in result.stdout.splitlines()
        if line.startswith(("MLPScratchClassifier", "MLPClassifier"))
    }
    ours, theirs = rows["MLPScratchClassifier"], rows["MLPClassifier"]
    assert ours[2] >= 0.97  # held-out accuracy
    assert ours[0] >= theirs[0] - 0.01  # cross-validated accuracy
    assert result.stdout.count("predictions identical = True") == 2
