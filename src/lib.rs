//! kohort: a longitudinal cohort tracking engine for youth-care research.
//!
//! The data flow is the module layout: a [`delivery`] is checked by [`validate`],
//! pseudonymised ([`pseudonym`]) and loaded by [`ingest`] into the Parquet [`store`], which
//! [`query`] reads through DuckDB ([`db`], SQL in `sql/`). The delivery format itself lives
//! in `data-schema/` and is read by [`schema`]. [`synth`] writes synthetic deliveries.
//! [`run`] is the scheduled job over all of it: inboxes, outcomes, studies, publication.

pub mod alloc;
pub mod cli;
pub mod cohort;
pub mod commands;
pub mod db;
pub mod delivery;
pub mod disclosure;
pub mod export;
pub mod factsheet;
pub mod ingest;
pub mod outcomes;
pub mod panel;
pub mod printer;
pub mod pseudonym;
pub mod query;
pub mod reference;
pub mod results;
pub mod run;
pub mod schema;
pub mod sql;
pub mod store;
pub mod study;
pub mod synth;
pub mod timelines;
pub mod timings;
pub mod validate;
