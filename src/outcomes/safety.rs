//! Safety: re-reports (*hermelding*, docs/definitions.md §4.8.1, §4.1), child view.
//!
//! Indexes, in this order: every safety report of the child; the end of every closed spell; the
//! end of every closed measure episode (see [`super::measures`], youth probation included — the
//! table carries the measure id to tell them apart). A re-report after a report index is a report
//! of the same child with `same_incident < t` (default 30 days, 14 the US CFSR setting); after a
//! spell or measure end any later report counts (`0 < t`). Only reports on or before the safety
//! follow-up end are seen; window statuses as in [`super::window`] ("geen hermelding binnen W" =
//! not an event). The Kaplan–Meier time is t to the first re-report, else fu − index.
//!
//! The household view needs the reports of the other children: [`super::household`], with the
//! same rule ([`is_rereport`]).

use chrono::NaiveDate;

use super::config::OutcomeConfig;
use super::followup::FollowUp;
use super::measures::MeasureEpisode;
use super::spells::Spell;
use super::survival::Observation;
use super::window::{self, Status, days, days_f64};
use crate::timelines::{PersonTimeline, Pseudonym, Report};

/// What kind of event an index is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndexKind {
    /// A safety report.
    Report,
    /// The end of a closed spell.
    SpellEnd,
    /// The end of a closed measure episode.
    MeasureEnd,
}

impl IndexKind {
    /// The name used in result tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Report => "report",
            Self::SpellEnd => "spell_end",
            Self::MeasureEnd => "measure_end",
        }
    }
}

/// One safety index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyIndex {
    /// Report, spell end or measure end.
    pub kind: IndexKind,
    /// Index date.
    pub index: NaiveDate,
    /// The report (report indexes).
    pub report_id: Option<Pseudonym>,
    /// The spell (spell-end indexes).
    pub spell_no: Option<u32>,
    /// The first measure of the measure episode (measure-end indexes).
    pub measure_id: Option<Pseudonym>,
    /// Minimum days to a re-report, exclusive (same_incident for reports, 0 otherwise).
    pub same_incident: i64,
    /// Follow-up end of the safety family.
    pub fu: FollowUp,
    /// Index on or after fu: not at risk.
    pub dropped: bool,
    /// The first re-report on or before fu (id, date).
    pub rereport: Option<(Pseudonym, NaiveDate)>,
    /// Days from the index to the re-report.
    pub t: Option<i64>,
    /// Kaplan–Meier time: t, or fu − index (`None` when dropped).
    pub time: Option<i64>,
    /// Status per configured window, in config order.
    pub windows: Vec<(i64, Status)>,
}

impl SafetyIndex {
    /// The Kaplan–Meier observation of time to re-report (`None` when dropped).
    pub fn observation(&self) -> Option<Observation> {
        Some(Observation { time: days_f64(self.time?), event: self.rereport.is_some() })
    }
}

/// The first report with `min_t < t` after `index`, on or before `fu`.
pub fn first_rereport(reports: &[Report], index: NaiveDate, min_t: i64, fu: NaiveDate) -> Option<&Report> {
    reports.iter().filter(|r| is_rereport(index, r.date, min_t, fu)).min_by_key(|r| r.date)
}

/// Whether a report on `date` is a re-report of an index on `index`: `min_t < t` (`min_t` at
/// least 0, so only later reports), on or before `fu`. The child view's rule
/// ([`first_rereport`]) and the household view's ([`super::household`]).
pub fn is_rereport(index: NaiveDate, date: NaiveDate, min_t: i64, fu: NaiveDate) -> bool {
    days(index, date) > min_t.max(0) && date <= fu
}

/// Every safety index of a person.
pub fn indexes(
    t: &PersonTimeline,
    cfg: &OutcomeConfig,
    spells: &[Spell],
    measures: &[MeasureEpisode],
    fu: FollowUp,
) -> Vec<SafetyIndex> {
    let base = Base { t, cfg, fu };
    let reports = t.reports.iter().map(|r| {
        let mut i = base.index(IndexKind::Report, r.date, cfg.same_incident_days);
        i.report_id = Some(r.report_id);
        i
    });
    let spell_ends = spells.iter().filter_map(|s| {
        let mut i = base.index(IndexKind::SpellEnd, s.end?, 0);
        i.spell_no = Some(s.spell_no);
        Some(i)
    });
    let measure_ends = measures.iter().filter_map(|m| {
        let mut i = base.index(IndexKind::MeasureEnd, m.end?, 0);
        i.measure_id = Some(m.measure_id);
        Some(i)
    });
    reports.chain(spell_ends).chain(measure_ends).collect()
}

struct Base<'a> {
    t: &'a PersonTimeline,
    cfg: &'a OutcomeConfig,
    fu: FollowUp,
}

impl Base<'_> {
    fn index(&self, kind: IndexKind, index: NaiveDate, same_incident: i64) -> SafetyIndex {
        let fu = self.fu;
        let rr = first_rereport(&self.t.reports, index, same_incident, fu.end);
        let t = rr.map(|r| days(index, r.date));
        let dropped = window::dropped(index, fu.end);
        SafetyIndex {
            kind,
            index,
            report_id: None,
            spell_no: None,
            measure_id: None,
            same_incident,
            fu,
            dropped,
            rereport: rr.map(|r| (r.report_id, r.date)),
            t,
            time: (!dropped).then(|| t.unwrap_or_else(|| days(index, fu.end))),
            windows: window::statuses(index, rr.map(|r| r.date), fu.end, &self.cfg.safety_windows),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::followup::follow_up;
    use crate::outcomes::measures;
    use crate::outcomes::spells::build;
    use crate::outcomes::testkit::{d, ep, id, measure, person, report};

    fn run(t: &PersonTimeline, cfg: &OutcomeConfig) -> Vec<SafetyIndex> {
        let fu = follow_up(t, cfg.safety_age_limit);
        let m = measures::episodes(t, cfg, fu);
        indexes(t, cfg, &build(&t.episodes, cfg), &m, fu)
    }

    fn quinn() -> PersonTimeline {
        let mut t = person("2006-10-10");
        t.reports = vec![
            report("R1", "2019-01-10"),
            report("R2", "2019-01-25"),
            report("R3", "2019-02-09"),
            report("R4", "2019-02-10"),
        ];
        t
    }

    fn first_window(v: &[SafetyIndex]) -> Vec<Status> {
        v.iter().map(|i| i.windows[0].1).collect()
    }

    #[test]
    fn same_incident_30_is_exclusive_and_14_is_offered() {
        let t = quinn();
        let v = run(&t, &OutcomeConfig::default());
        assert_eq!(v[0].rereport.map(|r| r.0), Some(id("R4")), "R3 at t 30 is the same incident");
        assert_eq!(first_window(&v), vec![Status::Event, Status::NoEvent, Status::NoEvent, Status::NoEvent]);
        let cfg14 = OutcomeConfig { same_incident_days: 14, ..OutcomeConfig::default() };
        let v = run(&t, &cfg14);
        assert_eq!(first_window(&v), vec![Status::Event, Status::Event, Status::NoEvent, Status::NoEvent]);
        assert_eq!(v[0].t, Some(15));
    }

    #[test]
    fn rereport_on_fu_counts_and_after_is_censored() {
        let mut t = person("2001-03-01");
        t.reports = vec![report("R1", "2018-06-01"), report("R2", "2019-03-01")];
        let v = run(&t, &OutcomeConfig::default());
        assert_eq!((v[0].t, v[0].windows[0].1), (Some(273), Status::Event));
        assert_eq!(v[1].windows[0].1, Status::Dropped, "a report on the 18th birthday is not at risk");
        t.reports[1].date = d("2019-03-02");
        let v = run(&t, &OutcomeConfig::default());
        assert_eq!((v[0].time, v[0].windows[0].1, v[0].windows[1].1), (Some(273), Status::Censored, Status::Censored));
        assert_eq!(v[0].observation(), Some(Observation { time: 273.0, event: false }));
        let cfg = OutcomeConfig { safety_age_limit: 23, safety_windows: vec![300], ..OutcomeConfig::default() };
        assert_eq!(run(&t, &cfg)[0].windows, vec![(300, Status::Event)]);
    }

    #[test]
    fn spell_and_measure_ends_have_no_same_incident_rule() {
        let mut t = person("2010-01-01");
        t.episodes = vec![ep("E1", "ambulant", "2020-01-01", "2020-03-01", "planned")];
        t.measures = vec![measure("M1", "ots", "2019-01-01", "2020-03-05", "goal_reached")];
        t.reports = vec![report("R1", "2020-03-06")];
        let v = run(&t, &OutcomeConfig::default());
        let kinds: Vec<(IndexKind, Option<i64>)> = v.iter().map(|i| (i.kind, i.t)).collect();
        assert_eq!(
            kinds,
            vec![(IndexKind::Report, None), (IndexKind::SpellEnd, Some(5)), (IndexKind::MeasureEnd, Some(1))]
        );
        assert_eq!(v[2].measure_id, Some(id("M1")));
    }
}
