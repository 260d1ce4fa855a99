//! The household view of safety as a whole-run table (`safety_household`, docs/definitions.md
//! §4.8.2): the report indexes of `household_safety` (a view the whole-run step sets to every
//! staged safety row, or to the recomputed children's) and the store's reports naming a
//! household are read through DuckDB, and [`crate::outcomes::household`] applies the rule. A
//! row per index (and household); the windows are the view `safety_household_windows`
//! (`sql/results/safety_household_windows.sql`).

use chrono::NaiveDate;
use duckdb::Connection;
use duckdb::arrow::array::{Array, ArrowPrimitiveType, AsArray, PrimitiveArray, StringArray};
use duckdb::arrow::datatypes::{Date32Type, Int64Type, SchemaRef, UInt32Type};
use duckdb::arrow::record_batch::RecordBatch;

use super::{Result, ResultsError};
use crate::db::DuckContext;
use crate::outcomes::household::{HouseholdIndex, HouseholdReport, ReportIndex, household_view};
use crate::sql::outcomes as q;
use crate::timelines::Pseudonym;

/// Rows per Arrow batch written.
const BATCH_ROWS: usize = 65_536;

/// The household view of the indexes in `household_safety`.
pub(super) fn compute(conn: &Connection) -> Result<Vec<HouseholdIndex>> {
    let mut indexes = Vec::new();
    read(conn, q::HOUSEHOLD_INDEXES, "safety, household view: the report indexes", |c| {
        let (person, index_no, report) = (c.text(0)?, c.number::<UInt32Type>(1)?, c.text(2)?);
        let (index, fu, same_incident) =
            (c.number::<Date32Type>(3)?, c.number::<Date32Type>(4)?, c.number::<Int64Type>(5)?);
        for i in 0..c.batch.num_rows() {
            indexes.push(ReportIndex {
                person: c.id(person, 0, i)?,
                index_no: c.value(index_no, 1, i)?,
                report_id: c.id(report, 2, i)?,
                index: c.date(index, 3, i)?,
                fu: c.date(fu, 4, i)?,
                same_incident: c.value(same_incident, 5, i)?,
            });
        }
        Ok(())
    })?;
    if indexes.is_empty() {
        // A run without the safety family, or no child to recompute: no report is read.
        return Ok(Vec::new());
    }
    let mut reports = Vec::new();
    read(conn, q::HOUSEHOLD_REPORTS, "safety, household view: the reports", |c| {
        let (person, report, household, date) = (c.text(0)?, c.text(1)?, c.text(2)?, c.number::<Date32Type>(3)?);
        for i in 0..c.batch.num_rows() {
            reports.push(HouseholdReport {
                person: c.id(person, 0, i)?,
                report_id: c.id(report, 1, i)?,
                household: c.id(household, 2, i)?,
                date: c.date(date, 3, i)?,
            });
        }
        Ok(())
    })?;
    Ok(household_view(&indexes, &reports))
}

/// The table's columns.
pub(super) fn schema() -> SchemaRef {
    super::batches::household(&[]).schema()
}

/// The rows as Arrow batches of the table's columns, made as they are written.
pub(super) fn batches(rows: &[HouseholdIndex]) -> impl Iterator<Item = RecordBatch> + '_ {
    rows.chunks(BATCH_ROWS).map(super::batches::household)
}

/// Run `sql` and hand every batch of its result to `batch`.
fn read(
    conn: &Connection,
    sql: &str,
    what: &'static str,
    mut batch: impl FnMut(&Columns<'_>) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare(sql).ctx(what)?;
    // Streamed: a national run has millions of safety rows.
    for b in stmt.stream_arrow([]).ctx(what)? {
        let b = b.ctx(what)?;
        batch(&Columns { batch: &b, what })?;
    }
    Ok(())
}

/// A batch's columns, each taken as its type once, then read value by value; another type or
/// a null is an error naming the column (the queries' columns are never null for the rows they
/// select).
struct Columns<'a> {
    batch: &'a RecordBatch,
    what: &'static str,
}

impl<'a> Columns<'a> {
    fn bad(&self, c: usize, rule: &str) -> ResultsError {
        let column = self.batch.schema().field(c).name().clone();
        ResultsError::Input { what: self.what, message: format!("column {column}: {rule}") }
    }

    fn text(&self, c: usize) -> Result<&'a StringArray> {
        self.batch.column(c).as_string_opt::<i32>().ok_or_else(|| self.bad(c, "not text"))
    }

    fn number<T: ArrowPrimitiveType>(&self, c: usize) -> Result<&'a PrimitiveArray<T>> {
        let want = T::DATA_TYPE;
        self.batch.column(c).as_primitive_opt::<T>().ok_or_else(|| self.bad(c, &format!("not of type {want}")))
    }

    fn present(&self, a: &dyn Array, c: usize, i: usize) -> Result<()> {
        if a.is_null(i) { Err(self.bad(c, &format!("null in row {i} of a batch"))) } else { Ok(()) }
    }

    fn id(&self, a: &StringArray, c: usize, i: usize) -> Result<Pseudonym> {
        self.present(a, c, i)?;
        Pseudonym::from_hex(a.value(i).as_bytes())
            .ok_or_else(|| self.bad(c, &format!("row {i} of a batch is not a pseudonym (32 hex digits)")))
    }

    fn value<T: ArrowPrimitiveType>(&self, a: &PrimitiveArray<T>, c: usize, i: usize) -> Result<T::Native> {
        self.present(a, c, i)?;
        Ok(a.value(i))
    }

    fn date(&self, a: &PrimitiveArray<Date32Type>, c: usize, i: usize) -> Result<NaiveDate> {
        self.present(a, c, i)?;
        a.value_as_date(i).ok_or_else(|| self.bad(c, &format!("row {i} of a batch is a date out of range")))
    }
}
