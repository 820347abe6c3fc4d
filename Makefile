# Every target creates the local virtual environment .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test docs bench lint clean

$(STAMP): pyproject.toml examples/plugin_package/pyproject.toml $(wildcard examples/plugin_package/src/*/*.py)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall ./examples/plugin_package  # entry-point plugins
	touch $(STAMP)

demo: $(STAMP)  ## the main job: digits in a pipeline, beside scikit-learn's MLPClassifier
	$(BIN)/python -m skbackprop

test: $(STAMP)  ## the test suite
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
