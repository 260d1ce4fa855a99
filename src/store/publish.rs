//! Staging and publication of a new data version, through [`super::publication`].

use std::path::{Path, PathBuf};

use super::publication::{Keep, Pointer, Stage, publish_dir, sync_dir};
use super::{FileEntry, Manifest, Result, Store, StoreLock};

/// A work area for one new version, under `STORE/.staging/`: removed when dropped, so an
/// ingest that fails (or returns early) leaves nothing behind.
#[derive(Debug)]
pub struct Staging {
    /// The work area (removed on drop).
    work: Stage,
    /// The work area's path.
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
        let work = Stage::new(&store.root().join(".staging"))?;
        let current = store.manifest()?.map_or(0, |m| m.version);
        let version = current.max(highest_version_dir(store)?) + 1;
        let root = work.path().join(format!("{version:06}"));
        let version_dir = root.join("data");
        fs_err::create_dir_all(&version_dir)?;
        Ok(Self { work, root, version_dir, version })
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

/// Publish: move staged change files into `changes/`, move the staged version into `v/`,
/// switch `manifest.json` to it, then remove versions older than the previous one that no
/// reader holds.
pub fn publish(store: &Store, staging: Staging, manifest: &Manifest) -> Result<()> {
    let previous = store.manifest()?.map(|m| format!("{:06}", m.version));
    let staged_changes = staging.root.join("changes");
    if staged_changes.exists() {
        // Change files of a version that never becomes current name persons to recompute:
        // harmless (they are recomputed to the same rows) and pruned with the rest.
        let changes = store.root().join("changes");
        fs_err::create_dir_all(&changes)?;
        for entry in fs_err::read_dir(&staged_changes)? {
            let entry = entry?;
            fs_err::rename(entry.path(), changes.join(entry.file_name()))?;
        }
        sync_dir(&changes)?;
        super::publication::fault("store:after-changes");
    }
    let manifest_path = store.manifest_path();
    let pointer = Pointer::json(&manifest_path, manifest)?;
    let keep = Keep { previous: previous.as_deref(), is_generation: Some(is_version) };
    publish_dir(&staging.version_dir, &store.root().join("v"), &format!("{:06}", staging.version), &pointer, &keep)?;
    drop(staging.work);
    Ok(())
}

/// Version folders are named by six or more digits.
fn is_version(name: &str) -> bool {
    name.len() >= 6 && name.bytes().all(|b| b.is_ascii_digit())
}
