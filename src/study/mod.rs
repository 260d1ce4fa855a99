//! Studies (issue 6 part 2): cohorts × fixed-window outcomes × splits × regions, as the tidy
//! tables of `data-schema/study_tables.md` (`sql/study/*.sql`). So far: re-entry, escalation and
//! a new safety report after the spell (`rereport`; every window of the current outcome run), splits total / sex / age band / index year / level
//! / care form, regions national (NL), municipality and youth region side by side; period `all`;
//! and survival tables of time to re-entry per cohort and region (Kaplan–Meier, a re-entry is the
//! event and every other end of follow-up censors, as the engine's `reentry_km`).
//!
//! Rule chosen: the 95% interval of a proportion is Wilson's score interval with z = 1.959964
//! (the 0.975 normal quantile), reported in percent as the contract's `ci_lower`/`ci_upper`; a
//! cell with denominator 0 has no percentage and no interval.

/// The 0.975 quantile of the standard normal distribution.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Wilson 95% score interval of `count` successes out of `denominator`, in percent;
/// `None` when `denominator` is 0 or `count > denominator`.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn wilson_percent(count: u64, denominator: u64) -> Option<(f64, f64)> {
    if denominator == 0 || count > denominator {
        return None;
    }
    let n = denominator as f64;
    let p = count as f64 / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some((100.0 * (centre - half).max(0.0), 100.0 * (centre + half).min(1.0)))
}

pub mod cache;

use std::path::{Path, PathBuf};

use duckdb::arrow::record_batch::RecordBatch;
use serde::Deserialize;

use crate::db::{DbError, DbSettings, DuckContext};

/// Errors of a study run.
#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    /// DuckDB failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A cohort failed.
    #[error(transparent)]
    Cohort(#[from] crate::cohort::CohortError),
    /// The reference data failed.
    #[error(transparent)]
    Reference(#[from] crate::reference::ReferenceError),
    /// Opening the store failed.
    #[error(transparent)]
    Query(#[from] crate::query::QueryError),
    /// Writing failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Writing the CSV failed.
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    /// File trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A survival curve could not be fitted.
    #[error("study survival curve {curve}")]
    Survival {
        /// Which curve.
        curve: String,
        /// Why.
        source: crate::outcomes::survival::SurvivalError,
    },
    /// Building an Arrow table failed.
    #[error("study survival table: {0}")]
    Arrow(String),
    /// The outcome run could not be read.
    #[error(transparent)]
    Engine(Box<crate::results::ResultsError>),
    /// The study's cache could not be read or written.
    #[error("study cache {path}: {message}")]
    Cache {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// There is no outcome run to build the study from.
    #[error("store {0} has no outcome run: run `kohort outcomes --store {0}` first")]
    NoOutcomeRun(PathBuf),
    /// The current outcome run lacks families the study tables use.
    #[error(
        "the current outcome run {run} was computed without {missing} (kohort outcomes --only); studies need reentry, escalation and safety: run `kohort outcomes` without --only"
    )]
    PartialOutcomeRun {
        /// The run.
        run: String,
        /// The families it lacks.
        missing: String,
    },
    /// The study file is not valid.
    #[error("study {path}: {message}")]
    Definition {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl From<crate::results::ResultsError> for StudyError {
    fn from(e: crate::results::ResultsError) -> Self {
        StudyError::Engine(Box::new(e))
    }
}

/// A study (`study.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyDef {
    /// Name (the output folder).
    pub name: String,
    /// Cohort definitions, relative to the study file.
    pub cohorts: Vec<PathBuf>,
}

/// How a study run went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StudyMode {
    /// Every cohort member was computed, and why.
    Full(String),
    /// Only the persons changed since the study's cache were recomputed.
    Incremental {
        /// Persons changed since the cache.
        changed: u64,
    },
}

/// Run a study over the store's current outcome run; writes `out/<name>/tables.parquet` and
/// `tables.csv`. Returns the output folder and the number of rows.
pub fn run(
    store: &crate::store::Store,
    file: &Path,
    out: &Path,
    db: &DbSettings,
) -> Result<(PathBuf, u64), StudyError> {
    build(store, file, out, db, None).map(|(dir, rows, _)| (dir, rows))
}

/// [`run`] with the study's cache in the store (`STORE/studies/<name>/`, see [`cache`]): when
/// the cache can be used, only the persons changed since it are recomputed and the tables
/// are updated from the cached cells; the tables are the same, byte for byte. The cache is
/// (re)written either way. The caller holds the run lock.
pub fn run_cached(
    store: &crate::store::Store,
    file: &Path,
    out: &Path,
    db: &DbSettings,
    reuse: crate::results::engine::Reuse,
) -> Result<(PathBuf, u64, StudyMode), StudyError> {
    build(store, file, out, db, Some(reuse))
}

/// The families the study tables are built from.
const STUDY_FAMILIES: [crate::outcomes::config::Family; 3] = [
    crate::outcomes::config::Family::Reentry,
    crate::outcomes::config::Family::Escalation,
    crate::outcomes::config::Family::Safety,
];

/// A study needs a current outcome run with every family its tables use: say what to do
/// before any query (else DuckDB would only say that a table does not exist).
fn require_outcome_run(store: &crate::store::Store) -> Result<(), StudyError> {
    let Some(run) = crate::results::current(store)? else {
        return Err(StudyError::NoOutcomeRun(store.root().to_owned()));
    };
    let missing: Vec<&str> =
        STUDY_FAMILIES.iter().filter(|f| !run.config.families.contains(f)).map(|f| f.name()).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(StudyError::PartialOutcomeRun { run: run.run, missing: missing.join(", ") })
    }
}

fn build(
    store: &crate::store::Store,
    file: &Path,
    out: &Path,
    db: &DbSettings,
    cached: Option<crate::results::engine::Reuse>,
) -> Result<(PathBuf, u64, StudyMode), StudyError> {
    let text = fs_err::read_to_string(file)?;
    let def: StudyDef =
        toml::from_str(&text).map_err(|e| StudyError::Definition { path: file.to_owned(), message: e.to_string() })?;
    require_outcome_run(store)?;
    let base = file.parent().unwrap_or_else(|| Path::new("."));
    let mut cohorts = Vec::new();
    for rel in &def.cohorts {
        let path = base.join(rel);
        let cdef = crate::cohort::CohortDef::read(&path)?;
        cohorts.push((path, cdef));
    }
    let key = match cached {
        Some(_) if cache::cacheable(&cohorts) => Some(cache::key(store, &text, &cohorts)?),
        _ => None,
    };
    let plan = match (&key, cached) {
        (Some(_), Some(reuse)) if reuse.full => cache::CachePlan::Full("a full run was asked for".to_owned()),
        (Some(key), Some(reuse)) => cache::plan(store, &def.name, key, &cohorts, reuse.compact_above)?,
        (None, Some(_)) => cache::CachePlan::Full("a cohort is not defined by care spells".to_owned()),
        (_, None) => cache::CachePlan::Full("no cache asked for".to_owned()),
    };
    let now = cache::ReadNow {
        residence: cohorts.iter().any(|(_, c)| !c.municipalities.is_empty()),
        care: cohorts
            .iter()
            .any(|(_, c)| c.washout_days.is_some() || c.entry == Some(crate::cohort::Entry::SpellOfForm)),
    };
    let conn = match &plan {
        cache::CachePlan::Incremental(prev) => cache::open_changed(store, prev, db, now)?,
        cache::CachePlan::Full(_) => crate::query::open_store(store, db)?,
    };
    conn.execute_batch(crate::sql::study::SETUP).ctx("study inputs")?;
    for (path, cdef) in &cohorts {
        let cohort = crate::cohort::build(&conn, cdef, path.parent().unwrap_or(base))?;
        let mut app = conn.appender("study_members").ctx("study members")?;
        for (person, index, _) in &cohort.members {
            app.append_row(duckdb::params![cdef.name, person, index]).ctx("study members")?;
        }
    }
    {
        let regions = crate::reference::YouthRegions::shipped()?;
        let mut app = conn.appender("study_regions").ctx("study regions")?;
        for r in regions.rows() {
            app.append_row(duckdb::params![r.municipality, r.youth_region, r.valid_from_year, r.valid_to_year])
                .ctx("study regions")?;
        }
    }
    if matches!(plan, cache::CachePlan::Incremental(_)) {
        cache::place(&conn, now)?;
    }
    conn.execute_batch(crate::sql::study::INDEX_ROWS).ctx("study index rows")?;
    conn.execute_batch(crate::sql::study::SURVIVAL_ROWS).ctx("study survival rows")?;
    let mode = match &plan {
        cache::CachePlan::Incremental(prev) => {
            cache::update(&conn, prev)?;
            StudyMode::Incremental { changed: prev.changed.len() as u64 }
        }
        cache::CachePlan::Full(why) => {
            let cells = crate::db::render(crate::sql::study::CELLS, &[("rows", "study_index")]);
            conn.execute_batch(&crate::db::render(crate::sql::study::CELLS_CREATE, &[("cells", cells.trim())]))
                .ctx("study cells")?;
            let counts = crate::db::render(crate::sql::study::SURVIVAL_COUNTS, &[("rows", "study_survival_rows")]);
            conn.execute_batch(&crate::db::render(crate::sql::study::SURVIVAL_CREATE, &[("counts", counts.trim())]))
                .ctx("study survival counts")?;
            StudyMode::Full(why.clone())
        }
    };
    if let Some(key) = &key {
        cache::write(store, &conn, &def.name, key, &plan)?;
    }
    let mut stmt = conn.prepare(crate::sql::study::TABLES).ctx("study tables")?;
    let batches: Vec<RecordBatch> = stmt.query_arrow([&def.name]).ctx("study tables")?.collect();
    let schema = stmt.schema();
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let dir = out.join(&def.name);
    let stage = crate::store::Stage::beside(&dir)?;
    let staging = stage.path();
    let survival = survival_tables(&conn, &def.name)?;
    // Four files, written side by side.
    let (tables, survival_files) = rayon::join(
        || -> Result<(), StudyError> {
            let (parquet, csv) = rayon::join(
                || {
                    crate::store::write_parquet(
                        &staging.join("tables.parquet"),
                        "tables.parquet",
                        schema,
                        batches.clone(),
                    )
                },
                || crate::store::write_csv(&staging.join("tables.csv"), &batches),
            );
            parquet?;
            Ok(csv?)
        },
        || -> Result<(), StudyError> {
            let (parquet, csv) = rayon::join(
                || {
                    let path = staging.join("survival.parquet");
                    crate::store::write_parquet(&path, "survival.parquet", survival.schema(), [survival.clone()])
                },
                || crate::store::write_csv(&staging.join("survival.csv"), std::slice::from_ref(&survival)),
            );
            parquet?;
            Ok(csv?)
        },
    );
    tables?;
    survival_files?;
    stage.replace(&dir)?;
    Ok((dir, rows as u64, mode))
}

/// One survival curve: (cohort, region level, region).
type CurveKey = (String, String, String);

/// Events and censorings at one time of a curve: (time, events, censored).
type TimeCounts = (f64, u64, u64);

/// The survival tables of the study (contract: `data-schema/study_tables.md`, `survival`):
/// Kaplan–Meier of time to re-entry per cohort and region, split `total`.
fn survival_tables(conn: &duckdb::Connection, study: &str) -> Result<RecordBatch, StudyError> {
    use std::sync::Arc;

    use duckdb::arrow::array::{ArrayRef, Float64Array, Int32Array, StringArray, UInt64Array};
    use duckdb::arrow::datatypes::{DataType, Field, Schema};

    use crate::outcomes::survival::KaplanMeier;

    let mut stmt = conn.prepare(crate::sql::study::SURVIVAL_CURVES).ctx("study survival curves")?;
    let keys = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
        .ctx("study survival curves")?
        .collect::<Result<Vec<CurveKey>, _>>()
        .ctx("study survival curves")?;
    let mut curves: Vec<(CurveKey, Vec<TimeCounts>)> = keys.into_iter().map(|k| (k, Vec::new())).collect();
    let mut stmt = conn.prepare(crate::sql::study::SURVIVAL_INPUT).ctx("study survival input")?;
    let bad = || StudyError::Arrow("survival input columns".to_owned());
    for b in stmt.query_arrow([]).ctx("study survival input")? {
        use duckdb::arrow::array::{Array, AsArray};
        use duckdb::arrow::datatypes::Int64Type;
        let int = |i: usize| b.column(i).as_primitive_opt::<Int64Type>().ok_or_else(bad);
        let (curve, time, n) = (int(0)?, int(1)?, int(3)?);
        let event = b.column(2).as_boolean_opt().ok_or_else(bad)?;
        for i in 0..b.num_rows() {
            let count = n.value(i).unsigned_abs();
            #[allow(clippy::cast_precision_loss)]
            let t = time.value(i) as f64;
            let row = if event.is_valid(i) && event.value(i) { (t, count, 0) } else { (t, 0, count) };
            let k = usize::try_from(curve.value(i)).map_err(|_| bad())?;
            curves.get_mut(k).ok_or_else(bad)?.1.push(row);
        }
    }
    let mut out: Vec<(usize, crate::outcomes::survival::SurvivalTableRow)> = Vec::new();
    for (k, (key, counts)) in curves.iter().enumerate() {
        let km = KaplanMeier::fit_counts(counts)
            .map_err(|source| StudyError::Survival { curve: format!("{} {} {}", key.0, key.1, key.2), source })?;
        out.extend(km.table().into_iter().map(|r| (k, r)));
    }
    let n = out.len();
    let constant = |v: &str| -> ArrayRef { Arc::new(StringArray::from_iter_values(std::iter::repeat_n(v, n))) };
    let key = |f: &dyn Fn(&CurveKey) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(out.iter().map(|r| f(&curves[r.0].0))))
    };
    let field = |n: &str, t: DataType, null: bool| Field::new(n, t, null);
    let schema = Arc::new(Schema::new(vec![
        field("study", DataType::Utf8, false),
        field("table_name", DataType::Utf8, false),
        field("cohort", DataType::Utf8, false),
        field("outcome", DataType::Utf8, false),
        field("period", DataType::Utf8, false),
        field("region_level", DataType::Utf8, false),
        field("region", DataType::Utf8, false),
        field("split", DataType::Utf8, false),
        field("split_value", DataType::Utf8, false),
        field("time", DataType::Int32, false),
        field("at_risk", DataType::UInt64, false),
        field("events", DataType::UInt64, false),
        field("censored", DataType::UInt64, false),
        field("estimate", DataType::Float64, false),
        field("lower", DataType::Float64, true),
        field("upper", DataType::Float64, true),
    ]));
    #[allow(clippy::cast_possible_truncation)]
    let columns: Vec<ArrayRef> = vec![
        constant(study),
        constant("reentry_survival"),
        key(&|k| k.0.as_str()),
        constant("reentry"),
        constant("all"),
        key(&|k| k.1.as_str()),
        key(&|k| k.2.as_str()),
        constant("total"),
        constant("total"),
        Arc::new(out.iter().map(|r| r.1.time as i32).collect::<Int32Array>()),
        Arc::new(out.iter().map(|r| r.1.at_risk).collect::<UInt64Array>()),
        Arc::new(out.iter().map(|r| r.1.events).collect::<UInt64Array>()),
        Arc::new(out.iter().map(|r| r.1.censored).collect::<UInt64Array>()),
        Arc::new(out.iter().map(|r| r.1.estimate).collect::<Float64Array>()),
        Arc::new(out.iter().map(|r| r.1.lower).collect::<Float64Array>()),
        Arc::new(out.iter().map(|r| r.1.upper).collect::<Float64Array>()),
    ];
    RecordBatch::try_new(schema, columns).map_err(|e| StudyError::Arrow(e.to_string()))
}
