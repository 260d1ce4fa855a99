//! Re-entry (*herhaald beroep*, docs/definitions.md §4.3, §4.1): one index per closed spell end; the event is
//! the start of the person's next spell, seen only on or before the follow-up end.
//!
//! Per index: the window statuses (see [`super::window`]), the Kaplan–Meier time (t to the
//! event, else fu − index) and the Aalen–Johansen cause: 1 = re-entry, 2 = follow-up ended by a
//! competing event (age limit, death, emigration), 0 = censored at the data end. Dropped indexes
//! (on or after fu) have no time and no cause.

use chrono::NaiveDate;

use super::followup::FollowUp;
use super::spells::Spell;
use super::survival::{CompetingObservation, Observation};
use super::window::{self, Cause, Status, days, days_f64};

/// One re-entry index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reentry {
    /// The spell whose end is the index.
    pub spell_no: u32,
    /// Index date: the end of the spell.
    pub index: NaiveDate,
    /// Start of the next spell if on or before fu (the event).
    pub next_start: Option<NaiveDate>,
    /// Days from index to `next_start`.
    pub t: Option<i64>,
    /// Follow-up end of the re-entry family.
    pub fu: FollowUp,
    /// Index on or after fu: not at risk.
    pub dropped: bool,
    /// Kaplan–Meier time: t, or fu − index when censored (`None` when dropped).
    pub time: Option<i64>,
    /// Aalen–Johansen cause: 1 re-entry, 2 competing end, 0 censored (`None` when dropped).
    pub cause: Option<Cause>,
    /// Status per configured window, in config order.
    pub windows: Vec<(i64, Status)>,
}

impl Reentry {
    /// The Kaplan–Meier observation (`None` when dropped).
    pub fn observation(&self) -> Option<Observation> {
        Some(Observation { time: days_f64(self.time?), event: self.t.is_some() })
    }

    /// The Aalen–Johansen observation (`None` when dropped).
    pub fn competing(&self) -> Option<CompetingObservation> {
        Some(CompetingObservation { time: days_f64(self.time?), cause: u32::from(self.cause?.code()) })
    }
}

/// The re-entry indexes of a person's spells.
pub fn indexes(spells: &[Spell], fu: FollowUp, windows: &[i64]) -> Vec<Reentry> {
    spells.iter().enumerate().filter_map(|(i, s)| Some(index(s, spells.get(i + 1), fu, windows, s.end?))).collect()
}

fn index(s: &Spell, next: Option<&Spell>, fu: FollowUp, windows: &[i64], end: NaiveDate) -> Reentry {
    let next_start = next.map(|n| n.start).filter(|d| *d <= fu.end && *d > end);
    let dropped = window::dropped(end, fu.end);
    let t = next_start.map(|d| days(end, d));
    let cause = match (t, fu.reason.is_competing()) {
        (Some(_), _) => Cause::Event,
        (None, true) => Cause::Competing,
        (None, false) => Cause::Censored,
    };
    Reentry {
        spell_no: s.spell_no,
        index: end,
        next_start,
        t,
        fu,
        dropped,
        time: (!dropped).then(|| t.unwrap_or_else(|| days(end, fu.end))),
        cause: (!dropped).then_some(cause),
        windows: window::statuses(end, next_start, fu.end, windows),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::config::OutcomeConfig;
    use crate::outcomes::followup::FuReason;
    use crate::outcomes::spells::build;
    use crate::outcomes::testkit::{d, ep};

    fn fu(end: &str, reason: FuReason) -> FollowUp {
        FollowUp { end: d(end), reason }
    }

    fn two_spells() -> Vec<Spell> {
        let eps =
            vec![ep("E1", "ambulant", "2016-03-20", "2016-09-20", ""), ep("E2", "local_team", "2017-09-21", "", "")];
        build(&eps, &OutcomeConfig::default())
    }

    #[test]
    fn reentry_at_366_days_is_outside_365() {
        let r = indexes(&two_spells(), fu("2026-07-01", FuReason::DataEnd), &[182, 365, 730]);
        assert_eq!(r.len(), 1, "the open spell has no index");
        assert_eq!(r[0].t, Some(366));
        let st: Vec<Status> = r[0].windows.iter().map(|w| w.1).collect();
        assert_eq!(st, vec![Status::NoEvent, Status::NoEvent, Status::Event]);
        assert_eq!((r[0].time, r[0].cause), (Some(366), Some(Cause::Event)));
        assert_eq!(r[0].observation(), Some(Observation { time: 366.0, event: true }));
        assert_eq!(r[0].competing(), Some(CompetingObservation { time: 366.0, cause: 1 }));
    }

    #[test]
    fn event_on_fu_counts_and_after_fu_is_competing() {
        let on = indexes(&two_spells(), fu("2017-09-21", FuReason::AgeLimit), &[730]);
        assert_eq!((on[0].windows[0].1, on[0].cause), (Status::Event, Some(Cause::Event)));
        let before = indexes(&two_spells(), fu("2017-09-20", FuReason::AgeLimit), &[364, 365, 730]);
        assert_eq!(before[0].next_start, None);
        let want = vec![(364, Status::NoEvent), (365, Status::NoEvent), (730, Status::Censored)];
        assert_eq!(before[0].windows, want, "fu = index + 365 completes the 365 window");
        assert_eq!((before[0].time, before[0].cause), (Some(365), Some(Cause::Competing)));
    }

    #[test]
    fn index_on_fu_is_dropped() {
        let r = indexes(&two_spells(), fu("2016-09-20", FuReason::Death), &[182]);
        assert!(r[0].dropped);
        assert_eq!((r[0].windows[0].1, r[0].time, r[0].cause), (Status::Dropped, None, None));
        assert_eq!((r[0].observation(), r[0].competing()), (None, None));
    }

    #[test]
    fn censored_at_data_end_is_cause_zero() {
        let r = indexes(&two_spells(), fu("2017-01-01", FuReason::DataEnd), &[182]);
        assert_eq!((r[0].windows[0].1, r[0].cause, r[0].time), (Status::Censored, Some(Cause::Censored), Some(103)));
    }
}
