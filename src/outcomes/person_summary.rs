//! Per-person summary for intergenerational linkage (docs/definitions.md
//! §4.13.1, §4.1): what a person's own care history says about them as a parent (G1, heavy) and as a
//! child (first care, first measure, first out-of-home start; follow-up to age A).
//!
//! Rules:
//! - **G1** = a spell start or any measure start (all five kinds) strictly before the 18th
//!   birthday. A spell starts at its first episode, and an episode starting before 18 always
//!   lies in a spell that started on or before it, so this is "an episode or a measure starts
//!   before 18".
//! - **Heavy** = before the 18th birthday an episode at an out-of-home level (ladder level >=
//!   `out_of_home_from`, 4 by default) starts, or a measure starts.
//! - **Heaviest level before 18** = highest ladder level of the episodes starting before the
//!   18th birthday (0 = none).
//! - The first starts are over the whole life (any age); the linkage applies "strictly before
//!   age A and on or before the follow-up end" to them, which is exact because they are first.
//! - Follow-up to age A uses the outcome engine's rule ([`follow_up`]): earliest of death,
//!   emigration, data end and the A-th birthday (29 February → 1 March), inclusive.

use chrono::NaiveDate;

use super::config::OutcomeConfig;
use super::followup::{FollowUp, birthday, follow_up};
use super::window::days;
use crate::schema::{CareForm, Sex};
use crate::timelines::PersonTimeline;

/// Age at which G1 is judged (docs/definitions.md §4.13.1: before the 18th birthday).
pub const G1_AGE: u32 = 18;

/// One person's summary row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonSummary {
    /// Birth date.
    pub birth_date: NaiveDate,
    /// Sex.
    pub sex: Sex,
    /// The 18th birthday.
    pub birthday_18: Option<NaiveDate>,
    /// A spell or measure start before 18.
    pub g1: bool,
    /// An out-of-home episode or a measure start before 18.
    pub heavy: bool,
    /// Highest ladder level of episodes starting before 18 (0 = none).
    pub heaviest_level_before_18: u8,
    /// A measure start before 18.
    pub measure_before_18: bool,
    /// First episode (= first spell) start, any age.
    pub first_care_start: Option<NaiveDate>,
    /// Age in days at the first care start.
    pub age_first_care_days: Option<i64>,
    /// First measure start (any kind), any age.
    pub first_measure_start: Option<NaiveDate>,
    /// First out-of-home episode start, any age.
    pub first_out_of_home_start: Option<NaiveDate>,
    /// The A-th birthday (linkage outcome age).
    pub birthday_a: Option<NaiveDate>,
    /// Follow-up end for age A.
    pub fu: FollowUp,
}

/// The summary of `t` (linkage outcome age from `cfg.linkage.age`).
#[must_use]
pub fn summarise(t: &PersonTimeline, cfg: &OutcomeConfig) -> PersonSummary {
    let b18 = birthday(t.birth_date, G1_AGE);
    let before_18 = |d: NaiveDate| b18.is_some_and(|b| d < b);
    let out_of_home = |form: CareForm| cfg.level(form) >= cfg.ladder.out_of_home_from;
    let first_care_start = t.episodes.iter().map(|e| e.start).min();
    let first_measure_start = t.measures.iter().map(|m| m.start).min();
    let first_out_of_home_start = t.episodes.iter().filter(|e| out_of_home(e.care_form)).map(|e| e.start).min();
    let heaviest_level_before_18 =
        t.episodes.iter().filter(|e| before_18(e.start)).map(|e| cfg.level(e.care_form)).max().unwrap_or(0);
    let measure_before_18 = first_measure_start.is_some_and(before_18);
    PersonSummary {
        birth_date: t.birth_date,
        sex: t.sex,
        birthday_18: b18,
        g1: first_care_start.is_some_and(before_18) || measure_before_18,
        heavy: first_out_of_home_start.is_some_and(before_18) || measure_before_18,
        heaviest_level_before_18,
        measure_before_18,
        first_care_start,
        age_first_care_days: first_care_start.map(|s| days(t.birth_date, s)),
        first_measure_start,
        first_out_of_home_start,
        birthday_a: birthday(t.birth_date, cfg.linkage.age),
        fu: follow_up(t, cfg.linkage.age),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::followup::FuReason;
    use crate::outcomes::testkit::{d, ep, measure, person};

    #[test]
    fn g1_needs_a_start_strictly_before_the_18th_birthday() {
        let cfg = OutcomeConfig::default();
        let mut t = person("2000-05-10");
        t.episodes = vec![ep("E1", "ambulant", "2018-05-10", "2018-09-01", "planned")];
        let s = summarise(&t, &cfg);
        assert!(!s.g1, "a start on the 18th birthday is not before it");
        assert_eq!(s.first_care_start, Some(d("2018-05-10")));
        t.episodes[0].start = d("2018-05-09");
        assert!(summarise(&t, &cfg).g1);
    }

    #[test]
    fn heavy_is_out_of_home_or_a_measure_before_18_and_levels_count_only_before_18() {
        let cfg = OutcomeConfig::default();
        let mut t = person("2000-05-10");
        t.episodes = vec![
            ep("E1", "ambulant", "2010-01-01", "2010-06-01", "planned"),
            ep("E2", "foster_care", "2019-01-01", "2019-06-01", "planned"),
        ];
        let s = summarise(&t, &cfg);
        assert!(s.g1 && !s.heavy);
        assert_eq!(s.heaviest_level_before_18, 2);
        assert_eq!(s.first_out_of_home_start, Some(d("2019-01-01")));
        t.measures = vec![measure("M1", "youth_probation", "2017-01-01", "", "")];
        let s = summarise(&t, &cfg);
        assert!(s.heavy && s.measure_before_18, "any measure before 18 is heavy");
        // G1 by a measure only.
        let mut m = person("2000-05-10");
        m.measures = vec![measure("M2", "ots", "2012-03-01", "", "")];
        let s = summarise(&m, &cfg);
        assert!(s.g1 && s.heavy && s.first_care_start.is_none());
    }

    #[test]
    fn follow_up_runs_to_the_configured_age() {
        let mut cfg = OutcomeConfig::default();
        let t = person("2004-02-29");
        assert_eq!(summarise(&t, &cfg).fu, FollowUp { end: d("2022-03-01"), reason: FuReason::AgeLimit });
        cfg.linkage.age = 12;
        let s = summarise(&t, &cfg);
        assert_eq!(s.birthday_a, Some(d("2016-02-29")));
        assert_eq!(s.fu.end, d("2016-02-29"));
    }
}
