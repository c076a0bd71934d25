# The two commands of the README: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
export HF_HUB_OFFLINE := 1

.PHONY: setup run analyze-example test check lint bench eval example

setup:
	bash scripts/setup.sh

## Set up, then start the service on the embedded default with the example loaded.
run: setup
	$(VENV)/bin/evreview serve --example examples/submission

## Analyse the example on the command line, without the service.
analyze-example: setup
	mkdir -p examples/out
	$(VENV)/bin/evreview analyze examples/submission --json examples/out/analysis.json

## Set up (with Chromium for the browser tests), then run the whole test suite:
## real models, ffmpeg, tesseract, PostgreSQL, Redis, Celery workers and a browser.
test:
	EVREVIEW_SETUP_BROWSER=1 bash scripts/setup.sh
	$(PY) -m pytest -q

## Lint, format check and type check.
check: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: setup
	$(PY) bench/ingest_bench.py
	$(PY) bench/analyze_bench.py
	$(PY) bench/service_bench.py

## Rebuild the example submission's files (they are committed).
example: setup
	$(PY) examples/build_example.py examples/submission

## Analyse the dev set and score it against its gold labels.
eval: setup
	$(PY) bench/eval_devset.py
