//! The summary of an outcome run counted from the kernels' rows, without writing a result
//! table (`kohort outcomes --summary-only`): window statuses per source, index kind, variant
//! and window, and the field indicators' counts and denominators — the rows that
//! `sql/outcomes/window_counts.sql` and `sql/outcomes/indicator_counts.sql` count from a run's
//! tables. The lines of the summary, their names and percentages stay in `summary.sql` and
//! `indicators.sql`, which read either (docs/definitions.md §4.1, §4.12).

use std::collections::BTreeMap;

use super::config::{Family, OutcomeConfig};
use super::household::HouseholdIndex;
use super::indicators::Change;
use super::kernels::PersonOutcomes;
use super::probation::RiskChange;
use super::window::{Status, status};

/// The statuses of a window, in this order (the slots of [`Windows`]' counts).
const STATUSES: [Status; 4] = [Status::Event, Status::NoEvent, Status::Censored, Status::Dropped];

/// The changes of reliable change (indicator line 6), in the order of their counts.
const CHANGES: [Change; 3] = [Change::Improved, Change::Unchanged, Change::Deteriorated];

/// The changes of delinquency risk (indicator line 7), in the order of their counts.
const RISK_CHANGES: [RiskChange; 3] = [RiskChange::Reduced, RiskChange::Unchanged, RiskChange::Increased];

/// Whether the summary of `cfg`'s families reads the persons' own rows: every family's lines
/// follow from a follow-up end (birth, death, emigration, data end) but those of measures
/// (success and placement, §4.9, §4.11) and the field indicators (§4.12), which a summary of
/// those alone counts without reading a person row (`tests/summary.rs` checks them against a
/// run's).
#[must_use]
pub fn needs_person_rows(cfg: &OutcomeConfig) -> bool {
    cfg.families.iter().any(|f| !matches!(f, Family::Measures | Family::Indicators))
}

/// Window results counted by window (in the order first seen) and status.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Windows(Vec<(i64, [u64; 4])>);

impl Windows {
    /// The counts of `window`.
    fn of(&mut self, window: i64) -> &mut [u64; 4] {
        let at = match self.0.iter().position(|(w, _)| *w == window) {
            Some(at) => at,
            None => {
                self.0.push((window, [0; 4]));
                self.0.len() - 1
            }
        };
        &mut self.0[at].1
    }

    fn add(&mut self, window: i64, status: Status) {
        let slot = STATUSES.iter().position(|s| *s == status).unwrap_or(0);
        self.of(window)[slot] += 1;
    }

    fn merge(&mut self, other: &Windows) {
        for (window, counts) in &other.0 {
            for (mine, theirs) in self.of(*window).iter_mut().zip(counts) {
                *mine += theirs;
            }
        }
    }
}

/// The [`Windows`] of `key` in a short list (a few kinds and variants).
fn windows_of<K: PartialEq>(list: &mut Vec<(K, Windows)>, key: K) -> &mut Windows {
    let at = match list.iter().position(|(k, _)| *k == key) {
        Some(at) => at,
        None => {
            list.push((key, Windows::default()));
            list.len() - 1
        }
    };
    &mut list[at].1
}

/// One row of `window_counts`: source, kind, variant, window in days, status, count.
pub type WindowCount = (&'static str, &'static str, &'static str, i64, &'static str, u64);

/// One row of `indicator_counts`: line, instrument, change, count, denominator.
pub type IndicatorCount = (i32, String, &'static str, u64, u64);

/// Counted window statuses and field indicators of some persons' outcomes.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Tally {
    reentry: Windows,
    escalation: Windows,
    deescalation: Windows,
    /// By index kind.
    safety: Vec<(&'static str, Windows)>,
    household: Windows,
    /// By index kind and variant.
    recidivism: Vec<((&'static str, &'static str), Windows)>,
    /// Indicator lines 1 to 5: count and denominator.
    lines: [(u64, u64); 5],
    /// Reliable change (line 6) and delinquency risk change (line 7) by line and instrument:
    /// the count of each change, in the order of [`CHANGES`] and [`RISK_CHANGES`].
    changes: BTreeMap<(i32, String), [u64; 3]>,
}

impl Tally {
    /// Count the rows of one person's outcomes (the rows a run writes of them).
    pub fn add(&mut self, o: &PersonOutcomes) {
        for r in &o.reentry {
            for (w, s) in &r.windows {
                self.reentry.add(*w, *s);
            }
        }
        for e in &o.escalation {
            self.escalation.add(e.window, e.status);
            self.deescalation.add(e.window, e.deesc_status);
        }
        for s in &o.safety {
            let windows = windows_of(&mut self.safety, s.kind.as_str());
            for (w, st) in &s.windows {
                windows.add(*w, *st);
            }
        }
        for r in &o.recidivism {
            for (variant, rec) in [("any", &r.any), ("serious", &r.serious)] {
                let windows = windows_of(&mut self.recidivism, (r.kind.as_str(), variant));
                for (w, st) in &rec.windows {
                    windows.add(*w, *st);
                }
            }
        }
        let count = |line: &mut (u64, u64), yes: bool| {
            line.0 += u64::from(yes);
            line.1 += 1;
        };
        for e in &o.episode_indicators {
            count(&mut self.lines[0], e.regular);
            if let Some(yes) = e.goal_attained() {
                count(&mut self.lines[1], yes);
            }
            if let Some(yes) = e.satisfied() {
                count(&mut self.lines[2], yes);
            }
        }
        for m in o.measure_episodes.iter().filter(|m| m.protection) {
            if m.is_closed() {
                count(&mut self.lines[3], m.goal_reached);
            }
            count(&mut self.lines[4], m.out_of_home);
        }
        for r in &o.reliable_change {
            let at = CHANGES.iter().position(|c| *c == r.change).unwrap_or(0);
            self.changes.entry((6, r.instrument.clone())).or_default()[at] += 1;
        }
        for r in &o.risk_change {
            let at = RISK_CHANGES.iter().position(|c| *c == r.change).unwrap_or(0);
            self.changes.entry((7, r.instrument.clone())).or_default()[at] += 1;
        }
    }

    /// Count the rows of the household view (`safety_household`) in the safety `windows`.
    pub fn add_household(&mut self, rows: &[HouseholdIndex], windows: &[i64]) {
        for h in rows {
            for w in windows {
                self.household.add(*w, status(h.index, h.rereport, h.fu, *w));
            }
        }
    }

    /// Add another tally's counts.
    pub fn merge(&mut self, other: &Tally) {
        self.reentry.merge(&other.reentry);
        self.escalation.merge(&other.escalation);
        self.deescalation.merge(&other.deescalation);
        for (kind, w) in &other.safety {
            windows_of(&mut self.safety, *kind).merge(w);
        }
        self.household.merge(&other.household);
        for (key, w) in &other.recidivism {
            windows_of(&mut self.recidivism, *key).merge(w);
        }
        for (mine, theirs) in self.lines.iter_mut().zip(&other.lines) {
            mine.0 += theirs.0;
            mine.1 += theirs.1;
        }
        for (key, counts) in &other.changes {
            let mine = self.changes.entry(key.clone()).or_default();
            for (m, t) in mine.iter_mut().zip(counts) {
                *m += t;
            }
        }
    }

    /// The rows of `window_counts`: a row per status counted at least once.
    #[must_use]
    pub fn window_counts(&self) -> Vec<WindowCount> {
        let mut sources: Vec<(&'static str, &'static str, &'static str, &Windows)> = vec![
            ("reentry", "", "", &self.reentry),
            ("escalation", "", "", &self.escalation),
            ("deescalation", "", "", &self.deescalation),
            ("household", "", "", &self.household),
        ];
        sources.extend(self.safety.iter().map(|(kind, w)| ("safety", *kind, "", w)));
        sources.extend(self.recidivism.iter().map(|((kind, variant), w)| ("recidivism", *kind, *variant, w)));
        let mut rows = Vec::new();
        for (source, kind, variant, windows) in sources {
            for (window, counts) in &windows.0 {
                for (status, n) in STATUSES.iter().zip(counts).filter(|(_, n)| **n > 0) {
                    rows.push((source, kind, variant, *window, status.as_str(), *n));
                }
            }
        }
        rows
    }

    /// The rows of `indicator_counts`: lines 1 to 5, then each change of each instrument with
    /// rows in lines 6 and 7.
    #[must_use]
    pub fn indicator_counts(&self) -> Vec<IndicatorCount> {
        let mut rows: Vec<IndicatorCount> =
            (1..).zip(&self.lines).map(|(line, (n, of))| (line, String::new(), "", *n, *of)).collect();
        for ((line, instrument), counts) in &self.changes {
            let names: [&'static str; 3] =
                if *line == 6 { CHANGES.map(Change::as_str) } else { RISK_CHANGES.map(RiskChange::as_str) };
            let of = counts.iter().sum();
            rows.extend(names.iter().zip(counts).map(|(name, n)| (*line, instrument.clone(), *name, *n, of)));
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::kernels::compute;
    use crate::outcomes::testkit::{ep, person, score};

    /// Two closed spells 201 days apart (data end 2026-07-01, both ending planned); the first
    /// episode's goals attained and satisfaction 8, the second's goals not attained.
    fn two_spells() -> PersonOutcomes {
        let mut t = person("2010-01-01");
        t.episodes = vec![
            ep("E1", "ambulant", "2018-01-01", "2018-06-30", "planned"),
            ep("E2", "foster_care", "2019-01-17", "2019-06-30", "planned"),
        ];
        t.measurements = vec![
            score("M1", "E1", "goal_attainment", "end", "2018-06-30", 2.0),
            score("M2", "E1", "satisfaction", "end", "2018-06-30", 8.0),
            score("M3", "E2", "goal_attainment", "end", "2019-06-30", 0.0),
        ];
        compute(&t, &OutcomeConfig::default())
    }

    fn rows_of(t: &Tally, source: &str) -> Vec<(i64, &'static str, u64)> {
        let mut rows: Vec<_> =
            t.window_counts().into_iter().filter(|r| r.0 == source).map(|(_, _, _, w, s, n)| (w, s, n)).collect();
        rows.sort_unstable();
        rows
    }

    #[test]
    fn a_persons_windows_and_indicators_are_counted_by_hand() {
        let mut t = Tally::default();
        t.add(&two_spells());
        // The first spell's end is re-entered 201 days on: an event in 365 and 730, none in 182;
        // the second's is never re-entered and every window is complete by the data end.
        let want = vec![
            (182, "no_event", 2),
            (365, "event", 1),
            (365, "no_event", 1),
            (730, "event", 1),
            (730, "no_event", 1),
        ];
        assert_eq!(rows_of(&t, "reentry"), want);
        let lines: Vec<(i32, u64, u64)> = t.indicator_counts().into_iter().map(|(l, _, _, n, of)| (l, n, of)).collect();
        // Regular endings 2 of 2; goals attained 1 of 2 measured; satisfied 1 of 1; no measure.
        assert_eq!(lines, vec![(1, 2, 2), (2, 1, 2), (3, 1, 1), (4, 0, 0), (5, 0, 0)]);
    }

    #[test]
    fn tallies_merged_count_what_one_tally_of_everything_counts() {
        let a = two_spells();
        let mut b = a.clone();
        b.reentry.truncate(1);
        let mut one = Tally::default();
        one.add(&a);
        one.add(&b);
        let (mut left, mut right) = (Tally::default(), Tally::default());
        left.add(&a);
        right.add(&b);
        left.merge(&right);
        assert_eq!(left.window_counts(), one.window_counts());
        assert_eq!(left.indicator_counts(), one.indicator_counts());
        assert_eq!(rows_of(&one, "reentry")[0], (182, "no_event", 3));
        // A status never seen has no row; the indicator lines 1 to 5 are there when empty.
        assert!(one.window_counts().iter().all(|r| r.5 > 0));
        assert_eq!(Tally::default().window_counts(), Vec::new());
        assert_eq!(Tally::default().indicator_counts().len(), 5);
    }
}
