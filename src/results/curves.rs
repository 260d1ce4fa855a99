//! Survival curves over all buckets of a run: Kaplan–Meier of time to re-entry and of
//! protection-measure duration, Aalen–Johansen cumulative incidence of re-entry with
//! reaching the age limit, death and emigration as competing events. Written as survival
//! tables (docs/definitions.md §5.8: time, at risk, events, censored, estimate, lower, upper).

use std::path::Path;
use std::sync::Arc;

use duckdb::Connection;
use duckdb::arrow::array::{ArrayRef, Float64Array, UInt64Array};
use duckdb::arrow::datatypes::{DataType, Field, Schema};
use duckdb::arrow::record_batch::RecordBatch;

use crate::db::{DbError, DuckContext};
use crate::outcomes::survival::{AalenJohansen, CompetingObservation, KaplanMeier, Observation, SurvivalError};
use crate::store::{FileEntry, StoreError, write_parquet};

/// Errors computing curves.
#[derive(Debug, thiserror::Error)]
pub enum CurveError {
    /// DuckDB failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Writing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The estimator refused its input.
    #[error("survival curve {curve}")]
    Survival {
        /// Which curve.
        curve: &'static str,
        /// Cause.
        source: SurvivalError,
    },
    /// Building the Arrow batch failed.
    #[error("survival curve {0}: building the table failed")]
    Arrow(&'static str),
}

/// Result alias for this module.
pub type Result<T> = std::result::Result<T, CurveError>;

/// `(time, code)` per observation, from a query giving `(time, code, count)` per distinct pair.
fn pairs(conn: &Connection, sql: &str) -> Result<Vec<(f64, i64)>> {
    let mut stmt = conn.prepare(sql).ctx("reading curve input")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))
        .ctx("reading curve input")?;
    let mut out = Vec::new();
    for r in rows {
        let (t, c, n) = r.ctx("reading curve input")?;
        #[allow(clippy::cast_precision_loss)]
        out.extend(std::iter::repeat_n((t as f64, c), usize::try_from(n).unwrap_or(0)));
    }
    Ok(out)
}

fn schema(cif: bool) -> Arc<Schema> {
    let f = |n: &str, t: DataType, null: bool| Field::new(n, t, null);
    let estimate = if cif { "cumulative_incidence" } else { "estimate" };
    Arc::new(Schema::new(vec![
        f("time_days", DataType::Float64, false),
        f("at_risk", DataType::UInt64, false),
        f("events", DataType::UInt64, false),
        f("competing", DataType::UInt64, false),
        f("censored", DataType::UInt64, false),
        f(estimate, DataType::Float64, false),
        f("lower", DataType::Float64, true),
        f("upper", DataType::Float64, true),
    ]))
}

type Row = (f64, u64, u64, u64, u64, f64, Option<f64>, Option<f64>);

fn batch(curve: &'static str, rows: &[Row], cif: bool) -> Result<RecordBatch> {
    let cols: Vec<ArrayRef> = vec![
        Arc::new(rows.iter().map(|r| r.0).collect::<Float64Array>()),
        Arc::new(rows.iter().map(|r| r.1).collect::<UInt64Array>()),
        Arc::new(rows.iter().map(|r| r.2).collect::<UInt64Array>()),
        Arc::new(rows.iter().map(|r| r.3).collect::<UInt64Array>()),
        Arc::new(rows.iter().map(|r| r.4).collect::<UInt64Array>()),
        Arc::new(rows.iter().map(|r| r.5).collect::<Float64Array>()),
        Arc::new(rows.iter().map(|r| r.6).collect::<Float64Array>()),
        Arc::new(rows.iter().map(|r| r.7).collect::<Float64Array>()),
    ];
    RecordBatch::try_new(schema(cif), cols).map_err(|_| CurveError::Arrow(curve))
}

fn km_rows(curve: &'static str, obs: &[Observation]) -> Result<Vec<Row>> {
    if obs.is_empty() {
        return Ok(Vec::new());
    }
    let km = KaplanMeier::fit(obs).map_err(|source| CurveError::Survival { curve, source })?;
    Ok(km.table().iter().map(|r| (r.time, r.at_risk, r.events, 0, r.censored, r.estimate, r.lower, r.upper)).collect())
}

fn write(dir: &Path, name: &'static str, rows: &[Row], cif: bool) -> Result<(String, FileEntry)> {
    let rel = format!("{name}/all.parquet");
    let b = batch(name, rows, cif)?;
    Ok((name.to_owned(), write_parquet(&dir.join(&rel), &rel, b.schema(), [b])?))
}

/// Compute the re-entry curves (Kaplan-Meier and Aalen-Johansen) from the staged result
/// tables (reachable by name on `conn`) and write them into `dir`.
pub fn write_reentry_curves(conn: &Connection, dir: &Path) -> Result<Vec<(String, FileEntry)>> {
    let reentry = pairs(conn, crate::sql::outcomes::REENTRY_TIMES)?;
    let km: Vec<Observation> = reentry.iter().map(|&(time, cause)| Observation { time, event: cause == 1 }).collect();
    let mut out = vec![write(dir, "reentry_km", &km_rows("reentry_km", &km)?, false)?];
    let comp: Vec<CompetingObservation> = reentry
        .iter()
        .map(|&(time, cause)| CompetingObservation { time, cause: u32::try_from(cause).unwrap_or(0) })
        .collect();
    let cif_rows: Vec<Row> = if comp.is_empty() {
        Vec::new()
    } else {
        let aj = AalenJohansen::fit(&comp).map_err(|source| CurveError::Survival { curve: "reentry_cif", source })?;
        aj.rows()
            .iter()
            .map(|r| {
                (r.time, r.n_at_risk, r.n_events_of_interest(), r.n_competing(), r.n_censored, r.cif, r.lower, r.upper)
            })
            .collect()
    };
    out.push(write(dir, "reentry_cif", &cif_rows, true)?);
    Ok(out)
}

/// The Kaplan-Meier curve of measure durations (open measures censored), from the staged
/// `measure_episodes`, written into `dir`.
pub fn write_measure_curve(conn: &Connection, dir: &Path) -> Result<Vec<(String, FileEntry)>> {
    let measures = pairs(conn, crate::sql::outcomes::MEASURE_DURATIONS)?;
    let obs: Vec<Observation> = measures.iter().map(|&(time, ended)| Observation { time, event: ended == 1 }).collect();
    Ok(vec![write(dir, "measure_duration_km", &km_rows("measure_duration_km", &obs)?, false)?])
}

/// The Kaplan-Meier curves of time to recidivism after the end of a youth probation measure
/// (`recidivism_km`: any new offence; `recidivism_serious_km`: a serious one), from the
/// staged `recidivism`, written into `dir`.
pub fn write_recidivism_curves(conn: &Connection, dir: &Path) -> Result<Vec<(String, FileEntry)>> {
    let mut out = Vec::new();
    for (name, prefix) in [("recidivism_km", "any"), ("recidivism_serious_km", "serious")] {
        // Template: the variant's column names, from this fixed list.
        let sql = crate::sql::outcomes::RECIDIVISM_TIMES
            .replace("{{time}}", &format!("{prefix}_time_days"))
            .replace("{{t}}", &format!("{prefix}_t_days"));
        let times = pairs(conn, &sql)?;
        let obs: Vec<Observation> =
            times.iter().map(|&(time, event)| Observation { time, event: event == 1 }).collect();
        out.push(write(dir, name, &km_rows(name, &obs)?, false)?);
    }
    Ok(out)
}
