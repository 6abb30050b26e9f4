#!/usr/bin/env bash
# Cheap mechanical checks of the house rules (STYLE.md, "Checked by make lint").
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
err() { echo "lint: $*" >&2; fail=1; }

core=(domain risk-gate capital-preservation turnover-governor shadow-collector readiness engine strategies backtest-metrics ftmo)

# 1. Core crates pull in no async runtime, database, HTTP or WebSocket crate.
for c in "${core[@]}"; do
  [ -d "crates/$c" ] || continue
  bad=$(cargo tree -q -e normal -p "$c" --prefix none 2>/dev/null | grep -E '^(tokio|sqlx|reqwest|tungstenite|tokio-tungstenite) ' | sort -u)
  [ -n "$bad" ] && err "core crate $c depends on: $(echo $bad | tr '\n' ' ')"
done

# 2. No wall clock, thread RNG or random ids in core crates (domain/src/clock.rs holds the one sanctioned SystemClock).
for c in "${core[@]}"; do
  [ -d "crates/$c/src" ] || continue
  hits=$(grep -rnE 'Utc::now|Local::now|SystemTime::now|Instant::now|thread_rng|rand::rng\(|Uuid::new_v4' "crates/$c/src" | grep -v '^crates/domain/src/clock.rs:')
  [ -n "$hits" ] && err "wall clock or randomness in core crate $c:"$'\n'"$hits"
done

# 3. Money types are Decimal newtypes, never f64.
hits=$(grep -rnE 'pub struct (Price|Qty|Money|Ratio)\s*\(\s*(pub\s+)?f(32|64)' crates/ 2>/dev/null)
[ -n "$hits" ] && err "float money type: $hits"

# 4. No anyhow in library crates.
hits=$(grep -lE '^\s*anyhow' crates/*/Cargo.toml 2>/dev/null)
[ -n "$hits" ] && err "anyhow used in library crates: $hits"

# 5. Binaries stay thin.
for m in bins/*/src/main.rs; do
  [ -f "$m" ] || continue
  n=$(wc -l < "$m")
  [ "$n" -ge 150 ] && err "$m has $n lines (limit 150): move logic into a crate"
done

# 6. Only the trade gate issues approvals.
hits=$(grep -rn 'issued_by_trade_gate' crates bins --include='*.rs' | grep -vE '^crates/risk-gate/|^crates/domain/src/order.rs:')
[ -n "$hits" ] && err "Approved constructed outside the trade gate:"$'\n'"$hits"

[ "$fail" -eq 0 ] && echo "lint: architecture checks passed"
exit "$fail"
