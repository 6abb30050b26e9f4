//! Staging directories of killed runs: swept by the next run, unless their run is alive.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use crate::support::*;

/// What a killed run leaves: a staging directory with a partial artifact, and a lock file
/// unless it was written by a version without locks.
fn leftover(out: &Path, name: &str, lock_file: bool) -> PathBuf {
    let dir = out.join("storage/backtests").join(name);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("trades.csv"), "ts,symbol\n").unwrap();
    if lock_file {
        File::create(dir.join(".lock")).unwrap();
    }
    dir
}

#[test]
fn a_run_removes_staging_dirs_of_dead_runs_and_keeps_a_concurrent_ones() {
    let out = tempfile::tempdir().unwrap();
    let killed = leftover(out.path(), ".tmp-killed", true);
    let old_version = leftover(out.path(), ".tmp-old-version", false);
    let live = leftover(out.path(), ".tmp-live", true);
    // A concurrent backtest: this test process holds its lock.
    let held = File::options()
        .write(true)
        .open(live.join(".lock"))
        .unwrap();
    held.try_lock().unwrap();

    let o = backtest_into(
        out.path(),
        &[
            "--symbol",
            "BTC-USD",
            "--from",
            "2024-01-02",
            "--to",
            "2024-01-03",
        ],
    );
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));

    assert!(!killed.exists(), "a dead run's staging dir is removed");
    assert!(
        !old_version.exists(),
        "a staging dir without a lock file is removed"
    );
    assert!(
        live.join("trades.csv").is_file(),
        "a live run's staging dir stays"
    );
    let finished: Vec<PathBuf> = run_dirs(out.path())
        .into_iter()
        .filter(|d| d != &live)
        .collect();
    assert_eq!(finished.len(), 1, "{finished:?}");
    assert!(finished[0].join("result.json").is_file());
    assert!(
        !finished[0].join(".lock").exists(),
        "no lock file in a finished run"
    );

    // Once its writer is gone, the next run removes it too.
    drop(held);
    let o = backtest_into(
        out.path(),
        &[
            "--symbol",
            "BTC-USD",
            "--from",
            "2024-01-02",
            "--to",
            "2024-01-03",
        ],
    );
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    assert!(!live.exists());
}
