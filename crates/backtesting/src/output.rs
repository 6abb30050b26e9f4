//! Atomic output: a run's artifacts are written into `storage/backtests/.tmp-<run_id>/`
//! and renamed to `storage/backtests/<run_id>/` only when every one of them is
//! complete, so a failed run (a corrupt CSV half-way through, say) leaves nothing
//! behind. `reports/backtests/latest.json` is replaced atomically (temp file + rename).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::BacktestError;

/// Prefix of staging directories (hidden, never mistaken for a finished run).
pub const STAGING_PREFIX: &str = ".tmp-";

/// A run directory being filled; removed on drop unless [`Staging::commit`]ted.
#[derive(Debug)]
pub struct Staging {
    tmp: PathBuf,
    final_dir: PathBuf,
    run_id: String,
    committed: bool,
}

impl Staging {
    /// Creates the staging directory of `run_id` under `storage`; if a run of that id
    /// exists already (two runs in the same second), `-2`, `-3`... is appended.
    pub fn create(storage: &Path, run_id: &str) -> Result<Self, BacktestError> {
        fs::create_dir_all(storage).map_err(BacktestError::io(storage))?;
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
                    return Ok(Self {
                        tmp,
                        final_dir,
                        run_id: id,
                        committed: false,
                    });
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

    /// Renames the staging directory to its final name.
    pub fn commit(mut self) -> Result<PathBuf, BacktestError> {
        fs::rename(&self.tmp, &self.final_dir).map_err(BacktestError::io(&self.final_dir))?;
        self.committed = true;
        Ok(self.final_dir.clone())
    }
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
