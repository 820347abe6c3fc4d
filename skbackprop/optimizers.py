"""Optimizers: how a gradient becomes a step on the flat parameter vector.

A stochastic optimizer implements ``initialize(params)`` (allocate its state
for a parameter vector of that shape) and ``step(params, grad,
learning_rate)`` (update ``params`` in place). It never keeps a reference to
``params``: the training loop hands them over on every call, which keeps
optimizers picklable and safe after unpickling. Its state survives between
calls, so ``warm_start`` and ``partial_fit`` continue where they stopped.

The learning rate is not an optimizer hyperparameter here: a
learning-rate schedule (:mod:`skbackprop.schedules`) owns it and passes the
current value to every step.

:class:`LBFGS` is the exception: a full-batch quasi-Newton method that drives
the whole optimisation through :func:`scipy.optimize.minimize`.
"""

import numpy as np
import scipy.optimize

from ._plugin import Plugin

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "LBFGS"]


class Optimizer(Plugin):
    """Base class of optimizers."""

    #: Whether the optimizer takes minibatch steps (``step``) rather than
    #: running a full-batch optimisation (``minimize``).
    stochastic = True

    def initialize(self, params):
        """Allocate the state for a parameter vector like ``params``.

        Parameters
        ----------
        params : ndarray of shape (n_params,)
        """

    def is_initialized_for(self, params):
        """Whether the state was allocated for a vector of this shape and dtype.

        ``warm_start`` and ``partial_fit`` keep the state of an optimizer of
        the same class as the previous fit's, and call :meth:`initialize` when
        this is False. The default trusts the carried state; the built-ins also
        check its shape and dtype.

        Parameters
        ----------
        params : ndarray of shape (n_params,)

        Returns
        -------
        initialized : bool
        """
        return True

    def step(self, params, grad, learning_rate):
        """Update ``params`` in place from ``grad``.

        Parameters
        ----------
        params : ndarray of shape (n_params,)
        grad : ndarray of shape (n_params,)
            Gradient of the loss; may be used as scratch space.
        learning_rate : float
            Current step size.
        """
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with (Nesterov) momentum.

    ``v ← μ v - η g`` then ``w ← w + v``, or with Nesterov's momentum
    ``w ← w + μ v - η g`` (scikit-learn's formulation).

    Parameters
    ----------
    momentum : float, default=0.9
        Momentum ``μ`` in [0, 1]; 0 gives plain gradient descent.
    nesterov : bool, default=True
        Whether to use Nesterov's momentum.
    """

    name = "sgd"
    _parameter_bounds = {"momentum": {"min_val": 0, "max_val": 1}}

    def __init__(self, momentum=0.9, nesterov=True):
        self.momentum = momentum
        self.nesterov = nesterov

    def initialize(self, params):
        self.velocity_ = np.zeros_like(params)

    def is_initialized_for(self, params):
        velocity = getattr(self, "velocity_", None)
        return (
            velocity is not None
            and velocity.shape == params.shape
            and (velocity.dtype == params.dtype)
        )

    def step(self, params, grad, learning_rate):
        # In place throughout, grad as the only scratch: a temporary the size
        # of the parameters costs more than the arithmetic (fresh pages).
        grad *= learning_rate  # η g
        if not self.momentum:
            params -= grad
            return
        velocity = self.velocity_
        velocity *= self.momentum
        velocity -= grad  # v ← μ v - η g
        if self.nesterov:
            params -= grad
            params += np.multiply(velocity, self.momentum, out=grad)  # w ← w + μ v - η g
        else:
            params += velocity


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2014), in scikit-learn's formulation.

    ``m ← β₁ m + (1-β₁) g``, ``v ← β₂ v + (1-β₂) g²``, and
    ``w ← w - η_t m / (√v + ε)`` with ``η_t = η √(1-β₂ᵗ) / (1-β₁ᵗ)``.

    Parameters
    ----------
    beta_1 : float, default=0.9
        Decay rate of the first-moment estimate, in [0, 1).
    beta_2 : float, default=0.999
        Decay rate of the second-moment estimate, in [0, 1).
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability.
    """

    name = "adam"
    _parameter_bounds = {
        "beta_1": {"min_val": 0, "max_val": 1, "include_boundaries": "left"},
        "beta_2": {"min_val": 0, "max_val": 1, "include_boundaries": "left"},
        "epsilon": {"min_val": 0, "include_boundaries": "neither"},
    }

    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def initialize(self, params):
        self.t_ = 0
        self.first_moment_ = np.zeros_like(params)
        self.second_moment_ = np.zeros_like(params)

    def is_initialized_for(self, params):
        moment = getattr(self, "first_moment_", None)
        return (
            moment is not None and moment.shape == params.shape and (moment.dtype == params.dtype)
        )

    def step(self, params, grad, learning_rate):
        # One pass per line over flat vectors, in place, with grad as the only
        # scratch: a temporary the size of the parameters costs more than the
        # arithmetic (fresh pages on every step).
        self.t_ += 1
        beta_1, beta_2 = self.beta_1, self.beta_2
        m, v = self.first_moment_, self.second_moment_
        scaled_grad = np.multiply(grad, 1 - beta_1, out=grad)  # (1-β₁) g
        m *= beta_1
        m += scaled_grad  # m ← β₁ m + (1-β₁) g
        squared = np.multiply(scaled_grad, scaled_grad, out=grad)  # (1-β₁)² g²
        squared *= (1 - beta_2) / (1 - beta_1) ** 2  # (1-β₂) g²
        v *= beta_2
        v += squared  # v ← β₂ v + (1-β₂) g²
        step_size = learning_rate * np.sqrt(1 - beta_2**self.t_) / (1 - beta_1**self.t_)
        denominator = np.sqrt(v, out=grad)
        denominator += self.epsilon
        update = np.divide(m, denominator, out=grad)
        update *= step_size
        params -= update  # w ← w - η_t m / (√v + ε)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter, 2019).

    Every step first shrinks the parameters, ``w ← (1 - η λ) w``, then takes
    :class:`Adam`'s step. The decay never passes through the gradient, so
    Adam's per-parameter scaling does not weaken it where gradients are
    large, unlike an L2 penalty (the estimator's ``alpha``, which adds
    ``alpha w`` to the gradient and can be combined with it). As in
    ``torch.optim.AdamW``, the decay is scaled by the current learning rate
    ``η`` (so it follows the schedule) and applies to every entry of the
    parameter vector, biases included.

    Parameters
    ----------
    weight_decay : float, default=0.01
        Decoupled decay rate ``λ``, non-negative; 0 gives :class:`Adam`.
    beta_1 : float, default=0.9
        Decay rate of the first-moment estimate, in [0, 1).
    beta_2 : float, default=0.999
        Decay rate of the second-moment estimate, in [0, 1).
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability.
    """

    name = "adamw"
    _parameter_bounds = {**Adam._parameter_bounds, "weight_decay": {"min_val": 0}}

    def __init__(self, weight_decay=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        super().__init__(beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)
        self.weight_decay = weight_decay

    def step(self, params, grad, learning_rate):
        if self.weight_decay < 0:
            raise ValueError(
                f"AdamW's weight_decay must be non-negative, got {self.weight_decay!r}."
            )
        # The Adam step does not depend on params, so decaying first is the
        # paper's w ← w - η (m̂ / (√v̂ + ε) + λ w) with both terms at the old w.
        params *= 1.0 - learning_rate * self.weight_decay  # w ← (1 - η λ) w
        super().step(params, grad, learning_rate)


class LBFGS(Optimizer):
    """Limited-memory BFGS through :func:`scipy.optimize.minimize`, full batch.

    Parameters
    ----------
    max_fun : int, default=15000
        Maximum number of loss evaluations.
    """

    name = "lbfgs"
    stochastic = False

    def __init__(self, max_fun=15000):
        self.max_fun = max_fun

    def minimize(self, loss_and_gradient, params, max_iter, tol, callback=None):
        """Minimise the loss starting from ``params``, updating them in place.

        Parameters
        ----------
        loss_and_gradient : callable
            ``loss_and_gradient(params) -> (loss, grad)``, evaluated at the
            candidate parameters.
        params : ndarray of shape (n_params,)
            Starting point; holds the solution on return.
        max_iter : int
            Maximum number of iterations.
        tol : float
            Stop when the projected gradient's largest entry is below ``tol``.
        callback : callable, default=None
            Called after each iteration with a :class:`scipy.optimize.OptimizeResult`
            holding the current ``x`` and ``fun``.

        Returns
        -------
        result : scipy.optimize.OptimizeResult
        """

        def objective(x):
            # scipy works in float64; the network computes in its own dtype.
            params[...] = x
            value, grad = loss_and_gradient(params)
            return value, grad.astype(np.float64, copy=False)

        def report(intermediate_result):
            # scipy passes the OptimizeResult only to a parameter of this name.
            callback(intermediate_result)

        result = scipy.optimize.minimize(
            objective,
            params.astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            callback=None if callback is None else report,
            options={"maxfun": self.max_fun, "maxiter": max_iter, "gtol": tol},
        )
        params[...] = result.x
        return result
