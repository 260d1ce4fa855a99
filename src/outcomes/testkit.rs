//! Builders for the outcome kernels' unit tests: a person with data end 2026-07-01 and
//! episodes, measures, reports and measurements given as short literals.

#![allow(clippy::expect_used)]

use chrono::NaiveDate;

use crate::timelines::{Episode, Measure, Measurement, PersonTimeline, Report};

/// A date from `YYYY-MM-DD` (test literals only).
pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

fn od(s: &str) -> Option<NaiveDate> {
    (!s.is_empty()).then(|| d(s))
}

/// A person born on `birth`, data end 2026-07-01, no events.
pub fn person(birth: &str) -> PersonTimeline {
    PersonTimeline {
        person_id: "P1".into(),
        birth_date: d(birth),
        sex: "f".into(),
        death_date: None,
        emigration_date: None,
        data_end: d("2026-07-01"),
        episodes: Vec::new(),
        measures: Vec::new(),
        reports: Vec::new(),
        measurements: Vec::new(),
    }
}

/// An episode; `end` and `reason` may be empty.
pub fn ep(id: &str, form: &str, start: &str, end: &str, reason: &str) -> Episode {
    Episode {
        episode_id: id.into(),
        care_form: form.into(),
        start: d(start),
        end: od(end),
        end_reason: (!reason.is_empty()).then(|| reason.into()),
        municipality: None,
    }
}

/// A measure; `end` and `reason` may be empty.
pub fn measure(id: &str, kind: &str, start: &str, end: &str, reason: &str) -> Measure {
    Measure {
        measure_id: id.into(),
        kind: kind.into(),
        start: d(start),
        end: od(end),
        end_reason: (!reason.is_empty()).then(|| reason.into()),
    }
}

/// A child-abuse report.
pub fn report(id: &str, date: &str) -> Report {
    Report { report_id: id.into(), household_id: None, date: d(date), kind: "child_abuse".into() }
}

/// A measurement linked to an episode.
pub fn score(id: &str, episode: &str, instrument: &str, moment: &str, date: &str, value: f64) -> Measurement {
    Measurement {
        measurement_id: id.into(),
        episode_id: Some(episode.into()),
        instrument: instrument.into(),
        moment: moment.into(),
        date: d(date),
        value,
    }
}
