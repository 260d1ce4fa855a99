//! The one integration-test binary: a module per area, helpers in `common/`.

// A test stops on what it did not expect; fixtures are built up as text; a check may define
// the record type it tallies where it tallies it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

mod activities;
mod attack;
mod cli;
mod cohort;
mod corrections;
mod delivery;
mod engine;
mod export;
mod export_linkage;
mod factsheet;
mod hostile;
mod house;
mod ingest;
mod kernels;
mod kill;
mod linkage;
mod linkage_cohort;
mod linkage_study;
mod outcomes;
mod panel;
mod probation;
mod reference;
mod run;
mod site_monitor;
mod site_monitor_correction;
mod snapshots;
mod store;
mod study;
mod study_benchmarks;
mod study_cells;
mod summary;
mod survival;
mod synth;
mod timelines;
mod tiny_study;
mod truths;
mod yardsticks;
