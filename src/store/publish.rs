//! Staging and atomic publication of a new data version.

use std::path::{Path, PathBuf};

use super::manifest::sync_dir;
use super::{FileEntry, Manifest, Result, Store, StoreLock};

/// A work area for one new version, under `STORE/.staging/`.
#[derive(Debug)]
pub struct Staging {
    /// The work area.
    pub root: PathBuf,
    /// The version folder being built (renamed into `v/` on publication).
    pub version_dir: PathBuf,
    /// The version number it will get.
    pub version: u64,
}

impl Staging {
    /// Clear what killed runs left behind and start a fresh work area. The lock proves that
    /// no other writer is using `.staging/`.
    pub fn begin(store: &Store, _lock: &StoreLock) -> Result<Self> {
        let staging = store.root().join(".staging");
        if staging.exists() {
            fs_err::remove_dir_all(&staging)?;
        }
        let current = store.manifest()?.map_or(0, |m| m.version);
        let version = current.max(highest_version_dir(store)?) + 1;
        let root = staging.join(format!("{version:06}"));
        let version_dir = root.join("data");
        fs_err::create_dir_all(&version_dir)?;
        Ok(Self { root, version_dir, version })
    }

    /// Hard-link (or copy, across file systems) the files of other sources from the current
    /// version into the new one.
    pub fn link_from(&self, current_dir: &Path, files: &[FileEntry]) -> Result<()> {
        for f in files {
            let from = current_dir.join(&f.path);
            let to = self.version_dir.join(&f.path);
            if let Some(dir) = to.parent() {
                fs_err::create_dir_all(dir)?;
            }
            if fs_err::hard_link(&from, &to).is_err() {
                fs_err::copy(&from, &to)?;
            }
        }
        Ok(())
    }
}

fn highest_version_dir(store: &Store) -> Result<u64> {
    let v = store.root().join("v");
    if !v.exists() {
        return Ok(0);
    }
    let mut highest = 0;
    for entry in fs_err::read_dir(&v)? {
        if let Some(n) = entry?.file_name().to_str().and_then(|s| s.parse::<u64>().ok()) {
            highest = highest.max(n);
        }
    }
    Ok(highest)
}

/// Publish: move the staged version into `v/`, move staged change files into `changes/`,
/// swap the manifest atomically, then remove versions older than the previous one.
pub fn publish(store: &Store, staging: Staging, manifest: &Manifest) -> Result<()> {
    let versions = store.root().join("v");
    fs_err::create_dir_all(&versions)?;
    let target = store.version_dir(staging.version);
    sync_tree(&staging.version_dir)?;
    fs_err::rename(&staging.version_dir, &target)?;
    sync_dir(&versions)?;
    let staged_changes = staging.root.join("changes");
    if staged_changes.exists() {
        let changes = store.root().join("changes");
        fs_err::create_dir_all(&changes)?;
        for entry in fs_err::read_dir(&staged_changes)? {
            let entry = entry?;
            fs_err::rename(entry.path(), changes.join(entry.file_name()))?;
        }
        sync_dir(&changes)?;
    }
    manifest.write_atomic(&store.manifest_path())?;
    fs_err::remove_dir_all(&staging.root)?;
    collect_garbage(store, manifest.version)
}

/// fsync every folder of a tree (files were synced as they were written).
fn sync_tree(dir: &Path) -> Result<()> {
    for entry in fs_err::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            sync_tree(&entry.path())?;
        }
    }
    sync_dir(dir)
}

/// Keep the current and the previous version (a reader may still be on it); drop the rest.
fn collect_garbage(store: &Store, current: u64) -> Result<()> {
    let v = store.root().join("v");
    let mut versions: Vec<u64> =
        fs_err::read_dir(&v)?.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect();
    versions.sort_unstable();
    let keep_from = versions.iter().rev().filter(|n| **n < current).copied().next().unwrap_or(current);
    for n in versions {
        if n < keep_from || n > current {
            fs_err::remove_dir_all(store.version_dir(n))?;
        }
    }
    Ok(())
}
