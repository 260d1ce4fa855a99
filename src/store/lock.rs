//! The single-writer lock: an OS file lock on `STORE/.lock`, released when the process ends
//! (also when it is killed), so a crash never leaves a stale lock behind.

use std::path::Path;

use super::{Result, StoreError};

/// Held while a process writes to the store.
#[derive(Debug)]
pub struct StoreLock {
    _file: std::fs::File,
}

impl StoreLock {
    /// Take the lock or fail at once.
    pub fn acquire(root: &Path) -> Result<Self> {
        Self::acquire_named(root, ".lock")
    }

    /// Take the lock file `name` in `root` or fail at once (`kohort run` holds `.run.lock`
    /// for its whole run, while its steps take `.lock` in turn).
    pub fn acquire_named(root: &Path, name: &str) -> Result<Self> {
        fs_err::create_dir_all(root)?;
        let path = root.join(name);
        let file = fs_err::OpenOptions::new().create(true).truncate(false).write(true).open(&path)?;
        let file = file.into_parts().0;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Locked(root.to_owned())),
            Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Io(e)),
        }
    }
}
