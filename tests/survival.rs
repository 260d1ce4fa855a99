//! Survival statistics against the lifelines oracle and published values.
//!
//! `tests/oracle/survival_cases.json` is written by `tests/oracle/survival_oracle.py`
//! (lifelines, pinned in `tests/oracle/requirements.txt`) and committed, so this test needs no
//! Python. Every estimate, standard error, variance and confidence bound must agree to 1e-6;
//! a `null` in the oracle means "undefined" and must be `None` here too.

use kohort::outcomes::survival::{AalenJohansen, AjRow, CompetingObservation, KaplanMeier, KmRow, Observation, Z_95};
use serde::Deserialize;

const TOL: f64 = 1e-6;
const CASES: &str = include_str!("oracle/survival_cases.json");

#[derive(Deserialize)]
struct Oracle {
    z: f64,
    kaplan_meier: Vec<KmCase>,
    aalen_johansen: Vec<AjCase>,
}

#[derive(Deserialize)]
struct KmCase {
    name: String,
    times: Vec<f64>,
    events: Vec<bool>,
    rows: Vec<KmExpected>,
    median: MedianExpected,
    at: Vec<AtExpected>,
    literature: Option<Literature>,
}

#[derive(Deserialize)]
struct KmExpected {
    time: f64,
    n_at_risk: u64,
    n_events: u64,
    n_censored: u64,
    estimate: f64,
    std_err: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
}

#[derive(Deserialize)]
struct MedianExpected {
    estimate: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
}

#[derive(Deserialize)]
struct AtExpected {
    t: f64,
    estimate: f64,
}

#[derive(Deserialize)]
struct Literature {
    citation: String,
    tolerance: LiteratureTolerance,
    rows: Vec<LiteratureRow>,
    median: f64,
}

#[derive(Deserialize)]
struct LiteratureTolerance {
    estimate: f64,
    std_err: f64,
    log_ci: Option<f64>,
}

#[derive(Deserialize)]
struct LiteratureRow {
    time: f64,
    estimate: f64,
    std_err: f64,
    log_lower: Option<f64>,
    log_upper: Option<f64>,
}

#[derive(Deserialize)]
struct AjCase {
    name: String,
    times: Vec<f64>,
    causes: Vec<u32>,
    rows: Vec<AjExpected>,
}

#[derive(Deserialize)]
struct AjExpected {
    time: f64,
    n_at_risk: u64,
    n_events: Vec<u64>,
    n_censored: u64,
    cif: Option<f64>,
    variance: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
    reference: AjReference,
}

#[derive(Deserialize)]
struct AjReference {
    cif: f64,
    variance: f64,
    lower: Option<f64>,
    upper: Option<f64>,
}

fn oracle() -> Oracle {
    serde_json::from_str(CASES).expect("tests/oracle/survival_cases.json parses")
}

fn assert_close(what: &str, actual: f64, expected: f64, tol: f64) {
    assert!((actual - expected).abs() <= tol, "{what}: got {actual}, expected {expected} (tolerance {tol})");
}

fn assert_close_opt(what: &str, actual: Option<f64>, expected: Option<f64>) {
    match (actual, expected) {
        (Some(a), Some(e)) => assert_close(what, a, e, TOL),
        (None, None) => {}
        _ => panic!("{what}: got {actual:?}, expected {expected:?}"),
    }
}

fn fit_km(case: &KmCase) -> KaplanMeier {
    let observations: Vec<Observation> =
        case.times.iter().zip(&case.events).map(|(&time, &event)| Observation { time, event }).collect();
    KaplanMeier::fit(&observations).expect("oracle data is valid")
}

fn check_km_row(case: &str, actual: &KmRow, expected: &KmExpected) {
    let at = format!("{case} t={}", expected.time);
    assert_close(&format!("{at} time"), actual.time, expected.time, 0.0);
    assert_eq!(
        (actual.n_at_risk, actual.n_events, actual.n_censored),
        (expected.n_at_risk, expected.n_events, expected.n_censored),
        "{at} counts (at risk, events, censored)"
    );
    assert_close(&format!("{at} estimate"), actual.estimate, expected.estimate, TOL);
    assert_close_opt(&format!("{at} std_err"), actual.std_err, expected.std_err);
    assert_close_opt(&format!("{at} lower"), actual.lower, expected.lower);
    assert_close_opt(&format!("{at} upper"), actual.upper, expected.upper);
}

#[test]
fn oracle_uses_the_same_normal_quantile() {
    assert_close("z", Z_95, oracle().z, 1e-15);
}

#[test]
fn kaplan_meier_rows_match_lifelines() {
    for case in oracle().kaplan_meier {
        let fit = fit_km(&case);
        assert_eq!(fit.rows().len(), case.rows.len(), "{}: one row per distinct time", case.name);
        for (actual, expected) in fit.rows().iter().zip(&case.rows) {
            check_km_row(&case.name, actual, expected);
        }
    }
}

#[test]
fn kaplan_meier_median_follows_r_print_survfit() {
    for case in oracle().kaplan_meier {
        let median = fit_km(&case).median();
        assert_close_opt(&format!("{} median", case.name), median.estimate, case.median.estimate);
        assert_close_opt(&format!("{} median lower", case.name), median.lower, case.median.lower);
        assert_close_opt(&format!("{} median upper", case.name), median.upper, case.median.upper);
    }
}

#[test]
fn kaplan_meier_at_matches_lifelines_step_function() {
    for case in oracle().kaplan_meier {
        let fit = fit_km(&case);
        for probe in &case.at {
            let what = format!("{} S({})", case.name, probe.t);
            assert_close(&what, fit.at(probe.t).estimate, probe.estimate, TOL);
        }
    }
}

#[test]
fn kaplan_meier_table_mirrors_rows() {
    for case in oracle().kaplan_meier {
        let fit = fit_km(&case);
        for (row, expected) in fit.table().iter().zip(&case.rows) {
            assert_eq!(
                (row.time, row.at_risk, row.events, row.censored),
                (expected.time, expected.n_at_risk, expected.n_events, expected.n_censored)
            );
            assert_close_opt(&case.name, row.lower, expected.lower);
            assert_close_opt(&case.name, row.upper, expected.upper);
        }
    }
}

/// R's default `conf.type = "log"` interval, rebuilt from S and its standard error.
fn log_interval(estimate: f64, std_err: f64) -> (f64, f64) {
    let half_width = Z_95 * std_err / estimate;
    (estimate * (-half_width).exp(), (estimate * half_width.exp()).min(1.0))
}

#[test]
#[allow(clippy::float_cmp)] // published times are whole weeks
fn kaplan_meier_matches_published_tables() {
    let mut checked = 0;
    for case in oracle().kaplan_meier {
        let Some(lit) = &case.literature else {
            continue;
        };
        let fit = fit_km(&case);
        for expected in &lit.rows {
            let what = format!("{} t={} ({})", case.name, expected.time, lit.citation);
            let point = fit.rows().iter().find(|r| r.time == expected.time).expect("published time");
            assert_close(&what, point.estimate, expected.estimate, lit.tolerance.estimate);
            let std_err = point.std_err.expect("S > 0");
            assert_close(&what, std_err, expected.std_err, lit.tolerance.std_err);
            if let (Some(lo), Some(up), Some(tol)) = (expected.log_lower, expected.log_upper, lit.tolerance.log_ci) {
                let (lower, upper) = log_interval(point.estimate, std_err);
                assert_close(&what, lower, lo, tol);
                assert_close(&what, upper, up, tol);
            }
            checked += 1;
        }
        assert_eq!(fit.median().estimate, Some(lit.median), "{} published median", case.name);
    }
    assert_eq!(checked, 14, "both published tables were checked");
}

fn fit_aj(case: &AjCase) -> AalenJohansen {
    let observations: Vec<CompetingObservation> =
        case.times.iter().zip(&case.causes).map(|(&time, &cause)| CompetingObservation { time, cause }).collect();
    AalenJohansen::fit(&observations).expect("oracle data is valid")
}

fn check_aj_counts(at: &str, actual: &AjRow, expected: &AjExpected) {
    assert_close(&format!("{at} time"), actual.time, expected.time, 0.0);
    assert_eq!(
        (actual.n_at_risk, &actual.n_events, actual.n_censored),
        (expected.n_at_risk, &expected.n_events, expected.n_censored),
        "{at} counts (at risk, events per cause, censored)"
    );
}

/// Checks a value against lifelines where lifelines defines it (`Some`).
fn check_lifelines(what: &str, actual: Option<f64>, lifelines: Option<f64>) {
    if let Some(expected) = lifelines {
        assert_close(what, actual.expect("defined where lifelines is"), expected, TOL);
    }
}

#[test]
fn aalen_johansen_rows_match_lifelines_and_reference() {
    let mut lifelines_values = 0;
    for case in oracle().aalen_johansen {
        let fit = fit_aj(&case);
        assert_eq!(fit.rows().len(), case.rows.len(), "{}: one row per distinct time", case.name);
        for (actual, expected) in fit.rows().iter().zip(&case.rows) {
            let at = format!("{} t={}", case.name, expected.time);
            check_aj_counts(&at, actual, expected);
            let reference = &expected.reference;
            assert_close(&format!("{at} cif (reference)"), actual.cif, reference.cif, TOL);
            assert_close(&format!("{at} variance (reference)"), actual.variance, reference.variance, TOL);
            assert_close_opt(&format!("{at} lower (reference)"), actual.lower, reference.lower);
            assert_close_opt(&format!("{at} upper (reference)"), actual.upper, reference.upper);
            check_lifelines(&format!("{at} cif"), Some(actual.cif), expected.cif);
            check_lifelines(&format!("{at} variance"), Some(actual.variance), expected.variance);
            check_lifelines(&format!("{at} lower"), actual.lower, expected.lower);
            check_lifelines(&format!("{at} upper"), actual.upper, expected.upper);
            lifelines_values += usize::from(expected.lower.is_some());
        }
    }
    assert!(lifelines_values > 500, "most intervals are checked against lifelines itself");
}

#[test]
#[allow(clippy::cast_precision_loss)]
fn aalen_johansen_plus_competing_plus_survival_is_one() {
    for case in oracle().aalen_johansen {
        let rows = fit_aj(&case).rows().to_vec();
        let mut competing = 0.0;
        let mut surv_before = 1.0;
        for row in rows {
            competing += surv_before * row.n_competing() as f64 / row.n_at_risk as f64;
            surv_before = row.overall_survival;
            let total = row.cif + competing + row.overall_survival;
            assert_close(&format!("{} t={} F1+F2+S", case.name, row.time), total, 1.0, 1e-12);
        }
    }
}
