//! State per month since each escalation index (docs/definitions.md §4.7, monthly
//! states).
//!
//! Month m of an index is the calendar date index + m months (chrono month arithmetic: a day that
//! does not exist in the target month becomes its last day, so 31 January + 1 month = 28 or 29
//! February), for m = 0..=W/30 (W = the escalation window; 365 gives months 0..=12). On that day
//! the person is in care (a level > 0 or an active protection measure, with the state), in no
//! care, or censored when the day lies after the follow-up end. Dropped indexes (on or after fu)
//! have no months.

use chrono::{Months, NaiveDate};

use super::followup::FollowUp;
use super::spells::Spell;
use super::state::{Care, State};
use super::window;

/// Where the person is in a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MonthStatus {
    /// In care or under a protection measure, in the given state.
    InCare(State),
    /// No episode and no protection measure active.
    NoCare,
    /// After the follow-up end.
    Censored,
}

impl MonthStatus {
    /// The name used in result tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InCare(_) => "in_care",
            Self::NoCare => "no_care",
            Self::Censored => "censored",
        }
    }

    /// The state, when in care.
    pub fn state(self) -> Option<State> {
        match self {
            Self::InCare(s) => Some(s),
            _ => None,
        }
    }
}

/// The state of one index in one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthState {
    /// The spell whose start is the index.
    pub spell_no: u32,
    /// Index date.
    pub index: NaiveDate,
    /// Months since the index.
    pub month: u32,
    /// index + month months.
    pub date: NaiveDate,
    /// Where the person is that day.
    pub status: MonthStatus,
}

/// The monthly states of every spell start not dropped, for escalation window `w`.
pub fn states(care: &Care, spells: &[Spell], fu: FollowUp, w: i64) -> Vec<MonthState> {
    let months = u32::try_from(w.max(0) / 30).unwrap_or(0);
    spells
        .iter()
        .filter(|s| !window::dropped(s.start, fu.end))
        .flat_map(|s| (0..=months).filter_map(move |m| month(care, s, fu, m)))
        .collect()
}

fn month(care: &Care, s: &Spell, fu: FollowUp, m: u32) -> Option<MonthState> {
    let date = s.start.checked_add_months(Months::new(m))?;
    let status = if date > fu.end {
        MonthStatus::Censored
    } else {
        let state = care.state_on(date);
        if state == State::default() { MonthStatus::NoCare } else { MonthStatus::InCare(state) }
    };
    Some(MonthState { spell_no: s.spell_no, index: s.start, month: m, date, status })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::config::OutcomeConfig;
    use crate::outcomes::followup::follow_up;
    use crate::outcomes::spells::build;
    use crate::outcomes::testkit::{d, ep, measure, person};

    #[test]
    fn months_end_of_month_clamp_no_care_and_censoring() {
        let mut t = person("2009-06-15");
        t.episodes = vec![ep("E1", "ambulant", "2026-01-31", "2026-02-27", "")];
        t.measures = vec![measure("M1", "ots", "2026-03-31", "", "")];
        let cfg = OutcomeConfig::default();
        let m = states(&Care::new(&t, &cfg), &build(&t.episodes, &cfg), follow_up(&t, 18), 365);
        assert_eq!(m.len(), 13);
        assert_eq!(m[0].status, MonthStatus::InCare(State { level: 2, protection: false }));
        assert_eq!((m[1].date, m[1].status), (d("2026-02-28"), MonthStatus::NoCare));
        assert_eq!(m[2].status, MonthStatus::InCare(State { level: 0, protection: true }));
        assert_eq!(
            (m[4].date, m[4].status),
            (d("2026-05-31"), MonthStatus::InCare(State { level: 0, protection: true }))
        );
        assert_eq!(
            (m[5].date, m[5].status),
            (d("2026-06-30"), MonthStatus::InCare(State { level: 0, protection: true }))
        );
        assert_eq!((m[6].date, m[6].status), (d("2026-07-31"), MonthStatus::Censored));
    }

    #[test]
    fn window_730_gives_25_months() {
        let mut t = person("2010-01-01");
        t.episodes = vec![ep("E1", "ambulant", "2020-01-01", "", "")];
        let cfg = OutcomeConfig { escalation_window: 730, ..OutcomeConfig::default() };
        assert_eq!(
            states(&Care::new(&t, &cfg), &build(&t.episodes, &cfg), follow_up(&t, 18), cfg.escalation_window).len(),
            25
        );
    }
}
