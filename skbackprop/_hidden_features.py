"""Hidden features: a fitted network's hidden-layer activations as a transformer's output.

:class:`HiddenFeaturesMixin` makes an MLP estimator a scikit-learn
transformer as well: ``transform(X)`` returns the activations of one hidden
layer (``transform_layer``, the last by default), so a fitted network can feed
the next step of a :class:`~sklearn.pipeline.Pipeline`. ``fit_transform``,
``set_output`` and ``get_feature_names_out`` come from scikit-learn's mixins;
the feature names are the class name and the unit number
(``mlpscratchclassifier0``, ...).
"""

import numbers

from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["HiddenFeaturesMixin", "check_transform_layer"]


def check_transform_layer(layer, n_hidden):
    """Check ``transform_layer`` against ``n_hidden`` hidden layers (at ``fit`` and ``transform``).

    A network without hidden layers fits with any int: only ``transform`` needs one.

    Returns
    -------
    layer : int
    """
    if not isinstance(layer, numbers.Integral) or isinstance(layer, bool):
        raise TypeError(
            "transform_layer must be the index of a hidden layer (an int, -1 for the "
            f"last); got {layer!r}."
        )
    if n_hidden and not -n_hidden <= layer < n_hidden:
        raise ValueError(
            f"transform_layer={layer} does not name one of the {n_hidden} hidden layers; "
            f"use 0 to {n_hidden - 1}, or -1 for the last."
        )
    return int(layer)


class HiddenFeaturesMixin(ClassNamePrefixFeaturesOutMixin, TransformerMixin):
    """``transform`` to a hidden layer's activations, for estimators with ``network_``.

    The estimator has a ``transform_layer`` parameter (int, index among the
    hidden layers: 0 the first, -1 the last) and a fitted ``network_``.
    """

    def _transform_layer_index(self):
        """The hidden layer ``transform_layer`` names, as an index from 0."""
        n_hidden = len(self.network_.layer_sizes) - 2
        if n_hidden == 0:
            raise ValueError(
                "transform returns the activations of a hidden layer, but this network has "
                "none (hidden_layer_sizes=()). Give it hidden layers, or use predict_proba "
                "or predict."
            )
        return check_transform_layer(self.transform_layer, n_hidden) % n_hidden

    @property
    def _n_features_out(self):
        # Read by ClassNamePrefixFeaturesOutMixin.get_feature_names_out.
        return self.network_.layer_sizes[1 + self._transform_layer_index()]

    def transform(self, X):
        """Activations of the hidden layer ``transform_layer`` (the last by default).

        The whole network up to that layer, without dropout: the features the
        network learned, for the next step of a pipeline.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        X_hidden : ndarray of shape (n_samples, n_units)
            ``n_units`` is the size of that hidden layer.
        """
        check_is_fitted(self)
        layer = self._transform_layer_index()
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=self.network_.params.dtype, reset=False
        )
        return self.network_.predict(X, n_layers=layer + 1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
