"""LossCurveDisplay: drawn from estimators and pipelines, rendered to PNG with Agg."""

import warnings

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib", reason="the plot extra is not installed")

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skbackprop import MLPScratchClassifier, MLPScratchRegressor
from skbackprop.plotting import LossCurveDisplay

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400], y[:400]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


def _render_png(display, path):
    display.figure_.savefig(path)
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG"), "not a PNG file"
    return data


def _has_ink(figure):
    """Whether the rendered canvas has pixels that are not the background colour."""
    figure.canvas.draw()
    pixels = np.asarray(figure.canvas.buffer_rgba())[..., :3]
    return (pixels != pixels[0, 0]).any()


def test_from_estimator_renders_training_loss_to_non_empty_png(digits, tmp_path):
    clf = _fit(
        MLPScratchClassifier(hidden_layer_sizes=(16,), max_iter=8, random_state=0),
        digits[0] / 16,
        digits[1],
    )
    display = LossCurveDisplay.from_estimator(clf)
    assert set(display.lines_) == {"loss"}
    assert display.score_ax_ is None
    np.testing.assert_allclose(display.lines_["loss"].get_ydata(), clf.loss_curve_)
    np.testing.assert_array_equal(display.lines_["loss"].get_xdata(), np.arange(1, 9))
    assert display.ax_.get_xlabel() == "Epoch"
    assert display.ax_.get_title() == "MLPScratchClassifier"
    assert len(_render_png(display, tmp_path / "loss.png")) > 1000
    assert _has_ink(display.figure_)


def test_from_estimator_adds_validation_score_axis_with_early_stopping(digits, tmp_path):
    clf = _fit(
        MLPScratchClassifier(
            hidden_layer_sizes=(16,),
            max_iter=6,
            early_stopping=True,
            n_iter_no_change=100,
            random_state=0,
        ),
        digits[0] / 16,
        digits[1],
    )
    display = LossCurveDisplay.from_estimator(clf)
    assert "validation_score" in display.lines_
    assert display.score_ax_ is not None
    np.testing.assert_allclose(
        display.lines_["validation_score"].get_ydata(), clf.validation_scores_
    )
    # The validation loss is drawn exactly when the estimator records it.
    has_validation_loss = getattr(clf, "validation_loss_curve_", None) is not None
    assert ("validation_loss" in display.lines_) == has_validation_loss
    assert len(_render_png(display, tmp_path / "validation.png")) > 1000


def test_validation_loss_curve_is_drawn_when_given(tmp_path):
    display = LossCurveDisplay(
        loss_curve=[1.0, 0.5, 0.3],
        validation_loss_curve=[1.1, 0.7, 0.6],
        validation_scores=[0.5, 0.7, 0.8],
    ).plot()
    assert list(display.lines_) == ["loss", "validation_loss", "validation_score"]
    np.testing.assert_allclose(display.lines_["validation_loss"].get_ydata(), [1.1, 0.7, 0.6])
    assert display.lines_["validation_loss"].axes is display.ax_
    assert display.lines_["validation_score"].axes is display.score_ax_
    assert len(_render_png(display, tmp_path / "all.png")) > 1000


def test_from_estimator_reads_the_last_step_of_a_fitted_pipeline(digits):
    pipe = _fit(
        make_pipeline(
            MinMaxScaler(),
            MLPScratchClassifier(hidden_layer_sizes=(8,), max_iter=4, random_state=0),
        ),
        *digits,
    )
    from_pipeline = LossCurveDisplay.from_estimator(pipe)
    from_step = LossCurveDisplay.from_estimator(pipe[-1])
    np.testing.assert_array_equal(
        from_pipeline.lines_["loss"].get_ydata(), from_step.lines_["loss"].get_ydata()
    )


def test_plot_draws_on_the_given_axes_and_returns_the_display(digits):
    clf = _fit(
        MLPScratchClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0),
        digits[0] / 16,
        digits[1],
    )
    figure, (left, right) = plt.subplots(1, 2)
    display = LossCurveDisplay.from_estimator(
        clf, ax=right, name="mine", loss_kwargs={"color": "black"}
    )
    assert display.ax_ is right and display.figure_ is figure
    assert not left.lines
    assert right.get_title() == "mine"
    assert display.lines_["loss"].get_color() == "black"
    assert display.plot(ax=left) is display
    assert display.ax_ is left and left.lines


def test_lbfgs_curve_is_labelled_per_iteration(digits):
    clf = _fit(
        MLPScratchClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=5, random_state=0),
        digits[0] / 16,
        digits[1],
    )
    display = LossCurveDisplay.from_estimator(clf)
    assert display.ax_.get_xlabel() == "Iteration"


def test_from_estimator_accepts_scikit_learns_mlp_classifier(digits, tmp_path):
    clf = _fit(
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0),
        digits[0] / 16,
        digits[1],
    )
    display = LossCurveDisplay.from_estimator(clf)
    np.testing.assert_allclose(display.lines_["loss"].get_ydata(), clf.loss_curve_)
    assert len(_render_png(display, tmp_path / "sklearn.png")) > 1000


def test_from_estimator_rejects_an_unfitted_estimator():
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(MLPScratchClassifier())


def test_from_estimator_rejects_an_estimator_without_loss_curve(digits):
    clf = _fit(LogisticRegression(max_iter=10), digits[0] / 16, digits[1])
    with pytest.raises(TypeError, match="loss_curve_"):
        LossCurveDisplay.from_estimator(clf)


def test_plot_rejects_an_empty_loss_curve():
    with pytest.raises(ValueError, match="loss_curve is empty"):
        LossCurveDisplay(loss_curve=[]).plot()


def test_from_estimator_draws_a_regressors_loss_and_validation_r2(digits, tmp_path):
    X, y = digits[0] / 16, digits[1].astype(float)
    reg = MLPScratchRegressor(
        hidden_layer_sizes=(16,), early_stopping=True, max_iter=12, random_state=0
    )
    display = LossCurveDisplay.from_estimator(_fit(make_pipeline(MinMaxScaler(), reg), X, y))
    assert set(display.lines_) == {"loss", "validation_loss", "validation_score"}
    np.testing.assert_allclose(
        display.lines_["validation_score"].get_ydata(), reg.validation_scores_
    )
    assert display.ax_.get_title() == "MLPScratchRegressor"
    assert len(_render_png(display, tmp_path / "regressor.png")) > 1000
