//! Ingest: every validation rule with a crafted bad row, the good rows around it loaded
//! unchanged (values compared), the round trip, precedence, and the clear errors.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::*;

/// How a delivered column is stored, worked out by hand (independent of `data-schema/`).
#[derive(Clone, Copy)]
enum Expect {
    Same,
    Id(&'static str),
    Birth,
    CareForm,
    CareEnd,
}

fn spec(table: &str) -> Vec<(&'static str, Expect)> {
    use Expect::*;
    match table {
        "persons" => vec![
            ("person_id", Id("person")),
            ("birth_date", Birth),
            ("sex", Same),
            ("death_date", Same),
            ("emigration_date", Same),
        ],
        "relations" => vec![
            ("parent_id", Id("person")),
            ("child_id", Id("person")),
            ("kind", Same),
            ("valid_from", Same),
            ("valid_to", Same),
        ],
        "households" => vec![
            ("household_id", Id("household")),
            ("person_id", Id("person")),
            ("role", Same),
            ("valid_from", Same),
            ("valid_to", Same),
        ],
        "residence" => vec![
            ("person_id", Id("person")),
            ("municipality", Same),
            ("district", Same),
            ("valid_from", Same),
            ("valid_to", Same),
        ],
        "care_episodes" => vec![
            ("episode_id", Id("episode")),
            ("person_id", Id("person")),
            ("care_form", CareForm),
            ("start_date", Same),
            ("end_date", Same),
            ("end_reason", CareEnd),
            ("provider_id", Id("provider")),
            ("referrer", Same),
            ("municipality", Same),
        ],
        "measures" => vec![
            ("measure_id", Id("measure")),
            ("person_id", Id("person")),
            ("kind", Same),
            ("start_date", Same),
            ("end_date", Same),
            ("end_reason", Same),
        ],
        "safety_reports" => vec![
            ("report_id", Id("report")),
            ("person_id", Id("person")),
            ("household_id", Id("household")),
            ("report_date", Same),
            ("kind", Same),
            ("source", Same),
        ],
        "measurements" => vec![
            ("measurement_id", Id("measurement")),
            ("person_id", Id("person")),
            ("episode_id", Id("episode")),
            ("instrument", Same),
            ("moment", Same),
            ("date", Same),
            ("value", Same),
        ],
        "population" => vec![("year", Same), ("municipality", Same), ("age", Same), ("sex", Same), ("count", Same)],
        _ => panic!("unknown table {table}"),
    }
}

/// The rows a delivered CSV text must give in the store, skipping the given data rows.
fn expected_rows(table: &str, csv_text: &str, skip: &[u64]) -> Vec<Vec<String>> {
    let spec = spec(table);
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(csv_text.as_bytes());
    let mut out = Vec::new();
    for (i, rec) in r.byte_records().enumerate() {
        let rec = rec.expect("record");
        if skip.contains(&(i as u64 + 1)) {
            continue;
        }
        let mut row = Vec::new();
        let mut precision = None;
        for (j, (_, how)) in spec.iter().enumerate() {
            let v = String::from_utf8_lossy(rec.get(j).unwrap_or(b"")).into_owned();
            let stored = match *how {
                _ if v.is_empty() => String::new(),
                Expect::Same => v,
                Expect::Id(domain) => pseudo(domain, &v),
                Expect::Birth if v.len() == 7 => {
                    precision = Some("month");
                    format!("{v}-15")
                }
                Expect::Birth => {
                    precision = Some("day");
                    v
                }
                Expect::CareForm => match v.as_str() {
                    "31" => "local_team",
                    "32" => "ambulant",
                    "33" => "day_treatment",
                    "34" => "network",
                    "35" => "foster_care",
                    "36" => "family_home",
                    "37" => "secure",
                    "38" => "residential",
                    other => other,
                }
                .to_owned(),
                Expect::CareEnd => match v.as_str() {
                    "01" => "planned",
                    "02" => "early_mutual",
                    "03" => "early_client",
                    "04" => "early_provider",
                    "05" => "external",
                    other => other,
                }
                .to_owned(),
            };
            row.push(stored);
        }
        if let Some(p) = precision {
            row.push(p.to_owned());
        }
        out.push(row);
    }
    out.sort();
    out
}

fn select_sql(table: &str) -> String {
    let mut cols: Vec<&str> = spec(table).iter().map(|(c, _)| *c).collect();
    if table == "persons" {
        cols.push("birth_date_precision");
    }
    let view = if table == "persons" { "persons_all" } else { table };
    // The delivered `source` of a safety report is `report_source` in the store (schema
    // version 2); `source` there is the delivering source.
    let cols: Vec<&str> = cols
        .into_iter()
        .map(|c| if table == "safety_reports" && c == "source" { "report_source" } else { c })
        .collect();
    format!("SELECT {} FROM {view}", cols.join(", "))
}

/// Every table in the store equals its delivered text, minus the quarantined rows.
pub(crate) fn assert_store_equals(
    store: &Path,
    tables: &BTreeMap<&str, String>,
    quarantined: &[(String, u64, String, String)],
) {
    for (table, text) in tables {
        let skip: Vec<u64> = quarantined.iter().filter(|q| q.0 == *table).map(|q| q.1).collect();
        let want = expected_rows(table, text, &skip);
        let got = query(store, &select_sql(table));
        assert_eq!(got, want, "table {table}: stored values differ from the delivery");
    }
}

struct Run {
    _tmp: tempfile::TempDir,
    store: std::path::PathBuf,
    quarantine: Vec<(String, u64, String, String)>,
    code: i32,
    stdout: String,
}

fn ingest_tables(tables: &BTreeMap<&'static str, String>) -> Run {
    let tmp = tempfile::tempdir().expect("tmp");
    let delivery = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", tables);
    let store = tmp.path().join("store");
    let out = kohort()
        .args(["ingest"])
        .arg(&delivery)
        .arg("--store")
        .arg(&store)
        .arg("--key")
        .arg(key_file(tmp.path()))
        .args(["--quarantine"])
        .arg(tmp.path().join("q"))
        // One bad row in these small tables is more than the default 5% of a table.
        .args(["--max-reject-rate", "1"])
        .output()
        .expect("run");
    let code = out.status.code().unwrap_or(-1);
    assert!(code == 0 || code == 1, "ingest failed: {}", String::from_utf8_lossy(&out.stderr));
    let quarantine =
        if tmp.path().join("q").exists() { crate::common::quarantine(&tmp.path().join("q")) } else { Vec::new() };
    Run { store, quarantine, code, stdout: String::from_utf8_lossy(&out.stdout).into_owned(), _tmp: tmp }
}

/// Ingest base + one bad row; the row is quarantined under `rule` and nothing else is.
fn assert_rule(table: &'static str, line: &str, rule: &str, column: &str) {
    let tables = with_row(table, line);
    let run = ingest_tables(&tables);
    let row = tables[table].lines().count() as u64 - 1;
    assert_eq!(run.quarantine, vec![(table.to_owned(), row, rule.to_owned(), column.to_owned())], "{}", run.stdout);
    assert_eq!(run.code, 1, "quarantined rows give exit code 1");
    assert_store_equals(&run.store, &tables, &run.quarantine);
}

#[test]
fn clean_delivery_round_trips_with_pseudonyms_and_exit_0() {
    let tables = base_tables();
    let run = ingest_tables(&tables);
    assert!(run.quarantine.is_empty());
    assert_eq!(run.code, 0);
    assert_store_equals(&run.store, &tables, &[]);
}

#[test]
fn rule_wrong_column_count() {
    assert_rule("persons", "400000001,2000-01-01", "wrong_column_count", "");
}

#[test]
fn rule_malformed_utf8_raw_bytes() {
    let mut tables = base_tables();
    let mut bytes = tables["care_episodes"].clone().into_bytes();
    bytes.extend_from_slice(b"EPI-0000009,200000001,ambulant,2019-02-01,,,PROV-00001,huis\xffarts,GM0014\n");
    // Store the invalid bytes through a lossless path: write the file ourselves.
    let tmp = tempfile::tempdir().expect("tmp");
    let delivery = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &tables);
    std::fs::write(delivery.join("care_episodes.csv"), &bytes).expect("write");
    let store = tmp.path().join("store");
    let out = ingest_cmd(&delivery, &store, tmp.path())
        .arg("--quarantine")
        .arg(tmp.path().join("q"))
        .args(["--max-reject-rate", "1"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let q = crate::common::quarantine(&tmp.path().join("q"));
    assert_eq!(q, vec![("care_episodes".to_owned(), 4, "malformed_utf8".to_owned(), "referrer".to_owned())]);
    tables.remove("care_episodes");
    assert_store_equals(&store, &tables, &[]);
}

#[test]
fn rule_missing_value() {
    assert_rule("persons", "400000001,2000-01-01,,,", "missing_value", "sex");
}

#[test]
fn rule_unparsable_date_and_number() {
    assert_rule("care_episodes", "EPI-0000009,200000001,ambulant,2019-02-30,,,,,", "unparsable", "start_date");
    assert_rule("measurements", "MS-00000009,200000001,,sdq_total,start,2020-03-01,seventeen", "unparsable", "value");
}

#[test]
fn rule_unknown_code_is_case_sensitive() {
    assert_rule("persons", "400000001,2000-01-01,M,,", "unknown_code", "sex");
    assert_rule("care_episodes", "EPI-0000009,200000001,39,2019-02-01,,,,,", "unknown_code", "care_form");
}

#[test]
fn rule_bad_format() {
    assert_rule("residence", "200000002,GM14,,2013-01-01,", "bad_format", "municipality");
    assert_rule("residence", "200000002,GM0014,WK0014,2013-01-01,", "bad_format", "district");
}

#[test]
fn rule_end_before_start() {
    assert_rule("measures", "MAT-0000009,200000001,ots,2022-01-05,2021-01-04,", "end_before_start", "end_date");
}

#[test]
fn rule_duplicate_id_keeps_the_first_row() {
    assert_rule("care_episodes", "EPI-0000001,200000002,secure,2021-02-01,,,,,", "duplicate_id", "episode_id");
    assert_rule("relations", "100000009,200000002,biological,2013-01-01,", "duplicate_id", "parent_id,child_id,kind");
}

#[test]
fn rule_dangling_reference() {
    assert_rule("care_episodes", "EPI-0000009,999999990,ambulant,2019-02-01,,,,,", "dangling_reference", "person_id");
    assert_rule(
        "measurements",
        "MS-00000009,200000001,EPI-9999999,sdq_total,end,2020-03-01,3",
        "dangling_reference",
        "episode_id",
    );
    assert_rule(
        "safety_reports",
        "VT-00000009,200000001,HH-9999999,2019-03-01,other,",
        "dangling_reference",
        "household_id",
    );
}

#[test]
fn a_row_referring_to_a_quarantined_row_is_dangling() {
    let mut tables = with_row("care_episodes", "EPI-0000009,200000001,ambulant,2019-02-30,,,,,");
    tables
        .get_mut("measurements")
        .expect("table")
        .push_str("MS-00000009,200000001,EPI-0000009,sdq_total,end,2020-03-01,3\n");
    let run = ingest_tables(&tables);
    let mut q = run.quarantine.clone();
    q.sort();
    assert_eq!(
        q,
        vec![
            ("care_episodes".into(), 4, "unparsable".into(), "start_date".into()),
            ("measurements".into(), 4, "dangling_reference".into(), "episode_id".into()),
        ]
    );
    assert_store_equals(&run.store, &tables, &run.quarantine);
}

#[test]
fn rule_own_ancestor_quarantines_every_relation_on_the_cycle() {
    // 200000001 becomes the parent of their own mother: both links of the cycle go.
    let tables = with_row("relations", "200000001,100000009,legal,,");
    let run = ingest_tables(&tables);
    let mut q = run.quarantine.clone();
    q.sort();
    assert_eq!(
        q,
        vec![
            ("relations".into(), 1, "own_ancestor".into(), "parent_id".into()),
            ("relations".into(), 5, "own_ancestor".into(), "parent_id".into())
        ]
    );
    assert_store_equals(&run.store, &tables, &run.quarantine);
    // A self-loop alone.
    assert_rule("relations", "200000002,200000002,legal,,", "own_ancestor", "parent_id");
}

#[test]
fn rule_after_extracted_on() {
    assert_rule("safety_reports", "VT-00000009,200000001,,2026-10-02,other,", "after_extracted_on", "report_date");
    assert_rule("persons", "400000001,2026-11-01,f,,", "after_extracted_on", "birth_date");
}

#[test]
fn rule_before_birth_uses_the_fifteenth_for_month_births() {
    assert_rule(
        "care_episodes",
        "EPI-0000009,200000001,ambulant,2009-01-01,2010-06-01,,,,",
        "before_birth",
        "start_date",
    );
    // 200000002 is born 2012-11 (taken as 2012-11-15): the 14th is before birth.
    assert_rule("safety_reports", "VT-00000009,200000002,,2012-11-14,other,", "before_birth", "report_date");
}

#[test]
fn rule_after_death() {
    assert_rule("measures", "MAT-0000009,200000003,ots,2024-01-05,2024-07-01,", "after_death", "end_date");
}

#[test]
fn one_rule_per_row_the_first_in_precedence_order() {
    // Missing value beats unknown code; unparsable beats unknown code; duplicate beats dangling.
    assert_rule("persons", "400000001,,M,,", "missing_value", "birth_date");
    assert_rule("care_episodes", "EPI-0000009,200000001,heavy,2019-02-30,,,,,", "unparsable", "start_date");
    assert_rule("care_episodes", "EPI-0000001,999999990,ambulant,2019-02-01,,,,,", "duplicate_id", "episode_id");
    // After extracted_on comes before before-birth.
    assert_rule(
        "care_episodes",
        "EPI-0000009,200000001,ambulant,2009-01-01,2027-01-01,,,,",
        "after_extracted_on",
        "end_date",
    );
}

#[test]
fn events_after_emigration_are_valid() {
    let tables = with_row("safety_reports", "VT-00000009,300000001,,2021-01-01,other,");
    let run = ingest_tables(&tables);
    assert!(run.quarantine.is_empty());
    assert_store_equals(&run.store, &tables, &[]);
}

#[test]
fn report_reconciles_read_accepted_quarantined_per_table() {
    let mut tables = with_row("persons", "400000001,2000-01-01,M,,");
    tables.get_mut("care_episodes").expect("t").push_str("EPI-0000009,999999990,ambulant,2019-02-01,,,,,\n");
    let tmp = tempfile::tempdir().expect("tmp");
    let delivery = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &tables);
    let out = kohort()
        .arg("ingest")
        .arg(&delivery)
        .arg("--store")
        .arg(tmp.path().join("s"))
        .arg("--key")
        .arg(key_file(tmp.path()))
        .arg("--json")
        .args(["--max-reject-rate", "1"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let mut total_q = 0;
    for entry in report["tables"].as_array().expect("tables") {
        let (name, c) = (entry[0].as_str().expect("name"), &entry[1]);
        let (read, acc, q) =
            (c["read"].as_u64().unwrap(), c["accepted"].as_u64().unwrap(), c["quarantined"].as_u64().unwrap());
        assert_eq!(read, acc + q, "{name}");
        let by_rule: u64 = c["by_rule"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
        assert_eq!(by_rule, q, "{name}");
        let delivered = tables[name].lines().count() as u64 - 1;
        assert_eq!(read, delivered, "{name}");
        total_q += q;
    }
    assert_eq!(total_q, 2);
    assert_eq!(report["tables"][0][1]["by_rule"]["unknown_code"], 1);
}

#[test]
fn semicolon_delimiter() {
    let tables: BTreeMap<&str, String> = base_tables().into_iter().map(|(k, v)| (k, v.replace(',', ";"))).collect();
    let tmp = tempfile::tempdir().expect("tmp");
    let delivery = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &tables);
    let store = tmp.path().join("s");
    ingest_cmd(&delivery, &store, tmp.path()).args(["--delimiter", ";"]).assert().code(0);
    assert_store_equals(&store, &base_tables(), &[]);
}

#[test]
fn parquet_delivery_gives_the_same_store_as_csv() {
    let tmp = tempfile::tempdir().expect("tmp");
    let csv_dir = write_delivery(&tmp.path().join("csv"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    let pq_dir = tmp.path().join("pq");
    std::fs::create_dir_all(&pq_dir).unwrap();
    std::fs::copy(csv_dir.join("delivery.toml"), pq_dir.join("delivery.toml")).unwrap();
    let conn = duckdb::Connection::open_in_memory().unwrap();
    for name in base_tables().keys() {
        // all_varchar keeps the delivered text exactly (e.g. the month birth date, code 03).
        conn.execute(
            "COPY (SELECT * FROM read_csv(?, all_varchar = true)) TO 'placeholder' (FORMAT parquet)"
                .replace("'placeholder'", &format!("'{}'", pq_dir.join(format!("{name}.parquet")).display()))
                .as_str(),
            [csv_dir.join(format!("{name}.csv")).to_string_lossy()],
        )
        .unwrap();
    }
    let store = tmp.path().join("s");
    ingest_cmd(&pq_dir, &store, tmp.path()).assert().code(0);
    assert_store_equals(&store, &base_tables(), &[]);
}

#[test]
fn missing_file_is_an_error_naming_it_and_nothing_is_written() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut tables = base_tables();
    tables.remove("measures");
    let delivery = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &tables);
    let store = tmp.path().join("s");
    let out = ingest_cmd(&delivery, &store, tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("measures.csv"), "{err}");
    assert!(!store.exists(), "nothing may be written");
}

#[test]
fn missing_required_column_is_an_error_naming_file_and_column() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut tables = base_tables();
    tables.insert("measures", "measure_id,person_id,start_date\nMAT-1,200000001,2020-01-01\n".into());
    let delivery = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &tables);
    let store = tmp.path().join("s");
    let out = ingest_cmd(&delivery, &store, tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("measures.csv") && err.contains("'kind'"), "{err}");
    assert!(!store.exists());
}

#[test]
fn unreadable_delivery_toml_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().expect("tmp");
    let delivery = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    std::fs::write(delivery.join("delivery.toml"), "source = \"prov-a\"\nextracted_on = 2026-13-01\n").unwrap();
    let store = tmp.path().join("s");
    let out = ingest_cmd(&delivery, &store, tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("delivery.toml"));
    assert!(!store.exists());
}

#[test]
fn max_reject_rate_aborts_and_publishes_nothing() {
    // 1 of 7 persons rows (14%): the limit is per table (and the abort has exit code 4).
    let tables = with_row("persons", "400000001,2000-01-01,M,,");
    let tmp = tempfile::tempdir().expect("tmp");
    let delivery = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &tables);
    let store = tmp.path().join("s");
    let out = ingest_cmd(&delivery, &store, tmp.path()).args(["--max-reject-rate", "0.10"]).output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ABORTED"));
    assert!(!store.join("manifest.json").exists(), "nothing published");
    // Under the limit it publishes.
    ingest_cmd(&delivery, &store, tmp.path()).args(["--max-reject-rate", "0.15"]).assert().code(1);
    assert!(store.join("manifest.json").exists());
}

/// The `dirty` scenario breaks every rule at known rows: ingest quarantines exactly those
/// rows, under exactly those rules, no more, no fewer; the report reconciles.
#[test]
fn dirty_scenario_quarantines_exactly_the_planted_rows() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("synth");
    let scenario = kohort::synth::load_scenario("dirty").expect("scenario");
    let opts = kohort::synth::SynthOptions {
        format: kohort::synth::OutputFormat::Csv,
        threads: Some(2),
        progress: false,
        scale: None,
    };
    let summary = kohort::synth::generate(&scenario, &out, &opts).expect("generate");
    let defects = summary.defects_path.expect("defects file");
    let mut want: Vec<(String, u64, String)> = csv::Reader::from_path(&defects)
        .expect("defects")
        .records()
        .map(|r| {
            let r = r.expect("row");
            (r[2].to_owned(), r[3].parse().expect("row number"), r[4].to_owned())
        })
        .collect();
    want.sort();
    let rules: std::collections::BTreeSet<&str> = want.iter().map(|w| w.2.as_str()).collect();
    assert_eq!(rules.len(), 13, "every rule is planted: {rules:?}");
    let delivery = &summary.deliveries[0].dir;
    let q = tmp.path().join("q");
    let report = kohort()
        .arg("ingest")
        .arg(delivery)
        .arg("--store")
        .arg(tmp.path().join("s"))
        .arg("--key")
        .arg(key_file(tmp.path()))
        .arg("--quarantine")
        .arg(&q)
        .arg("--json")
        // Every rule is planted, in small tables: far more than 5% of some.
        .args(["--max-reject-rate", "1"])
        .output()
        .expect("run");
    assert_eq!(report.status.code(), Some(1), "{}", String::from_utf8_lossy(&report.stderr));
    let mut got: Vec<(String, u64, String)> =
        crate::common::quarantine(&q).into_iter().map(|(t, r, rule, _)| (t, r, rule)).collect();
    got.sort();
    assert_eq!(got, want);
    let json: serde_json::Value = serde_json::from_slice(&report.stdout).expect("json");
    for entry in json["tables"].as_array().expect("tables") {
        let c = &entry[1];
        assert_eq!(c["read"].as_u64(), Some(c["accepted"].as_u64().unwrap() + c["quarantined"].as_u64().unwrap()));
        let listed = want.iter().filter(|w| w.0 == entry[0].as_str().unwrap()).count() as u64;
        assert_eq!(c["quarantined"].as_u64(), Some(listed));
    }
}
