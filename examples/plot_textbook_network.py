"""
================================================================
The textbook network: sigmoid units, quadratic cost, plain SGD
================================================================

The network that many people first write from scratch to understand
backpropagation: one hidden layer of 30 sigmoid neurons, sigmoid outputs
trained on one-hot targets with the quadratic cost
:math:`C = \\frac{1}{2n} \\sum_x \\lVert y(x) - a^L(x) \\rVert^2`, minibatch
stochastic gradient descent with a large learning rate (3.0) and no momentum,
and weights and biases drawn from a unit normal distribution. The classic
set-up is 784-30-10 on MNIST; here it is 64-30-10 on scikit-learn's digits,
which ship with scikit-learn and need no download.

Every choice is a constructor parameter, so the same estimator class that
reproduces scikit-learn's ``MLPClassifier`` also reproduces the textbook.
"""

# %%
# The set-up
# ----------
# Pixel intensities are scaled to [0, 1], as in MNIST. ``alpha=0`` switches off
# the L2 penalty, ``momentum=0`` gives plain gradient descent, and
# ``weight_init="normal"`` draws every weight and bias from N(0, 1).
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skbackprop import MLPScratchClassifier

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
classes = np.unique(y)


def textbook_network(seed, loss="squared_error", learning_rate=3.0):
    """The 64-30-10 sigmoid network trained by plain minibatch SGD."""
    return MLPScratchClassifier(
        hidden_layer_sizes=(30,),
        activation="logistic",
        loss=loss,
        output_activation="logistic",
        solver="sgd",
        momentum=0.0,
        learning_rate_init=learning_rate,
        batch_size=10,
        weight_init="normal",
        alpha=0.0,
        # A RandomState instance (not an int) draws a new shuffle for every
        # partial_fit call; an int would reseed and repeat the same order each epoch.
        random_state=np.random.RandomState(seed),
    )


# %%
# Training epoch by epoch
# -----------------------
# Each :meth:`~skbackprop.MLPScratchClassifier.partial_fit` call is one epoch
# over shuffled minibatches of 10, so the test accuracy can be recorded after
# every epoch, as the textbook prints ``Epoch 0: 9129 / 10000``.
n_epochs = 30


def train(net, verbose=False):
    train_loss, test_accuracy = [], []
    for epoch in range(n_epochs):
        net.partial_fit(X_train, y_train, classes=classes)
        train_loss.append(net.loss_)
        test_accuracy.append(net.score(X_test, y_test))
        if verbose and (epoch % 5 == 0 or epoch == n_epochs - 1):
            correct = round(test_accuracy[-1] * len(y_test))
            print(f"Epoch {epoch}: {correct} / {len(y_test)}")
    return train_loss, test_accuracy


net = textbook_network(seed=1)
curves = {("quadratic", 1): train(net, verbose=True)}

# %%
# What was resolved
# -----------------
# The loss resolved to :class:`~skbackprop.losses.SquaredError` and the output
# activation to the sigmoid. Sigmoid is not the quadratic cost's canonical
# link, so the output error takes the general chain rule,
# :math:`\delta^L = (a^L - y) \odot \sigma'(z^L)`, computed by
# :meth:`skbackprop.losses.Loss.delta`.
print("loss:", net.loss_function_, "| output activation:", net.output_activation_)
print("layer sizes:", net.network_.layer_sizes, "| parameters:", net.network_.n_params)

# %%
# The learning slowdown
# ---------------------
# Repeat with other seeds. With some of them the quadratic cost gets stuck
# near 90%: the factor :math:`\sigma'(z^L)` in the output error is almost
# zero for a saturated output neuron, so a digit whose neuron starts out
# saturated in the wrong direction is learned very slowly, if ever. The
# cross-entropy cost cancels that factor (:math:`\delta^L = a^L - y`, the
# canonical pairing of :class:`~skbackprop.losses.BinaryCrossEntropy` with the
# sigmoid) and learns every digit from every start, here with a learning rate
# of 0.5.
for seed in (0, 2):
    net = textbook_network(seed)
    curves["quadratic", seed] = train(net)
    recall = [np.mean(net.predict(X_test[y_test == c]) == c) for c in classes]
    print(
        f"seed {seed}, quadratic cost: worst digit {np.argmin(recall)} "
        f"with test recall {min(recall):.2f}"
    )
for seed in (0, 1, 2):
    net = textbook_network(seed, loss="binary_cross_entropy", learning_rate=0.5)
    curves["cross-entropy", seed] = train(net)
for (cost, seed), (_, accuracy) in sorted(curves.items()):
    print(f"{cost:>13} cost, seed {seed}: final test accuracy {accuracy[-1]:.3f}")

# %%
# Loss and test accuracy per epoch
# --------------------------------
epochs = np.arange(1, n_epochs + 1)
fig, (ax_loss, ax_accuracy) = plt.subplots(1, 2, figsize=(11, 4))
for (cost, seed), (loss, accuracy) in sorted(curves.items()):
    style = {"color": f"C{seed}", "linestyle": "-" if cost == "quadratic" else "--"}
    if cost == "quadratic":
        ax_loss.plot(epochs, loss, label=f"seed {seed}", **style)
    ax_accuracy.plot(epochs, accuracy, label=f"{cost}, seed {seed}", **style)
ax_loss.set(
    xlabel="Epoch", ylabel="Quadratic cost (training)", title="Training loss, quadratic cost"
)
ax_loss.legend()
ax_accuracy.set(xlabel="Epoch", ylabel="Accuracy", title="Test accuracy", ylim=(0.6, 1.0))
ax_accuracy.legend(fontsize="small", loc="lower right")
fig.suptitle("64-30-10 sigmoid network, minibatch SGD")
fig.tight_layout()
fig.savefig("plot_textbook_network.png")
