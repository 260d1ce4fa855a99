//! Aalen–Johansen cumulative incidence of cause 1 with competing causes, with the
//! delta-method variance lifelines and SAS `PROC LIFETEST` use and a log(−log) 95% interval.

use serde::Serialize;

use super::{
    CompetingObservation, CurvePoint, ProductLimit, Result, TimeGroup, last_at_or_before, log_log_interval, prepare,
    real, tally,
};

/// One row of an Aalen–Johansen fit: a distinct observed time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AjRow {
    /// Distinct observed time (event of any cause, or censoring).
    pub time: f64,
    /// Number at risk just before `time`, including those censored at `time`.
    pub n_at_risk: u64,
    /// Events per cause at `time`: `n_events[k - 1]` counts cause `k`.
    pub n_events: Vec<u64>,
    /// Censorings at `time`.
    pub n_censored: u64,
    /// All-cause Kaplan–Meier survival just after `time`.
    pub overall_survival: f64,
    /// Cumulative incidence F₁(t) of cause 1 just after `time`.
    pub cif: f64,
    /// Delta-method variance of F₁(t) (see [`AalenJohansen`]).
    pub variance: f64,
    /// Lower 95% bound, log(−log) of F₁; `None` where F₁ is 0 or 1.
    pub lower: Option<f64>,
    /// Upper 95% bound, log(−log) of F₁; `None` where F₁ is 0 or 1.
    pub upper: Option<f64>,
}

impl AjRow {
    /// Events of the cause of interest (cause 1) at this time.
    #[must_use]
    pub fn n_events_of_interest(&self) -> u64 {
        self.n_events.first().copied().unwrap_or(0)
    }

    /// Events of all competing causes (2 and up) at this time.
    #[must_use]
    pub fn n_competing(&self) -> u64 {
        self.n_events.iter().skip(1).sum()
    }
}

/// A fitted Aalen–Johansen cumulative incidence curve for cause 1.
///
/// F₁(t) = Σ_{tᵢ ≤ t} S(tᵢ₋₁)·d₁ᵢ/nᵢ, with S the all-cause Kaplan–Meier curve. Its variance is
/// the delta-method (Greenwood-type) estimator of Collett, *Modelling Survival Data in Medical
/// Research* (3rd ed., 2015, p. 411, the page lifelines cites), as in SAS `PROC LIFETEST` and
/// lifelines 0.30 `AalenJohansenFitter` (not the Aalen or Dinse–Larson variance of `cmprsk`):
///
/// Var F₁(t) = Σ (F₁(t) − F₁(tᵢ))²·dᵢ/(nᵢ(nᵢ − dᵢ)) + Σ S(tᵢ₋₁)²·d₁ᵢ(nᵢ − d₁ᵢ)/nᵢ³
///           − 2 Σ (F₁(t) − F₁(tᵢ))·S(tᵢ₋₁)·d₁ᵢ/nᵢ²,
///
/// sums over tᵢ ≤ t, dᵢ = events of all causes, d₁ᵢ = events of cause 1. Where nᵢ = dᵢ (all
/// remaining fail at once) the first term is 0·∞; its factor F₁(t) − F₁(tᵢ) is exactly 0 (no one
/// is left after tᵢ), so the term is taken as 0 where lifelines returns NaN. The 95% interval
/// is on the log(−log) scale, as lifelines: with w = z·sqrt(Var)/(F₁|log F₁|), lower =
/// exp(−exp(log(−log F₁) + w)) and upper = exp(−exp(log(−log F₁) − w)).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AalenJohansen {
    rows: Vec<AjRow>,
}

/// Running sums for the delta-method variance of F₁, so each row costs O(1):
/// Σ aᵢ(x − Fᵢ)² and Σ bᵢ(x − Fᵢ) are kept as polynomials in x.
#[derive(Default)]
struct CifVariance {
    quad: [f64; 3],
    linear: [f64; 2],
    binomial: f64,
}

impl CifVariance {
    /// Adds time tᵢ: `n` at risk, `d` events of all causes, `d1` of cause 1, S(tᵢ₋₁), F₁(tᵢ).
    fn add(&mut self, (n, d, d1): (f64, f64, f64), surv_before: f64, cif: f64) {
        if n > d {
            let a = d / (n * (n - d));
            self.quad[0] += a;
            self.quad[1] += a * cif;
            self.quad[2] += a * cif * cif;
        }
        self.binomial += surv_before * surv_before * d1 * (n - d1) / (n * n * n);
        let b = surv_before * d1 / (n * n);
        self.linear[0] += b;
        self.linear[1] += b * cif;
    }

    /// Var F₁(t) for the current F₁(t) = `cif`.
    fn at(&self, cif: f64) -> f64 {
        let first = cif * cif * self.quad[0] - 2.0 * cif * self.quad[1] + self.quad[2];
        let third = cif * self.linear[0] - self.linear[1];
        (first + self.binomial - 2.0 * third).max(0.0)
    }
}

fn aj_row(group: TimeGroup, state: ProductLimit, cif: f64, variance: f64) -> AjRow {
    let se_log = if cif > 0.0 { variance.sqrt() / cif } else { f64::NAN };
    let (lower, upper) = log_log_interval(cif, se_log);
    AjRow {
        time: group.time,
        n_at_risk: group.at_risk,
        n_events: group.events,
        n_censored: group.censored,
        overall_survival: state.surv,
        cif,
        variance,
        lower,
        upper,
    }
}

impl AalenJohansen {
    /// Fits the cumulative incidence of cause 1, with causes 2 and up competing.
    ///
    /// # Errors
    /// [`SurvivalError`](super::SurvivalError) if `observations` is empty, a time is negative
    /// or not finite, or a cause is above [`MAX_CAUSE`](super::MAX_CAUSE).
    pub fn fit(observations: &[CompetingObservation]) -> Result<Self> {
        let sorted = prepare(observations.iter().map(|o| (o.time, o.cause)))?;
        let (mut state, mut cif, mut sums) = (ProductLimit::START, 0.0, CifVariance::default());
        let mut rows = Vec::new();
        for group in tally(&sorted) {
            let d: u64 = group.events.iter().sum();
            let counts = (real(group.at_risk), real(d), real(group.events[0]));
            let surv_before = state.surv;
            cif += surv_before * counts.2 / counts.0;
            sums.add(counts, surv_before, cif);
            state.step(group.at_risk, d);
            rows.push(aj_row(group, state, cif, sums.at(cif)));
        }
        Ok(Self { rows })
    }

    /// One row per distinct observed time, in time order.
    #[must_use]
    pub fn rows(&self) -> &[AjRow] {
        &self.rows
    }

    /// F₁(t) and its interval at any time `t`: the step function, right-continuous
    /// (0 with no interval before the first row; a NaN `t` counts as before it).
    #[must_use]
    pub fn at(&self, t: f64) -> CurvePoint {
        match last_at_or_before(&self.rows, t, |row| row.time) {
            Some(i) => {
                let row = &self.rows[i];
                CurvePoint { estimate: row.cif, lower: row.lower, upper: row.upper }
            }
            None => CurvePoint { estimate: 0.0, lower: None, upper: None },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::survival::tests::{close, competing, log_log_by_hand, obs};
    use crate::outcomes::survival::{CurvePoint, KaplanMeier};

    /// Times 1..8 with causes 1, 2, 0, 1, 2, 1, 0, 1.
    fn tiny_aj() -> AalenJohansen {
        let causes = [1, 2, 0, 1, 2, 1, 0, 1];
        let data: Vec<_> = (1_u32..).map(f64::from).zip(causes).collect();
        AalenJohansen::fit(&competing(&data)).expect("valid input")
    }

    #[test]
    fn aj_cif_matches_hand_computation() {
        // F += S(t−)·d1/n: 1·1/8, 0.75·1/5, 0.45·1/3, 0.3·1/1.
        let cif: Vec<f64> = tiny_aj().rows().iter().map(|r| r.cif).collect();
        for (a, e) in cif.iter().zip([0.125, 0.125, 0.125, 0.275, 0.275, 0.425, 0.425, 0.725]) {
            close(*a, e);
        }
    }

    #[test]
    fn aj_variance_matches_hand_computation() {
        let rows = tiny_aj().rows().to_vec();
        // t = 1: only the binomial term, 1²·1·7/8³.
        close(rows[0].variance, 7.0 / 512.0);
        // t = 4: (0.15²/56 + 0.15²/42) + (7/512 + 0.75²·4/125) − 2·(0.15·1/64).
        let v4 = 0.0225 / 56.0 + 0.0225 / 42.0 + 7.0 / 512.0 + 0.5625 * 0.032 - 2.0 * 0.15 / 64.0;
        close(rows[3].variance, v4);
        // t = 8: n = d = 1, so the 0·∞ term is dropped and the variance stays finite.
        assert!(rows[7].variance.is_finite());
        assert!(rows[7].lower.is_some());
    }

    #[test]
    fn aj_interval_uses_log_minus_log_of_cif() {
        let fit = tiny_aj();
        let row = &fit.rows()[0];
        let (lower, upper) = log_log_by_hand(0.125, row.variance / (0.125 * 0.125));
        close(row.lower.expect("0 < F < 1"), lower);
        close(row.upper.expect("0 < F < 1"), upper);
        // lifelines 0.30.3 prints 0.006593 and 0.422706 for this row.
        assert!((lower - 0.006_593).abs() < 1e-6 && (upper - 0.422_706).abs() < 1e-6);
    }

    #[test]
    fn aj_ties_put_all_causes_before_censoring() {
        let data = competing(&[(1., 1), (1., 2), (1., 0), (2., 1), (3., 0)]);
        let fit = AalenJohansen::fit(&data).expect("valid");
        let first = &fit.rows()[0];
        assert_eq!((first.n_at_risk, first.n_events.clone(), first.n_censored), (5, vec![1, 1], 1));
        close(first.cif, 0.2);
        close(fit.rows()[1].cif, 0.2 + 0.6 / 2.0);
        assert_eq!((first.n_events_of_interest(), first.n_competing()), (1, 1));
    }

    #[test]
    fn aj_without_competing_events_is_one_minus_km() {
        let pairs = [(1., true), (2., true), (2., false), (3., true), (5., true), (6., false)];
        let km = KaplanMeier::fit(&obs(&pairs)).expect("valid");
        let as_causes: Vec<_> = pairs.iter().map(|&(t, e)| (t, u32::from(e))).collect();
        let aj = AalenJohansen::fit(&competing(&as_causes)).expect("valid");
        for (k, a) in km.rows().iter().zip(aj.rows()) {
            close(a.cif, 1.0 - k.estimate);
        }
    }

    #[test]
    fn aj_at_before_first_time_is_zero() {
        let fit = tiny_aj();
        assert_eq!(fit.at(0.0), CurvePoint { estimate: 0.0, lower: None, upper: None });
        close(fit.at(4.5).estimate, 0.275);
    }
}
