"""
=====================================================
Quickstart: a pipeline and a grid search on digits
=====================================================

:class:`~skbackprop.MLPScratchClassifier` is a scikit-learn estimator, so it
goes wherever a classifier goes: here behind a :class:`~sklearn.preprocessing.MinMaxScaler`
in a :class:`~sklearn.pipeline.Pipeline`, tuned by
:class:`~sklearn.model_selection.GridSearchCV`.
"""

# %%
# Data: 8x8 images of handwritten digits
# --------------------------------------
# 1,797 images of 64 pixels with intensities 0 to 16. A neural network trains
# best on inputs of similar scale, so the pipeline starts with a scaler to
# [0, 1]; fitting it inside the pipeline keeps the test set unseen.
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skbackprop import MLPScratchClassifier
from skbackprop.plotting import LossCurveDisplay

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# A first pipeline
# ----------------
# The defaults are scikit-learn's ``MLPClassifier`` defaults: one hidden layer of
# 100 ReLU units and Adam, stopping when the training loss stops improving. A
# step size ten times the default (0.001) converges in a few dozen epochs here.
pipe = make_pipeline(MinMaxScaler(), MLPScratchClassifier(learning_rate_init=0.01, random_state=0))
pipe.fit(X_train, y_train)
print(f"test accuracy: {pipe.score(X_test, y_test):.3f} after {pipe[-1].n_iter_} epochs")

# %%
# A grid search
# -------------
# Pipeline parameters are addressed as ``<step>__<parameter>``. Plugins can be
# searched over by name, like any other string parameter.
param_grid = {
    "mlpscratchclassifier__activation": ["relu", "tanh"],
    "mlpscratchclassifier__alpha": [1e-4, 1e-1],
}
search = GridSearchCV(pipe, param_grid, cv=3)
search.fit(X_train, y_train)
print("best parameters:", search.best_params_)
print(f"cross-validated accuracy: {search.best_score_:.3f}")
print(f"test accuracy of the refitted best pipeline: {search.score(X_test, y_test):.3f}")

# %%
# The best model's training curve and its mistakes
# ------------------------------------------------
# :class:`~skbackprop.plotting.LossCurveDisplay` accepts the fitted pipeline
# and reads the curves from its last step.
fig, (ax_loss, ax_confusion) = plt.subplots(1, 2, figsize=(11, 4.5))
LossCurveDisplay.from_estimator(search.best_estimator_, ax=ax_loss, name="best pipeline")
ConfusionMatrixDisplay.from_estimator(
    search.best_estimator_, X_test, y_test, ax=ax_confusion, colorbar=False
)
ax_confusion.set_title("test set")
fig.tight_layout()
fig.savefig("plot_quickstart.png")
