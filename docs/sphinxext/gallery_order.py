"""Order of the examples in the gallery: a reading path, not the alphabet."""

READING_ORDER = [
    "plot_quickstart.py",
    "plot_textbook_network.py",
    "plot_deep_narrow_network.py",
    "plot_relu_softmax_and_binary.py",
    "plot_custom_activation_and_loss.py",
    "plot_compare_activations_solvers.py",
    "plot_dropout_and_hidden_features.py",
    "plot_onnx_export.py",
]


class ExampleOrder:
    """Sort key for sphinx-gallery's ``within_subsection_order``.

    Examples listed in :data:`READING_ORDER` come first, in that order; any
    other example follows, by file name.

    Parameters
    ----------
    src_dir : str
        The gallery's source directory (unused; sphinx-gallery passes it).
    """

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        """Return the sort key of ``filename``."""
        try:
            return (READING_ORDER.index(filename), filename)
        except ValueError:
            return (len(READING_ORDER), filename)

    def __repr__(self):
        # sphinx-gallery compares the repr across builds to decide what is stale.
        return f"<{type(self).__name__}>"
