//! Prior care at start (the CBS StatLine reading of *herhaald beroep*, docs/definitions.md §4.4): for each
//! spell start, whether an earlier spell of the person ended within the look-back (default 1826
//! days) before it: `0 < start − end <= lookback`.
//!
//! Episodes that start together belong to one spell, so they are never each other's prior care.
//! All spells count, regardless of age or follow-up (a stock reading per year of start).

use chrono::{Datelike, NaiveDate};

use super::spells::Spell;
use super::window::days;

/// Prior care at one spell start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorCare {
    /// The spell.
    pub spell_no: u32,
    /// Its start.
    pub start: NaiveDate,
    /// Calendar year of the start (the CBS reporting year).
    pub year: i32,
    /// Latest end of an earlier spell, if any.
    pub prior_end: Option<NaiveDate>,
    /// Days from `prior_end` to the start.
    pub days_since: Option<i64>,
    /// Whether `days_since` lies within the look-back.
    pub prior_care: bool,
}

/// Prior care at every spell start.
pub fn starts(spells: &[Spell], lookback: i64) -> Vec<PriorCare> {
    spells.iter().enumerate().map(|(i, s)| at(s, &spells[..i], lookback)).collect()
}

fn at(s: &Spell, earlier: &[Spell], lookback: i64) -> PriorCare {
    let prior_end = earlier.iter().filter_map(|e| e.end).filter(|e| *e < s.start).max();
    let days_since = prior_end.map(|e| days(e, s.start));
    PriorCare {
        spell_no: s.spell_no,
        start: s.start,
        year: s.start.year(),
        prior_end,
        days_since,
        prior_care: days_since.is_some_and(|t| t <= lookback),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::config::OutcomeConfig;
    use crate::outcomes::spells::build;
    use crate::outcomes::testkit::{d, ep};

    #[test]
    fn episodes_starting_together_are_not_prior_care() {
        let eps = vec![
            ep("E1", "ambulant", "2020-01-01", "2020-06-30", ""),
            ep("E2", "local_team", "2020-01-01", "2020-02-01", ""),
            ep("E3", "ambulant", "2020-01-15", "2020-03-01", ""),
        ];
        let p = starts(&build(&eps, &OutcomeConfig::default()), 1826);
        assert_eq!(p.len(), 1);
        assert!(!p[0].prior_care);
    }

    #[test]
    fn lookback_1826_is_inclusive_and_configurable() {
        let eps =
            vec![ep("E1", "ambulant", "2015-01-01", "2015-01-01", ""), ep("E2", "ambulant", "2020-01-01", "", "")];
        let spells = build(&eps, &OutcomeConfig::default());
        let p = starts(&spells, 1826);
        assert_eq!((p[1].prior_end, p[1].days_since, p[1].prior_care), (Some(d("2015-01-01")), Some(1826), true));
        assert!(!starts(&spells, 1825)[1].prior_care);
        assert_eq!(p[1].year, 2020);
    }
}
