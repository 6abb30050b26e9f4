//! Atomic output: a run's artifacts are written into `storage/backtests/.tmp-<run_id>/`
//! and renamed to `storage/backtests/<run_id>/` only when every one of them is
//! complete, so a failed run (a corrupt CSV half-way through, say) leaves nothing
//! behind. `reports/backtests/latest.json` is replaced atomically (temp file + rename).
//!
//! A run killed outright (`kill -9`, a power cut) cannot clean up after itself, so
//! every run holds an OS lock on [`LOCK_FILE`] inside its staging directory while it
//! writes (the kernel releases it however the process ends), and every run starts by
//! sweeping the staging directories whose lock nobody holds ([`sweep_stale`]).

use std::fs::{self, File, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::BacktestError;

/// Prefix of staging directories (hidden, never mistaken for a finished run).
pub const STAGING_PREFIX: &str = ".tmp-";

/// The lock file a run holds inside its staging directory for as long as it writes.
pub const LOCK_FILE: &str = ".lock";

/// What [`LOCK_FILE`] is called until it is locked: a sweep that finds it knows the
/// directory is being set up, not abandoned.
const LOCK_FILE_UNLOCKED: &str = ".lock.new";

/// A run directory being filled; removed on drop unless [`Staging::commit`]ted.
#[derive(Debug)]
pub struct Staging {
    tmp: PathBuf,
    final_dir: PathBuf,
    run_id: String,
    committed: bool,
    /// The locked [`LOCK_FILE`]; closing it (or dying) releases the lock.
    lock: Option<File>,
}

impl Staging {
    /// Creates the staging directory of `run_id` under `storage` and locks it; if a run of
    /// that id exists already (two runs in the same second), `-2`, `-3`... is appended.
    /// First removes the staging directories of runs that died ([`sweep_stale`]).
    pub fn create(storage: &Path, run_id: &str) -> Result<Self, BacktestError> {
        fs::create_dir_all(storage).map_err(BacktestError::io(storage))?;
        sweep_stale(storage);
        for n in 1..1000 {
            let id = if n == 1 {
                run_id.to_string()
            } else {
                format!("{run_id}-{n}")
            };
            let final_dir = storage.join(&id);
            let tmp = storage.join(format!("{STAGING_PREFIX}{id}"));
            if final_dir.exists() {
                continue;
            }
            match fs::create_dir(&tmp) {
                Ok(()) => {
                    let mut staging = Self {
                        tmp,
                        final_dir,
                        run_id: id,
                        committed: false,
                        lock: None,
                    };
                    // On an error `staging` is dropped, which removes the directory.
                    staging.lock = Some(lock_directory(&staging.tmp)?);
                    return Ok(staging);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(BacktestError::io(tmp)(e)),
            }
        }
        Err(BacktestError::io(storage)(std::io::Error::other(format!(
            "999 runs named {run_id} exist already"
        ))))
    }

    /// The staging directory to write into.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Where the run will live once committed.
    pub fn final_dir(&self) -> &Path {
        &self.final_dir
    }

    /// The run id (with a `-N` suffix if the plain one was taken).
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Renames the staging directory to its final name (still locked, so no sweep can
    /// take it), then removes the lock file from the finished run.
    pub fn commit(mut self) -> Result<PathBuf, BacktestError> {
        fs::rename(&self.tmp, &self.final_dir).map_err(BacktestError::io(&self.final_dir))?;
        self.committed = true;
        // Best effort: a leftover lock file in a finished run is harmless.
        let _ = fs::remove_file(self.final_dir.join(LOCK_FILE));
        self.lock = None;
        Ok(self.final_dir.clone())
    }
}

/// Creates `dir`'s [`LOCK_FILE`] and locks it. The file is created under another name and
/// renamed once locked, so a sweep never sees an unlocked [`LOCK_FILE`] of a live run.
fn lock_directory(dir: &Path) -> Result<File, BacktestError> {
    let unlocked = dir.join(LOCK_FILE_UNLOCKED);
    let file = File::create_new(&unlocked).map_err(BacktestError::io(&unlocked))?;
    match file.try_lock() {
        Ok(()) => {}
        // A file system without locks: the run goes on, and sweeps (which cannot take
        // the lock either) leave its directory alone.
        Err(TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => {}
        Err(e) => return Err(BacktestError::io(&unlocked)(e.into())),
    }
    let lock = dir.join(LOCK_FILE);
    fs::rename(&unlocked, &lock).map_err(BacktestError::io(&lock))?;
    Ok(file)
}

/// Removes the staging directories under `storage` whose run is gone and returns them:
/// those whose [`LOCK_FILE`] lock can be taken (the process that held it has ended, however
/// it ended), and those with files but no lock file (left by a version without locks).
/// A directory whose lock is held (a concurrent run) stays, as does one being set up
/// (empty, or holding only the lock file not locked yet). Best effort: what cannot be
/// read or removed is left for the next run.
pub fn sweep_stale(storage: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(storage) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let staging = entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.starts_with(STAGING_PREFIX));
        if !staging || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let dir = entry.path();
        if let Some(guard) = abandoned(&dir) {
            // Removed while holding its lock, so no other sweep judges it meanwhile.
            if fs::remove_dir_all(&dir).is_ok() {
                removed.push(dir);
            }
            drop(guard);
        }
    }
    removed
}

/// `Some` (with the lock taken, if there is a lock file) when nobody writes `dir` any more.
fn abandoned(dir: &Path) -> Option<Option<File>> {
    let names: Vec<_> = fs::read_dir(dir)
        .ok()?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()
        .ok()?;
    if names.iter().any(|n| n == LOCK_FILE) {
        let file = File::options()
            .read(true)
            .write(true)
            .open(dir.join(LOCK_FILE))
            .ok()?;
        return file.try_lock().is_ok().then_some(Some(file));
    }
    // No lock file: a version without locks left files, or a run is setting up (its
    // first file is the unlocked lock file).
    let setting_up = names.is_empty() || names.iter().any(|n| n == LOCK_FILE_UNLOCKED);
    (!setting_up).then_some(None)
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: a failed run must not leave a partial run directory behind.
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory,
/// synced, then renamed over `path`. Creates the directory if needed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), BacktestError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).map_err(BacktestError::io(&dir))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(BacktestError::io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uncommitted_staging_directory_disappears() {
        let root = tempfile::tempdir().unwrap();
        let path = {
            let s = Staging::create(root.path(), "run").unwrap();
            fs::write(s.path().join("x"), "partial").unwrap();
            s.path().to_path_buf()
        };
        assert!(!path.exists());
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 0);
    }

    #[test]
    fn commit_renames_and_a_taken_id_gets_a_suffix() {
        let root = tempfile::tempdir().unwrap();
        let a = Staging::create(root.path(), "run").unwrap();
        fs::write(a.path().join("result.json"), "{}").unwrap();
        let dir = a.commit().unwrap();
        assert_eq!(dir, root.path().join("run"));
        assert!(dir.join("result.json").is_file());
        let b = Staging::create(root.path(), "run").unwrap();
        assert_eq!(b.run_id(), "run-2");
    }

    /// A staging directory with a partial artifact and, if asked, a lock file.
    fn leftover(root: &Path, name: &str, lock_file: bool) -> PathBuf {
        let dir = root.join(name);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("trades.csv"), "partial").unwrap();
        if lock_file {
            fs::write(dir.join(LOCK_FILE), "").unwrap();
        }
        dir
    }

    #[test]
    fn a_new_run_sweeps_dead_runs_and_keeps_live_ones() {
        let root = tempfile::tempdir().unwrap();
        let dead = leftover(root.path(), ".tmp-dead", true);
        let old_version = leftover(root.path(), ".tmp-old", false);
        let live = leftover(root.path(), ".tmp-live", true);
        let held = File::options()
            .write(true)
            .open(live.join(LOCK_FILE))
            .unwrap();
        held.try_lock().unwrap();
        let setting_up = root.path().join(".tmp-new");
        fs::create_dir(&setting_up).unwrap();
        fs::write(setting_up.join(LOCK_FILE_UNLOCKED), "").unwrap();
        let finished = leftover(root.path(), "20240101T000000Z-BTC-USD-sma_cross", false);

        let run = Staging::create(root.path(), "run").unwrap();
        assert!(!dead.exists(), "the lock of a dead run could be taken");
        assert!(
            !old_version.exists(),
            "no lock file: left by an older version"
        );
        assert!(
            live.join("trades.csv").is_file(),
            "a concurrent run's lock is held"
        );
        assert!(setting_up.exists(), "a run setting up is left alone");
        assert!(
            finished.join("trades.csv").is_file(),
            "finished runs are not touched"
        );
        // The new run holds its own lock: a sweep by yet another run keeps it.
        assert!(sweep_stale(root.path()).is_empty());
        assert!(run.path().join(LOCK_FILE).is_file());
        drop(held);
        assert_eq!(sweep_stale(root.path()), vec![live]);
        let dir = run.commit().unwrap();
        assert!(
            !dir.join(LOCK_FILE).exists(),
            "no lock file in a finished run"
        );
    }

    #[test]
    fn a_run_that_died_without_cleaning_up_is_swept_by_the_next() {
        let root = tempfile::tempdir().unwrap();
        let first = Staging::create(root.path(), "first").unwrap();
        let tmp = first.path().to_path_buf();
        fs::write(tmp.join("trades.csv"), "partial").unwrap();
        // What kill -9 leaves: no Drop ran, and the kernel closed the lock file.
        first.lock.as_ref().unwrap().unlock().unwrap();
        std::mem::forget(first);
        assert!(tmp.is_dir());
        let _second = Staging::create(root.path(), "second").unwrap();
        assert!(!tmp.exists());
    }

    #[test]
    fn write_atomic_replaces_the_file() {
        let root = tempfile::tempdir().unwrap();
        let p = root.path().join("reports/latest.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "two");
        assert_eq!(fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
    }
}
