# Rampart developer commands. `make ci` is what CI runs (see .ci/run).
SHELL := /bin/bash
CARGO ?= cargo
RAMPART_SHARED ?= $(abspath ../shared)
export RAMPART_SHARED

.PHONY: help test lint fmt ci bench run-dry backtest

help:
	@echo "make test     - run every test of the workspace (cargo test --workspace)"
	@echo "make lint     - rustfmt check, clippy -D warnings, architecture checks"
	@echo "make ci       - lint + test (what CI runs)"
	@echo "make bench    - criterion benchmarks (not part of the tests)"
	@echo "make run-dry  - dry-run of the runtime on the bundled data"
	@echo "make backtest - backtest on the bundled data"

test:
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	bash scripts/lint.sh

ci: lint test

bench:
	$(CARGO) bench --workspace
	$(CARGO) run --release -p backtest -- bench --bars 1000000
	$(CARGO) run --release -p backtest -- bench --bars 10000000

run-dry:
	$(CARGO) run --release -p runtime

backtest:
	$(CARGO) run --release -p backtest -- --symbol BTC-USD
