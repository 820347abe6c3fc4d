"""The backpropagation core: a feed-forward network over one flat parameter vector.

Notation (layer ``l = 1 … L``, samples in rows)::

    z^l = (a^{l-1} ⊙ m^{l-1}) W^l + b^l    pre-activation
    a^l = f^l(z^l)                         activation of layer l, a^0 = X

where ``f^l`` is layer ``l``'s own activation and ``m^l`` an inverted-dropout
mask (entries 0 or ``1/(1-p)``; all ones without dropout, the usual case),
and the four backpropagation equations, vectorised over the minibatch::

    (BP1) δ^L = ∇_a C ⊙ f'(z^L)                              output error -> Loss.delta
    (BP2) δ^l = (δ^{l+1} (W^{l+1})ᵀ ⊙ m^l) ⊙ f'(z^l)          backward recurrence
    (BP3) ∂C/∂b^l = Σ_samples δ^l                            bias gradient
    (BP4) ∂C/∂W^l = (a^{l-1} ⊙ m^{l-1})ᵀ δ^l                 weight gradient

Every ``W^l`` and ``b^l`` is a reshaped view into one flat vector, and the
gradient is returned as one flat vector of the same layout, so optimizers
work on plain vectors and L-BFGS and gradient checks come for free. This
module knows nothing of scikit-learn, labels or epochs.

Training passes compute into a :class:`Workspace`: buffers that one ``fit``
call allocates once and reuses for every minibatch (see docs/performance.rst).
:meth:`Network.predict` allocates its own arrays, so it is thread-safe.
"""

import numpy as np

from ._workspace import Workspace, _call_with_out, _matmul
from .activations import Identity

__all__ = ["Network", "Workspace"]


class Network:
    """A fully connected feed-forward network.

    Parameters
    ----------
    layer_sizes : sequence of int
        Units per layer, input and output included, e.g. ``(64, 100, 10)``.
    hidden_activations : Activation or sequence of Activation
        Activation of each hidden layer, first to last; a single one is shared
        by every hidden layer.
    output_activation : Activation
        Activation of the output layer.
    dtype : numpy dtype, default=np.float64
        Floating type of the parameters and all computations.

    Attributes
    ----------
    params : ndarray of shape (n_params,)
        All weights and biases, layer after layer (``W^1``, ``b^1``, ``W^2``, ...).
    hidden_activations : list of Activation
        One per hidden layer; see also :meth:`activation`.
    """

    def __init__(self, layer_sizes, hidden_activations, output_activation, dtype=np.float64):
        self.layer_sizes = tuple(int(n) for n in layer_sizes)
        self.hidden_activations = _one_per_hidden_layer(hidden_activations, self.layer_sizes)
        self.output_activation = output_activation
        self.params = np.zeros(self.n_params, dtype=dtype)

    @property
    def hidden_activation(self):
        """The activation every hidden layer shares (for code written before per-layer ones).

        Setting it to one activation gives every hidden layer that activation;
        a sequence sets one per hidden layer. Reading it raises AttributeError
        when the hidden layers differ: use :attr:`hidden_activations`.
        """
        shared = {id(activation) for activation in self.hidden_activations}
        if len(shared) != 1:
            raise AttributeError(
                "The hidden layers do not share one activation; read hidden_activations "
                "or activation(layer) instead."
            )
        return self.hidden_activations[0]

    @hidden_activation.setter
    def hidden_activation(self, activations):
        self.hidden_activations = _one_per_hidden_layer(activations, self.layer_sizes)

    def __setstate__(self, state):
        # Networks pickled before per-layer activations had one shared activation.
        if "hidden_activation" in state:
            shared = state.pop("hidden_activation")
            state["hidden_activations"] = _one_per_hidden_layer(shared, state["layer_sizes"])
        vars(self).update(state)

    def activation(self, layer):
        """Activation of the layer that ``weights[layer]`` and ``biases[layer]`` feed.

        Parameters
        ----------
        layer : int
            Index into :attr:`weights` and :attr:`biases`: 0 is the first
            hidden layer, ``len(weights) - 1`` (or -1) the output layer.

        Returns
        -------
        activation : Activation
        """
        n_hidden = len(self.hidden_activations)
        if layer < 0:
            layer += n_hidden + 1
        return self.output_activation if layer == n_hidden else self.hidden_activations[layer]

    @property
    def n_params(self):
        """Number of weights and biases."""
        return count_params(self.layer_sizes)

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

    def initialize(self, initializer, random_state, activation_without_hidden_layers=None):
        """Fill :attr:`params` with ``initializer``, layer by layer.

        Each hidden layer's initializer sees that layer's activation, the output
        layer the last hidden layer's (as scikit-learn, which scales every layer
        by its one hidden activation). A network without hidden layers is
        scaled by ``activation_without_hidden_layers`` (scikit-learn's
        ``activation`` parameter still sets the Glorot factor there), else by
        :class:`~skbackprop.activations.Identity`.

        Parameters
        ----------
        initializer : Initializer
        random_state : numpy.random.RandomState
        activation_without_hidden_layers : Activation, default=None
        """
        fallback = activation_without_hidden_layers or Identity()
        scaled_by = self.hidden_activations[-1:] or [fallback]
        activations = [*self.hidden_activations, scaled_by[0]]
        for W, b, (n_in, n_out), activation in zip(
            self.weights, self.biases, self._fans(), activations
        ):
            W[...], b[...] = initializer.initialize(n_in, n_out, activation, random_state)

    def workspace(self, max_batch_size):
        """Scratch buffers for passes over batches of up to ``max_batch_size`` rows.

        Parameters
        ----------
        max_batch_size : int

        Returns
        -------
        workspace : Workspace
        """
        return Workspace(self, max_batch_size)

    def forward(self, X, workspace=None, masks=None):
        """Forward pass keeping what the backward pass needs.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        workspace : Workspace, default=None
            Buffers to compute in; without one, fresh arrays are allocated.
        masks : list of (ndarray or None), default=None
            Dropout masks, one per weight layer: ``masks[l]`` multiplies the
            input of ``weights[l]`` (``masks[0]`` the features, ``masks[l]``
            hidden layer ``l``'s activations); None where nothing is dropped.
            See :func:`skbackprop.dropout.draw_masks`.

        Returns
        -------
        Zs : list of ndarray
            Pre-activations ``z^1 … z^L``.
        As : list
            Activations ``a^0 = X, a^1 … a^L``, before dropout. With a
            workspace, ``Zs`` and ``As[1:]`` are views into its buffers,
            overwritten by its next use.
        """
        n_samples = X.shape[0]
        if workspace is None:
            workspace = Workspace(self, n_samples)
        masks = self._masks_or_none(masks)
        weights, biases = workspace.parameters()
        Zs, As = [], [X]
        for layer, (W, b) in enumerate(zip(weights, biases)):
            # z^l = (a^{l-1} ⊙ m^{l-1}) W^l + b^l, then a^l = f^l(z^l), into the workspace
            inputs = _dropped(As[-1], masks[layer], workspace.dropped_inputs[layer][:n_samples])
            Z = _matmul(inputs, W, out=workspace.pre_activations[layer][:n_samples])
            Z += b
            Zs.append(Z)
            A = workspace.activations[layer][:n_samples]
            As.append(_call_with_out(self.activation(layer).forward, Z, out=A))
        return Zs, As

    def _masks_or_none(self, masks):
        n_layers = len(self.layer_sizes) - 1
        if masks is None:
            return [None] * n_layers
        if len(masks) != n_layers:
            raise ValueError(
                f"masks must hold one entry per weight layer ({n_layers}), got {len(masks)}."
            )
        return masks

    def predict(self, X, n_layers=None):
        """Network output ``a^L`` for ``X``, keeping no intermediate layers.

        Allocates its own arrays on every call (no workspace), so one network
        can predict from many threads at once. Never drops units: dropout is
        for training only.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        n_layers : int, default=None
            Stop after this many layers and return ``a^{n_layers}``, e.g. 1 for
            the first hidden layer's activations; None runs every layer.

        Returns
        -------
        A : ndarray of shape (n_samples, n_outputs)
            Or of shape ``(n_samples, layer_sizes[n_layers])``.
        """
        A = X
        layers = list(zip(self.weights, self.biases))[:n_layers]
        for layer, (W, b) in enumerate(layers):
            Z = A @ W
            Z += b
            # Z is not needed once activated: activate it in place.
            A = _call_with_out(self.activation(layer).forward, Z, out=Z)
        return A

    def backward(self, Y, Zs, As, loss, alpha=0.0, sample_weight=None, workspace=None, masks=None):
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
        workspace : Workspace, default=None
            Buffers to compute in; without one, fresh arrays are allocated.
        masks : list of (ndarray or None), default=None
            The dropout masks :meth:`forward` was given.

        Returns
        -------
        grad : ndarray of shape (n_params,)
            With a workspace, its gradient buffer, overwritten by its next use.
        """
        n_samples = len(Y)
        if workspace is None:
            workspace = Workspace(self, n_samples)
        masks = self._masks_or_none(masks)
        W, _ = workspace.parameters()
        dW, db = workspace.gradient_weights, workspace.gradient_biases
        ones, hidden_errors = workspace.ones[:n_samples], workspace.hidden_errors
        # (BP1) output error δ^L = ∇_a C ⊙ f'(z^L)
        delta = loss.delta(Y, Zs[-1], As[-1], self.output_activation, sample_weight)
        for layer in reversed(range(len(W))):
            # (BP3) bias gradient Σ_samples δ^l, as ones @ δ: 3-4x faster than np.sum(axis=0)
            np.matmul(ones, delta, out=db[layer])
            # (BP4) weight gradient (a^{l-1} ⊙ m^{l-1})ᵀ δ^l
            inputs = _dropped(As[layer], masks[layer], workspace.dropped_inputs[layer][:n_samples])
            _matmul(inputs.T, delta, out=dW[layer])
            if layer > 0:
                # (BP2) backward recurrence δ^{l-1} = (δ^l (W^l)ᵀ ⊙ m^{l-1}) ⊙ f'(z^{l-1}), in place
                dA = np.matmul(delta, W[layer].T, out=hidden_errors[layer - 1][:n_samples])
                if masks[layer] is not None:
                    dA *= masks[layer]  # a dropped unit passes no error back
                backward = self.activation(layer - 1).backward
                delta = _call_with_out(backward, Zs[layer - 1], As[layer], dA, out=dA)
        if alpha:
            # L2 penalty gradient, through a scratch buffer: no temporary per step.
            penalty_scale = alpha / _weight_sum(sample_weight, n_samples)
            for dW_l, W_l, scratch in zip(dW, W, workspace.penalty_scratch):
                dW_l += np.multiply(W_l, penalty_scale, out=scratch)
        return workspace.gradient

    def loss(self, Y, A, loss, alpha=0.0, sample_weight=None, workspace=None):
        """Regularised loss ``C(Y, A) + alpha/2 ‖W‖² / Σ sample_weight``.

        Parameters
        ----------
        Y, A : ndarray of shape (n_samples, n_outputs)
            Targets and network output.
        loss : Loss
        alpha : float, default=0.0
        sample_weight : ndarray of shape (n_samples,), default=None
        workspace : Workspace, default=None
            Where the per-layer weight views are cached, if at hand.

        Returns
        -------
        loss : float
        """
        value = loss.forward(Y, A, sample_weight)
        if alpha:
            weights = self.weights if workspace is None else workspace.parameters()[0]
            squared_norm = float(sum(np.vdot(W, W) for W in weights))
            value += 0.5 * alpha * squared_norm / _weight_sum(sample_weight, len(Y))
        return value

    def loss_and_gradient(
        self, X, Y, loss, alpha=0.0, sample_weight=None, workspace=None, masks=None
    ):
        """Forward and backward pass on one batch.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Y : ndarray of shape (n_samples, n_outputs)
        loss : Loss
        alpha : float, default=0.0
        sample_weight : ndarray of shape (n_samples,), default=None
        workspace : Workspace, default=None
            Buffers to compute in, reused from batch to batch; without one,
            fresh arrays are allocated.
        masks : list of (ndarray or None), default=None
            Dropout masks of this batch (see :meth:`forward`); the loss and
            gradient are then those of the thinned network they leave.

        Returns
        -------
        loss : float
        grad : ndarray of shape (n_params,)
            With a workspace, its gradient buffer, overwritten by its next use.
        """
        if workspace is None:
            workspace = Workspace(self, X.shape[0])
        Zs, As = self.forward(X, workspace, masks)
        value = self.loss(Y, As[-1], loss, alpha, sample_weight, workspace)
        return value, self.backward(Y, Zs, As, loss, alpha, sample_weight, workspace, masks)


def count_params(layer_sizes):
    """Number of weights and biases of a network with these layer sizes (inputs first)."""
    return sum((n_in + 1) * n_out for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]))


def _one_per_hidden_layer(activations, layer_sizes):
    """``activations`` as a list with one entry per hidden layer (a single one repeated)."""
    n_hidden = len(layer_sizes) - 2
    if not isinstance(activations, (list, tuple)):
        return [activations] * n_hidden
    if len(activations) != n_hidden:
        raise ValueError(
            f"Got {len(activations)} hidden activations for {n_hidden} hidden layer(s); "
            "give one per hidden layer, or a single one for all."
        )
    return list(activations)


def _dropped(A, mask, out):
    """``A ⊙ mask``, the input a layer sees after dropout (``A`` itself without a mask)."""
    if mask is None:
        return A
    if isinstance(A, np.ndarray):
        return np.multiply(A, mask, out=out)
    return A.multiply(mask).tocsr()  # sparse features stay sparse


def _weight_sum(sample_weight, n_samples):
    return n_samples if sample_weight is None else float(np.sum(sample_weight))
