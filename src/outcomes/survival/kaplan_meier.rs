//! Kaplan–Meier survival curves: product-limit estimate, Greenwood standard error, log-log
//! 95% interval and median with its interval, as R `survival::survfit(conf.type = "log-log")`.

use serde::Serialize;

use super::{
    CurvePoint, Observation, ProductLimit, Result, TimeGroup, last_at_or_before, log_log_interval, prepare, tally,
    validate_time,
};

/// Tolerance for "exactly 0.5" in the median, as R (`sqrt(.Machine$double.eps)`).
const MEDIAN_TOL: f64 = 1.490_116_119_384_765_6e-8;

/// Median survival time with its 95% confidence interval, as R's `print.survfit`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Median {
    /// First time S(t) <= 0.5 (midpoint of the stretch where S(t) = 0.5 exactly, if S drops
    /// below 0.5 later); `None` if S never reaches 0.5.
    pub estimate: Option<f64>,
    /// Where the lower confidence curve first reaches 0.5; `None` if it never does.
    pub lower: Option<f64>,
    /// Where the upper confidence curve first reaches 0.5; `None` if it never does.
    pub upper: Option<f64>,
}

/// One row of a survival table as docs/definitions.md §5.8 lists it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SurvivalTableRow {
    /// Distinct observed time.
    pub time: f64,
    /// Number at risk just before `time` (includes those censored at `time`).
    pub at_risk: u64,
    /// Events at `time`.
    pub events: u64,
    /// Censorings at `time`.
    pub censored: u64,
    /// S(t) just after `time`.
    pub estimate: f64,
    /// Lower 95% bound (log-log); `None` where undefined.
    pub lower: Option<f64>,
    /// Upper 95% bound (log-log); `None` where undefined.
    pub upper: Option<f64>,
}

/// One row of a Kaplan–Meier fit: a distinct observed time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KmRow {
    /// Distinct observed time (event or censoring).
    pub time: f64,
    /// Number at risk just before `time`, including those censored at `time`.
    pub n_at_risk: u64,
    /// Events at `time`.
    pub n_events: u64,
    /// Censorings at `time`.
    pub n_censored: u64,
    /// S(t) just after `time`.
    pub estimate: f64,
    /// Greenwood standard error of S(t), `S·sqrt(Σ d/(n(n−d)))` (R's `summary.survfit`
    /// `std.err`); `None` once S = 0, where the Greenwood sum is infinite.
    pub std_err: Option<f64>,
    /// Lower 95% bound, log-log; `None` where S is 0 or 1.
    pub lower: Option<f64>,
    /// Upper 95% bound, log-log; `None` where S is 0 or 1.
    pub upper: Option<f64>,
}

/// A fitted Kaplan–Meier curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KaplanMeier {
    rows: Vec<KmRow>,
}

fn km_row(group: &TimeGroup, state: ProductLimit) -> KmRow {
    let se_log = state.greenwood.sqrt();
    let (lower, upper) = log_log_interval(state.surv, se_log);
    KmRow {
        time: group.time,
        n_at_risk: group.at_risk,
        n_events: group.events.iter().sum(),
        n_censored: group.censored,
        estimate: state.surv,
        std_err: (state.surv > 0.0).then_some(state.surv * se_log),
        lower,
        upper,
    }
}

/// Where a survival curve first reaches 0.5, as R's `print.survfit` (`survmean`'s `minmin`):
/// the first time the curve is below 0.5 + [`MEDIAN_TOL`]; if it is 0.5 there (within the
/// tolerance) and drops lower later, the midpoint between that time and the time it drops.
/// Undefined (`None`) points of a confidence curve are skipped.
fn median_time(times: &[f64], curve: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let mut kept = times
        .iter()
        .zip(curve)
        .filter_map(|(&time, surv)| Some((time, surv?)))
        .filter(|&(_, surv)| surv < 0.5 + MEDIAN_TOL);
    let (first_time, first_surv) = kept.next()?;
    if (first_surv - 0.5).abs() < MEDIAN_TOL
        && let Some((drop_time, _)) = kept.find(|&(_, surv)| surv < first_surv)
    {
        return Some(f64::midpoint(first_time, drop_time));
    }
    Some(first_time)
}

impl KaplanMeier {
    /// Fits the Kaplan–Meier curve.
    ///
    /// # Errors
    /// [`SurvivalError`](super::SurvivalError) if `observations` is empty or a time is
    /// negative or not finite.
    pub fn fit(observations: &[Observation]) -> Result<Self> {
        let sorted = prepare(observations.iter().map(|o| (o.time, u32::from(o.event))))?;
        let mut state = ProductLimit::START;
        let rows = tally(&sorted)
            .iter()
            .map(|group| {
                state.step(group.at_risk, group.events.iter().sum());
                km_row(group, state)
            })
            .collect();
        Ok(Self { rows })
    }

    /// [`fit`](Self::fit) over counts instead of single observations: `(time, events,
    /// censored)` rows in any order, several per time allowed (the counts add up). The curve is
    /// the one `fit` gives over the observations the counts stand for.
    ///
    /// # Errors
    /// As [`fit`](Self::fit): no observation at all, or a time negative or not finite.
    pub fn fit_counts(counts: &[(f64, u64, u64)]) -> Result<Self> {
        let mut sorted = counts
            .iter()
            .enumerate()
            .map(|(index, &(time, events, censored))| Ok((validate_time(index, time)?, events, censored)))
            .collect::<Result<Vec<_>>>()?;
        sorted.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let mut remaining: u64 = sorted.iter().map(|r| r.1 + r.2).sum();
        if remaining == 0 {
            return Err(super::SurvivalError::EmptyInput);
        }
        let mut state = ProductLimit::START;
        let mut rows = Vec::new();
        #[allow(clippy::float_cmp)] // ties are exactly equal times, as in `fit`
        for chunk in sorted.chunk_by(|a, b| a.0 == b.0) {
            let (events, censored) = chunk.iter().fold((0, 0), |(e, c), r| (e + r.1, c + r.2));
            if events + censored == 0 {
                continue;
            }
            let group = TimeGroup { time: chunk[0].0, at_risk: remaining, events: vec![events], censored };
            remaining -= events + censored;
            state.step(group.at_risk, events);
            rows.push(km_row(&group, state));
        }
        Ok(Self { rows })
    }

    /// One row per distinct observed time, in time order.
    #[must_use]
    pub fn rows(&self) -> &[KmRow] {
        &self.rows
    }

    /// S(t) and its interval at any time `t`: the step function, right-continuous
    /// (1 with no interval before the first row; a NaN `t` counts as before it).
    #[must_use]
    pub fn at(&self, t: f64) -> CurvePoint {
        match last_at_or_before(&self.rows, t, |row| row.time) {
            Some(i) => {
                let row = &self.rows[i];
                CurvePoint { estimate: row.estimate, lower: row.lower, upper: row.upper }
            }
            None => CurvePoint { estimate: 1.0, lower: None, upper: None },
        }
    }

    /// Median survival time and its 95% interval, as R's `print.survfit`: where the curve,
    /// its lower and its upper confidence curve first reach 0.5; if the curve is exactly 0.5
    /// over a stretch, the midpoint of that stretch.
    #[must_use]
    pub fn median(&self) -> Median {
        let times: Vec<f64> = self.rows.iter().map(|row| row.time).collect();
        Median {
            estimate: median_time(&times, self.rows.iter().map(|row| Some(row.estimate))),
            lower: median_time(&times, self.rows.iter().map(|row| row.lower)),
            upper: median_time(&times, self.rows.iter().map(|row| row.upper)),
        }
    }

    /// The survival table of docs/definitions.md §5.8: time, at risk, events, censored, estimate,
    /// lower, upper, one row per distinct observed time.
    #[must_use]
    pub fn table(&self) -> Vec<SurvivalTableRow> {
        self.rows
            .iter()
            .map(|row| SurvivalTableRow {
                time: row.time,
                at_risk: row.n_at_risk,
                events: row.n_events,
                censored: row.n_censored,
                estimate: row.estimate,
                lower: row.lower,
                upper: row.upper,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::survival::tests::{close, log_log_by_hand, obs};

    /// Times 1, 2, 2+, 3, 4+, 5, 5, 6 (+ = censored); worked by hand below.
    fn tiny_km() -> KaplanMeier {
        let data = [(1., true), (2., true), (2., false), (3., true)];
        let rest = [(4., false), (5., true), (5., true), (6., true)];
        KaplanMeier::fit(&obs(&[&data[..], &rest[..]].concat())).expect("valid input")
    }

    #[test]
    fn fitting_counts_gives_the_fit_of_the_observations_they_stand_for() {
        // A pseudo-random sample with many ties, given as counts split over several rows.
        let mut x: u64 = 7;
        let mut next = || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            x >> 33
        };
        let mut observations = Vec::new();
        let mut counts = Vec::new();
        for _ in 0..400 {
            let (time, event, n) = ((next() % 60) as f64, next() % 3 == 0, 1 + next() % 4);
            observations.extend(std::iter::repeat_n(Observation { time, event }, n as usize));
            counts.push(if event { (time, n, 0) } else { (time, 0, n) });
        }
        counts.push((5.0, 0, 0));
        let (a, b) = (KaplanMeier::fit(&observations).expect("fit"), KaplanMeier::fit_counts(&counts).expect("counts"));
        assert_eq!(a.rows(), b.rows());
        assert_eq!(KaplanMeier::fit_counts(&[(1.0, 0, 0)]), Err(crate::outcomes::survival::SurvivalError::EmptyInput));
    }

    #[test]
    fn km_counts_put_censorings_at_a_tied_time_in_the_risk_set() {
        let fit = tiny_km();
        let counts: Vec<_> = fit.rows().iter().map(|r| (r.time, r.n_at_risk, r.n_events, r.n_censored)).collect();
        assert_eq!(counts, [(1., 8, 1, 0), (2., 7, 1, 1), (3., 5, 1, 0), (4., 4, 0, 1), (5., 3, 2, 0), (6., 1, 1, 0)]);
    }

    #[test]
    fn km_estimate_and_greenwood_match_hand_computation() {
        let fit = tiny_km();
        // S: 7/8, ·6/7, ·4/5, (censoring), ·1/3, ·0. Greenwood sums: 1/56, +1/42, +1/20, +2/3.
        let expected = [(0.875, 1. / 56.), (0.75, 1. / 24.), (0.6, 11. / 120.), (0.6, 11. / 120.), (0.2, 91. / 120.)];
        for (row, (s, g)) in fit.rows().iter().zip(expected) {
            close(row.estimate, s);
            close(row.std_err.expect("S > 0"), s * f64::sqrt(g));
            let (lower, upper) = log_log_by_hand(s, g);
            close(row.lower.expect("0 < S < 1"), lower);
            close(row.upper.expect("0 < S < 1"), upper);
        }
        let last = fit.rows()[5];
        assert_eq!((last.estimate, last.std_err, last.lower, last.upper), (0.0, None, None, None));
    }

    #[test]
    fn km_first_interval_matches_lifelines_printout() {
        let row = tiny_km().rows()[0];
        assert!((row.lower.expect("defined") - 0.387_000).abs() < 1e-6);
        assert!((row.upper.expect("defined") - 0.981_393).abs() < 1e-6);
    }

    #[test]
    fn km_interval_is_undefined_before_the_first_event() {
        let fit = KaplanMeier::fit(&obs(&[(1., false), (2., true), (3., true)])).expect("valid");
        let first = fit.rows()[0];
        assert_eq!((first.estimate, first.std_err), (1.0, Some(0.0)));
        assert_eq!((first.lower, first.upper), (None, None));
    }

    #[test]
    fn km_at_is_a_right_continuous_step_function() {
        let fit = tiny_km();
        assert_eq!(fit.at(0.5), CurvePoint { estimate: 1.0, lower: None, upper: None });
        close(fit.at(2.0).estimate, 0.75);
        close(fit.at(4.99).estimate, 0.6);
        close(fit.at(5.0).estimate, 0.2);
        close(fit.at(100.0).estimate, 0.0);
    }

    #[test]
    fn km_median_is_first_time_at_or_below_half_and_ci_from_the_bands() {
        let median = tiny_km().median();
        assert_eq!(median.estimate, Some(5.0));
        assert_eq!(median.lower, Some(1.0)); // lower band is 0.387 at t = 1
        assert_eq!(median.upper, None); // upper band stays above 0.5 while defined
    }

    fn median_of(pairs: &[(f64, bool)]) -> Option<f64> {
        KaplanMeier::fit(&obs(pairs)).expect("valid").median().estimate
    }

    #[test]
    fn km_median_takes_midpoint_when_curve_is_exactly_half() {
        // S = 0.75, 0.5, 0.25, 0: exactly 0.5 on [2, 3), so R prints 2.5.
        let all_events = [(1., true), (2., true), (3., true), (4., true)];
        assert_eq!(median_of(&all_events), Some(2.5));
    }

    #[test]
    fn km_median_is_first_half_time_when_curve_ends_at_half() {
        // S stays 0.5 to the end: R's print.survfit gives 2 (quantile.survfit would give 3).
        let flat_to_end = [(1., true), (2., true), (3., false), (4., false)];
        assert_eq!(median_of(&flat_to_end), Some(2.0));
    }

    #[test]
    fn km_median_is_none_when_curve_stays_above_half() {
        let fit = KaplanMeier::fit(&obs(&[(1., true), (2., false), (3., false)])).expect("valid");
        // S = 2/3 from t = 1 on; only the lower band (0.054) reaches 0.5.
        assert_eq!(fit.median(), Median { estimate: None, lower: Some(1.0), upper: None });
    }

    #[test]
    fn km_table_has_domain_columns() {
        let table = tiny_km().table();
        assert_eq!(table.len(), 6);
        assert_eq!((table[1].time, table[1].at_risk, table[1].events, table[1].censored), (2., 7, 1, 1));
        close(table[1].estimate, 0.75);
    }
}
