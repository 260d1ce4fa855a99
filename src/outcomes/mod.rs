//! Outcome computations.
pub mod survival;
