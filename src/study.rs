//! Studies (issue 6 part 2): cohorts × fixed-window outcomes × splits × regions, as the tidy
//! tables of `data-schema/study_tables.md` (`sql/study/*.sql`). So far: re-entry and escalation
//! (every window of the current outcome run), splits total / sex / age band / index year / level
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
    #[error("study survival curve {curve}: {source}")]
    Survival {
        /// Which curve.
        curve: String,
        /// Why.
        source: crate::outcomes::survival::SurvivalError,
    },
    /// Building an Arrow table failed.
    #[error("study survival table: {0}")]
    Arrow(String),
    /// The study file is not valid.
    #[error("study {path}: {message}")]
    Definition {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
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

/// Run a study over the store's current outcome run; writes `out/<name>/tables.parquet` and
/// `tables.csv`. Returns the output folder and the number of rows.
pub fn run(
    store: &crate::store::Store,
    file: &Path,
    out: &Path,
    db: &DbSettings,
) -> Result<(PathBuf, u64), StudyError> {
    let text = fs_err::read_to_string(file)?;
    let def: StudyDef =
        toml::from_str(&text).map_err(|e| StudyError::Definition { path: file.to_owned(), message: e.to_string() })?;
    let base = file.parent().unwrap_or_else(|| Path::new("."));
    let conn = crate::query::open_store(store, db)?;
    conn.execute_batch(crate::sql::study::SETUP).ctx("study inputs")?;
    for rel in &def.cohorts {
        let path = base.join(rel);
        let cdef = crate::cohort::CohortDef::read(&path)?;
        let cohort = crate::cohort::build(&conn, &cdef, path.parent().unwrap_or(base))?;
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
    conn.execute_batch(crate::sql::study::INDEX_ROWS).ctx("study index rows")?;
    let mut stmt = conn.prepare(crate::sql::study::TABLES).ctx("study tables")?;
    let batches: Vec<RecordBatch> = stmt.query_arrow([&def.name]).ctx("study tables")?.collect();
    let schema = stmt.schema();
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let dir = out.join(&def.name);
    let staging = dir.with_extension("staging");
    if staging.exists() {
        fs_err::remove_dir_all(&staging)?;
    }
    fs_err::create_dir_all(&staging)?;
    crate::store::write_parquet(&staging.join("tables.parquet"), "tables.parquet", schema, batches.clone())?;
    crate::export::write_csv(&staging.join("tables.csv"), &batches)?;
    let survival = survival_tables(&conn, &def.name)?;
    crate::store::write_parquet(
        &staging.join("survival.parquet"),
        "survival.parquet",
        survival.schema(),
        [survival.clone()],
    )?;
    crate::export::write_csv(&staging.join("survival.csv"), &[survival])?;
    if dir.exists() {
        fs_err::remove_dir_all(&dir)?;
    }
    fs_err::rename(&staging, &dir)?;
    Ok((dir, rows as u64))
}

/// One survival curve's input: (cohort, region level, region) → (time, event, count) rows.
type CurveKey = (String, String, String);

/// The survival tables of the study (contract: `data-schema/study_tables.md`, `survival`):
/// Kaplan–Meier of time to re-entry per cohort and region, split `total`.
fn survival_tables(conn: &duckdb::Connection, study: &str) -> Result<RecordBatch, StudyError> {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use duckdb::arrow::array::{ArrayRef, Float64Array, Int32Array, StringArray, UInt64Array};
    use duckdb::arrow::datatypes::{DataType, Field, Schema};

    use crate::outcomes::survival::{KaplanMeier, Observation};

    let mut stmt = conn.prepare(crate::sql::study::SURVIVAL_INPUT).ctx("study survival input")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                (r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?),
                r.get::<_, i64>(3)?,
                r.get::<_, bool>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })
        .ctx("study survival input")?;
    let mut curves: BTreeMap<CurveKey, Vec<Observation>> = BTreeMap::new();
    for row in rows {
        let (key, time, event, n) = row.ctx("study survival input")?;
        #[allow(clippy::cast_precision_loss)]
        let obs = Observation { time: time as f64, event };
        curves.entry(key).or_default().extend(std::iter::repeat_n(obs, usize::try_from(n).unwrap_or(0)));
    }
    let mut out: Vec<(CurveKey, crate::outcomes::survival::SurvivalTableRow)> = Vec::new();
    for (key, obs) in curves {
        let km = KaplanMeier::fit(&obs)
            .map_err(|source| StudyError::Survival { curve: format!("{} {} {}", key.0, key.1, key.2), source })?;
        out.extend(km.table().into_iter().map(|r| (key.clone(), r)));
    }
    let text = |f: &dyn Fn(&(CurveKey, crate::outcomes::survival::SurvivalTableRow)) -> String| -> ArrayRef {
        Arc::new(out.iter().map(f).map(Some).collect::<StringArray>())
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
        text(&|_| study.to_owned()),
        text(&|_| "reentry_survival".to_owned()),
        text(&|r| r.0.0.clone()),
        text(&|_| "reentry".to_owned()),
        text(&|_| "all".to_owned()),
        text(&|r| r.0.1.clone()),
        text(&|r| r.0.2.clone()),
        text(&|_| "total".to_owned()),
        text(&|_| "total".to_owned()),
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
