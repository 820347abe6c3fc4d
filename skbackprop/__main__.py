"""The main job: train on digits beside scikit-learn's MLPClassifier, save, reload.

Run with ``python -m skbackprop``.
"""

import sys
import tempfile
import time
import warnings
from pathlib import Path

import joblib
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from . import MLPScratchClassifier, __version__


def main():
    """Print cross-validated and held-out accuracy of both classifiers, then check persistence."""
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    print(
        f"skbackprop {__version__}: digits, {X.shape[0]} samples, {X.shape[1]} features, "
        f"{len(np.unique(y))} classes; MinMaxScaler + MLP (100,) relu adam\n"
    )
    print(f"{'classifier':<24}{'5-fold CV accuracy':>22}{'held-out accuracy':>20}{'fit time':>11}")
    models = {}
    for cls in (MLPScratchClassifier, MLPClassifier):
        model = make_pipeline(MinMaxScaler(), cls(random_state=0))
        cv = cross_val_score(model, X_train, y_train, cv=5)
        start = time.perf_counter()
        model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        print(
            f"{cls.__name__:<24}{cv.mean():>14.4f} ± {cv.std():.4f}"
            f"{model.score(X_test, y_test):>20.4f}{seconds:>10.2f}s"
        )
        models[cls] = model

    model = models[MLPScratchClassifier]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "model.joblib"
        joblib.dump(model, path)
        reloaded = joblib.load(path)
    same = np.array_equal(reloaded.predict_proba(X_test), model.predict_proba(X_test))
    print(f"\njoblib round trip: predictions identical = {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
