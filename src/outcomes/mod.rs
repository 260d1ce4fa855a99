//! Outcome computations (DOMAIN.md §4): per-person kernels over a [`timeline::PersonTimeline`],
//! parameters in [`config::OutcomeConfig`], and survival statistics.
//!
//! The kernel entry point is [`kernels::compute`]; its rows become Arrow tables with
//! [`kernels::to_batches`]. One file per concept: [`followup`], [`window`], [`spells`],
//! [`state`], [`reentry`], [`prior_care`], [`escalation`], [`monthly`], [`measures`],
//! [`safety`], [`indicators`], and [`batches`] for the Arrow layout. The [`engine`] runs the
//! kernels bucket by bucket over the store; [`curves`] fits the survival curves of a run.

pub mod batches;
pub mod config;
pub mod curves;
pub mod engine;
pub mod escalation;
pub mod followup;
pub mod incremental;
pub mod indicators;
pub mod kernels;
pub mod linkage;
pub mod measures;
pub mod monthly;
pub mod person_summary;
pub mod prior_care;
pub mod reentry;
pub mod safety;
pub mod spells;
pub mod state;
pub mod survival;
#[cfg(test)]
mod testkit;
pub mod timeline;
pub mod window;
