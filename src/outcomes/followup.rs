//! Follow-up end of a person (docs/definitions.md §4.1.2): the earliest of death, emigration, data end
//! (`extracted_on`) and the day the person reaches an outcome family's age limit.
//!
//! Follow-up is inclusive: an event on the follow-up end counts (the birthday itself included).
//! A 29 February birthday falls on 1 March in years without one. When several ends fall on the
//! same day the reason reported is, in this order: death, emigration, age limit, data end — a
//! real competing event outranks the administrative end of the data.

use chrono::{Datelike, NaiveDate};

use crate::timelines::PersonTimeline;

/// Why follow-up ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FuReason {
    /// Died.
    Death,
    /// Emigrated.
    Emigration,
    /// Reached the age limit of the outcome family.
    AgeLimit,
    /// End of the data (`extracted_on`).
    DataEnd,
}

impl FuReason {
    /// The name used in result tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Death => "death",
            Self::Emigration => "emigration",
            Self::AgeLimit => "age_limit",
            Self::DataEnd => "data_end",
        }
    }

    /// Whether this end is a competing event (Aalen–Johansen cause 2) rather than censoring.
    pub fn is_competing(self) -> bool {
        !matches!(self, Self::DataEnd)
    }
}

/// The follow-up end of a person for one age limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowUp {
    /// Last day of follow-up (inclusive).
    pub end: NaiveDate,
    /// Why follow-up ends there.
    pub reason: FuReason,
}

/// The day someone born on `birth` turns `age` (29 February → 1 March in other years).
pub fn birthday(birth: NaiveDate, age: u32) -> Option<NaiveDate> {
    let year = birth.year().checked_add(i32::try_from(age).ok()?)?;
    NaiveDate::from_ymd_opt(year, birth.month(), birth.day()).or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
}

/// Follow-up end of `t` for an age limit; ties resolved as the module header says.
pub fn follow_up(t: &PersonTimeline, age_limit: u32) -> FollowUp {
    let mut fu = FollowUp { end: t.data_end, reason: FuReason::DataEnd };
    let ends = [
        (birthday(t.birth_date, age_limit), FuReason::AgeLimit),
        (t.emigration_date, FuReason::Emigration),
        (t.death_date, FuReason::Death),
    ];
    for (date, reason) in ends {
        if let Some(end) = date.filter(|d| *d <= fu.end) {
            fu = FollowUp { end, reason };
        }
    }
    fu
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::testkit::{d, person};

    #[test]
    fn leap_day_birthday_falls_on_first_of_march() {
        assert_eq!(birthday(d("2012-02-29"), 18), Some(d("2030-03-01")));
        assert_eq!(birthday(d("2012-02-29"), 4), Some(d("2016-02-29")));
        assert_eq!(birthday(d("2007-12-20"), 23), Some(d("2030-12-20")));
    }

    #[test]
    fn earliest_end_wins() {
        let mut t = person("2008-01-10");
        assert_eq!(follow_up(&t, 18), FollowUp { end: d("2026-01-10"), reason: FuReason::AgeLimit });
        assert_eq!(follow_up(&t, 23), FollowUp { end: d("2026-07-01"), reason: FuReason::DataEnd });
        t.emigration_date = Some(d("2020-05-01"));
        assert_eq!(follow_up(&t, 18).reason, FuReason::Emigration);
    }

    #[test]
    fn ties_prefer_death_then_emigration_then_age_limit() {
        let mut t = person("2008-07-01");
        t.data_end = d("2026-07-01");
        assert_eq!(follow_up(&t, 18).reason, FuReason::AgeLimit);
        t.emigration_date = Some(d("2026-07-01"));
        assert_eq!(follow_up(&t, 18).reason, FuReason::Emigration);
        t.death_date = Some(d("2026-07-01"));
        assert_eq!(follow_up(&t, 18), FollowUp { end: d("2026-07-01"), reason: FuReason::Death });
    }
}
