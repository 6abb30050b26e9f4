//! The runtime's default job, measured as an operator runs it: `runtime` (dry-run replay of
//! the bundled 30 days of 1-minute candles for BTC-USD and ETH-USD, every guardrail on, SQLite
//! persistence with one transaction per market event, the audit chain, heartbeats and daily
//! reports) in a fresh data directory, as a child process.
//!
//! Reported (one JSON line per run): market events, wall seconds from spawn to exit (start-up,
//! migrations and the summary included), events per second, and the child's resident memory
//! sampled every 25 ms: peak (`VmHWM`), and the median of the samples in each quarter of the run
//! (a steady RSS has flat quarters; a leak shows as rising ones).
//!
//! `cargo bench -p runtime --bench dry_run` runs the whole replay three times. Under
//! `cargo test` (no `--bench` argument) it runs one short replay as a smoke test of the harness.
//! Targets (issue 4): >= 50,000 events/s; steady RSS < 150 MB.

#![allow(missing_docs, clippy::disallowed_methods)] // a benchmark measures wall time

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (runs, iterations) = if full { (3, -1) } else { (1, 3_000) };
    let mut failures = 0;
    for run in 1..=runs {
        match measure(iterations) {
            Ok(m) => println!("{}", m.json(run)),
            Err(e) => {
                eprintln!("dry_run bench: {e}");
                failures += 1;
            }
        }
    }
    if failures > 0 {
        std::process::exit(1);
    }
}

struct Measurement {
    events: u64,
    seconds: f64,
    peak_rss_mb: f64,
    quarter_rss_mb: [f64; 4],
    samples: usize,
}

impl Measurement {
    fn json(&self, run: u32) -> String {
        serde_json::json!({
            "bench": "runtime_dry_run_sqlite",
            "run": run,
            "events": self.events,
            "seconds": round3(self.seconds),
            "events_per_sec": (self.events as f64 / self.seconds).round(),
            "peak_rss_mb": round1(self.peak_rss_mb),
            "rss_mb_by_quarter": self.quarter_rss_mb.map(round1),
            "rss_samples": self.samples,
        })
        .to_string()
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn measure(iterations: i64) -> Result<Measurement, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_runtime"))
        .current_dir(dir.path())
        .args(["--http", "off", "--iterations", &iterations.to_string()])
        .env("RAMPART__LOGGING__DIR", dir.path().join("logs"))
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn runtime: {e}"))?;
    let status_path = format!("/proc/{}/status", child.id());
    let mut samples: Vec<f64> = Vec::new();
    let mut peak = 0.0_f64;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_path) {
            if let Some(kb) = field_kb(&text, "VmRSS:") {
                samples.push(kb / 1024.0);
            }
            if let Some(kb) = field_kb(&text, "VmHWM:") {
                peak = peak.max(kb / 1024.0);
            }
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => std::thread::sleep(Duration::from_millis(25)),
            Err(e) => return Err(format!("wait: {e}")),
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    if !status.success() {
        return Err(format!("runtime exited with {status}: {stderr}"));
    }
    let events = events_of(&stdout).ok_or_else(|| format!("no events line in:\n{stdout}"))?;
    if !Path::new(&dir.path().join("data/rampart.db")).exists() {
        return Err("the runtime wrote no SQLite store".into());
    }
    Ok(Measurement {
        events,
        seconds,
        peak_rss_mb: peak.max(samples.iter().copied().fold(0.0, f64::max)),
        quarter_rss_mb: quarters(&samples),
        samples: samples.len(),
    })
}

/// `VmRSS:    12345 kB` -> 12345.
fn field_kb(status: &str, field: &str) -> Option<f64> {
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The session summary's `events  86400 (...)` line.
fn events_of(summary: &str) -> Option<u64> {
    summary
        .lines()
        .map(str::trim_start)
        .find(|l| l.starts_with("events "))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Median of each quarter of the samples (0 for an empty quarter).
fn quarters(samples: &[f64]) -> [f64; 4] {
    let mut out = [0.0; 4];
    let n = samples.len();
    for (q, slot) in out.iter_mut().enumerate() {
        let mut part: Vec<f64> = samples[q * n / 4..(q + 1) * n / 4].to_vec();
        if part.is_empty() {
            continue;
        }
        part.sort_by(f64::total_cmp);
        *slot = part[part.len() / 2];
    }
    out
}
