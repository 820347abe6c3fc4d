"""
=====================================================================
Per-layer activations, dropout, hidden features and AdamW
=====================================================================

Four things scikit-learn's ``MLPClassifier`` does not do, on the digits:

- ``activation`` as a tuple, one activation per hidden layer;
- ``dropout``: inverted dropout of the hidden units while training;
- ``transform``: the activations of a hidden layer as features for the next
  step of a pipeline;
- ``solver="adamw"``: Adam with decoupled weight decay.
"""

# %%
# Data
# ----
# Half of the digits to train on, half to test on, scaled to [0, 1] by the
# training half.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skbackprop import MLPScratchClassifier
from skbackprop.activations import LeakyReLU
from skbackprop.optimizers import AdamW

warnings.simplefilter("ignore", ConvergenceWarning)  # short, fixed training budgets below

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=0.5, stratify=y, random_state=0
)
scaler = MinMaxScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
classes = np.unique(y)

# %%
# One activation per hidden layer
# -------------------------------
# A tuple gives each hidden layer its own activation, by name or as a
# configured instance. ``activation_`` holds the resolved copies and
# ``network_.activation(layer)`` the activation of any layer.
model = MLPScratchClassifier(
    hidden_layer_sizes=(128, 64, 16),
    activation=("relu", LeakyReLU(negative_slope=0.1), "tanh"),
    max_iter=60,
    random_state=0,
).fit(X_train, y_train)
for layer in range(len(model.coefs_)):
    print(f"layer {layer + 1}: {model.network_.activation(layer)!r}")
print(f"test accuracy {model.score(X_test, y_test):.3f}")

# %%
# Dropout
# -------
# Two wide ReLU layers without any penalty memorise the training half within
# a few dozen epochs. With ``dropout=0.5`` every training minibatch sees a
# different half of the hidden units (the masks come from ``random_state``,
# so the run is reproducible); prediction uses the whole network. One
# ``partial_fit`` call is one epoch, scored after each on both halves.
#
# Dropout slows the memorising (the dotted training curve) and makes the
# training loss noisier; whether the test accuracy gains is a matter of a few
# test samples here, within the spread between seeds. Measure before relying
# on it: ``benchmarks/dropout_experiment.py`` repeats the comparison over
# seeds on the deep network of the gallery.
n_epochs = 60
curves = {}
for dropout in (0.0, 0.5):
    net = MLPScratchClassifier(
        hidden_layer_sizes=(256, 256),
        alpha=0.0,
        dropout=dropout,
        random_state=np.random.RandomState(0),
    )
    train_accuracy, test_accuracy = [], []
    for _ in range(n_epochs):
        net.partial_fit(X_train, y_train, classes=classes)
        train_accuracy.append(net.score(X_train, y_train))
        test_accuracy.append(net.score(X_test, y_test))
    curves[dropout] = train_accuracy, test_accuracy
    print(
        f"dropout={dropout}: after {n_epochs} epochs training accuracy {train_accuracy[-1]:.3f}, "
        f"test accuracy {test_accuracy[-1]:.3f} (best {max(test_accuracy):.3f})"
    )

# %%
# Hidden features
# ---------------
# A fitted network is also a transformer: ``transform`` returns the
# activations of its last hidden layer (or of ``transform_layer``). Here the
# 16 tanh units of the first model feed a logistic regression, and a PCA of
# them draws the classes apart.
features = model.transform(X_test)
print("hidden features:", features.shape, model.get_feature_names_out()[:3], "...")
pipeline = make_pipeline(
    MLPScratchClassifier(hidden_layer_sizes=(64, 16), max_iter=60, random_state=0),
    LogisticRegression(max_iter=1000),
).fit(X_train, y_train)
print(f"MLP features -> logistic regression: test accuracy {pipeline.score(X_test, y_test):.3f}")
projected = PCA(n_components=2).fit_transform(features)

# %%
# AdamW
# -----
# ``alpha`` adds an L2 term to the gradient, which Adam then divides, weight
# by weight, by the running size of that weight's gradients: weights with
# large gradients are hardly decayed. AdamW (``solver="adamw"``, or an
# :class:`~skbackprop.optimizers.AdamW` instance for its ``weight_decay``)
# leaves the gradient alone and shrinks every weight by ``1 - η λ`` per step.
# The first layer's weight norm per epoch shows both at work.
norms = {}
for name, solver, alpha in (
    ("adam, alpha=0", "adam", 0.0),
    ("adam, alpha=1", "adam", 1.0),
    ("adamw, weight_decay=0.5", AdamW(weight_decay=0.5), 0.0),
):
    net = MLPScratchClassifier(
        hidden_layer_sizes=(64,),
        solver=solver,
        alpha=alpha,
        learning_rate_init=0.01,
        random_state=np.random.RandomState(0),
    )
    norms[name] = []
    for _ in range(40):
        net.partial_fit(X_train, y_train, classes=classes)
        norms[name].append(np.linalg.norm(net.coefs_[0]))
    print(f"{name:<24} test accuracy {net.score(X_test, y_test):.3f}, ‖W¹‖ {norms[name][-1]:.1f}")

# %%
# The plots
# ---------
fig, (ax_dropout, ax_features, ax_norms) = plt.subplots(1, 3, figsize=(15, 4.5))
epochs = np.arange(1, n_epochs + 1)
for dropout, color in ((0.0, "C0"), (0.5, "C1")):
    train_accuracy, test_accuracy = curves[dropout]
    ax_dropout.plot(epochs, train_accuracy, color=color, linestyle=":")
    ax_dropout.plot(epochs, test_accuracy, color=color, label=f"dropout={dropout}")
ax_dropout.set(
    xlabel="Epoch",
    ylabel="Accuracy (dotted: training)",
    ylim=(0.85, 1.005),
    title="Two ReLU layers of 256, no penalty",
)
ax_dropout.legend(loc="lower right")
scatter = ax_features.scatter(projected[:, 0], projected[:, 1], c=y_test, cmap="tab10", s=8)
ax_features.legend(*scatter.legend_elements(), title="digit", fontsize=7, loc="best", ncol=2)
ax_features.set(title="PCA of transform(X_test): 16 tanh units", xticks=[], yticks=[])
for name, values in norms.items():
    ax_norms.plot(np.arange(1, 41), values, label=name)
ax_norms.set(xlabel="Epoch", ylabel="‖W¹‖ (Frobenius)", title="Weight decay: L2 penalty or AdamW")
ax_norms.legend()
fig.tight_layout()
fig.savefig("plot_dropout_and_hidden_features.png")
