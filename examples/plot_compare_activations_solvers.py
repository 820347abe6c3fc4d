"""
====================================================
Comparing activations and solvers with a grid search
====================================================

Which hidden activation and which optimizer suit a problem is an empirical
question, and :class:`~sklearn.model_selection.GridSearchCV` answers it like
any other hyperparameter: activations and solvers are plugins named by
strings. Five activations and three solvers, each cross-validated on the
digits; the plot shows the accuracy and the time each pair took to train.
"""

# %%
# The grid
# --------
# One hidden layer of 32 units, at most 60 epochs (iterations for L-BFGS): a
# small budget, which is part of the question: how far does each pair get
# within it? SGD gets a larger step than Adam, as is usual.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skbackprop import MLPScratchClassifier

X, y = load_digits(return_X_y=True)
activations = ["identity", "logistic", "tanh", "relu", "gelu"]
solvers = ["sgd", "adam", "lbfgs"]
pipe = make_pipeline(
    MinMaxScaler(), MLPScratchClassifier(hidden_layer_sizes=(32,), max_iter=60, random_state=0)
)
param_grid = [
    {
        "mlpscratchclassifier__activation": activations,
        "mlpscratchclassifier__solver": ["sgd"],
        "mlpscratchclassifier__learning_rate_init": [0.1],
    },
    {
        "mlpscratchclassifier__activation": activations,
        "mlpscratchclassifier__solver": ["adam", "lbfgs"],
        "mlpscratchclassifier__learning_rate_init": [0.01],
    },
]
search = GridSearchCV(pipe, param_grid, cv=3)
with warnings.catch_warnings():
    # The 60-epoch budget is deliberate; some pairs would train longer.
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X, y)

# %%
# Collect the results in an activation-by-solver table
# ----------------------------------------------------
results = search.cv_results_
accuracy = np.zeros((len(activations), len(solvers)))
fit_time = np.zeros_like(accuracy)
for params, score, seconds in zip(
    results["params"], results["mean_test_score"], results["mean_fit_time"]
):
    row = activations.index(params["mlpscratchclassifier__activation"])
    column = solvers.index(params["mlpscratchclassifier__solver"])
    accuracy[row, column], fit_time[row, column] = score, seconds
print(f"{'':>10}" + "".join(f"{solver:>8}" for solver in solvers))
for activation, scores in zip(activations, accuracy):
    print(f"{activation:>10}" + "".join(f"{score:>8.3f}" for score in scores))
best = search.best_params_
print(
    f"best: {best['mlpscratchclassifier__activation']} with "
    f"{best['mlpscratchclassifier__solver']}, accuracy {search.best_score_:.3f}"
)

# %%
# The plot
# --------
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
for ax, values, title, fmt, cmap in (
    (axes[0], accuracy, "mean 3-fold accuracy", "{:.3f}", "viridis"),
    (axes[1], fit_time, "mean fit time (s)", "{:.2f}", "magma"),
):
    image = ax.imshow(values, cmap=cmap, aspect="auto")
    ax.set(
        xticks=range(len(solvers)),
        xticklabels=solvers,
        yticks=range(len(activations)),
        yticklabels=activations,
        xlabel="solver",
        title=title,
    )
    for (row, column), value in np.ndenumerate(values):
        bright = value > values.min() + 0.6 * np.ptp(values)
        ax.text(
            column,
            row,
            fmt.format(value),
            ha="center",
            va="center",
            color="black" if bright else "white",
        )
    fig.colorbar(image, ax=ax)
axes[0].set_ylabel("hidden activation")
fig.tight_layout()
fig.savefig("plot_compare_activations_solvers.png")
