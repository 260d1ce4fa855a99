//! Survival statistics for the outcome engine (docs/definitions.md §4.14, §5.8).
//!
//! Two estimators over right-censored times, both pure functions of `(time, status)` rows:
//!
//! * [`KaplanMeier`]: the product-limit estimate S(t) with Greenwood's variance and a 95%
//!   confidence interval on the log(−log) scale, exactly as R
//!   `survival::survfit(conf.type = "log-log")` (which is also lifelines' default
//!   "exponential Greenwood" interval), plus the median with R's confidence interval.
//! * [`AalenJohansen`]: the cumulative incidence F₁(t) of cause 1 with competing causes 2, 3, …,
//!   with the delta-method (Greenwood-type) variance of Collett (2015), the formula
//!   of SAS `PROC LIFETEST` and lifelines' `AalenJohansenFitter`, and a log(−log) 95% interval.
//!
//! Ties are handled exactly, the standard way: at a tied time all events (of every cause)
//! happen before the censorings, so a row censored at t is still at risk at t. Every output
//! has one row per distinct observed time, event or censoring. Confidence bounds are `None`
//! where R reports `NA`: where the estimate is 0 or 1 (the log(−log) transform is undefined).
//! The oracle for all of this is `tests/oracle/survival_oracle.py` (lifelines), checked by
//! `tests/survival.rs`. This file holds the inputs, errors and the shared counting; the two
//! estimators live in `survival/kaplan_meier.rs` and `survival/aalen_johansen.rs`.

use serde::Serialize;

mod aalen_johansen;
mod kaplan_meier;

pub use aalen_johansen::{AalenJohansen, AjRow};
pub use kaplan_meier::{KaplanMeier, KmRow, Median, SurvivalTableRow};

/// The standard-normal quantile for a two-sided 95% interval, `qnorm(0.975)`.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// Why a survival estimate could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SurvivalError {
    /// No observations at all.
    #[error("no observations: a survival curve needs at least one (time, status) row")]
    EmptyInput,
    /// A time that is NaN or infinite.
    #[error(
        "observation {index} has time {time}, which is not a finite number; \
         survival times are days since the index date"
    )]
    NonFiniteTime {
        /// Position of the observation in the input slice.
        index: usize,
        /// The offending value.
        time: f64,
    },
    /// A time before the index date.
    #[error(
        "observation {index} has negative time {time}; an event or censoring cannot come \
         before its index date (drop such indexes before estimating)"
    )]
    NegativeTime {
        /// Position of the observation in the input slice.
        index: usize,
        /// The offending value.
        time: f64,
    },
    /// A competing-event cause code above [`MAX_CAUSE`].
    #[error(
        "observation {index} has cause {cause}; causes are 0 (censored), 1 (event of interest) \
         and 2..={MAX_CAUSE} (competing events): renumber the competing causes"
    )]
    CauseOutOfRange {
        /// Position of the observation in the input slice.
        index: usize,
        /// The offending cause code.
        cause: u32,
    },
}

/// Largest cause code accepted for competing events (kohort uses a handful).
pub const MAX_CAUSE: u32 = 255;

/// Result type of this module.
pub type Result<T, E = SurvivalError> = std::result::Result<T, E>;

/// One right-censored observation: time to the event, or to censoring when `event` is false.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    /// Time since the index (days in kohort), finite and `>= 0`.
    pub time: f64,
    /// True for an observed event, false for a censored time.
    pub event: bool,
}

/// One observation with competing causes: `cause` 0 = censored, 1 = the event of interest,
/// 2 and up = competing events (for re-entry: age limit, death, emigration).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompetingObservation {
    /// Time since the index (days in kohort), finite and `>= 0`.
    pub time: f64,
    /// 0 censored, 1 event of interest, 2.. competing causes.
    pub cause: u32,
}

/// A value of a fitted curve at one time, with its 95% confidence bounds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurvePoint {
    /// The estimate (S(t) for Kaplan–Meier, F₁(t) for Aalen–Johansen).
    pub estimate: f64,
    /// Lower 95% bound; `None` where undefined (estimate 0 or 1).
    pub lower: Option<f64>,
    /// Upper 95% bound; `None` where undefined (estimate 0 or 1).
    pub upper: Option<f64>,
}

/// Counts at one distinct time, shared by both estimators.
struct TimeGroup {
    time: f64,
    at_risk: u64,
    events: Vec<u64>,
    censored: u64,
}

#[allow(clippy::cast_precision_loss)] // counts stay far below 2^53
fn real(count: u64) -> f64 {
    count as f64
}

fn validate_time(index: usize, time: f64) -> Result<f64> {
    if !time.is_finite() {
        return Err(SurvivalError::NonFiniteTime { index, time });
    }
    if time < 0.0 {
        return Err(SurvivalError::NegativeTime { index, time });
    }
    Ok(time + 0.0) // turns -0.0 into 0.0 so the two group together
}

/// Validates `(time, cause)` pairs and sorts them by time.
fn prepare(pairs: impl Iterator<Item = (f64, u32)>) -> Result<Vec<(f64, u32)>> {
    let mut sorted = pairs
        .enumerate()
        .map(|(index, (time, cause))| {
            if cause > MAX_CAUSE {
                return Err(SurvivalError::CauseOutOfRange { index, cause });
            }
            Ok((validate_time(index, time)?, cause))
        })
        .collect::<Result<Vec<_>>>()?;
    if sorted.is_empty() {
        return Err(SurvivalError::EmptyInput);
    }
    sorted.sort_unstable_by(|a, b| a.0.total_cmp(&b.0)); // order within a time is irrelevant
    Ok(sorted)
}

/// Groups sorted `(time, cause)` pairs into one [`TimeGroup`] per distinct time.
#[allow(clippy::float_cmp)] // ties are exactly equal times, as in R and lifelines
fn tally(sorted: &[(f64, u32)]) -> Vec<TimeGroup> {
    let n_causes = sorted.iter().map(|&(_, c)| c as usize).max().unwrap_or(0).max(1);
    let mut remaining = sorted.len();
    let mut groups = Vec::new();
    for chunk in sorted.chunk_by(|a, b| a.0 == b.0) {
        let mut events = vec![0_u64; n_causes];
        let mut censored = 0;
        for &(_, cause) in chunk {
            match (cause as usize).checked_sub(1) {
                Some(k) => events[k] += 1,
                None => censored += 1,
            }
        }
        let at_risk = remaining as u64;
        remaining -= chunk.len();
        groups.push(TimeGroup { time: chunk[0].0, at_risk, events, censored });
    }
    groups
}

/// log(−log) 95% interval for a probability `p` whose log has standard error `se_log`
/// (R's `survfit_confint(conf.type = "log-log")`). `None` where `p` is 0 or 1.
fn log_log_interval(p: f64, se_log: f64) -> (Option<f64>, Option<f64>) {
    if !(p > 0.0 && p < 1.0 && se_log.is_finite()) {
        return (None, None);
    }
    let centre = (-p.ln()).ln();
    let half_width = Z_95 * se_log / p.ln().abs();
    let bound = |x: f64| (-x.exp()).exp();
    (Some(bound(centre + half_width)), Some(bound(centre - half_width)))
}

/// Running product-limit estimate and Greenwood sum Σ d/(n(n−d)).
#[derive(Clone, Copy)]
struct ProductLimit {
    surv: f64,
    greenwood: f64,
}

impl ProductLimit {
    const START: Self = Self { surv: 1.0, greenwood: 0.0 };

    fn step(&mut self, at_risk: u64, events: u64) {
        if events == 0 {
            return;
        }
        if events >= at_risk {
            *self = Self { surv: 0.0, greenwood: f64::INFINITY };
            return;
        }
        let (n, d) = (real(at_risk), real(events));
        self.surv *= 1.0 - d / n;
        self.greenwood += d / (n * (n - d));
    }
}

/// Index of the last row with `time <= t`, if any.
fn last_at_or_before<R>(rows: &[R], t: f64, time: impl Fn(&R) -> f64) -> Option<usize> {
    rows.partition_point(|row| time(row) <= t).checked_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: f64 = 1e-12;

    pub(super) fn obs(pairs: &[(f64, bool)]) -> Vec<Observation> {
        pairs.iter().map(|&(time, event)| Observation { time, event }).collect()
    }

    pub(super) fn competing(pairs: &[(f64, u32)]) -> Vec<CompetingObservation> {
        pairs.iter().map(|&(time, cause)| CompetingObservation { time, cause }).collect()
    }

    pub(super) fn close(actual: f64, expected: f64) {
        assert!((actual - expected).abs() < EPS, "{actual} != {expected}");
    }

    /// exp(−exp(log(−log S) ± z·sqrt(G)/|log S|)), the log-log bounds written out.
    pub(super) fn log_log_by_hand(s: f64, greenwood: f64) -> (f64, f64) {
        let w = Z_95 * greenwood.sqrt() / s.ln().abs();
        let l = (-s.ln()).ln();
        ((-(l + w).exp()).exp(), (-(l - w).exp()).exp())
    }

    #[test]
    fn rejects_empty_negative_and_non_finite_times() {
        assert_eq!(KaplanMeier::fit(&[]), Err(SurvivalError::EmptyInput));
        let negative = obs(&[(1., true), (-1., false)]);
        assert_eq!(KaplanMeier::fit(&negative), Err(SurvivalError::NegativeTime { index: 1, time: -1.0 }));
        let nan = competing(&[(f64::NAN, 1)]);
        assert!(matches!(AalenJohansen::fit(&nan), Err(SurvivalError::NonFiniteTime { index: 0, .. })));
        let huge_cause = competing(&[(1.0, 1), (2.0, MAX_CAUSE + 1)]);
        assert_eq!(
            AalenJohansen::fit(&huge_cause),
            Err(SurvivalError::CauseOutOfRange { index: 1, cause: MAX_CAUSE + 1 })
        );
        let inf = obs(&[(f64::INFINITY, true)]);
        assert!(matches!(KaplanMeier::fit(&inf), Err(SurvivalError::NonFiniteTime { .. })));
    }

    #[test]
    fn error_messages_name_the_observation_and_the_fix() {
        let negative = SurvivalError::NegativeTime { index: 3, time: -2.0 };
        assert!(negative.to_string().starts_with("observation 3 has negative time -2;"));
        let cause = SurvivalError::CauseOutOfRange { index: 0, cause: 300 };
        assert!(cause.to_string().contains("2..=255 (competing events)"));
    }

    #[test]
    fn negative_zero_groups_with_zero() {
        let fit = KaplanMeier::fit(&obs(&[(0.0, true), (-0.0, false), (1.0, true)])).expect("valid");
        assert_eq!(fit.rows().len(), 2);
        assert_eq!((fit.rows()[0].n_at_risk, fit.rows()[0].n_censored), (3, 1));
    }

    #[test]
    fn tally_counts_censorings_at_a_tied_time_as_at_risk() {
        let sorted = prepare([(2.0, 0), (1.0, 2), (2.0, 1), (2.0, 1), (3.0, 0)].into_iter()).expect("valid");
        let groups = tally(&sorted);
        let counts: Vec<_> = groups.iter().map(|g| (g.time, g.at_risk, g.events.clone(), g.censored)).collect();
        assert_eq!(counts, [(1.0, 5, vec![0, 1], 0), (2.0, 4, vec![2, 0], 1), (3.0, 1, vec![0, 0], 1)]);
    }
}
