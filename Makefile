# Rampart developer commands. `make ci` is what CI runs (see .ci/run).
SHELL := /bin/bash
CARGO ?= cargo
RAMPART_SHARED ?= $(abspath ../shared)
export RAMPART_SHARED

.PHONY: help test lint fmt ci bench run-dry backtest crash-scan

help:
	@echo "make test     - run every test of the workspace (cargo test --workspace)"
	@echo "make lint     - rustfmt check, clippy -D warnings, architecture checks"
	@echo "make ci       - lint + test (what CI runs)"
	@echo "make bench    - criterion benchmarks (not part of the tests)"
	@echo "make crash-scan - kill the 2,600-event replay at every write index and compare each resume (needs strace; ~30 min)"
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

# Every pwrite64 index of the 2,600-event replay, not a sample (docs/reliability.md).
crash-scan:
	RAMPART_CRASH_SCAN=full REQUIRE_STRACE=1 $(CARGO) test --release -p runtime --test it crash_injection -- --nocapture

run-dry:
	$(CARGO) run --release -p runtime

backtest:
	$(CARGO) run --release -p backtest -- --symbol BTC-USD
