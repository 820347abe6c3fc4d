"""Sphinx configuration of the skbackprop documentation.

Build offline with ``make docs`` (or ``python -m sphinx -W -b html docs docs/_build/html``).
Nothing is fetched from the network: there is no intersphinx, and MathJax is
copied into the build (sphinx-mathjax-offline, in the docs extra) so the
equations render without a network too.
Pass ``-D plot_gallery=0`` to skip running the examples (the docs test does).
"""

import importlib.util
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "sphinxext"))

import skbackprop  # noqa: E402  (after the path set-up)

project = "skbackprop"
author = "The skbackprop developers"
copyright = "The skbackprop developers, BSD-3-Clause"
release = skbackprop.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

# MathJax is normally loaded by the reader's browser from a CDN; the docs extra
# bundles a copy so that the equations also render in docs read offline.
if importlib.util.find_spec("sphinx-mathjax-offline") is not None:
    extensions.append("sphinx-mathjax-offline")

root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
]
default_role = "code"

# -- API reference ---------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {
    "members": True,
    "member-order": "bysource",
    # scikit-learn generates these metadata-routing methods on every estimator;
    # their docstrings point into scikit-learn's own user guide.
    "exclude-members": "set_fit_request,set_partial_fit_request,set_score_request",
}
autodoc_inherit_docstrings = True
# numpydoc renders the Parameters/Returns sections; the class templates list
# the members, so numpydoc's own member tables would repeat them.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# (Every public name having a docstring is checked by tests/test_docs.py with
# inspect.getdoc, which, like autodoc, counts a docstring inherited from the
# method a subclass overrides.)

# -- Examples gallery ------------------------------------------------------
# Examples that need an optional extra are shown but not run when it is missing
# (sphinx-gallery runs only the files that match filename_pattern).
_EXTRA_OF_EXAMPLE = {"onnx_export": ("skl2onnx", "onnxruntime")}
_NOT_RUNNABLE = [
    example
    for example, modules in _EXTRA_OF_EXAMPLE.items()
    if any(importlib.util.find_spec(module) is None for module in modules)
]
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_" + "".join(f"(?!{example})" for example in _NOT_RUNNABLE),
    "within_subsection_order": "gallery_order.ExampleOrder",
    "download_all_examples": False,
    "reference_url": {"skbackprop": None},
    "abort_on_example_error": True,
    "remove_config_comments": True,
}

# -- HTML ------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"skbackprop {release}"
html_static_path = []
html_theme_options = {
    "description": "A scikit-learn MLP on a readable numpy backpropagation core",
    "fixed_sidebar": True,
    "page_width": "1140px",
}


# -- Docstring shapes ------------------------------------------------------
# In reStructuredText a word ending in "_" is a hyperlink reference, so a
# shape such as "(n_features_in_,)" in a docstring would be a broken link.
# Render the fitted-attribute names inside shapes as code instead.
_SHAPE = re.compile(r"shape \(([^)]*)\)")
_TRAILING_UNDERSCORE_NAME = re.compile(r"(?<![`\w])([A-Za-z]\w*_)(?=[,)\s]|$)")


def _quote_shape_names(app, what, name, obj, options, lines):
    for index, line in enumerate(lines):
        lines[index] = _SHAPE.sub(
            lambda match: (
                "shape (" + _TRAILING_UNDERSCORE_NAME.sub(r"``\1``", match.group(1)) + ")"
            ),
            line,
        )


def setup(app):
    """Register the docstring hook (runs before numpydoc's, which has priority 500)."""
    app.connect("autodoc-process-docstring", _quote_shape_names, priority=400)
