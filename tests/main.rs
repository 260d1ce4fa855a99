//! The one integration-test binary: a module per area, helpers in `common/`.

mod common;

mod cli;
mod ingest;
mod kernels;
mod store;
mod survival;
mod synth;
