//! Timelines: one bucket of the store read through DuckDB as Arrow batches and assembled
//! into sorted per-person [`PersonTimeline`]s for the outcome kernels.

use std::collections::HashMap;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use duckdb::Connection;
use duckdb::arrow::array::{Array, AsArray};
use duckdb::arrow::datatypes::{Date32Type, Float64Type};
use duckdb::arrow::record_batch::RecordBatch;

use super::{Episode, Measure, Measurement, PersonTimeline, Report};
use crate::db::{DbError, DuckContext};
use crate::sql::timelines as q;

/// Errors reading timelines.
#[derive(Debug, thiserror::Error)]
pub enum TimelineError {
    /// DuckDB failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A store file could not be read.
    #[error("store file {path}: {message}")]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A column has an unexpected type or is missing (the store does not match the schema).
    #[error("store column {table}.{column} is missing or has an unexpected type")]
    Column {
        /// Table.
        table: &'static str,
        /// Column.
        column: &'static str,
    },
}

/// Result alias for this module.
pub type Result<T> = std::result::Result<T, TimelineError>;

/// Typed access to one batch's columns by name.
struct Cols<'b> {
    batch: &'b RecordBatch,
    table: &'static str,
}

impl<'b> Cols<'b> {
    fn idx(&self, column: &'static str) -> Result<usize> {
        self.batch.schema().index_of(column).map_err(|_| TimelineError::Column { table: self.table, column })
    }
    fn strs(&self, column: &'static str) -> Result<&'b duckdb::arrow::array::StringArray> {
        let i = self.idx(column)?;
        self.batch.column(i).as_string_opt::<i32>().ok_or(TimelineError::Column { table: self.table, column })
    }
    fn dates(&self, column: &'static str) -> Result<&'b duckdb::arrow::array::Date32Array> {
        let i = self.idx(column)?;
        self.batch.column(i).as_primitive_opt::<Date32Type>().ok_or(TimelineError::Column { table: self.table, column })
    }
    fn floats(&self, column: &'static str) -> Result<&'b duckdb::arrow::array::Float64Array> {
        let i = self.idx(column)?;
        self.batch
            .column(i)
            .as_primitive_opt::<Float64Type>()
            .ok_or(TimelineError::Column { table: self.table, column })
    }
}

fn opt_str(a: &duckdb::arrow::array::StringArray, i: usize) -> Option<String> {
    (!a.is_null(i)).then(|| a.value(i).to_owned())
}

fn opt_date(a: &duckdb::arrow::array::Date32Array, i: usize) -> Option<NaiveDate> {
    if a.is_null(i) {
        return None;
    }
    NaiveDate::from_ymd_opt(1970, 1, 1).map(|e| e + chrono::Duration::days(i64::from(a.value(i))))
}

/// The files of one table and bucket, relative to the store version (on the connection's
/// file search path). Every bucket folder holds at least an empty file.
fn glob(table: &str, bucket: u16) -> String {
    format!("{table}/b{bucket:02}/*.parquet")
}

/// The persons an incremental run reads, and where.
#[derive(Debug, Clone, Copy)]
pub struct Only<'a> {
    /// The same persons.
    pub ids: &'a std::collections::HashSet<String>,
    /// Their probe keys.
    pub keys: &'a std::sync::Arc<PersonKeys>,
    /// The store version folder.
    pub dir: &'a Path,
}

/// A set of person ids that is quick to probe while scanning millions of rows: 8 bytes of each
/// pseudonym (random hex, after the 8 characters the bucket comes from) as an integer, hashed
/// by a multiply. A hit may be another person with the same 8 bytes; every reader looks the
/// persons up exactly afterwards.
#[derive(Debug, Default)]
pub struct PersonKeys(std::collections::HashSet<u64, std::hash::BuildHasherDefault<KeyHasher>>);

impl PersonKeys {
    /// The keys of `ids`.
    pub fn of<'i>(ids: impl IntoIterator<Item = &'i String>) -> Self {
        PersonKeys(ids.into_iter().map(|id| key(id)).collect())
    }

    fn may_contain(&self, id: &str) -> bool {
        self.0.contains(&key(id))
    }
}

/// The probe key of an id: bytes 8..16 (the whole id, folded, when it is shorter).
fn key(id: &str) -> u64 {
    let b = id.as_bytes();
    match b.get(8..16).and_then(|s| <[u8; 8]>::try_from(s).ok()) {
        Some(k) => u64::from_le_bytes(k),
        None => b.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &c| (h ^ u64::from(c)).wrapping_mul(0x100_0000_01b3)),
    }
}

/// A hasher for keys that are already spread: one multiply.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

fn query(
    conn: &Connection,
    sql: &str,
    table: &'static str,
    columns: &[&str],
    bucket: u16,
    only: Option<Only<'_>>,
) -> Result<Vec<RecordBatch>> {
    if let Some(only) = only {
        return read_only(only, table, columns, bucket);
    }
    let mut stmt = conn.prepare(sql).ctx("reading a bucket")?;
    let batches = stmt.query_arrow([glob(table, bucket)]).ctx(format!("reading {table} of bucket {bucket}"))?.collect();
    Ok(batches)
}

/// The rows of the persons in `only` from one table of a bucket, read from its Parquet files
/// directly: the `person_id` column is decoded first and the other columns only for the rows
/// it selects (a few percent of the bucket, where a scan through DuckDB decodes every row).
fn read_only(only: Only<'_>, table: &'static str, columns: &[&str], bucket: u16) -> Result<Vec<RecordBatch>> {
    use parquet::arrow::ProjectionMask;
    use parquet::arrow::arrow_reader::{ArrowPredicateFn, ParquetRecordBatchReaderBuilder, RowFilter};

    let dir = only.dir.join(table).join(format!("b{bucket:02}"));
    let fail =
        |path: &Path, e: &dyn std::fmt::Display| TimelineError::File { path: path.to_owned(), message: e.to_string() };
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| fail(&dir, &e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let file = std::fs::File::open(&path).map_err(|e| fail(&path, &e))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| fail(&path, &e))?;
        let parquet_schema = builder.parquet_schema();
        let mask = ProjectionMask::columns(parquet_schema, columns.iter().copied());
        let keys = std::sync::Arc::clone(only.keys);
        let keep =
            ArrowPredicateFn::new(ProjectionMask::columns(parquet_schema, ["person_id"]), move |b: RecordBatch| {
                let col = b.column(0).as_string_opt::<i32>().ok_or_else(|| {
                    duckdb::arrow::error::ArrowError::SchemaError("person_id is not a text column".to_owned())
                })?;
                let hits: Vec<bool> =
                    (0..col.len()).map(|i| col.is_valid(i) && keys.may_contain(col.value(i))).collect();
                Ok(duckdb::arrow::array::BooleanArray::from(hits))
            });
        let reader = builder
            .with_projection(mask)
            .with_row_filter(RowFilter::new(vec![Box::new(keep)]))
            .with_batch_size(65_536)
            .build()
            .map_err(|e| fail(&path, &e))?;
        for batch in reader {
            out.push(batch.map_err(|e| fail(&path, &e))?);
        }
    }
    Ok(out)
}

/// Which event tables a run needs (care episodes always).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    /// Episode ids, end reasons and municipalities (else those fields are left empty: spells,
    /// levels and dates need only the care form and the dates).
    pub episode_details: bool,
    /// Measures.
    pub measures: bool,
    /// Safety reports.
    pub reports: bool,
    /// Measurements.
    pub measurements: bool,
    /// Every person of the bucket, events or not (linkage: a child without care is a G2 child
    /// too).
    pub all_persons: bool,
}

impl Needs {
    /// Every table.
    pub const ALL: Needs =
        Needs { episode_details: true, measures: true, reports: true, measurements: true, all_persons: false };
}

/// Read every person of `bucket` who has an event the run needs, with those events, sorted by
/// person id.
pub fn read_bucket(conn: &Connection, bucket: u16, needs: Needs) -> Result<Vec<PersonTimeline>> {
    read_bucket_only(conn, bucket, needs, None)
}

/// [`read_bucket`], restricted to the persons listed in the table named `only` (a column
/// `person_id`) when given.
pub fn read_bucket_only(
    conn: &Connection,
    bucket: u16,
    needs: Needs,
    only: Option<Only<'_>>,
) -> Result<Vec<PersonTimeline>> {
    let mut people = read_persons(conn, bucket, needs, only)?;
    people.sort_by(|a, b| a.person_id.cmp(&b.person_id));
    let index: HashMap<String, usize> = people.iter().enumerate().map(|(i, p)| (p.person_id.clone(), i)).collect();
    // Read from the files directly, the persons are every listed one: those without an event
    // the run needs are dropped at the end, as the persons query's semi-join does.
    let mut with_events = vec![only.is_none() || needs.all_persons; people.len()];
    let at = |id: &str| index.get(id).copied();
    let (episodes_sql, episode_columns): (&str, &[&str]) = if needs.episode_details {
        (
            q::CARE_EPISODES,
            &["person_id", "episode_id", "care_form", "start_date", "end_date", "end_reason", "municipality"],
        )
    } else {
        (q::CARE_EPISODE_DATES, &["person_id", "care_form", "start_date", "end_date"])
    };
    for b in query(conn, episodes_sql, "care_episodes", episode_columns, bucket, only)? {
        let c = Cols { batch: &b, table: "care_episodes" };
        let (pid, form, start, end) =
            (c.strs("person_id")?, c.strs("care_form")?, c.dates("start_date")?, c.dates("end_date")?);
        let details = if needs.episode_details {
            Some((c.strs("episode_id")?, c.strs("end_reason")?, c.strs("municipality")?))
        } else {
            None
        };
        let mut last: Option<(&str, usize)> = None;
        for i in 0..b.num_rows() {
            let id = pid.value(i);
            // A bucket's rows come sorted by person: look the person up only when it changes.
            let p = match last {
                Some((prev, p)) if prev == id => p,
                _ => {
                    let Some(p) = at(id) else { continue };
                    last = Some((id, p));
                    with_events[p] = true;
                    p
                }
            };
            let Some(start) = opt_date(start, i) else { continue };
            let (episode_id, end_reason, municipality) = match details {
                Some((ids, reasons, munis)) => (ids.value(i).to_owned(), opt_str(reasons, i), opt_str(munis, i)),
                None => (String::new(), None, None),
            };
            people[p].episodes.push(Episode {
                episode_id,
                care_form: form.value(i).to_owned(),
                start,
                end: opt_date(end, i),
                end_reason,
                municipality,
            });
        }
    }
    let maybe = |need: bool, sql: &str, table: &'static str, columns: &[&str]| {
        if need { query(conn, sql, table, columns, bucket, only) } else { Ok(Vec::new()) }
    };
    let measure_columns = ["person_id", "measure_id", "kind", "start_date", "end_date", "end_reason"];
    for b in maybe(needs.measures, q::MEASURES, "measures", &measure_columns)? {
        let c = Cols { batch: &b, table: "measures" };
        let (pid, id, kind) = (c.strs("person_id")?, c.strs("measure_id")?, c.strs("kind")?);
        let (start, end, reason) = (c.dates("start_date")?, c.dates("end_date")?, c.strs("end_reason")?);
        for i in 0..b.num_rows() {
            if let Some(p) = at(pid.value(i)) {
                with_events[p] = true;
            }
            let (Some(p), Some(start)) = (at(pid.value(i)), opt_date(start, i)) else { continue };
            people[p].measures.push(Measure {
                measure_id: id.value(i).to_owned(),
                kind: kind.value(i).to_owned(),
                start,
                end: opt_date(end, i),
                end_reason: opt_str(reason, i),
            });
        }
    }
    let report_columns = ["person_id", "report_id", "household_id", "report_date", "kind"];
    for b in maybe(needs.reports, q::SAFETY_REPORTS, "safety_reports", &report_columns)? {
        let c = Cols { batch: &b, table: "safety_reports" };
        let (pid, id, hh, date, kind) = (
            c.strs("person_id")?,
            c.strs("report_id")?,
            c.strs("household_id")?,
            c.dates("report_date")?,
            c.strs("kind")?,
        );
        for i in 0..b.num_rows() {
            if let Some(p) = at(pid.value(i)) {
                with_events[p] = true;
            }
            let (Some(p), Some(date)) = (at(pid.value(i)), opt_date(date, i)) else { continue };
            people[p].reports.push(Report {
                report_id: id.value(i).to_owned(),
                household_id: opt_str(hh, i),
                date,
                kind: kind.value(i).to_owned(),
            });
        }
    }
    let measurement_columns = ["person_id", "measurement_id", "episode_id", "instrument", "moment", "date", "value"];
    for b in maybe(needs.measurements, q::MEASUREMENTS, "measurements", &measurement_columns)? {
        let c = Cols { batch: &b, table: "measurements" };
        let (pid, id, ep, instr) =
            (c.strs("person_id")?, c.strs("measurement_id")?, c.strs("episode_id")?, c.strs("instrument")?);
        let (moment, date, value) = (c.strs("moment")?, c.dates("date")?, c.floats("value")?);
        for i in 0..b.num_rows() {
            let (Some(p), Some(date)) = (at(pid.value(i)), opt_date(date, i)) else { continue };
            people[p].measurements.push(Measurement {
                measurement_id: id.value(i).to_owned(),
                episode_id: opt_str(ep, i),
                instrument: instr.value(i).to_owned(),
                moment: moment.value(i).to_owned(),
                date,
                value: value.value(i),
            });
        }
    }
    if with_events.iter().any(|w| !w) {
        let mut keep = with_events.into_iter();
        people.retain(|_| keep.next().unwrap_or(true));
    }
    for p in &mut people {
        p.episodes.sort_by(|a, b| (a.start, &a.episode_id).cmp(&(b.start, &b.episode_id)));
        p.measures.sort_by(|a, b| (a.start, &a.measure_id).cmp(&(b.start, &b.measure_id)));
        p.reports.sort_by(|a, b| (a.date, &a.report_id).cmp(&(b.date, &b.report_id)));
        p.measurements.sort_by(|a, b| (a.date, &a.measurement_id).cmp(&(b.date, &b.measurement_id)));
    }
    Ok(people)
}

/// The listed persons' rows of a bucket's `persons` files, one per person by the cross-source
/// rule of `sql/views.sql` (a day-precise birth date first, then the latest `extracted_on`,
/// then the source name that sorts first; NULLs last, as DuckDB sorts them), with a birth date
/// and a data end.
fn read_persons_only(only: Only<'_>, bucket: u16) -> Result<Vec<PersonTimeline>> {
    let columns = [
        "person_id",
        "birth_date",
        "birth_date_precision",
        "sex",
        "death_date",
        "emigration_date",
        "extracted_on",
        "source",
    ];
    let mut rows = Vec::new();
    for b in read_only(only, "persons", &columns, bucket)? {
        let c = Cols { batch: &b, table: "persons" };
        let (pid, birth, precision, sex) =
            (c.strs("person_id")?, c.dates("birth_date")?, c.strs("birth_date_precision")?, c.strs("sex")?);
        let (death, emig, end, source) =
            (c.dates("death_date")?, c.dates("emigration_date")?, c.dates("extracted_on")?, c.strs("source")?);
        for i in 0..b.num_rows() {
            if !only.ids.contains(pid.value(i)) {
                continue;
            }
            let day_rank = match opt_str(precision, i).as_deref() {
                Some("day") => 0,
                Some(_) => 1,
                None => 2,
            };
            // extracted_on descending with NULLs last.
            let end_rank = opt_date(end, i).map_or((1, 0), |d| (0, -d.num_days_from_ce()));
            let key = (pid.value(i).to_owned(), day_rank, end_rank, opt_str(source, i));
            let person = (opt_date(birth, i), opt_date(end, i), opt_str(sex, i), opt_date(death, i), opt_date(emig, i));
            rows.push((key, person));
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut people: Vec<PersonTimeline> = Vec::new();
    let mut last: Option<String> = None;
    for ((id, ..), (birth, end, sex, death, emig)) in rows {
        if last.as_deref() == Some(id.as_str()) {
            continue;
        }
        last = Some(id.clone());
        let (Some(birth_date), Some(data_end)) = (birth, end) else { continue };
        people.push(person(id, birth_date, sex.unwrap_or_default(), death, emig, data_end));
    }
    Ok(people)
}

/// A person's timeline without events yet.
fn person(
    person_id: String,
    birth_date: NaiveDate,
    sex: String,
    death_date: Option<NaiveDate>,
    emigration_date: Option<NaiveDate>,
    data_end: NaiveDate,
) -> PersonTimeline {
    PersonTimeline {
        person_id,
        birth_date,
        sex,
        death_date,
        emigration_date,
        data_end,
        episodes: Vec::new(),
        measures: Vec::new(),
        reports: Vec::new(),
        measurements: Vec::new(),
    }
}

fn read_persons(conn: &Connection, bucket: u16, needs: Needs, only: Option<Only<'_>>) -> Result<Vec<PersonTimeline>> {
    if let Some(only) = only {
        return read_persons_only(only, bucket);
    }
    let mut people = Vec::new();
    let sources: i64 = conn
        .query_row(q::BUCKET_FILES, [glob("persons", bucket)], |r| r.get(0))
        .ctx(format!("listing the persons files of bucket {bucket}"))?;
    let batches: Vec<RecordBatch> = if needs.all_persons {
        let sql = if sources == 1 { q::PERSONS_ALL_ONE_SOURCE } else { q::PERSONS_ALL };
        let mut stmt = conn.prepare(sql).ctx("reading a bucket")?;
        stmt.query_arrow([glob("persons", bucket)]).ctx("reading persons of a bucket")?.collect()
    } else {
        let sql = if sources == 1 { q::PERSONS_ONE_SOURCE } else { q::PERSONS };
        let mut stmt = conn.prepare(sql).ctx("reading a bucket")?;
        let params = duckdb::params![
            glob("persons", bucket),
            glob("care_episodes", bucket),
            needs.measures,
            glob("measures", bucket),
            needs.reports,
            glob("safety_reports", bucket)
        ];
        stmt.query_arrow(params).ctx("reading persons of a bucket")?.collect()
    };
    for b in batches {
        let c = Cols { batch: &b, table: "persons" };
        let (pid, birth, sex) = (c.strs("person_id")?, c.dates("birth_date")?, c.strs("sex")?);
        let (death, emig, end) = (c.dates("death_date")?, c.dates("emigration_date")?, c.dates("extracted_on")?);
        for i in 0..b.num_rows() {
            let (Some(birth_date), Some(data_end)) = (opt_date(birth, i), opt_date(end, i)) else { continue };
            let (id, sex) = (pid.value(i).to_owned(), sex.value(i).to_owned());
            people.push(person(id, birth_date, sex, opt_date(death, i), opt_date(emig, i), data_end));
        }
    }
    Ok(people)
}
