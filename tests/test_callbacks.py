"""scikit-learn's callback protocol (skbackprop/_callbacks.py): one task per epoch."""

import warnings

import numpy as np
import pytest
from sklearn.callback import ScoringMonitor
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import MLPScratchClassifier

X, Y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X)


class Recorder:
    """Records every hook call; optionally stops or interrupts at an epoch."""

    def __init__(self, stop_at=None, interrupt_at=None):
        self.stop_at = stop_at
        self.interrupt_at = interrupt_at
        self.calls = []
        self.fitted = []

    def setup(self, estimator, context):
        self.calls.append(("setup", None))

    def teardown(self, estimator, context):
        self.calls.append(("teardown", None))

    def on_fit_task_begin(self, estimator, context, *, X=None, y=None):
        self.calls.append(("begin", context.task_name))

    def on_fit_task_end(self, estimator, context, *, X=None, y=None, fitted_estimator=None):
        self.calls.append(("end", context.task_name))
        if context.task_name in ("epoch", "iteration") and fitted_estimator is not None:
            self.fitted.append(fitted_estimator)
            if len(self.fitted) == self.interrupt_at:
                raise KeyboardInterrupt
            return len(self.fitted) == self.stop_at
        return False

    def count(self, hook, task_name):
        return self.calls.count((hook, task_name))


class PropagatedRecorder(Recorder):
    """The same, propagated by meta-estimators (Pipeline, GridSearchCV) to their steps."""

    max_propagation_depth = None

    def on_fit_task_begin(self, estimator, context, *, X=None, y=None):
        self.calls.append(("begin", context.task_name, context.estimator_name))

    def on_fit_task_end(self, estimator, context, *, X=None, y=None, fitted_estimator=None):
        self.calls.append(("end", context.task_name, context.estimator_name))


def _clf(**params):
    params = {"hidden_layer_sizes": (5,), "max_iter": 5, "random_state": 0, **params}
    return MLPScratchClassifier(**params)


def _fit_quietly(clf, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(*args, **kwargs)


def test_each_epoch_is_one_task_of_the_fit():
    recorder = Recorder()
    clf = _fit_quietly(_clf().set_callbacks(recorder), X, Y)
    assert clf.n_iter_ == 5
    assert recorder.count("begin", "epoch") == recorder.count("end", "epoch") == 5
    assert recorder.count("begin", "fit") == recorder.count("end", "fit") == 1
    assert recorder.calls[0] == ("setup", None) and recorder.calls[-1] == ("teardown", None)


def test_fitted_estimator_given_to_callbacks_is_a_snapshot_of_that_epoch():
    recorder = Recorder()
    _fit_quietly(_clf().set_callbacks(recorder), X, Y)
    after_one_epoch = _fit_quietly(_clf(max_iter=1), X, Y)
    np.testing.assert_allclose(
        recorder.fitted[0].predict_proba(X), after_one_epoch.predict_proba(X), rtol=1e-12
    )


def test_each_lbfgs_iteration_is_one_task():
    recorder = Recorder()
    clf = _fit_quietly(_clf(solver="lbfgs").set_callbacks(recorder), X, Y)
    assert len(recorder.fitted) == clf.n_iter_ == 5
    assert recorder.count("begin", "iteration") == recorder.count("end", "iteration")


def test_partial_fit_is_one_task_with_one_epoch():
    recorder = Recorder()
    _clf().set_callbacks(recorder).partial_fit(X, Y, classes=np.unique(Y))
    assert recorder.count("end", "epoch") == 1
    assert recorder.count("end", "fit") == 1


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_callback_can_stop_training_without_a_convergence_warning(solver):
    clf = _clf(solver=solver, max_iter=50).set_callbacks(Recorder(stop_at=3))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X, Y)
    assert clf.n_iter_ == 3
    assert len(clf.loss_curve_) == 3


@pytest.mark.parametrize(
    "solver, early_stopping",
    [
        ("adam", False),
        ("adam", True),
        ("lbfgs", False),
    ],
)
def test_keyboard_interrupt_leaves_a_usable_model(solver, early_stopping):
    clf = _clf(solver=solver, max_iter=50, early_stopping=early_stopping)
    clf.set_callbacks(Recorder(interrupt_at=3))
    X_val, y_val = X[::3], Y[::3]
    with pytest.warns(UserWarning, match="interrupted"):
        clf.fit(X, Y, X_val=X_val, y_val=y_val)
    assert clf.n_iter_ == 3
    assert np.isfinite(clf.network_.params).all()
    assert set(clf.predict(X)) <= set(clf.classes_)
    if early_stopping:  # the best validation weights are back
        assert clf.score(X_val, y_val) == pytest.approx(clf.best_validation_score_)


def test_scoring_monitor_scores_every_epoch():
    monitor = ScoringMonitor(scoring="accuracy")
    clf = _fit_quietly(_clf(max_iter=4).set_callbacks(monitor), X, Y)
    rows = [row for row in monitor.get_logs().data if row["task_name"] == "epoch"]
    assert len(rows) == clf.n_iter_ == 4
    assert rows[-1]["accuracy"] == pytest.approx(clf.score(X, Y))


def test_progress_bar_shows_the_fit(capsys):
    pytest.importorskip("rich", reason="the progress extra is not installed")
    from sklearn.callback import ProgressBar

    _fit_quietly(_clf(max_iter=3).set_callbacks(ProgressBar()), X, Y)
    out = capsys.readouterr().out
    assert "MLPScratchClassifier - fit" in out
    assert "100%" in out


def test_callbacks_propagate_into_a_pipeline():
    recorder = PropagatedRecorder()
    pipe = make_pipeline(StandardScaler(), _clf(max_iter=4)).set_callbacks(recorder)
    _fit_quietly(pipe, X, Y)
    epochs = [c for c in recorder.calls if c == ("end", "epoch", "MLPScratchClassifier")]
    assert len(epochs) == pipe[-1].n_iter_ == 4


def test_callbacks_propagate_through_grid_search():
    recorder = PropagatedRecorder()
    search = GridSearchCV(
        make_pipeline(StandardScaler(), _clf(max_iter=2)),
        {"mlpscratchclassifier__alpha": [1e-4, 1e-2]},
        cv=2,
    ).set_callbacks(recorder)
    _fit_quietly(search, X, Y)
    epochs = [c for c in recorder.calls if c == ("end", "epoch", "MLPScratchClassifier")]
    assert len(epochs) == (2 * 2 + 1) * 2  # (candidates × folds + refit) × epochs
