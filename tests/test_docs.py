"""The documentation: builds offline with warnings as errors and covers the whole API."""

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

import skbackprop
from skbackprop import MLPScratchClassifier, MLPScratchRegressor, registry

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _public_modules():
    """``skbackprop`` and its submodules whose names do not start with ``_``."""
    modules = [skbackprop]
    for info in pkgutil.iter_modules(skbackprop.__path__):
        if not info.name.startswith("_"):
            modules.append(importlib.import_module(f"skbackprop.{info.name}"))
    return modules


def _public_names():
    """Fully qualified name and object of every name in a public module's ``__all__``."""
    for module in _public_modules():
        for name in module.__all__:
            if not name.startswith("__"):
                yield f"{module.__name__}.{name}", getattr(module, name)


@pytest.fixture(scope="module")
def built_html(tmp_path_factory):
    """Build the HTML docs once, without running the examples (tests/test_examples.py does)."""
    pytest.importorskip("sphinx", reason="the docs extra is not installed")
    out = tmp_path_factory.mktemp("html")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-E",
            "-q",
            "-b",
            "html",
            "-D",
            "plot_gallery=0",
            "-d",
            str(out / ".doctrees"),
            str(DOCS),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"sphinx-build failed:\n{result.stdout}\n{result.stderr}"
    return out


def test_docs_build_offline_with_warnings_as_errors(built_html):
    for page in (
        "index",
        "getting_started",
        "api",
        "user_guide/network",
        "user_guide/choosing",
        "user_guide/migrating",
        "auto_examples/index",
    ):
        assert (built_html / f"{page}.html").is_file(), page


def test_every_public_name_has_an_entry_in_the_api_reference(built_html):
    html = "\n".join(path.read_text(encoding="utf-8") for path in built_html.rglob("*.html"))
    missing = []
    for name, obj in _public_names():
        # A name re-exported from another module (skbackprop.register is
        # skbackprop.registry.register) may be documented where it is defined.
        defined_as = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"
        if f'id="{name}"' not in html and f'id="{defined_as}"' not in html:
            missing.append(name)
    assert not missing, f"add these to docs/api.rst: {missing}"


def test_every_public_name_and_method_has_a_docstring():
    undocumented = []
    for name, obj in _public_names():
        if not inspect.getdoc(obj) and (inspect.isclass(obj) or callable(obj)):
            undocumented.append(name)
        if inspect.isclass(obj) and obj.__module__.startswith("skbackprop"):
            for member, value in vars(obj).items():
                # getdoc follows the method a subclass overrides, as autodoc does.
                public = not member.startswith("_") and callable(value)
                if public and not inspect.getdoc(getattr(obj, member)):
                    undocumented.append(f"{name}.{member}")
    assert not undocumented, undocumented


def test_each_backprop_equation_links_to_the_code_that_computes_it(built_html):
    page = (built_html / "user_guide" / "network.html").read_text(encoding="utf-8")
    for target in (
        "skbackprop.network.Network.forward",
        "skbackprop.network.Network.backward",
        "skbackprop.network.Network.loss",
        "skbackprop.losses.Loss.delta",
        "skbackprop.losses.Loss.backward",
        "skbackprop.activations.Activation.backward",
        "skbackprop.activations.Softmax.backward",
        "skbackprop.optimizers.SGD.step",
    ):
        assert f'#{target}"' in page, f"network.rst does not link to {target}"
    for equation in ("(BP1)", "(BP2)", "(BP3)", "(BP4)"):
        assert equation in page


def _table_entries(page):
    """The ``name`` cells of the list tables of a docs page."""
    text = (DOCS / page).read_text(encoding="utf-8")
    return set(re.findall(r"^\s+\* - ``([^`]+)``", text, flags=re.MULTILINE))


def test_migration_guide_lists_every_parameter_of_every_estimator():
    documented = _table_entries("user_guide/migrating.rst")
    for cls in (MLPClassifier, MLPScratchClassifier, MLPRegressor, MLPScratchRegressor):
        missing = set(cls().get_params()) - documented
        assert not missing, f"{cls.__name__} parameters missing from migrating.rst: {missing}"


def test_migration_guide_lists_every_fitted_attribute_of_every_estimator():
    X, y = load_digits(return_X_y=True)
    documented = _table_entries("user_guide/migrating.rst")
    for cls in (MLPClassifier, MLPScratchClassifier, MLPRegressor, MLPScratchRegressor):
        for early_stopping in (False, True):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf = cls(
                    hidden_layer_sizes=(4,),
                    max_iter=2,
                    early_stopping=early_stopping,
                    random_state=0,
                ).fit(X[:200] / 16, y[:200])
            fitted = {
                name
                for name in dir(clf)
                if name.endswith("_") and not name.startswith("_") and hasattr(clf, name)
            }
            missing = fitted - documented
            assert not missing, f"{cls.__name__} attributes missing from migrating.rst: {missing}"


def test_choosing_guide_lists_every_built_in_plugin():
    text = (DOCS / "user_guide" / "choosing.rst").read_text(encoding="utf-8")
    missing = [
        (kind, name)
        for kind in registry.KINDS
        for name in registry.available(kind)
        if registry.get(kind, name).__module__.startswith("skbackprop.")
        and f'``"{name}"``' not in text
    ]
    assert not missing, f"add these to docs/user_guide/choosing.rst: {missing}"
