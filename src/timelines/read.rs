//! Timelines: one bucket of the store read straight from its Parquet files (arrow-rs: only
//! the columns a run needs, and only the rows of the persons it needs) and assembled into
//! sorted per-person [`PersonTimeline`]s.
//!
//! Each table of a bucket holds one file per source, sorted by person, then date, then id
//! (measurements by instrument first: an outcome read skips the other instruments' row
//! groups, and each person's rows are brought together after the read), so
//! a read is one sequential pass per file: the persons of a run are found by merging sorted
//! person ids (never a hash join), ids are parsed from their hex text once per person, and
//! code columns come as Parquet dictionaries whose few values are parsed once per batch.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use duckdb::arrow::array::{Array, AsArray, Date32Array, FixedSizeBinaryArray, Float64Array, StringArray};
use duckdb::arrow::datatypes::{Date32Type, Float64Type, Int32Type};
use duckdb::arrow::record_batch::RecordBatch;

use self::file::{PersonSet, Scan, read_file};
use super::error::{Result, TimelineError};
use super::person::Instrument;
use super::{Episode, Measure, Measurement, Offence, PersonId, PersonTimeline, Pseudonym, Report};
use crate::db::DuckContext;
use crate::schema::{
    CareEndReason, CareForm, MeasureEndReason, MeasureKind, Moment, OffenceSettlement, OffenceSeverity, ReportKind, Sex,
};

/// Which measurements a run reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measurements {
    /// None.
    None,
    /// Goal attainment and satisfaction only (the field indicators without reliable change).
    Outcome,
    /// Every instrument.
    All,
}

/// What a run reads: whose timelines, and which of their events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    /// Persons with a care episode are in the run (else the run's persons come from the other
    /// event tables, and only their episodes are read).
    pub care_persons: bool,
    /// Care episodes at all (else none is read, and `care_persons` is false: a run of
    /// re-reports alone).
    pub episodes: bool,
    /// Episode ids and end reasons (else those fields are left empty: spells, levels and dates
    /// need only the care form and the dates).
    pub episode_details: bool,
    /// Measures (their persons are in the run).
    pub measures: bool,
    /// Safety reports (their persons are in the run).
    pub reports: bool,
    /// Measurements (of the run's persons).
    pub measurements: Measurements,
    /// Every person of the bucket, events or not (linkage: a child without care is a G2 child
    /// too).
    pub all_persons: bool,
    /// Offences (their persons are in the run).
    pub offences: bool,
    /// The persons' own rows (birth, sex, death, emigration, data end); else each timeline
    /// holds its id and events only, its person fields placeholders
    /// ([`PersonTimeline::without_row`]): for counts whose rules read none of them (a summary
    /// of measures and field indicators alone, `crate::outcomes::tally::needs_person_rows`).
    /// Every person with events has a row (ingest quarantines a dangling reference).
    pub person_rows: bool,
}

impl Needs {
    /// Every table.
    pub const ALL: Needs = Needs {
        care_persons: true,
        episodes: true,
        episode_details: true,
        measures: true,
        reports: true,
        measurements: Measurements::All,
        all_persons: false,
        offences: true,
        person_rows: true,
    };
}

/// Read every person of `bucket` who has an event the run needs, with those events, sorted by
/// person id. `conn` is a connection to the store views (`crate::query::open_store`): its first
/// file search folder is the store version.
pub fn read_bucket(conn: &duckdb::Connection, bucket: u16, needs: Needs) -> Result<Vec<PersonTimeline>> {
    let search: String = conn
        .query_row(crate::sql::timelines::SEARCH_PATH, [], |r| r.get(0))
        .ctx("finding the store version of a connection")?;
    let dir = search.split(',').next().unwrap_or_default();
    read_bucket_at(Path::new(dir), bucket, needs, None)
}

/// [`read_bucket`] from the store version folder `dir`; with `only` (sorted), just those
/// persons.
pub fn read_bucket_at(dir: &Path, bucket: u16, needs: Needs, only: Option<&[PersonId]>) -> Result<Vec<PersonTimeline>> {
    Ok(read(dir, bucket, needs, only, |_| false)?.0)
}

/// Report rows with their persons.
pub type Reports = Vec<(PersonId, Report)>;

/// [`read_bucket_at`] of every person, and the bucket's safety report rows that `keep` keeps
/// (of the rows of the `safety_reports` view in this bucket, in file order; with
/// `needs.reports`), whether or not their person is in the run: the household view of a run
/// that computes every bucket reads them (src/results/household.rs).
pub fn read_bucket_keeping_reports(
    dir: &Path,
    bucket: u16,
    needs: Needs,
    keep: impl Fn(&Report) -> bool,
) -> Result<(Vec<PersonTimeline>, Reports)> {
    read(dir, bucket, needs, None, keep)
}

fn read(
    dir: &Path,
    bucket: u16,
    needs: Needs,
    only: Option<&[PersonId]>,
    keep: impl Fn(&Report) -> bool,
) -> Result<(Vec<PersonTimeline>, Reports)> {
    let b = Bucket { dir, bucket };
    let only = only.map(PersonSet::new);
    let filter = only.as_ref();
    let mut episodes = if needs.care_persons { b.episodes(needs, filter)? } else { Vec::new() };
    let measures = if needs.measures { b.measures(filter)? } else { Vec::new() };
    let reports = if needs.reports { b.reports(filter)? } else { Vec::new() };
    let offences = if needs.offences { b.offences(filter)? } else { Vec::new() };
    // The run's persons: those with an event that brings them in (or every listed one).
    let listed;
    let mut ids: Vec<PersonId> = Vec::new();
    let run = if needs.all_persons {
        only.as_ref()
    } else {
        ids = episodes
            .iter()
            .map(|e| e.0)
            .chain(measures.iter().map(|m| m.0))
            .chain(reports.iter().map(|r| r.0))
            .chain(offences.iter().map(|o| o.0))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        listed = PersonSet::from_sorted(&ids);
        Some(&listed)
    };
    if !needs.care_persons && needs.episodes {
        episodes = b.episodes(needs, run)?;
    }
    let measurements = match needs.measurements {
        Measurements::None => Vec::new(),
        which => b.measurements(which, run)?,
    };
    let mut people = if needs.person_rows || needs.all_persons {
        b.persons(run)?
    } else {
        ids.into_iter().map(PersonTimeline::without_row).collect()
    };
    let kept = reports.iter().filter(|r| keep(&r.1)).copied().collect();
    distribute(&mut people, episodes, |p| &mut p.episodes);
    distribute(&mut people, measures, |p| &mut p.measures);
    distribute(&mut people, reports, |p| &mut p.reports);
    distribute(&mut people, measurements, |p| &mut p.measurements);
    distribute(&mut people, offences, |p| &mut p.offences);
    for p in &mut people {
        sort_events(p);
    }
    Ok((people, kept))
}

/// Hand each event to its person (`people` sorted by person; events of persons not in `people`
/// are dropped), each person's events in row order. Rows in several sorted runs (one per file,
/// or per instrument of a measurements file) are sorted first, a stable sort that merges the
/// runs (handing each run out in a walk of its own was slower: 1.02x the CPU of an indicators
/// run, each person's memory touched once per run).
fn distribute<T>(
    people: &mut [PersonTimeline],
    mut rows: Vec<(PersonId, T)>,
    to: impl Fn(&mut PersonTimeline) -> &mut Vec<T>,
) {
    if !rows.is_sorted_by_key(|r| r.0) {
        rows.sort_by_key(|r| r.0);
    }
    let mut at = 0;
    for (id, row) in rows {
        while at < people.len() && people[at].person_id < id {
            at += 1;
        }
        match people.get_mut(at) {
            Some(p) if p.person_id == id => to(p).push(row),
            Some(_) => {}
            None => break,
        }
    }
}

/// Each person's events by date, then id (the files' order already, for one source).
fn sort_events(p: &mut PersonTimeline) {
    if !p.episodes.is_sorted_by_key(|e| (e.start, e.episode_id)) {
        p.episodes.sort_by_key(|e| (e.start, e.episode_id));
    }
    if !p.measures.is_sorted_by_key(|m| (m.start, m.measure_id)) {
        p.measures.sort_by_key(|m| (m.start, m.measure_id));
    }
    if !p.reports.is_sorted_by_key(|r| (r.date, r.report_id)) {
        p.reports.sort_by_key(|r| (r.date, r.report_id));
    }
    if !p.measurements.is_sorted_by_key(|m| (m.date, m.measurement_id)) {
        p.measurements.sort_by_key(|m| (m.date, m.measurement_id));
    }
    if !p.offences.is_sorted_by_key(|o| (o.offence_date, o.offence_id)) {
        p.offences.sort_by_key(|o| (o.offence_date, o.offence_id));
    }
}

/// Days from 0001-01-01 (day 1) to 1970-01-01, the Date32 epoch.
const UNIX_EPOCH_FROM_CE: i32 = 719_163;

/// A date column's value (`None` when empty).
fn opt_date(a: &Date32Array, i: usize) -> Option<NaiveDate> {
    if a.is_null(i) { None } else { date_of(a.value(i)) }
}

/// A Date32 day as a date: looked up for the days from 1900 to 2099 (a table made once; chrono's
/// conversion divides for every date), converted for any other.
fn date_of(days: i32) -> Option<NaiveDate> {
    static DATES: std::sync::OnceLock<(i32, Vec<NaiveDate>)> = std::sync::OnceLock::new();
    let convert = |days: i32| NaiveDate::from_num_days_from_ce_opt(days.checked_add(UNIX_EPOCH_FROM_CE)?);
    let (first, dates) = DATES.get_or_init(|| {
        let Some(start) = NaiveDate::from_ymd_opt(1900, 1, 1) else { return (0, Vec::new()) };
        let dates: Vec<NaiveDate> = start.iter_days().take_while(|d| d.year() < 2100).collect();
        (start.num_days_from_ce() - UNIX_EPOCH_FROM_CE, dates)
    });
    match days.checked_sub(*first).and_then(|i| usize::try_from(i).ok()).and_then(|i| dates.get(i)) {
        Some(d) => Some(*d),
        None => convert(days),
    }
}

/// One bucket of a store version.
struct Bucket<'a> {
    dir: &'a Path,
    bucket: u16,
}

/// A table's files in a bucket (one per source), in name order.
fn files(dir: &Path, table: &str, bucket: u16) -> Result<Vec<PathBuf>> {
    let folder = dir.join(table).join(format!("b{bucket:02}"));
    let entries = match std::fs::read_dir(&folder) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(TimelineError::File { path: folder, message: e.to_string() }),
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .collect();
    out.sort();
    Ok(out)
}

/// Typed access to one batch's columns by name.
struct Cols<'b> {
    batch: &'b RecordBatch,
    path: &'b Path,
}

/// A code column: per row a key into values parsed once.
struct Codes<'b, T> {
    keys: Option<&'b duckdb::arrow::array::Int32Array>,
    strs: Option<&'b StringArray>,
    values: Vec<Option<T>>,
    parse: fn(&str) -> Option<T>,
    path: &'b Path,
    column: &'static str,
}

impl<T: Copy> Codes<'_, T> {
    /// The code of row `i` (`None` when empty); a value not in the list is an error.
    fn get(&self, i: usize) -> Result<Option<T>> {
        let bad = || TimelineError::Value { path: self.path.to_owned(), column: self.column };
        if let Some(keys) = self.keys {
            if keys.is_null(i) {
                return Ok(None);
            }
            let k = usize::try_from(keys.value(i)).map_err(|_| bad())?;
            return self.values.get(k).copied().flatten().map(Some).ok_or_else(bad);
        }
        match self.strs {
            Some(s) if s.is_valid(i) => (self.parse)(s.value(i)).map(Some).ok_or_else(bad),
            _ => Ok(None),
        }
    }

    /// The code of a required column's row `i`.
    fn required(&self, i: usize) -> Result<T> {
        self.get(i)?.ok_or_else(|| TimelineError::Value { path: self.path.to_owned(), column: self.column })
    }
}

impl<'b> Cols<'b> {
    fn column(&self, column: &'static str) -> Result<&'b Arc<dyn Array>> {
        self.batch.column_by_name(column).ok_or_else(|| TimelineError::Column { path: self.path.to_owned(), column })
    }

    fn dates(&self, column: &'static str) -> Result<&'b Date32Array> {
        let path = self.path;
        self.column(column)?
            .as_primitive_opt::<Date32Type>()
            .ok_or_else(|| TimelineError::Column { path: path.to_owned(), column })
    }

    fn floats(&self, column: &'static str) -> Result<&'b Float64Array> {
        let path = self.path;
        self.column(column)?
            .as_primitive_opt::<Float64Type>()
            .ok_or_else(|| TimelineError::Column { path: path.to_owned(), column })
    }

    fn codes<T>(&self, column: &'static str, parse: fn(&str) -> Option<T>) -> Result<Codes<'b, T>> {
        let col = self.column(column)?;
        let mut codes = Codes { keys: None, strs: None, values: Vec::new(), parse, path: self.path, column };
        if let Some(dict) = col.as_dictionary_opt::<Int32Type>() {
            let values = dict
                .values()
                .as_string_opt::<i32>()
                .ok_or_else(|| TimelineError::Column { path: self.path.to_owned(), column })?;
            codes.values = values.iter().map(|v| v.and_then(parse)).collect();
            codes.keys = Some(dict.keys());
        } else {
            codes.strs = Some(
                col.as_string_opt::<i32>()
                    .ok_or_else(|| TimelineError::Column { path: self.path.to_owned(), column })?,
            );
        }
        Ok(codes)
    }

    /// A required date.
    fn date(&self, a: &Date32Array, i: usize, column: &'static str) -> Result<NaiveDate> {
        opt_date(a, i).ok_or_else(|| TimelineError::Value { path: self.path.to_owned(), column })
    }

    /// A pseudonym column: its hex text, or its 16 bytes when the reader parsed it in place.
    fn ids(&self, column: &'static str) -> Result<Ids<'b>> {
        let a = self.column(column)?;
        if let Some(parsed) = a.as_fixed_size_binary_opt() {
            return Ok(Ids::Parsed(parsed));
        }
        a.as_string_opt::<i32>()
            .map(Ids::Text)
            .ok_or_else(|| TimelineError::Column { path: self.path.to_owned(), column })
    }

    /// A pseudonym column's value (`None` when empty).
    fn pseudonym(&self, a: &Ids<'_>, i: usize, column: &'static str) -> Result<Option<Pseudonym>> {
        a.get(i, || TimelineError::Value { path: self.path.to_owned(), column })
    }

    fn required_pseudonym(&self, a: &Ids<'_>, i: usize, column: &'static str) -> Result<Pseudonym> {
        self.pseudonym(a, i, column)?.ok_or_else(|| TimelineError::Value { path: self.path.to_owned(), column })
    }
}

/// A pseudonym column of a batch: the stored hex text, or the 16 bytes of each pseudonym (its
/// number, big-endian) as the file reader parsed them where they lay.
enum Ids<'b> {
    Text(&'b StringArray),
    Parsed(&'b FixedSizeBinaryArray),
}

impl Ids<'_> {
    /// Row `i`'s pseudonym (`None` when empty); `bad()` when the text is no pseudonym.
    fn get(&self, i: usize, bad: impl Fn() -> TimelineError) -> Result<Option<Pseudonym>> {
        let p = match self {
            Ids::Text(a) if a.is_valid(i) => Pseudonym::from_hex(a.value(i).as_bytes()),
            Ids::Parsed(a) if a.is_valid(i) => a.value(i).try_into().ok().map(Pseudonym::from_digest),
            _ => return Ok(None),
        };
        p.map(Some).ok_or_else(bad)
    }
}

/// Person ids of consecutive rows, parsed once per person.
struct Persons<'b> {
    ids: Ids<'b>,
    path: &'b Path,
    last: Option<(&'b [u8], PersonId)>,
}

impl<'b> Persons<'b> {
    fn new(cols: &Cols<'b>) -> Result<Self> {
        Ok(Self { ids: cols.ids("person_id")?, path: cols.path, last: None })
    }

    fn at(&mut self, i: usize) -> Result<PersonId> {
        let bad = || TimelineError::Value { path: self.path.to_owned(), column: "person_id" };
        let text = match self.ids {
            Ids::Parsed(_) => return self.ids.get(i, bad)?.map(PersonId::from).ok_or_else(bad),
            Ids::Text(a) if a.is_valid(i) => a.value(i).as_bytes(),
            Ids::Text(_) => return Err(bad()),
        };
        if let Some((t, id)) = self.last
            && t == text
        {
            return Ok(id);
        }
        let id = PersonId::from_hex(text).ok_or_else(bad)?;
        self.last = Some((text, id));
        Ok(id)
    }
}

impl Bucket<'_> {
    /// Every batch of one table of the bucket, file by file.
    fn scan(&self, table: &str, scan: &Scan<'_>) -> Result<Vec<(PathBuf, Vec<RecordBatch>)>> {
        files(self.dir, table, self.bucket)?.into_iter().map(|p| Ok((p.clone(), read_file(&p, scan)?))).collect()
    }

    fn episodes(&self, needs: Needs, persons: Option<&PersonSet>) -> Result<Vec<(PersonId, Episode)>> {
        let columns: &[&str] = if needs.episode_details {
            &["person_id", "episode_id", "care_form", "start_date", "end_date", "end_reason"]
        } else {
            &["person_id", "care_form", "start_date", "end_date"]
        };
        let scan = Scan::new(columns, &["care_form", "end_reason"], &["episode_id"], persons);
        let mut out = Vec::new();
        for (path, batches) in self.scan("care_episodes", &scan)? {
            for b in &batches {
                let c = Cols { batch: b, path: &path };
                let mut pid = Persons::new(&c)?;
                let form = c.codes("care_form", CareForm::parse)?;
                let (start, end) = (c.dates("start_date")?, c.dates("end_date")?);
                let details = if needs.episode_details {
                    Some((c.ids("episode_id")?, c.codes("end_reason", CareEndReason::parse)?))
                } else {
                    None
                };
                out.reserve(b.num_rows());
                for i in 0..b.num_rows() {
                    let (episode_id, end_reason) = match &details {
                        Some((ids, reasons)) => (c.required_pseudonym(ids, i, "episode_id")?, reasons.get(i)?),
                        None => (Pseudonym::default(), None),
                    };
                    out.push((
                        pid.at(i)?,
                        Episode {
                            episode_id,
                            care_form: form.required(i)?,
                            start: c.date(start, i, "start_date")?,
                            end: opt_date(end, i),
                            end_reason,
                        },
                    ));
                }
            }
        }
        Ok(out)
    }

    fn measures(&self, persons: Option<&PersonSet>) -> Result<Vec<(PersonId, Measure)>> {
        let columns = ["person_id", "measure_id", "kind", "start_date", "end_date", "end_reason"];
        let scan = Scan::new(&columns, &["kind", "end_reason"], &["measure_id"], persons);
        let mut out = Vec::new();
        for (path, batches) in self.scan("measures", &scan)? {
            for b in &batches {
                let c = Cols { batch: b, path: &path };
                let mut pid = Persons::new(&c)?;
                let (ids, kind) = (c.ids("measure_id")?, c.codes("kind", MeasureKind::parse)?);
                let (start, end) = (c.dates("start_date")?, c.dates("end_date")?);
                let reason = c.codes("end_reason", MeasureEndReason::parse)?;
                for i in 0..b.num_rows() {
                    out.push((
                        pid.at(i)?,
                        Measure {
                            measure_id: c.required_pseudonym(&ids, i, "measure_id")?,
                            kind: kind.required(i)?,
                            start: c.date(start, i, "start_date")?,
                            end: opt_date(end, i),
                            end_reason: reason.get(i)?,
                        },
                    ));
                }
            }
        }
        Ok(out)
    }

    fn reports(&self, persons: Option<&PersonSet>) -> Result<Vec<(PersonId, Report)>> {
        let columns = ["person_id", "report_id", "household_id", "report_date", "kind"];
        let scan = Scan::new(&columns, &["kind"], &["report_id", "household_id"], persons);
        let mut out = Vec::new();
        for (path, batches) in self.scan("safety_reports", &scan)? {
            for b in &batches {
                let c = Cols { batch: b, path: &path };
                let mut pid = Persons::new(&c)?;
                let (ids, households) = (c.ids("report_id")?, c.ids("household_id")?);
                let (date, kind) = (c.dates("report_date")?, c.codes("kind", ReportKind::parse)?);
                for i in 0..b.num_rows() {
                    out.push((
                        pid.at(i)?,
                        Report {
                            report_id: c.required_pseudonym(&ids, i, "report_id")?,
                            household_id: c.pseudonym(&households, i, "household_id")?,
                            date: c.date(date, i, "report_date")?,
                            kind: kind.required(i)?,
                        },
                    ));
                }
            }
        }
        Ok(out)
    }

    fn offences(&self, persons: Option<&PersonSet>) -> Result<Vec<(PersonId, Offence)>> {
        let columns = ["person_id", "offence_id", "offence_date", "registration_date", "severity", "settlement"];
        let scan = Scan::new(&columns, &["severity", "settlement"], &["offence_id"], persons);
        let mut out = Vec::new();
        for (path, batches) in self.scan("offences", &scan)? {
            for b in &batches {
                let c = Cols { batch: b, path: &path };
                let mut pid = Persons::new(&c)?;
                let (ids, offence_date) = (c.ids("offence_id")?, c.dates("offence_date")?);
                let registration = c.dates("registration_date")?;
                let severity = c.codes("severity", OffenceSeverity::parse)?;
                let settlement = c.codes("settlement", OffenceSettlement::parse)?;
                for i in 0..b.num_rows() {
                    out.push((
                        pid.at(i)?,
                        Offence {
                            offence_id: c.required_pseudonym(&ids, i, "offence_id")?,
                            offence_date: c.date(offence_date, i, "offence_date")?,
                            registration_date: c.date(registration, i, "registration_date")?,
                            severity: severity.required(i)?,
                            settlement: settlement.get(i)?,
                        },
                    ));
                }
            }
        }
        Ok(out)
    }

    fn measurements(&self, which: Measurements, persons: Option<&PersonSet>) -> Result<Vec<(PersonId, Measurement)>> {
        let columns = ["person_id", "measurement_id", "episode_id", "instrument", "moment", "date", "value"];
        let outcome_instruments = which == Measurements::Outcome;
        let scan = Scan {
            outcome_instruments,
            ..Scan::new(&columns, &["instrument", "moment"], &["measurement_id", "episode_id"], persons)
        };
        let mut out = Vec::new();
        for (path, batches) in self.scan("measurements", &scan)? {
            for b in &batches {
                let c = Cols { batch: b, path: &path };
                let mut pid = Persons::new(&c)?;
                let (ids, episodes) = (c.ids("measurement_id")?, c.ids("episode_id")?);
                let instrument = c.codes("instrument", |s| Some(Instrument::from_name(s)))?;
                let moment = c.codes("moment", Moment::parse)?;
                let (date, value) = (c.dates("date")?, c.floats("value")?);
                for i in 0..b.num_rows() {
                    out.push((
                        pid.at(i)?,
                        Measurement {
                            measurement_id: c.required_pseudonym(&ids, i, "measurement_id")?,
                            episode_id: c.pseudonym(&episodes, i, "episode_id")?,
                            instrument: instrument_at(&instrument, i)?,
                            moment: moment.required(i)?,
                            date: c.date(date, i, "date")?,
                            value: value.value(i),
                        },
                    ));
                }
            }
        }
        Ok(out)
    }

    /// The persons rows of the run's persons (every one without `persons`), one per person by
    /// the cross-source rule of the `persons` view (sql/views.sql: a day-precise birth date
    /// first, then the latest `extracted_on`, then the source name that sorts first; empty
    /// values last), with a birth date and a data end.
    fn persons(&self, persons: Option<&PersonSet>) -> Result<Vec<PersonTimeline>> {
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
        let scan = Scan::new(&columns, &["birth_date_precision", "sex", "source"], &[], persons);
        let files = self.scan("persons", &scan)?;
        let several = files.len() > 1;
        let mut rows: Vec<(Pick, Option<PersonTimeline>)> = Vec::new();
        for (path, batches) in &files {
            for b in batches {
                let c = Cols { batch: b, path };
                let mut pid = Persons::new(&c)?;
                let (birth, sex) = (c.dates("birth_date")?, c.codes("sex", Sex::parse)?);
                let (death, emigration, end) =
                    (c.dates("death_date")?, c.dates("emigration_date")?, c.dates("extracted_on")?);
                let precision = c.codes("birth_date_precision", |s| Some(s == "day"))?;
                let source = c.codes("source", |s| Some(Arc::<str>::from(s)))?;
                rows.reserve(b.num_rows());
                for i in 0..b.num_rows() {
                    let id = pid.at(i)?;
                    let data_end = opt_date(end, i);
                    let pick = if several {
                        Pick::new(id, precision.get(i)?, data_end, text_at(&source, i))
                    } else {
                        Pick::new(id, None, None, None)
                    };
                    let person = match (opt_date(birth, i), data_end) {
                        (Some(birth_date), Some(data_end)) => {
                            let mut p = PersonTimeline::new(id, birth_date, sex.required(i)?, data_end);
                            p.death_date = opt_date(death, i);
                            p.emigration_date = opt_date(emigration, i);
                            Some(p)
                        }
                        _ => None,
                    };
                    rows.push((pick, person));
                }
            }
        }
        if several {
            rows.sort_by(|a, b| a.0.cmp(&b.0));
            rows.dedup_by(|later, first| later.0.id == first.0.id);
        }
        Ok(rows.into_iter().filter_map(|(_, p)| p).collect())
    }
}

/// The order in which a person's rows from several sources are picked (first wins).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Pick {
    id: PersonId,
    /// 0 for a day-precise birth date, 1 for another precision, 2 for none.
    day: u8,
    /// `extracted_on`: latest first, none last.
    end: (bool, std::cmp::Reverse<NaiveDate>),
    /// Source name: in text order, none last.
    source: (bool, Option<Arc<str>>),
}

impl Pick {
    fn new(id: PersonId, day_precise: Option<bool>, end: Option<NaiveDate>, source: Option<Arc<str>>) -> Self {
        let day = match day_precise {
            Some(true) => 0,
            Some(false) => 1,
            None => 2,
        };
        let end = (end.is_none(), std::cmp::Reverse(end.unwrap_or(NaiveDate::MIN)));
        Self { id, day, end, source: (source.is_none(), source) }
    }
}

/// A free-text column's value read through [`Codes`] (any value is valid).
fn text_at(codes: &Codes<'_, Arc<str>>, i: usize) -> Option<Arc<str>> {
    match (codes.keys, codes.strs) {
        (Some(keys), _) if keys.is_valid(i) => {
            usize::try_from(keys.value(i)).ok().and_then(|k| codes.values.get(k).cloned().flatten())
        }
        (None, Some(s)) if s.is_valid(i) => Some(Arc::from(s.value(i))),
        _ => None,
    }
}

fn instrument_at(codes: &Codes<'_, Instrument>, i: usize) -> Result<Instrument> {
    let bad = || TimelineError::Value { path: codes.path.to_owned(), column: codes.column };
    if let Some(keys) = codes.keys {
        if keys.is_null(i) {
            return Err(bad());
        }
        let k = usize::try_from(keys.value(i)).map_err(|_| bad())?;
        return codes.values.get(k).cloned().flatten().ok_or_else(bad);
    }
    match codes.strs {
        Some(s) if s.is_valid(i) => Ok(Instrument::from_name(s.value(i))),
        _ => Err(bad()),
    }
}

mod file;
mod person_set;
#[cfg(test)]
mod tests;
