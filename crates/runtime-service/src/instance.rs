//! One runtime per data directory: an OS file lock (released by the kernel even
//! after `kill -9`), a PID file for operators, and the heartbeat file.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::RuntimeError;

/// Holds the data directory for this process until dropped.
#[derive(Debug)]
pub struct InstanceLock {
    _lock: File,
    pid_path: PathBuf,
}

impl InstanceLock {
    /// Creates `data_dir` if needed and takes its lock, or explains who holds it.
    pub fn acquire(data_dir: &Path) -> Result<Self, RuntimeError> {
        std::fs::create_dir_all(data_dir).map_err(RuntimeError::io(format!(
            "cannot create data directory {}",
            data_dir.display()
        )))?;
        let lock_path = data_dir.join("runtime.lock");
        let pid_path = data_dir.join("runtime.pid");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(RuntimeError::io(format!(
                "cannot open {}",
                lock_path.display()
            )))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let pid = std::fs::read_to_string(&pid_path)
                    .map(|s| s.trim().to_string())
                    .unwrap_or_else(|_| "unknown".into());
                return Err(RuntimeError::AlreadyRunning {
                    dir: data_dir.to_path_buf(),
                    pid,
                });
            }
            Err(TryLockError::Error(e)) => {
                return Err(RuntimeError::io(format!(
                    "cannot lock {}",
                    lock_path.display()
                ))(e));
            }
        }
        write_atomically(&pid_path, format!("{}\n", std::process::id()).as_bytes()).map_err(
            RuntimeError::io(format!("cannot write {}", pid_path.display())),
        )?;
        Ok(Self {
            _lock: lock,
            pid_path,
        })
    }
}

impl Drop for InstanceLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.pid_path);
    }
}

/// What `data/heartbeat.json` says about the running process.
#[derive(Debug, Clone, Serialize)]
pub struct Heartbeat {
    /// Process id.
    pub pid: u32,
    /// This session's run id.
    pub run_id: String,
    /// dry-run, paper or live.
    pub mode: String,
    /// Market-data source (`replay`, `binance`, ...).
    pub feed: String,
    /// Wall-clock time of this heartbeat.
    pub timestamp: domain::Timestamp,
    /// The engine clock's time (simulated in a replay).
    pub event_time: Option<domain::Timestamp>,
    /// Market events processed in this session.
    pub events: u64,
    /// Current equity.
    pub equity: String,
    /// Capital-preservation level.
    pub level: String,
    /// Whether any kill-switch source is active.
    pub kill_switch_active: bool,
    /// The exchange venue's health (paper and live modes): clock offset and API key
    /// permissions, judged by readiness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub venue: Option<readiness::VenueHealthInput>,
    /// Times the live feed reconnected (live feeds only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed_reconnects: Option<u64>,
    /// Reconciliations run after a feed reconnect in this session (live feeds only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconnect_reconciliations: Option<u64>,
}

/// Writes the heartbeat file atomically (temp file, then rename).
pub fn write_heartbeat(data_dir: &Path, heartbeat: &Heartbeat) -> Result<(), RuntimeError> {
    let path = data_dir.join("heartbeat.json");
    let body = serde_json::to_vec_pretty(heartbeat)
        .map_err(|e| RuntimeError::BadInput(format!("heartbeat: {e}")))?;
    write_atomically(&path, &body)
        .map_err(RuntimeError::io(format!("cannot write {}", path.display())))
}

pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_directory_is_refused_with_the_pid() {
        let dir = tempfile::tempdir().unwrap();
        let first = InstanceLock::acquire(dir.path()).unwrap();
        let err = InstanceLock::acquire(dir.path()).unwrap_err();
        assert!(matches!(err, RuntimeError::AlreadyRunning { .. }), "{err}");
        assert!(
            err.to_string().contains(&std::process::id().to_string()),
            "{err}"
        );
        assert_eq!(err.exit_code(), 2);
        drop(first);
        assert!(
            InstanceLock::acquire(dir.path()).is_ok(),
            "released on drop"
        );
    }
}
