//! Append throughput of typical batches (1 to 3 audit events) on a SQLite file.
//!
//! Run: `cargo bench -p sqlite --bench append`. Throughput is reported in elements =
//! audit events; batches/s = events/s divided by events per batch.

#![allow(missing_docs)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use domain::ports::{EventBatch, Store};
use sqlite::{Durability, SqliteOptions, SqliteStore};
use store_conformance::fixtures::{alert_event, at, fill_event, signal_event};

fn batch(n: u64, events: usize, with_state: bool) -> EventBatch {
    let secs = i64::try_from(n).unwrap_or(0) * 60;
    let all = [
        signal_event("BTC-USD", secs),
        alert_event("high-tier signal BTC-USD buy 0.82", secs),
        fill_event(&format!("rp-bench-{n}"), &format!("rp-bench-{n}-1"), secs),
    ];
    EventBatch {
        event_id: format!("BTC-USD:candle:{n}"),
        at: at(secs),
        events: all[..events].to_vec(),
        state: if with_state {
            // About the size of an engine state with one position and a short history.
            serde_json::json!({
                "portfolio": {"cash": "9850.1234", "positions": [{"symbol": "BTC-USD", "qty": "0.0150", "avg": "42000.00"}],
                              "realized_pnl": "-12.50", "peak_equity": "10012.00", "day_start_equity": "10000.00"},
                "preservation": {"level": "normal", "history": []},
                "turnover": {"BTC-USD": {"last_entry": "2024-01-01T00:00:00Z", "today": 1}},
                "kill_switch": {"active": false},
                "seq": n,
            })
        } else {
            serde_json::Value::Null
        },
        orders: Vec::new(),
    }
}

fn bench_append(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("sqlite_append");
    group.measurement_time(Duration::from_secs(4));
    group.sample_size(20);
    for durability in [Durability::Full, Durability::Normal] {
        for (events, with_state) in [(1usize, false), (3, false), (3, true)] {
            let dir = tempfile::tempdir().expect("tempdir");
            let store = rt
                .block_on(SqliteStore::open_with(
                    dir.path().join("bench.db"),
                    SqliteOptions {
                        durability,
                        ..SqliteOptions::default()
                    },
                ))
                .expect("open");
            let next = AtomicU64::new(1);
            let name = format!(
                "{durability:?}/{events}_events{}",
                if with_state { "+state" } else { "" }
            );
            group.throughput(Throughput::Elements(events as u64));
            group.bench_function(name, |b| {
                b.iter_custom(|iters| {
                    let batches: Vec<EventBatch> = (0..iters)
                        .map(|_| batch(next.fetch_add(1, Ordering::Relaxed), events, with_state))
                        .collect();
                    rt.block_on(async {
                        #[allow(clippy::disallowed_methods)] // a benchmark measures wall time
                        let start = Instant::now();
                        for batch in &batches {
                            store.append(batch).await.expect("append");
                        }
                        start.elapsed()
                    })
                });
            });
            rt.block_on(store.close());
        }
    }
    group.finish();
}

criterion_group!(benches, bench_append);
criterion_main!(benches);
