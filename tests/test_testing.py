"""The conformance checks: every built-in passes, deliberately broken plugins are caught."""

import re
import sys
from unittest import SkipTest

import numpy as np
import pytest
from scipy.special import erf

from skbackprop import registry
from skbackprop.activations import ELU, Activation, LeakyReLU, Sigmoid, Softmax
from skbackprop.initializers import Initializer, Normal
from skbackprop.losses import BinaryCrossEntropy, Loss
from skbackprop.optimizers import LBFGS, SGD, Adam, AdamW, Optimizer
from skbackprop.schedules import Adaptive, InvScaling, LearningRateSchedule
from skbackprop.testing import (
    check_activation,
    check_initializer,
    check_loss,
    check_optimizer,
    check_plugin,
    check_schedule,
    parametrize_with_checks,
    plugin_checks,
)


def _registered_plugins():
    """A default instance of every registered class (built-ins and installed plugins), and more."""
    classes = {
        registry.get(kind, name) for kind in registry.KINDS for name in registry.available(kind)
    }
    defaults = [cls() for cls in sorted(classes, key=lambda cls: cls.__name__)]
    configured = [
        LeakyReLU(negative_slope=0.3),
        ELU(alpha=0.5),
        SGD(momentum=0.0, nesterov=False),
        SGD(momentum=0.5, nesterov=False),
        Adam(beta_1=0.5, beta_2=0.9),
        AdamW(weight_decay=0.1, beta_1=0.8),
        LBFGS(max_fun=50),
        Normal(scale=0.1),
        InvScaling(power_t=0.25),
        Adaptive(factor=2.0),
    ]
    return defaults + configured


@parametrize_with_checks(_registered_plugins())
def test_registered_plugins_pass_every_conformance_check(plugin, check):
    check(plugin)


# -------------------------------------------------------------------------- activations


class Swish(Activation):
    """The issue's example: a correct activation with a parameter."""

    name = "test_swish"

    def __init__(self, beta=1.0):
        self.beta = beta

    def forward(self, Z):
        return Z / (1.0 + np.exp(-self.beta * Z))

    def derivative(self, Z, A):
        s = 1.0 / (1.0 + np.exp(-self.beta * Z))
        return s + self.beta * A * (1.0 - s)


class SwishMissingBeta(Swish):
    def derivative(self, Z, A):
        s = 1.0 / (1.0 + np.exp(-self.beta * Z))
        return s + A * (1.0 - s)  # forgot the factor beta


class ElementwiseSoftmax(Softmax):
    """The classic trap: softmax differentiated as if it were elementwise."""

    def backward(self, Z, A, dA):
        return dA * A * (1 - A)


class UpcastingSigmoid(Sigmoid):
    def forward(self, Z):
        return 1.0 / (1.0 + np.exp(-Z.astype(np.float64)))


class InPlaceTanh(Activation):
    def forward(self, Z):
        return np.tanh(Z, out=Z)

    def derivative(self, Z, A):
        return 1 - A * A


class OverwritingSigmoid(Sigmoid):
    def backward(self, Z, A, dA):
        dA *= A * (1 - A)
        return dA


class DeclaredOverwritingSigmoid(OverwritingSigmoid):
    backward_overwrites_dA = True


class ColumnNormalized(Activation):
    """Normalises over the batch (axis 0): each row depends on the other rows."""

    def forward(self, Z):
        return Z - Z.mean(axis=0)

    def backward(self, Z, A, dA):
        return dA - dA.mean(axis=0)


def test_a_correct_activation_passes_silently():
    assert check_activation(Swish(beta=1.5)) is None


@pytest.mark.parametrize(
    "activation, message",
    [
        (
            SwishMissingBeta(beta=1.5),
            r"backward disagrees with central differences: max abs error \d\.\de-\d\d at Z=-?\d",
        ),
        (ElementwiseSoftmax(), r"backward disagrees with central differences"),
        (UpcastingSigmoid(), r"forward\(Z\) is float64 for float32 inputs"),
        (InPlaceTanh(), r"forward modified its input Z"),
        (OverwritingSigmoid(), r"backward modified its input dA.*backward_overwrites_dA"),
        (ColumnNormalized(), r"first 2 rows alone differs"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Activation) else "",
)
def test_check_activation_catches_a_broken_activation(activation, message):
    with pytest.raises(AssertionError, match=message):
        check_activation(activation)


def test_failure_message_names_the_plugin_and_the_numbers():
    with pytest.raises(AssertionError) as excinfo:
        check_activation(SwishMissingBeta(beta=1.5))
    message = str(excinfo.value)
    assert message.startswith("SwishMissingBeta(beta=1.5): ")
    got, expected = map(float, re.search(r"got (\S+), expected (\S+)\.", message).groups())
    error = float(re.search(r"max abs error (\S+) at", message).group(1))
    assert error == pytest.approx(abs(got - expected), rel=0.05)
    assert error > 0.01


def test_an_activation_may_declare_that_backward_overwrites_dA():
    check_activation(DeclaredOverwritingSigmoid())


class SwishWithOnnx(Swish):
    def to_onnx(self, graph, Z):
        return Z * graph.op("Sigmoid", Z * self.beta)


class SwishWithWrongOnnx(Swish):
    def to_onnx(self, graph, Z):
        return Z * graph.op("Sigmoid", Z)  # forgot the factor beta


class ErfActivation(Activation):
    """Right in float32; in float64 onnxruntime has no Erf kernel (graph.erf has one)."""

    def forward(self, Z):
        return erf(Z).astype(Z.dtype)

    def derivative(self, Z, A):
        return (2 / np.sqrt(np.pi) * np.exp(-Z * Z)).astype(Z.dtype)

    def to_onnx(self, graph, Z):
        return graph.op("Erf", Z)


def test_an_activation_with_a_correct_to_onnx_passes():
    pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
    check_activation(SwishWithOnnx(beta=1.5))


@pytest.mark.parametrize(
    "activation, message",
    [
        (SwishWithWrongOnnx(beta=1.5), r"graph of to_onnx disagrees with forward in float32"),
        (ErfActivation(), r"onnxruntime cannot run the graph of to_onnx in float64.*graph\.erf"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Activation) else "",
)
def test_check_activation_catches_a_wrong_onnx_graph(activation, message):
    pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
    with pytest.raises(AssertionError, match=message):
        check_activation(activation)


def test_the_onnx_check_is_skipped_without_onnxruntime(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime raises ImportError
    check_onnx = next(c for c in plugin_checks(Swish()) if c.__name__ == "check_activation_onnx")
    with pytest.raises(SkipTest, match="onnxruntime is not installed"):
        check_onnx(SwishWithWrongOnnx())
    check_activation(SwishWithWrongOnnx())  # the other checks still run, and pass


# ------------------------------------------------------------------------------- losses


class UnweightedSquaredError(Loss):
    """Takes sample weights in forward but forgets them in backward."""

    canonical_activation = None

    def default_output_activation(self, target_type):
        return "logistic"

    def forward(self, Y, A, sample_weight=None):
        return float(np.average(0.5 * ((A - Y) ** 2).sum(axis=1), weights=sample_weight))

    def backward(self, Y, A, sample_weight=None):
        return (A - Y) / len(A)


class AlwaysFusedCrossEntropy(BinaryCrossEntropy):
    """Returns A - Y whatever the output activation: the hidden coupling."""

    def delta(self, Y, Z, A, activation, sample_weight=None):
        weights = (
            1 / len(A) if sample_weight is None else (sample_weight / sample_weight.sum())[:, None]
        )
        return (A - Y) * weights


class SummedSquaredError(UnweightedSquaredError):
    """A weighted sum instead of a weighted mean."""

    def forward(self, Y, A, sample_weight=None):
        weights = np.ones(len(A)) if sample_weight is None else sample_weight
        return float(np.sum(weights * 0.5 * ((A - Y) ** 2).sum(axis=1)))

    def backward(self, Y, A, sample_weight=None):
        weights = np.ones(len(A)) if sample_weight is None else sample_weight
        return (A - Y) * weights[:, None]


class NoOutputActivation(Loss):
    def forward(self, Y, A, sample_weight=None):
        return 0.0


@pytest.mark.parametrize(
    "loss, message",
    [
        (
            UnweightedSquaredError(),
            r"backward with sample_weight disagrees with central differences on binary targets",
        ),
        (AlwaysFusedCrossEntropy(), r"delta .*non-canonical output activation"),
        (SummedSquaredError(), r"multiplied by 3 .*weighted mean"),
        (NoOutputActivation(), r"default_output_activation"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Loss) else "",
)
def test_check_loss_catches_a_broken_loss(loss, message):
    with pytest.raises(AssertionError, match=message):
        check_loss(loss)


# --------------------------------------------------------------------------- optimizers


class AscendingSGD(SGD):
    def step(self, params, grad, learning_rate):
        params += learning_rate * grad


class ParamsHoardingSGD(SGD):
    def step(self, params, grad, learning_rate):
        self.last_params_ = params
        super().step(params, grad, learning_rate)


class CopyingSGD(SGD):
    """Rebinds params instead of updating them in place: the caller sees nothing."""

    def step(self, params, grad, learning_rate):
        params = params - learning_rate * grad


class SilentLBFGS(LBFGS):
    def minimize(self, loss_and_gradient, params, max_iter, tol, callback=None):
        return super().minimize(loss_and_gradient, params, max_iter, tol, callback=None)


class Adagrad(Optimizer):
    """A correct optimizer whose steps shrink like 1/sqrt(t): slow, but it must pass."""

    def __init__(self, epsilon=1e-8):
        self.epsilon = epsilon

    def initialize(self, params):
        self.sum_of_squares_ = np.zeros_like(params)

    def is_initialized_for(self, params):
        state = getattr(self, "sum_of_squares_", None)
        return state is not None and state.shape == params.shape and state.dtype == params.dtype

    def step(self, params, grad, learning_rate):
        self.sum_of_squares_ += grad * grad
        params -= learning_rate * grad / (np.sqrt(self.sum_of_squares_) + self.epsilon)


def test_a_slow_but_correct_optimizer_passes():
    check_optimizer(Adagrad())


@pytest.mark.parametrize(
    "optimizer, message",
    [
        (AscendingSGD(), r"took its value from .* to .*; expected a decrease of at least 10%"),
        (CopyingSGD(momentum=0.0), r"expected a decrease of at least 10%"),
        (ParamsHoardingSGD(), r"optimizer.last_params_ holds a reference to the parameter"),
        (SilentLBFGS(), r"minimize never called its callback"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Optimizer) else "",
)
def test_check_optimizer_catches_a_broken_optimizer(optimizer, message):
    with pytest.raises(AssertionError, match=message):
        check_optimizer(optimizer)


# ---------------------------------------------------------- initializers and schedules


class GlobalRandomInitializer(Initializer):
    def initialize(self, fan_in, fan_out, activation, random_state):
        return np.random.normal(size=(fan_in, fan_out)), np.zeros(fan_out)


class TransposedInitializer(Initializer):
    def initialize(self, fan_in, fan_out, activation, random_state):
        return random_state.normal(size=(fan_out, fan_in)), np.zeros(fan_out)


class NegativeSchedule(LearningRateSchedule):
    def epoch_end(self, n_epochs, n_samples_seen):
        self.learning_rate_ = -self.learning_rate_init_


class ForgetfulSchedule(LearningRateSchedule):
    """Halves the rate every epoch but does not reset it in start()."""

    def start(self, learning_rate_init, max_epochs=None):
        if not hasattr(self, "learning_rate_"):
            super().start(learning_rate_init, max_epochs)

    def epoch_end(self, n_epochs, n_samples_seen):
        self.learning_rate_ /= 2


def test_check_initializer_catches_draws_from_the_global_random_state():
    with pytest.raises(AssertionError, match="numpy's global random state"):
        check_initializer(GlobalRandomInitializer())


def test_check_initializer_catches_transposed_weights():
    with pytest.raises(AssertionError, match=r"weights for fan_in=4, fan_out=3 has shape"):
        check_initializer(TransposedInitializer())


@pytest.mark.parametrize(
    "schedule, message",
    [(NegativeSchedule(), "finite and non-negative"), (ForgetfulSchedule(), "second start")],
    ids=["NegativeSchedule", "ForgetfulSchedule"],
)
def test_check_schedule_catches_a_broken_schedule(schedule, message):
    with pytest.raises(AssertionError, match=message):
        check_schedule(schedule)


# ------------------------------------------------------------------- common properties


class KeywordsSigmoid(Sigmoid):
    def __init__(self, **kwargs):
        self.kwargs = kwargs


class AbsoluteLeakyReLU(LeakyReLU):
    def __init__(self, negative_slope=0.01):
        self.negative_slope = abs(negative_slope)


class RequiredParameterELU(ELU):
    def __init__(self, alpha):
        self.alpha = alpha


class LambdaSigmoid(Sigmoid):
    def __init__(self, squash=None):
        self.squash = squash


class UncheckedLeakyReLU(LeakyReLU):
    """Overrides check_params without calling the base: NaN slopes go through."""

    def check_params(self):
        pass


class VagueLeakyReLU(LeakyReLU):
    """Refuses non-finite slopes with a message that does not say which parameter."""

    def check_params(self):
        if not np.isfinite(self.negative_slope):
            raise ValueError("bad value")


@pytest.mark.parametrize(
    "plugin, message",
    [
        (UncheckedLeakyReLU(), r"negative_slope=nan was accepted"),
        (VagueLeakyReLU(), r"negative_slope=nan was refused, but the message does not name"),
        (KeywordsSigmoid(), r"must list its parameters explicitly"),
        (AbsoluteLeakyReLU(negative_slope=-0.5), r"must store each argument unchanged"),
        (RequiredParameterELU(alpha=1.0), r"give every parameter a default"),
        (LambdaSigmoid(squash=lambda z: z), r"pickling failed"),
    ],
    ids=[
        "accepts-nan",
        "vague-refusal",
        "kwargs",
        "modifies-argument",
        "no-default",
        "lambda-attribute",
    ],
)
def test_check_plugin_catches_a_plugin_that_breaks_the_plugin_contract(plugin, message):
    with pytest.raises(AssertionError, match=message):
        check_plugin(plugin)


def test_checks_refuse_a_class_and_point_to_the_instance():
    with pytest.raises(TypeError, match=r"Swish\(\) instead of Swish"):
        check_activation(Swish)


def test_a_check_of_the_wrong_kind_names_the_right_one():
    with pytest.raises(TypeError, match="is a loss: use check_loss"):
        check_activation(BinaryCrossEntropy())


def test_checks_refuse_objects_that_are_not_plugins():
    with pytest.raises(TypeError, match="is not a plugin: subclass one of"):
        check_plugin(object())


def test_checks_leave_the_checked_plugin_unchanged():
    optimizer = Adam(beta_1=0.8)
    check_optimizer(optimizer)
    assert vars(optimizer) == {"beta_1": 0.8, "beta_2": 0.999, "epsilon": 1e-8}


def test_the_non_finite_parameter_check_is_one_of_every_plugins_checks():
    names = {check.__name__ for check in plugin_checks(Swish())}
    assert "check_non_finite_parameters" in names


def test_parametrize_with_checks_makes_one_case_per_plugin_and_check():
    plugins = [Swish(beta=1.5), BinaryCrossEntropy()]
    mark = parametrize_with_checks(plugins)
    argnames, cases = mark.args
    assert argnames == "plugin, check"
    assert len(cases) == len(plugin_checks(plugins[0])) + len(plugin_checks(plugins[1]))
    ids = [mark.kwargs["ids"](value) for case in cases for value in case.values]
    assert "Swish(beta=1.5)" in ids
    assert "check_activation_gradient" in ids
    assert "check_loss_delta" in ids


def _expected_failures(plugin):
    if isinstance(plugin, SummedSquaredError):
        return {"check_loss_sample_weight": "a weighted sum on purpose"}
    return {}


@parametrize_with_checks([SummedSquaredError()], expected_failed_checks=_expected_failures)
def test_expected_failed_checks_are_strict_xfails(plugin, check):
    check(plugin)


def test_expected_failed_checks_must_name_real_checks():
    with pytest.raises(ValueError, match=r"names \['check_typo'\] for Swish\(beta=1.0\)"):
        parametrize_with_checks([Swish()], expected_failed_checks=lambda p: {"check_typo": "?"})
