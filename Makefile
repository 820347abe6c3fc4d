# Every target creates the local virtual environment .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Everything the test suite exercises, optional features included.
EXTRAS := test,plot,progress,docs,dask,persist,onnx

.PHONY: demo test docs bench lint mutation clean

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

# Mutation testing of the core (docs/testing.rst): not part of `make test` or CI, it takes
# about 7 minutes on two cores. MODULE=skbackprop/schedules.py mutates one file.
# Every run starts afresh: mutmut keeps a survivor's verdict when only a test changed.
MODULE ?=
MUTATION_JOBS ?= 2
mutation: $(STAMP)  ## mutation testing of the core with mutmut, then the score per module
	$(BIN)/python -m pip install --quiet -e ".[mutation]"
	rm -rf mutants
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	$(BIN)/mutmut run --max-children $(MUTATION_JOBS) \
		$(if $(MODULE),"$(subst /,.,$(basename $(MODULE))).*")
	$(BIN)/python tools/mutation_score.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache mutants
	rm -rf docs/_build docs/generated docs/auto_examples
