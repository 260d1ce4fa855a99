//! Measure episodes (docs/definitions.md §3.5, §4.9–§4.11, §4.1): success, duration and out-of-home
//! placement of protection measures and youth probation.
//!
//! A provisional measure (`provisional_ots`, `provisional_guardianship`) followed by the full one
//! of the same family (`ots`, `guardianship`) is one measure episode when the full one starts on
//! or after the provisional start and at most `provisional_merge_days` (14) days after the
//! provisional end (an open or overlapping provisional is followed by any later full start). The
//! episode runs from the provisional start to the full end and takes the full kind and end reason.
//!
//! Per episode: closed or open; `goal_reached` (closed with end reason `goal_reached`; an empty
//! end reason is not); `protection` (false for `youth_probation`, reported on its own line);
//! duration = end − start in days, or fu − start censored when open (none when fu is before the
//! start); out-of-home placement = an episode with level >= the ladder's `out_of_home_from`
//! active on any day of the measure (an open measure runs on).

use chrono::NaiveDate;

use super::config::OutcomeConfig;
use super::followup::FollowUp;
use super::survival::Observation;
use super::window::{days, days_f64};
use crate::schema::{MeasureEndReason, MeasureKind};
use crate::timelines::{Measure, PersonTimeline, Pseudonym};

/// One measure episode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureEpisode {
    /// The first measure of the episode.
    pub measure_id: Pseudonym,
    /// The full measure joined to a provisional one, if any.
    pub merged_measure_id: Option<Pseudonym>,
    /// Kind of the episode (the full kind when merged).
    pub kind: MeasureKind,
    /// Start.
    pub start: NaiveDate,
    /// End (`None` = open).
    pub end: Option<NaiveDate>,
    /// End reason of the last measure.
    pub end_reason: Option<MeasureEndReason>,
    /// A protection measure (not youth probation).
    pub protection: bool,
    /// Closed with end reason `goal_reached`.
    pub goal_reached: bool,
    /// Duration in days (censored at fu when open).
    pub duration: Option<i64>,
    /// Whether the duration is censored (the episode is open).
    pub censored: bool,
    /// An out-of-home episode was active during the measure.
    pub out_of_home: bool,
}

impl MeasureEpisode {
    /// Whether the episode has ended.
    pub fn is_closed(&self) -> bool {
        self.end.is_some()
    }

    /// The Kaplan–Meier observation of the duration (`None` when fu is before an open start).
    pub fn observation(&self) -> Option<Observation> {
        Some(Observation { time: days_f64(self.duration?), event: !self.censored })
    }
}

/// The measure episodes of a person, in start order; `fu` is the safety follow-up end.
pub fn episodes(t: &PersonTimeline, cfg: &OutcomeConfig, fu: FollowUp) -> Vec<MeasureEpisode> {
    let ms = &t.measures;
    if ms.iter().all(|m| m.kind.full().is_none()) {
        // No provisional measure: each is an episode of its own (most persons).
        return ms.iter().map(|m| episode(t, cfg, m, None, fu)).collect();
    }
    let mut used = vec![false; ms.len()];
    let mut out = Vec::new();
    for (i, m) in ms.iter().enumerate() {
        if used[i] {
            continue;
        }
        used[i] = true;
        let full = follower(ms, m, &used, cfg.provisional_merge_days);
        if let Some(j) = full {
            used[j] = true;
        }
        out.push(episode(t, cfg, m, full.map(|j| &ms[j]), fu));
    }
    out
}

/// The full measure that continues provisional measure `p`, if any.
fn follower(ms: &[Measure], p: &Measure, used: &[bool], merge_days: i64) -> Option<usize> {
    let full = p.kind.full()?;
    let follows = |m: &Measure| m.start >= p.start && p.end.is_none_or(|e| days(e, m.start) <= merge_days);
    ms.iter().enumerate().position(|(j, m)| !used[j] && m.kind == full && follows(m))
}

fn episode(
    t: &PersonTimeline,
    cfg: &OutcomeConfig,
    first: &Measure,
    full: Option<&Measure>,
    fu: FollowUp,
) -> MeasureEpisode {
    let last = full.unwrap_or(first);
    let (start, end) = (first.start, last.end);
    MeasureEpisode {
        measure_id: first.measure_id,
        merged_measure_id: full.map(|m| m.measure_id),
        kind: last.kind,
        start,
        end,
        end_reason: last.end_reason,
        protection: cfg.is_protection(last.kind),
        goal_reached: end.is_some() && last.end_reason == Some(MeasureEndReason::GoalReached),
        duration: end.map_or_else(|| Some(days(start, fu.end)).filter(|d| *d >= 0), |e| Some(days(start, e))),
        censored: end.is_none(),
        out_of_home: out_of_home(t, cfg, start, end),
    }
}

fn out_of_home(t: &PersonTimeline, cfg: &OutcomeConfig, start: NaiveDate, end: Option<NaiveDate>) -> bool {
    t.episodes.iter().any(|e| {
        cfg.level(e.care_form) >= cfg.ladder.out_of_home_from
            && end.is_none_or(|m_end| e.start <= m_end)
            && e.end.is_none_or(|e_end| e_end >= start)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::followup::follow_up;
    use crate::outcomes::testkit::{d, ep, id, measure, person};

    fn run(t: &PersonTimeline, cfg: &OutcomeConfig) -> Vec<MeasureEpisode> {
        episodes(t, cfg, follow_up(t, cfg.safety_age_limit))
    }

    #[test]
    fn provisional_then_full_within_14_days_is_one_episode() {
        let mut t = person("2012-02-29");
        t.measures = vec![
            measure("M2", "provisional_ots", "2020-06-10", "2020-06-20", "transferred"),
            measure("M3", "ots", "2020-07-04", "2022-06-20", "goal_reached"),
        ];
        let e = run(&t, &OutcomeConfig::default());
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].measure_id, e[0].merged_measure_id), (id("M2"), Some(id("M3"))));
        assert_eq!((e[0].kind, e[0].start, e[0].end), (MeasureKind::Ots, d("2020-06-10"), Some(d("2022-06-20"))));
        assert!(e[0].goal_reached && e[0].protection && e[0].is_closed());
        t.measures[1].start = d("2020-07-05");
        assert_eq!(run(&t, &OutcomeConfig::default()).len(), 2, "15 days apart");
        let wide = OutcomeConfig { provisional_merge_days: 15, ..OutcomeConfig::default() };
        assert_eq!(run(&t, &wide).len(), 1);
    }

    #[test]
    fn provisional_guardianship_does_not_join_an_ots() {
        let mut t = person("2012-01-01");
        t.measures = vec![
            measure("M1", "provisional_guardianship", "2020-06-10", "2020-06-20", ""),
            measure("M2", "ots", "2020-06-21", "", ""),
        ];
        assert_eq!(run(&t, &OutcomeConfig::default()).len(), 2);
    }

    #[test]
    fn empty_end_reason_is_not_goal_reached_and_probation_is_apart() {
        let mut t = person("2008-01-10");
        t.measures = vec![
            measure("M1", "ots", "2019-01-01", "2019-12-31", ""),
            measure("M5", "youth_probation", "2024-07-01", "2025-06-30", "goal_reached"),
        ];
        let e = run(&t, &OutcomeConfig::default());
        assert!(!e[0].goal_reached && e[0].protection);
        assert!(e[1].goal_reached && !e[1].protection);
        assert_eq!(e[0].duration, Some(364));
    }

    #[test]
    fn open_measure_is_censored_at_fu_and_placement_overlaps() {
        let mut t = person("2008-01-10");
        t.measures = vec![measure("M1", "ots", "2025-01-01", "", "")];
        t.episodes =
            vec![ep("E1", "foster_care", "2020-01-01", "2025-01-01", ""), ep("E2", "secure", "2027-01-01", "", "")];
        let e = run(&t, &OutcomeConfig::default());
        assert_eq!((e[0].duration, e[0].censored, e[0].out_of_home), (Some(374), true, true));
        assert_eq!(e[0].observation(), Some(Observation { time: 374.0, event: false }));
        let cfg = OutcomeConfig { safety_age_limit: 23, ..OutcomeConfig::default() };
        assert_eq!(run(&t, &cfg)[0].duration, Some(546), "data end 2026-07-01");
        t.episodes[0].end = Some(d("2024-12-31"));
        t.measures[0].end = Some(d("2026-12-31"));
        assert!(!run(&t, &OutcomeConfig::default())[0].out_of_home);
    }
}
