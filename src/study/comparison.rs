//! The comparison of activities (issue 16, docs/definitions.md §5.14): every activity (a cohort
//! of the study) beside a reference activity on each compared outcome, with the difference and
//! its 95% interval (Newcombe's hybrid score interval), the same directly standardised for the
//! sex × age-band mix (Wald interval), and the activity's own population before it started.
//!
//! Every figure is computed from the cells of a study table file: the study computes it from
//! its own `tables.parquet`, the export (`kohort export tables`) again from the published one,
//! so a published comparison row is a function of published cells only (a suppressed cell
//! leaves the figures that need it empty, or its stratum out of the standardisation).

use std::collections::BTreeMap;
use std::path::Path;

use duckdb::Connection;
use duckdb::arrow::record_batch::RecordBatch;

use super::Z95;
use crate::db::{DbError, DuckContext};
use crate::sql::study as q;

/// A cell: count and denominator, `None` when not published.
pub type Cell = Option<(u64, u64)>;

/// The cells of one cohort, outcome, variant and window: the total and the sex × age-band strata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Arm {
    /// The cohort's top cell (`NL`, or `total` at level `cohort`).
    pub total: Cell,
    /// The strata by `sex*age_band` value.
    pub strata: BTreeMap<String, Cell>,
}

/// (cohort, outcome, variant, window) of an arm.
pub type ArmKey = (String, String, String, Option<i64>);

/// One row of the comparison table (percentages and differences in percent points).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// The activity.
    pub cohort: String,
    /// The reference activity.
    pub reference: String,
    /// Outcome id, variant and window.
    pub outcome: String,
    /// Variant (`''` mostly).
    pub variant: String,
    /// Window in days, if the outcome has windows.
    pub window_days: Option<i64>,
    /// The activity's count and denominator and percentage.
    pub count: Option<u64>,
    /// Denominator.
    pub denominator: Option<u64>,
    /// 100 · count / denominator.
    pub percentage: Option<f64>,
    /// The reference's count.
    pub reference_count: Option<u64>,
    /// The reference's denominator.
    pub reference_denominator: Option<u64>,
    /// The reference's percentage.
    pub reference_percentage: Option<f64>,
    /// Crude difference activity − reference, and its Newcombe 95% interval.
    pub difference: Option<(f64, f64, f64)>,
    /// Standardised percentage of the activity with its Wald 95% interval.
    pub standardised: Option<(f64, f64, f64)>,
    /// Standardised percentage of the reference (same standard).
    pub reference_standardised: Option<f64>,
    /// Standardised difference with its Wald 95% interval.
    pub standardised_difference: Option<(f64, f64, f64)>,
    /// Strata used by the standardisation.
    pub strata: u64,
    /// The cohort of the activity's population before it started.
    pub before_cohort: Option<String>,
    /// Its count.
    pub before_count: Option<u64>,
    /// Its denominator.
    pub before_denominator: Option<u64>,
    /// Its percentage.
    pub before_percentage: Option<f64>,
    /// Difference activity − before, with its Newcombe 95% interval.
    pub before_difference: Option<(f64, f64, f64)>,
}

/// 100 · count / denominator.
#[allow(clippy::cast_precision_loss)]
fn pct(c: u64, n: u64) -> Option<f64> {
    (n > 0).then(|| 100.0 * c as f64 / n as f64)
}

/// Newcombe's hybrid score interval (his method 10) of p1 − p2 from the two Wilson intervals,
/// in percent points: (difference, lower, upper).
#[must_use]
pub fn newcombe(a: (u64, u64), b: (u64, u64)) -> Option<(f64, f64, f64)> {
    let (p1, (l1, u1)) = (pct(a.0, a.1)?, super::wilson_percent(a.0, a.1)?);
    let (p2, (l2, u2)) = (pct(b.0, b.1)?, super::wilson_percent(b.0, b.1)?);
    let d = p1 - p2;
    let lower = d - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt();
    let upper = d + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt();
    Some((d, lower, upper))
}

/// Direct standardisation of two arms to their pooled mix: the strata where both have a
/// (published) cell with a denominator, weights w_s = (n_a,s + n_r,s) / Σ. Returns the
/// activity's standardised percentage with its Wald interval, the reference's, the difference
/// with its Wald interval (variance Σ w_s² p(1 − p)/n of each arm, added: independent arms,
/// weights taken as fixed) and the number of strata; `None` without a common stratum.
#[must_use]
#[allow(clippy::cast_precision_loss, clippy::type_complexity)]
pub fn standardise(
    a: &BTreeMap<String, Cell>,
    r: &BTreeMap<String, Cell>,
) -> Option<((f64, f64, f64), f64, (f64, f64, f64), u64)> {
    let common: Vec<((u64, u64), (u64, u64))> =
        a.iter().filter_map(|(k, ca)| Some(((*ca)?, (*r.get(k)?)?))).filter(|(x, y)| x.1 > 0 && y.1 > 0).collect();
    let total: u64 = common.iter().map(|(x, y)| x.1 + y.1).sum();
    if common.is_empty() || total == 0 {
        return None;
    }
    let (mut sa, mut sr, mut va, mut vr) = (0.0, 0.0, 0.0, 0.0);
    for ((ca, na), (cr, nr)) in &common {
        let w = (na + nr) as f64 / total as f64;
        let (pa, pr) = (*ca as f64 / *na as f64, *cr as f64 / *nr as f64);
        sa += w * pa;
        sr += w * pr;
        va += w * w * pa * (1.0 - pa) / *na as f64;
        vr += w * w * pr * (1.0 - pr) / *nr as f64;
    }
    let half_a = Z95 * va.sqrt();
    let half_d = Z95 * (va + vr).sqrt();
    let own = (100.0 * sa, (100.0 * (sa - half_a)).max(0.0), (100.0 * (sa + half_a)).min(100.0));
    let d = sa - sr;
    Some((own, 100.0 * sr, (100.0 * d, 100.0 * (d - half_d), 100.0 * (d + half_d)), common.len() as u64))
}

/// The comparison rows: for every activity (with its before cohort) and every outcome, variant
/// and window of the reference, the activity against the reference.
#[must_use]
pub fn compare(
    arms: &BTreeMap<ArmKey, Arm>,
    reference: &str,
    activities: &[(String, Option<String>)],
    outcomes: &[String],
) -> Vec<Row> {
    let empty = Arm::default();
    let mut rows = Vec::new();
    for (activity, before) in activities {
        for ((cohort, outcome, variant, window), refarm) in arms {
            if cohort != reference || !outcomes.contains(outcome) {
                continue;
            }
            let key = |c: &str| (c.to_owned(), outcome.clone(), variant.clone(), *window);
            let arm = arms.get(&key(activity)).unwrap_or(&empty);
            let mut row = Row {
                cohort: activity.clone(),
                reference: reference.to_owned(),
                outcome: outcome.clone(),
                variant: variant.clone(),
                window_days: *window,
                count: arm.total.map(|c| c.0),
                denominator: arm.total.map(|c| c.1),
                percentage: arm.total.and_then(|(c, n)| pct(c, n)),
                reference_count: refarm.total.map(|c| c.0),
                reference_denominator: refarm.total.map(|c| c.1),
                reference_percentage: refarm.total.and_then(|(c, n)| pct(c, n)),
                before_cohort: before.clone(),
                ..Row::default()
            };
            if activity != reference {
                row.difference = arm.total.zip(refarm.total).and_then(|(a, b)| newcombe(a, b));
                if let Some((own, refstd, diff, strata)) = standardise(&arm.strata, &refarm.strata) {
                    row.standardised = Some(own);
                    row.reference_standardised = Some(refstd);
                    row.standardised_difference = Some(diff);
                    row.strata = strata;
                }
            }
            if let Some(b) = before {
                let barm = arms.get(&key(b)).unwrap_or(&empty);
                row.before_count = barm.total.map(|c| c.0);
                row.before_denominator = barm.total.map(|c| c.1);
                row.before_percentage = barm.total.and_then(|(c, n)| pct(c, n));
                row.before_difference = arm.total.zip(barm.total).and_then(|(a, b)| newcombe(a, b));
            }
            rows.push(row);
        }
    }
    rows
}

/// Read the arms of a study table file (`tables.parquet`): the cohorts' top rows of period
/// `all`, split `total` (the total) and `sex*age_band` (the strata). A row without a count (not
/// published) is a cell `None`.
pub fn read_arms(conn: &Connection, tables: &Path) -> Result<BTreeMap<ArmKey, Arm>, DbError> {
    let what = format!("comparison cells of {}", tables.display());
    let mut stmt = conn.prepare(q::COMPARISON_CELLS).ctx(&what)?;
    let rows = stmt
        .query_map([tables.to_string_lossy()], |r| {
            Ok((
                (r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<i64>>(3)?),
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<i64>>(6)?.zip(r.get::<_, Option<i64>>(7)?),
            ))
        })
        .ctx(&what)?;
    let mut arms: BTreeMap<ArmKey, Arm> = BTreeMap::new();
    for row in rows {
        let (key, split, value, cell) = row.ctx(&what)?;
        let cell = cell.map(|(c, n)| (c.unsigned_abs(), n.unsigned_abs()));
        let arm = arms.entry(key).or_default();
        if split == "total" {
            arm.total = cell;
        } else {
            arm.strata.insert(value, cell);
        }
    }
    Ok(arms)
}

/// Write `comparison.parquet` and `comparison.csv` into `dir` (sorted as computed).
pub fn write(conn: &Connection, dir: &Path, study: &str, rows: &[Row]) -> Result<(), super::StudyError> {
    let what = "comparison table";
    conn.execute_batch(q::COMPARISON_TABLE).ctx(what)?;
    {
        let mut app = conn.appender("study_comparison").ctx(what)?;
        for (i, r) in rows.iter().enumerate() {
            let t = |x: Option<(f64, f64, f64)>| (x.map(|v| v.0), x.map(|v| v.1), x.map(|v| v.2));
            let (d, dl, du) = t(r.difference);
            let (s, sl, su) = t(r.standardised);
            let (sd, sdl, sdu) = t(r.standardised_difference);
            let (bd, bdl, bdu) = t(r.before_difference);
            let u = |x: Option<u64>| x.and_then(|v| i64::try_from(v).ok());
            app.append_row(duckdb::params![
                i64::try_from(i).unwrap_or(i64::MAX),
                study,
                r.cohort,
                r.reference,
                r.outcome,
                r.variant,
                r.window_days,
                u(r.count),
                u(r.denominator),
                r.percentage,
                u(r.reference_count),
                u(r.reference_denominator),
                r.reference_percentage,
                d,
                dl,
                du,
                s,
                sl,
                su,
                r.reference_standardised,
                sd,
                sdl,
                sdu,
                i64::try_from(r.strata).unwrap_or(i64::MAX),
                r.before_cohort,
                u(r.before_count),
                u(r.before_denominator),
                r.before_percentage,
                bd,
                bdl,
                bdu,
            ])
            .ctx(what)?;
        }
    }
    let mut stmt = conn.prepare(q::COMPARISON_OUT).ctx(what)?;
    let batches: Vec<RecordBatch> = stmt.query_arrow([]).ctx(what)?.collect();
    let schema = stmt.schema();
    crate::store::write_parquet(&dir.join("comparison.parquet"), "comparison.parquet", schema, batches.clone())?;
    crate::store::write_csv(&dir.join("comparison.csv"), &batches)?;
    Ok(())
}

/// What a comparison table file (`comparison.parquet`) compares: the study, the reference, the
/// activities with their before cohort (in file order) and the outcome ids; what the export
/// recomputes.
pub type Compared = (String, String, Vec<(String, Option<String>)>, Vec<String>);

/// Read [`Compared`] from a comparison table file.
pub fn read_activities(conn: &Connection, file: &Path) -> Result<Compared, DbError> {
    let what = format!("reading {}", file.display());
    let mut stmt = conn.prepare(q::COMPARISON_ACTIVITIES).ctx(&what)?;
    let rows = stmt
        .query_map([file.to_string_lossy()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .ctx(&what)?;
    let (mut study, mut reference, mut activities, mut outcomes) =
        (String::new(), String::new(), Vec::new(), Vec::new());
    for row in rows {
        let (cohort, refc, before, ids, name) = row.ctx(&what)?;
        reference = refc;
        study = name;
        activities.push((cohort, before));
        outcomes.extend(ids.unwrap_or_default().split(',').filter(|s| !s.is_empty()).map(str::to_owned));
    }
    outcomes.sort_unstable();
    outcomes.dedup();
    Ok((study, reference, activities, outcomes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strata(cells: &[(&str, u64, u64)]) -> BTreeMap<String, Cell> {
        cells.iter().map(|(k, c, n)| ((*k).to_owned(), Some((*c, *n)))).collect()
    }

    #[test]
    fn the_standardised_difference_equals_a_hand_computation() {
        // Activity: young 2/10, old 30/40; reference: young 12/40, old 9/10 (and a stratum the
        // activity lacks, left out). Pooled weights over the common strata: young 50/100,
        // old 50/100. Activity 0.5·0.2 + 0.5·0.75 = 0.475; reference 0.5·0.3 + 0.5·0.9 = 0.6.
        let a = strata(&[("m*0-3", 2, 10), ("m*12-17", 30, 40)]);
        let r = strata(&[("m*0-3", 12, 40), ("m*12-17", 9, 10), ("f*4-11", 3, 7)]);
        let (own, refstd, diff, n) = standardise(&a, &r).unwrap();
        assert_eq!(n, 2);
        assert!((own.0 - 47.5).abs() < 1e-9 && (refstd - 60.0).abs() < 1e-9, "{own:?} {refstd}");
        assert!((diff.0 + 12.5).abs() < 1e-9);
        // Var_a = 0.25·(0.2·0.8/10) + 0.25·(0.75·0.25/40) = 0.004 + 0.001171875;
        // Var_r = 0.25·(0.3·0.7/40) + 0.25·(0.9·0.1/10) = 0.0013125 + 0.00225.
        let se = (0.004_f64 + 0.001_171_875 + 0.001_312_5 + 0.002_25).sqrt();
        assert!((diff.1 - 100.0 * (-0.125 - Z95 * se)).abs() < 1e-9, "{diff:?}");
        assert!((diff.2 - 100.0 * (-0.125 + Z95 * se)).abs() < 1e-9, "{diff:?}");
        let se_a = (0.004_f64 + 0.001_171_875).sqrt();
        assert!((own.1 - 100.0 * (0.475 - Z95 * se_a)).abs() < 1e-9);
        // A suppressed stratum (None) is left out like an absent one.
        let mut a2 = a.clone();
        a2.insert("m*0-3".into(), None);
        let (own2, _, _, n2) = standardise(&a2, &r).unwrap();
        assert_eq!((n2, own2.0), (1, 75.0));
    }

    #[test]
    fn a_figure_that_needs_a_missing_cell_is_empty_and_the_reference_row_has_no_difference() {
        let arm = |total: Cell| Arm { total, strata: strata(&[("f*4-11", 5, 20)]) };
        let key = |c: &str| (c.to_owned(), "dropout".to_owned(), String::new(), None);
        let arms = BTreeMap::from([
            (key("usual"), arm(Some((10, 40)))),
            (key("p"), arm(None)),
            (key("p_before"), arm(Some((3, 30)))),
            (key("q"), arm(Some((20, 40)))),
        ]);
        let acts = [("usual".to_owned(), None), ("p".to_owned(), Some("p_before".to_owned())), ("q".to_owned(), None)];
        let rows = compare(&arms, "usual", &acts, &["dropout".to_owned()]);
        assert_eq!(rows.len(), 3);
        assert!(rows[0].difference.is_none() && rows[0].standardised.is_none() && rows[0].percentage == Some(25.0));
        assert!(rows[1].difference.is_none() && rows[1].before_difference.is_none());
        assert_eq!((rows[1].before_count, rows[1].before_percentage), (Some(3), Some(10.0)));
        assert_eq!(rows[1].strata, 1, "the strata are published: the standardisation stands");
        assert!((rows[2].difference.unwrap().0 - 25.0).abs() < 1e-9);
        assert!(compare(&arms, "usual", &acts, &["reentry".to_owned()]).is_empty());
    }

    #[test]
    fn newcombe_matches_the_worked_example_of_his_paper() {
        // Newcombe (1998), Table II example (e): 56/70 − 48/80 = 0.2, method 10: 0.0524 to 0.3339.
        let (d, l, u) = newcombe((56, 70), (48, 80)).unwrap();
        assert!((d - 20.0).abs() < 1e-9);
        assert!((l - 5.24).abs() < 0.01 && (u - 33.39).abs() < 0.01, "{l} {u}");
        assert!(newcombe((1, 0), (1, 2)).is_none());
    }
}
