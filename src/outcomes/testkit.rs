//! Builders for the outcome kernels' unit tests: a person with data end 2026-07-01 and
//! episodes, measures, reports and measurements given as short literals (ids are labels, see
//! [`Pseudonym::label`]; codes are the stored codes).

#![allow(clippy::expect_used)]

use chrono::NaiveDate;

use crate::schema::{CareEndReason, CareForm, MeasureEndReason, MeasureKind, Moment, ReportKind, Sex};
use crate::timelines::{Episode, Instrument, Measure, Measurement, PersonId, PersonTimeline, Pseudonym, Report};

/// A date from `YYYY-MM-DD` (test literals only).
pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

fn od(s: &str) -> Option<NaiveDate> {
    (!s.is_empty()).then(|| d(s))
}

/// A record id from a label.
pub fn id(label: &str) -> Pseudonym {
    Pseudonym::label(label)
}

/// A person born on `birth`, data end 2026-07-01, no events.
pub fn person(birth: &str) -> PersonTimeline {
    PersonTimeline::new(PersonId::label("P1"), d(birth), Sex::F, d("2026-07-01"))
}

/// An episode; `end` and `reason` may be empty.
pub fn ep(id: &str, form: &str, start: &str, end: &str, reason: &str) -> Episode {
    Episode {
        episode_id: Pseudonym::label(id),
        care_form: CareForm::parse(form).expect("care form"),
        start: d(start),
        end: od(end),
        end_reason: (!reason.is_empty()).then(|| CareEndReason::parse(reason).expect("end reason")),
    }
}

/// A measure; `end` and `reason` may be empty.
pub fn measure(id: &str, kind: &str, start: &str, end: &str, reason: &str) -> Measure {
    Measure {
        measure_id: Pseudonym::label(id),
        kind: MeasureKind::parse(kind).expect("measure kind"),
        start: d(start),
        end: od(end),
        end_reason: (!reason.is_empty()).then(|| MeasureEndReason::parse(reason).expect("end reason")),
    }
}

/// A child-abuse report.
pub fn report(id: &str, date: &str) -> Report {
    Report { report_id: Pseudonym::label(id), household_id: None, date: d(date), kind: ReportKind::ChildAbuse }
}

/// A measurement linked to an episode.
pub fn score(id: &str, episode: &str, instrument: &str, moment: &str, date: &str, value: f64) -> Measurement {
    Measurement {
        measurement_id: Pseudonym::label(id),
        episode_id: Some(Pseudonym::label(episode)),
        instrument: Instrument::from_name(instrument),
        moment: Moment::parse(moment).expect("moment"),
        date: d(date),
        value,
    }
}
