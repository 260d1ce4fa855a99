//! Timelines: each person's events as the outcome kernels see them ([`PersonTimeline`], typed,
//! sorted, complete), and the reading of one bucket of the store into them ([`read_bucket_at`]).
//! They sit between the store and the outcomes: the kernels are pure functions of a timeline.

mod error;
mod person;
mod read;

pub use error::{Result, TimelineError};
pub use person::{Episode, Instrument, Measure, Measurement, Offence, PersonId, PersonTimeline, Pseudonym, Report};
pub use read::{Measurements, Needs, read_bucket, read_bucket_at, read_bucket_keeping_reports};
