"""Does dropout help the deep narrow network? Test accuracy with and without it, over seeds.

Six ReLU layers of 500 units on the digits (the gallery's deep network, made
wide enough to memorise the training half), no L2 penalty, Adam at its default
rate; the split and scaling of ``examples/plot_deep_narrow_network.py``. Every
configuration trains for ``--epochs`` epochs (one ``partial_fit`` each, from
one RandomState per seed) and records development and test accuracy after each
epoch. Printed per configuration, as mean ± standard deviation over the seeds:
the test accuracy after 25, 50 and the last epoch, and at the epoch of best
development accuracy (what early stopping on that set would keep).

Run it with one BLAS thread and a low priority, e.g.::

    OPENBLAS_NUM_THREADS=1 nice -n 10 python benchmarks/dropout_experiment.py --seeds 4

It takes about half a second per epoch and configuration on one core.
"""

import argparse
import json
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

from skbackprop import MLPScratchClassifier

CONFIGURATIONS = {
    "no dropout": {},
    "dropout 0.2": {"dropout": 0.2},
    "dropout 0.5": {"dropout": 0.5},
    "dropout 0.5, inputs 0.2": {"dropout": 0.5, "input_dropout": 0.2},
}


def _splits():
    X, y = load_digits(return_X_y=True)
    X_train, X_rest, y_train, y_rest = train_test_split(
        X, y, train_size=0.5, stratify=y, random_state=0
    )
    X_dev, X_test, y_dev, y_test = train_test_split(
        X_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=0
    )
    scaler = MinMaxScaler().fit(X_train)
    return [
        (scaler.transform(X_), y_)
        for X_, y_ in ((X_train, y_train), (X_dev, y_dev), (X_test, y_test))
    ]


def run(configuration, seed, epochs, splits, width, depth):
    (X_train, y_train), (X_dev, y_dev), (X_test, y_test) = splits
    model = MLPScratchClassifier(
        (width,) * depth,
        alpha=0.0,
        random_state=np.random.RandomState(seed),
        **CONFIGURATIONS[configuration],
    )
    classes = np.unique(y_train)
    dev, test = [], []
    for _ in range(epochs):
        model.partial_fit(X_train, y_train, classes=classes)
        dev.append(model.score(X_dev, y_dev))
        test.append(model.score(X_test, y_test))
    return {"dev": dev, "test": test, "train": model.score(X_train, y_train)}


def summarise(results, epochs):
    rows = []
    for configuration, runs in results.items():
        tests = np.array([run["test"] for run in runs])
        devs = np.array([run["dev"] for run in runs])
        at_best_dev = tests[np.arange(len(runs)), devs.argmax(axis=1)]
        columns = {
            f"epoch {e}": tests[:, e - 1]
            for e in sorted({min(25, epochs), min(50, epochs), epochs})
        }
        columns["at best dev"] = at_best_dev
        cells = "  ".join(f"{k} {v.mean():.4f}±{v.std():.4f}" for k, v in columns.items())
        train = np.mean([run["train"] for run in runs])
        rows.append(f"{configuration:<25} {cells}  (train {train:.4f})")
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--width", type=int, default=500)
    parser.add_argument("--depth", type=int, default=6)
    parser.add_argument("--output", help="JSON file for the per-epoch accuracies")
    args = parser.parse_args()
    splits = _splits()
    results = {configuration: [] for configuration in CONFIGURATIONS}
    for seed in range(args.seeds):
        for configuration in CONFIGURATIONS:
            start = time.perf_counter()
            results[configuration].append(
                run(configuration, seed, args.epochs, splits, args.width, args.depth)
            )
            print(
                f"seed {seed} {configuration}: test {results[configuration][-1]['test'][-1]:.4f} "
                f"({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
        if args.output:
            with open(args.output, "w") as file:
                json.dump(results, file)
    print(f"\ntest accuracy over {args.seeds} seeds, {args.depth} ReLU layers of {args.width}")
    print(summarise(results, args.epochs))


if __name__ == "__main__":
    main()
