"""
===================================================================
Softmax and sigmoid outputs: multiclass, binary, saving and loading
===================================================================

Two hidden ReLU layers of 128 and 64 units, first with a softmax output and
categorical cross-entropy on the ten digits, then with a single sigmoid output
and binary cross-entropy on a two-class problem (the breast-cancer data set).
Both pairings are *canonical*: the Jacobian of the output activation cancels
the derivative of the loss, and the output error is simply
:math:`\\delta^L = a^L - y`. Finally the fitted model is saved and loaded
back, with joblib and in skbackprop's safe format.
"""

# %%
# Multiclass: softmax with cross-entropy
# --------------------------------------
# ``loss="log_loss"`` (the default) would pick this pairing by itself for
# multiclass targets; spelling it out shows the plugins by name.
import tempfile
from pathlib import Path

import joblib
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

import skbackprop
from skbackprop import MLPScratchClassifier
from skbackprop.plotting import LossCurveDisplay

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
multiclass = make_pipeline(
    MinMaxScaler(),
    MLPScratchClassifier(
        hidden_layer_sizes=(128, 64),
        activation="relu",
        loss="cross_entropy",
        output_activation="softmax",
        learning_rate_init=0.005,
        random_state=0,
    ),
)
multiclass.fit(X_train, y_train)
net = multiclass[-1]
print(
    f"digits: test accuracy {multiclass.score(X_test, y_test):.3f} after {net.n_iter_} "
    f"epochs; layers {net.network_.layer_sizes}, {net.network_.n_params} parameters"
)
print("  loss:", net.loss_function_, "| output:", net.output_activation_)
print(
    "  probabilities of the first test image sum to",
    multiclass.predict_proba(X_test[:1]).sum().round(6),
)

# %%
# Binary: one sigmoid output with binary cross-entropy
# ----------------------------------------------------
# For two classes a single output unit is enough: the sigmoid gives
# :math:`P(y = 1)` and :meth:`~skbackprop.MLPScratchClassifier.predict_proba`
# returns both columns, as scikit-learn's classifiers do.
X_bin, y_bin = load_breast_cancer(return_X_y=True)
Xb_train, Xb_test, yb_train, yb_test = train_test_split(
    X_bin, y_bin, stratify=y_bin, random_state=0
)
binary = make_pipeline(
    StandardScaler(),
    MLPScratchClassifier(
        hidden_layer_sizes=(128, 64),
        activation="relu",
        loss="binary_cross_entropy",
        output_activation="logistic",
        learning_rate_init=0.005,
        random_state=0,
    ),
)
binary.fit(Xb_train, yb_train)
bnet = binary[-1]
print(
    f"breast cancer: test accuracy {binary.score(Xb_test, yb_test):.3f} after "
    f"{bnet.n_iter_} epochs; {bnet.n_outputs_} output unit"
)
print(
    "  loss:",
    bnet.loss_function_,
    "| output:",
    bnet.output_activation_,
    "| predict_proba shape:",
    binary.predict_proba(Xb_test).shape,
)

# %%
# Saving and loading
# ------------------
# A fitted pipeline is an ordinary Python object: :func:`joblib.dump` writes it
# and :func:`joblib.load` reads it back, predicting exactly as before. As with
# any pickle, only load files you trust.
with tempfile.TemporaryDirectory() as directory:
    path = Path(directory) / "digits_mlp.joblib"
    joblib.dump(multiclass, path)
    print(f"saved {path.stat().st_size / 1024:.0f} KiB")
    reloaded = joblib.load(path)
same = np.array_equal(reloaded.predict_proba(X_test), multiclass.predict_proba(X_test))
print("reloaded model gives identical probabilities:", same)

# %%
# A pickle can run code when it is loaded. To share a model safely, use
# skbackprop's own format instead: plain arrays and JSON, read without pickle.
with tempfile.TemporaryDirectory() as directory:
    path = Path(directory) / "digits_mlp.skbp"
    skbackprop.save(multiclass, path)
    safely_reloaded = skbackprop.load(path)
same = np.array_equal(safely_reloaded.predict_proba(X_test), multiclass.predict_proba(X_test))
print("model from the safe format gives identical probabilities:", same)

# %%
# Training curves and predicted probabilities
# -------------------------------------------
fig, axes = plt.subplots(1, 3, figsize=(14, 4))
LossCurveDisplay.from_estimator(multiclass, ax=axes[0], name="digits: softmax + cross-entropy")
LossCurveDisplay.from_estimator(binary, ax=axes[1], name="breast cancer: sigmoid + BCE")
proba = binary.predict_proba(Xb_test)[:, 1]
for label, name in enumerate(load_breast_cancer().target_names):
    axes[2].hist(
        proba[yb_test == label], bins=20, range=(0, 1), alpha=0.6, label=f"true class: {name}"
    )
axes[2].set(
    xlabel="predicted P(benign)", ylabel="test samples", title="binary output probabilities"
)
axes[2].legend()
fig.tight_layout()
fig.savefig("plot_relu_softmax_and_binary.png")
