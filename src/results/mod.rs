//! Result runs: the on-disk layer over the pure outcome kernels of [`crate::outcomes`].
//!
//! A run reads the store bucket by bucket ([`crate::timelines`]), runs the kernels, writes one
//! Parquet file per result table and bucket ([`batches`] is the Arrow layout), adds the tables
//! that need every bucket (`whole`: each family registers its steps there, e.g. [`curves`],
//! the household view of safety and [`linkage`]), and is published through the store's
//! publication routine with a manifest ([`RunManifest`]) and views for `kohort sql`
//! ([`views`]). [`incremental`] updates a run for the persons changed since; [`summary`] counts
//! a run's summary without writing the run.

pub mod batches;
mod bucket;
pub mod curves;
pub mod engine;
mod household;
pub mod incremental;
pub mod linkage;
pub mod linkage_scope;
mod manifest;
pub mod summary;
pub mod views;
mod whole;

pub use bucket::{Kernel, compute_bucket, needs, persons_batch};
pub use engine::{Reuse, RunMode, linkage_config, linkage_up_to_date, run, run_in, run_incremental, run_linkage};
pub use manifest::{Area, RESULTS_FORMAT, RunManifest, config_hash, current, current_in, run_name, verify_current};

use std::path::PathBuf;

use crate::db::DbError;
use crate::outcomes::config::{ConfigError, OutcomeConfig};
use crate::store::StoreError;

/// Errors of a result run.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Reading timelines failed.
    #[error(transparent)]
    Timeline(#[from] crate::timelines::TimelineError),
    /// DuckDB failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// File trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Survival curves failed.
    #[error(transparent)]
    Curves(#[from] curves::CurveError),
    /// The outcome config could not be written as JSON (for its hash).
    #[error("the outcome config cannot be written as JSON")]
    ConfigJson(#[source] serde_json::Error),
    /// A table the engine reads held what it cannot read.
    #[error("{what}: {message}")]
    Input {
        /// What was read.
        what: &'static str,
        /// What is wrong, where.
        message: String,
    },
    /// The run manifest could not be written or read.
    #[error("results manifest {path}: {message}")]
    Manifest {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Result alias for this module.
pub type Result<T> = std::result::Result<T, ResultsError>;

/// Read an outcome config file (`kohort outcomes --config`, a plan's `outcomes`).
pub fn read_config(path: &std::path::Path) -> std::result::Result<OutcomeConfig, ConfigError> {
    OutcomeConfig::parse(&fs_err::read_to_string(path)?, path)
}
