//! The manifest of a result run (`run.json`, also the content of the area's `current.json`),
//! the areas runs are published in, and reading and checking the current run.
//!
//! ```text
//! STORE/results/current.json                 which run is current (replaced atomically)
//! STORE/results/<run>/<table>/bNN.parquet    results of bucket NN (one file per bucket, so a
//!                                            bucket can be computed by its own process)
//! STORE/results/<run>/run.json               store version, config and its hash, counts, hashes
//! STORE/linkage/...                          the same for linkage runs
//! ```
//! `<run>` is `v<store version>-<config hash>` (with `.2`, `.3`, ... for a re-run over the same
//! store version and config: a published folder is never reused).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Result, ResultsError};
use crate::outcomes::config::OutcomeConfig;
use crate::store::{FileEntry, Store, StoreError};

/// Where a kind of run is published under the store. Each area has its own `current.json`;
/// the table names of the two differ, so both are views side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// `results/`: the runs of `kohort outcomes` and `kohort run`.
    Outcomes,
    /// `linkage/`: the runs of `kohort linkage`.
    Linkage,
}

impl Area {
    /// Every area.
    pub const ALL: [Area; 2] = [Area::Outcomes, Area::Linkage];

    /// The area's folder under the store.
    #[must_use]
    pub fn dir(self) -> &'static str {
        match self {
            Area::Outcomes => "results",
            Area::Linkage => "linkage",
        }
    }
}

impl std::fmt::Display for Area {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.dir())
    }
}

/// A run's manifest (`run.json`), also the content of `current.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RunManifest {
    /// Folder name under the area (`results/`, `linkage/`).
    pub run: String,
    /// Store version the run read.
    pub store_version: u64,
    /// SHA-256 of the config as JSON.
    pub config_hash: String,
    /// The config used.
    pub config: OutcomeConfig,
    /// kohort version.
    pub kohort_version: String,
    /// Files per result table.
    pub tables: BTreeMap<String, Vec<FileEntry>>,
    /// Persons processed: those with an event the run needs (others have no outcome rows).
    pub persons: u64,
    /// Incremental runs without compaction: per per-bucket table, the rows of the persons
    /// recomputed since the base files (`<table>/delta/bNN.parquet`). A table listed here is
    /// read as its base files without the persons in `superseded`, plus these files.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub deltas: BTreeMap<String, Vec<FileEntry>>,
    /// Per bucket, the persons recomputed since the base files (`superseded/bNN.parquet`,
    /// sorted): their rows in the base files no longer count.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub superseded: Vec<FileEntry>,
    /// Whole-run tables with deltas: the persons whose base rows that table's delta supersedes
    /// (`<table>/superseded/all.parquet`; the per-bucket tables use `superseded`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub superseded_in: BTreeMap<String, Vec<FileEntry>>,
    /// The layout of the run's files ([`RESULTS_FORMAT`]; runs before it was recorded are 1).
    #[serde(default = "format_one")]
    pub format: u32,
    /// With deltas: the store version of the base files (every person changed since then is
    /// in `superseded`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_version: Option<u64>,
}

/// The layout of result files this kohort writes and reads incrementally: 2 added the person
/// rows to `run_persons` and the delta files; 3 stopped storing `reentry_windows`,
/// `safety_windows` and `monthly_states` (views, see [`super::views::derived_views`]); 4 stores
/// `safety_household` with a row per index rather than per index and window (its windows are
/// the view `safety_household_windows`); 5 writes no file for a table without rows in a
/// bucket, and one `<table>/empty.parquet` for a table without rows in any. An incremental run
/// over a run of another layout is a full run.
pub const RESULTS_FORMAT: u32 = 5;

fn format_one() -> u32 {
    1
}

impl RunManifest {
    /// Every file of the run, relative to its folder.
    pub fn files(&self) -> Vec<FileEntry> {
        let listed = self.tables.values().chain(self.deltas.values()).chain(self.superseded_in.values()).flatten();
        listed.chain(&self.superseded).cloned().collect()
    }

    /// The `CREATE VIEW` statement of every result table, by name.
    pub fn views(&self) -> Vec<(String, String)> {
        let mut views =
            super::views::result_views(&self.tables, &self.deltas, !self.superseded.is_empty(), &self.superseded_in);
        let has = |t: &str| self.tables.contains_key(t) || self.deltas.contains_key(t);
        views.extend(super::views::derived_views(&self.config, self.format, has));
        views
    }

    /// Persons whose base rows are superseded by deltas.
    pub fn superseded_persons(&self) -> u64 {
        self.superseded.iter().map(|f| f.rows).sum()
    }
}

/// SHA-256 of the config as JSON (field order is fixed by the struct).
pub fn config_hash(cfg: &OutcomeConfig) -> Result<String> {
    let json = serde_json::to_vec(cfg).map_err(ResultsError::ConfigJson)?;
    Ok(hex::encode(Sha256::digest(json)))
}

/// The run folder name for a store version and config.
pub fn run_name(store_version: u64, cfg: &OutcomeConfig) -> Result<String> {
    Ok(format!("v{store_version:06}-{}", &config_hash(cfg)?[..12]))
}

pub(super) fn write_json(path: &Path, m: &RunManifest) -> Result<()> {
    crate::store::write_json_atomic(path, m)
        .map_err(|e| ResultsError::Manifest { path: path.to_owned(), message: e.to_string() })
}

/// Check the current run of an area: its folder is there and every file matches its recorded
/// size and SHA-256. The run and the files checked, or `None` without a run.
pub fn verify_current(store: &Store, area: Area) -> Result<Option<(String, usize)>> {
    let Some(run) = current_in(store, area)? else { return Ok(None) };
    let dir = store.root().join(area.dir()).join(&run.run);
    let n = crate::store::verify_files(&dir, &run.files()).map_err(|problem| StoreError::Corrupt {
        store: store.root().to_owned(),
        problem: format!("{area} run {}: {problem}", run.run),
    })?;
    Ok(Some((run.run, n)))
}

/// The current run of a store, if outcomes were computed.
pub fn current(store: &Store) -> Result<Option<RunManifest>> {
    current_in(store, Area::Outcomes)
}

/// The current run of an area, if there is one.
pub fn current_in(store: &Store, area: Area) -> Result<Option<RunManifest>> {
    let path = store.root().join(area.dir()).join("current.json");
    crate::store::read_json(&path).map_err(|e| ResultsError::Manifest { path, message: e.to_string() })
}
