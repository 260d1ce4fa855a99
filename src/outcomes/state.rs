//! The daily care state of a person (docs/definitions.md §4.5): the highest ladder level of the
//! episodes active that day (0 = none) and whether a protection measure is active.
//!
//! Active means `start <= d <= end`; an open record stays active. The state only changes on a
//! start day or the day after an end, so the consecutive state changes of a person (the rows of
//! the level-to-level transition matrix) are found by evaluating the state on those days. The
//! first change is the entry into care from state (0, no measure); changes after the follow-up
//! end are not reported.

use chrono::NaiveDate;

use super::config::OutcomeConfig;
use super::window::next_day;
use crate::timelines::{Episode, PersonTimeline};

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
    episodes.iter().filter(|e| active(e.start, e.end, d)).map(|e| cfg.level(e.care_form)).max().unwrap_or(0)
}

/// A dated record with its ladder level (0 for a protection measure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: NaiveDate,
    end: Option<NaiveDate>,
    level: u8,
}

/// A person's episodes and protection measures reduced to what the daily state needs — dates and
/// ladder levels, looked up once — with the days on which the state may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Care {
    episodes: Vec<Span>,
    frames: Vec<Span>,
    changes: Vec<NaiveDate>,
}

impl Care {
    /// The care of `t` under the ladder of `cfg`.
    pub fn new(t: &PersonTimeline, cfg: &OutcomeConfig) -> Self {
        let episodes: Vec<Span> =
            t.episodes.iter().map(|e| Span { start: e.start, end: e.end, level: cfg.level(e.care_form) }).collect();
        let frames: Vec<Span> = t
            .measures
            .iter()
            .filter(|m| cfg.is_protection(m.kind))
            .map(|m| Span { start: m.start, end: m.end, level: 0 })
            .collect();
        let mut changes: Vec<NaiveDate> =
            episodes.iter().chain(&frames).flat_map(|s| [Some(s.start), s.end.map(next_day)]).flatten().collect();
        changes.sort_unstable();
        changes.dedup();
        Self { episodes, frames, changes }
    }

    /// Highest ladder level active on `d` (0 = none).
    pub fn level_on(&self, d: NaiveDate) -> u8 {
        self.episodes.iter().filter(|s| active(s.start, s.end, d)).map(|s| s.level).max().unwrap_or(0)
    }

    /// Whether a protection measure is active on `d`.
    pub fn protection_on(&self, d: NaiveDate) -> bool {
        self.frames.iter().any(|s| active(s.start, s.end, d))
    }

    /// Whether a protection measure starts on `d`.
    pub fn protection_starts_on(&self, d: NaiveDate) -> bool {
        self.frames.iter().any(|s| s.start == d)
    }

    /// The state on `d`.
    pub fn state_on(&self, d: NaiveDate) -> State {
        State { level: self.level_on(d), protection: self.protection_on(d) }
    }

    /// The days in (after, last] on which the state may change (starts, days after ends), sorted.
    pub fn changes_in(&self, after: NaiveDate, last: NaiveDate) -> &[NaiveDate] {
        let from = self.changes.partition_point(|d| *d <= after);
        let to = self.changes.partition_point(|d| *d <= last).max(from);
        &self.changes[from..to]
    }

    /// The consecutive state changes on or before `fu`, in date order.
    pub fn transitions(&self, fu: NaiveDate) -> Vec<Transition> {
        let mut out = Vec::new();
        let mut from = State::default();
        for &date in self.changes.iter().take_while(|d| **d <= fu) {
            let to = self.state_on(date);
            if to != from {
                out.push(Transition { date, from, to });
                from = to;
            }
        }
        out
    }
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
        let care = Care::new(&t, &cfg);
        assert_eq!((care.level_on(d("2020-03-31")), care.level_on(d("2020-04-01"))), (2, 0));
        assert_eq!(care.level_on(d("2026-01-01")), 6);
        assert_eq!(care.changes_in(d("2020-01-01"), d("2021-01-01")), [d("2020-04-01"), d("2021-01-01")]);
        assert!(care.changes_in(d("2021-01-01"), d("2020-01-01")).is_empty());
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
        let care = Care::new(&t, &OutcomeConfig::default());
        let got = care.transitions(d("2026-07-01"));
        let want = vec![
            Transition { date: d("2020-01-01"), from: st(0, false), to: st(4, false) },
            Transition { date: d("2020-07-01"), from: st(4, false), to: st(5, false) },
            Transition { date: d("2020-09-01"), from: st(5, false), to: st(5, true) },
            Transition { date: d("2021-01-01"), from: st(5, true), to: st(0, true) },
        ];
        assert_eq!(got, want);
        assert_eq!(care.transitions(d("2020-07-01")).len(), 2);
        assert!(care.protection_starts_on(d("2020-09-01")) && !care.protection_starts_on(d("2020-02-01")));
    }
}
