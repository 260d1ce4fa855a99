//! Sites and quarters (issue 16): the pilot site (the delivering source of a person's row,
//! docs/definitions.md §5.4) as a split, and the site monitor study `studies/site_monitor.toml`.
//!
//! - On `proeftuinen`: every cell of the site monitor equals the brute force of
//!   `tests/study_cells.rs` (Rust loops over the raw rows), and the re-report cells per site and
//!   quarter equal a second brute force in plain SQL written here from §4.8.1–§4.8.2 over the raw
//!   `persons_all` and `safety_reports` rows; the family view of re-reports differs from the
//!   child view (the scenario plants re-reports about a sibling: `sibling_report`).
//! - On `tiny`: the site monitor's cells of site `tiny` in 2019Q1, worked by hand from
//!   `scenarios/tiny.expected.toml` (`[rereport.*]`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{kohort, query, scenario_store};
use crate::study_cells::{Cells, Periods, brute_force_cells, got_cells, run_study, store};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn site_monitor_text() -> String {
    std::fs::read_to_string(root().join("studies/site_monitor.toml")).unwrap()
}

/// The outcomes, region levels and splits the site monitor asks for (its file, read here).
fn asked() -> (Vec<String>, Vec<String>, Vec<String>) {
    let def: toml::Value = toml::from_str(&site_monitor_text()).unwrap();
    let list = |k: &str| -> Vec<String> {
        def[k].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
    };
    let mut splits = list("splits");
    splits.push("total".into());
    (list("outcomes"), list("region_levels"), splits)
}

/// Re-reports after a report, child and family view, per site and quarter, national: (count,
/// denominator) per (outcome, window, period, split, split value). Plain SQL from
/// docs/definitions.md §4.1, §4.8.1 and §4.8.2 (same incident 30 days, windows 365 and 730,
/// age limit 18) and §5.4 (site: the source of the person row picked by precision, data end,
/// source name).
const REREPORTS_SQL: &str = "
WITH ranked AS (
    SELECT person_id, source, birth_date, death_date, emigration_date, extracted_on,
           row_number() OVER (PARTITION BY person_id
                              ORDER BY CASE WHEN birth_date_precision = 'day' THEN 0 ELSE 1 END, extracted_on DESC, source) AS r
    FROM persons_all
),
person AS (
    SELECT person_id, source AS site,
           least(coalesce(death_date, DATE '9999-12-31'), coalesce(emigration_date, DATE '9999-12-31'), extracted_on,
                 CASE WHEN month(birth_date) = 2 AND day(birth_date) = 29
                           AND NOT ((year(birth_date) + 18) % 4 = 0 AND ((year(birth_date) + 18) % 100 <> 0 OR (year(birth_date) + 18) % 400 = 0))
                      THEN make_date(year(birth_date) + 18, 3, 1)
                      ELSE make_date(year(birth_date) + 18, month(birth_date), day(birth_date)) END) AS fu
    FROM ranked WHERE r = 1
),
idx AS (
    SELECT s.report_id, s.person_id, s.household_id, s.report_date, p.site, p.fu
    FROM safety_reports s JOIN person p USING (person_id)
    WHERE s.report_date < p.fu
),
child AS (
    SELECT i.*, (SELECT min(o.report_date) FROM safety_reports o
                 WHERE o.person_id = i.person_id AND o.report_date - i.report_date > 30 AND o.report_date <= i.fu) AS ev
    FROM idx i
),
family AS (
    SELECT i.*, (SELECT min(o.report_date) FROM safety_reports o
                 WHERE o.household_id = i.household_id AND o.report_date - i.report_date > 30 AND o.report_date <= i.fu) AS ev
    FROM idx i WHERE i.household_id IS NOT NULL
),
both_views AS (
    SELECT 'rereport' AS outcome, * FROM child UNION ALL SELECT 'rereport_household', * FROM family
),
status AS (
    SELECT b.outcome, w.w, year(b.report_date) || 'Q' || quarter(b.report_date) AS period, b.site,
           CASE WHEN b.ev IS NOT NULL AND b.ev - b.report_date <= w.w THEN 'event'
                WHEN b.fu >= b.report_date + w.w THEN 'no_event' ELSE 'censored' END AS st
    FROM both_views b CROSS JOIN (VALUES (365), (730)) w(w)
)
SELECT outcome, w::VARCHAR, period, split, value, count(*) FILTER (WHERE st = 'event')::VARCHAR, count(*)::VARCHAR
FROM status CROSS JOIN LATERAL (VALUES ('total', 'total'), ('site', site)) s(split, value)
WHERE st <> 'censored'
GROUP BY ALL";

fn sql_rereports(store: &Path) -> BTreeMap<(String, String, String, String, String), (u64, u64)> {
    query(store, REREPORTS_SQL)
        .into_iter()
        .map(|r| {
            (
                (r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone(), r[4].clone()),
                (r[5].parse().unwrap(), r[6].parse().unwrap()),
            )
        })
        .collect()
}

/// The cells of the site monitor's outcomes, levels and splits.
fn restrict(cells: &Cells) -> Cells {
    let (outcomes, levels, splits) = asked();
    cells
        .iter()
        .filter(|(k, _)| outcomes.contains(&k.0) && levels.contains(&k.4) && splits.contains(&k.6))
        .map(|(k, v)| (k.clone(), *v))
        .collect()
}

#[test]
fn every_cell_of_the_site_monitor_on_proeftuinen_equals_two_brute_forces_and_the_family_view_differs() {
    let (tmp, store) = store("proeftuinen");
    let dir = run_study(tmp.path(), store, "site_monitor", &site_monitor_text());
    let (got, rates) = got_cells(store, &dir);
    assert!(rates.is_empty(), "the site monitor has no rates");
    // Every period of the data: the study names no range.
    let periods = Periods { quarter: true, from: (1990, 1), to: (2030, 4) };
    let want = restrict(&brute_force_cells(store, periods));
    let missing: Vec<_> = want.iter().filter(|(k, v)| got.get(*k) != Some(*v)).take(10).collect();
    let extra: Vec<_> = got.iter().filter(|(k, _)| !want.contains_key(*k)).take(10).collect();
    assert!(missing.is_empty() && extra.is_empty(), "differ: {missing:#?}\nnot in the brute force: {extra:#?}");
    assert_eq!(got.len(), want.len());
    // The study covers what it claims: 11 sites, quarters, every outcome.
    let sites: std::collections::BTreeSet<&str> = got.keys().filter(|k| k.6 == "site").map(|k| k.7.as_str()).collect();
    assert_eq!(sites.len(), 11, "{sites:?}");
    for o in asked().0 {
        assert!(got.iter().any(|(k, v)| k.0 == o && k.6 == "site" && v.0 > 0), "no {o} cell with a count");
    }
    // Second brute force, plain SQL, for the re-reports per site and quarter (national).
    let sql = sql_rereports(store);
    let national: BTreeMap<_, _> = got
        .iter()
        .filter(|(k, _)| k.0.starts_with("rereport") && k.0 != "rereport_after_measure" && k.4 == "national")
        .map(|(k, v)| ((k.0.clone(), k.2.clone(), k.3.clone(), k.6.clone(), k.7.clone()), *v))
        .collect();
    assert_eq!(national, sql, "re-reports per site and quarter against plain SQL");
    // The family view differs from the child view: more re-reports, per site too.
    let sum = |outcome: &str, split: &str| -> (u64, u64) {
        sql.iter()
            .filter(|(k, _)| k.0 == outcome && k.1 == "365" && k.3 == split)
            .fold((0, 0), |a, (_, v)| (a.0 + v.0, a.1 + v.1))
    };
    let (child, family) = (sum("rereport", "total"), sum("rereport_household", "total"));
    eprintln!("proeftuinen, W 365, all quarters: child view {child:?}, family view {family:?}");
    assert!(family.0 > child.0, "family {family:?} vs child {child:?}");
    #[allow(clippy::cast_precision_loss)]
    let share = |v: (u64, u64)| v.0 as f64 / v.1 as f64;
    assert!(share(family) > share(child) + 0.02, "family {family:?} vs child {child:?}");
}

/// The site monitor over `tiny` (one source, `tiny`), its tables folder.
fn tiny_site_monitor() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (tmp, store) = scenario_store("tiny", true);
    kohort()
        .arg("--quiet")
        .arg("study")
        .arg(root().join("studies/site_monitor.toml"))
        .arg("--store")
        .arg(&store)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .assert()
        .success();
    let dir = tmp.path().join("out/site_monitor");
    (tmp, store, dir)
}

#[test]
fn tiny_site_monitor_for_site_tiny_in_2019q1_equals_the_hand_worked_re_reports() {
    // scenarios/tiny.expected.toml [rereport.same30_*]: Quinn's R1 2019-01-10, R2 01-25, R3
    // 02-09, R4 02-10 (all 2019Q1, household H000000004, residence GM0080; fu 2024-10-10: every
    // window complete). W 365: R1 has R4 at t 31 (R2, R3 same incident) -> 1 of 4; W 730: R2,
    // R3, R4 have R5 (2020-03-01) at t 401, 386, 385 -> 4 of 4. Quinn is the only reported child
    // of H000000004, so the family view is the same. No measure ends or starts in 2019Q1.
    let (_tmp, store, dir) = tiny_site_monitor();
    let rows = query(
        &store,
        &format!(
            "SELECT DISTINCT outcome, window_days::VARCHAR, region_level, region, split, split_value, count::VARCHAR,
                    denominator::VARCHAR
             FROM read_parquet('{}') WHERE period = '2019Q1' ORDER BY ALL",
            dir.join("tables.parquet").display()
        ),
    );
    let mut want = Vec::new();
    for outcome in ["rereport", "rereport_household"] {
        for (w, c) in [("365", "1"), ("730", "4")] {
            for (level, region) in [("municipality", "GM0080"), ("national", "NL")] {
                for (split, value) in [("site", "tiny"), ("total", "total")] {
                    want.push([outcome, w, level, region, split, value, c, "4"].map(str::to_owned).to_vec());
                }
            }
        }
    }
    want.sort();
    assert_eq!(rows, want);
}
