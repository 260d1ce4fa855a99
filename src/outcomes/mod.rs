//! Outcome computations (docs/definitions.md §4): pure per-person kernels over a
//! [`crate::timelines::PersonTimeline`], parameters in [`config::OutcomeConfig`], and survival
//! statistics. No DuckDB and no files here: [`crate::results`] runs the kernels over the store
//! and writes their rows.
//!
//! The kernel entry point is [`kernels::compute`]. One file per concept: [`followup`],
//! [`window`], [`spells`], [`state`], [`reentry`], [`prior_care`], [`escalation`], [`monthly`],
//! [`measures`], [`safety`], [`household`], [`indicators`], [`probation`], [`person_summary`], [`survival`].

pub mod config;
pub mod escalation;
pub mod followup;
pub mod household;
pub mod indicators;
pub mod kernels;
pub mod measures;
pub mod monthly;
pub mod person_summary;
pub mod prior_care;
pub mod probation;
pub mod reentry;
pub mod safety;
pub mod spells;
pub mod state;
pub mod survival;
pub mod tally;
#[cfg(test)]
pub(crate) mod testkit;
pub mod window;
