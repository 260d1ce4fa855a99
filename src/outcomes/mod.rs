//! Outcome computations (DOMAIN.md §4): per-person kernels over a [`timeline::PersonTimeline`],
//! parameters in [`config::OutcomeConfig`], and survival statistics.

pub mod config;
pub mod curves;
pub mod engine;
pub mod survival;
pub mod timeline;
