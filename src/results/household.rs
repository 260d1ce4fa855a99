//! The household view of safety as a whole-run table (`safety_household`, docs/definitions.md
//! §4.8.2): the child view's report indexes and the store's reports naming a household, to
//! which [`crate::outcomes::household`] applies the rule. A run that computes every bucket
//! collects both as it goes ([`Inputs`]); an incremental run reads them through DuckDB, the
//! indexes from `household_safety` (a view the whole-run step sets to every staged safety row,
//! or to the recomputed children's). A row per index (and household); the windows are the view
//! `safety_household_windows` (`sql/results/safety_household_windows.sql`).

use chrono::NaiveDate;
use duckdb::Connection;
use duckdb::arrow::array::{Array, ArrowPrimitiveType, AsArray, PrimitiveArray, StringArray};
use duckdb::arrow::datatypes::{Date32Type, Int64Type, SchemaRef, UInt32Type};
use duckdb::arrow::record_batch::RecordBatch;

use super::{Result, ResultsError};
use crate::db::DuckContext;
use crate::outcomes::household::{HouseholdIndex, HouseholdReport, ReportIndex, household_view};
use crate::sql::outcomes as q;
use crate::timelines::{PersonId, Pseudonym, Report};

/// Rows per Arrow batch written.
const BATCH_ROWS: usize = 65_536;

/// What the household view reads: the child view's report indexes and every report that
/// names a household.
#[derive(Debug, Default)]
pub struct Inputs {
    indexes: Vec<ReportIndex>,
    reports: Vec<HouseholdReport>,
}

impl Inputs {
    /// One bucket's share in a run that computes every bucket: the report indexes among its
    /// `safety` batches (as the run writes them) and `reports`, its store rows that name a
    /// household (every one, also in a bucket without indexes: a household's children sit in
    /// different buckets); the same rows the queries of [`compute`] read from the staged and
    /// stored files, without writing and reading them back through DuckDB (a sixth of a
    /// national safety run's CPU went there).
    pub(super) fn of_bucket(safety: &[RecordBatch], reports: &[(PersonId, Report)]) -> Result<Self> {
        let mut indexes = Vec::new();
        for b in safety {
            let what = "safety, household view: the report indexes of a bucket";
            let names = ["person_id", "index_no", "report_id", "index_date", "fu_date", "same_incident_days"];
            let mut columns = Vec::with_capacity(names.len());
            for name in names {
                let i = b.schema().index_of(name).map_err(|e| ResultsError::Input { what, message: e.to_string() })?;
                columns.push(i);
            }
            let kind = b.column_by_name("index_kind").and_then(|k| k.as_string_opt::<i32>());
            let kind = kind.ok_or(ResultsError::Input { what, message: "column index_kind: not text".to_owned() })?;
            let projected = b.project(&columns).map_err(|e| ResultsError::Input { what, message: e.to_string() })?;
            push_indexes(
                &Columns { batch: &projected, what },
                |i| kind.is_valid(i) && kind.value(i) == "report",
                &mut indexes,
            )?;
        }
        Ok(Self::of_indexes(indexes, reports))
    }

    /// One bucket's share from its report indexes (of the child view) and its store rows of
    /// reports (those that name a household are kept), as [`Inputs::of_bucket`].
    pub(super) fn of_indexes(indexes: Vec<ReportIndex>, reports: &[(PersonId, Report)]) -> Self {
        let reports = reports
            .iter()
            .filter_map(|(person, r)| {
                let household = r.household_id?;
                Some(HouseholdReport { person: (*person).into(), report_id: r.report_id, household, date: r.date })
            })
            .collect();
        Self { indexes, reports }
    }

    /// Every bucket's share, in bucket order.
    pub(super) fn join(parts: impl IntoIterator<Item = Self>) -> Self {
        let mut all = Self::default();
        for p in parts {
            all.indexes.extend(p.indexes);
            all.reports.extend(p.reports);
        }
        all
    }

    /// The household view of these indexes over these reports.
    pub(super) fn view(&self) -> Vec<HouseholdIndex> {
        household_view(&self.indexes, &self.reports)
    }
}

/// The household view of the indexes in `household_safety`, read with the store's reports
/// through DuckDB (a run that staged only some buckets' rows: an incremental one).
pub(super) fn compute(conn: &Connection) -> Result<Vec<HouseholdIndex>> {
    let mut indexes = Vec::new();
    read(conn, q::HOUSEHOLD_INDEXES, "safety, household view: the report indexes", |c| {
        push_indexes(c, |_| true, &mut indexes)
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

/// The report indexes of a batch whose first six columns are those of
/// `sql/outcomes/household_indexes.sql`, of the rows `keep` keeps.
fn push_indexes(c: &Columns<'_>, keep: impl Fn(usize) -> bool, out: &mut Vec<ReportIndex>) -> Result<()> {
    let (person, index_no, report) = (c.text(0)?, c.number::<UInt32Type>(1)?, c.text(2)?);
    let (index, fu, same_incident) =
        (c.number::<Date32Type>(3)?, c.number::<Date32Type>(4)?, c.number::<Int64Type>(5)?);
    for i in (0..c.batch.num_rows()).filter(|i| keep(*i)) {
        out.push(ReportIndex {
            person: c.id(person, 0, i)?,
            index_no: c.value(index_no, 1, i)?,
            report_id: c.id(report, 2, i)?,
            index: c.date(index, 3, i)?,
            fu: c.date(fu, 4, i)?,
            same_incident: c.value(same_incident, 5, i)?,
        });
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use duckdb::arrow::array::{ArrayRef, Date32Array, Int64Array, UInt32Array};
    use duckdb::arrow::datatypes::{Field, Schema};

    use super::*;
    use crate::outcomes::testkit::{d, id, report};

    fn day(s: &str) -> i32 {
        i32::try_from((d(s) - d("1970-01-01")).num_days()).unwrap_or_default()
    }

    /// A `safety` row: person, index_no, kind, index date, report, fu date.
    type Row<'a> = (&'a str, u32, &'a str, &'a str, Option<&'a str>, &'a str);

    /// A `safety` batch as a run writes it (its columns in another order than the query's).
    fn safety(rows: &[Row<'_>]) -> Result<RecordBatch> {
        let hex = |l: &str| id(l).to_hex_string();
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("person_id", Arc::new(StringArray::from_iter_values(rows.iter().map(|r| hex(r.0))))),
            ("index_no", Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.1)))),
            ("index_kind", Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.2)))),
            ("index_date", Arc::new(Date32Array::from_iter_values(rows.iter().map(|r| day(r.3))))),
            ("report_id", Arc::new(rows.iter().map(|r| r.4.map(hex)).collect::<StringArray>())),
            ("same_incident_days", Arc::new(Int64Array::from_iter_values(rows.iter().map(|_| 30)))),
            ("fu_date", Arc::new(Date32Array::from_iter_values(rows.iter().map(|r| day(r.5))))),
        ];
        let fields: Vec<Field> =
            columns.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), n == &"report_id")).collect();
        let arrays = columns.into_iter().map(|(_, a)| a).collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
            .map_err(|e| ResultsError::Input { what: "test", message: e.to_string() })
    }

    fn in_household(person: &str, report_id: &str, household: &str, date: &str) -> (PersonId, Report) {
        let mut r = report(report_id, date);
        r.household_id = Some(id(household));
        (PersonId::label(person), r)
    }

    /// A bucket's share holds its report indexes only (not the spell-end and measure-end
    /// indexes) and every report that names a household, also where the bucket has no index;
    /// joined in bucket order, the view finds a re-report in another bucket's child's report.
    #[test]
    fn buckets_collect_their_report_indexes_and_every_household_report() -> Result<()> {
        let first = safety(&[
            ("A", 0, "report", "2020-01-01", Some("R1"), "2023-01-01"),
            ("A", 1, "spell_end", "2020-06-01", None, "2023-01-01"),
        ])?;
        let a_reports =
            [in_household("A", "R1", "H", "2020-01-01"), (PersonId::label("A"), report("R0", "2019-01-01"))];
        let a = Inputs::of_bucket(&[first], &a_reports)?;
        assert_eq!(a.indexes.len(), 1);
        let want = ReportIndex {
            person: id("A"),
            index_no: 0,
            report_id: id("R1"),
            index: d("2020-01-01"),
            fu: d("2023-01-01"),
            same_incident: 30,
        };
        assert_eq!(a.indexes[0], want);
        assert_eq!(
            a.reports,
            vec![HouseholdReport { person: id("A"), report_id: id("R1"), household: id("H"), date: d("2020-01-01") }]
        );
        // A sibling in another bucket without any index of their own: their report still counts.
        let b = Inputs::of_bucket(&[], &[in_household("B", "R2", "H", "2020-09-01")])?;
        assert!(b.indexes.is_empty());
        assert_eq!(b.reports.len(), 1);
        let view = Inputs::join([a, b]).view();
        assert_eq!(view.len(), 1);
        assert_eq!((view[0].household, view[0].rereport), (id("H"), Some(d("2020-09-01"))));
        Ok(())
    }
}
