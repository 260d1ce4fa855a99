//! Tests of `kohort synth` through its library API: determinism (runs and thread counts), recovery
//! of planted truths by an independent brute-force reading of the written CSVs (docs/definitions.md §4),
//! the hand-worked `tiny`, the `dirty` defects file against an independent validator, and
//! CSV = Parquet.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "synth/brute.rs"]
mod brute;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kohort::synth::{self, Bsn, OutputFormat, SynthOptions, SynthSummary};

use brute::{Delivery, Outcomes};

fn opts(threads: usize, scale: Option<f64>) -> SynthOptions {
    SynthOptions { format: OutputFormat::Csv, threads: Some(threads), progress: false, scale }
}

fn run(name: &str, out: &Path, o: &SynthOptions) -> SynthSummary {
    let s = synth::load_scenario(name).unwrap();
    synth::generate(&s, out, o).unwrap()
}

/// `small` at full size, generated once for the tests that read it.
fn small() -> &'static (tempfile::TempDir, SynthSummary) {
    static SMALL: OnceLock<(tempfile::TempDir, SynthSummary)> = OnceLock::new();
    SMALL.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let summary = run("small", dir.path(), &opts(2, None));
        (dir, summary)
    })
}

/// Every file under `root`, relative path → bytes.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn every_shipped_scenario_loads() {
    for name in synth::shipped_scenarios() {
        synth::load_scenario(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let err = synth::load_scenario("no-such-scenario").unwrap_err().to_string();
    assert!(err.contains("no-such-scenario") && err.contains("small"), "{err}");
}

#[test]
fn unknown_scenario_key_is_named_in_the_error() {
    let bad = "name = \"x\"\ndescription = \"d\"\nhistory_from = 2020-01-01\ncolour = 1\n[deliveries]\nkind = \"single\"\ndelivery_id = \"a\"\nextracted_on = 2021-01-01\n";
    let err = synth::parse_scenario(bad, "bad.toml").unwrap_err().to_string();
    assert!(err.contains("bad.toml") && err.contains("colour"), "{err}");
    let nested = bad.replace("colour = 1\n", "").replace("kind = \"single\"\n", "kind = \"single\"\nbogus = 2\n");
    let err = synth::parse_scenario(&nested, "nested.toml").unwrap_err().to_string();
    assert!(err.contains("nested.toml") && err.contains("bogus"), "{err}");
}

#[test]
fn same_seed_gives_identical_bytes_whatever_the_thread_count() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    run("small", a.path(), &opts(1, Some(0.15)));
    run("small", b.path(), &opts(2, Some(0.15)));
    run("small", c.path(), &opts(2, Some(0.15)));
    let (sa, sb, sc) = (snapshot(a.path()), snapshot(b.path()), snapshot(c.path()));
    assert!(sa.len() >= 11, "delivery.toml, 9 tables, expected.toml");
    assert_eq!(sa.keys().collect::<Vec<_>>(), sb.keys().collect::<Vec<_>>());
    for (k, v) in &sa {
        assert!(v == &sb[k], "{} differs between 1 and 2 threads", k.display());
        assert!(v == &sc[k], "{} differs between two runs", k.display());
    }
}

#[test]
fn delivery_folder_has_the_domain_format() {
    let (dir, summary) = small();
    let d = &summary.deliveries[0];
    assert_eq!(d.dir, dir.path().join("jeugdmonitor").join("2026H1"));
    let meta = std::fs::read_to_string(d.dir.join("delivery.toml")).unwrap();
    assert_eq!(meta, "source = \"jeugdmonitor\"\ndelivery_id = \"2026H1\"\nextracted_on = 2026-07-01\n");
    let persons = std::fs::read_to_string(d.dir.join("persons.csv")).unwrap();
    assert!(persons.starts_with("person_id,birth_date,sex,death_date,emigration_date\n"));
    let episodes = std::fs::read_to_string(d.dir.join("care_episodes.csv")).unwrap();
    assert!(episodes.starts_with(
        "episode_id,person_id,care_form,start_date,end_date,end_reason,provider_id,referrer,municipality\n"
    ));
    for table in synth::Table::ALL {
        assert!(d.dir.join(format!("{}.csv", table.name())).is_file());
        assert_eq!(d.rows[table.name()], brute::read(&d.dir, table.name()).rows.len() as u64, "{}", table.name());
    }
    assert!(summary.expected_path.as_ref().unwrap().is_file());
}

#[test]
fn person_ids_look_like_bsns_and_birth_months_occur() {
    let (_, summary) = small();
    let persons = brute::read(&summary.deliveries[0].dir, "persons");
    assert!(persons.rows.len() > 15_000, "persons: {}", persons.rows.len());
    assert!(persons.rows.iter().all(|r| Bsn::is_valid(&r[0])));
    let months = persons.rows.iter().filter(|r| r[1].len() == 7).count();
    assert!(months > 100, "YYYY-MM birth dates: {months}");
    let children = brute::read(&summary.deliveries[0].dir, "relations");
    let distinct: BTreeSet<&str> = children.rows.iter().map(|r| r[1].as_str()).collect();
    assert!((8_500..12_500).contains(&distinct.len()), "children: {}", distinct.len());
}

/// Checks a measured value against the `[expected]` truth of that name.
fn check(truths: &toml::Table, name: &str, measured: f64) {
    let t = truths[name].as_table().unwrap();
    let value = t["value"].as_float().unwrap();
    let tol = t["tolerance"].as_float().unwrap();
    eprintln!("{name}: measured {measured:.4}, planted {value} ± {tol}");
    assert!((measured - value).abs() <= tol, "{name}: measured {measured:.4}, planted {value} ± {tol}");
}

fn truths(summary: &SynthSummary) -> toml::Table {
    let text = std::fs::read_to_string(summary.expected_path.as_ref().unwrap()).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    doc["expected"].as_table().unwrap().clone()
}

#[test]
fn small_recovers_planted_rates_by_brute_force() {
    let (_, summary) = small();
    let d = Delivery::load(&summary.deliveries[0].dir);
    let o = Outcomes::new(&d);
    let t = truths(summary);
    for w in [182, 365, 730] {
        let r = o.reentry(w);
        eprintln!("re-entry {w}: engine reading {:.4}, complete windows {:.4}", r.engine_share(), r.share());
    }
    check(&t, "reentry_182", o.reentry(182).share());
    check(&t, "reentry_365", o.reentry(365).share());
    check(&t, "reentry_730", o.reentry(730).share());
    check(&t, "escalation_365", o.escalation(365).share());
    check(&t, "rereport_365", o.rereport(30, 365).share());
    check(&t, "goal_reached", o.goal_reached());
    check(&t, "out_of_home_start", o.out_of_home_start());
    check(&t, "care_share_per_year", o.care_share_per_year(2014..=2025));
}

#[test]
fn small_recovers_field_indicators_with_sql() {
    let (_, summary) = small();
    let dir = &summary.deliveries[0].dir;
    let t = truths(summary);
    let con = duckdb::Connection::open_in_memory().unwrap();
    let episodes = dir.join("care_episodes.csv").to_string_lossy().into_owned();
    let measurements = dir.join("measurements.csv").to_string_lossy().into_owned();
    let one = |sql: &str, path: &str| -> f64 { con.query_row(sql, [path], |r| r.get(0)).unwrap() };
    let regular = one(
        "SELECT avg(CASE WHEN end_reason IN ('planned','early_mutual','age_limit','01','02') THEN 1.0 ELSE 0.0 END)
         FROM read_csv(?, all_varchar=true) WHERE end_date IS NOT NULL",
        &episodes,
    );
    check(&t, "regular_ending", regular);
    let satisfied = one(
        "SELECT avg(CASE WHEN CAST(value AS INTEGER) >= 7 THEN 1.0 ELSE 0.0 END)
         FROM read_csv(?, all_varchar=true) WHERE instrument = 'satisfaction' AND moment = 'end'",
        &measurements,
    );
    check(&t, "satisfied", satisfied);
    let attained = one(
        "SELECT avg(CASE WHEN CAST(value AS INTEGER) >= 1 THEN 1.0 ELSE 0.0 END)
         FROM read_csv(?, all_varchar=true) WHERE instrument = 'goal_attainment' AND moment = 'end'",
        &measurements,
    );
    check(&t, "goal_attained", attained);
    let change = one(
        "WITH m AS (SELECT * FROM read_csv(?, all_varchar=true) WHERE instrument = 'problem_score')
         SELECT avg(CAST(e.value AS DOUBLE) - CAST(s.value AS DOUBLE))
         FROM m s JOIN m e ON s.episode_id = e.episode_id AND s.moment = 'start' AND e.moment = 'end'",
        &measurements,
    );
    check(&t, "problem_change", change);
}

#[test]
fn tiny_matches_its_hand_worked_file() {
    let dir = tempfile::tempdir().unwrap();
    let summary = run("tiny", dir.path(), &opts(1, None));
    let d = Delivery::load(&summary.deliveries[0].dir);
    let rows = &summary.deliveries[0].rows;
    let t = truths(&summary);
    for table in ["persons", "care_episodes", "measures", "safety_reports"] {
        check(&t, table, rows[table] as f64);
    }
    let o = Outcomes::new(&d);
    check(&t, "spells", o.spell_count() as f64);
    check(&t, "g1", o.g1().len() as f64);
    let hand: toml::Table = synth::TINY_EXPECTED.parse().unwrap();
    let spells = hand["spells"].as_array().unwrap();
    assert_eq!(spells.len(), o.spell_count());
    for s in spells {
        let s = s.as_table().unwrap();
        let person = s["person"].as_str().unwrap();
        let start = s["start"].as_datetime().unwrap().to_string();
        let end = s.get("end").map(|e| e.as_datetime().unwrap().to_string());
        assert!(o.has_spell(person, &start, end.as_deref()), "spell {start} of {}", s["who"]);
    }
    let summary_of = |key: &str, w: &str| hand[key].as_table().unwrap()[w].as_table().unwrap().clone();
    for w in [182, 365, 730] {
        let h = summary_of("reentry", &format!("w{w}"));
        let r = o.reentry(w);
        assert_eq!(
            (r.events, r.no_event, r.censored),
            (count(&h, "events"), count(&h, "no_event"), count(&h, "censored")),
            "re-entry {w}"
        );
    }
    let h = hand["escalation"].as_table().unwrap();
    let e = o.escalation(365);
    assert_eq!((e.events, e.no_event, e.censored), (count(h, "events"), count(h, "no_event"), count(h, "censored")));
    for (same, w) in [(30, 365), (30, 730), (14, 365), (14, 730)] {
        let h = summary_of("rereport", &format!("same{same}_w{w}"));
        let r = o.rereport(same, w);
        assert_eq!((r.events, r.no_event), (count(&h, "events"), count(&h, "no_event")), "re-report {same}/{w}");
        let h = summary_of("rereport", &format!("family_same{same}_w{w}"));
        let r = o.rereport_family(same, w);
        assert_eq!((r.events, r.no_event), (count(&h, "events"), count(&h, "no_event")), "family {same}/{w}");
    }
    let ig = hand["intergenerational"].as_table().unwrap();
    let (a, n1, c, n0) = o.transmission(false);
    assert_eq!((a, n1, c, n0), (count(ig, "a"), count(ig, "n1"), count(ig, "c"), count(ig, "n0")));
}

fn count(t: &toml::Table, key: &str) -> usize {
    usize::try_from(t[key].as_integer().unwrap()).unwrap()
}

#[test]
fn dirty_defects_file_lists_exactly_the_rows_an_independent_validator_rejects() {
    let dir = tempfile::tempdir().unwrap();
    let summary = run("dirty", dir.path(), &opts(2, None));
    let listed = brute::read_defects(summary.defects_path.as_ref().unwrap());
    let found = brute::validate(&summary.deliveries[0].dir);
    let rules: BTreeSet<&str> = listed.iter().map(|(_, _, rule)| rule.as_str()).collect();
    assert_eq!(rules.len(), 13, "every rule planted: {rules:?}");
    let listed_set: BTreeSet<_> = listed.iter().cloned().collect();
    let found_set: BTreeSet<_> = found.iter().cloned().collect();
    let missing: Vec<_> = listed_set.difference(&found_set).collect();
    let extra: Vec<_> = found_set.difference(&listed_set).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "listed but not found: {missing:?}\nfound but not listed: {extra:?}"
    );
    for table in synth::Table::ALL {
        let n = listed.iter().filter(|(t, _, _)| t == table.name()).count();
        assert!(n >= 5, "{}: {n} defects", table.name());
    }
}

#[test]
fn dirty_in_parquet_leaves_out_csv_only_defects() {
    let dir = tempfile::tempdir().unwrap();
    let o = SynthOptions { format: OutputFormat::Parquet, ..opts(2, Some(0.2)) };
    let summary = run("dirty", dir.path(), &o);
    let listed = brute::read_defects(summary.defects_path.as_ref().unwrap());
    assert!(listed.iter().all(|(_, _, r)| r != "malformed_utf8" && r != "wrong_column_count"));
    assert!(listed.iter().any(|(_, _, r)| r == "own_ancestor"));
}

#[test]
fn parquet_and_csv_hold_the_same_values() {
    for name in ["small", "tiny"] {
        same_values_in_both_formats(name);
    }
}

fn same_values_in_both_formats(name: &str) {
    let csv_dir = tempfile::tempdir().unwrap();
    let pq_dir = tempfile::tempdir().unwrap();
    let a = run(name, csv_dir.path(), &opts(2, Some(0.05)));
    let b = run(name, pq_dir.path(), &SynthOptions { format: OutputFormat::Parquet, ..opts(2, Some(0.05)) });
    let con = duckdb::Connection::open_in_memory().unwrap();
    for table in synth::Table::ALL {
        let csv = a.deliveries[0].dir.join(format!("{}.csv", table.name()));
        let pq = b.deliveries[0].dir.join(format!("{}.parquet", table.name()));
        let from_csv = brute::duck_rows(&con, "SELECT * FROM read_csv(?, all_varchar=true, header=true)", &csv);
        let from_pq = brute::duck_rows(&con, "SELECT * FROM read_parquet(?)", &pq);
        assert!(!from_csv.is_empty(), "{name}: {}", table.name());
        assert_eq!(from_csv, from_pq, "{name}: {}", table.name());
    }
}

#[test]
fn proeftuinen_corrections_change_a_record_between_quarters() {
    let dir = tempfile::tempdir().unwrap();
    let summary = run("proeftuinen", dir.path(), &opts(2, None));
    // 15 quarterly deliveries per site, then the planted late correction of one quarter.
    assert_eq!(summary.deliveries.len(), 11 * 15 + 1);
    assert_eq!(summary.deliveries[0].delivery_id, "2023Q1");
    let text = std::fs::read_to_string(summary.expected_path.as_ref().unwrap()).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let corrections = doc["corrections"].as_array().unwrap();
    assert!(corrections.len() >= 20, "corrections: {}", corrections.len());
    let field = |c: &toml::Value, k: &str| c[k].as_str().unwrap().to_string();
    let (episodes, measures): (Vec<_>, Vec<_>) = corrections.iter().partition(|c| field(c, "table") == "care_episodes");
    assert!(measures.iter().all(|c| field(c, "table") == "measures"));
    for c in episodes.iter().take(40).chain(&measures) {
        let s = |k: &str| field(c, k);
        let (source, id, column) = (s("source"), s("id"), s("field"));
        let idx =
            summary.deliveries.iter().position(|d| d.source == source && d.delivery_id == s("delivery_id")).unwrap();
        let prev = summary.deliveries[..idx].iter().rev().find(|d| d.source == source).unwrap();
        let value = |dir: &Path| {
            let t = brute::read(dir, &s("table"));
            let col = t.col(&column);
            t.rows.iter().find(|r| r[0] == id).map(|r| r[col].clone())
        };
        assert_eq!(value(&prev.dir), Some(s("provisional")), "{id} before");
        assert_eq!(value(&summary.deliveries[idx].dir), Some(s("corrected")), "{id} after");
    }
    planted_quarter_correction(&summary, &measures);
    let (mut esc, mut reentry) = (brute::Window::default(), brute::Window::default());
    for d in summary.deliveries.iter().filter(|d| d.delivery_id == "2026Q3") {
        let delivery = Delivery::load(&d.dir);
        let o = Outcomes::new(&delivery);
        esc.merge(&o.escalation(365));
        reentry.merge(&o.reentry(730));
    }
    let t = truths(&summary);
    check(&t, "escalation_365", esc.share());
    check(&t, "reentry_730", reentry.share());
}

/// `[model.corrections.quarter]` of `proeftuinen`: the correcting delivery is the site's last
/// delivery but for the end reasons of the protection measures that ended in the quarter, which
/// that delivery showed as `unknown`; every changed end reason is one of `measures` (the
/// `[[corrections]]` of table `measures`).
fn planted_quarter_correction(summary: &SynthSummary, measures: &[&toml::Value]) {
    let s = synth::load_scenario("proeftuinen").unwrap();
    let q = s.model.as_ref().unwrap().corrections.quarter.clone().unwrap();
    let fixed = summary.deliveries.last().unwrap();
    assert_eq!((fixed.source.as_str(), fixed.delivery_id.as_str()), (q.site.as_str(), q.delivery_id.as_str()));
    let n = summary.deliveries.len();
    let last = summary.deliveries[..n - 1].iter().rev().find(|d| d.source == q.site).unwrap();
    assert_eq!(last.delivery_id, "2026Q3");
    for table in synth::Table::ALL.iter().chain(&synth::Table::OPTIONAL).map(|t| t.name()) {
        let file = |d: &Path| std::fs::read(d.join(format!("{table}.csv"))).ok();
        if table != "measures" {
            assert!(file(&last.dir) == file(&fixed.dir), "{table}: the correcting delivery differs");
        }
    }
    let meta = std::fs::read_to_string(fixed.dir.join("delivery.toml")).unwrap();
    assert!(meta.contains("extracted_on = 2026-10-01"), "{meta}");
    let (y, n): (i32, u32) = (q.quarter[..4].parse().unwrap(), q.quarter[5..].parse().unwrap());
    let in_quarter = |d: &str| d.starts_with(&format!("{y}-")) && (d[5..7].parse::<u32>().unwrap() - 1) / 3 + 1 == n;
    let (before, after) = (brute::read(&last.dir, "measures"), brute::read(&fixed.dir, "measures"));
    let (kind, end, reason) = (before.col("kind"), before.col("end_date"), before.col("end_reason"));
    assert_eq!(before.rows.len(), after.rows.len());
    let mut changed = BTreeSet::new();
    for (b, a) in before.rows.iter().zip(&after.rows) {
        let planted = b[kind] != "youth_probation" && in_quarter(&b[end]);
        assert_eq!(b[..reason], a[..reason], "{}", b[0]);
        if planted {
            assert_eq!(b[reason], "unknown", "{}: shown unknown until the correction", b[0]);
        }
        if a != b {
            assert!(planted, "{}: changed outside the quarter", b[0]);
            changed.insert((b[0].clone(), a[reason].clone()));
        }
    }
    let listed: BTreeSet<(String, String)> = measures
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_owned(), c["corrected"].as_str().unwrap().to_owned()))
        .collect();
    assert!(changed.len() >= 2 && changed.iter().any(|c| c.1 == "goal_reached"), "{changed:?}");
    assert_eq!(changed, listed);
}

#[test]
fn a_planted_quarter_correction_names_a_site_a_quarter_and_a_delivery_id_of_its_own() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/proeftuinen.toml")).unwrap();
    for (from, to, key) in [
        ("site = \"proeftuin-kennemerland\"", "site = \"nowhere\"", "model.corrections.quarter.site"),
        ("quarter = \"2024Q3\"", "quarter = \"2024Q5\"", "model.corrections.quarter.quarter"),
        ("delivery_id = \"2026Q3-c1\"", "delivery_id = \"2026Q3\"", "model.corrections.quarter.delivery_id"),
        ("delivery_id = \"2026Q3-c1\"", "delivery_id = \"c/1\"", "model.corrections.quarter.delivery_id"),
    ] {
        assert!(text.contains(from), "{from}");
        let err = synth::parse_scenario(&text.replace(from, to), "p.toml").unwrap_err().to_string();
        assert!(err.contains("p.toml") && err.contains(key), "{to}: {err}");
    }
}

#[test]
fn intergenerational_recovers_the_transmission_factor() {
    let dir = tempfile::tempdir().unwrap();
    let summary = run("intergenerational", dir.path(), &opts(2, None));
    let d = Delivery::load(&summary.deliveries[0].dir);
    let o = Outcomes::new(&d);
    let (a, n1, c, n0) = o.transmission(true);
    eprintln!("exposed {a}/{n1}, unexposed {c}/{n0}");
    let t = truths(&summary);
    check(&t, "transmission_rr", (a as f64 / n1 as f64) / (c as f64 / n0 as f64));
    check(&t, "risk_unexposed", c as f64 / n0 as f64);
    check(&t, "risk_exposed", a as f64 / n1 as f64);
}

/// National scale, run by hand (see the closing note for figures):
/// `KOHORT_NATIONAL_OUT=/tmp/national /usr/bin/time -v target/release/deps/synth-* --ignored national --nocapture`
/// (also `KOHORT_NATIONAL_THREADS=1`, `KOHORT_NATIONAL_FORMAT=parquet`, and `KOHORT_NATIONAL_CHECK=1` to
/// recover the truths by brute force afterwards: ~1 more minute, ~3 GB).
#[test]
#[ignore = "national scale: minutes and gigabytes"]
fn national_generates_at_scale() {
    let out = std::env::var_os("KOHORT_NATIONAL_OUT")
        .map_or_else(|| std::env::temp_dir().join("kohort-national"), PathBuf::from);
    let parquet = std::env::var("KOHORT_NATIONAL_FORMAT").is_ok_and(|f| f == "parquet");
    let format = if parquet { OutputFormat::Parquet } else { OutputFormat::Csv };
    let threads = std::env::var("KOHORT_NATIONAL_THREADS").ok().and_then(|t| t.parse().ok()).unwrap_or(2);
    let o = SynthOptions { progress: true, format, ..opts(threads, None) };
    let started = std::time::Instant::now();
    let summary = run("national", &out, &o);
    let d = &summary.deliveries[0];
    let events: u64 = ["care_episodes", "measures", "safety_reports", "measurements"].iter().map(|t| d.rows[*t]).sum();
    eprintln!("national: {:?} in {:.0?}; rows {:?}; event rows {events}", d.dir, started.elapsed(), d.rows);
    assert!(d.rows["persons"] > 5_000_000, "persons: {}", d.rows["persons"]);
    if std::env::var_os("KOHORT_NATIONAL_CHECK").is_some() && format == OutputFormat::Csv {
        let delivery = Delivery::load(&d.dir);
        let o = Outcomes::new(&delivery);
        let t = truths(&summary);
        check(&t, "reentry_365", o.reentry(365).share());
        check(&t, "escalation_365", o.escalation(365).share());
        check(&t, "rereport_365", o.rereport(30, 365).share());
        check(&t, "goal_reached", o.goal_reached());
        check(&t, "out_of_home_start", o.out_of_home_start());
        check(&t, "care_share_per_year", o.care_share_per_year(2010..=2025));
    }
}

/// Writes a scenario to a folder, for looking at the data before the CLI is wired:
/// `KOHORT_SYNTH_SCENARIO=small KOHORT_SYNTH_OUT=/tmp/x target/release/deps/synth-* --ignored write_scenario`
#[test]
#[ignore = "writes to a folder given in the environment"]
fn write_scenario_from_environment() {
    let name = std::env::var("KOHORT_SYNTH_SCENARIO").unwrap_or_else(|_| "small".into());
    let out = PathBuf::from(std::env::var_os("KOHORT_SYNTH_OUT").expect("set KOHORT_SYNTH_OUT"));
    let summary = run(&name, &out, &SynthOptions { progress: true, ..opts(2, None) });
    for d in &summary.deliveries {
        eprintln!("{} {} {:?}", d.source, d.delivery_id, d.rows);
    }
}

#[test]
fn episode_municipality_is_the_residence_at_its_start() {
    let (_, summary) = small();
    let dir = &summary.deliveries[0].dir;
    let mut homes: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
    for r in brute::read(dir, "residence").rows {
        homes.entry(r[0].clone()).or_default().push((r[3].clone(), r[4].clone(), r[1].clone()));
    }
    let episodes = brute::read(dir, "care_episodes").rows;
    let mismatches = episodes
        .iter()
        .filter(|e| {
            let home = homes[&e[1]].iter().find(|(from, to, _)| *from <= e[3] && (to.is_empty() || e[3] <= *to));
            home.is_none_or(|(_, _, muni)| *muni != e[8])
        })
        .count();
    assert!(mismatches * 20 < episodes.len(), "{mismatches} of {} episodes", episodes.len());
}
