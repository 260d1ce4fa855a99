//! The per-person outcome kernel: every DOMAIN.md §4 outcome of one [`PersonTimeline`]
//! (intergenerational linkage aside), as a pure function of the timeline and the config, so the
//! engine can fan people out over threads and get the same rows in any order it sorts them.
//!
//! Each outcome family uses its own follow-up end (its own age limit): re-entry, escalation
//! (also transitions and monthly states) and safety (also measure durations). The rows become
//! Arrow tables with [`to_batches`] (see [`super::batches`] for the table layout).

use super::config::OutcomeConfig;
use super::escalation::{self, Escalation};
use super::followup::follow_up;
use super::indicators::{self, EpisodeIndicators, ReliableChange};
use super::measures::{self, MeasureEpisode};
use super::monthly::{self, MonthState};
use super::prior_care::{self, PriorCare};
use super::reentry::{self, Reentry};
use super::safety::{self, SafetyIndex};
use super::spells::{self, Spell};
use super::state::{self, Transition};
use super::timeline::PersonTimeline;

pub use super::batches::to_batches;

/// Every per-person result, one `Vec` per result table, rows in the order the kernels give.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonOutcomes {
    /// The person (pseudonym), put on every row of every table.
    pub person_id: String,
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
    /// State per month since each escalation index.
    pub monthly_states: Vec<MonthState>,
    /// Safety indexes: reports, spell ends, measure ends.
    pub safety: Vec<SafetyIndex>,
    /// Measure episodes (provisional + full joined).
    pub measure_episodes: Vec<MeasureEpisode>,
    /// Field indicators per closed episode.
    pub episode_indicators: Vec<EpisodeIndicators>,
    /// Reliable change per closed episode and configured instrument.
    pub reliable_change: Vec<ReliableChange>,
}

/// Compute every per-person outcome of `t`.
#[must_use]
pub fn compute(t: &PersonTimeline, cfg: &OutcomeConfig) -> PersonOutcomes {
    let spells = spells::build(&t.episodes, cfg);
    let fu_reentry = follow_up(t, cfg.reentry_age_limit);
    let fu_escalation = follow_up(t, cfg.escalation_age_limit);
    let fu_safety = follow_up(t, cfg.safety_age_limit);
    let measure_episodes = measures::episodes(t, cfg, fu_safety);
    PersonOutcomes {
        person_id: t.person_id.clone(),
        reentry: reentry::indexes(&spells, fu_reentry, &cfg.reentry_windows),
        prior_care: prior_care::starts(&spells, cfg.prior_care_lookback_days),
        escalation: escalation::indexes(t, cfg, &spells, fu_escalation),
        transitions: state::transitions(t, cfg, fu_escalation.end),
        monthly_states: monthly::states(t, cfg, &spells, fu_escalation),
        safety: safety::indexes(t, cfg, &spells, &measure_episodes, fu_safety),
        episode_indicators: indicators::episodes(t, cfg),
        reliable_change: indicators::reliable_changes(t, cfg),
        measure_episodes,
        spells,
    }
}
