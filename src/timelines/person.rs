//! One person's event timeline, as the outcome kernels see it: typed, sorted, complete.
//!
//! The engine assembles these from the store bucket by bucket; the kernels are pure
//! functions of one timeline and the config, so results never depend on thread count.
//! Identifiers are pseudonyms held as 16-byte numbers ([`PersonId`], [`Pseudonym`]: their
//! order is the order of the stored hex text, and they never print), codes are the code
//! lists' enums.

use std::sync::Arc;

use chrono::NaiveDate;

pub use crate::pseudonym::{PersonId, Pseudonym};
use crate::schema::{
    CareEndReason, CareForm, MeasureEndReason, MeasureKind, Moment, OffenceSettlement, OffenceSeverity, ReportKind, Sex,
};

/// A person with everything known about them, events sorted by date (then id).
#[derive(Debug, Clone, PartialEq)]
pub struct PersonTimeline {
    /// The person.
    pub person_id: PersonId,
    /// Birth date (a `YYYY-MM` delivery is the 15th).
    pub birth_date: NaiveDate,
    /// Sex.
    pub sex: Sex,
    /// Death, if known.
    pub death_date: Option<NaiveDate>,
    /// Emigration, if known.
    pub emigration_date: Option<NaiveDate>,
    /// Data end of the delivery the person came from (`extracted_on`).
    pub data_end: NaiveDate,
    /// Care episodes, sorted by start date, then episode id.
    pub episodes: Vec<Episode>,
    /// Measures, sorted by start date, then measure id.
    pub measures: Vec<Measure>,
    /// Safety reports about this child, sorted by date, then report id.
    pub reports: Vec<Report>,
    /// Measurements, sorted by date, then measurement id.
    pub measurements: Vec<Measurement>,
    /// Registered offences, sorted by offence date, then offence id (read only by the
    /// `probation` family).
    pub offences: Vec<Offence>,
}

impl PersonTimeline {
    /// A person without events.
    pub fn new(person_id: PersonId, birth_date: NaiveDate, sex: Sex, data_end: NaiveDate) -> Self {
        Self {
            person_id,
            birth_date,
            sex,
            death_date: None,
            emigration_date: None,
            data_end,
            episodes: Vec::new(),
            measures: Vec::new(),
            reports: Vec::new(),
            measurements: Vec::new(),
            offences: Vec::new(),
        }
    }

    /// A timeline of `person_id` without their person row: birth and data end are
    /// 1970-01-01 and sex is a placeholder, so every follow-up end is that day. Only for
    /// counts whose rules read none of them (`Needs::person_rows`).
    #[must_use]
    pub fn without_row(person_id: PersonId) -> Self {
        let day = NaiveDate::default();
        Self::new(person_id, day, Sex::F, day)
    }
}

/// A youth-care episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Episode {
    /// Pseudonym of the episode (the default, all zeros, when a run did not read it).
    pub episode_id: Pseudonym,
    /// Care form (BIJ codes are already mapped at ingest).
    pub care_form: CareForm,
    /// Start (inclusive).
    pub start: NaiveDate,
    /// End (inclusive); `None` = open.
    pub end: Option<NaiveDate>,
    /// End reason, if given.
    pub end_reason: Option<CareEndReason>,
}

/// A protection measure or youth probation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    /// Pseudonym of the measure.
    pub measure_id: Pseudonym,
    /// Kind.
    pub kind: MeasureKind,
    /// Start (inclusive).
    pub start: NaiveDate,
    /// End (inclusive); `None` = open.
    pub end: Option<NaiveDate>,
    /// End reason, if given.
    pub end_reason: Option<MeasureEndReason>,
}

/// A report to Veilig Thuis about this child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// Pseudonym of the report.
    pub report_id: Pseudonym,
    /// Household pseudonym, if given.
    pub household_id: Option<Pseudonym>,
    /// Report date.
    pub date: NaiveDate,
    /// Kind of report.
    pub kind: ReportKind,
}

/// The instrument of a measurement: the two outcome instruments by name, any other (a problem
/// score, configured for reliable change) by its text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Instrument {
    /// Goal attainment (2 fully, 1 partly, 0 not).
    GoalAttainment,
    /// Client satisfaction (1-10).
    Satisfaction,
    /// Another instrument, as delivered.
    Other(Arc<str>),
}

impl Instrument {
    /// The instrument of a delivered name.
    pub fn from_name(name: &str) -> Self {
        match name {
            "goal_attainment" => Self::GoalAttainment,
            "satisfaction" => Self::Satisfaction,
            other => Self::Other(Arc::from(other)),
        }
    }

    /// The delivered name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::GoalAttainment => "goal_attainment",
            Self::Satisfaction => "satisfaction",
            Self::Other(name) => name,
        }
    }
}

/// An instrument score.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Pseudonym of the measurement.
    pub measurement_id: Pseudonym,
    /// The episode it belongs to, if any.
    pub episode_id: Option<Pseudonym>,
    /// Instrument.
    pub instrument: Instrument,
    /// When in the episode it was taken.
    pub moment: Moment,
    /// Date.
    pub date: NaiveDate,
    /// Score.
    pub value: f64,
}

/// A registered offence (docs/definitions.md §4.17).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offence {
    /// Pseudonym of the offence.
    pub offence_id: Pseudonym,
    /// The day the offence was committed.
    pub offence_date: NaiveDate,
    /// The day the justice chain registered it (never before the offence date).
    pub registration_date: NaiveDate,
    /// Severity class.
    pub severity: OffenceSeverity,
    /// Settlement, if known.
    pub settlement: Option<OffenceSettlement>,
}
