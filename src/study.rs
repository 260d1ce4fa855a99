//! Studies (issue 6 part 2): the statistics behind the tidy tables of
//! `data-schema/study_tables.md`. Only the interval arithmetic is here so far; cohorts, splits
//! and the table writer are still to come.
//!
//! Rule chosen: the 95% interval of a proportion is Wilson's score interval with z = 1.959964
//! (the 0.975 normal quantile), reported in percent as the contract's `ci_lower`/`ci_upper`; a
//! cell with denominator 0 has no percentage and no interval.

/// The 0.975 quantile of the standard normal distribution.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Wilson 95% score interval of `count` successes out of `denominator`, in percent;
/// `None` when `denominator` is 0 or `count > denominator`.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn wilson_percent(count: u64, denominator: u64) -> Option<(f64, f64)> {
    if denominator == 0 || count > denominator {
        return None;
    }
    let n = denominator as f64;
    let p = count as f64 / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some((100.0 * (centre - half).max(0.0), 100.0 * (centre + half).min(1.0)))
}
