//! The per-person outcome kernel: every docs/definitions.md §4 outcome of one [`PersonTimeline`]
//! (intergenerational linkage aside), as a pure function of the timeline and the config, so the
//! engine can fan people out over threads and get the same rows in any order it sorts them.
//!
//! Each outcome family uses its own follow-up end (its own age limit): re-entry, escalation
//! (also transitions) and safety (also measure durations). The rows become Arrow tables with
//! `crate::results::batches::to_batches` (the table layout). The monthly states of
//! [`super::monthly`] are not computed here: a run shows them as a view over `escalation` and
//! `transitions` (`sql/results/monthly_states.sql`), which the tests check against
//! [`super::monthly::states`].

use super::config::{Family, OutcomeConfig};
use super::escalation::{self, Escalation};
use super::followup::follow_up;
use super::indicators::{self, EpisodeIndicators, ReliableChange};
use super::measures::{self, MeasureEpisode};
use super::person_summary::{self, PersonSummary};
use super::prior_care::{self, PriorCare};
use super::probation::{self, RecidivismIndex, RiskChangeRow};
use super::reentry::{self, Reentry};
use super::safety::{self, SafetyIndex};
use super::spells::{self, Spell};
use super::state::{Care, Transition};
use super::window::Status;
use crate::timelines::{PersonId, PersonTimeline};

/// Every per-person result, one `Vec` per result table, rows in the order the kernels give.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonOutcomes {
    /// The person, put on every row of every table.
    pub person_id: PersonId,
    /// Care spells in start order.
    pub spells: Vec<Spell>,
    /// One re-entry index per closed spell.
    pub reentry: Vec<Reentry>,
    /// Prior care at each spell start.
    pub prior_care: Vec<PriorCare>,
    /// One escalation index per spell start.
    pub escalation: Vec<Escalation>,
    /// Consecutive state changes up to the escalation follow-up end.
    pub transitions: Vec<Transition>,
    /// Safety indexes: reports, spell ends, measure ends.
    pub safety: Vec<SafetyIndex>,
    /// Measure episodes (provisional + full joined).
    pub measure_episodes: Vec<MeasureEpisode>,
    /// Field indicators per closed episode.
    pub episode_indicators: Vec<EpisodeIndicators>,
    /// Reliable change per closed episode and configured instrument.
    pub reliable_change: Vec<ReliableChange>,
    /// Summary for intergenerational linkage (the `linkage` family).
    pub person_summary: Option<PersonSummary>,
    /// Recidivism indexes (the `probation` family).
    pub recidivism: Vec<RecidivismIndex>,
    /// Risk change per closed youth probation measure and risk instrument.
    pub risk_change: Vec<RiskChangeRow>,
}

/// Indexes not at risk — on or after their follow-up end — per outcome family (the
/// `indexes_dropped` figure of docs/definitions.md §4.1.4; the rows carry the same flag).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexesDropped {
    /// Re-entry indexes (closed spell ends).
    pub reentry: usize,
    /// Escalation indexes (spell starts).
    pub escalation: usize,
    /// Safety indexes (reports, spell ends, measure ends).
    pub safety: usize,
}

impl PersonOutcomes {
    /// How many of this person's indexes are dropped, per family.
    #[must_use]
    pub fn indexes_dropped(&self) -> IndexesDropped {
        IndexesDropped {
            reentry: self.reentry.iter().filter(|r| r.dropped).count(),
            escalation: self.escalation.iter().filter(|e| e.status == Status::Dropped).count(),
            safety: self.safety.iter().filter(|s| s.dropped).count(),
        }
    }
}

/// Compute every per-person outcome of `t`.
#[must_use]
pub fn compute(t: &PersonTimeline, cfg: &OutcomeConfig) -> PersonOutcomes {
    let spells = if cfg.wants_spells() { spells::build(&t.episodes, cfg) } else { Vec::new() };
    // Each family's follow-up end, worked out only for the families computed.
    let fu_safety = || follow_up(t, cfg.safety_age_limit);
    let wants_measures = cfg.wants(Family::Measures) || cfg.wants(Family::Safety);
    let measure_episodes = if wants_measures { measures::episodes(t, cfg, fu_safety()) } else { Vec::new() };
    let w = cfg.escalation_window;
    let mut out = PersonOutcomes {
        person_id: t.person_id,
        spells: Vec::new(),
        reentry: Vec::new(),
        prior_care: Vec::new(),
        escalation: Vec::new(),
        transitions: Vec::new(),
        safety: Vec::new(),
        measure_episodes: Vec::new(),
        episode_indicators: Vec::new(),
        reliable_change: Vec::new(),
        person_summary: None,
        recidivism: Vec::new(),
        risk_change: Vec::new(),
    };
    if cfg.wants(Family::Linkage) {
        out.person_summary = Some(person_summary::summarise(t, cfg));
    }
    if cfg.wants(Family::Reentry) {
        out.reentry = reentry::indexes(&spells, follow_up(t, cfg.reentry_age_limit), &cfg.reentry_windows);
    }
    if cfg.wants(Family::PriorCare) {
        out.prior_care = prior_care::starts(&spells, cfg.prior_care_lookback_days);
    }
    if cfg.wants(Family::Escalation) {
        let care = Care::new(t, cfg);
        let fu_escalation = follow_up(t, cfg.escalation_age_limit);
        out.escalation = escalation::indexes(&care, &spells, fu_escalation, w);
        out.transitions = care.transitions(fu_escalation.end);
    }
    if cfg.wants(Family::Safety) {
        out.safety = safety::indexes(t, cfg, &spells, &measure_episodes, fu_safety());
    } else if cfg.wants(Family::Rereports) {
        // The report indexes alone: no spell or measure ends.
        out.safety = safety::indexes(t, cfg, &[], &[], fu_safety());
    }
    if cfg.wants(Family::Indicators) {
        out.episode_indicators = indicators::episodes(t, cfg);
        out.reliable_change = indicators::reliable_changes(t, cfg);
    }
    if cfg.wants(Family::Measures) {
        out.measure_episodes = measure_episodes;
    }
    if cfg.wants(Family::Probation) {
        out.recidivism = probation::indexes(t, cfg);
        out.risk_change = probation::risk_changes(t, cfg);
    }
    out.spells = spells;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::followup::FuReason;
    use crate::outcomes::testkit::{d, ep, person, report};
    use crate::outcomes::window::Cause;

    /// Born 29 February 2008: the 18th birthday is 1 March 2026.
    fn leap_child() -> PersonTimeline {
        let mut t = person("2008-02-29");
        t.episodes = vec![
            ep("E1", "ambulant", "2025-01-01", "2025-06-30", "planned"),
            ep("E2", "foster_care", "2026-03-01", "", ""),
        ];
        t.reports = vec![report("R1", "2025-12-01"), report("R2", "2026-03-01")];
        t
    }

    #[test]
    fn leap_day_birthday_ends_follow_up_on_first_of_march_inclusive() {
        let o = compute(&leap_child(), &OutcomeConfig::default());
        let r = &o.reentry[0];
        assert_eq!((r.fu.end, r.fu.reason), (d("2026-03-01"), FuReason::AgeLimit));
        assert_eq!(
            (r.next_start, r.t, r.cause),
            (Some(d("2026-03-01")), Some(244), Some(Cause::Event)),
            "event on fu counts"
        );
        assert_eq!(r.windows, vec![(182, Status::NoEvent), (365, Status::Event), (730, Status::Event)]);
        assert_eq!(o.escalation[1].status, Status::Dropped, "spell start on fu");
        assert_eq!(o.safety[0].t, Some(90));
        assert_eq!(o.safety[1].windows[0].1, Status::Dropped, "report on fu");
        assert_eq!(o.indexes_dropped(), IndexesDropped { reentry: 0, escalation: 1, safety: 1 });
    }

    #[test]
    fn reentry_age_limit_23_follows_to_data_end() {
        let mut t = leap_child();
        t.episodes[1].start = d("2026-03-02");
        let o = compute(&t, &OutcomeConfig::default());
        assert_eq!(
            (o.reentry[0].next_start, o.reentry[0].cause, o.reentry[0].time),
            (None, Some(Cause::Competing), Some(244))
        );
        let cfg = OutcomeConfig { reentry_age_limit: 23, ..OutcomeConfig::default() };
        let o = compute(&t, &cfg);
        let r = &o.reentry[0];
        assert_eq!((r.fu.reason, r.next_start, r.t), (FuReason::DataEnd, Some(d("2026-03-02")), Some(245)));
        assert_eq!(o.escalation[1].status, Status::Dropped, "escalation keeps its own limit of 18");
    }

    #[test]
    fn compute_is_a_pure_function() {
        let t = leap_child();
        let cfg = OutcomeConfig::default();
        assert_eq!(compute(&t, &cfg), compute(&t, &cfg));
        assert_eq!(compute(&t, &cfg).person_id, PersonId::label("P1"));
    }
}
