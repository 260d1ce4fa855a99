//! Youth probation (issue 20, docs/definitions.md §4.17): the optional `offences` table at the
//! door (validated, quarantined with its rule, pseudonymised, backward compatible), and the
//! `probation` family's recidivism and risk-change figures through the whole engine — on
//! `tiny` against the hand-worked section of `scenarios/tiny.expected.toml`, and against an
//! independent plain-SQL oracle (`tests/oracle/recidivism_windows.sql`) count for count.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::common::*;

const FIRST_OFFENCE_OK: &str = "OFF-0000001,200000001,2024-03-01,2024-03-20,light,halt,shoplifting\n";

fn hand() -> toml::Table {
    kohort::synth::TINY_EXPECTED.parse().unwrap()
}

fn probation(h: &toml::Table) -> &toml::Table {
    h["probation"].as_table().unwrap()
}

/// The outcome config of the hand-worked section (`[probation.config]`), with `extra` keys
/// (TOML text) added to `[probation]`.
fn config_text(extra: &str) -> String {
    let h = hand();
    let mut cfg = probation(&h)["config"].as_table().unwrap().clone();
    cfg.extend(extra.parse::<toml::Table>().unwrap());
    let mut root = toml::Table::new();
    root.insert("probation".into(), toml::Value::Table(cfg));
    toml::to_string(&root).unwrap()
}

/// Synthesise `tiny`, ingest it, and compute the outcomes under the hand file's config plus
/// `extra` (TOML lines inside `[probation]`).
fn tiny_store(extra: &str) -> (tempfile::TempDir, PathBuf) {
    let (tmp, store) = scenario_store("tiny", false);
    let cfg = tmp.path().join("probation.toml");
    std::fs::write(&cfg, config_text(extra)).unwrap();
    kohort().arg("--quiet").arg("outcomes").arg("--store").arg(&store).arg("--config").arg(&cfg).assert().success();
    (tmp, store)
}

fn tiny() -> &'static PathBuf {
    static STORE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &STORE.get_or_init(|| tiny_store("")).1
}

fn date(v: &toml::Value) -> String {
    v.as_datetime().unwrap().to_string()
}

fn status(word: &str) -> &str {
    if word == "no" { "no_event" } else { word }
}

#[test]
fn tiny_recidivism_equals_the_hand_worked_file_index_by_index() {
    let store = tiny();
    let h = hand();
    let p = probation(&h);
    let windows: Vec<i64> = p["windows"].as_array().unwrap().iter().map(|w| w.as_integer().unwrap()).collect();
    let indexes = p["indexes"].as_array().unwrap();
    let rows = query(store, "SELECT count(*) FROM recidivism");
    assert_eq!(rows[0][0], indexes.len().to_string(), "one row per hand-worked index");
    for ix in indexes {
        let ix = ix.as_table().unwrap();
        let who = ix["who"].as_str().unwrap();
        let person = pseudo("person", ix["person"].as_str().unwrap());
        let n = ix["index_no"].as_integer().unwrap();
        let at = format!("person_id = '{person}' AND index_no = {n}");
        let got = query(
            store,
            &format!(
                "SELECT index_kind, index_date::VARCHAR, fu_date::VARCHAR, fu_reason, dropped::VARCHAR FROM recidivism WHERE {at}"
            ),
        );
        let dropped = ix.get("dropped").and_then(toml::Value::as_bool).unwrap_or(false);
        let want = vec![
            ix["kind"].as_str().unwrap().to_owned(),
            date(&ix["date"]),
            date(&ix["fu"]),
            ix["fu_reason"].as_str().unwrap().to_owned(),
            dropped.to_string(),
        ];
        assert_eq!(got, vec![want], "{who} {n}");
        for variant in ["any", "serious"] {
            let v = ix[variant].as_table().unwrap();
            let got = query(
                store,
                &format!(
                    "SELECT coalesce({variant}_offence_id, ''), coalesce({variant}_offence_date::VARCHAR, ''),
                            coalesce({variant}_t_days::VARCHAR, ''), coalesce({variant}_time_days::VARCHAR, '')
                     FROM recidivism WHERE {at}"
                ),
            );
            let text = |k: &str| v.get(k).map(|x| x.as_integer().map_or_else(|| date(x), |i| i.to_string()));
            let want = vec![
                v.get("offence").map(|o| pseudo("offence", o.as_str().unwrap())).unwrap_or_default(),
                v.get("date").map(date).unwrap_or_default(),
                text("t").unwrap_or_default(),
                text("time").unwrap_or_default(),
            ];
            assert_eq!(got, vec![want], "{who} {n} {variant}");
            let statuses = query(
                store,
                &format!("SELECT window_days, status FROM recidivism_windows WHERE {at} AND variant = '{variant}'"),
            );
            let want: Vec<Vec<String>> = windows
                .iter()
                .zip(v["windows"].as_array().unwrap())
                .map(|(w, s)| vec![w.to_string(), status(s.as_str().unwrap()).to_owned()])
                .collect();
            let mut want = want;
            want.sort();
            assert_eq!(statuses, want, "{who} {n} {variant} windows");
        }
    }
}

#[test]
fn tiny_recidivism_shares_equal_the_hand_worked_file() {
    let store = tiny();
    let h = hand();
    let p = probation(&h);
    let windows: Vec<i64> = p["windows"].as_array().unwrap().iter().map(|w| w.as_integer().unwrap()).collect();
    for (kind, variants) in p["shares"].as_table().unwrap() {
        for (variant, pairs) in variants.as_table().unwrap() {
            for (w, pair) in windows.iter().zip(pairs.as_array().unwrap()) {
                let pair = pair.as_array().unwrap();
                let got = query(
                    store,
                    &format!(
                        "SELECT count(*) FILTER (WHERE status = 'event'), count(*) FILTER (WHERE status IN ('event', 'no_event'))
                         FROM recidivism_windows WHERE index_kind = '{kind}' AND variant = '{variant}' AND window_days = {w}"
                    ),
                );
                let want = vec![pair[0].as_integer().unwrap().to_string(), pair[1].as_integer().unwrap().to_string()];
                assert_eq!(got, vec![want], "{kind} {variant} {w}");
            }
        }
    }
}

#[test]
fn tiny_risk_change_equals_the_hand_worked_file() {
    let store = tiny();
    let h = hand();
    let risks = probation(&h)["risk"].as_array().unwrap();
    let got = query(
        store,
        "SELECT person_id, measure_id, instrument, start_value, end_value, round(rci, 6)::VARCHAR, change FROM risk_change",
    );
    let mut want: Vec<Vec<String>> = risks
        .iter()
        .map(|r| {
            let r = r.as_table().unwrap();
            let s = |k: &str| r[k].as_str().unwrap().to_owned();
            let f = |k: &str| r[k].as_float().unwrap().to_string();
            vec![
                pseudo("person", &s("person")),
                pseudo("measure", &s("measure")),
                s("instrument"),
                f("start"),
                f("end"),
                f("rci"),
                s("change"),
            ]
        })
        .collect();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn registration_reading_counts_an_offence_committed_before_the_index_and_registered_after() {
    let (_tmp, store) = tiny_store("new_offence = \"registration_date\"\n");
    let h = hand();
    let r = probation(&h)["registration_reading"].as_table().unwrap();
    let pim = pseudo("person", "200000172");
    let got = query(
        &store,
        &format!(
            "SELECT index_kind, index_date::VARCHAR, any_offence_id, any_offence_date::VARCHAR, any_t_days
             FROM recidivism WHERE person_id = '{pim}'"
        ),
    );
    let end = r["pim_probation_end"].as_table().unwrap();
    let first = r["pim_first_offence"].as_table().unwrap();
    let offence = |t: &toml::Table| pseudo("offence", t["offence"].as_str().unwrap());
    let mut want = vec![
        vec![
            "first_offence".to_owned(),
            date(&first["date"]),
            offence(first),
            "2025-07-20".to_owned(),
            first["t"].as_integer().unwrap().to_string(),
        ],
        vec![
            "probation_end".to_owned(),
            "2025-06-30".to_owned(),
            offence(end),
            date(&end["date"]),
            end["t"].as_integer().unwrap().to_string(),
        ],
    ];
    want.sort();
    assert_eq!(got, want);
}

/// The recidivism windows of the oracle (plain SQL over the store views) and of the engine,
/// both as (index kind, variant, window, status, count).
fn oracle_and_engine(store: &Path) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let sql =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/recidivism_windows.sql"))
            .expect("oracle");
    let oracle = query(store, &sql);
    let engine = query(
        store,
        "SELECT index_kind, variant, window_days, status, count(*) FROM recidivism_windows
         WHERE window_days IN (365, 730) GROUP BY ALL",
    );
    (oracle, engine)
}

#[test]
fn tiny_recidivism_within_1_and_2_years_equals_the_sql_oracle_count_for_count() {
    let (oracle, engine) = oracle_and_engine(tiny());
    assert_eq!(engine, oracle);
    assert!(engine.iter().any(|r| r[3] == "event") && engine.iter().any(|r| r[3] == "censored"), "{engine:?}");
}

/// A brute-force product-limit estimate from (time, event) pairs: at each distinct event
/// time, S *= 1 − d/n with n the observations with time ≥ t.
fn brute_km(obs: &[(i64, bool)]) -> Vec<(i64, usize, usize, f64)> {
    let mut times: Vec<i64> = obs.iter().map(|o| o.0).collect();
    times.sort_unstable();
    times.dedup();
    let mut s = 1.0;
    let mut out = Vec::new();
    for t in times {
        let n = obs.iter().filter(|o| o.0 >= t).count();
        let d = obs.iter().filter(|o| o.0 == t && o.1).count();
        s *= 1.0 - d as f64 / n as f64;
        out.push((t, n, d, s));
    }
    out
}

/// The KM curve of time to recidivism equals a brute-force product-limit loop over the
/// `recidivism` rows, and starts with every undropped probation end at risk (the survival
/// module's checks of the re-entry curve).
pub fn check_recidivism_km(store: &Path) {
    for (curve, prefix) in [("recidivism_km", "any"), ("recidivism_serious_km", "serious")] {
        let rows = query(
            store,
            &format!(
                "SELECT {prefix}_time_days, ({prefix}_t_days IS NOT NULL)::VARCHAR FROM recidivism
                 WHERE index_kind = 'probation_end' AND NOT dropped"
            ),
        );
        let obs: Vec<(i64, bool)> = rows.iter().map(|r| (r[0].parse().unwrap(), r[1] == "true")).collect();
        assert!(!obs.is_empty(), "{curve}: no probation ends");
        let first = query(store, &format!("SELECT at_risk FROM {curve} ORDER BY time_days LIMIT 1"));
        assert_eq!(first, vec![vec![obs.len().to_string()]], "{curve}");
        let total = query(store, &format!("SELECT sum(events) + sum(censored) FROM {curve}"));
        assert_eq!(total, vec![vec![obs.len().to_string()]], "{curve}");
        let got = query(store, &format!("SELECT time_days, at_risk, events, estimate FROM {curve}"));
        let got: BTreeMap<i64, (usize, usize, f64)> = got
            .iter()
            .map(|r| {
                (
                    r[0].parse::<f64>().unwrap() as i64,
                    (r[1].parse().unwrap(), r[2].parse().unwrap(), r[3].parse().unwrap()),
                )
            })
            .collect();
        for (t, n, d, s) in brute_km(&obs) {
            let (gn, gd, gs) = got[&t];
            assert_eq!((gn, gd), (n, d), "{curve} at {t}");
            assert!((gs - s).abs() < 1e-9, "{curve} at {t}: {gs} vs {s}");
        }
    }
}

#[test]
fn tiny_recidivism_km_agrees_with_a_brute_force_product_limit() {
    check_recidivism_km(tiny());
    // One probation end, recidivism on day 229: the curve drops to 0 there.
    let km = query(tiny(), "SELECT time_days, at_risk, events, estimate FROM recidivism_km");
    assert_eq!(km, vec![vec!["229".to_owned(), "1".to_owned(), "1".to_owned(), "0".to_owned()]]);
}

/// A delivery of the base tables plus `offences` (CSV text after the header).
fn with_offences(rows: &str) -> BTreeMap<&'static str, String> {
    let mut t = base_tables();
    t.insert(
        "offences",
        format!("offence_id,person_id,offence_date,registration_date,severity,settlement,kind\n{rows}"),
    );
    t
}

#[test]
fn bad_offence_rows_are_quarantined_with_their_rule_and_the_counts_reconcile() {
    // 200000001 born 2010-05-20; 200000003 born 2014-01-10, died 2024-06-30; data end 2026-10-01.
    let rows = [
        FIRST_OFFENCE_OK,
        "OFF-0000002,200000001,2024-05-01,2024-05-02,petty,,\n",
        "OFF-0000003,200000001,2010-01-01,2010-06-01,light,,\n",
        "OFF-0000004,999999990,2024-05-01,2024-05-02,light,,\n",
        "OFF-0000005,200000001,2024-05-01,2024-04-30,light,,\n",
        "OFF-0000006,200000001,2026-09-01,2026-10-02,light,,\n",
        "OFF-0000007,200000001,2024-05-01,2024-05-02,light,bail,\n",
        "OFF-0000001,200000001,2024-06-01,2024-06-02,light,,\n",
        "OFF-0000008,200000003,2024-06-01,2024-07-02,medium,,\n",
    ]
    .concat();
    let tables = with_offences(&rows);
    let tmp = tempfile::tempdir().unwrap();
    let delivery = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &tables);
    let store = tmp.path().join("s");
    let out = ingest_cmd(&delivery, &store, tmp.path())
        .arg("--quarantine")
        .arg(tmp.path().join("q"))
        .arg("--json")
        .args(["--max-reject-rate", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let mut q: Vec<_> = quarantine(&tmp.path().join("q"))
        .into_iter()
        .filter(|(t, ..)| t == "offences")
        .map(|(_, r, rule, _)| (r, rule))
        .collect();
    q.sort();
    let want: Vec<(u64, String)> = [
        (2, "unknown_code"),
        (3, "before_birth"),
        (4, "dangling_reference"),
        (5, "end_before_start"),
        (6, "after_extracted_on"),
        (7, "unknown_code"),
        (8, "duplicate_id"),
        (9, "after_death"),
    ]
    .into_iter()
    .map(|(r, s)| (r, s.to_owned()))
    .collect();
    assert_eq!(q, want);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let offences = report["tables"].as_array().unwrap().iter().find(|e| e[0] == "offences").unwrap();
    let c = &offences[1];
    assert_eq!((c["read"].as_u64(), c["accepted"].as_u64(), c["quarantined"].as_u64()), (Some(9), Some(1), Some(8)));
    // The accepted row, pseudonymised: no delivered id in the store.
    let stored =
        query(&store, "SELECT offence_id, person_id, offence_date::VARCHAR, severity, settlement FROM offences");
    assert_eq!(
        stored,
        vec![vec![
            pseudo("offence", "OFF-0000001"),
            pseudo("person", "200000001"),
            "2024-03-01".to_owned(),
            "light".to_owned(),
            "halt".to_owned()
        ]]
    );
    assert_no_raw_ids(&store, &["OFF-0000001", "200000001"]);
}

/// No file of the store holds any of `raw` (the quarantine lies outside it).
fn assert_no_raw_ids(store: &Path, raw: &[&str]) {
    for entry in walk(store) {
        let bytes = std::fs::read(&entry).unwrap();
        for id in raw {
            assert!(!bytes.windows(id.len()).any(|w| w == id.as_bytes()), "{id} in {}", entry.display());
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_full_delivery_without_offences_empties_the_sources_offences_and_reads_as_before() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let first =
        write_delivery(&tmp.path().join("d1"), "prov-a", "2026Q3", "2026-10-01", &with_offences(FIRST_OFFENCE_OK));
    ingest_cmd(&first, &store, tmp.path()).assert().code(0);
    assert_eq!(query(&store, "SELECT count(*) FROM offences"), vec![vec!["1".to_owned()]]);
    // The next full delivery has no offences.csv: as for any full delivery, the source's
    // offences are replaced by none; the other tables are ingested as usual.
    let second = write_delivery(&tmp.path().join("d2"), "prov-a", "2026Q4", "2026-11-01", &base_tables());
    let out = ingest_cmd(&second, &store, tmp.path()).arg("--json").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let status: Vec<(String, String)> = report["table_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["table"].as_str().unwrap().to_owned(), s["status"].as_str().unwrap().to_owned()))
        .collect();
    assert!(status.contains(&("offences".to_owned(), "emptied".to_owned())), "{status:?}");
    assert_eq!(query(&store, "SELECT count(*) FROM offences"), vec![vec!["0".to_owned()]]);
    assert_eq!(query(&store, "SELECT count(*) FROM persons"), vec![vec!["6".to_owned()]]);
    // A delivery listing its tables without offences keeps them, as for any table it leaves out.
    let third =
        write_delivery(&tmp.path().join("d3"), "prov-b", "2026Q4", "2026-11-01", &with_offences(FIRST_OFFENCE_OK));
    ingest_cmd(&third, &store, tmp.path()).assert().code(0);
    let mut listed = base_tables();
    listed.remove("population");
    let fourth = write_delivery(&tmp.path().join("d4"), "prov-b", "2027Q1", "2026-12-01", &listed);
    let toml = fourth.join("delivery.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    let names: Vec<String> = listed.keys().map(|k| format!("\"{k}\"")).collect();
    std::fs::write(&toml, format!("{text}tables = [{}]\n", names.join(", "))).unwrap();
    ingest_cmd(&fourth, &store, tmp.path()).assert().code(0);
    assert_eq!(query(&store, "SELECT count(*) FROM offences"), vec![vec!["1".to_owned()]]);
}

#[test]
fn a_store_written_before_offences_existed_reads_with_no_offences_and_takes_a_delivery_with_them() {
    // A store written by the kohort of before the offences table (commit 19cdb6a) has no
    // `offences` folder in its version: made here by ingesting and removing the folder.
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let first = write_delivery(&tmp.path().join("d1"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    ingest_cmd(&first, &store, tmp.path()).assert().code(0);
    std::fs::remove_dir_all(store.join("v/000001/offences")).unwrap();
    assert_eq!(query(&store, "SELECT count(*) FROM offences"), vec![vec!["0".to_owned()]]);
    assert_eq!(query(&store, "SELECT count(*) FROM persons"), vec![vec!["6".to_owned()]]);
    kohort().arg("outcomes").arg("--store").arg(&store).assert().code(0);
    let second =
        write_delivery(&tmp.path().join("d2"), "prov-b", "2026Q4", "2026-11-01", &with_offences(FIRST_OFFENCE_OK));
    ingest_cmd(&second, &store, tmp.path()).assert().code(0);
    assert_eq!(query(&store, "SELECT count(*) FROM offences"), vec![vec!["1".to_owned()]]);
    kohort().arg("outcomes").arg("--store").arg(&store).assert().code(0);
}

#[test]
fn a_delivery_without_offences_writes_the_store_files_it_always_wrote() {
    // tests/fixtures/small_store_v1.sha256: the SHA-256 of every file of store version 1 after
    // ingesting `small` with the kohort of before the offences table (commit 19cdb6a, the
    // fixed test key). The only new files are the empty offences and questionnaire files every
    // table has. Schema version 3 (issue 16) adds the optional `programme` column to
    // care_episodes: those files hold the same rows (tests/fixtures/small_care_episodes_v2.csv,
    // their content written by the kohort of before the column) and an empty `programme`.
    // Measurements are sorted by instrument first since issue 19: each file is checked to be in
    // that order, and its rows put back in the order of before (person, date, id) and written
    // by the store's writer give the file of before, byte for byte.
    let (tmp, store) = scenario_store("small", false);
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let want =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small_store_v1.sha256"))
            .unwrap();
    let vdir = store.join("v/000001");
    let mut got = Vec::new();
    let mut new_files = Vec::new();
    let mut care = Vec::new();
    for f in walk(&vdir) {
        let rel = format!("./{}", f.strip_prefix(&vdir).unwrap().display());
        let sha = {
            use sha2::Digest as _;
            hex::encode(sha2::Sha256::digest(std::fs::read(&f).unwrap()))
        };
        if rel.starts_with("./offences/") || rel.starts_with("./questionnaire/") {
            new_files.push(rel);
        } else if rel.starts_with("./care_episodes/") {
            let path = f.display().to_string().replace('\'', "''");
            // The rows as text without `programme`, as the fixture's were made (`kohort sql`).
            let sql = format!(
                "SELECT count(*), md5(coalesce(string_agg(x::VARCHAR, chr(10) ORDER BY x.src_row), '')) \
                 FROM (SELECT * EXCLUDE (programme) FROM read_parquet('{path}')) x"
            );
            let row = &query(&store, &sql)[0];
            let nulls = format!("SELECT count(programme) FROM read_parquet('{path}')");
            assert_eq!(query(&store, &nulls), [["0"]], "{rel}: a delivery without the column stores no programme");
            care.push(format!("{rel},{},{}", row[0], row[1]));
        } else if rel.starts_with("./measurements/b") {
            let path = f.display().to_string().replace('\'', "''");
            let order = "instrument, person_id, date, measurement_id, src_row";
            let unsorted: i64 = conn
                .query_row(
                    &format!(
                        "SELECT count(*) FROM (SELECT ({order}) < lag(({order})) OVER (ORDER BY file_row_number) AS back \
                         FROM read_parquet('{path}', file_row_number = true)) WHERE back"
                    ),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(unsorted, 0, "{rel} is sorted by {order}");
            let before = tmp.path().join("measurements-before.parquet");
            let sql = format!("SELECT * FROM read_parquet('{path}') ORDER BY person_id, date, measurement_id, src_row");
            let entry = kohort::store::write_query(&conn, &sql, &[], &before, "m", "measurements").unwrap();
            got.push(format!("{}  {rel}", entry.sha256));
        } else {
            got.push(format!("{sha}  {rel}"));
        }
    }
    got.sort();
    let mut want: Vec<String> = want.lines().filter(|l| !l.contains("./care_episodes/")).map(str::to_owned).collect();
    want.sort();
    assert_eq!(got, want);
    care.sort();
    let care_want = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small_care_episodes_v2.csv"),
    )
    .unwrap();
    let care_want: Vec<&str> = care_want.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(care, care_want, "care_episodes rows are the rows the kohort of before the programme column stored");
    new_files.sort();
    let mut expect_new = vec!["./offences/_schema/empty.parquet".to_owned()];
    expect_new.extend((0..16).map(|b| format!("./offences/b{b:02}/_empty.parquet")));
    expect_new.push("./questionnaire/_schema/empty.parquet".to_owned());
    assert_eq!(new_files, expect_new);
}

#[test]
fn schema_documents_the_offences_table_and_its_code_lists() {
    let out = kohort().arg("schema").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("## `offences`"), "{text}");
    assert!(text.contains("| **registration_date** | date |"), "{text}");
    assert!(text.contains("light, medium, serious"), "{text}");
    assert!(text.contains("halt, police_dismissal"), "{text}");
}

/// The `probation` scenario, ingested, outcomes computed with its risk instrument.
fn planted() -> &'static PathBuf {
    static STORE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &STORE
        .get_or_init(|| {
            let (tmp, store) = scenario_store("probation", false);
            let cfg = tmp.path().join("probation.toml");
            std::fs::write(&cfg, "[probation.risk_instruments]\nlij_risk = { sd = 5.0, reliability = 0.8 }\n").unwrap();
            kohort()
                .arg("--quiet")
                .arg("outcomes")
                .arg("--store")
                .arg(&store)
                .arg("--config")
                .arg(&cfg)
                .assert()
                .success();
            (tmp, store)
        })
        .1
}

#[test]
fn planted_recidivism_and_risk_change_are_recovered_within_tolerance() {
    let store = planted();
    let scenario = kohort::synth::load_scenario("probation").unwrap();
    let share = |sql: &str| -> f64 {
        let r = query(store, sql);
        r[0][0].parse::<f64>().unwrap() / r[0][1].parse::<f64>().unwrap()
    };
    let window = |variant: &str, w: i64| {
        share(&format!(
            "SELECT count(*) FILTER (WHERE status = 'event'), count(*) FILTER (WHERE status IN ('event', 'no_event'))
             FROM recidivism_windows WHERE index_kind = 'probation_end' AND variant = '{variant}' AND window_days = {w}"
        ))
    };
    let risk =
        |change: &str| share(&format!("SELECT count(*) FILTER (WHERE change = '{change}'), count(*) FROM risk_change"));
    let got = [
        ("recidivism_365", window("any", 365)),
        ("recidivism_730", window("any", 730)),
        ("serious_recidivism_730", window("serious", 730)),
        ("risk_reduced", risk("reduced")),
        ("risk_increased", risk("increased")),
    ];
    for (name, value) in got {
        let truth = &scenario.expected[name];
        assert!(
            (value - truth.value).abs() <= truth.tolerance,
            "{name}: recovered {value:.4}, planted {} ± {}",
            truth.value,
            truth.tolerance
        );
    }
    // Every offender's measure has a risk change; at least 3,000 probation ends are at risk.
    assert_eq!(query(store, "SELECT count(*) FROM risk_change"), vec![vec!["3000".to_owned()]]);
}

#[test]
fn planted_recidivism_within_1_and_2_years_equals_the_sql_oracle_count_for_count() {
    let (oracle, engine) = oracle_and_engine(planted());
    assert_eq!(engine, oracle);
    assert!(engine.iter().filter(|r| r[3] == "event").count() >= 6, "{engine:?}");
}

#[test]
fn planted_recidivism_km_agrees_with_a_brute_force_product_limit() {
    check_recidivism_km(planted());
}

/// The study's rows of one outcome: (region, variant, window) -> (count, denominator).
fn study_rows(store: &Path, dir: &Path, outcome: &str) -> BTreeMap<(String, String, String), (u64, u64)> {
    query(
        store,
        &format!(
            "SELECT region, variant, coalesce(window_days::VARCHAR, ''), count, denominator
             FROM read_parquet('{}') WHERE outcome = '{outcome}' AND split = 'total'
               AND region_level IN ('national', 'municipality')",
            dir.join("tables.parquet").display()
        ),
    )
    .into_iter()
    .map(|r| ((r[0].clone(), r[1].clone(), r[2].clone()), (r[3].parse().unwrap(), r[4].parse().unwrap())))
    .collect()
}

#[test]
fn a_monitor_study_gives_recidivism_and_risk_reduced_per_municipality_as_a_plain_sql_count_does() {
    let store = planted();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("probation_monitor.toml");
    std::fs::write(
        &file,
        "name = \"probation_monitor\"\noutcomes = [\"recidivism\", \"risk_reduced\"]\nperiods = \"all\"\n\
         splits = [\"total\"]\nregion_levels = [\"national\", \"municipality\"]\n",
    )
    .unwrap();
    kohort()
        .arg("--quiet")
        .arg("study")
        .arg(&file)
        .arg("--store")
        .arg(store)
        .arg("--out")
        .arg(tmp.path())
        .assert()
        .success();
    let dir = tmp.path().join("probation_monitor");
    // Plain SQL over the store views: every closed youth probation measure, its municipality on
    // the end date (the residence row valid that day with the latest start, else `unknown`),
    // and the first offence after the end, by offence date, within follow-up (§4.17.1–§4.17.3).
    let oracle = query(
        store,
        "WITH ends AS (
             SELECT m.person_id, m.end_date AS idx, least(p.death_date, p.emigration_date, p.extracted_on) AS fu
             FROM measures m JOIN persons p USING (person_id)
             WHERE m.kind = 'youth_probation' AND m.end_date IS NOT NULL
         ),
         placed AS (
             SELECT e.*, coalesce((SELECT r.municipality FROM residence r
                                   WHERE r.person_id = e.person_id AND r.valid_from <= e.idx
                                     AND (r.valid_to IS NULL OR e.idx <= r.valid_to)
                                   ORDER BY r.valid_from DESC LIMIT 1), 'unknown') AS muni
             FROM ends e
         ),
         firsts AS (
             SELECT p.*, v.variant, w.window_days,
                    (SELECT min(o.offence_date) FROM offences o
                     WHERE o.person_id = p.person_id AND o.offence_date > p.idx AND o.offence_date <= p.fu
                       AND (v.variant = 'any' OR o.severity = 'serious')) AS re
             FROM placed p CROSS JOIN (VALUES ('any'), ('serious')) v(variant)
             CROSS JOIN (VALUES (365), (730), (1826)) w(window_days)
         ),
         status AS (
             SELECT muni, variant, window_days,
                    CASE WHEN idx >= fu THEN 'dropped'
                         WHEN re IS NOT NULL AND re - idx <= window_days THEN 'event'
                         WHEN fu < idx + window_days THEN 'censored' ELSE 'no_event' END AS s
             FROM firsts
         )
         SELECT r, variant, window_days::VARCHAR, count(*) FILTER (WHERE s = 'event'),
                count(*) FILTER (WHERE s IN ('event', 'no_event'))
         FROM (SELECT 'NL' AS r, * FROM status UNION ALL SELECT muni, * FROM status)
         GROUP BY ALL HAVING count(*) FILTER (WHERE s IN ('event', 'no_event')) > 0",
    );
    let want: BTreeMap<(String, String, String), (u64, u64)> = oracle
        .into_iter()
        .map(|r| ((r[0].clone(), r[1].clone(), r[2].clone()), (r[3].parse().unwrap(), r[4].parse().unwrap())))
        .collect();
    let got: BTreeMap<_, _> = study_rows(store, &dir, "recidivism").into_iter().filter(|(_, (_, n))| *n > 0).collect();
    assert!(want.len() > 10, "{want:?}");
    assert_eq!(got, want);
    // Risk reduced: the categories of each municipality over the measures with a score pair.
    let risk = query(
        store,
        &format!(
            "SELECT variant, count, denominator FROM read_parquet('{}')
             WHERE outcome = 'risk_reduced' AND split = 'total' AND region = 'NL' ORDER BY variant",
            dir.join("tables.parquet").display()
        ),
    );
    let engine = query(
        store,
        "SELECT instrument || ':' || change, count(*), sum(count(*)) OVER () FROM risk_change GROUP BY ALL ORDER BY 1",
    );
    assert_eq!(risk, engine);
    assert_eq!(risk.len(), 3, "{risk:?}");
}

#[test]
fn a_store_without_offences_gives_no_recidivism_rows_in_a_study() {
    let (tmp, store) = scenario_store("small", true);
    let file = tmp.path().join("r.toml");
    std::fs::write(&file, "name = \"r\"\noutcomes = [\"recidivism\"]\nperiods = \"all\"\nsplits = [\"total\"]\n")
        .unwrap();
    kohort()
        .arg("--quiet")
        .arg("study")
        .arg(&file)
        .arg("--store")
        .arg(&store)
        .arg("--out")
        .arg(tmp.path())
        .assert()
        .success();
    // small has closed youth probation measures (indexes) but no offences: unknown, not 0 %.
    assert_ne!(
        query(&store, "SELECT count(*) FROM measures WHERE kind = 'youth_probation' AND end_date IS NOT NULL"),
        vec![vec!["0".to_owned()]]
    );
    let rows = query(
        &store,
        &format!(
            "SELECT count(*) FROM read_parquet('{}') WHERE outcome = 'recidivism' AND count > 0",
            tmp.path().join("r/tables.parquet").display()
        ),
    );
    assert_eq!(rows, vec![vec!["0".to_owned()]]);
}
