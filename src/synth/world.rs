//! The generated "true" world of one chunk of families: persons and their records with true dates.
//! A delivery is a filtered view of it (see `emit`).

use chrono::{Datelike, Days, NaiveDate};

use super::codes::{Bsn, Id, Sex};

/// A person.
#[derive(Debug, Clone)]
pub struct Person {
    /// Person id.
    pub id: Bsn,
    /// True birth date (the 15th when delivered with month precision).
    pub birth: NaiveDate,
    /// Delivered as `YYYY-MM`.
    pub month_precision: bool,
    /// Sex.
    pub sex: Sex,
    /// Death date, if any (may lie after the horizon: then it is not delivered).
    pub death: Option<NaiveDate>,
    /// Emigration date, if any.
    pub emigration: Option<NaiveDate>,
}

impl Person {
    /// The first day the person is gone (death or emigration), if any.
    pub fn exit(&self) -> Option<NaiveDate> {
        match (self.death, self.emigration) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// A parent–child relation.
#[derive(Debug, Clone)]
pub struct Relation {
    pub parent: Bsn,
    pub child: Bsn,
    pub kind: &'static str,
    pub valid_from: NaiveDate,
}

/// Household membership.
#[derive(Debug, Clone)]
pub struct Membership {
    pub household: Id,
    pub person: Bsn,
    pub role: &'static str,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// An address from a date: (from, municipality index, district number).
pub type Move = (NaiveDate, usize, u32);

/// A residence row (municipality code, district number).
#[derive(Debug, Clone)]
pub struct Residence {
    pub person: Bsn,
    pub municipality: u16,
    pub district: u32,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// A provisional value of an episode, corrected in deliveries extracted on or after `until`.
#[derive(Debug, Clone)]
pub struct Correction {
    /// `care_form` or `end_reason`.
    pub field: &'static str,
    /// The provisional value as delivered.
    pub provisional: String,
    /// First extraction date showing the corrected value.
    pub until: NaiveDate,
}

/// A youth care episode with its true dates.
#[derive(Debug, Clone)]
pub struct Episode {
    pub id: Id,
    pub person: Bsn,
    /// Index into `CARE_FORMS`.
    pub form: usize,
    /// Deliver the BIJ code instead of the name.
    pub as_code: bool,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Index into `END_REASONS`.
    pub end_reason: usize,
    pub provider: u32,
    pub referrer: &'static str,
    pub municipality: u16,
    pub correction: Option<Correction>,
}

/// A protection measure or youth probation.
#[derive(Debug, Clone)]
pub struct Measure {
    pub id: Id,
    pub person: Bsn,
    /// Index into `MEASURE_KINDS`.
    pub kind: usize,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub end_reason: &'static str,
}

/// A safety report.
#[derive(Debug, Clone)]
pub struct Report {
    pub id: Id,
    pub person: Bsn,
    pub household: Id,
    pub date: NaiveDate,
    pub kind: &'static str,
    pub source: &'static str,
}

/// A measurement.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub id: Id,
    pub person: Bsn,
    pub episode: Id,
    pub instrument: &'static str,
    pub moment: &'static str,
    pub date: NaiveDate,
    pub value: i32,
}

/// An answer to the quarterly family questionnaire.
#[derive(Debug, Clone)]
pub struct Answer {
    pub household: Id,
    pub date: NaiveDate,
    /// `trust` or `involvement`.
    pub item: &'static str,
    /// 1–5.
    pub score: u8,
}

/// Everything generated for one chunk of families.
#[derive(Debug, Default)]
pub struct World {
    pub persons: Vec<Person>,
    pub relations: Vec<Relation>,
    pub memberships: Vec<Membership>,
    pub residence: Vec<Residence>,
    pub episodes: Vec<Episode>,
    pub measures: Vec<Measure>,
    pub reports: Vec<Report>,
    pub measurements: Vec<Measurement>,
    pub answers: Vec<Answer>,
}

/// `d` plus `n` days (saturating at the calendar's end).
pub fn plus(d: NaiveDate, n: i64) -> NaiveDate {
    if n >= 0 {
        d.checked_add_days(Days::new(n.unsigned_abs())).unwrap_or(NaiveDate::MAX)
    } else {
        d.checked_sub_days(Days::new(n.unsigned_abs())).unwrap_or(NaiveDate::MIN)
    }
}

/// The day a person born on `birth` turns `age` (29 February → 1 March).
pub fn birthday(birth: NaiveDate, age: i32) -> NaiveDate {
    let y = birth.year() + age;
    NaiveDate::from_ymd_opt(y, birth.month(), birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(y, 3, 1))
        .unwrap_or(NaiveDate::MAX)
}

/// Age in whole years on `d`.
pub fn age_on(birth: NaiveDate, d: NaiveDate) -> i32 {
    let mut age = d.year() - birth.year();
    if d < birthday(birth, age) {
        age -= 1;
    }
    age
}
