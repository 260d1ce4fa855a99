//! Fixed windows after an index date (docs/definitions.md §4.1), shared by every outcome family.
//!
//! t = event date − index date in days; "within W" is `0 < t <= W`. An index on or after its
//! follow-up end is not at risk: [`Status::Dropped`]. An event is seen only on or before the
//! follow-up end. Without an event the window is [`Status::Censored`] only when
//! fu < index + W; fu = index + W is a complete window ([`Status::NoEvent`]).

use chrono::NaiveDate;

/// How an index's time at risk ends, for the Aalen-Johansen estimator (docs/definitions.md §4.1.6):
/// stored as its code, 0, 1 or 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cause {
    /// Censored at the data end (0).
    Censored,
    /// The event (1).
    Event,
    /// Follow-up ended by a competing end: death, emigration, the age limit (2).
    Competing,
}

impl Cause {
    /// The stored code.
    pub fn code(self) -> u8 {
        match self {
            Self::Censored => 0,
            Self::Event => 1,
            Self::Competing => 2,
        }
    }
}

/// The result of one index in one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// The event was seen within the window.
    Event,
    /// The window is complete without the event.
    NoEvent,
    /// Follow-up ended before the window closed, without the event.
    Censored,
    /// The index is on or after the follow-up end: not at risk.
    Dropped,
}

impl Status {
    /// The name used in result tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Event => "event",
            Self::NoEvent => "no_event",
            Self::Censored => "censored",
            Self::Dropped => "dropped",
        }
    }
}

/// Days from `from` to `to` (negative when `to` is earlier).
pub fn days(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// A day count as survival time (day counts are far below 2^53, so this is exact).
#[allow(clippy::cast_precision_loss)]
pub fn days_f64(days: i64) -> f64 {
    days as f64
}

/// The next day, or the same day at the end of the calendar.
pub fn next_day(d: NaiveDate) -> NaiveDate {
    d.succ_opt().unwrap_or(d)
}

/// Whether an index is dropped (on or after the follow-up end `fu`).
pub fn dropped(index: NaiveDate, fu: NaiveDate) -> bool {
    index >= fu
}

/// Status of window `w` for an index with a first event (only events after the index and on or
/// before `fu` are seen).
pub fn status(index: NaiveDate, event: Option<NaiveDate>, fu: NaiveDate, w: i64) -> Status {
    let seen = event.filter(|e| *e > index && *e <= fu).map(|e| days(index, e));
    if dropped(index, fu) {
        Status::Dropped
    } else if seen.is_some_and(|t| t <= w) {
        Status::Event
    } else if days(index, fu) < w {
        Status::Censored
    } else {
        Status::NoEvent
    }
}

/// The status of every window in `windows`, in config order.
pub fn statuses(index: NaiveDate, event: Option<NaiveDate>, fu: NaiveDate, windows: &[i64]) -> Vec<(i64, Status)> {
    windows.iter().map(|&w| (w, status(index, event, fu, w))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::testkit::d;

    #[test]
    fn fu_on_the_window_end_is_complete() {
        let index = d("2020-01-01");
        assert_eq!(status(index, None, d("2020-12-31"), 365), Status::NoEvent);
        assert_eq!(status(index, None, d("2020-12-30"), 365), Status::Censored);
    }

    #[test]
    fn event_on_fu_counts_and_after_fu_is_unseen() {
        let index = d("2020-01-01");
        assert_eq!(status(index, Some(d("2020-06-01")), d("2020-06-01"), 365), Status::Event);
        assert_eq!(status(index, Some(d("2020-06-02")), d("2020-06-01"), 365), Status::Censored);
    }

    #[test]
    fn event_on_the_last_window_day_counts() {
        let index = d("2020-01-01");
        assert_eq!(status(index, Some(d("2020-12-31")), d("2026-01-01"), 365), Status::Event);
        assert_eq!(status(index, Some(d("2021-01-01")), d("2026-01-01"), 365), Status::NoEvent);
    }

    #[test]
    fn index_on_fu_is_dropped() {
        let index = d("2020-01-01");
        assert_eq!(status(index, None, index, 182), Status::Dropped);
        assert_eq!(status(index, None, d("2019-12-31"), 182), Status::Dropped);
    }
}
