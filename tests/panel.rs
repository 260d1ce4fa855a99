//! `kohort export panel`: hand-worked rows on `tiny`; every row and every per-period variable on
//! `small` against an independent brute-force computation (Rust loops over the store tables,
//! written apart from the product SQL); the attack suite (no raw id or store pseudonym in any
//! exported byte, every published class has k persons and k household clusters, keys give
//! disjoint ids, the store key is refused); determinism; atomic replacement; error messages.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use kohort::pseudonym::Key;

use crate::common::*;

const EXPORT_KEY: [u8; 32] = [42; 32];
const OTHER_KEY: [u8; 32] = [43; 32];

fn key_at(dir: &Path, name: &str, bytes: [u8; 32]) -> PathBuf {
    let path = dir.join(name);
    if !path.exists() {
        Key::from_bytes(bytes).write_new(&path).unwrap();
    }
    path
}

fn export_id(key: [u8; 32], domain: &str, pseudonym: &str) -> String {
    Key::from_bytes(key).pseudonymizer().pseudonym(domain, pseudonym)
}

/// Run `kohort --threads T export panel PANEL --store S --out OUT [--key K]`, expecting success.
fn export(panel: &Path, store: &Path, out: &Path, key: Option<&Path>, threads: u32) {
    export_with(panel, store, out, key, threads, "1GB");
}

/// [`export`] with `--memory-limit LIMIT`.
fn export_with(panel: &Path, store: &Path, out: &Path, key: Option<&Path>, threads: u32, limit: &str) {
    let mut cmd = kohort_bare();
    cmd.arg("--threads").arg(threads.to_string()).arg("--memory-limit").arg(limit);
    cmd.arg("export").arg("panel").arg(panel);
    cmd.arg("--store").arg(store).arg("--out").arg(out);
    if let Some(k) = key {
        cmd.arg("--key").arg(k);
    }
    cmd.assert().success();
}

/// The CSV as a header and rows of strings.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r.records().map(|rec| rec.unwrap().iter().map(str::to_owned).collect()).collect();
    (header, rows)
}

fn col(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

fn write_panel(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

// ------------------------------------------------------------------------------------- tiny

const TINY_PANEL: &str = r#"
period = "year"
from = 2018-01-01
to = 2025-12-31
variables = ["sex", "care_level", "measure", "care_start", "safety_report", "exit_date", "exit_reason"]
date_precision = "year"
quasi_identifiers = ["sex"]
k = 2
[cohort]
name = "tiny_births"
entry = "birth"
"#;

/// Hand-worked from scenarios/tiny.toml (births, bounds 2018-2025, k = 2 on sex with households).
/// Cas (m, born 2012-02-29, H1): ambulant (2) Jan-Mar 2018 and day treatment (3) May-Sep 2018,
/// local team (1) Nov 2018-Jan 2019, residential (5) Mar 2020-Feb 2021; provisional OTS 10-20 Jun
/// 2020 then OTS to 2022-06-20 (OTS beats provisional); follow-up to the data end 2026-07-01.
/// Quinn (f, 2006-10-10): four reports in 2019, one in 2020; exit at 18 on 2024-10-10.
/// Sem (m, 2009-09-09): ambulant Mar-Jun 2021, OTS May-Dec 2021, emigrated 2022-01-15.
/// Roos (f, 2005-05-05): secure (6) from 2020-09-01, died 2021-02-01.
/// Pim (m, 2008-01-10): ambulant Jun-Dec 2024 and youth probation Jul 2024-Jun 2025, local team
/// from 2025-11-01; exit at 18 on 2026-01-10, after the bound. The data end (2026-07-01) falls in
/// 2026, the year everyone born in 2008 turns 18: `age_limit` would say "born before July 2008"
/// and `data_end` "born after", so both read `age_limit_or_data_end`.
/// Kim is the only person of sex x: alone in the class, suppressed.
#[test]
fn tiny_rows_equal_the_hand_worked_values() {
    let (tmp, store) = scenario_store("tiny", false);
    let panel = write_panel(tmp.path(), "tiny.toml", TINY_PANEL);
    let key = key_at(tmp.path(), "export.key", EXPORT_KEY);
    let out = tmp.path().join("out");
    export(&panel, &store, &out, Some(&key), 2);
    let (header, rows) = read_csv(&out.join("panel.csv"));
    assert_eq!(
        header,
        [
            "person",
            "household",
            "year",
            "sex",
            "care_level",
            "measure",
            "care_start",
            "safety_report",
            "exit_date",
            "exit_reason"
        ]
    );
    let id = |raw: &str| export_id(EXPORT_KEY, "export-person", &pseudo("person", raw));
    let rows_of =
        |raw: &str| -> Vec<String> { rows.iter().filter(|r| r[0] == id(raw)).map(|r| r[2..].join(",")).collect() };
    assert_eq!(
        rows_of("200000020"),
        [
            "2018,m,3,none,1,0,2026,data_end",
            "2019,m,1,none,0,0,2026,data_end",
            "2020,m,5,ots,1,0,2026,data_end",
            "2021,m,5,ots,0,0,2026,data_end",
            "2022,m,0,ots,0,0,2026,data_end",
            "2023,m,0,none,0,0,2026,data_end",
            "2024,m,0,none,0,0,2026,data_end",
            "2025,m,0,none,0,0,2026,data_end",
        ]
    );
    assert_eq!(
        rows_of("200000184"),
        [
            "2018,f,0,none,0,0,2024,age_limit",
            "2019,f,0,none,0,4,2024,age_limit",
            "2020,f,0,none,0,1,2024,age_limit",
            "2021,f,0,none,0,0,2024,age_limit",
            "2022,f,0,none,0,0,2024,age_limit",
            "2023,f,0,none,0,0,2024,age_limit",
            "2024,f,0,none,0,0,2024,age_limit",
        ]
    );
    assert_eq!(
        rows_of("200000202"),
        [
            "2018,m,0,none,0,0,2022,emigration",
            "2019,m,0,none,0,0,2022,emigration",
            "2020,m,0,none,0,0,2022,emigration",
            "2021,m,2,ots,1,0,2022,emigration",
            "2022,m,0,none,0,0,2022,emigration",
        ]
    );
    assert_eq!(
        rows_of("200000196"),
        [
            "2018,f,0,none,0,0,2021,death",
            "2019,f,0,none,0,0,2021,death",
            "2020,f,6,none,1,0,2021,death",
            "2021,f,6,none,0,0,2021,death"
        ]
    );
    assert_eq!(
        rows_of("200000172")[6..],
        [
            "2024,m,2,youth_probation,1,0,2026,age_limit_or_data_end",
            "2025,m,1,youth_probation,1,0,2026,age_limit_or_data_end"
        ]
    );
    assert!(rows_of("200000123").is_empty(), "Kim (sex x, alone) is suppressed");
    assert!(rows_of("200000007").is_empty(), "Anna turned 18 in 2008: no period in the bounds");
    // Cas's household id is the export pseudonym of his store household pseudonym.
    let cas = rows.iter().find(|r| r[0] == id("200000020")).unwrap();
    assert_eq!(cas[1], export_id(EXPORT_KEY, "export-household", &pseudo("household", "H000000001")));
    // Sorted by person then year; the report counts Kim's suppression.
    let keys: Vec<(String, String)> = rows.iter().map(|r| (r[0].clone(), r[2].clone())).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "sorted by person, then period, no duplicates");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("disclosure_report.json")).unwrap()).unwrap();
    let steps = report["kanon"]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 1, "only sex is checked: only suppression applies");
    assert_eq!((steps[0]["step"].as_str(), steps[0]["persons"].as_u64()), (Some("suppress"), Some(1)));
    assert_eq!(report["rows_in"].as_u64().unwrap() - report["rows_out"].as_u64().unwrap(), 8, "Kim: 2018-2025");
    readers_label_every_column(&out, &header, &rows);
}

/// The SPSS and Stata readers name every column of the panel with a variable label, and give
/// the codes of the labelled columns their English (`read.*`) and Dutch (`read_nl.*`) labels:
/// each published value of `sex`, `measure`, `care_level` and `exit_reason` has one.
fn readers_label_every_column(out: &Path, header: &[String], rows: &[Vec<String>]) {
    let sps = std::fs::read_to_string(out.join("read.sps")).unwrap();
    let sps_nl = std::fs::read_to_string(out.join("read_nl.sps")).unwrap();
    let stata = std::fs::read_to_string(out.join("read.do")).unwrap();
    let stata_nl = std::fs::read_to_string(out.join("read_nl.do")).unwrap();
    let labels = sps.split("VARIABLE LABELS").nth(1).unwrap().split(".\n").next().unwrap().to_owned();
    for name in header {
        assert!(
            labels.lines().any(|l| l.trim_start().starts_with(&format!("{name} \""))),
            "read.sps: no label for {name}"
        );
        assert!(stata.contains(&format!("label variable {name} \"")), "read.do: no label for {name}");
        assert!(stata_nl.contains(&format!("label variable {name} \"")), "read_nl.do: no label for {name}");
    }
    for (column, numeric) in [("sex", false), ("measure", false), ("care_level", true), ("exit_reason", false)] {
        let i = header.iter().position(|h| h == column).unwrap();
        let values: BTreeSet<&str> = rows.iter().map(|r| r[i].as_str()).collect();
        let line = |text: &str| {
            text.lines().find(|l| l.starts_with(&format!("VALUE LABELS {column} "))).unwrap_or_default().to_owned()
        };
        for v in values {
            let code = if numeric { format!(" {v} \"") } else { format!(" \"{v}\" \"") };
            assert!(line(&sps).contains(&code), "read.sps: {column} = {v} has no value label");
            assert!(line(&sps_nl).contains(&code), "read_nl.sps: {column} = {v} has no value label");
            let stata_code =
                if numeric { format!("label define {column}_lbl") } else { format!("if {column} == \"{v}\"") };
            assert!(stata.contains(&stata_code), "read.do: {column} = {v}");
        }
    }
    assert!(line_has(&sps, "VALUE LABELS sex", "\"female\"") && line_has(&sps_nl, "VALUE LABELS sex", "\"vrouw\""));
    assert!(stata_nl.contains("\"geen maatregel\"") && stata.contains("\"no measure\""));
}

fn line_has(text: &str, start: &str, needle: &str) -> bool {
    text.lines().any(|l| l.starts_with(start) && l.contains(needle))
}

// ------------------------------------------------------------------------------------ small

const SMALL_PANEL: &str = r#"
period = "quarter"
from = 2015-01-01
to = 2024-12-31
variables = ["sex", "birth_year", "age", "age_band", "municipality", "youth_region", "care_level", "measure",
             "care_start", "safety_report", "exit_date", "exit_reason"]
date_precision = "month"
[cohort]
name = "small_births"
entry = "birth"
"#;

/// The store tables, read back as text, by person.
struct Store {
    persons: HashMap<String, Vec<String>>,
    residence: HashMap<String, Vec<Vec<String>>>,
    households: HashMap<String, Vec<Vec<String>>>,
    episodes: HashMap<String, Vec<Vec<String>>>,
    measures: HashMap<String, Vec<Vec<String>>>,
    reports: HashMap<String, Vec<String>>,
}

fn by_person(rows: Vec<Vec<String>>) -> HashMap<String, Vec<Vec<String>>> {
    let mut m: HashMap<String, Vec<Vec<String>>> = HashMap::new();
    for r in rows {
        m.entry(r[0].clone()).or_default().push(r[1..].to_vec());
    }
    m
}

fn load(store: &Path) -> Store {
    let persons =
        query(store, "SELECT person_id, birth_date, sex, death_date, emigration_date, extracted_on FROM persons")
            .into_iter()
            .map(|r| (r[0].clone(), r[1..].to_vec()))
            .collect();
    Store {
        persons,
        residence: by_person(query(store, "SELECT person_id, municipality, valid_from, valid_to FROM residence")),
        households: by_person(query(store, "SELECT person_id, household_id, valid_from, valid_to FROM households")),
        episodes: by_person(query(store, "SELECT person_id, care_form, start_date, end_date FROM care_episodes")),
        measures: by_person(query(store, "SELECT person_id, kind, start_date, end_date FROM measures")),
        reports: by_person(query(store, "SELECT person_id, report_date FROM safety_reports"))
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().map(|r| r[0].clone()).collect()))
            .collect(),
    }
}

fn date(s: &str) -> Option<NaiveDate> {
    if s.is_empty() { None } else { Some(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()) }
}

/// Active on some day of [a, b]: start <= b and (open or end >= a).
fn overlaps(start: &str, end: &str, a: NaiveDate, b: NaiveDate) -> bool {
    date(start).unwrap() <= b && date(end).is_none_or(|e| e >= a)
}

/// docs/definitions.md §3.1 default ladder, written out here.
fn level(form: &str) -> u32 {
    match form {
        "local_team" => 1,
        "ambulant" | "network" => 2,
        "day_treatment" => 3,
        "foster_care" | "family_home" => 4,
        "residential" => 5,
        "secure" => 6,
        _ => 0,
    }
}

fn eighteenth(birth: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(birth.year() + 18, birth.month(), birth.day())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(birth.year() + 18, 3, 1).unwrap())
}

/// The value valid on `d` among (value, from, to) rows: latest from, then highest value.
fn valid_on(rows: Option<&Vec<Vec<String>>>, d: NaiveDate) -> Option<String> {
    rows?
        .iter()
        .filter(|r| date(&r[1]).unwrap() <= d && date(&r[2]).is_none_or(|t| d <= t))
        .max_by_key(|r| (r[1].clone(), r[0].clone()))
        .map(|r| r[0].clone())
}

fn region_of(regions: &kohort::reference::YouthRegions, muni: &str, year: i32) -> String {
    regions
        .rows()
        .filter(|r| r.municipality == muni && r.valid_to_year.is_none_or(|t| t >= year))
        .min_by_key(|r| r.valid_from_year)
        .map_or_else(|| "unknown".to_owned(), |r| r.youth_region.clone())
}

fn band_label(lo: i32, hi: i32) -> String {
    let b = |a: i32| match a {
        ..=3 => (0, Some(3)),
        4..=11 => (4, Some(11)),
        12..=17 => (12, Some(17)),
        18..=22 => (18, Some(22)),
        _ => (23, None),
    };
    match b(hi).1 {
        Some(h) => format!("{}-{h}", b(lo).0),
        None => format!("{}+", b(lo).0),
    }
}

/// Every row of the small panel against a brute-force computation from the store tables, and
/// the attack checks on the same export.
#[test]
fn small_every_row_equals_brute_force_and_survives_the_attacks() {
    let (tmp, store) = scenario_store("small", false);
    let panel = write_panel(tmp.path(), "small.toml", SMALL_PANEL);
    let key = key_at(tmp.path(), "export.key", EXPORT_KEY);
    let out = tmp.path().join("out");
    export(&panel, &store, &out, Some(&key), 2);
    let s = load(&store);
    let regions = kohort::reference::YouthRegions::shipped().unwrap();
    let (from, to) = (NaiveDate::from_ymd_opt(2015, 1, 1).unwrap(), NaiveDate::from_ymd_opt(2024, 12, 31).unwrap());
    let ids: HashMap<String, String> =
        s.persons.keys().map(|p| (export_id(EXPORT_KEY, "export-person", p), p.clone())).collect();
    let (h, rows) = read_csv(&out.join("panel.csv"));
    let c = |n: &str| col(&h, n);
    // Expected follow-up per member, as (first, last) quarter inside the bounds.
    type Quarter = (i32, u32);
    let mut follow_up: BTreeMap<String, (Quarter, Quarter)> = BTreeMap::new();
    for (p, v) in &s.persons {
        let birth = date(&v[0]).unwrap();
        let exit =
            [date(&v[2]), date(&v[3]), date(&v[4]), Some(eighteenth(birth))].into_iter().flatten().min().unwrap();
        let (a, b) = (birth.max(from), exit.min(to));
        if a > b {
            continue;
        }
        let first = (a.year(), (a.month() - 1) / 3 + 1);
        let last = (b.year(), (b.month() - 1) / 3 + 1);
        follow_up.insert(export_id(EXPORT_KEY, "export-person", p), (first, last));
    }
    let members_with_rows = follow_up.len() as u64;
    // The published birth years of each published person.
    let mut published_birth: BTreeMap<String, (i32, i32)> = BTreeMap::new();
    let mut got_rows: BTreeMap<String, Vec<(i32, u32)>> = BTreeMap::new();
    let mut checked = 0;
    for r in &rows {
        let store_id = ids.get(&r[c("person")]).expect("every exported id is a store person under the export key");
        let v = &s.persons[store_id];
        let birth = date(&v[0]).unwrap();
        let exit =
            [date(&v[2]), date(&v[3]), date(&v[4]), Some(eighteenth(birth))].into_iter().flatten().min().unwrap();
        let (year, quarter): (i32, u32) = (r[c("year")].parse().unwrap(), r[c("quarter")].parse().unwrap());
        got_rows.entry(r[c("person")].clone()).or_default().push((year, quarter));
        let p_start = NaiveDate::from_ymd_opt(year, 3 * (quarter - 1) + 1, 1).unwrap();
        let p_end = if quarter == 4 {
            NaiveDate::from_ymd_opt(year, 12, 31).unwrap()
        } else {
            NaiveDate::from_ymd_opt(year, 3 * quarter + 1, 1).unwrap().pred_opt().unwrap()
        };
        let (a, b) = (p_start.max(birth).max(from), p_end.min(exit).min(to));
        assert!(a <= b, "row outside the follow-up");
        let eps = s.episodes.get(store_id).map(Vec::as_slice).unwrap_or_default();
        let care_level = eps.iter().filter(|e| overlaps(&e[1], &e[2], a, b)).map(|e| level(&e[0])).max().unwrap_or(0);
        let care_start = eps.iter().any(|e| (a..=b).contains(&date(&e[1]).unwrap()));
        let order = ["guardianship", "provisional_guardianship", "ots", "provisional_ots", "youth_probation"];
        let measure = s.measures.get(store_id).map_or("none".to_owned(), |ms| {
            order
                .iter()
                .find(|k| ms.iter().any(|m| m[0] == **k && overlaps(&m[1], &m[2], a, b)))
                .map_or("none".to_owned(), |k| (*k).to_owned())
        });
        let reports =
            s.reports.get(store_id).map_or(0, |rs| rs.iter().filter(|d| (a..=b).contains(&date(d).unwrap())).count());
        assert_eq!(r[c("care_level")], care_level.to_string(), "care_level {year}Q{quarter}");
        assert_eq!(r[c("care_start")], u8::from(care_start).to_string(), "care_start {year}Q{quarter}");
        assert_eq!(r[c("measure")], measure, "measure {year}Q{quarter}");
        assert_eq!(r[c("safety_report")], reports.to_string(), "safety_report {year}Q{quarter}");
        // Person-level values: exact, or a generalisation of the exact value.
        assert_eq!(r[c("sex")], v[1]);
        let by = birth.year();
        let band = format!("{}-{}", by / 5 * 5, by / 5 * 5 + 4);
        let (lo, hi) = if r[c("birth_year")] == by.to_string() {
            (by, by)
        } else {
            assert_eq!(r[c("birth_year")], band);
            (by / 5 * 5, by / 5 * 5 + 4)
        };
        published_birth.insert(r[c("person")].clone(), (lo, hi));
        let (age_lo, age_hi) = ((year - hi).max(0), (year - lo).max(0));
        let age = if age_lo == age_hi { age_lo.to_string() } else { format!("{age_lo}-{age_hi}") };
        assert_eq!(r[c("age")], age);
        assert_eq!(r[c("age_band")], band_label(age_lo, age_hi));
        let muni = valid_on(s.residence.get(store_id), birth).unwrap_or_else(|| "unknown".to_owned());
        let region = if muni == "unknown" { "unknown".to_owned() } else { region_of(&regions, &muni, by) };
        let published = &r[c("municipality")];
        assert!(
            *published == muni || *published == region || published == "NL",
            "municipality {published} is neither {muni}, {region} nor NL"
        );
        let want_region = if *published == muni { region.clone() } else { published.clone() };
        assert_eq!(r[c("youth_region")], want_region);
        let cluster = valid_on(s.households.get(store_id), birth).unwrap_or_else(|| format!("solo:{store_id}"));
        assert_eq!(r[c("household")], export_id(EXPORT_KEY, "export-household", &cluster));
        // Exits from 1 January of (first published birth year + 18) may be the 18th birthday:
        // published as the years of those birthdays.
        let window =
            (NaiveDate::from_ymd_opt(lo + 18, 1, 1).unwrap(), NaiveDate::from_ymd_opt(hi + 18, 12, 31).unwrap());
        let exit_label = if exit < window.0 {
            exit.format("%Y-%m").to_string()
        } else if lo == hi {
            (lo + 18).to_string()
        } else {
            format!("{}-{}", lo + 18, hi + 18)
        };
        assert_eq!(r[c("exit_date")], exit_label);
        let reason = if Some(exit) == date(&v[2]) {
            "death"
        } else if Some(exit) == date(&v[3]) {
            "emigration"
        } else if Some(exit) == date(&v[4]) {
            "data_end"
        } else {
            "age_limit"
        };
        let end_in_window = (window.0..=window.1).contains(&date(&v[4]).unwrap());
        let reason = if end_in_window && (reason == "age_limit" || reason == "data_end") {
            "age_limit_or_data_end"
        } else {
            reason
        };
        assert_eq!(r[c("exit_reason")], reason);
        checked += 1;
    }
    assert!(checked > 100_000, "only {checked} rows checked");
    // The rows are exactly the follow-up's quarters inside the birth window of the published
    // birth years [lo, hi]: from the quarter holding 31 December of hi (a row before it would
    // say "born before its end") to the one holding 1 January of lo + 18 (a row after it would
    // say "born after its start - 18 years"). The rest is suppressed or withheld.
    let mut cut = 0;
    for (person, periods) in &got_rows {
        let ((first, last), (lo, hi)) = (follow_up[person], published_birth[person]);
        let (first_w, last_w) = (first.max((hi, 4)), last.min((lo + 18, 1)));
        let mut want = Vec::new();
        let mut q = first_w;
        while q <= last_w {
            want.push(q);
            q = if q.1 == 4 { (q.0 + 1, 1) } else { (q.0, q.1 + 1) };
        }
        cut += usize::from(first_w != first || last_w != last);
        assert_eq!(periods, &want, "periods of one person");
    }
    assert!(cut > 1000, "only {cut} persons have quarters outside the birth window");
    // Attack 0: no date column, period or exit reason of this quarter panel (month dates, birth
    // cohort) narrows a published birth year, and the classes rebuilt from them hold k.
    let plan = kohort::panel::PanelPlan::read(&panel).unwrap();
    let (narrowed, small) = reconstruct(&out, &Attacker::for_panel(&plan, data_end(&store)), 10);
    assert!(narrowed.is_empty() && small.is_empty(), "{:?} {:?}", &narrowed[..narrowed.len().min(5)], small);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("disclosure_report.json")).unwrap()).unwrap();
    let suppressed = report["kanon"]["steps"].as_array().unwrap().last().unwrap()["persons"].as_u64().unwrap();
    let withheld = report["kanon"]["withheld"]["persons"].as_u64().unwrap();
    assert_eq!(
        got_rows.len() as u64 + suppressed + withheld,
        members_with_rows,
        "published + suppressed + withheld = members with rows"
    );
    assert_eq!(report["rows_out"].as_u64().unwrap(), rows.len() as u64);
    let keys: Vec<(&String, i32, u32)> =
        rows.iter().map(|r| (&r[0], r[c("year")].parse().unwrap(), r[c("quarter")].parse().unwrap())).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "sorted by person then period");

    // Attack 1: every published quasi-identifier combination has >= k persons and clusters.
    let mut classes: BTreeMap<(String, String, String), Members> = BTreeMap::new();
    for r in &rows {
        let e =
            classes.entry((r[c("sex")].clone(), r[c("birth_year")].clone(), r[c("municipality")].clone())).or_default();
        e.0.insert(r[c("person")].clone());
        e.1.insert(r[c("household")].clone());
    }
    for (class, (persons, households)) in &classes {
        assert!(
            persons.len() >= 10 && households.len() >= 10,
            "{class:?}: {} persons, {} households",
            persons.len(),
            households.len()
        );
    }
    // Local recoding happened and is reported consistently with the file.
    let generalised = rows.iter().filter(|r| r[c("birth_year")].contains('-')).count() as u64;
    let step2 = report["kanon"]["steps"][1]["rows"].as_u64().unwrap();
    assert!(generalised > 0 && generalised <= step2, "{generalised} rows with a band, step 2 reports {step2}");

    // Attack 2: no raw id and no store pseudonym anywhere in any exported byte.
    let (raw, pseudonyms) = secrets(&tmp.path().join("synth"));
    assert!(raw.len() > 10_000 && pseudonyms.len() > 10_000);
    let delivery = std::fs::read(find_file(&tmp.path().join("synth"), "persons.csv")).unwrap();
    assert!(!leaks(&delivery, &raw).is_empty(), "the scanner finds raw ids in the delivery itself");
    for f in std::fs::read_dir(&out).unwrap() {
        let f = f.unwrap().path();
        let bytes = std::fs::read(&f).unwrap();
        assert!(leaks(&bytes, &raw).is_empty(), "{} holds a raw id", f.display());
        assert!(leaks(&bytes, &pseudonyms).is_empty(), "{} holds a store pseudonym", f.display());
    }
    // The Parquet file holds the same table as the CSV.
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let n: i64 = conn
        .query_row(&format!("SELECT count(*) FROM read_parquet('{}')", out.join("panel.parquet").display()), [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(n as usize, rows.len());

    // Attack 3: another key gives disjoint person and household ids; the same key the same bytes.
    let other = tmp.path().join("other");
    export(&panel, &store, &other, Some(&key_at(tmp.path(), "other.key", OTHER_KEY)), 2);
    let (_, rows2) = read_csv(&other.join("panel.csv"));
    for k in [c("person"), c("household")] {
        let a: BTreeSet<&String> = rows.iter().map(|r| &r[k]).collect();
        let b: BTreeSet<&String> = rows2.iter().map(|r| &r[k]).collect();
        assert!(a.is_disjoint(&b), "ids of column {k} overlap between keys");
    }
    // Determinism: same key, one thread instead of two, and another memory limit: byte-identical
    // files, panel.parquet included although it spans several row groups (DuckDB's parallel COPY
    // cut them differently per thread count).
    let groups: i64 = conn
        .query_row(
            &format!(
                "SELECT count(DISTINCT row_group_id) FROM parquet_metadata('{}')",
                out.join("panel.parquet").display()
            ),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(rows.len() > 2 * 65_536 && groups >= 3, "{} rows in {groups} row groups: too few to test", rows.len());
    for (threads, limit) in [(1, "1GB"), (1, "300MB"), (2, "300MB")] {
        let again = tmp.path().join(format!("again-{threads}-{limit}"));
        export_with(&panel, &store, &again, Some(&key), threads, limit);
        for f in std::fs::read_dir(&out).unwrap() {
            let name = f.unwrap().file_name();
            assert!(
                std::fs::read(out.join(&name)).unwrap() == std::fs::read(again.join(&name)).unwrap(),
                "{name:?} differs with --threads {threads} --memory-limit {limit}"
            );
        }
    }
}

/// The persons and household clusters of one published class.
type Members = (BTreeSet<String>, BTreeSet<String>);

/// Every raw id of the synthetic deliveries (id-like columns) and every store pseudonym of them.
fn secrets(synth: &Path) -> (BTreeSet<String>, BTreeSet<String>) {
    let cols = [
        ("person_id", "person"),
        ("parent_id", "person"),
        ("child_id", "person"),
        ("household_id", "household"),
        ("episode_id", "episode"),
        ("measure_id", "measure"),
        ("report_id", "report"),
        ("measurement_id", "measurement"),
        ("provider_id", "provider"),
    ];
    let (mut raw, mut pseudonyms) = (BTreeSet::new(), BTreeSet::new());
    for file in walk(synth).into_iter().filter(|f| f.extension().is_some_and(|e| e == "csv")) {
        let mut r = csv::Reader::from_path(&file).unwrap();
        let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
        let wanted: Vec<(usize, &str)> =
            cols.iter().filter_map(|(c, d)| header.iter().position(|h| h == c).map(|i| (i, *d))).collect();
        for rec in r.records() {
            let rec = rec.unwrap();
            for (i, domain) in &wanted {
                let v = &rec[*i];
                if !v.is_empty() {
                    raw.insert(v.to_owned());
                    pseudonyms.insert(pseudo(domain, v));
                }
            }
        }
    }
    (raw, pseudonyms)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

fn find_file(dir: &Path, name: &str) -> PathBuf {
    walk(dir).into_iter().find(|p| p.file_name().is_some_and(|n| n == name)).unwrap()
}

/// Occurrences of any secret in `bytes` as a whole token (not inside a longer alphanumeric run,
/// so a 9-digit id inside a 32-hex export id does not count).
fn leaks(bytes: &[u8], secrets: &BTreeSet<String>) -> Vec<String> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphanumeric() && (i == 0 || !is_token(bytes[i - 1])) {
            let mut j = i;
            while j < bytes.len() && is_token(bytes[j]) {
                j += 1;
            }
            if let Ok(tok) = std::str::from_utf8(&bytes[i..j])
                && secrets.contains(tok)
            {
                found.push(tok.to_owned());
            }
            i = j;
        } else {
            i += 1;
        }
    }
    found
}

fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

// --------------------------------------------------------------------------- keys and errors

#[test]
fn the_store_key_is_refused_and_no_key_means_a_random_unlinkable_key() {
    let (tmp, store) = scenario_store("tiny", false);
    let panel = write_panel(tmp.path(), "tiny.toml", TINY_PANEL);
    let out = tmp.path().join("out");
    let o = kohort()
        .arg("export")
        .arg("panel")
        .arg(&panel)
        .arg("--store")
        .arg(&store)
        .arg("--out")
        .arg(&out)
        .arg("--key")
        .arg(key_file(tmp.path()))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("test.key") && err.contains("store's pseudonymisation key"), "{err}");
    assert!(!out.exists(), "nothing written");
    // Without a key: two exports do not share a single id.
    export(&panel, &store, &out, None, 2);
    export(&panel, &store, &tmp.path().join("out2"), None, 2);
    let (_, a) = read_csv(&out.join("panel.csv"));
    let (_, b) = read_csv(&tmp.path().join("out2/panel.csv"));
    let ia: BTreeSet<&String> = a.iter().map(|r| &r[0]).collect();
    let ib: BTreeSet<&String> = b.iter().map(|r| &r[0]).collect();
    assert!(!ia.is_empty() && ia.is_disjoint(&ib));
    let report = std::fs::read_to_string(out.join("disclosure_report.md")).unwrap();
    assert!(report.contains("random key"), "{report}");
}

#[test]
fn errors_name_the_file_and_field_and_a_failed_export_keeps_the_old_folder() {
    let (tmp, store) = scenario_store("tiny", false);
    let run = |text: &str, out: &Path| {
        let panel = write_panel(tmp.path(), "bad.toml", text);
        let o = kohort()
            .arg("export")
            .arg("panel")
            .arg(&panel)
            .arg("--store")
            .arg(&store)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap();
        (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    let out = tmp.path().join("out");
    let (code, err) = run(&TINY_PANEL.replace("\"sex\", \"care_level\"", "\"sex\", \"shoe_size\""), &out);
    assert_eq!(code, Some(2));
    assert!(err.contains("bad.toml") && err.contains("variables") && err.contains("shoe_size"), "{err}");
    let (code, err) = run(&TINY_PANEL.replace("k = 2", "k = 1"), &out);
    assert_eq!(code, Some(2));
    assert!(err.contains("bad.toml") && err.contains("`k`"), "{err}");
    let (code, err) = run(&TINY_PANEL.replace("period = \"year\"", "period = \"month\""), &out);
    assert_eq!(code, Some(2));
    assert!(err.contains("bad.toml") && err.contains("period"), "{err}");
    // A good export, then one that fails inside DuckDB (a cohort query that does not run): the
    // first folder stays as it was and no staging or spill folder is left behind.
    let (code, _) = run(TINY_PANEL, &out);
    assert_eq!(code, Some(0));
    let before = std::fs::read(out.join("panel.csv")).unwrap();
    std::fs::write(tmp.path().join("broken.sql"), "SELECT nonsense FROM nowhere").unwrap();
    let broken = TINY_PANEL.replace("entry = \"birth\"", "sql = \"broken.sql\"");
    let (code, err) = run(&broken, &out);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(std::fs::read(out.join("panel.csv")).unwrap(), before);
    assert!(!out.with_extension("staging").exists() && !out.with_extension("spill").exists());
}

// ------------------------------------------------------------------------ birth reconstruction

/// An attacker who knows the code, the panel file and the data end, and reads every published
/// column of a panel: what each column says about a person's birth date, as an interval of
/// months (`year * 12 + month - 1`). Written apart from the product SQL.
struct Attacker {
    /// The cohort's exit age (years).
    exit_age: i32,
    /// Birth <= index - `l` years (the cohort's minimum age at the index; 0 without one).
    l: i32,
    /// Birth >= index - `u` years (age at index <= age_max, index <= exit <= birthday at the
    /// exit age; 0 for a birth cohort, whose index is the birth date).
    u: i32,
    /// The cohort's entry bounds (on the index date).
    entry: (Option<NaiveDate>, Option<NaiveDate>),
    /// Panel bounds.
    bounds: (Option<NaiveDate>, Option<NaiveDate>),
    /// Quarter periods.
    quarter: bool,
    /// The extraction date (data end).
    data_end: NaiveDate,
}

fn month_of(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month0() as i32
}

/// A published date or range (`2018`, `2018Q2`, `2018-03`, `2018-2020`) as months.
fn label_months(s: &str) -> Option<(i32, i32)> {
    if s.is_empty() || s == "unknown" {
        return None;
    }
    if let Some((y, q)) = s.split_once('Q') {
        let (y, q): (i32, i32) = (y.parse().ok()?, q.parse().ok()?);
        return Some((y * 12 + 3 * (q - 1), y * 12 + 3 * q - 1));
    }
    if let Some((a, b)) = s.split_once('-') {
        let (a, b): (i32, i32) = (a.parse().ok()?, b.parse().ok()?);
        return Some(if b <= 12 && a > 1000 { (a * 12 + b - 1, a * 12 + b - 1) } else { (a * 12, b * 12 + 11) });
    }
    let y: i32 = s.parse().ok()?;
    Some((y * 12, y * 12 + 11))
}

/// One published person: the values of the person-level columns and the rows' periods and ages.
#[derive(Default)]
struct Published {
    sex: String,
    birth: String,
    geo: String,
    region: String,
    household: String,
    index: String,
    exit: String,
    reason: String,
    /// (year, quarter or 0, age label)
    rows: Vec<(i32, i32, String)>,
}

impl Attacker {
    fn for_panel(plan: &kohort::panel::PanelPlan, data_end: NaiveDate) -> Self {
        let c = &plan.cohort;
        let a = c.exit_age as i32;
        let birth = c.entry == Some(kohort::cohort::Entry::Birth);
        Attacker {
            exit_age: a,
            l: if birth { 0 } else { c.age_min.unwrap_or(0) as i32 },
            u: if birth { 0 } else { c.age_max.map_or(a, |m| (m as i32 + 1).min(a)) },
            entry: (c.entry_from, c.entry_to),
            bounds: (plan.from, plan.to),
            quarter: plan.period == kohort::panel::Period::Quarter,
            data_end,
        }
    }

    /// The months of a row's period.
    fn period(&self, year: i32, quarter: i32) -> (i32, i32) {
        if self.quarter {
            (year * 12 + 3 * (quarter - 1), year * 12 + 3 * quarter - 1)
        } else {
            (year * 12, year * 12 + 11)
        }
    }

    /// The period (as its first month) holding month `m`.
    fn period_start(&self, m: i32) -> i32 {
        if self.quarter { m - m.rem_euclid(3) } else { m - m.rem_euclid(12) }
    }

    /// The birth months consistent with everything published about `p`.
    fn birth_months(&self, p: &Published) -> (i32, i32) {
        let (a, l, u) = (12 * self.exit_age, 12 * self.l, 12 * self.u);
        let (mut lo, mut hi) = label_months(&p.birth).unwrap_or((i32::MIN / 2, i32::MAX / 2));
        let (ylo, yhi) = (lo.div_euclid(12), hi.div_euclid(12));
        let mut cut = |a: i32, b: i32| {
            lo = lo.max(a);
            hi = hi.min(b);
        };
        // Age on 31 December = year - birth year.
        for (year, _, age) in &p.rows {
            if let Some((a1, a2)) = label_months(age).map(|(s, e)| (s / 12, e / 12)) {
                cut((year - a2) * 12, (year - a1) * 12 + 11);
            } else if let Ok(v) = age.parse::<i32>() {
                cut((year - v) * 12, (year - v) * 12 + 11);
            }
        }
        // Every row is follow-up: index (>= birth + l) <= a day of the row <= exit (<= birth + exit age).
        for (year, q, _) in &p.rows {
            let (s, e) = self.period(*year, *q);
            cut(s - a, e - l);
        }
        // The documented window rule: rows start no earlier than the period holding 31 December
        // of (last published birth year + l) and end no later than the one holding 1 January of
        // (first published birth year + exit age); a first row after that and after `from` is
        // the index period, a last row before that and before `to` holds the exit.
        let window_first = self.period_start((yhi + self.l) * 12 + 11);
        let window_last = self.period_start((ylo + self.exit_age) * 12);
        let from_p = self.bounds.0.map_or(i32::MIN, |d| self.period_start(month_of(d)));
        let to_p = self.bounds.1.map_or(i32::MAX, |d| self.period_start(month_of(d)));
        let first = p.rows.first().map(|(y, q, _)| self.period(*y, *q));
        let last = p.rows.last().map(|(y, q, _)| self.period(*y, *q));
        let mut index = label_months(&p.index);
        if let Some((s, e)) = first
            && s > from_p
            && s > window_first
        {
            index = Some(index.map_or((s, e), |(is, ie)| (is.max(s), ie.min(e))));
        }
        if let Some((s, e)) = index {
            cut(s - u, e - l);
        }
        if let Some(f) = self.entry.0 {
            cut(month_of(f) - u, i32::MAX / 2);
        }
        if let Some(t) = self.entry.1 {
            cut(i32::MIN / 2, month_of(t) - l);
        }
        let mut exit = label_months(&p.exit);
        if let Some((s, e)) = last
            && s < to_p
            && s < window_last
        {
            exit = Some(exit.map_or((s, e), |(xs, xe)| (xs.max(s), xe.min(e))));
        }
        let d = month_of(self.data_end);
        if let Some((s, _)) = exit {
            cut(s - a, i32::MAX / 2);
        }
        match (p.reason.as_str(), exit) {
            ("age_limit", Some((s, e))) => cut(s - a, e.min(d) - a),
            ("age_limit", None) => cut(i32::MIN / 2, d - a),
            ("data_end", _) => cut(d - a, i32::MAX / 2),
            _ => {}
        }
        (lo, hi)
    }
}

/// The published persons of a panel CSV.
fn published_persons(path: &Path) -> BTreeMap<String, Published> {
    let (h, rows) = read_csv(path);
    let get = |r: &Vec<String>, n: &str| h.iter().position(|x| x == n).map_or_else(String::new, |i| r[i].clone());
    let mut out: BTreeMap<String, Published> = BTreeMap::new();
    for r in &rows {
        let p = out.entry(get(r, "person")).or_default();
        p.sex = get(r, "sex");
        p.birth = get(r, "birth_year");
        p.geo = get(r, "municipality");
        p.region = get(r, "youth_region");
        p.household = get(r, "household");
        p.index = get(r, "index_date");
        p.exit = get(r, "exit_date");
        p.reason = get(r, "exit_reason");
        p.rows.push((get(r, "year").parse().unwrap(), get(r, "quarter").parse().unwrap_or(0), get(r, "age")));
    }
    out
}

/// The attack on one export: (persons whose birth interval the columns narrow below the
/// published birth year, reconstructed classes under k persons or k clusters).
fn reconstruct(out: &Path, attacker: &Attacker, k: usize) -> (Vec<String>, Vec<String>) {
    let persons = published_persons(&out.join("panel.csv"));
    assert!(!persons.is_empty());
    let mut narrowed = Vec::new();
    let mut classes: BTreeMap<(String, (i32, i32), String), Members> = BTreeMap::new();
    for (id, p) in &persons {
        let got = attacker.birth_months(p);
        assert!(got.0 <= got.1, "{id}: no birth date fits what is published: {got:?}");
        let declared = label_months(&p.birth).unwrap_or((i32::MIN / 2, i32::MAX / 2));
        if got != declared {
            narrowed.push(format!(
                "{}: published {} but {}/{}-{}/{} ({} {} {} rows {:?}..{:?})",
                &id[..8],
                p.birth,
                got.0 / 12,
                got.0 % 12 + 1,
                got.1 / 12,
                got.1 % 12 + 1,
                p.index,
                p.exit,
                p.reason,
                p.rows.first().map(|r| (r.0, r.1)),
                p.rows.last().map(|r| (r.0, r.1)),
            ));
        }
        let e = classes.entry((p.sex.clone(), got, p.geo.clone())).or_default();
        e.0.insert(id.clone());
        e.1.insert(p.household.clone());
    }
    let small = classes
        .iter()
        .filter(|(_, (ps, hs))| ps.len() < k || hs.len() < k)
        .map(|(c, (ps, hs))| format!("{c:?}: {} persons, {} clusters", ps.len(), hs.len()))
        .collect();
    (narrowed, small)
}

fn shipped_panel(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("panels").join(name)
}

fn data_end(store: &Path) -> NaiveDate {
    let ends = query(store, "SELECT DISTINCT extracted_on FROM persons");
    assert_eq!(ends.len(), 1, "one data end in the scenario");
    date(&ends[0][0]).unwrap()
}

/// The finding: with `exit_reason = age_limit`, `exit_date` (quarter) is the 18th birthday and
/// gave the birth quarter, undoing the 5-year band of generalised records and leaving singletons
/// on (sex, birth quarter, region). Now every date column of both shipped panels, every period
/// present and every exit reason together narrow no published birth year, and the classes an
/// attacker can rebuild from them all hold k persons and k household clusters.
#[test]
fn shipped_panels_reveal_no_birth_date_finer_than_the_published_birth_year() {
    let (tmp, store) = scenario_store("small", true);
    let key = key_at(tmp.path(), "export.key", EXPORT_KEY);
    let end = data_end(&store);
    for name in ["spells_person_year.toml", "everybody_person_year.toml"] {
        let panel = shipped_panel(name);
        let plan = kohort::panel::PanelPlan::read(&panel).unwrap();
        let out = tmp.path().join(name);
        export(&panel, &store, &out, Some(&key), 2);
        // The finding itself: birth quarter = exit_date - exit age for age-limit exits, and the
        // singletons it leaves on (sex, birth quarter, youth region).
        let persons = published_persons(&out.join("panel.csv"));
        let a = 12 * plan.cohort.exit_age as i32;
        let mut classes: BTreeMap<(String, String, String), usize> = BTreeMap::new();
        let (mut revealed, mut banded) = (0, 0);
        for p in persons.values() {
            let declared = label_months(&p.birth).unwrap();
            let mut birth = p.birth.clone();
            if p.reason == "age_limit"
                && let Some((s, e)) = label_months(&p.exit)
                && (s - a, e - a) != declared
            {
                revealed += 1;
                banded += usize::from(p.birth.contains('-'));
                birth = format!("{}Q{}", (s - a) / 12, (s - a) % 12 / 3 + 1);
            }
            *classes.entry((p.sex.clone(), birth, p.region.clone())).or_default() += 1;
        }
        let singletons = classes.values().filter(|n| **n == 1).count();
        assert_eq!(
            (revealed, singletons),
            (0, 0),
            "{name}: exit_date of age-limit exits narrows the published birth year of {revealed} persons \
             ({banded} of {} with a 5-year band), leaving {singletons} singletons on (sex, birth quarter, region)",
            persons.values().filter(|p| p.birth.contains('-')).count()
        );
        let attacker = Attacker::for_panel(&plan, end);
        let (narrowed, small) = reconstruct(&out, &attacker, plan.k as usize);
        assert!(
            narrowed.is_empty(),
            "{name}: {} persons' birth narrowed below the published value, e.g. {:?}",
            narrowed.len(),
            &narrowed[..narrowed.len().min(5)]
        );
        assert!(
            small.is_empty(),
            "{name}: {} reconstructed classes under k: {:?}",
            small.len(),
            &small[..small.len().min(5)]
        );
    }
}

// -------------------------------------------------------------------------------- risk figures

/// The risk figures of `disclosure_report.json`, worked out again from `panel.csv` alone: classes
/// on the published (sex, birth_year, municipality), persons' summaries of the sensitive
/// variables over their rows, and the counts an output checker asks for.
fn check_risk_figures(out: &Path, k: usize, clusters: bool) -> serde_json::Value {
    let (h, rows) = read_csv(&out.join("panel.csv"));
    let c = |n: &str| col(&h, n);
    let measure_rank = |m: &str| match m {
        "guardianship" => 1,
        "provisional_guardianship" => 2,
        "ots" => 3,
        "provisional_ots" => 4,
        "youth_probation" => 5,
        _ => 6,
    };
    // Per person: class, household, rows, [highest level, any start, most restrictive measure, any report].
    type Summary = ((String, String, String), String, u64, [i64; 4]);
    let mut persons: BTreeMap<String, Summary> = BTreeMap::new();
    for r in &rows {
        let e = persons.entry(r[c("person")].clone()).or_insert_with(|| {
            (
                (r[c("sex")].clone(), r[c("birth_year")].clone(), r[c("municipality")].clone()),
                if clusters { r[c("household")].clone() } else { String::new() },
                0,
                [0, 0, 6, 0],
            )
        });
        e.2 += 1;
        e.3[0] = e.3[0].max(r[c("care_level")].parse().unwrap());
        e.3[1] = e.3[1].max(r[c("care_start")].parse().unwrap());
        e.3[2] = e.3[2].min(measure_rank(&r[c("measure")]));
        e.3[3] = e.3[3].max(i64::from(r[c("safety_report")] != "0"));
    }
    #[derive(Default)]
    struct Class {
        persons: usize,
        households: BTreeSet<String>,
        rows: u64,
        values: [BTreeSet<i64>; 4],
    }
    let mut classes: BTreeMap<(String, String, String), Class> = BTreeMap::new();
    for (key, household, n, v) in persons.values() {
        let cl = classes.entry(key.clone()).or_default();
        cl.persons += 1;
        cl.households.insert(household.clone());
        cl.rows += n;
        for (set, value) in cl.values.iter_mut().zip(v) {
            set.insert(*value);
        }
    }
    let under: Vec<&(String, String, String)> = classes
        .iter()
        .filter(|(_, cl)| cl.persons < 2 * k || (clusters && cl.households.len() < 2 * k))
        .map(|(key, _)| key)
        .collect();
    let under_households: BTreeSet<&String> =
        persons.values().filter(|p| under.contains(&&p.0)).map(|p| &p.1).collect();
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("disclosure_report.json")).unwrap()).unwrap();
    let risk = &report["risk"];
    let n = |v: &serde_json::Value| v.as_u64().unwrap_or_else(|| panic!("not a count: {v}")) as usize;
    assert_eq!(n(&risk["classes"]), classes.len());
    assert_eq!(n(&risk["min_class_persons"]), classes.values().map(|cl| cl.persons).min().unwrap());
    if clusters {
        assert_eq!(n(&risk["min_class_clusters"]), classes.values().map(|cl| cl.households.len()).min().unwrap());
    }
    assert_eq!(n(&risk["classes_under_2k"]), under.len());
    assert_eq!(n(&risk["persons_under_2k"]), under.iter().map(|key| classes[*key].persons).sum::<usize>());
    assert_eq!(n(&risk["rows_under_2k"]) as u64, under.iter().map(|key| classes[*key].rows).sum::<u64>());
    if clusters {
        assert_eq!(n(&risk["clusters_under_2k"]), under_households.len());
    } else {
        assert!(risk["clusters_under_2k"].is_null());
    }
    let names = ["care_level", "care_start", "measure", "safety_report"];
    let diversity = risk["l_diversity"].as_array().unwrap();
    assert_eq!(diversity.len(), names.iter().filter(|v| h.iter().any(|x| x == *v)).count());
    for d in diversity {
        let i = names.iter().position(|v| d["variable"] == *v).unwrap();
        let ls: Vec<usize> = classes.values().map(|cl| cl.values[i].len()).collect();
        assert_eq!(n(&d["min_l"]), *ls.iter().min().unwrap(), "{}", names[i]);
        assert_eq!(n(&d["classes_l1"]), ls.iter().filter(|l| **l == 1).count(), "{}", names[i]);
        let persons_l1: usize = classes.values().filter(|cl| cl.values[i].len() == 1).map(|cl| cl.persons).sum();
        assert_eq!(n(&d["persons_l1"]), persons_l1, "{}", names[i]);
    }
    risk.clone()
}

/// The smallest class, the records, rows and household clusters in classes under 2k and the
/// l-diversity of care level, care start, measure and safety reports in the disclosure report
/// equal a brute force over the published panel file, on the shipped spells panel (year panel,
/// household clusters) and on a quarter panel without clusters. The figures are not trivial:
/// some classes are under 2k and some have l = 1.
#[test]
fn risk_figures_equal_a_brute_force_over_the_published_file() {
    let (tmp, store) = scenario_store("small", true);
    let key = key_at(tmp.path(), "export.key", EXPORT_KEY);
    let out = tmp.path().join("spells");
    export(&shipped_panel("spells_person_year.toml"), &store, &out, Some(&key), 2);
    let risk = check_risk_figures(&out, 10, true);
    assert!(risk["classes_under_2k"].as_u64().unwrap() > 0, "{risk}");
    assert!(risk["l_diversity"].as_array().unwrap().iter().any(|d| d["classes_l1"].as_u64().unwrap() > 0), "{risk}");
    let panel = write_panel(
        tmp.path(),
        "quarters.toml",
        &SMALL_PANEL
            .replace("date_precision = \"month\"", "date_precision = \"month\"\nk = 5\nhousehold_clusters = false"),
    );
    let out = tmp.path().join("quarters");
    export(&panel, &store, &out, Some(&key), 2);
    check_risk_figures(&out, 5, false);
    let md = std::fs::read_to_string(out.join("disclosure_report.md")).unwrap();
    assert!(md.contains("l-diversity") && md.contains("under 2k"), "{md}");
}
