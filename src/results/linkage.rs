//! Intergenerational linkage over a whole run (docs/definitions.md §4.13,
//! §4.1): the per-person summaries (`person_summary`, computed bucket by bucket by the engine)
//! are joined across generations through `relations` in DuckDB (`sql/linkage/*.sql`), never by
//! loading timelines into one process. Tables, per relation kind and outcome variant (`care`,
//! `measure`, `out_of_home`):
//!
//! * `linkage_g2`: one row per G2 child with its parents' exposures, its follow-up to age A and
//!   the date of each outcome variant (null when none before A);
//! * `linkage_risk`: risk by age A exposed vs unexposed per exposure definition (`either`,
//!   `mother`, `father`, `both`, `heavy`) and child sex, with the risk ratio and its CI;
//! * `linkage_resilience`: heavily exposed G1 parents: with a child with the outcome, resilient,
//!   not yet followed long enough; by parent sex;
//! * `linkage_chain`: grandparent → parent → child, where the data reach three generations;
//! * `linkage_km`, `linkage_cif`: cumulative incidence of the outcome by child age (days), per
//!   exposure group: 1 − Kaplan–Meier, and Aalen–Johansen with death and emigration competing.

use std::path::Path;
use std::sync::Arc;

use duckdb::Connection;
use duckdb::arrow::array::{ArrayRef, BooleanArray, Float64Array, StringArray, UInt64Array};
use duckdb::arrow::datatypes::{DataType, Field, Schema};
use duckdb::arrow::record_batch::RecordBatch;

use super::curves::{CurveError, Result};
use crate::db::DuckContext;
use crate::outcomes::config::OutcomeConfig;
use crate::outcomes::survival::{AalenJohansen, CompetingObservation, KaplanMeier, Observation};
use crate::sql::linkage as q;
use crate::store::{FileEntry, write_parquet};

/// Compute the linkage tables from the staged `person_summary` (a view on `conn`, with the
/// store views) into `dir`.
pub fn write_tables(conn: &Connection, dir: &Path, cfg: &OutcomeConfig) -> Result<Vec<(String, FileEntry)>> {
    conn.execute_batch(q::KINDS).ctx("linkage: relation kinds")?;
    {
        let mut app = conn.appender("linkage_kinds").ctx("linkage: relation kinds")?;
        for kind in &cfg.linkage.relation_kinds {
            app.append_row([kind]).ctx("linkage: relation kinds")?;
        }
    }
    // G2 goes to its file first; the other tables read it back from there (streamed, so memory
    // stays bounded on a national store).
    let mut out = vec![copy_table(conn, dir, "linkage_g2", q::G2)?];
    let g2 = std::collections::BTreeMap::from([("linkage_g2".to_owned(), vec![out[0].1.clone()])]);
    for (_, sql) in
        super::views::result_views(&g2, &std::collections::BTreeMap::new(), false, &std::collections::BTreeMap::new())
    {
        conn.execute_batch(&sql).ctx("linkage: G2 view")?;
    }
    conn.execute_batch(crate::sql::linkage::SCOPE_ALL).ctx("linkage: scope")?;
    out.extend(scoped_tables(conn, dir, cfg.linkage.z_crit, &|name| format!("{name}/all.parquet"))?);
    Ok(out)
}

/// The risk, resilience and chain tables and the curves of the G2 rows in scope
/// (`linkage_g2_scope`, `linkage_heavy`: [`super::linkage_scope::restrict`]) into `dir`, each
/// at `rel(table name)`; `z` is the normal quantile of the risk ratios' intervals.
///
/// # Errors
/// DuckDB, the estimators or writing failed.
pub fn scoped_tables(
    conn: &Connection,
    dir: &Path,
    z: f64,
    rel: &dyn Fn(&str) -> String,
) -> Result<Vec<(String, FileEntry)>> {
    conn.execute_batch(q::LONG).ctx("linkage: G2 long form")?;
    conn.execute_batch(q::HEAVY_LINKS).ctx("linkage: heavy parents")?;
    let mut out = vec![
        query_table(conn, dir, "linkage_risk", &rel("linkage_risk"), q::RISK, &[z])?,
        query_table(conn, dir, "linkage_resilience", &rel("linkage_resilience"), q::RESILIENCE, &[])?,
        query_table(conn, dir, "linkage_chain", &rel("linkage_chain"), q::CHAIN, &[])?,
    ];
    let [km, cif] = curve_batches(conn)?;
    for (name, batch) in [("linkage_km", km), ("linkage_cif", cif)] {
        let path = rel(name);
        out.push((name.to_owned(), write_parquet(&dir.join(&path), &path, batch.schema(), [batch])?));
    }
    Ok(out)
}

fn query_table(
    conn: &Connection,
    dir: &Path,
    name: &str,
    rel: &str,
    sql: &str,
    params: &[f64],
) -> Result<(String, FileEntry)> {
    let mut stmt = conn.prepare(sql).ctx(format!("linkage: {name}"))?;
    let arrow = stmt.query_arrow(duckdb::params_from_iter(params)).ctx(format!("linkage: {name}"))?;
    let schema = arrow.get_schema();
    Ok((name.to_owned(), write_parquet(&dir.join(rel), rel, schema, arrow)?))
}

/// Write a large query result with DuckDB's own Parquet writer (parallel; the query's ORDER BY
/// and insertion order fix the bytes), then hash the file for the run manifest.
fn copy_table(conn: &Connection, dir: &Path, name: &str, sql: &str) -> Result<(String, FileEntry)> {
    let rel = format!("{name}/all.parquet");
    let path = dir.join(&rel);
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent).map_err(|e| CurveError::Store(e.into()))?;
    }
    let literal = path.to_string_lossy().replace('\'', "''");
    let query = sql.trim().trim_end_matches(';');
    let copy = crate::db::render(q::COPY_PARQUET, &[("query", query), ("file", &literal)]);
    let rows = conn.execute(&copy, []).ctx(format!("linkage: {name}"))?;
    let bytes = fs_err::read(&path).map_err(|e| CurveError::Store(e.into()))?;
    fs_err::File::open(&path).and_then(|f| f.sync_all()).map_err(|e| CurveError::Store(e.into()))?;
    let entry = FileEntry {
        path: rel,
        rows: rows as u64,
        bytes: bytes.len() as u64,
        sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
    };
    Ok((name.to_owned(), entry))
}

/// One group's curve input: (kind, outcome, exposed) and (age in days, cause) per child.
type Group = ((String, String, bool), Vec<(f64, u32)>);

fn groups(conn: &Connection) -> Result<Vec<Group>> {
    let mut stmt = conn.prepare(q::CURVE_INPUT).ctx("linkage: curve input")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                (r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, bool>(2)?),
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })
        .ctx("linkage: curve input")?;
    let mut out: Vec<Group> = Vec::new();
    for row in rows {
        let (key, time, cause, n) = row.ctx("linkage: curve input")?;
        if out.last().is_none_or(|(k, _)| *k != key) {
            out.push((key, Vec::new()));
        }
        if let Some((_, obs)) = out.last_mut() {
            #[allow(clippy::cast_precision_loss)]
            let obs_row = (time as f64, u32::try_from(cause).unwrap_or(0));
            obs.extend(std::iter::repeat_n(obs_row, usize::try_from(n).unwrap_or(0)));
        }
    }
    Ok(out)
}

/// Rows of a grouped curve table.
#[derive(Default)]
struct Curve {
    kind: Vec<String>,
    outcome: Vec<String>,
    exposed: Vec<bool>,
    time: Vec<f64>,
    at_risk: Vec<u64>,
    events: Vec<u64>,
    competing: Vec<u64>,
    censored: Vec<u64>,
    estimate: Vec<f64>,
    lower: Vec<Option<f64>>,
    upper: Vec<Option<f64>>,
}

impl Curve {
    #[allow(clippy::too_many_arguments)]
    fn push(&mut self, key: &(String, String, bool), t: f64, n: [u64; 4], est: f64, lo: Option<f64>, hi: Option<f64>) {
        self.kind.push(key.0.clone());
        self.outcome.push(key.1.clone());
        self.exposed.push(key.2);
        self.time.push(t);
        self.at_risk.push(n[0]);
        self.events.push(n[1]);
        self.competing.push(n[2]);
        self.censored.push(n[3]);
        self.estimate.push(est);
        self.lower.push(lo);
        self.upper.push(hi);
    }

    fn batch(self, name: &'static str) -> Result<RecordBatch> {
        let schema = curve_schema();
        let cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(self.kind)),
            Arc::new(StringArray::from(self.outcome)),
            Arc::new(BooleanArray::from(self.exposed)),
            Arc::new(Float64Array::from(self.time)),
            Arc::new(UInt64Array::from(self.at_risk)),
            Arc::new(UInt64Array::from(self.events)),
            Arc::new(UInt64Array::from(self.competing)),
            Arc::new(UInt64Array::from(self.censored)),
            Arc::new(Float64Array::from(self.estimate)),
            Arc::new(Float64Array::from(self.lower)),
            Arc::new(Float64Array::from(self.upper)),
        ];
        RecordBatch::try_new(schema, cols).map_err(|_| CurveError::Arrow(name))
    }
}

/// Cumulative incidence by child age per group of the G2 rows in scope (`linkage_g2_long`):
/// 1 − KM (competing events censored; its CI is the KM's log-log CI mirrored) and
/// Aalen–Johansen (death and emigration competing), as `linkage_km` and `linkage_cif` batches
/// ([`curve_schema`]).
///
/// # Errors
/// DuckDB or an estimator failed.
pub fn curve_batches(conn: &Connection) -> Result<[RecordBatch; 2]> {
    let (mut km_rows, mut aj_rows) = (Curve::default(), Curve::default());
    for (key, obs) in groups(conn)? {
        let km_obs: Vec<Observation> =
            obs.iter().map(|&(time, cause)| Observation { time, event: cause == 1 }).collect();
        let km = KaplanMeier::fit(&km_obs).map_err(|source| CurveError::Survival { curve: "linkage_km", source })?;
        for r in km.table() {
            let n = [r.at_risk, r.events, 0, r.censored];
            km_rows.push(&key, r.time, n, 1.0 - r.estimate, r.upper.map(|u| 1.0 - u), r.lower.map(|l| 1.0 - l));
        }
        let comp: Vec<CompetingObservation> =
            obs.iter().map(|&(time, cause)| CompetingObservation { time, cause }).collect();
        let aj = AalenJohansen::fit(&comp).map_err(|source| CurveError::Survival { curve: "linkage_cif", source })?;
        for r in aj.rows() {
            let n = [r.n_at_risk, r.n_events_of_interest(), r.n_competing(), r.n_censored];
            aj_rows.push(&key, r.time, n, r.cif, r.lower, r.upper);
        }
    }
    Ok([km_rows.batch("linkage_km")?, aj_rows.batch("linkage_cif")?])
}

/// The columns of a linkage curve table (`linkage_km`, `linkage_cif`), as the run writes them and
/// the linkage export publishes them.
#[must_use]
pub fn curve_schema() -> Arc<Schema> {
    let f = |n: &str, t: DataType, null: bool| Field::new(n, t, null);
    Arc::new(Schema::new(vec![
        f("relation_kind", DataType::Utf8, false),
        f("outcome", DataType::Utf8, false),
        f("exposed", DataType::Boolean, false),
        f("age_days", DataType::Float64, false),
        f("at_risk", DataType::UInt64, false),
        f("events", DataType::UInt64, false),
        f("competing", DataType::UInt64, false),
        f("censored", DataType::UInt64, false),
        f("cumulative_incidence", DataType::Float64, false),
        f("lower", DataType::Float64, true),
        f("upper", DataType::Float64, true),
    ]))
}
