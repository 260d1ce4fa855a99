//! Sites and quarters (issue 16): the pilot site (the delivering source of a person's row,
//! docs/definitions.md §5.4) as a split, and the site monitor study `studies/site_monitor.toml`.
//!
//! - On `proeftuinen`: every cell of the site monitor equals the brute force of
//!   `tests/study_cells.rs` (Rust loops over the raw rows), and the re-report cells per site and
//!   quarter equal a second brute force in plain SQL written here from §4.8.1–§4.8.2 over the raw
//!   `persons_all` and `safety_reports` rows; the family view of re-reports differs from the
//!   child view (the scenario plants re-reports about a sibling: `sibling_report`).
//! - The family outcomes (docs/definitions.md §4.8.5) on `proeftuinen`: every cell per site,
//!   quarter, national and municipality equals a loop over the raw `persons_all`,
//!   `households`, `residence`, `safety_reports`, `measures` and `care_episodes` rows written
//!   here; the households hold several reported children.
//! - The plain counts (docs/definitions.md §4.8.6) on `proeftuinen`: families, their children,
//!   reports and protection measures imposed per site, quarter, national and municipality, by
//!   the same loops (the measure episodes of §3.5 by the loop of `tests/study_cells.rs`).
//! - On `tiny`: the site monitor's cells of site `tiny` in 2019Q1, worked by hand from
//!   `scenarios/tiny.expected.toml` (`[rereport.*]`), and the plain counts of 2019Q1 and 2020Q2
//!   worked by hand from `scenarios/tiny.toml`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use crate::common::{kohort, query, scenario_store, study_cmd};
use crate::study_cells::{Cells, Only, Periods, brute_force_cells, got_cells, measure_episodes, run_study, store};

/// (outcome, window, period, split, split value) -> (count, denominator).
type ReportCells = BTreeMap<(String, String, String, String, String), (u64, u64)>;
/// A dated row: from, to.
type Span = (NaiveDate, Option<NaiveDate>);
/// (outcome, variant, window, period, level, region, split and value joined).
type FamilyKey = (String, String, String, String, String, String, String);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn site_monitor_text() -> String {
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

fn sql_rereports(store: &Path) -> ReportCells {
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

/// The plain counts of the site monitor (docs/definitions.md §4.8.6), brute-forced in
/// [`family_cells`].
const PLAIN: [&str; 4] = ["families", "family_children", "reports", "measures_imposed"];

/// The cells of the site monitor's outcomes (but the family ones and the plain counts), levels
/// and splits.
fn restrict(cells: &Cells) -> Cells {
    let (outcomes, levels, splits) = asked();
    cells
        .iter()
        .filter(|(k, _)| !k.0.starts_with("family_") && !PLAIN.contains(&k.0.as_str()))
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
    let want = brute_force_site_monitor(store);
    // The planted shares of high trust (scenarios/proeftuinen.toml [expected]: 0.80 in Groningen,
    // 0.55 elsewhere; every answer an independent draw, so also the household's last of a
    // quarter) are recovered from the study's cells per site, pooled over the quarters.
    let scenario = kohort::synth::load_scenario("proeftuinen").unwrap();
    for (key, groningen) in [("trust_high_groningen", true), ("trust_high_other_sites", false)] {
        let (c, n) = got
            .iter()
            .filter(|(k, _)| k.0 == "trust_high" && k.4 == "national" && k.6 == "site")
            .filter(|(k, _)| (k.7 == "proeftuin-groningen") == groningen)
            .fold((0, 0), |a, (_, v)| (a.0 + v.0, a.1 + v.1));
        #[allow(clippy::cast_precision_loss)]
        let share = c as f64 / n as f64;
        let t = &scenario.expected[key];
        eprintln!(
            "site monitor {key}: {c} of {n} family-quarters = {share:.3} (planted {} ± {})",
            t.value, t.tolerance
        );
        assert!((share - t.value).abs() <= t.tolerance, "{key}: {share:.3}");
    }
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

/// Every cell of the site monitor on a `proeftuinen` store by the brute forces: the loops of
/// `tests/study_cells.rs` for its outcomes but the family ones, the plain counts and the
/// questionnaire ([`restrict`]), [`family_cells`] and [`questionnaire_cells`]; every period of
/// the data (the study names no range).
pub(crate) fn brute_force_site_monitor(store: &Path) -> Cells {
    let periods = Periods { quarter: true, from: (1990, 1), to: (2030, 4) };
    let (outcomes, levels, splits) = asked();
    let only = Only { outcomes: &outcomes, levels: &levels, splits: &splits };
    let mut want = restrict(&brute_force_cells(store, periods, &only));
    let family = family_cells(store, "report");
    assert!(family.keys().all(|k| k.0.starts_with("family_") || PLAIN.contains(&k.0.as_str())));
    want.extend(family);
    let answers = questionnaire_cells(store);
    assert!(answers.keys().all(|k| k.0.ends_with("_high")) && answers.len() > 100, "{}", answers.len());
    want.extend(answers);
    want
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
fn tiny_site_monitor_for_site_tiny_in_2019q1_equals_the_hand_worked_re_reports_and_family_figures() {
    // scenarios/tiny.expected.toml [rereport.same30_*]: Quinn's R1 2019-01-10, R2 01-25, R3
    // 02-09, R4 02-10 (all 2019Q1, household H000000004, residence GM0080; fu 2024-10-10: every
    // window complete). W 365: R1 has R4 at t 31 (R2, R3 same incident) -> 1 of 4; W 730: R2,
    // R3, R4 have R5 (2020-03-01) at t 401, 386, 385 -> 4 of 4. Quinn is the only reported child
    // of H000000004, so the family view is the same. No measure ends or starts in 2019Q1.
    // Family outcomes ([[study.outcome]] family_* in the hand file): one family index per
    // household and quarter, R1 (R2-R4: the same household in 2019Q1); the only protection
    // measure of an H4 child is Sem's OTS of 2021-05-01 (t 842 after R1: not within 730), no
    // out-of-home start, no provider in either window of R1 (category `0`; `1` is seen in 2020);
    // family_report: Quinn's R4 (2019-02-10, t 31 after R1, beyond the same incident) -> 1 of 1.
    // Plain counts (docs/definitions.md §4.8.6), from scenarios/tiny.toml: 2019Q1 holds R1-R4,
    // 4 reports, all about Quinn (GM0080); one family (H000000004, index R1 2019-01-10); its
    // children that day: the members with role child valid on 2019-01-10 — Uma 200000226, Quinn
    // 200000184, Tess 200000214, Sem 200000202 (to 2022-01-15), Noor 200000159 (from 2018-04-10)
    // — 5 children, placed with the family in GM0080. No measure starts in 2019Q1.
    let (_tmp, store, dir) = tiny_site_monitor();
    let rows = query(
        &store,
        &format!(
            "SELECT DISTINCT outcome, coalesce(variant, ''), window_days::VARCHAR, region_level, region, split, split_value,
                    count::VARCHAR, coalesce(denominator::VARCHAR, '')
             FROM read_parquet('{}') WHERE period = '2019Q1' ORDER BY ALL",
            dir.join("tables.parquet").display()
        ),
    );
    let figures = [
        ("rereport", "", "365", "1"),
        ("rereport", "", "730", "4"),
        ("rereport_household", "", "365", "1"),
        ("rereport_household", "", "730", "4"),
        ("family_measure", "", "365", "0"),
        ("family_measure", "", "730", "0"),
        ("family_out_of_home", "", "365", "0"),
        ("family_out_of_home", "", "730", "0"),
        ("family_report", "", "365", "1"),
        ("family_report", "", "730", "1"),
        ("family_providers", "0", "365", "1"),
        ("family_providers", "1", "365", "0"),
        ("family_providers", "0", "730", "1"),
        ("family_providers", "1", "730", "0"),
        ("families", "", "", "1"),
        ("family_children", "", "", "5"),
        ("reports", "", "", "4"),
    ];
    let mut want = Vec::new();
    for (outcome, variant, w, c) in figures {
        let den = if w.is_empty() {
            ""
        } else if outcome.starts_with("family_") {
            "1"
        } else {
            "4"
        };
        for (level, region) in [("municipality", "GM0080"), ("national", "NL")] {
            for (split, value) in [("site", "tiny"), ("total", "total")] {
                want.push([outcome, variant, w, level, region, split, value, c, den].map(str::to_owned).to_vec());
            }
        }
    }
    want.sort();
    assert_eq!(rows, want);
    // Measures imposed in 2020Q2, by hand: Cas (200000020, GM0014) M2 provisional OTS 2020-06-10
    // to 06-20 is joined by M3 OTS from 06-21 (1 day after its end, within 14): one episode
    // starting 2020-06-10. Sem's M4 (2021-05-01) lies in 2021Q2, M5 is youth probation.
    let measures = query(
        &store,
        &format!(
            "SELECT period, region, split, split_value, count::VARCHAR FROM read_parquet('{}')
             WHERE outcome = 'measures_imposed' AND period LIKE '202%' ORDER BY ALL",
            dir.join("tables.parquet").display()
        ),
    );
    let mut want = Vec::new();
    for period in ["2020Q2", "2021Q2"] {
        let region = if period == "2020Q2" { "GM0014" } else { "GM0080" };
        for r in [region, "NL"] {
            for (split, value) in [("site", "tiny"), ("total", "total")] {
                want.push([period, r, split, value, "1"].map(str::to_owned).to_vec());
            }
        }
    }
    want.sort();
    assert_eq!(measures, want);
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn opt_day(s: &str) -> Option<NaiveDate> {
    (!s.is_empty()).then(|| day(s))
}

/// The n-th birthday (29 February: 1 March in other years).
fn nth_birthday(b: NaiveDate, n: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(b.year() + n, b.month(), b.day())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(b.year() + n, 3, 1).unwrap())
}

/// A dated row valid on `d` (both ends included).
fn valid(from: NaiveDate, to: Option<NaiveDate>, d: NaiveDate) -> bool {
    from <= d && to.is_none_or(|t| d <= t)
}

/// The family outcomes of the site monitor over the raw rows (docs/definitions.md §4.8.5,
/// §4.8, §5.4, §5.5, §5.13), by loops: per report not dropped with a household, its members, and
/// per window its status or category; cells per quarter of the report date, national and
/// municipality, total and site.
///
/// `entry` is the study's family index (§4.8.5): `report`, `measure_start` (protection measure
/// episode starts, by the loop of `tests/study_cells.rs`) or `spell_start` (the run's spells).
#[allow(clippy::too_many_lines)]
fn family_cells(store: &Path, entry: &str) -> Cells {
    // Persons: the picked row (day precision, then the latest data end, then the source name).
    type Pick = ((bool, std::cmp::Reverse<NaiveDate>, String), Vec<String>);
    let mut pick: BTreeMap<String, Pick> = BTreeMap::new();
    for r in query(
        store,
        "SELECT person_id, birth_date_precision, extracted_on::VARCHAR, source, birth_date::VARCHAR,
                coalesce(death_date::VARCHAR, ''), coalesce(emigration_date::VARCHAR, '') FROM persons_all",
    ) {
        let key = (r[1] != "day", std::cmp::Reverse(day(&r[2])), r[3].clone());
        match pick.get(&r[0]) {
            Some((k, _)) if *k <= key => {}
            _ => {
                pick.insert(r[0].clone(), (key, r.clone()));
            }
        }
    }
    // person -> (site, fu): fu = death, emigration, data end or the 18th birthday.
    let person: BTreeMap<String, (String, NaiveDate)> = pick
        .into_iter()
        .map(|(p, (_, r))| {
            let mut fu = day(&r[2]).min(nth_birthday(day(&r[4]), 18));
            for d in [opt_day(&r[5]), opt_day(&r[6])].into_iter().flatten() {
                fu = fu.min(d);
            }
            (p, (r[3].clone(), fu))
        })
        .collect();
    // household -> (person, role, from, to); person -> their household rows.
    let mut members: BTreeMap<String, Vec<(String, String, Span)>> = BTreeMap::new();
    let mut lives: BTreeMap<String, Vec<(String, Span)>> = BTreeMap::new();
    for r in query(
        store,
        "SELECT household_id, person_id, role, valid_from::VARCHAR, coalesce(valid_to::VARCHAR, '') FROM households",
    ) {
        let (from, to) = (day(&r[3]), opt_day(&r[4]));
        members.entry(r[0].clone()).or_default().push((r[1].clone(), r[2].clone(), (from, to)));
        lives.entry(r[1].clone()).or_default().push((r[0].clone(), (from, to)));
    }
    let mut residence: BTreeMap<String, Vec<(Span, String, String)>> = BTreeMap::new();
    for r in query(
        store,
        "SELECT person_id, valid_from::VARCHAR, coalesce(valid_to::VARCHAR, ''), municipality, coalesce(district, '')
         FROM residence",
    ) {
        residence.entry(r[0].clone()).or_default().push(((day(&r[1]), opt_day(&r[2])), r[3].clone(), r[4].clone()));
    }
    // The municipality of a person's residence row valid on a day (latest valid_from, then the
    // highest codes), else `unknown`.
    let municipality_of = |p: &str, d: NaiveDate| -> String {
        residence
            .get(p)
            .into_iter()
            .flatten()
            .filter(|((f, t), _, _)| valid(*f, *t, d))
            .max_by(|a, b| (a.0.0, &a.1, &a.2).cmp(&(b.0.0, &b.1, &b.2)))
            .map_or_else(|| "unknown".to_owned(), |x| x.1.clone())
    };
    // Plain counts (§4.8.6): (outcome, period, municipality, site) -> units.
    let mut plain: BTreeMap<(String, String, String, String), u64> = BTreeMap::new();
    let quarter = |d: NaiveDate| format!("{}Q{}", d.year(), d.month0() / 3 + 1);
    // Every report, dropped or not, in the quarter of its date, placed by the child that day.
    for r in query(store, "SELECT person_id, report_date::VARCHAR FROM safety_reports") {
        let d = day(&r[1]);
        let k = ("reports".to_owned(), quarter(d), municipality_of(&r[0], d), person[&r[0]].0.clone());
        *plain.entry(k).or_default() += 1;
    }
    // Every protection measure episode (not youth probation), in the quarter of its start.
    for e in measure_episodes(store).into_iter().filter(|e| e.kind != "youth_probation") {
        let k = (
            "measures_imposed".to_owned(),
            quarter(e.start),
            municipality_of(&e.person, e.start),
            person[&e.person].0.clone(),
        );
        *plain.entry(k).or_default() += 1;
    }
    // Protection measure episodes (§3.5; not youth probation): person -> starts.
    let mut measures: BTreeMap<String, Vec<NaiveDate>> = BTreeMap::new();
    for e in measure_episodes(store).into_iter().filter(|e| e.kind != "youth_probation") {
        measures.entry(e.person.clone()).or_default().push(e.start);
    }
    // person -> (care form, start, end, provider).
    let mut care: BTreeMap<String, Vec<(String, Span, Option<String>)>> = BTreeMap::new();
    for r in query(
        store,
        "SELECT person_id, care_form, start_date::VARCHAR, coalesce(end_date::VARCHAR, ''),
                coalesce(provider_id, '') FROM care_episodes",
    ) {
        let provider = (!r[4].is_empty()).then(|| r[4].clone());
        care.entry(r[0].clone()).or_default().push((r[1].clone(), (day(&r[2]), opt_day(&r[3])), provider));
    }
    let out_of_home = ["foster_care", "family_home", "residential", "secure"];
    // person -> report dates; a report within 30 days of a report index is the same incident.
    let mut reports: BTreeMap<String, Vec<NaiveDate>> = BTreeMap::new();
    for r in query(store, "SELECT person_id, report_date::VARCHAR FROM safety_reports") {
        reports.entry(r[0].clone()).or_default().push(day(&r[1]));
    }
    let skip = if entry == "report" { 30 } else { 0 };
    let mut cells: BTreeMap<FamilyKey, (u64, u64)> = BTreeMap::new();
    let mut provider_cats: BTreeSet<String> = BTreeSet::new();
    let mut several_children = 0;
    // The candidate indexes: (child, date, the household a report names or '').
    let candidates: Vec<(String, NaiveDate, String)> = match entry {
        "report" => {
            query(store, "SELECT person_id, report_date::VARCHAR, coalesce(household_id, '') FROM safety_reports")
                .into_iter()
                .map(|r| (r[0].clone(), day(&r[1]), r[2].clone()))
                .collect()
        }
        "measure_start" => {
            measures.iter().flat_map(|(p, v)| v.iter().map(|d| (p.clone(), *d, String::new()))).collect()
        }
        "spell_start" => query(store, "SELECT person_id, start::VARCHAR FROM spells")
            .into_iter()
            .map(|r| (r[0].clone(), day(&r[1]), String::new()))
            .collect(),
        other => panic!("family index {other}"),
    };
    // Per household and quarter, its first index: (date, child) -> the family index.
    let mut first: BTreeMap<(String, String), (NaiveDate, String)> = BTreeMap::new();
    for (child, d, named) in candidates {
        let (_, fu) = person[&child].clone();
        if d >= fu {
            continue; // dropped
        }
        let household = if named.is_empty() {
            lives
                .get(&child)
                .into_iter()
                .flatten()
                .filter(|(_, (f, t))| valid(*f, *t, d))
                .max_by(|a, b| (a.1.0, &a.0).cmp(&(b.1.0, &b.0)))
                .map(|h| h.0.clone())
        } else {
            Some(named)
        };
        let Some(household) = household else { continue };
        let period = format!("{}Q{}", d.year(), d.month0() / 3 + 1);
        let e = first.entry((household, period)).or_insert((d, child.clone()));
        if (d, &child) < (e.0, &e.1) {
            *e = (d, child);
        }
    }
    let mut households_in: BTreeMap<FamilyKey, BTreeSet<String>> = BTreeMap::new();
    for ((household, period), (d, child)) in first {
        let (site, fu) = person[&child].clone();
        let mut all: BTreeSet<String> = BTreeSet::from([child.clone()]);
        let mut children: BTreeSet<String> = BTreeSet::from([child.clone()]);
        for (p, role, (f, t)) in members.get(&household).into_iter().flatten() {
            if valid(*f, *t, d) {
                all.insert(p.clone());
                if role == "child" {
                    children.insert(p.clone());
                }
            }
        }
        if children.len() > 1 {
            several_children += 1;
        }
        let municipality = municipality_of(&child, d);
        // The family and its children, placed by the index child (§4.8.6).
        for (outcome, n) in [("families", 1), ("family_children", children.len() as u64)] {
            let k = (outcome.to_owned(), period.clone(), municipality.clone(), site.clone());
            *plain.entry(k).or_default() += n;
        }
        for w in [365_i64, 730] {
            let end = d + chrono::Duration::days(w);
            let complete = fu >= end;
            let first = |starts: Vec<NaiveDate>| starts.into_iter().filter(|s| *s > d && *s <= fu).min();
            let measure = first(children.iter().flat_map(|c| measures.get(c).cloned().unwrap_or_default()).collect());
            let placement = first(
                children
                    .iter()
                    .flat_map(|c| care.get(c).into_iter().flatten())
                    .filter(|e| out_of_home.contains(&e.0.as_str()))
                    .map(|e| e.1.0)
                    .collect(),
            );
            let report = children
                .iter()
                .flat_map(|c| reports.get(c).into_iter().flatten())
                .filter(|r| (**r - d).num_days() > skip && **r <= fu)
                .min()
                .copied();
            let mut figures: Vec<(&str, String, bool)> = Vec::new();
            for (outcome, event) in
                [("family_measure", measure), ("family_out_of_home", placement), ("family_report", report)]
            {
                match event {
                    Some(e) if e <= end => figures.push((outcome, String::new(), true)),
                    _ if complete => figures.push((outcome, String::new(), false)),
                    _ => {}
                }
            }
            if complete {
                let providers: BTreeSet<&String> = all
                    .iter()
                    .flat_map(|m| care.get(m).into_iter().flatten())
                    .filter(|e| e.1.0 <= end && e.1.1.is_none_or(|x| x >= d))
                    .filter_map(|e| e.2.as_ref())
                    .collect();
                let cat = if providers.len() >= 3 { "3_or_more".to_owned() } else { providers.len().to_string() };
                provider_cats.insert(cat.clone());
                figures.push(("family_providers", cat, true));
            }
            for (outcome, variant, event) in figures {
                for (level, region) in [("national", "NL"), ("municipality", municipality.as_str())] {
                    for (split, value) in [("total", "total"), ("site", site.as_str())] {
                        let k = (
                            outcome.to_owned(),
                            variant.clone(),
                            w.to_string(),
                            period.clone(),
                            level.to_owned(),
                            region.to_owned(),
                            format!("{split}\u{1f}{value}"),
                        );
                        households_in.entry(k.clone()).or_default().insert(household.clone());
                        let c = cells.entry(k).or_default();
                        c.0 += u64::from(event);
                        c.1 += 1;
                    }
                }
            }
        }
    }
    assert!(several_children > 100, "{entry}: family indexes in households with several children: {several_children}");
    // Every unit of a cell is a household of its own: the 10-rule on counts is one on households.
    for (k, (_, n)) in &cells {
        assert_eq!(households_in[k].len() as u64, *n, "{k:?}");
    }
    // Categories: every category seen in the study a row of each cell, over the cell's units.
    let mut out = Cells::new();
    // Plain counts: (count, 0), as got_cells reads a cell without a denominator.
    for ((outcome, period, municipality, site), n) in plain {
        for (level, region) in [("national", "NL"), ("municipality", municipality.as_str())] {
            for (split, value) in [("total", "total"), ("site", site.as_str())] {
                let k = (
                    outcome.clone(),
                    String::new(),
                    String::new(),
                    period.clone(),
                    level.to_owned(),
                    region.to_owned(),
                    split.to_owned(),
                    value.to_owned(),
                );
                out.entry(k).or_default().0 += n;
            }
        }
    }
    let mut provider_dens: BTreeMap<(String, String, String, String, String), u64> = BTreeMap::new();
    for ((o, v, w, p, l, r, sv), (c, n)) in cells {
        let (split, value) = sv.split_once('\u{1f}').unwrap();
        if o == "family_providers" {
            *provider_dens.entry((w.clone(), p.clone(), l.clone(), r.clone(), sv.clone())).or_default() += n;
            out.insert((o, v, w, p, l, r, split.to_owned(), value.to_owned()), (c, 0));
        } else {
            out.insert((o, v, w, p, l, r, split.to_owned(), value.to_owned()), (c, n));
        }
    }
    for ((w, p, l, r, sv), n) in provider_dens {
        let (split, value) = sv.split_once('\u{1f}').unwrap();
        for cat in &provider_cats {
            let k = (
                "family_providers".to_owned(),
                cat.clone(),
                w.clone(),
                p.clone(),
                l.clone(),
                r.clone(),
                split.to_owned(),
                value.to_owned(),
            );
            out.entry(k).or_insert((0, 0)).1 = n;
        }
    }
    out
}

/// The questionnaire outcomes (docs/definitions.md §4.8.7) per quarter, national and
/// municipality, total and site, by a loop over the raw `questionnaire`, `households`,
/// `residence` and `persons_all` rows: per household, item and quarter the latest answer; the
/// representative is a member valid on its date, a parent first, then the smallest person id;
/// placed by the representative's residence that day and site (the picked persons row's source).
fn questionnaire_cells(store: &Path) -> Cells {
    /// The persons row's precedence (day precision, latest data end, source name) and its source.
    type Picked = ((bool, std::cmp::Reverse<NaiveDate>, String), String);
    let mut site: BTreeMap<String, Picked> = BTreeMap::new();
    for r in query(store, "SELECT person_id, birth_date_precision, extracted_on::VARCHAR, source FROM persons_all") {
        let key = (r[1] != "day", std::cmp::Reverse(day(&r[2])), r[3].clone());
        if site.get(&r[0]).is_none_or(|(k, _)| key < *k) {
            site.insert(r[0].clone(), (key, r[3].clone()));
        }
    }
    let mut members: BTreeMap<String, Vec<(String, String, Span)>> = BTreeMap::new();
    for r in query(
        store,
        "SELECT household_id, person_id, role, valid_from::VARCHAR, coalesce(valid_to::VARCHAR, '') FROM households",
    ) {
        members.entry(r[0].clone()).or_default().push((r[1].clone(), r[2].clone(), (day(&r[3]), opt_day(&r[4]))));
    }
    let mut residence: BTreeMap<String, Vec<(Span, String, String)>> = BTreeMap::new();
    for r in query(
        store,
        "SELECT person_id, valid_from::VARCHAR, coalesce(valid_to::VARCHAR, ''), municipality, coalesce(district, '')
         FROM residence",
    ) {
        residence.entry(r[0].clone()).or_default().push(((day(&r[1]), opt_day(&r[2])), r[3].clone(), r[4].clone()));
    }
    let valid = |f: NaiveDate, t: Option<NaiveDate>, d: NaiveDate| f <= d && t.is_none_or(|t| d <= t);
    // (household, item, quarter) -> (date, score) of the latest answer.
    let mut last: BTreeMap<(String, String, String), (NaiveDate, u64)> = BTreeMap::new();
    for r in query(store, "SELECT household_id, item, answer_date::VARCHAR, score::VARCHAR FROM questionnaire") {
        let d = day(&r[2]);
        let quarter = format!("{}Q{}", d.year(), d.month0() / 3 + 1);
        let e = last.entry((r[0].clone(), r[1].clone(), quarter)).or_insert((d, 0));
        if d >= e.0 {
            *e = (d, r[3].parse().unwrap());
        }
    }
    let mut out = Cells::new();
    for ((household, item, quarter), (d, score)) in last {
        let rep = members
            .get(&household)
            .into_iter()
            .flatten()
            .filter(|(_, _, (f, t))| valid(*f, *t, d))
            .min_by(|a, b| (a.1 != "parent", &a.0).cmp(&(b.1 != "parent", &b.0)));
        let Some((rep, _, _)) = rep else { continue };
        let municipality = residence
            .get(rep)
            .into_iter()
            .flatten()
            .filter(|((f, t), _, _)| valid(*f, *t, d))
            .max_by(|a, b| (a.0.0, &a.1, &a.2).cmp(&(b.0.0, &b.1, &b.2)))
            .map_or_else(|| "unknown".to_owned(), |x| x.1.clone());
        let rep_site = site.get(rep).map_or_else(|| "unknown".to_owned(), |x| x.1.clone());
        for (level, region) in [("national", "NL"), ("municipality", municipality.as_str())] {
            for (split, value) in [("total", "total"), ("site", rep_site.as_str())] {
                let k = (
                    format!("{item}_high"),
                    String::new(),
                    String::new(),
                    quarter.clone(),
                    level.to_owned(),
                    region.to_owned(),
                    split.to_owned(),
                    value.to_owned(),
                );
                let c = out.entry(k).or_default();
                c.0 += u64::from(score >= 4);
                c.1 += 1;
            }
        }
    }
    out
}

#[test]
fn a_family_cohort_of_reports_on_tiny_gives_the_hand_worked_family_outcomes() {
    // A cohort of reports (entry safety_report, 2020-2023, first report of each child): Quinn's
    // R5 2020-03-01 (household H000000004) and Dewi's R6 2023-03-15 (H000000001); period `all`,
    // one family index per household: both. Hand file [[study.outcome]] family_*: R5 has Sem's
    // OTS at t 426 (no at 365, event at 730) and Sem's E21 (P0001) from R5 + 365; R6 has no
    // measure and Dewi's open E12 (P0001); no out-of-home start in either.
    // family_report: no later report about a child of H4 after R5 (R6 is Dewi's, H1), none
    // about Cas or Dewi after R6: 0 of 2.
    let (tmp, store) = scenario_store("tiny", true);
    let cohort = "name = \"families\"\nentry = \"safety_report\"\nentry_from = 2020-01-01\nentry_to = 2023-12-31\n";
    let outcomes = "\"family_measure\", \"family_out_of_home\", \"family_providers\", \"family_report\"";
    let want = [
        ["family_measure", "", "365", "0", "2"],
        ["family_measure", "", "730", "1", "2"],
        ["family_out_of_home", "", "365", "0", "2"],
        ["family_out_of_home", "", "730", "0", "2"],
        ["family_providers", "1", "365", "2", "2"],
        ["family_providers", "1", "730", "2", "2"],
        ["family_report", "", "365", "0", "2"],
        ["family_report", "", "730", "0", "2"],
    ];
    assert_eq!(tiny_family_cohort(&store, tmp.path(), cohort, outcomes), rows(&want));
}

#[test]
fn family_indexes_at_measure_and_spell_starts_on_proeftuinen_equal_the_loop_over_the_raw_rows() {
    // docs/definitions.md §4.8.5: a monitor study with `family_index = "measure_start"` (every
    // protection measure episode's start) or `"spell_start"` (every spell's start), the household
    // the child lives in that day; every cell per site, quarter, national and municipality equals
    // `family_cells` with that index. The families differ from those of the reports.
    let (tmp, store) = store("proeftuinen");
    let families = |cells: &Cells| -> u64 {
        cells.iter().filter(|(k, _)| k.0 == "families" && k.4 == "national" && k.6 == "total").map(|(_, v)| v.0).sum()
    };
    let reports = families(&family_cells(store, "report"));
    for entry in ["measure_start", "spell_start"] {
        let name = format!("families_at_{entry}");
        let text = format!(
            "name = \"{name}\"\nperiods = \"quarter\"\nfamily_index = \"{entry}\"\n\
             outcomes = [\"family_measure\", \"family_out_of_home\", \"family_providers\", \"family_report\", \
             \"families\", \"family_children\", \"reports\", \"measures_imposed\"]\n\
             splits = [\"site\"]\nregion_levels = [\"national\", \"municipality\"]\n"
        );
        let dir = run_study(tmp.path(), store, &name, &text);
        let (got, _) = got_cells(store, &dir);
        let want = family_cells(store, entry);
        let missing: Vec<_> = want.iter().filter(|(k, v)| got.get(*k) != Some(*v)).take(10).collect();
        let extra: Vec<_> = got.iter().filter(|(k, _)| !want.contains_key(*k)).take(10).collect();
        assert!(missing.is_empty() && extra.is_empty(), "{entry}: differ: {missing:#?}\nnot in the loop: {extra:#?}");
        assert_eq!(got.len(), want.len(), "{entry}");
        let n = families(&got);
        eprintln!("proeftuinen families (household-quarters): {n} at a {entry}, {reports} at a report");
        assert!(n > 100 && n != reports, "{entry}: {n} families, {reports} at reports");
        for o in ["family_measure", "family_out_of_home", "family_providers"] {
            assert!(got.iter().any(|(k, v)| k.0 == o && v.0 > 0), "{entry}: no {o} cell with a count");
        }
    }
}

/// A family cohort study on `tiny` (period `all`, national, total: every row is checked to be
/// of period `all`, region `NL`, split `total`): its rows (outcome, variant, window, count,
/// denominator).
fn tiny_family_cohort(store: &Path, tmp: &Path, cohort: &str, outcomes: &str) -> Vec<Vec<String>> {
    std::fs::write(tmp.join("families.cohort.toml"), cohort).unwrap();
    let study = tmp.join("families.toml");
    std::fs::write(
        &study,
        format!(
            "name = \"families\"\ncohorts = [\"families.cohort.toml\"]\noutcomes = [{outcomes}]\n\
             splits = [\"total\"]\nregion_levels = [\"national\"]\n"
        ),
    )
    .unwrap();
    kohort()
        .arg("--quiet")
        .arg("study")
        .arg(&study)
        .arg("--store")
        .arg(store)
        .arg("--out")
        .arg(tmp.join("out"))
        .assert()
        .success();
    let rows = query(
        store,
        &format!(
            "SELECT DISTINCT outcome, coalesce(variant, ''), coalesce(window_days::VARCHAR, ''), count::VARCHAR,
                    coalesce(denominator::VARCHAR, ''), period || ' ' || region || ' ' || split
             FROM read_parquet('{}') ORDER BY ALL",
            tmp.join("out/families/tables.parquet").display()
        ),
    );
    assert!(rows.iter().all(|r| r[5] == "all NL total"), "{rows:?}");
    rows.into_iter()
        .map(|mut r| {
            r.truncate(5);
            r
        })
        .collect()
}

fn rows(want: &[[&str; 5]]) -> Vec<Vec<String>> {
    let mut v: Vec<Vec<String>> = want.iter().map(|r| r.map(str::to_owned).to_vec()).collect();
    v.sort();
    v
}

#[test]
fn a_family_cohort_of_measure_starts_on_tiny_gives_the_hand_worked_family_outcomes_under_either_ladder() {
    // scenarios/tiny.toml. Cohort: entry measure_start 2020-2023, first per person: Cas
    // (200000020) M2 provisional OTS 2020-06-10 (M3 OTS 06-21 joins it: one episode, §3.5) and
    // Sem (200000202) M4 OTS 2021-05-01. Family indexes (protection episode starts): Cas's
    // 2020-06-10 in H1 (members Anna, Bram; children Cas, Dewi), fu 2026-07-01 (data end): both
    // windows complete; Sem's 2021-05-01 in H4 (children Uma, Quinn, Tess, Sem, Noor), fu
    // 2022-01-15 (Sem emigrates): both windows censored, so H4 is only in the counts.
    // - family_measure: no protection episode of Cas or Dewi starts after 2020-06-10 (M3 is part
    //   of Cas's episode, which started on the index day): 0 of 1 at 365 and 730.
    // - family_out_of_home (default ladder, out of home from level 4): no start after the index
    //   (Cas's residential E9 began 2020-03-01): 0 of 1.
    // - family_providers: episodes of any H1 member active in [2020-06-10, + W]: 365 (to
    //   2021-06-10): Cas's E9 (P0005) -> `1`; 730 (to 2022-06-10): E9, Dewi's E10 (P0002, from
    //   2022-01-10) and E11 (P0001, from 2022-03-01) -> `3_or_more`.
    // - family_report: the only later report about a child of H1 is Dewi's R6 2023-03-15, t 1008
    //   (beyond 730): 0 of 1.
    // - families 2 (H1, H4); family_children 2 + 5 = 7.
    let (tmp, store) = scenario_store("tiny", true);
    let cohort = "name = \"families\"\nentry = \"measure_start\"\nentry_from = 2020-01-01\nentry_to = 2023-12-31\n";
    let outcomes = "\"family_measure\", \"family_out_of_home\", \"family_providers\", \"family_report\", \"families\", \"family_children\"";
    let mut want = [
        ["families", "", "", "2", ""],
        ["family_children", "", "", "7", ""],
        ["family_measure", "", "365", "0", "1"],
        ["family_measure", "", "730", "0", "1"],
        ["family_out_of_home", "", "365", "0", "1"],
        ["family_out_of_home", "", "730", "0", "1"],
        ["family_providers", "1", "365", "1", "1"],
        ["family_providers", "3_or_more", "365", "0", "1"],
        ["family_providers", "1", "730", "0", "1"],
        ["family_providers", "3_or_more", "730", "1", "1"],
        ["family_report", "", "365", "0", "1"],
        ["family_report", "", "730", "0", "1"],
    ];
    assert_eq!(tiny_family_cohort(&store, tmp.path(), cohort, outcomes), rows(&want));
    // The out-of-home forms are the run's ladder's (§3.3): with `out_of_home_from = 2` ambulant
    // care counts, and Dewi's ambulant E11 starts 2022-03-01, t 629 after Cas's index: an event
    // at 730, not at 365. Nothing else changes.
    let cfg = tmp.path().join("ladder.toml");
    std::fs::write(
        &cfg,
        "[ladder]\nname = \"out_of_home_from_2\"\nout_of_home_from = 2\n\
         protection_measures = [\"ots\", \"provisional_ots\", \"guardianship\", \"provisional_guardianship\"]\n\
         [ladder.levels]\nlocal_team = 1\nambulant = 2\nnetwork = 2\nday_treatment = 3\nfoster_care = 4\n\
         family_home = 4\nresidential = 5\nsecure = 6\n",
    )
    .unwrap();
    kohort().arg("--quiet").arg("outcomes").arg("--store").arg(&store).arg("--config").arg(&cfg).assert().success();
    want[5] = ["family_out_of_home", "", "730", "1", "1"];
    assert_eq!(tiny_family_cohort(&store, tmp.path(), cohort, outcomes), rows(&want));
}

#[test]
fn family_outcomes_refuse_cohorts_of_two_kinds_of_family_index() {
    let (tmp, store) = scenario_store("tiny", true);
    std::fs::write(tmp.path().join("a.toml"), "name = \"a\"\nentry = \"safety_report\"\n").unwrap();
    std::fs::write(tmp.path().join("b.toml"), "name = \"b\"\nentry = \"measure_start\"\n").unwrap();
    let study = tmp.path().join("two.toml");
    std::fs::write(&study, "name = \"two\"\ncohorts = [\"a.toml\", \"b.toml\"]\noutcomes = [\"families\"]\n").unwrap();
    let out = study_cmd(&study, &store, &tmp.path().join("out")).assert().failure().get_output().clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("two.toml") && err.contains("cohort a starts at a report") && err.contains("family_index"),
        "{err}"
    );
}
