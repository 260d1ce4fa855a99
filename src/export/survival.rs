//! Survival tables of a study made safe to publish (docs/definitions.md §6.8: at-risk and event counts under
//! the minimum are collapsed into the neighbouring interval).

use std::path::Path;

use duckdb::Connection;
use duckdb::arrow::record_batch::RecordBatch;

use super::{ExportError, Result, TablesReport, write_csv};
use crate::db::DuckContext;
use crate::sql::export as q;
use crate::store::write_parquet;

/// One survival row (the contract's columns).
struct SurvRow {
    keys: [String; 9],
    time: i64,
    at_risk: u64,
    events: u64,
    censored: u64,
    estimate: f64,
    lower: Option<f64>,
    upper: Option<f64>,
}

/// Survival tables (docs/definitions.md §6.8: at-risk and event counts under the minimum are collapsed into the
/// neighbouring interval). Per curve, rows are merged forward into intervals until the
/// interval's events and censorings are each 0 or at least `min`; an interval is published at
/// its last time (estimate and CI there), with the risk set entering it. A curve stops where its
/// risk set falls under `min`; an unfinished last interval is not published.
pub(super) fn collapse_survival(
    conn: &Connection,
    file: &Path,
    dir: &Path,
    min: u64,
    report: &mut TablesReport,
) -> Result<()> {
    let mut stmt = conn.prepare(q::READ_SURVIVAL).ctx("reading the survival tables")?;
    let rows = stmt
        .query_map([file.to_string_lossy()], |r| {
            let mut keys: [String; 9] = Default::default();
            for (i, k) in keys.iter_mut().enumerate() {
                *k = r.get::<_, Option<String>>(i)?.unwrap_or_default();
            }
            let n = |i: usize| r.get::<_, i64>(i).map(|v| u64::try_from(v).unwrap_or(0));
            Ok(SurvRow {
                keys,
                time: r.get(9)?,
                at_risk: n(10)?,
                events: n(11)?,
                censored: n(12)?,
                estimate: r.get(13)?,
                lower: r.get(14)?,
                upper: r.get(15)?,
            })
        })
        .ctx(format!("reading {}", file.display()))?;
    let mut input = Vec::new();
    for r in rows {
        input.push(r.ctx(format!("reading {}", file.display()))?);
    }
    report.survival_rows = input.len() as u64;
    let ok = |v: u64| v == 0 || v >= min;
    let mut out: Vec<SurvRow> = Vec::new();
    let mut start = 0;
    while start < input.len() {
        let mut end = start;
        while end < input.len() && input[end].keys == input[start].keys {
            end += 1;
        }
        let curve = &input[start..end];
        let (mut open, mut events, mut censored) = (None::<usize>, 0, 0);
        for (i, r) in curve.iter().enumerate() {
            let entering = open.get_or_insert(i);
            if curve[*entering].at_risk < min {
                report.survival_curves_truncated += 1;
                break;
            }
            events += r.events;
            censored += r.censored;
            if ok(events) && ok(censored) && events + censored > 0 {
                out.push(SurvRow {
                    keys: r.keys.clone(),
                    time: r.time,
                    at_risk: curve[*entering].at_risk,
                    events,
                    censored,
                    estimate: r.estimate,
                    lower: r.lower,
                    upper: r.upper,
                });
                (open, events, censored) = (None, 0, 0);
            }
        }
        start = end;
    }
    report.survival_rows_published = out.len() as u64;
    let batch = survival_batch(&out).map_err(|e| ExportError::Format(dir.join("survival.parquet"), e.to_string()))?;
    write_parquet(&dir.join("survival.parquet"), "survival.parquet", batch.schema(), [batch.clone()])?;
    write_csv(&dir.join("survival.csv"), &[batch])
}

fn survival_batch(rows: &[SurvRow]) -> std::result::Result<RecordBatch, duckdb::arrow::error::ArrowError> {
    use duckdb::arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray, UInt64Array};
    use duckdb::arrow::datatypes::{DataType, Field, Schema};
    const NAMES: [&str; 9] =
        ["study", "table_name", "cohort", "outcome", "period", "region_level", "region", "split", "split_value"];
    let mut fields: Vec<Field> = NAMES.iter().map(|n| Field::new(*n, DataType::Utf8, false)).collect();
    let mut cols: Vec<ArrayRef> = (0..9)
        .map(|k| {
            std::sync::Arc::new(rows.iter().map(|r| Some(r.keys[k].as_str())).collect::<StringArray>()) as ArrayRef
        })
        .collect();
    fields.push(Field::new("time", DataType::Int64, false));
    cols.push(std::sync::Arc::new(rows.iter().map(|r| r.time).collect::<Int64Array>()));
    for (name, f) in [
        ("at_risk", (|r: &SurvRow| r.at_risk) as fn(&SurvRow) -> u64),
        ("events", |r: &SurvRow| r.events),
        ("censored", |r: &SurvRow| r.censored),
    ] {
        fields.push(Field::new(name, DataType::UInt64, false));
        cols.push(std::sync::Arc::new(rows.iter().map(f).collect::<UInt64Array>()));
    }
    fields.push(Field::new("estimate", DataType::Float64, false));
    cols.push(std::sync::Arc::new(rows.iter().map(|r| r.estimate).collect::<Float64Array>()));
    fields.push(Field::new("lower", DataType::Float64, true));
    cols.push(std::sync::Arc::new(rows.iter().map(|r| r.lower).collect::<Float64Array>()));
    fields.push(Field::new("upper", DataType::Float64, true));
    cols.push(std::sync::Arc::new(rows.iter().map(|r| r.upper).collect::<Float64Array>()));
    RecordBatch::try_new(std::sync::Arc::new(Schema::new(fields)), cols)
}
