"""The backpropagation core: a feed-forward network over one flat parameter vector.

Notation (layer ``l = 1 … L``, samples in rows)::

    z^l = a^{l-1} W^l + b^l        pre-activation
    a^l = f(z^l)                   activation, a^0 = X

and the four backpropagation equations, vectorised over the minibatch::

    (BP1) δ^L = ∇_a C ⊙ f'(z^L)                  output error   -> Loss.delta
    (BP2) δ^l = (δ^{l+1} (W^{l+1})ᵀ) ⊙ f'(z^l)    backward recurrence
    (BP3) ∂C/∂b^l = Σ_samples δ^l                bias gradient
    (BP4) ∂C/∂W^l = (a^{l-1})ᵀ δ^l               weight gradient

Every ``W^l`` and ``b^l`` is a reshaped view into one flat vector, and the
gradient is returned as one flat vector of the same layout, so optimizers
work on plain vectors and L-BFGS and gradient checks come for free. This
module knows nothing of scikit-learn, labels or epochs.
"""

import numpy as np

__all__ = ["Network"]


class Network:
    """A fully connected feed-forward network.

    Parameters
    ----------
    layer_sizes : sequence of int
        Units per layer, input and output included, e.g. ``(64, 100, 10)``.
    hidden_activation : Activation
        Activation of every hidden layer.
    output_activation : Activation
        Activation of the output layer.
    dtype : numpy dtype, default=np.float64
        Floating type of the parameters and all computations.

    Attributes
    ----------
    params : ndarray of shape (n_params,)
        All weights and biases, layer after layer (``W^1``, ``b^1``, ``W^2``, ...).
    """

    def __init__(self, layer_sizes, hidden_activation, output_activation, dtype=np.float64):
        self.layer_sizes = tuple(int(n) for n in layer_sizes)
        self.hidden_activation = hidden_activation
        self.output_activation = output_activation
        self.params = np.zeros(self.n_params, dtype=dtype)

    @property
    def n_params(self):
        """Number of weights and biases."""
        return sum((n_in + 1) * n_out for n_in, n_out in self._fans())

    @property
    def weights(self):
        """List of the weight matrices ``W^l``, views into :attr:`params`."""
        return self.unpack(self.params)[0]

    @property
    def biases(self):
        """List of the bias vectors ``b^l``, views into :attr:`params`."""
        return self.unpack(self.params)[1]

    def _fans(self):
        return list(zip(self.layer_sizes[:-1], self.layer_sizes[1:]))

    def unpack(self, flat):
        """Split a flat vector of this network's layout into per-layer views.

        Parameters
        ----------
        flat : ndarray of shape (n_params,)
            Parameters or a gradient.

        Returns
        -------
        weights : list of ndarray of shape (fan_in, fan_out)
        biases : list of ndarray of shape (fan_out,)
        """
        weights, biases = [], []
        start = 0
        for n_in, n_out in self._fans():
            stop = start + n_in * n_out
            weights.append(flat[start:stop].reshape(n_in, n_out))
            biases.append(flat[stop : stop + n_out])
            start = stop + n_out
        return weights, biases

    def initialize(self, initializer, random_state):
        """Fill :attr:`params` with ``initializer``, layer by layer.

        Parameters
        ----------
        initializer : Initializer
        random_state : numpy.random.RandomState
        """
        for W, b, (n_in, n_out) in zip(self.weights, self.biases, self._fans()):
            W[...], b[...] = initializer.initialize(
                n_in, n_out, self.hidden_activation, random_state
            )

    def _activation(self, layer):
        if layer == len(self.layer_sizes) - 2:
            return self.output_activation
        return self.hidden_activation

    def forward(self, X):
        """Forward pass keeping what the backward pass needs.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        Zs : list of ndarray
            Pre-activations ``z^1 … z^L``.
        As : list
            Activations ``a^0 = X, a^1 … a^L``.
        """
        Zs, As = [], [X]
        for layer, (W, b) in enumerate(zip(self.weights, self.biases)):
            Z = As[-1] @ W
            Z += b
            Zs.append(Z)
            As.append(self._activation(layer).forward(Z))
        return Zs, As

    def predict(self, X):
        """Network output ``a^L`` for ``X``, keeping no intermediate layers.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        A : ndarray of shape (n_samples, n_outputs)
        """
        A = X
        for layer, (W, b) in enumerate(zip(self.weights, self.biases)):
            Z = A @ W
            Z += b
            A = self._activation(layer).forward(Z)
        return A

    def backward(self, Y, Zs, As, loss, alpha=0.0, sample_weight=None):
        """Backward pass: the gradient of the regularised loss, as one flat vector.

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_outputs)
            Targets.
        Zs, As : list
            What :meth:`forward` returned.
        loss : Loss
            Cost whose gradient is wanted.
        alpha : float, default=0.0
            L2 penalty ``alpha/2 ‖W‖² / Σ sample_weight`` added to the loss.
        sample_weight : ndarray of shape (n_samples,), default=None

        Returns
        -------
        grad : ndarray of shape (n_params,)
        """
        grad = np.empty_like(self.params)
        dW, db = self.unpack(grad)
        W = self.weights
        # (BP1) output error
        delta = loss.delta(Y, Zs[-1], As[-1], self.output_activation, sample_weight)
        for layer in reversed(range(len(W))):
            # (BP3) bias gradient and (BP4) weight gradient
            np.sum(delta, axis=0, out=db[layer])
            dW[layer][...] = As[layer].T @ delta
            if layer > 0:
                # (BP2) backward recurrence through the transposed weights
                delta = self.hidden_activation.backward(
                    Zs[layer - 1], As[layer], delta @ W[layer].T
                )
        if alpha:
            penalty_scale = alpha / _weight_sum(sample_weight, len(Y))
            for dW_l, W_l in zip(dW, W):
                dW_l += penalty_scale * W_l
        return grad

    def loss(self, Y, A, loss, alpha=0.0, sample_weight=None):
        """Regularised loss ``C(Y, A) + alpha/2 ‖W‖² / Σ sample_weight``.

        Parameters
        ----------
        Y, A : ndarray of shape (n_samples, n_outputs)
            Targets and network output.
        loss : Loss
        alpha : float, default=0.0
        sample_weight : ndarray of shape (n_samples,), default=None

        Returns
        -------
        loss : float
        """
        value = loss.forward(Y, A, sample_weight)
        if alpha:
            squared_norm = sum(float(np.dot(W.ravel(), W.ravel())) for W in self.weights)
            value += 0.5 * alpha * squared_norm / _weight_sum(sample_weight, len(Y))
        return value

    def loss_and_gradient(self, X, Y, loss, alpha=0.0, sample_weight=None):
        """Forward and backward pass on one batch.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Y : ndarray of shape (n_samples, n_outputs)
        loss : Loss
        alpha : float, default=0.0
        sample_weight : ndarray of shape (n_samples,), default=None

        Returns
        -------
        loss : float
        grad : ndarray of shape (n_params,)
        """
        Zs, As = self.forward(X)
        value = self.loss(Y, As[-1], loss, alpha, sample_weight)
        return value, self.backward(Y, Zs, As, loss, alpha, sample_weight)


def _weight_sum(sample_weight, n_samples):
    return n_samples if sample_weight is None else float(np.sum(sample_weight))
