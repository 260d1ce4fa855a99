//! Field indicators per closed episode (docs/definitions.md §4.12, §4.1).
//!
//! * Regular ending: the end reason is in the config list (default `planned`, `early_mutual`,
//!   `age_limit`); an empty end reason is not regular. The end reason itself is carried, so
//!   `external`, `unknown` and dropout (`early_client`) can be shown on their own lines.
//! * Goal attainment (`goal_attainment`: 2 fully, 1 partly, 0 not; attained = fully or partly)
//!   and satisfaction (`satisfaction` 1–10; satisfied = >= 7): from the measurements linked by
//!   `episode_id`, the `end`-moment row latest by date (then by measurement id), else the latest
//!   row of any moment; an episode without one has none and leaves the denominator.
//! * Reliable change (Jacobson–Truax): for each instrument in `cfg.instruments`, the earliest
//!   `start` and the latest `end` score linked to the episode; RCI = (end − start) /
//!   (SD·√2·√(1 − r)); |RCI| >= 1.96 is reliable, and its sign with the instrument's direction
//!   says improved or deteriorated. No row without both scores, or when SD·√2·√(1 − r) is not a
//!   positive number.

use chrono::NaiveDate;

use super::config::{InstrumentSpec, OutcomeConfig};
use crate::schema::{CareEndReason, CareForm, Moment};
use crate::timelines::{Episode, Instrument, Measurement, PersonTimeline, Pseudonym};

/// |RCI| from which a change is reliable.
pub const RCI_CRITICAL: f64 = 1.96;

/// The indicators of one closed episode.
#[derive(Debug, Clone, PartialEq)]
pub struct EpisodeIndicators {
    /// The episode.
    pub episode_id: Pseudonym,
    /// Its care form.
    pub care_form: CareForm,
    /// Its ladder level.
    pub level: u8,
    /// Start.
    pub start: NaiveDate,
    /// End.
    pub end: NaiveDate,
    /// End reason as delivered.
    pub end_reason: Option<CareEndReason>,
    /// Regular ending.
    pub regular: bool,
    /// Goal-attainment score, if measured.
    pub goal_attainment: Option<f64>,
    /// Satisfaction score, if measured.
    pub satisfaction: Option<f64>,
}

impl EpisodeIndicators {
    /// Goals fully or partly attained (`None` when not measured).
    pub fn goal_attained(&self) -> Option<bool> {
        self.goal_attainment.map(|v| v >= 1.0)
    }

    /// Satisfied: a score of 7 or more (`None` when not measured).
    pub fn satisfied(&self) -> Option<bool> {
        self.satisfaction.map(|v| v >= 7.0)
    }
}

/// Direction of a reliable-change result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    /// Reliably better.
    Improved,
    /// No reliable change.
    Unchanged,
    /// Reliably worse.
    Deteriorated,
}

impl Change {
    /// The name used in result tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Improved => "improved",
            Self::Unchanged => "unchanged",
            Self::Deteriorated => "deteriorated",
        }
    }
}

/// Reliable change of one instrument in one closed episode.
#[derive(Debug, Clone, PartialEq)]
pub struct ReliableChange {
    /// The episode.
    pub episode_id: Pseudonym,
    /// The instrument.
    pub instrument: String,
    /// The earliest `start` measurement (date, score).
    pub start: (NaiveDate, f64),
    /// The latest `end` measurement (date, score).
    pub end: (NaiveDate, f64),
    /// The Jacobson–Truax reliable change index.
    pub rci: f64,
    /// Improved, unchanged or deteriorated.
    pub change: Change,
}

/// Indicators of every closed episode, in episode order.
pub fn episodes(t: &PersonTimeline, cfg: &OutcomeConfig) -> Vec<EpisodeIndicators> {
    t.episodes.iter().filter_map(|e| Some(indicators(t, cfg, e, e.end?))).collect()
}

fn indicators(t: &PersonTimeline, cfg: &OutcomeConfig, e: &Episode, end: NaiveDate) -> EpisodeIndicators {
    let linked = linked(&t.measurements, e.episode_id);
    EpisodeIndicators {
        episode_id: e.episode_id,
        care_form: e.care_form,
        level: cfg.level(e.care_form),
        start: e.start,
        end,
        end_reason: e.end_reason,
        regular: e.end_reason.is_some_and(|r| cfg.is_regular(r)),
        goal_attainment: outcome_score(&linked, &Instrument::GoalAttainment),
        satisfaction: outcome_score(&linked, &Instrument::Satisfaction),
    }
}

fn linked(ms: &[Measurement], episode_id: Pseudonym) -> Vec<&Measurement> {
    ms.iter().filter(|m| m.episode_id == Some(episode_id)).collect()
}

fn latest<'a>(rows: impl Iterator<Item = &'a Measurement>) -> Option<&'a Measurement> {
    rows.max_by_key(|m| (m.date, m.measurement_id))
}

/// The `end` row latest by date, else the latest row of any moment.
fn outcome_score(linked: &[&Measurement], instrument: &Instrument) -> Option<f64> {
    let rows = || linked.iter().copied().filter(|m| m.instrument == *instrument);
    latest(rows().filter(|m| m.moment == Moment::End)).or_else(|| latest(rows())).map(|m| m.value)
}

/// Reliable change of every configured instrument in every closed episode.
pub fn reliable_changes(t: &PersonTimeline, cfg: &OutcomeConfig) -> Vec<ReliableChange> {
    let closed = t.episodes.iter().filter(|e| e.end.is_some());
    closed
        .flat_map(|e| {
            let linked = linked(&t.measurements, e.episode_id);
            cfg.instruments.iter().filter_map(move |(name, spec)| change(e.episode_id, &linked, name, spec))
        })
        .collect()
}

fn change(episode_id: Pseudonym, linked: &[&Measurement], name: &str, spec: &InstrumentSpec) -> Option<ReliableChange> {
    let rows = || linked.iter().copied().filter(|m| m.instrument.as_str() == name);
    let start = rows().filter(|m| m.moment == Moment::Start).min_by_key(|m| (m.date, m.measurement_id))?;
    let end = latest(rows().filter(|m| m.moment == Moment::End))?;
    let rci = rci(start.value, end.value, spec)?;
    Some(ReliableChange {
        episode_id,
        instrument: name.to_owned(),
        start: (start.date, start.value),
        end: (end.date, end.value),
        rci,
        change: direction(rci, spec.lower_is_better),
    })
}

/// The Jacobson–Truax RCI, or `None` when the standard error of the difference is not positive.
pub fn rci(start: f64, end: f64, spec: &InstrumentSpec) -> Option<f64> {
    let se_diff = spec.sd * 2f64.sqrt() * (1.0 - spec.reliability).sqrt();
    (se_diff.is_finite() && se_diff > 0.0).then(|| (end - start) / se_diff)
}

fn direction(rci: f64, lower_is_better: bool) -> Change {
    if rci.abs() < RCI_CRITICAL {
        Change::Unchanged
    } else if (rci < 0.0) == lower_is_better {
        Change::Improved
    } else {
        Change::Deteriorated
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::testkit::{d, ep, person, score};

    fn spec(sd: f64, reliability: f64, lower_is_better: bool) -> InstrumentSpec {
        InstrumentSpec { sd, reliability, lower_is_better }
    }

    #[test]
    fn regular_endings_follow_the_config_and_empty_is_not_regular() {
        let mut t = person("2010-01-01");
        t.episodes = vec![
            ep("E1", "ambulant", "2020-01-01", "2020-02-01", "planned"),
            ep("E2", "ambulant", "2020-03-01", "2020-04-01", ""),
            ep("E3", "ambulant", "2020-05-01", "2020-06-01", "early_client"),
            ep("E4", "ambulant", "2020-07-01", "", ""),
        ];
        let v = episodes(&t, &OutcomeConfig::default());
        assert_eq!(v.iter().map(|i| i.regular).collect::<Vec<_>>(), vec![true, false, false]);
        let nji = OutcomeConfig { regular_endings: vec![CareEndReason::Planned], ..OutcomeConfig::default() };
        t.episodes[0].end_reason = Some(CareEndReason::EarlyMutual);
        assert!(!episodes(&t, &nji)[0].regular);
    }

    #[test]
    fn end_row_latest_by_date_else_latest_of_any_moment() {
        let mut t = person("2010-01-01");
        t.episodes = vec![ep("E1", "ambulant", "2020-01-01", "2020-12-31", "planned")];
        t.measurements = vec![
            score("X1", "E1", "goal_attainment", "end", "2020-12-01", 0.0),
            score("X2", "E1", "goal_attainment", "end", "2020-12-31", 1.0),
            score("X3", "E1", "goal_attainment", "follow_up", "2021-06-01", 2.0),
            score("X4", "E1", "satisfaction", "quarterly", "2020-04-01", 9.0),
            score("X5", "E1", "satisfaction", "quarterly", "2020-07-01", 6.0),
        ];
        let v = &episodes(&t, &OutcomeConfig::default())[0];
        assert_eq!((v.goal_attainment, v.goal_attained()), (Some(1.0), Some(true)));
        assert_eq!((v.satisfaction, v.satisfied()), (Some(6.0), Some(false)));
        t.measurements.clear();
        assert_eq!(episodes(&t, &OutcomeConfig::default())[0].goal_attained(), None);
    }

    #[test]
    fn jacobson_truax_with_direction() {
        let mut t = person("2010-01-01");
        t.episodes = vec![ep("E1", "ambulant", "2018-01-01", "2018-03-31", "planned")];
        t.measurements = vec![
            score("X1", "E1", "problem_score", "start", "2018-01-01", 24.0),
            score("X0", "E1", "problem_score", "start", "2018-01-05", 30.0),
            score("X2", "E1", "problem_score", "end", "2018-03-31", 15.0),
        ];
        let mut cfg = OutcomeConfig::default();
        cfg.instruments.insert("problem_score".into(), spec(5.0, 0.875, true));
        let v = reliable_changes(&t, &cfg);
        assert_eq!(v.len(), 1);
        assert_eq!((v[0].start, v[0].end), ((d("2018-01-01"), 24.0), (d("2018-03-31"), 15.0)));
        assert!((v[0].rci - (-3.6)).abs() < 1e-12, "{}", v[0].rci);
        assert_eq!(v[0].change, Change::Improved);
        cfg.instruments.insert("problem_score".into(), spec(5.0, 0.875, false));
        assert_eq!(reliable_changes(&t, &cfg)[0].change, Change::Deteriorated);
        cfg.instruments.insert("problem_score".into(), spec(10.0, 0.875, true));
        assert_eq!(reliable_changes(&t, &cfg)[0].change, Change::Unchanged);
        assert_eq!(rci(1.0, 2.0, &spec(5.0, 1.0, true)), None);
    }
}
