//! The delivery format's additions of issue 16 (schema version 3): the optional `programme`
//! column of `care_episodes` and the optional `questionnaire` table (docs/definitions.md §2.4,
//! §2.6). Every expected figure is worked out here from the delivered rows written in the test
//! (or, for `proeftuinen`, counted from the synthesised CSV files), never from kohort's SQL.
//!
//! - A delivery without the column and the table ingests as before: the same stored rows, an
//!   empty `programme`, no answers; a store written before schema version 3 (care episode files
//!   without the column, no questionnaire folder) reads the same way.
//! - Bad programme codes and bad questionnaire rows are quarantined under the right rule and
//!   column, and read = accepted + quarantined per table.
//! - `kohort schema` documents both.
//! - `proeftuinen` plants a share of high trust that differs between Groningen and the other
//!   sites; the store holds every answer of the latest deliveries and the shares are recovered.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::*;

/// An ingested delivery.
struct Ingested {
    _tmp: tempfile::TempDir,
    store: PathBuf,
    /// (table, row, rule, column).
    quarantine: Vec<(String, u64, String, String)>,
    stdout: String,
    code: i32,
}

fn ingest(tables: &BTreeMap<&'static str, String>) -> Ingested {
    let tmp = tempfile::tempdir().expect("tmp");
    let delivery = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", tables);
    let store = tmp.path().join("store");
    let out = ingest_cmd(&delivery, &store, tmp.path())
        .arg("--quarantine")
        .arg(tmp.path().join("q"))
        .args(["--max-reject-rate", "1"])
        .output()
        .expect("run");
    let code = out.status.code().unwrap_or(-1);
    assert!(code == 0 || code == 1, "ingest failed: {}", String::from_utf8_lossy(&out.stderr));
    let q = tmp.path().join("q");
    let quarantine = if q.exists() { quarantine(&q) } else { Vec::new() };
    Ingested { store, quarantine, code, stdout: String::from_utf8_lossy(&out.stdout).into_owned(), _tmp: tmp }
}

/// The report's line of `table`: (read, accepted, quarantined, status).
fn counts(stdout: &str, table: &str) -> (String, String, String, String) {
    let line = stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(table))
        .unwrap_or_else(|| panic!("no line for {table} in\n{stdout}"));
    let f: Vec<&str> = line.split_whitespace().collect();
    (f[1].to_owned(), f[2].to_owned(), f[3].to_owned(), f[4].to_owned())
}

fn strs(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|r| r.iter().map(|c| (*c).to_owned()).collect()).collect()
}

#[test]
fn a_delivery_without_programme_or_questionnaire_stores_its_rows_with_an_empty_programme_and_no_answers() {
    let tables = base_tables();
    let run = ingest(&tables);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.quarantine.is_empty());
    crate::ingest::assert_store_equals(&run.store, &tables, &[]);
    assert_eq!(query(&run.store, "SELECT count(*), count(programme) FROM care_episodes"), strs(&[&["3", "0"]]));
    assert_eq!(query(&run.store, "SELECT count(*) FROM questionnaire"), strs(&[&["0"]]));
    assert_eq!(counts(&run.stdout, "questionnaire").3, "none");
    assert_eq!(counts(&run.stdout, "care_episodes"), ("3".into(), "3".into(), "0".into(), "replaced".into()));
}

#[test]
fn a_store_of_schema_version_2_reads_an_empty_programme_and_no_questionnaire() {
    // A version 2 store: care episode files without `programme`, no questionnaire folder. Made
    // here by rewriting the files of a fresh store without the column.
    let run = ingest(&base_tables());
    let vdir = run.store.join("v/000001");
    std::fs::remove_dir_all(vdir.join("questionnaire")).unwrap();
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let mut files = Vec::new();
    let mut stack = vec![vdir.join("care_episodes")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { stack.push(p) } else { files.push(p) }
        }
    }
    assert_eq!(files.len(), 17, "the schema file and 16 buckets");
    for f in files {
        let tmp = f.with_extension("old");
        std::fs::rename(&f, &tmp).unwrap();
        let (from, to) = (tmp.display().to_string(), f.display().to_string());
        conn.execute_batch(&format!(
            "COPY (SELECT * EXCLUDE (programme) FROM read_parquet('{from}')) TO '{to}' (FORMAT parquet)"
        ))
        .unwrap();
        std::fs::remove_file(&tmp).unwrap();
    }
    let cols = query(&run.store, "SELECT count(*) FROM read_parquet('care_episodes/*/*.parquet') LIMIT 1");
    assert_eq!(cols, strs(&[&["3"]]));
    assert_eq!(query(&run.store, "SELECT count(*), count(programme) FROM care_episodes"), strs(&[&["3", "0"]]));
    assert_eq!(query(&run.store, "SELECT count(*) FROM questionnaire"), strs(&[&["0"]]));
}

/// The base care episodes with a `programme` column, then the rows given.
fn with_programmes(rows: &[(&str, &str)]) -> BTreeMap<&'static str, String> {
    let mut tables = base_tables();
    let mut text = String::new();
    for (i, line) in tables["care_episodes"].lines().enumerate() {
        let programme = if i == 0 { "programme" } else { rows.get(i - 1).map_or("", |r| r.1) };
        text.push_str(&format!("{line},{programme}\n"));
    }
    for (episode, programme) in rows.iter().skip(3) {
        text.push_str(&format!(
            "{episode},200000002,ambulant,2021-01-01,2021-03-01,planned,PROV-00001,,GM0014,{programme}\n"
        ));
    }
    tables.insert("care_episodes", text);
    tables
}

#[test]
fn programme_codes_are_stored_as_delivered_and_a_number_or_a_malformed_code_is_quarantined() {
    let longest = format!("A{}", "b".repeat(31));
    let too_long = format!("A{}", "b".repeat(32));
    let rows = [
        ("EPI-0000001", "GK01"),
        ("EPI-0000002", ""),
        ("EPI-0000003", "MST-2.a_x"),
        ("EPI-0000004", longest.as_str()),
        // Rows 5-9 break bad_format: a citizen-number-like value, a space, 33 characters, a
        // code not starting with a letter, a non-ASCII letter.
        ("EPI-0000005", "123456782"),
        ("EPI-0000006", "GK 01"),
        ("EPI-0000007", too_long.as_str()),
        ("EPI-0000008", "_GK01"),
        ("EPI-0000009", "GKé1"),
    ];
    let tables = with_programmes(&rows);
    let run = ingest(&tables);
    let want: Vec<_> =
        (5..=9).map(|r| ("care_episodes".to_owned(), r, "bad_format".to_owned(), "programme".to_owned())).collect();
    assert_eq!(run.quarantine, want, "{}", run.stdout);
    assert_eq!(run.code, 1);
    // read = accepted + quarantined: 9 = 4 + 5.
    assert_eq!(counts(&run.stdout, "care_episodes"), ("9".into(), "4".into(), "5".into(), "replaced".into()));
    assert!(!run.stdout.contains("123456782"), "the report never repeats a delivered value");
    let got = query(&run.store, "SELECT episode_id, coalesce(programme, '-') FROM care_episodes ORDER BY 1");
    let mut want: Vec<Vec<String>> = rows[..4]
        .iter()
        .map(|(e, p)| vec![pseudo("episode", e), if p.is_empty() { "-".into() } else { (*p).to_owned() }])
        .collect();
    want.sort();
    assert_eq!(got, want);
}

/// The base tables with a questionnaire (header and the rows given).
fn with_questionnaire(rows: &[&str]) -> BTreeMap<&'static str, String> {
    let mut tables = base_tables();
    let mut text = "household_id,answer_date,item,score,respondent\n".to_owned();
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    tables.insert("questionnaire", text);
    tables
}

#[test]
fn questionnaire_rows_out_of_range_unknown_item_unknown_household_duplicate_or_late_are_quarantined() {
    let rows = [
        "HH-0000001,2025-02-15,trust,4,parent",
        "HH-0000001,2025-02-15,involvement,5,",
        "HH-0000001,2025-05-15,trust,1,child",
        "HH-0000001,2025-05-15,involvement,6,parent",
        "HH-0000001,2025-08-15,trust,0,parent",
        "HH-0000001,2025-08-15,safety,3,parent",
        "HH-0009999,2025-08-15,trust,3,parent",
        "HH-0000001,2025-02-15,trust,2,parent",
        "HH-0000001,2026-11-15,trust,3,parent",
        "HH-0000001,2025-08-15,trust,x,parent",
        "HH-0000001,2025-08-15,involvement,3,neighbour",
    ];
    let run = ingest(&with_questionnaire(&rows));
    let q = |row: u64, rule: &str, column: &str| ("questionnaire".to_owned(), row, rule.to_owned(), column.to_owned());
    let want = vec![
        q(4, "bad_format", "score"),
        q(5, "bad_format", "score"),
        q(6, "unknown_code", "item"),
        q(7, "dangling_reference", "household_id"),
        q(8, "duplicate_id", "household_id,item,answer_date"),
        q(9, "after_extracted_on", "answer_date"),
        q(10, "unparsable", "score"),
        q(11, "unknown_code", "respondent"),
    ];
    assert_eq!(run.quarantine, want, "{}", run.stdout);
    // read = accepted + quarantined: 11 = 3 + 8.
    assert_eq!(counts(&run.stdout, "questionnaire"), ("11".into(), "3".into(), "8".into(), "replaced".into()));
    let h = pseudo("household", "HH-0000001");
    let got = query(
        &run.store,
        "SELECT household_id, answer_date::VARCHAR, item, score::VARCHAR, coalesce(respondent, '-'), source
         FROM questionnaire ORDER BY answer_date, item",
    );
    let want = strs(&[
        &[&h, "2025-02-15", "involvement", "5", "-", "prov-a"],
        &[&h, "2025-02-15", "trust", "4", "parent", "prov-a"],
        &[&h, "2025-05-15", "trust", "1", "child", "prov-a"],
    ]);
    assert_eq!(got, want);
    // The household is pseudonymised like the households table's: the answers join it.
    let joined = query(
        &run.store,
        "SELECT count(*) FROM questionnaire q WHERE q.household_id IN (SELECT household_id FROM households)",
    );
    assert_eq!(joined, strs(&[&["3"]]));
}

#[test]
fn schema_documents_the_programme_column_and_the_questionnaire_table() {
    let out = kohort().arg("schema").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("schema version 3"), "{text}");
    assert!(text.contains("| programme | label | a letter, then up to 31 letters, digits, _ - . |"), "{text}");
    assert!(text.contains("## `questionnaire`"), "{text}");
    assert!(text.contains("| **score** | int | 1 to 5 |"), "{text}");
    assert!(text.contains("| **item** | code | trust, involvement |"), "{text}");
    assert!(text.contains("| **household_id** | id | pseudonymised at ingest | households |"), "{text}");
}

/// (answers, high answers) per (site, item), counted from the latest delivery's CSV of each site.
fn csv_shares(synth: &Path) -> BTreeMap<(String, String), (u64, u64)> {
    let mut out: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    for site in std::fs::read_dir(synth).unwrap() {
        let site = site.unwrap().path();
        if !site.is_dir() {
            continue;
        }
        let name = site.file_name().unwrap().to_string_lossy().into_owned();
        let file = site.join("2026Q3/questionnaire.csv");
        let mut r = csv::Reader::from_path(&file).unwrap();
        for rec in r.records() {
            let rec = rec.unwrap();
            let score: u64 = rec[3].parse().unwrap();
            assert!((1..=5).contains(&score));
            let e = out.entry((name.clone(), rec[2].to_owned())).or_default();
            e.0 += 1;
            e.1 += u64::from(score >= 4);
        }
    }
    out
}

#[test]
fn proeftuinen_plants_a_share_of_high_trust_that_differs_between_sites_and_the_store_recovers_it() {
    let (tmp, store) = scenario_store_latest("proeftuinen");
    let scenario = kohort::synth::load_scenario("proeftuinen").unwrap();
    let csv = csv_shares(&tmp.path().join("synth"));
    assert_eq!(csv.len(), 22, "11 sites x 2 items");
    // The store holds every delivered answer (no quarantine): the same counts per site and item.
    let got: BTreeMap<(String, String), (u64, u64)> = query(
        &store,
        "SELECT source, item, count(*)::VARCHAR, count(*) FILTER (WHERE score >= 4)::VARCHAR FROM questionnaire GROUP BY ALL",
    )
    .into_iter()
    .map(|r| ((r[0].clone(), r[1].clone()), (r[2].parse().unwrap(), r[3].parse().unwrap())))
    .collect();
    assert_eq!(got, csv);
    let pooled = |pick: &dyn Fn(&str, &str) -> bool| {
        let (n, h) = got.iter().filter(|(k, _)| pick(&k.0, &k.1)).fold((0, 0), |a, (_, v)| (a.0 + v.0, a.1 + v.1));
        #[allow(clippy::cast_precision_loss)]
        (h as f64 / n as f64, n)
    };
    let truth = |k: &str| (scenario.expected[k].value, scenario.expected[k].tolerance);
    let checks = [
        ("trust_high_groningen", pooled(&|s, i| s == "proeftuin-groningen" && i == "trust")),
        ("trust_high_other_sites", pooled(&|s, i| s != "proeftuin-groningen" && i == "trust")),
        ("involvement_high", pooled(&|_, i| i == "involvement")),
    ];
    for (key, (share, n)) in checks {
        let (value, tolerance) = truth(key);
        eprintln!("{key}: {share:.3} of {n} answers (planted {value} ± {tolerance})");
        assert!(n > 400, "{key}: {n} answers, too few");
        assert!((share - value).abs() <= tolerance, "{key}: {share:.3}, planted {value} ± {tolerance}");
    }
}
