"""Warnings and errors that skbackprop raises beyond scikit-learn's own."""

import warnings

__all__ = ["InconsistentVersionWarning", "ModelFileError", "warn_if_version_differs"]


class ModelFileError(ValueError):
    """A file given to :func:`skbackprop.load` is not a valid skbackprop model file.

    The one exception :func:`~skbackprop.load` raises for a file it refuses:
    corrupted, truncated, crafted, over the size limit, or holding a model whose
    parts disagree. The message names the file and what is wrong with it. A
    subclass of :class:`ValueError`, so ``except ValueError`` keeps working.

    Parameters
    ----------
    path : str
        The refused file.
    problem : str
        What is wrong with it.
    """

    def __init__(self, path, problem):
        self.path = path
        self.problem = problem
        super().__init__(f"{path!r} is not a valid skbackprop model file: {problem}")

    def __reduce__(self):
        return type(self), (self.path, self.problem)


class InconsistentVersionWarning(UserWarning):
    """A model saved by one skbackprop version is being loaded by another.

    The skbackprop counterpart of
    :class:`sklearn.exceptions.InconsistentVersionWarning`: fitted attributes
    may have changed meaning between versions, so predictions of such a model
    are not guaranteed. Refit the model with the installed version, or install
    the version that saved it.

    Parameters
    ----------
    estimator_name : str
        Class of the loaded estimator.
    current_version : str
        The installed skbackprop version.
    original_version : str
        The skbackprop version that saved the model.
    """

    def __init__(self, *, estimator_name, current_version, original_version):
        self.estimator_name = estimator_name
        self.current_version = current_version
        self.original_version = original_version
        super().__init__(str(self))

    def __str__(self):
        return (
            f"Loading {self.estimator_name} saved by skbackprop {self.original_version} "
            f"with skbackprop {self.current_version}. This might lead to breaking code or "
            "invalid results: refit the model, or load it with the version that saved it."
        )


def warn_if_version_differs(estimator_name, original_version, stacklevel=3):
    """Warn with :class:`InconsistentVersionWarning` unless ``original_version`` is ours.

    Parameters
    ----------
    estimator_name : str
    original_version : str
        Version recorded when the model was saved.
    stacklevel : int, default=3
    """
    from . import __version__  # late: skbackprop/__init__ imports this module's users

    if original_version != __version__:
        warnings.warn(
            InconsistentVersionWarning(
                estimator_name=estimator_name,
                current_version=__version__,
                original_version=original_version,
            ),
            stacklevel=stacklevel,
        )
