# recsvc: every target installs what it needs into a local virtual environment (.venv) first.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
WORKDIR ?= build/demo
EMPLOYEES ?= 2000
SEED ?= 42
DATA ?= $(WORKDIR)/sample
MODELS ?= models
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1

.PHONY: help install run sample validate train evaluate serve test check lint format typecheck cov \
        test-fast bench bench-1m bench-core bench-train bench-serve bench-sample bench-events bench-people openapi clean lock audit docker notebook soak need-wrk

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)  ## create .venv and install recsvc with its dev tools

run: $(STAMP)  ## the main job on the sample: generate, validate, train, serve, one request, stop
	$(BIN)/recsvc demo --employees $(EMPLOYEES) --seed $(SEED) --workdir $(WORKDIR) --models $(MODELS)

sample: $(STAMP)  ## generate the sample organisation into $(DATA)
	$(BIN)/recsvc sample --employees $(EMPLOYEES) --seed $(SEED) --out $(DATA)

validate: $(STAMP)  ## load and validate $(DATA), print and write the report
	$(BIN)/recsvc validate --data $(DATA)

train: $(STAMP)  ## train a bundle from $(DATA) into $(MODELS) (makes the sample if missing)
	@test -e $(DATA) || $(BIN)/recsvc sample --employees $(EMPLOYEES) --seed $(SEED) --out $(DATA)
	$(BIN)/recsvc train --data $(DATA) --out $(MODELS) --seed $(SEED)

evaluate: $(STAMP)  ## hybrid vs baselines on $(DATA) and the cohort and interactions-only regimes: reports/, docs/evaluation*.md
	@test -e $(DATA) || $(BIN)/recsvc sample --employees $(EMPLOYEES) --seed $(SEED) --out $(DATA)
	$(BIN)/recsvc evaluate --data $(DATA) --seed $(SEED) --tune-trials 16 --out reports \
		--ground-truth $(DATA)/ground_truth --write-docs
	for regime in cohort interactions-only; do \
		$(BIN)/recsvc sample --employees $(EMPLOYEES) --seed $(SEED) --regime $$regime \
			--out $(WORKDIR)/sample-$$regime && \
		$(BIN)/recsvc evaluate --data $(WORKDIR)/sample-$$regime --seed $(SEED) --tune-trials 16 \
			--out reports/$$regime --ground-truth $(WORKDIR)/sample-$$regime/ground_truth \
			--write-docs --docs-file docs/evaluation-$$regime.md || exit 1; \
	done

serve: $(STAMP)  ## serve the latest bundle in $(MODELS) (keeps running)
	$(BIN)/recsvc serve --models $(MODELS)

lint: $(STAMP)  ## ruff format check and ruff lint
	$(BIN)/ruff format --check src tests benchmarks tools notebooks
	$(BIN)/ruff check src tests benchmarks tools notebooks

format: $(STAMP)  ## apply ruff formatting and fixes
	$(BIN)/ruff format src tests benchmarks tools notebooks
	$(BIN)/ruff check --fix src tests benchmarks tools notebooks

typecheck: $(STAMP)  ## mypy --strict on the package
	$(BIN)/mypy src

test: lint typecheck  ## the whole test suite with every quality gate (what CI runs)
	$(BIN)/pytest -q

test-fast: $(STAMP)  ## quick tier on 2 processes: no e2e, fuzz or slow tests, no lint (make test: all)
	$(BIN)/pytest -q -n 2 -m "not e2e and not fuzz and not slow" --durations=10

cov: $(STAMP)  ## tests with a coverage report
	$(BIN)/pytest -q --cov=recsvc --cov-report=term-missing

check: test  ## alias of test

bench-sample: $(STAMP)  ## time the sample generator at 100,000 employees
	$(BIN)/python benchmarks/bench_sample.py

bench-train: $(STAMP)  ## training wall time and peak memory per stage
	$(BIN)/python benchmarks/bench_train.py

bench-core: $(STAMP)  ## in-process latency of the recommendation core alone
	$(BIN)/python benchmarks/bench_core.py

need-wrk:  # the HTTP load generator the serving benchmarks use (Debian package wrk)
	@command -v wrk >/dev/null || { command -v apt-get >/dev/null && \
		(apt-get update -qq && apt-get install -y -qq wrk >/dev/null) || \
		{ echo "install wrk (e.g. apt-get install wrk) to run the serving benchmarks"; exit 1; }; }

bench-serve: $(STAMP) need-wrk  ## /recommend vs /health throughput and latency from a separate load process
	$(BIN)/python benchmarks/bench_serve.py --employees 2000 --employees 100000

bench-events: $(STAMP) need-wrk  ## POST /events (batches of 100) and /recommend while events flow; SQLite, and PostgreSQL when RECSVC_TEST_POSTGRES_URL is set
	$(BIN)/python benchmarks/bench_events.py

bench-people: $(STAMP)  ## mentor matching, team views and the skills report on a 2,000-employee sample bundle
	$(BIN)/python benchmarks/bench_people.py

BENCH_ARGS ?=
BENCH_MAX ?= 1000000
bench: $(STAMP) need-wrk  ## benchmarks at 5,000, 100,000 and 1,000,000 employees, then events; docs/performance.md (BENCH_MAX=100000 skips 1M)
	$(BIN)/python benchmarks/run_all.py --max-employees $(BENCH_MAX) $(BENCH_ARGS)
	$(BIN)/python benchmarks/bench_events.py

bench-1m: $(STAMP) need-wrk  ## the 1,000,000-employee run alone (~12 GiB free needed); keeps the other sizes' figures in docs/performance.md
	$(BIN)/python benchmarks/run_all.py --sizes 1000000 $(BENCH_ARGS)

soak: $(STAMP) need-wrk  ## sustained /recommend load for 5 min with a bundle reload midway (needs wrk)
	$(BIN)/python benchmarks/soak.py --duration 300 --rate auto

notebook: $(STAMP)  ## run the walkthrough headless; executed copy in build/walkthrough/
	@mkdir -p build/walkthrough
	$(BIN)/jupyter execute notebooks/walkthrough.ipynb --output=../build/walkthrough/walkthrough

openapi: $(STAMP)  ## regenerate openapi.yaml from the app
	$(BIN)/python tools/export_openapi.py

lock: $(STAMP)  ## re-resolve requirements/*.lock from pyproject.toml (needs the package index)
	tools/lock_requirements.sh

audit:  ## known vulnerabilities in the pinned runtime dependencies (pip-audit)
	bash .ci/audit.sh

docker:  ## build the service image (needs a Docker engine)
	docker build --build-arg RECSVC_GIT_SHA="$$(git rev-parse --short=7 HEAD)" -t recsvc .

clean:  ## remove the virtual environment, demo data and caches
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
