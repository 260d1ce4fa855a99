//! kohort: longitudinal cohort tracking engine for youth-care research.

pub mod outcomes;
