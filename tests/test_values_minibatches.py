"""Minibatch sizes: scikit-learn's ``"auto"`` rule and the clipping to the data, by hand."""

import warnings

import pytest

from skbackprop._minibatches import resolve_batch_size


@pytest.mark.parametrize("n_samples, expected", [(50, 50), (200, 200), (201, 200), (1000, 200)])
def test_auto_is_min_of_200_and_the_sample_count(n_samples, expected):
    assert resolve_batch_size("auto", n_samples) == expected


@pytest.mark.parametrize("batch_size", [1, 7, 10])
def test_a_batch_size_up_to_the_sample_count_is_kept_silently(batch_size):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_batch_size(batch_size, 10) == batch_size


def test_a_batch_size_above_the_sample_count_is_clipped_with_a_warning():
    with pytest.warns(UserWarning) as record:
        assert resolve_batch_size(50, 10) == 10
    assert [str(w.message) for w in record] == [
        "batch_size=50 is larger than the 10 training samples; using batches of 10."
    ]


def test_a_batch_size_below_one_is_raised_to_one():
    # The estimators refuse such a batch_size first; the rule still guards its own range.
    assert resolve_batch_size(0, 10) == 1
