//! Studies: the statistics of the study tables.

use kohort::study::{Z95, wilson_percent};

#[test]
fn wilson_interval_matches_closed_forms() {
    let z2 = Z95 * Z95;
    // 0 of n: [0, z²/(n+z²)].
    let (lo, hi) = wilson_percent(0, 10).expect("n > 0");
    assert!(lo.abs() < 1e-12);
    assert!((hi - 100.0 * z2 / (10.0 + z2)).abs() < 1e-9, "{hi}");
    // n of n: [n/(n+z²), 1].
    let (lo, hi) = wilson_percent(10, 10).expect("n > 0");
    assert!((lo - 100.0 * 10.0 / (10.0 + z2)).abs() < 1e-9, "{lo}");
    assert!((hi - 100.0).abs() < 1e-12);
    // 1 of 2: symmetric around 50 %, half-width z·sqrt(1/8 + z²/16)/(1 + z²/2) (worked by hand).
    let (lo, hi) = wilson_percent(1, 2).expect("n > 0");
    let half = 100.0 * Z95 * (0.125 + z2 / 16.0).sqrt() / (1.0 + z2 / 2.0);
    assert!((lo - (50.0 - half)).abs() < 1e-9 && (hi - (50.0 + half)).abs() < 1e-9, "{lo} {hi}");
    // Independent method: the Wilson interval is where the score test does not reject,
    // |x − n·p| ≤ z·sqrt(n·p·(1 − p)); find its ends by bisection.
    for (x, n) in [(81_u64, 263_u64), (1, 7), (5, 5000), (999, 1000), (37, 40)] {
        let (xf, nf) = (x as f64, n as f64);
        let inside = |p: f64| (xf - nf * p).abs() <= Z95 * (nf * p * (1.0 - p)).sqrt();
        let phat = xf / nf;
        let bisect = |mut out: f64, mut inn: f64| {
            for _ in 0..200 {
                let mid = 0.5 * (out + inn);
                if inside(mid) { inn = mid } else { out = mid }
            }
            100.0 * inn
        };
        let (lo, hi) = wilson_percent(x, n).expect("n > 0");
        assert!((lo - bisect(0.0, phat)).abs() < 1e-9, "{x}/{n}: {lo}");
        assert!((hi - bisect(1.0, phat)).abs() < 1e-9, "{x}/{n}: {hi}");
    }
    assert_eq!(wilson_percent(0, 0), None);
    assert_eq!(wilson_percent(3, 2), None);
}
