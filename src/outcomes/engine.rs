//! The outcome engine: bucket by bucket, read the timelines, run the per-person kernels in
//! parallel (rayon; order kept, so output never depends on thread count), write one Parquet
//! file per result table and bucket, and publish the run atomically.
//!
//! ```text
//! STORE/results/current.json                 which run is current (replaced atomically)
//! STORE/results/<run>/<table>/bNN.parquet    results of bucket NN (one file per bucket, so a
//!                                            bucket can be computed by its own process)
//! STORE/results/<run>/run.json               store version, config and its hash, counts, hashes
//! ```
//! `<run>` is `v<store version>-<config hash>`: the same store and config give the same run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use duckdb::arrow::array::StringArray;
use duckdb::arrow::datatypes::{DataType, Field, Schema};

use duckdb::arrow::record_batch::RecordBatch;
use indicatif::ProgressBar;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::config::{Family, OutcomeConfig};
use super::incremental::{Plan, Previous, RUN_PERSONS};
use super::timeline::PersonTimeline;
use crate::db::{DbError, DbSettings, DuckContext};
use crate::store::{FileEntry, Store, StoreError, write_parquet};
use crate::timelines::Needs;

/// Errors of an outcome run.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Reading timelines failed.
    #[error(transparent)]
    Timeline(#[from] crate::timelines::TimelineError),
    /// DuckDB failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Opening the store views failed.
    #[error(transparent)]
    Query(#[from] crate::query::QueryError),
    /// File trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Survival curves failed.
    #[error(transparent)]
    Curves(#[from] super::curves::CurveError),
    /// The run manifest could not be written or read.
    #[error("results manifest {path}: {message}")]
    Manifest {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Result alias for this module.
pub type Result<T> = std::result::Result<T, EngineError>;

/// A run's manifest (`run.json`), also the content of `current.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RunManifest {
    /// Folder name under `results/`.
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
}

/// What computes one bucket's result tables from its timelines (the kernels).
pub type Kernel<'a> = dyn Fn(&[PersonTimeline]) -> Vec<(&'static str, RecordBatch)> + Sync + 'a;

/// SHA-256 of the config as JSON (field order is fixed by the struct).
pub fn config_hash(cfg: &OutcomeConfig) -> String {
    let json = serde_json::to_vec(cfg).unwrap_or_default();
    hex::encode(Sha256::digest(json))
}

/// The run folder name for a store version and config.
pub fn run_name(store_version: u64, cfg: &OutcomeConfig) -> String {
    format!("v{store_version:06}-{}", &config_hash(cfg)[..12])
}

/// Compute one bucket into `dir/<table>/bNN.parquet`; returns files and persons. With
/// `list_persons`, the persons processed go to `run_persons` (what incremental runs merge by).
pub fn compute_bucket(
    conn: &duckdb::Connection,
    bucket: u16,
    needs: Needs,
    dir: &Path,
    kernel: &Kernel<'_>,
    list_persons: bool,
) -> Result<(Vec<(String, FileEntry)>, u64)> {
    let people = crate::timelines::read_bucket(conn, bucket, needs)?;
    let chunks: Vec<&[PersonTimeline]> = people.chunks(2048).collect();
    let parts: Vec<Vec<(&'static str, RecordBatch)>> = chunks.par_iter().map(|c| kernel(c)).collect();
    let mut by_table: BTreeMap<&'static str, Vec<RecordBatch>> = BTreeMap::new();
    for part in parts {
        for (table, batch) in part {
            by_table.entry(table).or_default().push(batch);
        }
    }
    if list_persons && !people.is_empty() {
        by_table.entry(RUN_PERSONS).or_default().push(persons_batch(&people)?);
    }
    // Tables go to different files: write them in parallel (the order of `files` is fixed).
    let tables: Vec<(&'static str, Vec<RecordBatch>)> = by_table.into_iter().collect();
    let files = tables
        .into_par_iter()
        .filter_map(|(table, batches)| {
            let schema = batches.first().map(RecordBatch::schema)?;
            let rel = format!("{table}/b{bucket:02}.parquet");
            Some(write_parquet(&dir.join(&rel), &rel, schema, batches).map(|e| (table.to_owned(), e)))
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok((files, people.len() as u64))
}

/// The `run_persons` rows of a bucket: the persons processed, in order.
pub fn persons_batch(people: &[PersonTimeline]) -> Result<RecordBatch> {
    let schema = Arc::new(Schema::new(vec![Field::new("person_id", DataType::Utf8, false)]));
    let ids = StringArray::from_iter_values(people.iter().map(|p| p.person_id.as_str()));
    RecordBatch::try_new(schema, vec![Arc::new(ids)])
        .map_err(|e| EngineError::Store(StoreError::Parquet { path: PathBuf::from(RUN_PERSONS), source: e.into() }))
}

/// The event tables the configured families need.
pub fn needs(cfg: &OutcomeConfig) -> Needs {
    Needs {
        episode_details: cfg.wants(Family::Spells) || cfg.wants(Family::Indicators),
        measures: cfg.wants(Family::Escalation)
            || cfg.wants(Family::Safety)
            || cfg.wants(Family::Measures)
            || cfg.wants(Family::Linkage),
        reports: cfg.wants(Family::Safety),
        measurements: cfg.wants(Family::Indicators),
        all_persons: cfg.wants(Family::Linkage),
    }
}

/// Where a kind of run is published under the store: `results/` for `kohort outcomes`,
/// `linkage/` for `kohort linkage` (each has its own `current.json`; their table names differ,
/// so both are views side by side).
pub const AREAS: [&str; 2] = [RESULTS, LINKAGE];
/// The outcome runs' area.
pub const RESULTS: &str = "results";
/// The linkage runs' area.
pub const LINKAGE: &str = "linkage";

/// Compute every bucket and publish the run in `results/`. Holds the store lock so no ingest
/// runs meanwhile.
pub fn run(
    store: &Store,
    cfg: &OutcomeConfig,
    db: &DbSettings,
    kernel: &Kernel<'_>,
    bar: &ProgressBar,
) -> Result<RunManifest> {
    run_in(store, RESULTS, cfg, db, kernel, bar)
}

/// [`run`], published in the area `area` (one of [`AREAS`]).
pub fn run_in(
    store: &Store,
    area: &str,
    cfg: &OutcomeConfig,
    db: &DbSettings,
    kernel: &Kernel<'_>,
    bar: &ProgressBar,
) -> Result<RunManifest> {
    let _lock = store.lock()?;
    let manifest = store.require_manifest()?;
    Ok(compute_and_publish(store, &manifest, area, cfg, db, kernel, bar, None)?.0)
}

/// How [`run_incremental`] went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunMode {
    /// The current run already covered the store version and config: nothing was computed.
    UpToDate,
    /// Only the changed persons were recomputed.
    Incremental {
        /// Persons listed as changed since the current run.
        changed: u64,
        /// Persons of the run recomputed (the changed ones with the events the run needs).
        recomputed: u64,
    },
    /// Everything was recomputed, and why.
    Full(String),
}

/// An outcome run in `results/` that recomputes only the persons changed since the current
/// run when it can (see [`super::incremental`]), a full one when `full` is set or it cannot.
/// The published run is the same as a full run's, byte for byte.
pub fn run_incremental(
    store: &Store,
    cfg: &OutcomeConfig,
    db: &DbSettings,
    kernel: &Kernel<'_>,
    bar: &ProgressBar,
    full: bool,
) -> Result<(RunManifest, RunMode)> {
    let _lock = store.lock()?;
    let manifest = store.require_manifest()?;
    let plan = if full {
        Plan::Full("a full run was asked for".to_owned())
    } else {
        super::incremental::plan(store, RESULTS, cfg, &manifest)?
    };
    match plan {
        Plan::UpToDate(m) => Ok((m, RunMode::UpToDate)),
        Plan::Full(why) => {
            Ok((compute_and_publish(store, &manifest, RESULTS, cfg, db, kernel, bar, None)?.0, RunMode::Full(why)))
        }
        Plan::Incremental(prev) => {
            let changed = prev.changed_persons();
            let (m, recomputed) = compute_and_publish(store, &manifest, RESULTS, cfg, db, kernel, bar, Some(&prev))?;
            Ok((m, RunMode::Incremental { changed, recomputed }))
        }
    }
}

/// Compute every bucket (or update it from `previous`) into a staging folder, add the
/// whole-run tables and publish; returns the run and the persons computed. The caller holds
/// the store lock.
#[allow(clippy::too_many_arguments)]
fn compute_and_publish(
    store: &Store,
    manifest: &crate::store::Manifest,
    area: &str,
    cfg: &OutcomeConfig,
    db: &DbSettings,
    kernel: &Kernel<'_>,
    bar: &ProgressBar,
    previous: Option<&Previous>,
) -> Result<(RunManifest, u64)> {
    let run = run_name(manifest.version, cfg);
    let results = store.root().join(area);
    let staging = results.join(format!(".staging-{run}"));
    if staging.exists() {
        fs_err::remove_dir_all(&staging)?;
    }
    fs_err::create_dir_all(&staging)?;
    // rayon runs one bucket per thread, so each bucket's queries run on one DuckDB thread:
    // more would only contend for the same cores.
    let conn = crate::query::open_store(store, &DbSettings { threads: 1, ..db.clone() })?;
    bar.set_length(u64::from(manifest.buckets));
    // Buckets in parallel, each on its own connection to the same database; results are
    // collected in bucket order, so the run does not depend on the thread count.
    let mut work = Vec::new();
    for bucket in 0..manifest.buckets {
        work.push((bucket, conn.try_clone().ctx("cloning the store connection")?));
    }
    let needs = needs(cfg);
    let done =
        work.into_par_iter()
            .map(|(bucket, c)| {
                let out = match previous {
                    Some(prev) => super::incremental::update_bucket(&c, bucket, needs, &staging, prev, kernel),
                    None => compute_bucket(&c, bucket, needs, &staging, kernel, area == RESULTS)
                        .map(|(files, n)| (files, n, n)),
                };
                bar.inc(1);
                out
            })
            .collect::<Result<Vec<_>>>()?;
    let mut tables: BTreeMap<String, Vec<FileEntry>> = BTreeMap::new();
    let mut persons = 0;
    let mut recomputed = 0;
    for (files, n, r) in done {
        recomputed += r;
        for (table, entry) in files {
            tables.entry(table).or_default().push(entry);
        }
        persons += n;
    }
    let version_dir = store.version_dir(manifest.version);
    // A previous run's whole-run tables are recomputed, never linked.
    for (table, entry) in whole_run_tables(&staging, &version_dir, &tables, cfg, db)? {
        tables.entry(table).or_default().push(entry);
    }
    let m = RunManifest {
        run: run.clone(),
        store_version: manifest.version,
        config_hash: config_hash(cfg),
        config: cfg.clone(),
        kohort_version: env!("CARGO_PKG_VERSION").to_owned(),
        tables,
        persons,
    };
    write_json(&staging.join("run.json"), &m)?;
    publish(&results, &staging, &m)?;
    Ok((m, recomputed))
}

/// Tables over every bucket of the run: survival curves and the household view of safety
/// (a household's children may sit in different buckets).
fn whole_run_tables(
    staging: &Path,
    version_dir: &Path,
    tables: &BTreeMap<String, Vec<FileEntry>>,
    cfg: &OutcomeConfig,
    db: &DbSettings,
) -> Result<Vec<(String, FileEntry)>> {
    // Spill next to the staging folder (not inside it: it is published).
    let spill = staging.with_extension("spill");
    let conn = crate::db::open_at_spilling(db, &[version_dir, staging], Some(&spill))?;
    conn.execute_batch(crate::sql::VIEWS).ctx("store views")?;
    for table in tables.keys() {
        let sql = crate::db::render(crate::sql::RESULTS_VIEW, &[("name", table)]);
        conn.execute_batch(&sql).ctx(format!("view of staged {table}"))?;
    }
    let mut out = Vec::new();
    if tables.contains_key("person_summary") {
        out.extend(super::linkage::write_tables(&conn, staging, cfg)?);
        drop(conn);
        if spill.exists() {
            fs_err::remove_dir_all(&spill)?;
        }
        return Ok(out);
    }
    if !(tables.contains_key("reentry") && tables.contains_key("measure_episodes")) {
        return Ok(out);
    }
    out.extend(super::curves::write_curves(&conn, staging)?);
    let rel = "safety_household/all.parquet";
    let mut stmt = conn.prepare(crate::sql::outcomes::SAFETY_HOUSEHOLD).ctx("safety, household view")?;
    let arrow = stmt.query_arrow([]).ctx("safety, household view")?;
    let schema = arrow.get_schema();
    out.push(("safety_household".to_owned(), write_parquet(&staging.join(rel), rel, schema, arrow)?));
    drop(stmt);
    drop(conn);
    if spill.exists() {
        fs_err::remove_dir_all(&spill)?;
    }
    Ok(out)
}

fn write_json(path: &Path, m: &RunManifest) -> Result<()> {
    let text = serde_json::to_string_pretty(m)
        .map_err(|e| EngineError::Manifest { path: path.to_owned(), message: e.to_string() })?;
    let tmp = path.with_extension("json.tmp");
    {
        let mut f = fs_err::File::create(&tmp)?;
        std::io::Write::write_all(&mut f, text.as_bytes())?;
        f.sync_all()?;
    }
    fs_err::rename(&tmp, path)?;
    Ok(())
}

/// Move the staged run into place and point `current.json` at it; drop older runs.
fn publish(results: &Path, staging: &Path, m: &RunManifest) -> Result<()> {
    let target = results.join(&m.run);
    if target.exists() {
        fs_err::remove_dir_all(&target)?;
    }
    fs_err::rename(staging, &target)?;
    write_json(&results.join("current.json"), m)?;
    for entry in fs_err::read_dir(results)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_dir() && name != m.run {
            fs_err::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

/// The current run of a store, if outcomes were computed.
pub fn current(store: &Store) -> Result<Option<RunManifest>> {
    current_in(store, RESULTS)
}

/// The current run of an area ([`AREAS`]), if there is one.
pub fn current_in(store: &Store, area: &str) -> Result<Option<RunManifest>> {
    let path = store.root().join(area).join("current.json");
    let text = match fs_err::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| EngineError::Manifest { path, message: e.to_string() })
}
