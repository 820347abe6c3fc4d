"""
=========================================================
Exporting to ONNX and predicting with onnxruntime
=========================================================

An ONNX file runs without Python (onnxruntime exists for C, C++, C#, Java,
JavaScript and phones) and holds no code, only operators and numbers. This
example exports a fitted pipeline with skl2onnx, reloads it with onnxruntime
and compares its answers with the pipeline's, in float32 and in float64, then
exports a pipeline that uses the network as a transformer (its hidden features).
It needs the ``onnx`` extra: ``pip install "skbackprop[onnx]"``.
"""

# %%
# Two pipelines, one per floating type
# ------------------------------------
# A network fitted on float32 data computes in float32, one fitted on float64
# data in float64; the exported graph does the same. The GELU hidden layer of
# the second one needs an erf that onnxruntime only has in float32: the
# converter composes a float64 one from other operators.
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime
import skl2onnx
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

import skbackprop.onnx
from skbackprop import MLPScratchClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

models = {
    "float32, ReLU": make_pipeline(
        MinMaxScaler(),
        MLPScratchClassifier(hidden_layer_sizes=(64,), learning_rate_init=0.01, random_state=0),
    ),
    "float64, GELU": make_pipeline(
        StandardScaler(),
        MLPScratchClassifier(
            hidden_layer_sizes=(64,), activation="gelu", learning_rate_init=0.01, random_state=0
        ),
    ),
}
dtypes = {"float32, ReLU": np.float32, "float64, GELU": np.float64}
for name, model in models.items():
    model.fit(X_train.astype(dtypes[name]), y_train)
    print(f"{name}: test accuracy {model.score(X_test.astype(dtypes[name]), y_test):.3f}")

# %%
# Export, save, reload
# --------------------
# skl2onnx looks converters up by class, so skbackprop's are registered once,
# before converting. ``zipmap=False`` returns the probabilities as one matrix
# (skl2onnx's default is a list of ``{class: probability}`` dictionaries,
# which ONNX only has in float32).
skbackprop.onnx.register()

results = {}
with tempfile.TemporaryDirectory() as folder:
    for name, model in models.items():
        X_onnx = X_test.astype(dtypes[name])
        onx = skl2onnx.to_onnx(model, X_onnx[:1], options={"zipmap": False})
        path = Path(folder) / "model.onnx"
        path.write_bytes(onx.SerializeToString())

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        labels, probabilities = session.run(None, {session.get_inputs()[0].name: X_onnx})
        results[name] = (model.predict_proba(X_onnx), probabilities)
        difference = np.abs(probabilities - model.predict_proba(X_onnx)).max()
        same_labels = np.array_equal(labels, model.predict(X_onnx))
        print(
            f"{name}: {path.stat().st_size / 1024:.0f} KiB of ONNX; max |difference| of the "
            f"probabilities {difference:.1e}; identical labels: {same_labels}"
        )

# %%
# How close?
# ----------
# Left, every probability of the test set, onnxruntime's against
# scikit-learn's ``predict_proba``: the points lie on the diagonal. Right, the
# size of the differences: a few units in the last place of each dtype
# (machine epsilon is 1.2e-7 in float32 and 2.2e-16 in float64); the exact
# matches, a difference of 0, are drawn at the left edge.
fig, (ax_agree, ax_difference) = plt.subplots(1, 2, figsize=(11, 4.5))
for name, (expected, got) in results.items():
    ax_agree.plot(expected.ravel(), got.ravel(), ".", markersize=3, alpha=0.5, label=name)
    difference = np.abs(got - expected).ravel()
    floor = 1e-18
    bins = np.logspace(np.log10(floor), -5, 40)
    ax_difference.hist(np.maximum(difference, floor), bins=bins, alpha=0.7, label=name)
ax_agree.set(
    xlabel="predict_proba (skbackprop)",
    ylabel="probabilities (onnxruntime)",
    title="every test-set probability",
)
ax_agree.legend()
ax_difference.set(
    xscale="log",
    xlabel="|onnxruntime - predict_proba|",
    ylabel="number of probabilities",
    title="size of the differences",
)
ax_difference.legend()
fig.tight_layout()
fig.savefig("plot_onnx_export.png")

# %%
# The network as a transformer
# ----------------------------
# In the middle of a pipeline, scikit-learn calls the network's ``transform``
# (the activations of its last hidden layer, here 16 learned features) and
# feeds them to the next step. The export follows: the graph stops at that
# hidden layer and hands it to the logistic regression's operators.
from sklearn.linear_model import LogisticRegression

features_model = make_pipeline(
    MinMaxScaler(),
    MLPScratchClassifier(
        hidden_layer_sizes=(16,), learning_rate_init=0.01, early_stopping=True, random_state=0
    ),
    LogisticRegression(max_iter=1000),
)
X_train32, X_test32 = X_train.astype(np.float32), X_test.astype(np.float32)
features_model.fit(X_train32, y_train)
onx = skl2onnx.to_onnx(features_model, X_test32[:1], options={"zipmap": False})
session = onnxruntime.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
labels, probabilities = session.run(None, {session.get_inputs()[0].name: X_test32})
difference = np.abs(probabilities - features_model.predict_proba(X_test32)).max()
print(
    f"16 hidden features + logistic regression: test accuracy "
    f"{features_model.score(X_test32, y_test):.3f}; max |difference| {difference:.1e}; "
    f"identical labels: {np.array_equal(labels, features_model.predict(X_test32))}"
)
