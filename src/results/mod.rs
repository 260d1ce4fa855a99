//! Result runs: the on-disk layer over the pure outcome kernels of [`crate::outcomes`].
//!
//! A run reads the store bucket by bucket ([`crate::timelines`]), runs the kernels, writes one
//! Parquet file per result table and bucket ([`batches`] is the Arrow layout), adds the tables
//! that need every bucket (`whole`: each family registers its steps there, e.g. [`curves`],
//! the household view of safety and [`linkage`]), and is published through the store's
//! publication routine with a manifest ([`RunManifest`]) and views for `kohort sql`
//! ([`views`]). [`incremental`] updates a run for the persons changed since.

pub mod batches;
pub mod curves;
pub mod engine;
pub mod incremental;
pub mod linkage;
mod manifest;
pub mod views;
mod whole;

pub use engine::{EngineError, Kernel, Reuse, RunMode, run, run_in, run_incremental};
pub use manifest::{Area, RESULTS_FORMAT, RunManifest, config_hash, current, current_in, run_name, verify_current};
