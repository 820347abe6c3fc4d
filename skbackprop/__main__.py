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

from . import MLPScratchClassifier, __version__, load, save


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
    expected = model.predict_proba(X_test)
    with tempfile.TemporaryDirectory() as directory:
        joblib.dump(model, Path(directory) / "model.joblib")
        from_joblib = joblib.load(Path(directory) / "model.joblib")
        save(model, Path(directory) / "model.skbp")
        from_safe_file = load(Path(directory) / "model.skbp")
    same_joblib = np.array_equal(from_joblib.predict_proba(X_test), expected)
    same_safe = np.array_equal(from_safe_file.predict_proba(X_test), expected)
    print(f"\njoblib round trip: predictions identical = {same_joblib}")
    print(f"skbackprop.save/load (no pickle) round trip: predictions identical = {same_safe}")
    return 0 if same_joblib and same_safe else 1


if __name__ == "__main__":
    sys.exit(main())
