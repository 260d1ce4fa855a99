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

use crate::outcomes::config::{Family, OutcomeConfig};
use super::incremental::{Plan, Previous, RUN_PERSONS};
use crate::timelines::PersonTimeline;
use crate::db::{DbError, DbSettings, DuckContext};
use crate::store::publication::{Keep, Pointer};
use crate::store::{FileEntry, Stage, Store, StoreError, write_parquet};
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
/// rows to `run_persons` and the delta files. An incremental run over a run of another layout
/// is a full run.
pub const RESULTS_FORMAT: u32 = 2;

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
        result_views(&self.tables, &self.deltas, !self.superseded.is_empty(), &self.superseded_in)
    }

    /// Persons whose base rows are superseded by deltas.
    pub fn superseded_persons(&self) -> u64 {
        self.superseded.iter().map(|f| f.rows).sum()
    }
}

/// The `CREATE VIEW` statements of a run's result tables: base files, and for the tables with
/// deltas the base files without the superseded persons plus the delta files.
pub fn result_views(
    tables: &BTreeMap<String, Vec<FileEntry>>,
    deltas: &BTreeMap<String, Vec<FileEntry>>,
    superseded: bool,
    superseded_in: &BTreeMap<String, Vec<FileEntry>>,
) -> Vec<(String, String)> {
    use crate::sql::results as q;
    let names: std::collections::BTreeSet<&String> = tables.keys().chain(deltas.keys()).collect();
    names
        .into_iter()
        .map(|name| {
            let vars = [("name", name.as_str())];
            let mut parts = Vec::new();
            if tables.get(name).is_some_and(|f| !f.is_empty()) {
                let own = format!("{name}/superseded/*.parquet");
                let list = if superseded_in.get(name).is_some_and(|f| !f.is_empty()) {
                    Some(own.as_str())
                } else if superseded && deltas.contains_key(name) && !superseded_in.contains_key(name) {
                    Some("superseded/*.parquet")
                } else {
                    None
                };
                parts.push(match list {
                    Some(glob) => crate::db::render(q::BASE_LIVE, &[("name", name.as_str()), ("superseded", glob)]),
                    None => crate::db::render(q::BASE, &vars),
                });
            }
            if deltas.get(name).is_some_and(|f| !f.is_empty()) {
                parts.push(crate::db::render(q::DELTA, &vars));
            }
            let body = parts.iter().map(|p| p.trim().trim_end_matches(';')).collect::<Vec<_>>().join("\nUNION ALL\n");
            (name.clone(), crate::db::render(q::VIEW, &[("name", name), ("body", &body)]))
        })
        .collect()
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

/// The `run_persons` rows of a bucket: the persons processed, in order, with the person row
/// the run used (the cross-source pick; `extracted_on` is the data end). Incremental study runs
/// read the changed persons' rows from here instead of the store's `persons` view.
pub fn persons_batch(people: &[PersonTimeline]) -> Result<RecordBatch> {
    use duckdb::arrow::array::Date32Array;
    let schema = Arc::new(Schema::new(vec![
        Field::new("person_id", DataType::Utf8, false),
        Field::new("birth_date", DataType::Date32, false),
        Field::new("sex", DataType::Utf8, false),
        Field::new("death_date", DataType::Date32, true),
        Field::new("emigration_date", DataType::Date32, true),
        Field::new("extracted_on", DataType::Date32, false),
    ]));
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    #[allow(clippy::cast_possible_truncation)]
    let day = |d: chrono::NaiveDate| (d - epoch).num_days() as i32;
    let ids = StringArray::from_iter_values(people.iter().map(|p| p.person_id.as_str()));
    let births = Date32Array::from_iter_values(people.iter().map(|p| day(p.birth_date)));
    let sexes = StringArray::from_iter_values(people.iter().map(|p| p.sex.as_str()));
    let deaths: Date32Array = people.iter().map(|p| p.death_date.map(day)).collect();
    let emigrations: Date32Array = people.iter().map(|p| p.emigration_date.map(day)).collect();
    let ends = Date32Array::from_iter_values(people.iter().map(|p| day(p.data_end)));
    RecordBatch::try_new(
        schema,
        vec![Arc::new(ids), Arc::new(births), Arc::new(sexes), Arc::new(deaths), Arc::new(emigrations), Arc::new(ends)],
    )
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

/// How [`run_incremental`] may reuse the current run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reuse {
    /// Recompute everything.
    pub full: bool,
    /// Merge the changes into new base files (the full run's files, byte for byte) once the
    /// persons recomputed since the base files would exceed this fraction of the run's persons;
    /// below it, the new rows go to delta files and the base files are linked as they are.
    pub compact_above: f64,
}

impl Default for Reuse {
    fn default() -> Self {
        Reuse { full: false, compact_above: DEFAULT_COMPACT_ABOVE }
    }
}

/// The default of [`Reuse::compact_above`]: compact once a quarter of the run is in deltas.
pub const DEFAULT_COMPACT_ABOVE: f64 = 0.25;

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
        /// Whether the changes were merged into new base files (else they went to deltas).
        compacted: bool,
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
    reuse: Reuse,
) -> Result<(RunManifest, RunMode)> {
    let _lock = store.lock()?;
    let manifest = store.require_manifest()?;
    let plan = if reuse.full {
        Plan::Full("a full run was asked for".to_owned())
    } else {
        super::incremental::plan(store, RESULTS, cfg, &manifest, reuse.compact_above)?
    };
    match plan {
        Plan::UpToDate(m) => Ok((m, RunMode::UpToDate)),
        Plan::Full(why) => {
            Ok((compute_and_publish(store, &manifest, RESULTS, cfg, db, kernel, bar, None)?.0, RunMode::Full(why)))
        }
        Plan::Incremental(prev) => {
            let (changed, compacted) = (prev.changed_persons(), prev.compact);
            let (m, recomputed) = compute_and_publish(store, &manifest, RESULTS, cfg, db, kernel, bar, Some(&prev))?;
            Ok((m, RunMode::Incremental { changed, recomputed, compacted }))
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
    let results = store.root().join(area);
    crate::store::publication::create_private_dir_all(&results)?;
    // A re-run over the same store version and config gets a fresh folder: a reader may be
    // on the current one.
    let run = crate::store::publication::fresh_name(&results, &run_name(manifest.version, cfg));
    let stage = Stage::new(&results.join(format!(".staging-{run}")))?;
    let staging = stage.path().to_owned();
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
    let version_dir = store.version_dir(manifest.version);
    let done = work
        .into_par_iter()
        .map(|(bucket, c)| {
            let out = match previous {
                Some(prev) => super::incremental::update_bucket(
                    &c,
                    bucket,
                    needs,
                    &staging,
                    prev,
                    kernel,
                    prev.compact,
                    &version_dir,
                ),
                None => compute_bucket(&c, bucket, needs, &staging, kernel, area == RESULTS).map(|(tables, n)| {
                    super::incremental::BucketFiles { tables, persons: n, recomputed: n, ..Default::default() }
                }),
            };
            bar.inc(1);
            out
        })
        .collect::<Result<Vec<_>>>()?;
    let mut tables: BTreeMap<String, Vec<FileEntry>> = BTreeMap::new();
    let mut deltas: BTreeMap<String, Vec<FileEntry>> = BTreeMap::new();
    let mut superseded = Vec::new();
    let mut persons = 0;
    let mut recomputed = 0;
    for b in done {
        recomputed += b.recomputed;
        persons += b.persons;
        for (table, entry) in b.tables {
            tables.entry(table).or_default().push(entry);
        }
        for (table, entry) in b.deltas {
            deltas.entry(table).or_default().push(entry);
        }
        superseded.extend(b.superseded);
    }
    if !superseded.is_empty() {
        // Every per-bucket table's base rows are read without the superseded persons.
        for table in tables.keys() {
            deltas.entry(table.clone()).or_default();
        }
    }
    // A previous run's whole-run tables are recomputed (or, for the household view of a
    // delta run, updated), never linked as they are.
    let whole = whole_run_tables(&staging, &version_dir, &tables, &deltas, !superseded.is_empty(), previous, cfg, db)?;
    for (table, entry) in whole.tables {
        tables.entry(table).or_default().push(entry);
    }
    for (table, entry) in whole.deltas {
        deltas.entry(table).or_default().push(entry);
    }
    let mut superseded_in: BTreeMap<String, Vec<FileEntry>> = BTreeMap::new();
    for (table, entry) in whole.superseded_in {
        superseded_in.entry(table).or_default().push(entry);
    }
    let m = RunManifest {
        run: run.clone(),
        store_version: manifest.version,
        config_hash: config_hash(cfg),
        config: cfg.clone(),
        kohort_version: env!("CARGO_PKG_VERSION").to_owned(),
        tables,
        persons,
        base_version: (!superseded.is_empty())
            .then(|| previous.map(|p| p.manifest.base_version.unwrap_or(p.manifest.store_version)))
            .flatten(),
        deltas,
        superseded,
        superseded_in,
        format: RESULTS_FORMAT,
    };
    write_json(&staging.join("run.json"), &m)?;
    let previous = current_in(store, area)?.map(|p| p.run);
    let current_json = results.join("current.json");
    let pointer = Pointer::json(&current_json, &m)?;
    stage.publish(&results, &m.run, &pointer, &Keep { previous: previous.as_deref(), is_generation: None })?;
    Ok((m, recomputed))
}

/// What the whole-run step wrote: files by table, and for an incremental household view its
/// delta and superseded persons.
#[derive(Debug, Default)]
struct WholeRun {
    tables: Vec<(String, FileEntry)>,
    deltas: Vec<(String, FileEntry)>,
    superseded_in: Vec<(String, FileEntry)>,
}

/// Tables over every bucket of the run: survival curves and the household view of safety
/// (a household's children may sit in different buckets). With `previous` (an incremental
/// run writing deltas) the household view is updated for the children it concerns only.
#[allow(clippy::too_many_arguments)]
fn whole_run_tables(
    staging: &Path,
    version_dir: &Path,
    tables: &BTreeMap<String, Vec<FileEntry>>,
    deltas: &BTreeMap<String, Vec<FileEntry>>,
    superseded: bool,
    previous: Option<&Previous>,
    cfg: &OutcomeConfig,
    db: &DbSettings,
) -> Result<WholeRun> {
    // Spill next to the staging folder (not inside it: it is published).
    let spill = Stage::new(&staging.with_extension("spill"))?;
    let conn = crate::db::open_at_spilling(db, &[version_dir, staging], Some(spill.path()))?;
    conn.execute_batch(crate::sql::VIEWS).ctx("store views")?;
    for (table, sql) in result_views(tables, deltas, superseded, &BTreeMap::new()) {
        conn.execute_batch(&sql).ctx(format!("view of staged {table}"))?;
    }
    let mut out = WholeRun::default();
    if tables.contains_key("person_summary") {
        out.tables.extend(super::linkage::write_tables(&conn, staging, cfg)?);
    } else if tables.contains_key("reentry") && tables.contains_key("measure_episodes") {
        out.tables.extend(super::curves::write_curves(&conn, staging)?);
        let household = previous.filter(|p| !p.compact).and_then(|p| {
            let base = p.manifest.tables.get(HOUSEHOLD)?.first()?;
            Some((p, base))
        });
        match household {
            Some((prev, base)) => out = household_delta(&conn, staging, prev, base, deltas, out)?,
            None => {
                let rel = format!("{HOUSEHOLD}/all.parquet");
                let (what, q) = ("safety, household view", crate::sql::outcomes::SAFETY_HOUSEHOLD);
                conn.execute_batch(crate::sql::outcomes::HOUSEHOLD_SAFETY).ctx(what)?;
                let entry = write_query(&conn, q, &[], &staging.join(&rel), &rel, what)?;
                out.tables.push((HOUSEHOLD.to_owned(), entry));
            }
        }
    }
    drop(conn);
    drop(spill);
    Ok(out)
}

/// The household view of safety (a whole-run table).
const HOUSEHOLD: &str = "safety_household";

/// Write a query's rows to `path` with kohort's Parquet writer (`rel`: its name in the entry).
pub(crate) fn write_query(
    conn: &duckdb::Connection,
    sql: &str,
    params: &[&dyn duckdb::ToSql],
    path: &Path,
    rel: &str,
    what: &str,
) -> Result<FileEntry> {
    let mut stmt = conn.prepare(sql).ctx(what)?;
    let arrow = stmt.query_arrow(params).ctx(what)?;
    let schema = arrow.get_schema();
    Ok(write_parquet(path, rel, schema, arrow)?)
}

/// The household view of an incremental run writing deltas: the base file stays; the
/// children in a household touched by a changed person are recomputed into the delta, and
/// listed as superseded (`sql/outcomes/household_*.sql`).
fn household_delta(
    conn: &duckdb::Connection,
    staging: &Path,
    prev: &Previous,
    base: &FileEntry,
    deltas: &BTreeMap<String, Vec<FileEntry>>,
    mut out: WholeRun,
) -> Result<WholeRun> {
    use crate::sql::outcomes as q;
    let what = "safety, household view (incremental)";
    conn.execute_batch(q::HOUSEHOLD_SETUP).ctx(what)?;
    {
        let mut app = conn.appender("household_changed").ctx(what)?;
        for id in prev.changed.values().flatten() {
            app.append_row([id]).ctx(what)?;
        }
    }
    let path = |p: &str| prev.dir.join(p).to_string_lossy().into_owned();
    let base_file = path(&base.path);
    let first = |m: &BTreeMap<String, Vec<FileEntry>>| m.get(HOUSEHOLD).and_then(|f| f.first()).map(|f| path(&f.path));
    // A first delta run has no previous list or delta: the base file stands in, unread.
    for (sql, file) in [
        (q::HOUSEHOLD_PREVIOUS_SUPERSEDED, first(&prev.manifest.superseded_in)),
        (q::HOUSEHOLD_PREVIOUS_DELTA, first(&prev.manifest.deltas)),
    ] {
        let had = file.is_some();
        conn.execute(sql, duckdb::params![file.unwrap_or_else(|| base_file.clone()), had]).ctx(what)?;
    }
    conn.execute(q::HOUSEHOLD_PREVIOUS_CHANGED, [&base_file]).ctx(what)?;
    conn.execute_batch(q::HOUSEHOLD_AFFECTED).ctx(what)?;
    // The children to recompute are usually all changed persons, whose safety rows are in the
    // delta files: reading those alone spares a scan of every safety row.
    let listed = fs_err::read_dir(staging.join("superseded")).is_ok_and(|mut d| d.next().is_some());
    let outside: i64 = if listed { conn.query_row(q::HOUSEHOLD_IN_DELTA, [], |r| r.get(0)).ctx(what)? } else { 1 };
    let safety = match deltas.get("safety") {
        Some(files) if outside == 0 && !files.is_empty() => q::HOUSEHOLD_SAFETY_DELTA,
        _ => q::HOUSEHOLD_SAFETY_AFFECTED,
    };
    conn.execute_batch(safety).ctx(what)?;
    let sql =
        crate::db::render(q::HOUSEHOLD_DELTA, &[("recomputed", q::SAFETY_HOUSEHOLD.trim().trim_end_matches(';'))]);
    let rel = format!("{HOUSEHOLD}/delta/all.parquet");
    out.deltas.push((HOUSEHOLD.to_owned(), write_query(conn, &sql, &[], &staging.join(&rel), &rel, what)?));
    let rel = format!("{HOUSEHOLD}/superseded/all.parquet");
    out.superseded_in.push((
        HOUSEHOLD.to_owned(),
        write_query(conn, q::HOUSEHOLD_SUPERSEDED, &[], &staging.join(&rel), &rel, what)?,
    ));
    let to = staging.join(&base.path);
    if let Some(parent) = to.parent() {
        fs_err::create_dir_all(parent)?;
    }
    fs_err::hard_link(prev.dir.join(&base.path), &to)?;
    out.tables.push((HOUSEHOLD.to_owned(), base.clone()));
    Ok(out)
}

fn write_json(path: &Path, m: &RunManifest) -> Result<()> {
    crate::store::write_json_atomic(path, m)
        .map_err(|e| EngineError::Manifest { path: path.to_owned(), message: e.to_string() })
}

/// Check the current run of an area: its folder is there and every file matches its recorded
/// size and SHA-256. The run and the files checked, or `None` without a run.
pub fn verify_current(store: &Store, area: &str) -> Result<Option<(String, usize)>> {
    let Some(run) = current_in(store, area)? else { return Ok(None) };
    let dir = store.root().join(area).join(&run.run);
    let n = crate::store::verify_files(&dir, &run.files()).map_err(|problem| StoreError::Corrupt {
        store: store.root().to_owned(),
        problem: format!("{area} run {}: {problem}", run.run),
    })?;
    Ok(Some((run.run, n)))
}

/// The current run of a store, if outcomes were computed.
pub fn current(store: &Store) -> Result<Option<RunManifest>> {
    current_in(store, RESULTS)
}

/// The current run of an area ([`AREAS`]), if there is one.
pub fn current_in(store: &Store, area: &str) -> Result<Option<RunManifest>> {
    let path = store.root().join(area).join("current.json");
    crate::store::read_json(&path).map_err(|e| EngineError::Manifest { path, message: e.to_string() })
}
