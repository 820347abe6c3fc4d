"""Training options of MLPScratchClassifier: class weights, validation sets, early stopping."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss, recall_score
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_class_weight

from skbackprop import MLPScratchClassifier

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_IRIS = StandardScaler().fit_transform(X_IRIS)
X_IMB, Y_IMB = make_classification(
    n_samples=300, n_features=6, weights=[0.9, 0.1], class_sep=0.5, random_state=0
)


def _clf(**params):
    params = {"hidden_layer_sizes": (8,), "max_iter": 5, "random_state": 0, **params}
    return MLPScratchClassifier(**params)


def _fit(clf, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(*args, **kwargs)


# ------------------------------------------------------------------------ class_weight


def test_class_weight_dict_equals_the_same_sample_weights():
    class_weight = {0: 3.0, 1: 1.0, 2: 0.5}
    weighted = _fit(_clf(class_weight=class_weight), X_IRIS, Y_IRIS)
    sample_weight = np.array([class_weight[c] for c in Y_IRIS])
    reference = _fit(_clf(), X_IRIS, Y_IRIS, sample_weight=sample_weight)
    np.testing.assert_allclose(weighted.network_.params, reference.network_.params, rtol=1e-12)


def test_class_weight_multiplies_sample_weight_as_linear_models_do():
    class_weight = {0: 3.0, 1: 1.0, 2: 0.5}
    sample_weight = np.random.RandomState(0).uniform(0.5, 2.0, len(Y_IRIS))
    both = _fit(_clf(class_weight=class_weight), X_IRIS, Y_IRIS, sample_weight=sample_weight)
    product = sample_weight * np.array([class_weight[c] for c in Y_IRIS])
    reference = _fit(_clf(), X_IRIS, Y_IRIS, sample_weight=product)
    np.testing.assert_allclose(both.network_.params, reference.network_.params, rtol=1e-12)


def test_balanced_class_weight_uses_weighted_class_counts():
    sample_weight = np.random.RandomState(1).uniform(0.5, 2.0, len(Y_IMB))
    balanced = _fit(_clf(class_weight="balanced"), X_IMB, Y_IMB, sample_weight=sample_weight)
    per_class = compute_class_weight(
        "balanced", classes=np.array([0, 1]), y=Y_IMB, sample_weight=sample_weight
    )
    reference = _fit(_clf(), X_IMB, Y_IMB, sample_weight=sample_weight * per_class[Y_IMB])
    np.testing.assert_allclose(balanced.network_.params, reference.network_.params, rtol=1e-12)


def test_balanced_class_weight_raises_the_recall_of_the_minority_class():
    plain = _fit(_clf(max_iter=60, learning_rate_init=0.01), X_IMB, Y_IMB)
    balanced = _fit(
        _clf(max_iter=60, learning_rate_init=0.01, class_weight="balanced"), X_IMB, Y_IMB
    )
    recall_plain = recall_score(Y_IMB, plain.predict(X_IMB))
    recall_balanced = recall_score(Y_IMB, balanced.predict(X_IMB))
    assert recall_balanced > recall_plain + 0.5


def test_balanced_class_weight_in_partial_fit_counts_every_sample_seen():
    clf = _clf(class_weight="balanced")
    classes = np.array([0, 1])
    first, second = slice(0, 150), slice(150, 300)
    clf.partial_fit(X_IMB[first], Y_IMB[first], classes=classes)
    seen = Y_IMB[:300]
    counts = np.bincount(seen)
    reference = _clf()
    reference.partial_fit(
        X_IMB[first],
        Y_IMB[first],
        classes=classes,
        sample_weight=(len(Y_IMB[first]) / (2 * np.bincount(Y_IMB[first])))[Y_IMB[first]],
    )
    np.testing.assert_allclose(clf.network_.params, reference.network_.params, rtol=1e-12)
    clf.partial_fit(X_IMB[second], Y_IMB[second])
    reference.partial_fit(
        X_IMB[second], Y_IMB[second], sample_weight=(len(seen) / (2 * counts))[Y_IMB[second]]
    )
    np.testing.assert_allclose(clf.network_.params, reference.network_.params, rtol=1e-12)


def test_balanced_class_weight_in_partial_fit_accepts_a_chunk_missing_a_class():
    clf = _clf(class_weight="balanced")
    only_zeros = Y_IRIS == 0
    clf.partial_fit(X_IRIS[only_zeros], Y_IRIS[only_zeros], classes=[0, 1, 2])
    clf.partial_fit(X_IRIS, Y_IRIS)
    assert np.isfinite(clf.network_.params).all()


def test_class_weight_on_multilabel_targets_weights_each_label():
    Y = np.column_stack([Y_IRIS == 0, Y_IRIS == 1]).astype(int)
    clf = _fit(_clf(class_weight="balanced"), X_IRIS, Y)
    assert clf.predict(X_IRIS).shape == Y.shape
    with pytest.raises(ValueError, match="list of dicts"):
        _fit(_clf(class_weight={0: 1.0, 1: 2.0}), X_IRIS, Y)


@pytest.mark.parametrize(
    "class_weight, match",
    [
        ("auto", "class_weight must be None, 'balanced'"),
        ({0: 0.0, 1: 0.0, 2: 0.0}, "weight of zero"),
    ],
)
def test_invalid_class_weight_raises_a_clear_error(class_weight, match):
    with pytest.raises(ValueError, match=match):
        _fit(_clf(class_weight=class_weight), X_IRIS, Y_IRIS)


# ------------------------------------------------------- validation sets and curves


def test_early_stopping_split_is_stratified_for_multiclass_targets():
    # scikit-learn stratifies only binary targets; 40/40/20 per 100 must stay 36/36/18.
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], [40, 40, 20])
    X = rng.normal(size=(100, 3))
    clf = _fit(_clf(early_stopping=True, validation_fraction=0.1, max_iter=1), X, y)
    assert clf.t_ == 90
    seen = []

    class Spy:
        def setup(self, estimator, context): ...
        def teardown(self, estimator, context): ...
        def on_fit_task_begin(self, estimator, context, *, y=None):
            seen.append(y)

        def on_fit_task_end(self, estimator, context): ...

    _fit(_clf(early_stopping=True, validation_fraction=0.1, max_iter=1).set_callbacks(Spy()), X, y)
    np.testing.assert_array_equal(np.bincount(seen[0]), [36, 36, 18])


def test_validation_loss_curve_is_recorded_whenever_a_validation_set_exists():
    split = _fit(_clf(early_stopping=True), X_IRIS, Y_IRIS)
    assert len(split.validation_loss_curve_) == len(split.validation_scores_) == split.n_iter_
    X_val, y_val = X_IRIS[::4], Y_IRIS[::4]
    given = _fit(_clf(), X_IRIS, Y_IRIS, X_val=X_val, y_val=y_val)
    assert len(given.validation_loss_curve_) == given.n_iter_ == 5
    # the last entry is the unpenalised log-loss of the final model on X_val
    assert given.validation_loss_curve_[-1] == pytest.approx(
        log_loss(y_val, given.predict_proba(X_val)), rel=1e-9
    )
    assert given.validation_scores_[-1] == pytest.approx(given.score(X_val, y_val))
    assert given.best_loss_ is not None  # without early stopping the training loss rules
    plain = _fit(_clf(), X_IRIS, Y_IRIS)
    assert plain.validation_loss_curve_ is None and plain.validation_scores_ is None


def test_a_given_validation_set_replaces_the_split():
    X_val, y_val = X_IRIS[::4], Y_IRIS[::4]
    clf = _fit(_clf(early_stopping=True), X_IRIS, Y_IRIS, X_val=X_val, y_val=y_val)
    assert clf.t_ == clf.n_iter_ * len(X_IRIS)  # every training sample was used
    assert clf.score(X_val, y_val) == pytest.approx(clf.best_validation_score_)


def test_early_stopping_on_validation_loss_keeps_the_lowest_loss_weights():
    X_val, y_val = X_IRIS[1::3], Y_IRIS[1::3]
    clf = _fit(
        _clf(
            early_stopping=True,
            early_stopping_metric="loss",
            max_iter=300,
            n_iter_no_change=3,
            learning_rate_init=0.05,
        ),
        X_IRIS[::3],
        Y_IRIS[::3],
        X_val=X_val,
        y_val=y_val,
    )
    assert clf.n_iter_ < 300
    assert clf.best_validation_loss_ == min(clf.validation_loss_curve_)
    assert log_loss(y_val, clf.predict_proba(X_val)) == pytest.approx(
        clf.best_validation_loss_, rel=1e-9
    )


def test_early_stopping_on_score_breaks_accuracy_ties_with_the_loss():
    # On a small validation set the accuracy plateaus while the loss still falls;
    # training goes on (scikit-learn would stop after n_iter_no_change epochs).
    X_val, y_val = X_IRIS[1::10], Y_IRIS[1::10]
    clf = _fit(
        _clf(early_stopping=True, max_iter=40, n_iter_no_change=2),
        X_IRIS,
        Y_IRIS,
        X_val=X_val,
        y_val=y_val,
    )
    scores = clf.validation_scores_
    plateau = next(i for i in range(1, len(scores)) if scores[i] <= max(scores[:i]))
    assert clf.n_iter_ > plateau + 3


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"X_val": X_IRIS[:5]}, "X_val and y_val go together"),
        ({"y_val": Y_IRIS[:5]}, "X_val and y_val go together"),
        ({"X_val": X_IRIS[:5], "y_val": np.array([0, 1, 2, 3, 0])}, "not in the training classes"),
        ({"X_val": X_IRIS[:5, :2], "y_val": Y_IRIS[:5]}, "features"),
        ({"sample_weight_val": np.ones(5)}, "without X_val"),
    ],
)
def test_bad_validation_sets_raise_a_clear_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _fit(_clf(), X_IRIS, Y_IRIS, **kwargs)


def test_invalid_early_stopping_metric_raises_a_clear_error():
    with pytest.raises(ValueError, match="early_stopping_metric must be one of"):
        _fit(_clf(early_stopping_metric="accuracy"), X_IRIS, Y_IRIS)


def test_early_stopping_on_tiny_data_trains_on_everything_with_a_warning():
    clf = _clf(early_stopping=True, max_iter=2)
    with pytest.warns(UserWarning, match="early_stopping cannot hold out validation_fraction"):
        _fit(clf, X_IRIS[[0, 1, 50]], Y_IRIS[[0, 1, 50]])
    assert clf.validation_scores_ is None


def test_validation_set_is_scored_with_the_training_class_weights():
    X_val, y_val = X_IMB[::3], Y_IMB[::3]
    clf = _fit(_clf(class_weight="balanced"), X_IMB, Y_IMB, X_val=X_val, y_val=y_val)
    per_class = compute_class_weight("balanced", classes=np.array([0, 1]), y=Y_IMB)
    assert clf.validation_scores_[-1] == pytest.approx(
        clf.score(X_val, y_val, sample_weight=per_class[y_val])
    )
