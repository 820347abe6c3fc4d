"""Per-hidden-layer hyperparameters: activation and dropout sequences, and their errors."""

import pytest
from sklearn.base import clone

from skbackprop._per_layer import resolve_activation, resolve_dropout_rates
from skbackprop.activations import LeakyReLU, ReLU, Tanh


def test_single_activation_is_resolved_to_one_copy_for_every_layer():
    leaky = LeakyReLU(negative_slope=0.2)
    resolved = resolve_activation(leaky, 3)
    assert isinstance(resolved, LeakyReLU) and resolved is not leaky
    assert resolved.negative_slope == 0.2
    assert isinstance(resolve_activation("tanh", 0), Tanh)  # checked even without hidden layers


def test_sequence_mixes_names_and_copies_of_configured_instances():
    leaky = LeakyReLU(negative_slope=0.2)
    activations = resolve_activation(("relu", leaky, "tanh"), 3)
    assert [type(a) for a in activations] == [ReLU, LeakyReLU, Tanh]
    assert activations[1] is not leaky and activations[1].negative_slope == 0.2


def test_wrong_number_of_activations_names_the_parameter_and_the_layer_count():
    with pytest.raises(ValueError, match=r"activation has 2 entries.*3 hidden layer"):
        resolve_activation(["relu", "tanh"], 3)


def test_bad_entry_is_named_by_its_position():
    with pytest.raises(ValueError, match=r"activation\[1\]"):
        resolve_activation(["relu", "nonsense"], 2)
    with pytest.raises(TypeError, match=r"activation\[0\]"):
        resolve_activation([3.0, "relu"], 2)


def test_dropout_rates_put_the_input_rate_first():
    assert resolve_dropout_rates(0.5, 2) == [0.0, 0.5, 0.5]
    assert resolve_dropout_rates((0.1, 0.3), 2, input_dropout=0.2) == [0.2, 0.1, 0.3]
    assert resolve_dropout_rates(0.5, 0) == [0.0]


@pytest.mark.parametrize(
    "dropout, input_dropout, message",
    [
        (1.0, 0.0, r"dropout must be a dropout probability in \[0, 1\)"),
        (-0.1, 0.0, "dropout must be"),
        ((0.5, "a"), 0.0, r"dropout\[1\] must be"),
        (0.5, 1.5, "input_dropout must be"),
        (True, 0.0, "dropout must be"),
        ((0.5,), 0.0, r"dropout has 1 entries.*2 hidden layer"),
    ],
)
def test_bad_dropout_is_refused_naming_the_parameter(dropout, input_dropout, message):
    with pytest.raises(ValueError, match=message):
        resolve_dropout_rates(dropout, 2, input_dropout)


def test_clone_copies_each_configured_instance_of_a_tuple():
    """What a grid search over tuples of instances relies on (see skbackprop._per_layer)."""
    from skbackprop import MLPScratchClassifier

    leaky = LeakyReLU(negative_slope=0.3)
    model = MLPScratchClassifier(hidden_layer_sizes=(3, 3), activation=(leaky, "tanh"))
    copy = clone(model)
    assert copy.activation[0] is not leaky and copy.activation[0].negative_slope == 0.3
    assert copy.activation[1] == "tanh"
