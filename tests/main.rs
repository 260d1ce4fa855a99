//! The one integration-test binary: a module per area, helpers in `common/`.

mod common;

mod cli;
mod cohort;
mod engine;
mod export;
mod ingest;
mod kernels;
mod kill;
mod linkage;
mod outcomes;
mod panel;
mod reference;
mod run;
mod store;
mod study;
mod survival;
mod synth;
mod timelines;
mod truths;
mod yardsticks;
