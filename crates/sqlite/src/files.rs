//! The files under an open store: the trading instance's lock on the database file, and
//! the check that the database and its write-ahead log are still the files it opened.
//!
//! **Owner lock.** One trading runtime per database, whatever directory it was started in
//! ([`SqliteStore::lock_owner`]): an OS lock (`flock`) on the database file itself, taken
//! through a descriptor of its own and released by the kernel when the process dies,
//! `kill -9` included. SQLite's own locks are POSIX record locks, which Linux keeps apart
//! from `flock`, so readers (operator commands, health checks) are not affected. The
//! descriptor is closed only after the store is closed (closing another descriptor of
//! the file while SQLite holds record locks on it would release them).
//!
//! **Storage check.** The WAL holds every commit since the last checkpoint. A `-wal` file
//! deleted (or replaced) under a running store keeps receiving commits in the unlinked
//! file, and they are all gone at the next crash, silently. [`SqliteStore::check_files`]
//! compares the database and WAL paths with the files opened (device and inode) and, if
//! either vanished, saves what it can before reporting it: a checkpoint copies the orphaned
//! log into the database file; a deleted database file is copied to a new file beside it
//! (`VACUUM INTO`).

use std::fs::File;
use std::path::{Path, PathBuf};

use domain::ports::StoreError;

use crate::SqliteStore;

/// The device and inode of a file, to tell "the same file" from "a file at the same path".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    /// The file now at `path`, if any.
    pub(crate) fn of(path: &Path) -> Option<Self> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(path).ok().map(|m| FileId {
                dev: m.dev(),
                ino: m.ino(),
            })
        }
        #[cfg(not(unix))]
        {
            std::fs::metadata(path)
                .ok()
                .map(|_| FileId { dev: 0, ino: 0 })
        }
    }
}

/// The files a store opened.
#[derive(Debug, Clone)]
pub(crate) struct OpenedFiles {
    pub(crate) database: Option<FileId>,
    pub(crate) wal: Option<FileId>,
}

/// The `-wal` path of the database at `path`.
pub(crate) fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// Held by the one runtime that trades on a database; dropped (after the store is closed)
/// to release it.
#[derive(Debug)]
pub struct OwnerLock {
    _file: File,
    path: PathBuf,
}

impl OwnerLock {
    /// The database file locked.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl SqliteStore {
    /// Takes the trading instance's lock on the database file: `Ok(None)` when another
    /// process holds it (a runtime trading on this database from another data directory).
    pub fn lock_owner(&self) -> Result<Option<OwnerLock>, StoreError> {
        let path = self.path().to_path_buf();
        let file = File::open(&path).map_err(|e| {
            StoreError::Unavailable(format!("cannot open {} to lock it: {e}", path.display()))
        })?;
        match file.try_lock() {
            Ok(()) => Ok(Some(OwnerLock { _file: file, path })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Unavailable(format!(
                "cannot lock {}: {e}",
                path.display()
            ))),
        }
    }

    /// Checks that the database file and its write-ahead log are the files this store
    /// opened. When one vanished, saves what it can and returns `StoreError::Unavailable`
    /// saying what happened and what was saved: everything committed stays readable only
    /// if the process does not die first, so the caller must stop trading.
    pub async fn check_files(&self) -> Result<(), StoreError> {
        let path = self.path();
        let wal = wal_path(path);
        let (database_gone, wal_gone) = {
            let mut opened = self.files.lock().unwrap_or_else(|e| e.into_inner());
            // The log appears with the first transaction: remember it once it exists.
            if opened.wal.is_none() {
                opened.wal = FileId::of(&wal);
            }
            (
                opened.database.is_some() && FileId::of(path) != opened.database,
                opened.wal.is_some() && FileId::of(&wal) != opened.wal,
            )
        };
        if !database_gone && !wal_gone {
            return Ok(());
        }
        if database_gone {
            let rescue = rescue_path(path);
            let saved = self.vacuum_into(&rescue).await;
            return Err(StoreError::Unavailable(match saved {
                Ok(()) => format!(
                    "the database file {} was deleted or replaced while the runtime had it open; everything committed was copied to {}: stop, put that file back at {}, and restart",
                    path.display(),
                    rescue.display(),
                    path.display()
                ),
                Err(e) => format!(
                    "the database file {} was deleted or replaced while the runtime had it open, and copying it to {} failed ({e}): what was committed lives only in this process",
                    path.display(),
                    rescue.display()
                ),
            }));
        }
        let saved = self.checkpoint().await;
        Err(StoreError::Unavailable(match saved {
            Ok(()) => format!(
                "the write-ahead log {} was deleted or replaced while the database was open; everything committed was checkpointed into {}: restart the runtime to get a new log",
                wal.display(),
                path.display()
            ),
            Err(e) => format!(
                "the write-ahead log {} was deleted or replaced while the database was open, and the checkpoint into {} failed ({e}): commits since the last checkpoint are lost if this process dies",
                wal.display(),
                path.display()
            ),
        }))
    }

    /// Copies the log into the database file (`wal_checkpoint(TRUNCATE)`).
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        let mut writer = self.writer().await?;
        let row: (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&mut writer.get().conn)
            .await
            .map_err(|e| StoreError::Backend(format!("checkpoint: {e}")))?;
        if row.0 != 0 {
            return Err(StoreError::Backend(
                "checkpoint: another connection kept it from completing".into(),
            ));
        }
        Ok(())
    }

    async fn vacuum_into(&self, to: &Path) -> Result<(), StoreError> {
        let mut writer = self.writer().await?;
        sqlx::query("VACUUM INTO ?")
            .bind(to.display().to_string())
            .execute(&mut writer.get().conn)
            .await
            .map_err(|e| StoreError::Backend(format!("VACUUM INTO {}: {e}", to.display())))?;
        Ok(())
    }
}

/// A free name beside `path` for a rescued copy (`rampart.db.rescued`, `.rescued-2`, ...).
fn rescue_path(path: &Path) -> PathBuf {
    let base = path.as_os_str().to_owned();
    for n in 1..1000 {
        let mut name = base.clone();
        if n == 1 {
            name.push(".rescued");
        } else {
            name.push(format!(".rescued-{n}"));
        }
        let candidate = PathBuf::from(name);
        if !candidate.exists() {
            return candidate;
        }
    }
    let mut name = base;
    name.push(".rescued-last");
    PathBuf::from(name)
}
