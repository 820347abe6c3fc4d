"""The PyTorch-CPU column of the benchmark: the same network trained with ``torch.optim.Adam``.

Optional: used only when ``torch`` is importable (``pip install torch``); the
package and its tests never import it. The network matches skbackprop's as
far as PyTorch allows:

- the same layer sizes, ReLU hidden layers and the same initial weights
  (skbackprop's Glorot-uniform draws for ``random_state=0``, copied in);
- softmax cross-entropy averaged over the minibatch (``nn.CrossEntropyLoss``)
  for classification rows, half the mean squared error for regression rows;
- Adam with scikit-learn's settings (``lr=1e-3``, ``betas=(0.9, 0.999)``,
  ``eps=1e-8``), and scikit-learn's L2 penalty ``alpha/2 ‖W‖² / batch`` as
  ``weight_decay = alpha / batch`` on the weights only (biases are not
  penalised), which is the same gradient for full minibatches;
- minibatches of 200 in an order drawn by ``numpy.random.RandomState``.

Two variants: PyTorch's default Adam (``foreach``) and its fused CPU kernel
(``fused=True``).
"""

import time

import numpy as np

try:
    import torch
except ImportError:  # the column is simply left out
    torch = None

__all__ = ["available", "epoch_seconds", "version"]


def available():
    """Whether PyTorch can be imported."""
    return torch is not None


def version():
    return None if torch is None else torch.__version__


def _network(weights, biases, dtype):
    layers = []
    for i, (W, b) in enumerate(zip(weights, biases)):
        linear = torch.nn.Linear(*W.shape, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if i < len(weights) - 1:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def epoch_seconds(weights, biases, X, y, *, regression, fused, epochs, alpha=1e-4, batch=200):
    """Seconds per epoch of minibatch Adam on ``X``, ``y`` from the given initial weights.

    Parameters
    ----------
    weights, biases : list of ndarray
        Initial parameters in skbackprop's layout (``W`` of shape (fan_in, fan_out)).
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Class indices ``0 … k-1``, or regression targets.
    regression : bool
    fused : bool
        PyTorch's fused CPU Adam instead of its default.
    epochs : int
        Timed epochs, after one untimed warm-up epoch.

    Returns
    -------
    seconds : float
    """
    dtype = torch.float64 if X.dtype == np.float64 else torch.float32
    model = _network(
        [W.astype(X.dtype) for W in weights], [b.astype(X.dtype) for b in biases], dtype
    )
    decayed = [layer.weight for layer in model if isinstance(layer, torch.nn.Linear)]
    plain = [layer.bias for layer in model if isinstance(layer, torch.nn.Linear)]
    optimizer = torch.optim.Adam(
        [{"params": decayed, "weight_decay": alpha / batch}, {"params": plain}],
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        fused=fused,
    )
    X_t = torch.from_numpy(X)
    if regression:
        y_t = torch.from_numpy(y.astype(X.dtype).reshape(-1, 1))

        def loss_function(output, target):
            return 0.5 * torch.nn.functional.mse_loss(output, target)

    else:
        y_t = torch.from_numpy(y.astype(np.int64))
        loss_function = torch.nn.functional.cross_entropy
    order_source = np.random.RandomState(0)
    n_samples = X.shape[0]

    def run_epoch():
        order = torch.from_numpy(order_source.permutation(n_samples))
        for start in range(0, n_samples, batch):
            rows = order[start : start + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_function(model(X_t[rows]), y_t[rows])
            loss.backward()
            optimizer.step()

    run_epoch()  # warm-up: allocations, kernel selection
    start = time.perf_counter()
    for _ in range(epochs):
        run_epoch()
    return (time.perf_counter() - start) / epochs
