//! Housekeeping of `STORE/changes/`: the per-version lists of changed persons that incremental
//! outcome runs and study caches read. A list of version V is needed while some consumer
//! (the outcome run, a study cache) reflects a store version before V: that consumer's
//! next incremental update reads every list after its own version. The rest is removed:
//! lists of versions up to the oldest consumer's version, lists of versions that never became
//! current (a killed publication), and every list when nothing consumes them (the next run
//! of anything is a full one).

use std::collections::BTreeSet;

use super::{Result, Store};

/// What [`Store::prune_changes`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Files removed.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
}

impl Store {
    /// The change lists of the store versions after `from` up to `m`'s (their paths), or why
    /// one is missing (then an incremental update is impossible: the caller recomputes all).
    pub fn change_files(&self, m: &super::Manifest, from: u64) -> std::result::Result<Vec<String>, String> {
        let mut files = Vec::new();
        for v in from + 1..=m.version {
            let Some(h) = m.history.iter().find(|h| h.version == v) else {
                return Err(format!("store version {v} is not in the history"));
            };
            let path = self.root().join(&h.changes_file);
            if !path.is_file() {
                return Err(format!("the change list {} is missing", path.display()));
            }
            files.push(path.to_string_lossy().into_owned());
        }
        Ok(files)
    }

    /// Remove the change lists no consumer needs: `oldest` is the oldest store version a
    /// consumer reflects (`None`: no consumer). The caller holds the store's write lock.
    pub fn prune_changes(&self, oldest: Option<u64>, _lock: &super::StoreLock) -> Result<Pruned> {
        let dir = self.root().join("changes");
        let Some(manifest) = self.manifest()? else { return Ok(Pruned::default()) };
        if !dir.is_dir() {
            return Ok(Pruned::default());
        }
        let listed: BTreeSet<&str> = manifest.history.iter().map(|h| h.changes_file.as_str()).collect();
        let mut pruned = Pruned::default();
        for entry in fs_err::read_dir(&dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let version = name.split('-').next().and_then(|v| v.parse::<u64>().ok());
            let in_history = listed.contains(format!("changes/{name}").as_str());
            let needed = in_history && matches!((version, oldest), (Some(v), Some(o)) if v > o);
            if !needed {
                pruned.bytes += entry.metadata()?.len();
                pruned.files += 1;
                super::publication::remove_if_present(&entry.path())?;
            }
        }
        if pruned.files > 0 {
            super::sync_dir(&dir)?;
        }
        Ok(pruned)
    }
}
