"""Benchmark: skbackprop's estimators against scikit-learn's MLPClassifier and MLPRegressor.

Run from the repository root::

    python benchmarks/bench_mlp.py            # full table, a few minutes on 2 cores
    python benchmarks/bench_mlp.py --quick    # smaller data and fewer repeats, under a minute

Both libraries get identical parameters, data and seeds (classification rows:
the classifiers; regression rows: the regressors, squared error). For every row the two
libraries are run alternately, fit after fit, and the medians are reported, so
that a busy machine slows both alike; compare the ratios, not the absolute times.
Each ratio is the median of the ratios of measurements taken side by side (one
per repeat), which cancels a slow spell of a shared machine better than a ratio
of medians.

What is measured
----------------
epoch
    ``(fit(1 + k epochs) - fit(1 epoch)) / k``, the two fits run back to back,
    median over the repeats: the cost of one more epoch, without the one-off
    set-up of ``fit`` (validation, encoding, initialisation). Fixed epoch counts:
    ``tol=0`` and ``n_iter_no_change=max_iter``.
    For L-BFGS an "epoch" is one iteration (at least one full-batch pass).
fit
    The whole ``fit`` with ``1 + k`` epochs, set-up included.
GEMM
    The matrix products alone of one epoch (forward, weight gradients, backward
    recurrence) with the same shapes, dtype and BLAS, into preallocated arrays:
    the floor that any numpy implementation of the same maths must pay. Timed
    once per repeat, between the fits.
opt
    skbackprop's optimizer steps alone for one epoch (as many ``step`` calls as
    minibatches, on a parameter vector of the network's size): the elementwise
    work that comes on top of the GEMMs whatever the forward and backward passes
    do. ``skb/(GEMM+opt)`` is what is left for everything else.
spread
    ``max / min - 1`` of the repeated longer fits (the larger of the two
    libraries): above ~20% the machine was busy and the row deserves a re-run.
acc
    Accuracy (classification) or R² (regression) on a held-out split, after
    the timed ``fit``.
predict
    ``predict_proba`` on 10,000 rows with a fitted model, and the matrix
    products alone of that forward pass: no implementation of the same maths
    in the same precision is faster than them.
memory
    Peak resident memory (RSS) of ``fit`` in a fresh child process, above the
    resident memory once the data are loaded (``VmHWM`` from ``/proc``).
dropout
    skbackprop's epoch time with ``dropout=0.5`` on every hidden layer against
    the same network without dropout (drawing the masks, the forward and
    backward multiplications): the median of side-by-side ratios.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import sklearn
import torch_mlp
from epoch_parts import epoch_parts
from floors import gemm_epoch_seconds, optimizer_epoch_seconds, predict_gemm_seconds
from report import memory_table, parts_table, predict_table, rst_table, training_table
from sklearn.datasets import load_digits, make_classification, make_friedman1, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import LabelBinarizer
from threadpoolctl import threadpool_info, threadpool_limits

import skbackprop
from skbackprop import MLPScratchClassifier, MLPScratchRegressor
from skbackprop.activations import ReLU
from skbackprop.initializers import GlorotUniform
from skbackprop.network import Network

LIBRARIES = {"skbackprop": MLPScratchClassifier, "sklearn": MLPClassifier}
REGRESSORS = {"skbackprop": MLPScratchRegressor, "sklearn": MLPRegressor}
#: Data sets whose rows compare the regressors.
REGRESSION_DATA = {"regression8k", "friedman", "tiny regression"}
PREDICT_ROWS = 10_000


# --------------------------------------------------------------------- data


def mnist_shaped(n_train, n_features=784, n_test=PREDICT_ROWS, seed=0):
    """Synthetic 10-class data shaped like MNIST, from ``make_classification``."""
    X, y = make_classification(
        n_samples=n_train + n_test,
        n_features=n_features,
        n_informative=min(50, n_features),
        n_redundant=0,
        n_classes=10,
        n_clusters_per_class=1,
        class_sep=2.0,
        random_state=seed,
    )
    return X[:n_train], X[n_train:], y[:n_train], y[n_train:]


def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)


def regression(n_train, n_features, n_test=2_000, seed=0):
    """A standardised regression target on MNIST-like inputs (``make_regression``)."""
    X, y = make_regression(
        n_samples=n_train + n_test,
        n_features=n_features,
        n_informative=50,
        noise=10.0,
        random_state=seed,
    )
    y = (y - y.mean()) / y.std()
    return X[:n_train], X[n_train:], y[:n_train], y[n_train:]


def friedman():
    X, y = make_friedman1(n_samples=12_000, noise=1.0, random_state=0)
    return train_test_split(X, (y - y.mean()) / y.std(), test_size=2_000, random_state=0)


# ----------------------------------------------------------------- workloads


def workloads(mode):
    """Rows of the table: (name, data, hidden layers, solver, dtype, extra epochs, repeats)."""
    if mode == "tiny":  # the test suite's smoke run
        return [
            ("tiny", "tiny", (16,), "adam", "float64", 1, 1),
            ("tiny", "tiny", (16,), "sgd", "float32", 1, 1),
            ("tiny", "tiny", (16, 8), "lbfgs", "float64", 1, 1),
            ("tiny regression", "tiny regression", (16,), "adam", "float64", 1, 1),
        ]
    rows = [
        ("digits", "digits", (100,), "adam", "float64", 20, 11),
        ("digits", "digits", (100,), "adam", "float32", 20, 11),
        ("MNIST-shaped 8k", "mnist8k", (256,), "adam", "float64", 4, 7),
        ("MNIST-shaped 8k", "mnist8k", (256,), "adam", "float32", 4, 7),
        ("regression 8k x 784", "regression8k", (256,), "adam", "float64", 4, 7),
        ("Friedman #1 10k", "friedman", (100,), "adam", "float64", 10, 7),
    ]
    if mode == "quick":
        return [(n, d, h, s, t, k, max(3, r // 2)) for n, d, h, s, t, k, r in rows]
    return rows + [
        ("digits", "digits", (100,), "sgd", "float64", 20, 7),
        ("digits", "digits", (100,), "lbfgs", "float64", 20, 5),
        ("MNIST-shaped 8k", "mnist8k", (256,), "sgd", "float32", 4, 5),
        ("MNIST-shaped 8k", "mnist8k", (256,), "lbfgs", "float32", 10, 3),
        ("deep (512, 256, 128)", "mnist8k", (512, 256, 128), "adam", "float64", 2, 3),
        ("deep (512, 256, 128)", "mnist8k", (512, 256, 128), "adam", "float32", 2, 3),
        ("MNIST-shaped 60k", "mnist60k", (256,), "adam", "float32", 2, 2),
        ("regression 8k x 784", "regression8k", (256,), "adam", "float32", 4, 5),
        ("regression 8k x 784", "regression8k", (256,), "lbfgs", "float64", 10, 3),
    ]


def load(key):
    if key == "digits":
        return digits()
    if key == "tiny":
        return mnist_shaped(300, n_features=20, n_test=100)
    if key == "tiny regression":
        return regression(300, n_features=60, n_test=100)
    if key == "regression8k":
        return regression(8_000, n_features=784)
    if key == "friedman":
        return friedman()
    return mnist_shaped({"mnist8k": 8_000, "mnist60k": 60_000}[key])


def estimator(library, hidden, solver, epochs, regression=False):
    return (REGRESSORS if regression else LIBRARIES)[library](
        hidden_layer_sizes=hidden,
        solver=solver,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs,
        random_state=0,
    )


# ------------------------------------------------------------------- timing


def time_fit(library, X, y, hidden, solver, epochs, regression=False):
    model = estimator(library, hidden, solver, epochs, regression)
    start = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - start, model


def skbackprop_epoch_seconds(X, y, hidden, extra_epochs, **params):
    """``(fit(1 + k epochs) - fit(1 epoch)) / k`` of skbackprop with ``params``."""
    seconds = []
    for epochs in (1, 1 + extra_epochs):
        model = MLPScratchClassifier(
            hidden, max_iter=epochs, tol=0.0, n_iter_no_change=epochs, random_state=0, **params
        )
        start = time.perf_counter()
        model.fit(X, y)
        seconds.append(time.perf_counter() - start)
    return (seconds[1] - seconds[0]) / extra_epochs


def dropout_cost(X, y, hidden, extra_epochs, repeats):
    """Epoch times without and with dropout=0.5, and the median side-by-side ratio."""
    plain, dropped = [], []
    for _ in range(repeats):
        plain.append(skbackprop_epoch_seconds(X, y, hidden, extra_epochs))
        dropped.append(skbackprop_epoch_seconds(X, y, hidden, extra_epochs, dropout=0.5))
    ratios = [d / p for d, p in zip(dropped, plain) if p > 0]
    return np.median(plain), np.median(dropped), np.median(ratios) if ratios else float("nan")


def measure_row(row, data):
    name, key, hidden, solver, dtype, extra, repeats = row
    X_train, X_test, y_train, y_test = data
    X_train, X_test = X_train.astype(dtype), X_test.astype(dtype)
    n_samples = X_train.shape[0]
    batch = n_samples if solver == "lbfgs" else 200
    regression = key in REGRESSION_DATA
    n_outputs = 1 if regression else len(np.unique(y_train))
    layer_sizes = (X_train.shape[1], *hidden, n_outputs)
    epoch_times = {lib: [] for lib in LIBRARIES}
    fit_times = {lib: [] for lib in LIBRARIES}
    gemm, ratios, gemm_ratios, models = [], [], [], {}
    torch_times, torch_ratios = {False: [], True: []}, {False: [], True: []}
    for repeat in range(repeats):
        # Alternate which library goes first; each one's short and long fits run
        # back to back, so that their difference sees the same machine load.
        for library in LIBRARIES if repeat % 2 == 0 else reversed(LIBRARIES):
            short, short_model = time_fit(library, X_train, y_train, hidden, solver, 1, regression)
            long, model = time_fit(library, X_train, y_train, hidden, solver, 1 + extra, regression)
            iterations = max(model.n_iter_ - short_model.n_iter_, 1)
            epoch_times[library].append(max(long - short, 0.0) / iterations)
            fit_times[library].append(long)
            models[library] = model
        gemm.append(gemm_epoch_seconds(layer_sizes, n_samples, batch, dtype))
        if torch_mlp.available() and solver == "adam":
            for fused in (False, True):
                seconds = torch_epoch_seconds(layer_sizes, X_train, y_train, regression, fused)
                torch_ratios[fused].append(seconds / max(epoch_times["sklearn"][-1], 1e-9))
                torch_times[fused].append(seconds)
        skb_epoch = epoch_times["skbackprop"][-1]
        ratios.append(skb_epoch / max(epoch_times["sklearn"][-1], 1e-9))
        gemm_ratios.append(skb_epoch / max(gemm[-1], 1e-9))
    result = {
        "workload": name,
        "solver": solver,
        "dtype": dtype,
        "gemm": float(np.median(gemm)),
        "ratio": float(np.median(ratios)),
        "gemm_ratio": float(np.median(gemm_ratios)),
    }
    for fused, label in ((False, "torch"), (True, "torch_fused")):
        if torch_times[fused]:
            result[label] = float(np.median(torch_times[fused]))
            result[label + "_ratio"] = float(np.median(torch_ratios[fused]))
    optimizer = models["skbackprop"].optimizer_
    if optimizer.stochastic:
        n_params = models["skbackprop"].network_.n_params
        n_batches = -(-n_samples // batch)
        optimizer = type(optimizer)(**optimizer.get_params())
        result["optimizer"] = optimizer_epoch_seconds(optimizer, n_params, n_batches, dtype)
    # How far apart the repeats of the longer fits are: a busy machine shows here.
    result["spread"] = max(max(t) / min(t) - 1 for t in fit_times.values())
    for library, model in models.items():
        result[library] = {
            "epoch": float(np.median(epoch_times[library])),
            "fit": float(np.median(fit_times[library])),
            "accuracy": float(model.score(X_test, y_test)),
            "epochs": int(model.n_iter_),
        }
    if solver == "adam":
        Y = y_train.reshape(-1, 1) if regression else LabelBinarizer().fit_transform(y_train)
        result["parts"] = epoch_parts(models["skbackprop"], X_train, Y.astype(dtype))
    if key in ("mnist8k", "tiny") and solver == "adam":
        result["predict"] = time_predict(models, X_test)
        result["predict_gemm"] = predict_gemm_seconds(layer_sizes, X_test)
        result["predict_rows"] = X_test.shape[0]
    return result


def torch_epoch_seconds(layer_sizes, X, y, regression, fused, epochs=2):
    """PyTorch's Adam epoch on the same network, from skbackprop's initial weights."""
    network = Network(layer_sizes, ReLU(), ReLU(), X.dtype)
    network.initialize(GlorotUniform(), np.random.RandomState(0))
    return torch_mlp.epoch_seconds(
        network.weights,
        network.biases,
        X,
        y if regression else np.unique(y, return_inverse=True)[1],
        regression=regression,
        fused=fused,
        epochs=epochs,
    )


def time_predict(models, X, repeats=9):
    times = {library: [] for library in models}
    for _ in range(repeats):
        for library, model in models.items():
            start = time.perf_counter()
            model.predict_proba(X)
            times[library].append(time.perf_counter() - start)
    result = {library: float(np.median(t)) for library, t in times.items()}
    ratios = np.divide(times["skbackprop"], times["sklearn"])
    result["ratio"] = float(np.median(ratios))
    return result


# ------------------------------------------------------------------- memory


def _resident_kib(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status")


def memory_child(args):
    """Child process: load the data, reset the RSS high-water mark, fit, report it."""
    X = np.load(args.data)
    y = np.load(args.labels)
    warnings.simplefilter("ignore", ConvergenceWarning)
    model = estimator(args.child_memory, tuple(args.hidden), "adam", args.epochs)
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := current RSS
    before = _resident_kib("VmRSS")
    model.fit(X, y)
    peak = _resident_kib("VmHWM")
    print(
        json.dumps(
            {
                "before_mib": before / 1024,
                "peak_mib": peak / 1024,
                "data_mib": (X.nbytes + y.nbytes) / 2**20,
            }
        )
    )


def measure_memory(X, y, hidden, epochs):
    """Peak RSS of fit for each library, each in a fresh child process."""
    if not Path("/proc/self/clear_refs").exists():
        return None
    results = {}
    with tempfile.TemporaryDirectory() as directory:
        data, labels = Path(directory) / "X.npy", Path(directory) / "y.npy"
        np.save(data, X)
        np.save(labels, y)
        for library in LIBRARIES:
            command = [
                sys.executable,
                __file__,
                "--child-memory",
                library,
                "--data",
                str(data),
                "--labels",
                str(labels),
                "--epochs",
                str(epochs),
                "--hidden",
                *map(str, hidden),
            ]
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            results[library] = json.loads(out.strip().splitlines()[-1])
    return results


# ------------------------------------------------------------------- report


def machine_description(threads):
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    lines = [
        f"machine: {cpu}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}",
        (
            f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn "
            f"{sklearn.__version__}, skbackprop {skbackprop.__version__}"
        ),
    ]
    for pool in threadpool_info():
        if pool["user_api"] == "blas":
            lines.append(
                f"BLAS: {pool['internal_api']} {pool['version']} ({pool.get('architecture')}), "
                f"{pool['num_threads']} threads, the one in {Path(pool['filepath']).parent.name}"
            )
    if threads:
        lines.append(f"BLAS threads limited to {threads} for this run")
    if torch_mlp.available():
        torch_mlp.torch.set_num_threads(threads or os.cpu_count())
        lines.append(
            f"PyTorch {torch_mlp.version()} on the CPU, {torch_mlp.torch.get_num_threads()} "
            "threads (columns torch: default Adam, fused: fused=True)"
        )
    else:
        lines.append("PyTorch not installed: no torch columns")
    for variable in (
        "OPENBLAS_CORETYPE",
        "OPENBLAS_L2_SIZE",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
    ):
        if variable in os.environ:
            lines.append(f"{variable}={os.environ[variable]}")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="smaller data, fewer repeats")
    size.add_argument("--tiny", action="store_true", help="a seconds-long smoke run (tests)")
    parser.add_argument("--threads", type=int, default=None, help="limit the BLAS threads")
    parser.add_argument("--child-memory", choices=list(LIBRARIES), help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--labels", help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, default=2, help=argparse.SUPPRESS)
    parser.add_argument("--hidden", type=int, nargs="+", default=[256], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_memory:
        return memory_child(args)

    warnings.simplefilter("ignore", ConvergenceWarning)
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    limits = threadpool_limits(args.threads, user_api="blas") if args.threads else nullcontext()
    with limits:
        print("\n".join(machine_description(args.threads)))
        print(f"mode: {mode}; times are medians of interleaved runs (seconds or ms)\n")
        started = time.perf_counter()
        cache, results = {}, []
        for row in workloads(mode):
            if row[1] not in cache:
                cache = {row[1]: load(row[1])}  # keep one data set in memory at a time
            results.append(measure_row(row, cache[row[1]]))
            print(f"  measured {row[0]}, {row[3]}, {row[4]}", file=sys.stderr)
        print(training_table(results))

        print("\nWhere a skbackprop epoch goes, adam rows, ms per epoch (epoch_parts.py):\n")
        print(parts_table(results))

        print("\npredict_proba of the adam models on the held-out rows:\n")
        print(predict_table(results))

        memory_key = {"tiny": "tiny", "quick": "mnist8k", "full": "mnist60k"}[mode]
        X_train, _, y_train, _ = cache[memory_key] if memory_key in cache else load(memory_key)
        X_train = X_train.astype(np.float32)
        memory = measure_memory(X_train, y_train, (256,) if mode != "tiny" else (16,), 2)
        print(
            f"\nPeak RSS of fit, adam, 2 epochs, {X_train.shape[0]:,} x {X_train.shape[1]} "
            f"float32 ({X_train.nbytes / 2**20:.0f} MiB), each in a fresh process:\n"
        )
        print(memory_table(memory))

        hidden = (16, 8) if mode == "tiny" else (256, 256)
        X_train = X_train[: 2_000 if mode == "tiny" else 8_000]
        y_train = y_train[: len(X_train)]
        extra_epochs, repeats = (1, 1) if mode == "tiny" else (2, 3 if mode == "quick" else 5)
        plain, dropped, ratio = dropout_cost(X_train, y_train, hidden, extra_epochs, repeats)
        print(
            f"\nCost of dropout=0.5, skbackprop, adam, hidden {hidden}, "
            f"{X_train.shape[0]:,} x {X_train.shape[1]} float32:\n"
        )
        header = ["", "epoch ms", "dropout epoch ms", "dropout/plain"]
        row = ["dropout", f"{1e3 * plain:.1f}", f"{1e3 * dropped:.1f}", f"{ratio:.2f}"]
        print(rst_table(header, [row]))
        print(f"\ntotal benchmark time: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
