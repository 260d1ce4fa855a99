//! Escalation (*doorstroom naar zwaardere hulp*) and de-escalation (docs/definitions.md §4.6, §4.1).
//!
//! Index = each spell start, with its index level (episodes starting that day included).
//! Escalation = the first day in (index, index + W], in this spell or a later one, on which the
//! level exceeds the index level or a protection measure (`ots`, `provisional_ots`,
//! `guardianship`, `provisional_guardianship`: the ladder's list) starts; `youth_probation` never
//! escalates. De-escalation = the first such day on which the level is lower than the index level
//! but above 0. Events are seen on or before the follow-up end; window statuses as in
//! [`super::window`]. The Kaplan–Meier time is t for an event, else min(fu − index, W): time to
//! escalation is read within the window.
//!
//! A level rises only on a start day and falls only on a start day or the day after an end, so
//! only those days are examined (see [`Care`]).

use chrono::NaiveDate;

use super::followup::FollowUp;
use super::spells::Spell;
use super::state::Care;
use super::survival::Observation;
use super::window::{self, Status, days, days_f64};

/// A level change or measure start found after an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    /// The day.
    pub date: NaiveDate,
    /// Days from the index.
    pub t: i64,
    /// The level that day.
    pub level: u8,
    /// Whether a protection measure starts that day.
    pub measure_start: bool,
}

/// One escalation index (a spell start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    /// The spell.
    pub spell_no: u32,
    /// Index date: the spell start.
    pub index: NaiveDate,
    /// Level on the index day.
    pub index_level: u8,
    /// Whether a protection measure is active on the index day.
    pub index_protection: bool,
    /// Follow-up end of the escalation family.
    pub fu: FollowUp,
    /// The window W.
    pub window: i64,
    /// Escalation status in the window.
    pub status: Status,
    /// The escalation, if seen in the window.
    pub escalation: Option<Shift>,
    /// Kaplan–Meier time to escalation (`None` when dropped).
    pub time: Option<i64>,
    /// De-escalation status in the window.
    pub deesc_status: Status,
    /// The de-escalation, if seen in the window.
    pub deescalation: Option<Shift>,
    /// Kaplan–Meier time to de-escalation (`None` when dropped).
    pub deesc_time: Option<i64>,
}

impl Escalation {
    /// The Kaplan–Meier observation of time to escalation (`None` when dropped).
    pub fn observation(&self) -> Option<Observation> {
        Some(Observation { time: days_f64(self.time?), event: self.escalation.is_some() })
    }

    /// The Kaplan–Meier observation of time to de-escalation (`None` when dropped).
    pub fn deesc_observation(&self) -> Option<Observation> {
        Some(Observation { time: days_f64(self.deesc_time?), event: self.deescalation.is_some() })
    }
}

/// The escalation indexes of a person's spells within window `w`.
pub fn indexes(care: &Care, spells: &[Spell], fu: FollowUp, w: i64) -> Vec<Escalation> {
    spells.iter().map(|s| index(care, s, fu, w)).collect()
}

fn index(care: &Care, s: &Spell, fu: FollowUp, w: i64) -> Escalation {
    let index = s.start;
    let last = fu.end.min(index.checked_add_signed(chrono::Duration::days(w)).unwrap_or(fu.end));
    let level = care.level_on(index);
    let escalation = first(care, index, last, |lv, starts| lv > level || starts);
    let deescalation = first(care, index, last, |lv, _| lv > 0 && lv < level);
    let km = |e: Option<Shift>| {
        (!window::dropped(index, fu.end)).then(|| e.map_or_else(|| days(index, fu.end).min(w), |e| e.t))
    };
    Escalation {
        spell_no: s.spell_no,
        index,
        index_level: level,
        index_protection: care.protection_on(index),
        fu,
        window: w,
        status: window::status(index, escalation.map(|e| e.date), fu.end, w),
        escalation,
        time: km(escalation),
        deesc_status: window::status(index, deescalation.map(|e| e.date), fu.end, w),
        deescalation,
        deesc_time: km(deescalation),
    }
}

/// The first day in (index, last] on which the state may change and whose (level,
/// protection-measure start) passes `hit`.
fn first(care: &Care, index: NaiveDate, last: NaiveDate, hit: impl Fn(u8, bool) -> bool) -> Option<Shift> {
    care.changes_in(index, last).iter().find_map(|&date| {
        let level = care.level_on(date);
        let measure_start = care.protection_starts_on(date);
        hit(level, measure_start).then_some(Shift { date, t: days(index, date), level, measure_start })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::config::OutcomeConfig;
    use crate::outcomes::followup::{FuReason, follow_up};
    use crate::outcomes::spells::build;
    use crate::outcomes::testkit::{d, ep, measure, person};
    use crate::timelines::PersonTimeline;

    fn run(t: &PersonTimeline, cfg: &OutcomeConfig) -> Vec<Escalation> {
        let fu = follow_up(t, cfg.escalation_age_limit);
        indexes(&Care::new(t, cfg), &build(&t.episodes, cfg), fu, cfg.escalation_window)
    }

    #[test]
    fn heavier_care_in_the_same_spell_escalates() {
        let mut t = person("2012-02-29");
        t.episodes = vec![
            ep("E1", "ambulant", "2018-01-01", "2018-03-31", ""),
            ep("E2", "day_treatment", "2018-05-01", "2018-09-30", ""),
        ];
        let e = &run(&t, &OutcomeConfig::default())[0];
        assert_eq!((e.status, e.index_level, e.time), (Status::Event, 2, Some(120)));
        assert_eq!(e.observation(), Some(Observation { time: 120.0, event: true }));
        assert_eq!(e.escalation.map(|s| (s.date, s.level)), Some((d("2018-05-01"), 3)));
        assert_eq!(e.deesc_status, Status::NoEvent, "the 0-level gap is not a de-escalation");
    }

    #[test]
    fn youth_probation_never_escalates_but_provisional_ots_does() {
        let mut t = person("2008-01-10");
        t.episodes = vec![ep("E1", "ambulant", "2020-06-01", "2020-12-31", "")];
        t.measures = vec![measure("M1", "youth_probation", "2020-07-01", "2021-06-30", "")];
        assert_eq!(run(&t, &OutcomeConfig::default())[0].status, Status::NoEvent);
        t.measures.push(measure("M2", "provisional_ots", "2021-05-31", "2021-06-10", ""));
        let e = &run(&t, &OutcomeConfig::default())[0];
        assert_eq!((e.status, e.escalation.map(|s| (s.t, s.measure_start))), (Status::Event, Some((364, true))));
    }

    #[test]
    fn escalation_on_fu_counts_and_window_is_configurable() {
        let mut t = person("2007-12-20");
        t.episodes = vec![
            ep("E1", "family_home", "2025-01-10", "2025-12-19", ""),
            ep("E2", "residential", "2025-12-20", "2026-06-30", ""),
        ];
        let e = &run(&t, &OutcomeConfig::default())[0];
        assert_eq!((e.fu.reason, e.status, e.time), (FuReason::AgeLimit, Status::Event, Some(344)));
        let short = OutcomeConfig { escalation_window: 343, ..OutcomeConfig::default() };
        let e = &run(&t, &short)[0];
        assert_eq!((e.status, e.time), (Status::NoEvent, Some(343)));
    }

    #[test]
    fn age_limit_23_sees_what_18_censors() {
        let mut t = person("2008-01-10");
        t.episodes =
            vec![ep("E1", "local_team", "2025-11-01", "2026-03-31", ""), ep("E2", "residential", "2026-02-01", "", "")];
        let e = &run(&t, &OutcomeConfig::default())[0];
        assert_eq!((e.status, e.time), (Status::Censored, Some(70)));
        assert_eq!(e.observation(), Some(Observation { time: 70.0, event: false }));
        let cfg = OutcomeConfig { escalation_age_limit: 23, ..OutcomeConfig::default() };
        let e = &run(&t, &cfg)[0];
        assert_eq!((e.fu.reason, e.status, e.time), (FuReason::DataEnd, Status::Event, Some(92)));
    }

    #[test]
    fn deescalation_to_a_lower_level_above_zero() {
        let mut t = person("2010-01-01");
        t.episodes =
            vec![ep("E1", "residential", "2020-01-01", "2020-03-31", ""), ep("E2", "ambulant", "2020-02-01", "", "")];
        let e = &run(&t, &OutcomeConfig::default())[0];
        assert_eq!(e.deesc_status, Status::Event);
        assert_eq!(e.deescalation.map(|s| (s.date, s.level)), Some((d("2020-04-01"), 2)));
        assert_eq!(e.status, Status::NoEvent);
    }
}
