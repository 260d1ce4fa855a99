//! The survival tables of a study (docs/definitions.md §4.14.3, §5.8): a Kaplan–Meier curve per
//! cohort, outcome with a curve (re-entry, time to escalation, measure duration), period and
//! region of the study's curve levels, split total; and the median of each curve with its 95%
//! interval (R's `print.survfit` reading, [`crate::outcomes::survival::KaplanMeier::median`]).

use std::sync::Arc;

use duckdb::Connection;
use duckdb::arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int32Array, StringArray, UInt64Array};
use duckdb::arrow::datatypes::{DataType, Field, Int64Type, Schema};
use duckdb::arrow::record_batch::RecordBatch;

use super::StudyError;
use crate::db::DuckContext;
use crate::outcomes::survival::{KaplanMeier, Median, SurvivalTableRow};
use crate::sql::study as q;

/// The survival and median tables.
pub struct Curves {
    /// One row per curve and distinct time.
    pub survival: RecordBatch,
    /// One row per curve.
    pub medians: RecordBatch,
}

/// One curve: (cohort, outcome, period, region level, region).
type CurveKey = [String; 5];

/// Events and censorings at one time of a curve: (time, events, censored).
type TimeCounts = (f64, u64, u64);

/// Fit every curve of `study_km_cells` (built here from `study_km_atoms`).
pub fn build(conn: &Connection, study: &str) -> Result<Curves, StudyError> {
    conn.execute_batch(q::KM_CELLS).ctx("study survival counts")?;
    let mut stmt = conn.prepare(q::KM_CURVES).ctx("study survival curves")?;
    let keys = stmt
        .query_map([], |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?]))
        .ctx("study survival curves")?
        .collect::<Result<Vec<CurveKey>, _>>()
        .ctx("study survival curves")?;
    let mut counts: Vec<Vec<TimeCounts>> = vec![Vec::new(); keys.len()];
    let bad = || StudyError::Arrow("survival input columns".to_owned());
    let mut stmt = conn.prepare(q::KM_INPUT).ctx("study survival input")?;
    for b in stmt.query_arrow([]).ctx("study survival input")? {
        let int = |i: usize| b.column(i).as_primitive_opt::<Int64Type>().ok_or_else(bad);
        let (curve, time, n) = (int(0)?, int(1)?, int(3)?);
        let event = b.column(2).as_boolean_opt().ok_or_else(bad)?;
        for i in 0..b.num_rows() {
            let count = n.value(i).unsigned_abs();
            #[allow(clippy::cast_precision_loss)]
            let t = time.value(i) as f64;
            let row = if event.is_valid(i) && event.value(i) { (t, count, 0) } else { (t, 0, count) };
            let k = usize::try_from(curve.value(i)).map_err(|_| bad())?;
            counts.get_mut(k).ok_or_else(bad)?.push(row);
        }
    }
    let mut rows: Vec<(usize, SurvivalTableRow)> = Vec::new();
    let mut medians: Vec<(usize, u64, u64, Median)> = Vec::new();
    for (k, (key, c)) in keys.iter().zip(&counts).enumerate() {
        let km = KaplanMeier::fit_counts(c).map_err(|source| StudyError::Survival { curve: key.join(" "), source })?;
        let table = km.table();
        let n = table.first().map_or(0, |r| r.at_risk);
        let events = table.iter().map(|r| r.events).sum();
        medians.push((k, n, events, km.median()));
        rows.extend(table.into_iter().map(|r| (k, r)));
    }
    Ok(Curves { survival: survival_batch(study, &keys, &rows)?, medians: median_batch(study, &keys, &medians)? })
}

/// The key columns of a survival or median table, for rows pointing at curves.
fn key_columns(study: &str, table: &dyn Fn(&CurveKey) -> String, keys: &[CurveKey], of: &[usize]) -> Vec<ArrayRef> {
    let n = of.len();
    let constant = |v: &str| -> ArrayRef { Arc::new(StringArray::from_iter_values(std::iter::repeat_n(v, n))) };
    let key =
        |i: usize| -> ArrayRef { Arc::new(StringArray::from_iter_values(of.iter().map(|&k| keys[k][i].as_str()))) };
    vec![
        constant(study),
        Arc::new(StringArray::from_iter_values(of.iter().map(|&k| table(&keys[k])))),
        key(0),
        key(1),
        key(2),
        key(3),
        key(4),
        constant("total"),
        constant("total"),
    ]
}

fn key_fields() -> Vec<Field> {
    ["study", "table_name", "cohort", "outcome", "period", "region_level", "region", "split", "split_value"]
        .iter()
        .map(|n| Field::new(*n, DataType::Utf8, false))
        .collect()
}

/// The survival table (contract: data-schema/study_tables.md, `survival`).
fn survival_batch(
    study: &str,
    keys: &[CurveKey],
    rows: &[(usize, SurvivalTableRow)],
) -> Result<RecordBatch, StudyError> {
    let of: Vec<usize> = rows.iter().map(|r| r.0).collect();
    let mut columns = key_columns(study, &|k| format!("{}_survival", k[1]), keys, &of);
    let mut fields = key_fields();
    #[allow(clippy::cast_possible_truncation)]
    columns.push(Arc::new(rows.iter().map(|r| r.1.time as i32).collect::<Int32Array>()));
    fields.push(Field::new("time", DataType::Int32, false));
    for (name, f) in [
        ("at_risk", (|r: &SurvivalTableRow| r.at_risk) as fn(&SurvivalTableRow) -> u64),
        ("events", |r| r.events),
        ("censored", |r| r.censored),
    ] {
        columns.push(Arc::new(rows.iter().map(|r| f(&r.1)).collect::<UInt64Array>()));
        fields.push(Field::new(name, DataType::UInt64, false));
    }
    columns.push(Arc::new(rows.iter().map(|r| r.1.estimate).collect::<Float64Array>()));
    fields.push(Field::new("estimate", DataType::Float64, false));
    columns.push(Arc::new(rows.iter().map(|r| r.1.lower).collect::<Float64Array>()));
    fields.push(Field::new("lower", DataType::Float64, true));
    columns.push(Arc::new(rows.iter().map(|r| r.1.upper).collect::<Float64Array>()));
    fields.push(Field::new("upper", DataType::Float64, true));
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| StudyError::Arrow(e.to_string()))
}

/// The median table: per curve its indexes, events and the median time with its interval.
fn median_batch(study: &str, keys: &[CurveKey], rows: &[(usize, u64, u64, Median)]) -> Result<RecordBatch, StudyError> {
    let of: Vec<usize> = rows.iter().map(|r| r.0).collect();
    let mut columns = key_columns(study, &|_| "medians".to_owned(), keys, &of);
    let mut fields = key_fields();
    columns.push(Arc::new(rows.iter().map(|r| r.1).collect::<UInt64Array>()));
    fields.push(Field::new("indexes", DataType::UInt64, false));
    columns.push(Arc::new(rows.iter().map(|r| r.2).collect::<UInt64Array>()));
    fields.push(Field::new("events", DataType::UInt64, false));
    for (name, f) in [
        ("median", (|m: &Median| m.estimate) as fn(&_) -> Option<f64>),
        ("median_lower", |m| m.lower),
        ("median_upper", |m| m.upper),
    ] {
        columns.push(Arc::new(rows.iter().map(|r| f(&r.3)).collect::<Float64Array>()));
        fields.push(Field::new(name, DataType::Float64, true));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| StudyError::Arrow(e.to_string()))
}
