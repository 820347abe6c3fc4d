"""
=======================================
Writing your own activation and loss
=======================================

An activation is a class with ``forward(Z)`` and the slope ``derivative(Z, A)``;
a loss is a class with ``forward(Y, A, sample_weight)`` and its gradient
``backward(Y, A, sample_weight)``. This example writes Swish,
:math:`f(z) = z\\,\\sigma(\\beta z)`, and a label-smoothed cross-entropy,
checks them with skbackprop's conformance checkers, registers them by name,
and searches over them with ``GridSearchCV`` like any built-in.
"""

# %%
# An activation: Swish
# --------------------
# The constructor stores each parameter unchanged under its own name: that is
# all it takes for ``repr``, :func:`sklearn.base.clone` and nested grid-search
# parameters (``activation__beta``) to work. ``derivative`` receives both ``Z``
# and ``A = forward(Z)``; Swish needs ``Z``.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skbackprop import MLPScratchClassifier, registry
from skbackprop.activations import Activation, ReLU, Sigmoid, Softmax
from skbackprop.losses import Loss
from skbackprop.testing import check_activation, check_loss


class Swish(Activation):
    """Swish, ``f(z) = z * sigmoid(beta * z)`` (Ramachandran et al., 2017)."""

    name = "swish"

    def __init__(self, beta=1.0):
        self.beta = beta

    def forward(self, Z):
        return Z * expit(self.beta * Z)

    def derivative(self, Z, A):
        s = expit(self.beta * Z)
        return s + self.beta * Z * s * (1.0 - s)


# %%
# A loss: cross-entropy against smoothed labels
# ---------------------------------------------
# Label smoothing trains towards ``1 - smoothing`` for the true class and shares
# ``smoothing`` among all classes, which discourages over-confident outputs.
# ``forward`` is the weighted mean over samples; ``backward`` is its gradient
# with respect to the network output ``A``, so it carries the ``w_i / sum(w)``
# factor of that mean.
#
# A classifier's loss must serve every kind of target. Like the built-in
# ``"log_loss"``, this one specialises itself in ``for_target``: one softmax
# over the classes for multiclass targets, and for binary and multilabel
# targets one independent two-class problem per sigmoid output.
#
# The output error ``delta`` defaults to the general chain rule
# ``activation.backward(Z, A, loss.backward(Y, A))``, exact for any output
# activation. Through a sigmoid or a softmax, though, it multiplies a huge
# ``1 / a`` by a tiny slope, and once a confidently wrong unit's ``a`` rounds
# to 0 or 1 the product vanishes: the unit stops learning exactly when it is
# most wrong. So the loss overrides ``delta`` with the closed form for those
# two pairings, ``A - T`` against the smoothed targets ``T`` (the slope of
# the activation cancels the loss's denominator), and probabilities are
# clipped only at the dtype's smallest normal number, not at a "safe" 1e-7
# that would make ``forward`` flat where the gradient is not. The conformance
# check ``check_loss_delta_saturated`` catches a loss that gets this wrong.
class SmoothedCrossEntropy(Loss):
    """Cross-entropy against labels smoothed towards uniform."""

    name = "smoothed_cross_entropy"

    def __init__(self, smoothing=0.1, independent_outputs=False):
        self.smoothing = smoothing
        self.independent_outputs = independent_outputs

    def for_target(self, target_type):
        return SmoothedCrossEntropy(self.smoothing, target_type != "multiclass")

    def default_output_activation(self, target_type):
        return "softmax" if target_type == "multiclass" else "logistic"

    def _smoothed(self, Y):
        n_choices = 2 if self.independent_outputs else Y.shape[1]
        return Y * (1.0 - self.smoothing) + self.smoothing / n_choices

    @staticmethod
    def _clipped(A):
        limits = np.finfo(A.dtype)
        return np.clip(A, limits.tiny, 1 - limits.epsneg)

    def forward(self, Y, A, sample_weight=None):
        T, A = self._smoothed(Y), self._clipped(A)
        per_sample = -(T * np.log(A)).sum(axis=1)
        if self.independent_outputs:
            per_sample -= ((1 - T) * np.log(1 - A)).sum(axis=1)
        return float(np.average(per_sample, weights=sample_weight))

    def backward(self, Y, A, sample_weight=None):
        T, A = self._smoothed(Y), self._clipped(A)
        dA = -T / A
        if self.independent_outputs:
            dA += (1 - T) / (1 - A)
        return dA * self._mean_weights(A, sample_weight)

    def delta(self, Y, Z, A, activation, sample_weight=None):
        pairing = Sigmoid if self.independent_outputs else Softmax
        if type(activation) is not pairing:
            return super().delta(Y, Z, A, activation, sample_weight)
        return (A - self._smoothed(Y)) * self._mean_weights(A, sample_weight)

    @staticmethod
    def _mean_weights(A, sample_weight):
        weights = np.ones(len(A), A.dtype) if sample_weight is None else sample_weight
        return (weights / weights.sum()).astype(A.dtype).reshape(-1, 1)


# %%
# Check them
# ----------
# A wrong derivative does not crash; it just trains badly. The conformance
# checkers of :mod:`skbackprop.testing` compare ``backward`` with central
# differences of ``forward`` (for the loss: on binary, multiclass and
# multilabel targets, with and without sample weights), and check dtypes,
# cloning, pickling and a small fit. They return quietly when all is well and
# otherwise raise an ``AssertionError`` that names the property and the numbers.
check_activation(Swish(beta=1.5))
check_loss(SmoothedCrossEntropy(smoothing=0.1))
print("Swish and SmoothedCrossEntropy pass skbackprop's conformance checks")

# %%
# Register them, then search over them
# ------------------------------------
# Registered names can be used wherever a built-in's name can. A package can
# register its plugins for every user through entry points instead.
registry.register("activation", "swish", Swish)
registry.register("loss", "smoothed_cross_entropy", SmoothedCrossEntropy)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
pipe = make_pipeline(
    MinMaxScaler(),
    MLPScratchClassifier(
        hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=60, random_state=0
    ),
)
search = GridSearchCV(
    pipe,
    {
        "mlpscratchclassifier__activation": ["relu", "swish", Swish(beta=2.0)],
        "mlpscratchclassifier__loss": ["log_loss", "smoothed_cross_entropy"],
    },
    cv=3,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # 60 epochs keep this example quick
    search.fit(X_train, y_train)
for params, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]):
    print(
        f"{params['mlpscratchclassifier__activation']!s:>16} "
        f"{params['mlpscratchclassifier__loss']!s:>24}: {score:.3f}"
    )
print(f"best: {search.best_params_}, test accuracy {search.score(X_test, y_test):.3f}")

# %%
# Swish beside ReLU, and what smoothing does to confidence
# --------------------------------------------------------
z = np.linspace(-4, 4, 201).reshape(-1, 1)
fig, (ax_f, ax_confidence) = plt.subplots(1, 2, figsize=(11, 4))
for activation, style in ((ReLU(), ":"), (Swish(1.0), "-"), (Swish(2.0), "--")):
    a = activation.forward(z)
    (line,) = ax_f.plot(z, a, style, label=f"{activation!r}")
    ax_f.plot(z, activation.derivative(z, a), style, color=line.get_color(), alpha=0.4)
ax_f.set(xlabel="z", title="activation (dark) and its derivative (light)", ylim=(-1, 4))
ax_f.legend()

for loss in ("log_loss", "smoothed_cross_entropy"):
    model = make_pipeline(
        MinMaxScaler(),
        MLPScratchClassifier(
            hidden_layer_sizes=(32,),
            activation="swish",
            loss=loss,
            learning_rate_init=0.01,
            max_iter=60,
            random_state=0,
        ),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    confidence = model.predict_proba(X_test).max(axis=1)
    ax_confidence.hist(confidence, bins=30, range=(0.3, 1), alpha=0.6, label=loss)
ax_confidence.set(
    xlabel="largest predicted probability",
    ylabel="test samples",
    title="confidence of the Swish network",
    yscale="log",
)
ax_confidence.legend()
fig.tight_layout()
fig.savefig("plot_custom_activation_and_loss.png")
