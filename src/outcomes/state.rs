//! The daily care state of a person (DOMAIN.md §4 "Escalation"): the highest ladder level of the
//! episodes active that day (0 = none) and whether a protection measure is active.
//!
//! Active means `start <= d <= end`; an open record stays active. The state only changes on a
//! start day or the day after an end, so the consecutive state changes of a person (the rows of
//! the level-to-level transition matrix) are found by evaluating the state on those days. The
//! first change is the entry into care from state (0, no measure); changes after the follow-up
//! end are not reported.

use chrono::NaiveDate;

use super::config::OutcomeConfig;
use super::timeline::{Episode, Measure, PersonTimeline};
use super::window::next_day;

/// Care state on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct State {
    /// Highest ladder level of the active episodes (0 = no care).
    pub level: u8,
    /// Whether a protection measure (not youth probation) is active.
    pub protection: bool,
}

/// One change of state: `from` on the day before `date`, `to` from `date` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// First day in the new state.
    pub date: NaiveDate,
    /// State the day before.
    pub from: State,
    /// State on `date`.
    pub to: State,
}

/// Whether a record from `start` to `end` (open = `None`) is active on `d`.
pub fn active(start: NaiveDate, end: Option<NaiveDate>, d: NaiveDate) -> bool {
    start <= d && end.is_none_or(|e| d <= e)
}

/// Highest ladder level of the episodes active on `d` (0 = none).
pub fn level_on(episodes: &[Episode], cfg: &OutcomeConfig, d: NaiveDate) -> u8 {
    episodes.iter().filter(|e| active(e.start, e.end, d)).map(|e| cfg.level(&e.care_form)).max().unwrap_or(0)
}

/// Whether a protection measure is active on `d`.
pub fn protection_on(measures: &[Measure], cfg: &OutcomeConfig, d: NaiveDate) -> bool {
    measures.iter().any(|m| cfg.is_protection(&m.kind) && active(m.start, m.end, d))
}

/// The state of `t` on `d`.
pub fn state_on(t: &PersonTimeline, cfg: &OutcomeConfig, d: NaiveDate) -> State {
    State { level: level_on(&t.episodes, cfg, d), protection: protection_on(&t.measures, cfg, d) }
}

/// Every day on which the state may change: starts and the days after ends, sorted, unique.
pub fn change_days(t: &PersonTimeline, cfg: &OutcomeConfig) -> Vec<NaiveDate> {
    let episodes = t.episodes.iter().map(|e| (e.start, e.end));
    let measures = t.measures.iter().filter(|m| cfg.is_protection(&m.kind)).map(|m| (m.start, m.end));
    let mut out: Vec<NaiveDate> = Vec::new();
    for (start, end) in episodes.chain(measures) {
        out.push(start);
        out.extend(end.map(next_day));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The consecutive state changes of `t` on or before `fu`, in date order.
pub fn transitions(t: &PersonTimeline, cfg: &OutcomeConfig, fu: NaiveDate) -> Vec<Transition> {
    let mut out = Vec::new();
    let mut from = State::default();
    for date in change_days(t, cfg).into_iter().take_while(|d| *d <= fu) {
        let to = state_on(t, cfg, date);
        if to != from {
            out.push(Transition { date, from, to });
            from = to;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::testkit::{d, ep, measure, person};

    fn st(level: u8, protection: bool) -> State {
        State { level, protection }
    }

    #[test]
    fn open_episode_stays_active_and_end_day_counts() {
        let mut t = person("2010-01-01");
        t.episodes =
            vec![ep("E1", "ambulant", "2020-01-01", "2020-03-31", ""), ep("E2", "secure", "2021-01-01", "", "")];
        let cfg = OutcomeConfig::default();
        assert_eq!(level_on(&t.episodes, &cfg, d("2020-03-31")), 2);
        assert_eq!(level_on(&t.episodes, &cfg, d("2020-04-01")), 0);
        assert_eq!(level_on(&t.episodes, &cfg, d("2026-01-01")), 6);
    }

    #[test]
    fn consecutive_changes_with_measures_and_probation() {
        let mut t = person("2010-01-01");
        t.episodes = vec![
            ep("E1", "family_home", "2020-01-01", "2020-06-30", ""),
            ep("E2", "residential", "2020-07-01", "2020-12-31", ""),
        ];
        t.measures = vec![
            measure("M1", "youth_probation", "2020-02-01", "2020-03-01", ""),
            measure("M2", "ots", "2020-09-01", "", ""),
        ];
        let got = transitions(&t, &OutcomeConfig::default(), d("2026-07-01"));
        let want = vec![
            Transition { date: d("2020-01-01"), from: st(0, false), to: st(4, false) },
            Transition { date: d("2020-07-01"), from: st(4, false), to: st(5, false) },
            Transition { date: d("2020-09-01"), from: st(5, false), to: st(5, true) },
            Transition { date: d("2021-01-01"), from: st(5, true), to: st(0, true) },
        ];
        assert_eq!(got, want);
        assert_eq!(transitions(&t, &OutcomeConfig::default(), d("2020-07-01")).len(), 2);
    }
}
