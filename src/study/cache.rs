//! The study cache: what lets `kohort run` recompute a study for the changed persons only.
//!
//! ```text
//! STORE/studies/<study>/current.json          the state below, naming the current folder
//! STORE/studies/<study>/v<store version>/
//!     rows_base.parquet        the study rows of every person (the last full study run)
//!     rate_rows_base.parquet   their rows of the rate outcomes
//!     superseded.parquet       persons recomputed since: their base rows no longer count
//!     rows_delta.parquet       the study rows of those persons now
//!     rate_rows_delta.parquet  their rate rows now
//!     atoms.parquet, km_atoms.parquet, rate_atoms.parquet
//!                              the additive counts the tables are built from (counts.rs)
//! ```
//!
//! Why an update is exact: every cohort rule and every column of a study row depends on the
//! person's own rows (store tables and outcome rows) and, for the rate outcomes, on the
//! study's periods (one rate row per person and period); the youth-region mapping, the population and the groups of comparable
//! municipalities enter only when the counts are turned into tables. The counts are sums over
//! persons. Ingest lists, per store version, every person whose rows changed or whose data end
//! moved; the outcome run recomputed exactly those. So the new counts are the cached counts,
//! minus the counts of the changed persons' cached rows, plus the counts of their recomputed
//! rows, and the tables derived from them are the full run's.
//!
//! The periods of the rate outcomes follow the population's years and the store's data end, so
//! a delivery may complete a new period. The state lists the periods the cache counts; a run
//! whose periods add to them computes the rate rows of the added periods only, for every person
//! (over the whole store), and adds those of the unchanged persons to the counts and to the
//! delta file (where they are those persons' rows from then on; a changed person's rows are
//! recomputed for every period). A run whose periods drop or redefine a cached one is full. A
//! cohort defined by a SQL file or
//! by birth (whose members need not be in the outcome run) is always computed in full, as is a
//! study whose definition, cohorts, outcome config, periods or kohort version changed. Once the
//! persons recomputed since the base exceed a share of the cached persons (the plan's
//! `compact_above`), a full run rewrites the base.

use std::path::{Path, PathBuf};

use duckdb::Connection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::StudyError;
use super::counts::COUNTS;
use super::definition::{Plan, Scope};
use super::inputs::PeriodRow;
use crate::db::{DbSettings, DuckContext};
use crate::results::RunManifest;
use crate::sql::study as q;
use crate::store::StoreConnection;
use crate::store::publication::{Keep, Pointer};
use crate::store::{FileEntry, Stage, Store};

/// The layout of the cache's files; part of the key, so a cache of another layout is rebuilt.
pub const CACHE_FORMAT: u32 = 3;

/// Where study caches live under the store.
pub const DIR: &str = "studies";

/// The per-person tables of a study run and their cache files: (table, base file, delta file).
const PERSON_TABLES: [(&str, &str, &str); 2] = [
    ("study_rows", "rows_base.parquet", "rows_delta.parquet"),
    ("study_rate_rows", "rate_rows_base.parquet", "rate_rows_delta.parquet"),
];

/// `current.json` of a study's cache.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// The current folder.
    pub id: String,
    /// The store version the cache reflects.
    pub store_version: u64,
    /// SHA-256 of the study and cohort definitions, the outcome config and the kohort version.
    pub key: String,
    /// Persons in the base files.
    pub base_persons: u64,
    /// Persons recomputed since the base files.
    pub superseded_persons: u64,
    /// The periods of the rate outcomes the counts hold (`period|first|last|reference`).
    #[serde(default)]
    pub periods: Vec<String>,
}

/// What an incremental study run starts from.
#[derive(Debug)]
pub struct CachedStudy {
    /// The cache folder.
    pub dir: PathBuf,
    /// Its state.
    pub state: State,
    /// The cache key of this run (the same as the state's).
    pub key: String,
    /// The persons changed since the cache, sorted.
    pub changed: Vec<String>,
    /// The current outcome run.
    pub run: RunManifest,
    /// Whether the outcome run's delta files hold every changed person's rows.
    pub use_deltas: bool,
    /// The periods of the rate outcomes this run has and the cache does not.
    pub added: Vec<PeriodRow>,
}

/// Full or incremental.
#[derive(Debug)]
pub enum CachePlan {
    /// Compute everything, and why.
    Full(String),
    /// Recompute the changed persons.
    Incremental(Box<CachedStudy>),
}

fn cache_err(path: &Path, message: impl std::fmt::Display) -> StudyError {
    StudyError::Cache { path: path.to_owned(), message: message.to_string() }
}

/// SHA-256 over the study file, its cohort files (and their SQL), the current outcome run's
/// config, the kohort version, the cache layout and the SQL that makes the cached rows and
/// counts. The periods of the rate outcomes are not in it: they are in the state ([`plan`]).
pub fn key(store: &Store, study_text: &str, plan: &Plan) -> Result<String, StudyError> {
    let mut h = Sha256::new();
    h.update(study_text.as_bytes());
    for (path, def) in plan.cohorts() {
        h.update(fs_err::read(path)?);
        if let Some(sql) = &def.sql {
            h.update(fs_err::read(path.parent().unwrap_or_else(|| Path::new(".")).join(sql))?);
        }
    }
    let run = crate::results::current(store)?;
    h.update(run.map(|r| r.config_hash).unwrap_or_default().as_bytes());
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(CACHE_FORMAT.to_le_bytes());
    // The SQL that makes the cached rows and counts: a cache made by other SQL is rebuilt.
    for sql in [q::SETUP, q::UNITS_MONITOR, q::UNITS_COHORT, q::ROWS, q::ATOMS_SPLIT, q::KM_ATOMS, q::RATE_ATOMS] {
        h.update(sql.as_bytes());
    }
    for spec in &super::catalogue::CATALOGUE {
        h.update(spec.sql.as_bytes());
    }
    Ok(hex::encode(h.finalize()))
}

/// A period as the state lists it.
fn period_id(p: &PeriodRow) -> String {
    format!("{}|{}|{}|{}", p.period, p.first, p.last, p.reference)
}

/// The periods of `now` the cache does not count, or `None` when the cache counts a period
/// `now` does not have (dropped, or redefined).
fn added_periods(cached: &[String], now: &[PeriodRow]) -> Option<Vec<PeriodRow>> {
    let ids: std::collections::BTreeSet<String> = now.iter().map(period_id).collect();
    if !cached.iter().all(|c| ids.contains(c)) {
        return None;
    }
    Some(now.iter().filter(|p| !cached.contains(&period_id(p))).cloned().collect())
}

/// The cache state of a study, if there is one.
pub fn current(store: &Store, name: &str) -> Result<Option<State>, StudyError> {
    let path = store.root().join(DIR).join(name).join("current.json");
    crate::store::read_json(&path).map_err(|e| cache_err(&path, e))
}

/// Remove the change lists (`STORE/changes/`) that neither the outcome run nor a study cache
/// still needs (the rule is in `crate::store`'s `changes` module). Skipped when another
/// process writes to the store: the next run prunes.
pub fn prune_changes(store: &Store) -> Result<crate::store::Pruned, StudyError> {
    let lock = match store.lock() {
        Ok(lock) => lock,
        Err(crate::store::StoreError::Locked(_)) => return Ok(crate::store::Pruned::default()),
        Err(e) => return Err(e.into()),
    };
    // Linkage runs are always full: only the outcome run and the study caches update.
    let mut versions: Vec<u64> = crate::results::current(store)?.map(|r| r.store_version).into_iter().collect();
    let caches = store.root().join(DIR);
    if caches.is_dir() {
        for entry in fs_err::read_dir(&caches)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if !name.starts_with('.') {
                versions.extend(current(store, &name)?.map(|s| s.store_version));
            }
        }
    }
    Ok(store.prune_changes(versions.into_iter().min(), &lock)?)
}

/// Whether a study can be updated from a cache: a monitor study, or cohorts all defined in
/// TOML by an entry other than birth (their members have care, a report or a measure, so they
/// are in the outcome run and in its change lists).
pub fn cacheable(plan: &Plan) -> bool {
    // A family outcome's rows depend on the other members' rows (issue 16), which the changed
    // persons' views do not hold: such a study is built in full.
    // Likewise a questionnaire outcome: its rows follow households' answers (issue 16).
    if plan.outcomes.iter().any(|o| o.is_family() || o.is_questionnaire()) {
        return false;
    }
    match &plan.scope {
        Scope::Monitor => true,
        Scope::Cohorts(c) => {
            c.iter().all(|(_, d)| d.sql.is_none() && d.entry.is_some_and(|e| e != crate::cohort::Entry::Birth))
        }
    }
}

/// Decide between a full and an incremental study run.
/// `compact_above`: a full run rewrites the base once the persons recomputed since would exceed
/// this share of the cached persons.
/// `periods`: the periods of the rate outcomes of this run.
pub fn plan(
    store: &Store,
    study: &Plan,
    key: &str,
    periods: &[PeriodRow],
    compact_above: f64,
) -> Result<CachePlan, StudyError> {
    let full = |why: &str| Ok(CachePlan::Full(why.to_owned()));
    if !cacheable(study) {
        return full("a cohort is defined by SQL or by birth (always computed in full)");
    }
    let Some(run) = crate::results::current(store)? else { return full("there is no outcome run") };
    let Some(state) = current(store, &study.name)? else { return full("there is no cache") };
    if state.key != key {
        return full("the study, a cohort, the outcome config or the kohort version changed");
    }
    let Some(added) = added_periods(&state.periods, periods) else {
        return full("a period of the rate outcomes the cache counts was dropped or redefined");
    };
    let m = store.require_manifest()?;
    if state.store_version > m.version || run.store_version != m.version {
        return full("the cache or the outcome run is not of the store's version");
    }
    let files = match store.change_files(&m, state.store_version) {
        Ok(f) => f,
        Err(why) => return full(&why),
    };
    let use_deltas = !run.deltas.is_empty();
    if use_deltas && run.base_version.is_none_or(|b| b > state.store_version) {
        return full("the outcome run's deltas start after the cache");
    }
    let changed = if files.is_empty() { Vec::new() } else { changed_persons(&files)? };
    let pending = state.superseded_persons + changed.len() as u64;
    #[allow(clippy::cast_precision_loss)]
    if pending as f64 > compact_above * state.base_persons as f64 {
        return full("the persons changed since the cache's base exceed the compaction share");
    }
    let dir = store.root().join(DIR).join(&study.name).join(&state.id);
    if !dir.is_dir() {
        return full("the cache folder is missing");
    }
    Ok(CachePlan::Incremental(Box::new(CachedStudy {
        dir,
        key: key.to_owned(),
        state,
        changed,
        run,
        use_deltas,
        added,
    })))
}

/// The persons of the change lists, sorted.
fn changed_persons(files: &[String]) -> Result<Vec<String>, StudyError> {
    let conn = Connection::open_in_memory().ctx("reading change lists")?;
    let list = || duckdb::types::Value::List(files.iter().map(|f| f.clone().into()).collect());
    let typed: i64 = conn.query_row(q::CHANGES_TYPED, [list()], |r| r.get(0)).ctx("reading change lists")?;
    let sql = if typed > 0 { q::CHANGED_LISTS } else { q::CHANGED_LISTS_UNTYPED };
    let mut stmt = conn.prepare(sql).ctx("reading change lists")?;
    let rows = stmt.query_map([list()], |r| r.get::<_, String>(0)).ctx("reading change lists")?;
    let mut changed = Vec::new();
    for r in rows {
        changed.push(r.ctx("reading change lists")?);
    }
    Ok(changed)
}

/// A connection whose store and result views hold only the changed persons' rows, with their
/// cached rows (`study_rows_old`, `study_rate_rows_old`).
pub fn open_changed(store: &Store, prev: &CachedStudy, db: &DbSettings) -> Result<StoreConnection, StudyError> {
    let version_dir = store.current_dir()?;
    let run_dir = store.root().join(crate::results::Area::Outcomes.dir()).join(&prev.run.run);
    let mut leases = crate::store::Leases::default();
    leases.hold_dir(&version_dir)?;
    leases.hold_dir(&run_dir)?;
    let conn = leases.connect(db, &[&version_dir, &run_dir])?;
    conn.execute_batch(q::CHANGED_SETUP).ctx("study: changed persons")?;
    let mut app = conn.appender("study_changed").ctx("study: changed persons")?;
    for id in &prev.changed {
        app.append_row([id]).ctx("study: changed persons")?;
    }
    drop(app);
    let run = &prev.run;
    let names: std::collections::BTreeSet<&String> = run.tables.keys().chain(run.deltas.keys()).collect();
    for name in names {
        let files = run.tables.get(name).map(Vec::as_slice).unwrap_or_default();
        let per_person = run.deltas.contains_key(name) || files.iter().all(|f| is_bucket_file(&f.path));
        let sql = if !per_person {
            let one = std::collections::BTreeMap::from([(name.clone(), files.to_vec())]);
            crate::results::views::result_views(
                &one,
                &std::collections::BTreeMap::new(),
                false,
                &std::collections::BTreeMap::new(),
            )
            .remove(0)
            .1
        } else if !prev.use_deltas {
            crate::db::render(q::CHANGED_RESULT_VIEW, &[("name", name), ("files", &format!("{name}/*.parquet"))])
        } else if run.deltas.get(name).is_some_and(|d| !d.is_empty()) {
            crate::db::render(q::CHANGED_RESULT_VIEW, &[("name", name), ("files", &format!("{name}/delta/*.parquet"))])
        } else {
            crate::db::render(q::EMPTY_RESULT_VIEW, &[("name", name)])
        };
        conn.execute_batch(&sql).ctx(format!("study: view of {name}"))?;
    }
    let has = |t: &str| run.tables.contains_key(t) || run.deltas.contains_key(t);
    for (name, sql) in crate::results::views::derived_views(&run.config, run.format, has) {
        conn.execute_batch(&sql).ctx(format!("study: view of {name}"))?;
    }
    conn.execute_batch(q::CHANGED_VIEWS).ctx("study: views of the changed persons")?;
    // Offences as a full run sees them (crate::store::views): a store written before the table
    // existed has no folder and an empty view.
    conn.execute_batch(crate::store::views::offences_sql(&version_dir, q::CHANGED_OFFENCES))
        .ctx("study: offences of the changed persons")?;
    // Table names of kohort's own (the changed persons' list).
    conn.execute_batch(&crate::db::render(q::CHANGED_RESIDENCE, &[("who", "study_changed")]))
        .ctx("study: residence of the changed persons")?;
    conn.execute_batch(&crate::db::render(q::CHANGED_CARE, &[("who", "study_changed")]))
        .ctx("study: care episodes of the changed persons")?;
    for (table, base, delta) in PERSON_TABLES {
        let f = |name: &str| path_arg(&prev.dir.join(name));
        let sql = crate::db::render(q::CACHE_OLD_ROWS, &[("name", &format!("{table}_old"))]);
        conn.execute(&sql, [f(base), f("superseded.parquet"), f(delta)]).ctx(format!("study: cached {table}"))?;
    }
    Ok(conn)
}

/// Whether a result file is a per-bucket one (`<table>/bNN.parquet`).
fn is_bucket_file(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.len() == "b00.parquet".len() && file.starts_with('b') && file.ends_with(".parquet")
}

fn path_arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Update the counts for the changed persons: the cached ones, minus their cached rows'
/// share, plus their new rows' share.
pub fn update(conn: &Connection, prev: &CachedStudy, plan: &Plan) -> Result<(), StudyError> {
    for c in COUNTS {
        let old = c.query(plan, &format!("{}_old", c.rows));
        let new = c.query(plan, c.rows);
        // The queries are built by kohort (counts.rs); the table name is one of its own.
        let sql = crate::db::render(q::ATOMS_UPDATE, &[("table", c.table), ("old", &old), ("new", &new)]);
        conn.execute(&sql, [path_arg(&prev.dir.join(c.file))]).ctx(format!("study: updating {}", c.table))?;
    }
    Ok(())
}

/// The rate rows of the periods added since the cache, of every person: computed over the
/// whole store (a connection of their own, dropped before the changed persons' one opens).
pub fn added_rate_rows(
    store: &Store,
    db: &DbSettings,
    plan: &Plan,
    added: &[PeriodRow],
) -> Result<Vec<duckdb::arrow::record_batch::RecordBatch>, StudyError> {
    if added.is_empty() || !plan.has_rates() {
        return Ok(Vec::new());
    }
    let conn = crate::query::open_store(store, db)?;
    super::inputs::fill(&conn, plan, added)?;
    for outcome in &plan.outcomes {
        let spec = outcome.spec();
        if spec.kind == super::catalogue::Kind::Rate {
            // The outcome's units file (sql/study/units/), kohort's own SQL: it fills study_rate_rows.
            conn.execute_batch(spec.sql).ctx(format!("study rows of {}", spec.id))?;
        }
    }
    let mut stmt = conn
        .prepare(&crate::db::render(q::CACHE_TABLE, &[("table", "study_rate_rows")]))
        .ctx("study: rate rows of the added periods")?;
    let batches = stmt.query_arrow([]).ctx("study: rate rows of the added periods")?.collect();
    Ok(batches)
}

/// Add the added periods' rate rows ([`added_rate_rows`]) of the persons not changed since the
/// cache to this run's rate rows (`study_rate_rows`, which then holds the changed persons' rows
/// of every period and those).
pub fn add_rate_rows(
    conn: &Connection,
    batches: Vec<duckdb::arrow::record_batch::RecordBatch>,
) -> Result<(), StudyError> {
    conn.execute_batch(q::CACHE_ADDED_CREATE).ctx("study: rate rows of the added periods")?;
    let mut app = conn.appender("study_rate_rows_added").ctx("study: rate rows of the added periods")?;
    for batch in batches {
        app.append_record_batch(batch).ctx("study: rate rows of the added periods")?;
    }
    drop(app);
    conn.execute_batch(q::CACHE_ADDED_INSERT).ctx("study: rate rows of the added periods")?;
    Ok(())
}

/// Write a query's rows to a cache file.
fn save(conn: &Connection, sql: &str, params: &[&dyn duckdb::ToSql], to: &Path) -> Result<FileEntry, StudyError> {
    let rel = to.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(crate::store::write_query(conn, sql, params, to, &rel, "study cache")?)
}

/// Write a study table whole to a cache file.
fn save_table(conn: &Connection, table: &str, to: &Path) -> Result<FileEntry, StudyError> {
    save(conn, &crate::db::render(q::CACHE_TABLE, &[("table", table)]), &[], to)
}

/// Write the cache for what `conn` holds (the per-person tables and the counts): a new folder,
/// then `current.json`, then the old folders go.
/// `periods`: the periods of the rate outcomes the counts now hold.
pub fn write(
    store: &Store,
    conn: &Connection,
    name: &str,
    key: &str,
    periods: &[PeriodRow],
    plan: &CachePlan,
) -> Result<(), StudyError> {
    let m = store.require_manifest()?;
    let root = store.root().join(DIR).join(name);
    let stage = Stage::new(&root.join(".staging"))?;
    let staging = stage.path();
    let (base_persons, superseded_persons) = match plan {
        CachePlan::Full(_) => {
            for (table, base, delta) in PERSON_TABLES {
                save_table(conn, table, &staging.join(base))?;
                save(conn, &crate::db::render(q::CACHE_EMPTY, &[("table", table)]), &[], &staging.join(delta))?;
            }
            save(conn, q::CACHE_EMPTY_SUPERSEDED, &[], &staging.join("superseded.parquet"))?;
            let persons: i64 = conn.query_row(q::CACHE_PERSONS, [], |r| r.get(0)).ctx("study cache persons")?;
            (persons.unsigned_abs(), 0)
        }
        CachePlan::Incremental(prev) => {
            for (table, base, delta) in PERSON_TABLES {
                fs_err::hard_link(prev.dir.join(base), staging.join(base))?;
                let sql = crate::db::render(q::CACHE_DELTA, &[("rows", table)]);
                save(conn, &sql, &[&path_arg(&prev.dir.join(delta))], &staging.join(delta))?;
            }
            let previous = path_arg(&prev.dir.join("superseded.parquet"));
            let superseded = save(conn, q::CACHE_SUPERSEDED, &[&previous], &staging.join("superseded.parquet"))?;
            (prev.state.base_persons, superseded.rows)
        }
    };
    for c in COUNTS {
        save_table(conn, c.table, &staging.join(c.file))?;
    }
    let id = crate::store::publication::fresh_name(&root, &format!("v{:06}", m.version));
    let previous = current(store, name).ok().flatten().map(|s| s.id);
    let state = State {
        id: id.clone(),
        store_version: m.version,
        key: key.to_owned(),
        base_persons,
        superseded_persons,
        periods: periods.iter().map(period_id).collect(),
    };
    let current = root.join("current.json");
    let pointer = Pointer::json(&current, &state).map_err(|e| cache_err(&current, e))?;
    stage.publish(&root, &id, &pointer, &Keep { previous: previous.as_deref(), is_generation: None })?;
    Ok(())
}
