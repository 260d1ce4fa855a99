//! One person's event timeline, as the outcome kernels see it: typed, sorted, complete.
//!
//! The engine assembles these from the store bucket by bucket; the kernels are pure
//! functions of one timeline and the config, so results never depend on thread count.

use chrono::NaiveDate;

/// A person with everything known about them, events sorted by date (then id).
#[derive(Debug, Clone, PartialEq)]
pub struct PersonTimeline {
    /// Pseudonym.
    pub person_id: String,
    /// Birth date (a `YYYY-MM` delivery is the 15th).
    pub birth_date: NaiveDate,
    /// `m`, `f`, `x` or `u`.
    pub sex: String,
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
}

/// A youth-care episode.
#[derive(Debug, Clone, PartialEq)]
pub struct Episode {
    /// Pseudonym of the episode.
    pub episode_id: String,
    /// Care form name (BIJ codes are already mapped at ingest).
    pub care_form: String,
    /// Start (inclusive).
    pub start: NaiveDate,
    /// End (inclusive); `None` = open.
    pub end: Option<NaiveDate>,
    /// End reason name, if given.
    pub end_reason: Option<String>,
    /// Municipality of the episode, if given.
    pub municipality: Option<String>,
}

/// A protection measure or youth probation.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// Pseudonym of the measure.
    pub measure_id: String,
    /// `ots`, `provisional_ots`, `guardianship`, `provisional_guardianship`, `youth_probation`.
    pub kind: String,
    /// Start (inclusive).
    pub start: NaiveDate,
    /// End (inclusive); `None` = open.
    pub end: Option<NaiveDate>,
    /// End reason, if given.
    pub end_reason: Option<String>,
}

/// A report to Veilig Thuis about this child.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Pseudonym of the report.
    pub report_id: String,
    /// Household pseudonym, if given.
    pub household_id: Option<String>,
    /// Report date.
    pub date: NaiveDate,
    /// `child_abuse`, `domestic_violence`, `other`.
    pub kind: String,
}

/// An instrument score.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Pseudonym of the measurement.
    pub measurement_id: String,
    /// The episode it belongs to, if any.
    pub episode_id: Option<String>,
    /// Instrument name (`goal_attainment`, `satisfaction`, a problem score...).
    pub instrument: String,
    /// `start`, `end`, `follow_up`, `quarterly`.
    pub moment: String,
    /// Date.
    pub date: NaiveDate,
    /// Score.
    pub value: f64,
}
