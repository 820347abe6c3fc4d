# Every target creates the local virtual environment .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Everything the test suite exercises, optional features included.
EXTRAS := test,plot,progress,docs,dask,persist,onnx

.PHONY: demo test docs bench lint clean

$(STAMP): pyproject.toml examples/plugin_package/pyproject.toml $(wildcard examples/plugin_package/src/*/*.py)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall ./examples/plugin_package  # entry-point plugins
	touch $(STAMP)

demo: $(STAMP)  ## the main job: digits in a pipeline, beside scikit-learn's MLPClassifier
	$(BIN)/python -m skbackprop

test: $(STAMP)  ## the test suite
	$(BIN)/python -m pytest

bench: $(STAMP)  ## speed and memory against scikit-learn's MLPClassifier (a few minutes)
	$(BIN)/python benchmarks/bench_mlp.py

# The examples' matrices are small: one BLAS thread each is faster, and on a busy
# two-core machine several threads spinning against each other made one
# example 15x slower.
docs: $(STAMP)  ## the documentation, offline, warnings as errors: docs/_build/html
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

lint: $(STAMP)  ## ruff: lint and formatting
	$(BIN)/python -m pip install --quiet -e ".[lint]"
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
	rm -rf docs/_build docs/generated docs/auto_examples
