//! Result runs: the on-disk layer over the pure outcome kernels of [`crate::outcomes`].
//!
//! A run reads the store bucket by bucket ([`crate::timelines`]), runs the kernels, writes one
//! Parquet file per result table and bucket ([`batches`] is the Arrow layout), adds the tables
//! that need every bucket ([`curves`], the household view of safety, [`linkage`]), and is
//! published through the store's publication routine with a manifest ([`engine::RunManifest`])
//! and views for `kohort sql`. [`incremental`] updates a run for the persons changed since.

pub mod batches;
pub mod curves;
pub mod engine;
pub mod incremental;
pub mod linkage;
