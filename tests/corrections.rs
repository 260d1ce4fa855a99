//! What a delivery does to its source: partial deliveries keep (or explicitly empty) the
//! tables they leave out; a data end in the future is refused; a wrong delivery can be
//! withdrawn, restoring the source's previous delivery; a changed delivery under a known
//! delivery id is a correction, for `kohort ingest` and for `kohort run`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::*;

const VIEWS: [&str; 9] = [
    "persons_all",
    "relations",
    "households",
    "residence",
    "care_episodes",
    "measures",
    "safety_reports",
    "measurements",
    "population",
];

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn manifest(store: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(store.join("manifest.json")).expect("manifest")).expect("json")
}

fn last_history(store: &Path) -> serde_json::Value {
    manifest(store)["history"].as_array().expect("history").last().expect("entry").clone()
}

/// Every row of every store view, by view.
fn store_rows(store: &Path) -> BTreeMap<&'static str, Vec<Vec<String>>> {
    VIEWS.iter().map(|v| (*v, query(store, &format!("SELECT * FROM {v}")))).collect()
}

/// The (person, table) pairs of the change list of the last publication.
fn last_changes(store: &Path) -> Vec<(String, String)> {
    let file = store.join(last_history(store)["changes_file"].as_str().expect("changes file"));
    let conn = duckdb::Connection::open_in_memory().expect("duckdb");
    let mut stmt = conn.prepare("SELECT person_id, table_name FROM read_parquet(?) ORDER BY 1, 2").expect("sql");
    stmt.query_map([file.to_string_lossy()], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
}

fn changes(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = pairs.iter().map(|(p, t)| (pseudo("person", p), (*t).to_owned())).collect();
    v.sort();
    v
}

/// The person conflicts the manifest and `conflicts.parquet` hold equal a regrouping of every
/// persons row of the version (independent of ingest's incremental bookkeeping).
fn assert_conflicts_right(store: &Path, want: u64) {
    let m = manifest(store);
    let vdir = store.join("v").join(format!("{:06}", m["version"].as_u64().expect("version")));
    let conn = duckdb::Connection::open_in_memory().expect("duckdb");
    let glob = vdir.join("persons/*/*.parquet").to_string_lossy().into_owned();
    let full: u64 = conn
        .query_row(
            "SELECT count(*) FROM (SELECT person_id FROM read_parquet(?) GROUP BY 1 \
             HAVING count(DISTINCT birth_date) > 1 OR count(DISTINCT sex) > 1)",
            [glob],
            |r| r.get(0),
        )
        .expect("regroup");
    assert_eq!(full, want);
    assert_eq!(m["person_conflicts"].as_u64(), Some(want));
    let file = vdir.join("conflicts.parquet");
    let listed: u64 = if file.exists() {
        conn.query_row("SELECT count(*) FROM read_parquet(?)", [file.to_string_lossy()], |r| r.get(0)).expect("count")
    } else {
        0
    };
    assert_eq!(listed, want);
}

/// Every row of every result table of the current outcome run (base and deltas), sorted.
fn outcome_rows(store: &Path) -> BTreeMap<String, Vec<Vec<String>>> {
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(store.join("results/current.json")).expect("results")).expect("json");
    let mut names: Vec<String> = run["tables"].as_object().expect("tables").keys().cloned().collect();
    if let Some(d) = run["deltas"].as_object() {
        names.extend(d.keys().cloned());
    }
    names.sort();
    names.dedup();
    names.into_iter().map(|t| (t.clone(), query(store, &format!("SELECT * FROM \"{t}\"")))).collect()
}

/// The change lists are complete: an incremental outcome run over them gives the rows a full
/// run gives.
fn assert_incremental_equals_full(store: &Path) {
    outcomes(store, &["--incremental"]);
    let incremental = outcome_rows(store);
    outcomes(store, &[]);
    assert_eq!(incremental, outcome_rows(store), "incremental and full outcome runs differ");
}

fn status_of(report: &serde_json::Value) -> BTreeMap<String, String> {
    report["table_status"]
        .as_array()
        .expect("table_status")
        .iter()
        .map(|s| {
            let from = s["from_delivery"].as_str().map(|d| format!(" {d}")).unwrap_or_default();
            (s["table"].as_str().expect("table").to_owned(), format!("{}{from}", s["status"].as_str().expect("status")))
        })
        .collect()
}

#[test]
fn a_partial_delivery_keeps_the_sources_other_tables_unless_it_asks_to_empty_them() {
    let tmp = tempfile::tempdir().expect("tmp");
    let store = tmp.path().join("s");
    let key = tmp.path();
    let a1 = write_delivery(&tmp.path().join("a1"), "prov-a", "2026Q2", "2026-07-01", &base_tables());
    assert_eq!(ingest_cmd(&a1, &store, key).output().expect("run").status.code(), Some(0));
    // A second source with the same rows, so events stay in the store whatever prov-a does.
    let c1 = write_delivery(&tmp.path().join("c1"), "prov-c", "2026Q2", "2026-07-01", &base_tables());
    assert_eq!(ingest_cmd(&c1, &store, key).output().expect("run").status.code(), Some(0));
    // Another source that disagrees on a birth date: one person conflict throughout.
    let mut vt = BTreeMap::new();
    vt.insert("persons", "person_id,birth_date,sex,death_date,emigration_date\n200000001,2010-05-21,f,,\n".to_owned());
    let vt_dir = write_delivery(&tmp.path().join("vt"), "veilig-thuis", "2026Q2", "2026-07-01", &vt);
    add_toml(&vt_dir, "tables = [\"persons\"]\n");
    assert_eq!(ingest_cmd(&vt_dir, &store, key).output().expect("run").status.code(), Some(0));
    assert_conflicts_right(&store, 1);
    let before = store_rows(&store);
    outcomes(&store, &[]);

    // prov-a delivers persons and care_episodes only, same data end, one episode corrected.
    let mut t = BTreeMap::new();
    t.insert("persons", base_tables()["persons"].clone());
    let fixed = base_tables()["care_episodes"].replace(
        "EPI-0000003,200000002,local_team,2020-03-01,2020-06-30",
        "EPI-0000003,200000002,local_team,2020-03-01,2020-07-31",
    );
    t.insert("care_episodes", fixed);
    let a2 = write_delivery(&tmp.path().join("a2"), "prov-a", "2026Q3", "2026-07-01", &t);
    add_toml(&a2, "tables = [\"persons\", \"care_episodes\"]\n");
    let out = ingest_cmd(&a2, &store, key).arg("--json").output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let mut want: BTreeMap<String, String> =
        VIEWS[1..].iter().map(|t| ((*t).to_owned(), "kept 2026Q2".to_owned())).collect();
    want.insert("persons".into(), "replaced".into());
    want.insert("care_episodes".into(), "replaced".into());
    // The optional offences and questionnaire tables: never delivered by this source.
    want.insert("offences".into(), "none".into());
    want.insert("questionnaire".into(), "none".into());
    assert_eq!(status_of(&report), want);
    let after = store_rows(&store);
    for view in VIEWS.iter().filter(|v| **v != "care_episodes") {
        assert_eq!(after[view], before[view], "{view} must be kept as it was");
    }
    assert_eq!(
        query(&store, "SELECT end_date::VARCHAR FROM care_episodes WHERE end_date > DATE '2020-07-01'"),
        vec![vec!["2020-07-31".to_owned()]]
    );
    assert_eq!(last_changes(&store), changes(&[("200000002", "care_episodes")]));
    assert_conflicts_right(&store, 1);
    assert_incremental_equals_full(&store);
    kohort::store::Store::at(&store).verify().expect("verify");

    // care_episodes alone: its person references resolve against the kept persons.
    let mut t3 = BTreeMap::new();
    t3.insert("care_episodes", t["care_episodes"].clone());
    let a3 = write_delivery(&tmp.path().join("a3"), "prov-a", "2026Q4", "2026-07-01", &t3);
    add_toml(&a3, "tables = [\"care_episodes\"]\n");
    let out = ingest_cmd(&a3, &store, key).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    let line = |t: &str| stdout.lines().find(|l| l.starts_with(&format!("{t} "))).unwrap_or_default().to_owned();
    assert!(line("persons").contains("kept (2026Q3)"), "{stdout}");
    assert!(line("residence").contains("kept (2026Q2)"), "{stdout}");
    assert!(line("care_episodes").contains("replaced"), "{stdout}");
    assert_eq!(last_history(&store)["changed_persons"], 0);
    assert_eq!(store_rows(&store), after);

    // replace_missing_tables = true: what is not delivered is emptied, and said to be.
    let mut t4 = BTreeMap::new();
    t4.insert("persons", base_tables()["persons"].clone());
    let a4 = write_delivery(&tmp.path().join("a4"), "prov-a", "2026Q5", "2026-07-01", &t4);
    add_toml(&a4, "tables = [\"persons\"]\nreplace_missing_tables = true\n");
    let out = ingest_cmd(&a4, &store, key).arg("--json").output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let mut want: BTreeMap<String, String> =
        VIEWS[1..].iter().map(|t| ((*t).to_owned(), "emptied".to_owned())).collect();
    want.insert("persons".into(), "replaced".into());
    want.insert("offences".into(), "none".into());
    want.insert("questionnaire".into(), "none".into());
    assert_eq!(status_of(&report), want);
    for view in &VIEWS[1..] {
        let sql = format!("SELECT count(*) FROM {view} WHERE source = 'prov-a'");
        assert_eq!(query(&store, &sql), vec![vec!["0".to_owned()]], "{view}");
        assert_eq!(
            query(&store, &format!("SELECT * FROM {view}")),
            before[view].iter().filter(|r| !r.contains(&"prov-a".to_owned())).cloned().collect::<Vec<_>>(),
            "{view}"
        );
    }
    // Every person with a row in an emptied table changed, in that table.
    assert_eq!(
        last_changes(&store),
        changes(&[
            ("100000009", "households"),
            ("100000009", "relations"),
            ("100000009", "residence"),
            ("100000010", "relations"),
            ("200000001", "care_episodes"),
            ("200000001", "households"),
            ("200000001", "measurements"),
            ("200000001", "measures"),
            ("200000001", "relations"),
            ("200000001", "residence"),
            ("200000001", "safety_reports"),
            ("200000002", "care_episodes"),
            ("200000002", "households"),
            ("200000002", "measurements"),
            ("200000002", "relations"),
            ("200000002", "safety_reports"),
            ("200000003", "measures"),
            ("200000003", "relations"),
        ])
    );
    assert_conflicts_right(&store, 1);
    assert_incremental_equals_full(&store);
    kohort::store::Store::at(&store).verify().expect("verify");
}

/// Copy a delivery folder, replacing text in its `delivery.toml`.
fn copy_with_toml(from: &Path, to: &Path, replace: &[(&str, &str)]) -> PathBuf {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("dir") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
    let mut toml = std::fs::read_to_string(to.join("delivery.toml")).expect("toml");
    for (a, b) in replace {
        assert!(toml.contains(a), "{toml}");
        toml = toml.replace(a, b);
    }
    std::fs::write(to.join("delivery.toml"), toml).expect("toml");
    to.to_owned()
}

/// Re-entry within 730 days as a percentage, straight from the indexes (complete windows).
fn reentry_730(store: &Path) -> String {
    query(
        store,
        "SELECT round(100.0 * count(*) FILTER (status = 'event') / count(*) FILTER (status IN ('event', 'no_event')), 2)::VARCHAR \
         FROM reentry_windows WHERE window_days = 730",
    )[0][0]
        .clone()
}

fn outcomes(store: &Path, extra: &[&str]) {
    kohort().args(["--quiet", "outcomes", "--store"]).arg(store).args(extra).assert().success();
}

#[test]
fn a_data_end_in_the_future_is_refused_and_a_wrong_delivery_is_withdrawn_to_the_store_before_it() {
    let tmp = tempfile::tempdir().expect("tmp");
    let s = kohort::synth::load_scenario("small").expect("scenario");
    let opts = kohort::synth::SynthOptions {
        format: kohort::synth::OutputFormat::Csv,
        threads: Some(2),
        progress: false,
        scale: None,
    };
    let summary = kohort::synth::generate(&s, &tmp.path().join("synth"), &opts).expect("synth");
    let d1 = summary.deliveries[0].dir.clone();
    let store = tmp.path().join("store");
    let key = tmp.path();
    ingest_cmd(&d1, &store, key).assert().code(0);
    outcomes(&store, &[]);
    assert_eq!(reentry_730(&store), "46.83");
    let windows = query(&store, "SELECT * FROM reentry_windows");
    let rows = store_rows(&store);
    let source = manifest(&store)["sources"]["jeugdmonitor"].clone();

    // The same data with a typo in the data end.
    let wrong =
        copy_with_toml(&d1, &tmp.path().join("wrong"), &[("\"2026H1\"", "\"2026H2\""), ("2026-07-01", "2099-01-01")]);
    let out = ingest_cmd(&wrong, &store, key).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("extracted_on") && err.contains("2099-01-01") && err.contains("--future-margin-days"),
        "{err}"
    );
    assert_eq!(manifest(&store)["version"], 1);

    // Let through, it poisons the store: censored indexes become "no event", and the next
    // correct delivery is refused as older.
    ingest_cmd(&wrong, &store, key).args(["--future-margin-days", "40000"]).assert().code(0);
    outcomes(&store, &[]);
    assert_eq!(reentry_730(&store), "41.12");
    let later =
        copy_with_toml(&d1, &tmp.path().join("later"), &[("\"2026H1\"", "\"2026H2b\""), ("2026-07-01", "2026-10-01")]);
    let out = ingest_cmd(&later, &store, key).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--allow-older"));

    // Withdrawn, the store holds what it held before the wrong delivery.
    let out = kohort()
        .args(["ingest", "--withdraw", "jeugdmonitor/2026H2", "--store"])
        .arg(&store)
        .arg("--key")
        .arg(key_file(key))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("2026H1"), "{}", text(&out.stdout));
    assert_eq!(store_rows(&store), rows);
    let back = &manifest(&store)["sources"]["jeugdmonitor"];
    for field in ["delivery_id", "extracted_on", "inputs", "files", "tables"] {
        assert_eq!(back[field], source[field], "{field}");
    }
    let h = last_history(&store);
    assert_eq!((h["kind"].as_str(), h["delivery_id"].as_str()), (Some("withdrawal"), Some("2026H2")));
    assert_eq!(h["restored_delivery_id"], "2026H1");
    // The change list names every person whose data end moved back: the incremental run
    // equals the first, full one.
    outcomes(&store, &["--incremental"]);
    assert_eq!(reentry_730(&store), "46.83");
    assert_eq!(query(&store, "SELECT * FROM reentry_windows"), windows);
    kohort::store::Store::at(&store).verify().expect("verify");

    // Only the current delivery can be withdrawn, and there is nothing more to go back to.
    let again =
        kohort().args(["ingest", "--withdraw", "jeugdmonitor/2026H2", "--store"]).arg(&store).output().expect("run");
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("2026H1"), "{}", text(&again.stderr));

    // The later, correct delivery is accepted now.
    ingest_cmd(&later, &store, key).assert().code(0);
    let kinds: Vec<String> = manifest(&store)["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| format!("{}:{}", h["kind"].as_str().expect("kind"), h["delivery_id"].as_str().expect("id")))
        .collect();
    assert_eq!(kinds, ["delivery:2026H1", "delivery:2026H2", "withdrawal:2026H2", "delivery:2026H2b"]);
}

#[test]
fn ingest_takes_changed_files_under_a_known_delivery_id_as_a_correction_and_identical_ones_as_nothing_new() {
    let tmp = tempfile::tempdir().expect("tmp");
    let store = tmp.path().join("s");
    let key = tmp.path();
    let a = write_delivery(&tmp.path().join("a"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    ingest_cmd(&a, &store, key).assert().code(0);
    assert_eq!(last_history(&store)["kind"], "delivery");
    // The same files again: nothing new, nothing published.
    let out = ingest_cmd(&a, &store, key).arg("--json").output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(report["published_version"].is_null(), "{report:#}");
    assert!(report["skipped"].as_str().is_some_and(|s| s.contains("same files")), "{report:#}");
    assert_eq!(manifest(&store)["version"], 1);
    // One episode corrected, same delivery id: a correction.
    let eps = std::fs::read_to_string(a.join("care_episodes.csv")).expect("eps").replace(
        "EPI-0000003,200000002,local_team,2020-03-01,2020-06-30",
        "EPI-0000003,200000002,local_team,2020-03-01,2020-07-31",
    );
    std::fs::write(a.join("care_episodes.csv"), eps).expect("write");
    let out = ingest_cmd(&a, &store, key).arg("--json").output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!((report["kind"].as_str(), report["published_version"].as_u64()), (Some("correction"), Some(2)));
    assert_eq!(report["changed_persons"], 1);
    let h = last_history(&store);
    assert_eq!((h["kind"].as_str(), h["delivery_id"].as_str()), (Some("correction"), Some("2026Q3")));
    assert_eq!(last_changes(&store), changes(&[("200000002", "care_episodes")]));
    // Withdrawing the correction goes back to the delivery as first ingested; the store keeps
    // one step back, so a second withdrawal has nothing to go back to.
    let withdraw = || {
        kohort()
            .args(["--quiet", "ingest", "--withdraw", "prov-a/2026Q3", "--store"])
            .arg(&store)
            .output()
            .expect("run")
    };
    assert_eq!(withdraw().status.code(), Some(0));
    let sql = format!(
        "SELECT end_date::VARCHAR FROM care_episodes WHERE episode_id = '{}'",
        pseudo("episode", "EPI-0000003")
    );
    assert_eq!(query(&store, &sql), vec![vec!["2020-06-30".to_owned()]]);
    assert_eq!(last_changes(&store), changes(&[("200000002", "care_episodes")]));
    let again = withdraw();
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("no longer there"), "{}", text(&again.stderr));
    // A typo fixed in delivery.toml alone is a change of the delivery too.
    add_toml(&a, "description = \"corrected\"\n");
    let out = ingest_cmd(&a, &store, key).arg("--json").output().expect("run");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["kind"], "correction", "{report:#}");
}

/// A plan over `root/store`, `root/inbox`, `root/published` without studies.
fn plan(root: &Path, key_dir: &Path) -> PathBuf {
    std::fs::create_dir_all(root.join("inbox")).expect("inbox");
    let text = format!(
        "store = \"store\"\nkey = \"{}\"\ninboxes = [\"inbox\"]\npublish = \"published\"\nlog = \"run.log\"\n",
        key_file(key_dir).display()
    );
    let path = root.join("plan.toml");
    std::fs::write(&path, text).expect("plan");
    path
}

fn run(plan: &Path) -> (Option<i32>, String) {
    let out = kohort().arg("--quiet").arg("run").arg(plan).output().expect("run");
    (out.status.code(), text(&out.stderr))
}

fn run_manifest(root: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(root.join("published/current/run_manifest.json")).expect("manifest"))
        .expect("json")
}

#[test]
fn run_ingests_a_changed_delivery_under_a_known_id_as_a_correction() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("r");
    let plan = plan(&root, tmp.path());
    let d = write_delivery(&root.join("inbox/prov-a/2026Q3"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    assert_eq!(run(&plan).0, Some(0));
    assert_eq!(run_manifest(&root)["deliveries"][0]["kind"], "delivery");
    // Corrected in place, same delivery id.
    let eps = std::fs::read_to_string(d.join("care_episodes.csv")).expect("eps").replace(
        "EPI-0000003,200000002,local_team,2020-03-01,2020-06-30",
        "EPI-0000003,200000002,local_team,2020-03-01,2020-07-31",
    );
    std::fs::write(d.join("care_episodes.csv"), eps).expect("write");
    let (code, err) = run(&plan);
    assert_eq!(code, Some(0), "{err}");
    let m = run_manifest(&root);
    assert_eq!(m["run"], "r000002", "a new run is published");
    let got = &m["deliveries"].as_array().expect("deliveries")[..];
    assert_eq!(got.len(), 1, "{m:#}");
    assert_eq!((got[0]["delivery_id"].as_str(), got[0]["kind"].as_str()), (Some("2026Q3"), Some("correction")));
    assert_eq!(got[0]["published_version"], 2);
    let store = root.join("store");
    assert_eq!(last_history(&store)["kind"], "correction");
    assert_eq!(m["outcomes"]["changed"], 1, "one person changed: {m:#}");
    assert_eq!(
        query(&store, "SELECT end_date::VARCHAR FROM care_episodes WHERE end_date > DATE '2020-07-01'"),
        vec![vec!["2020-07-31".to_owned()]]
    );
    // Nothing new after that.
    assert_eq!(run(&plan).0, Some(0));
    assert_eq!(run_manifest(&root)["run"], "r000002");
    let log = std::fs::read_to_string(root.join("run.log")).expect("log");
    assert!(log.contains("correction"), "{log}");
}

#[test]
fn run_does_not_take_a_withdrawn_delivery_again_and_re_examines_a_refusal_once_its_source_changed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("r");
    let plan = plan(&root, tmp.path());
    write_delivery(&root.join("inbox/prov-a/2026Q3"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    assert_eq!(run(&plan).0, Some(0));
    // An older delivery lands: refused (exit 4) and remembered.
    write_delivery(&root.join("inbox/prov-a/2026Q2"), "prov-a", "2026Q2", "2026-07-01", &base_tables());
    assert_eq!(run(&plan).0, Some(4));
    assert_eq!(run(&plan).0, Some(4));
    let log = std::fs::read_to_string(root.join("run.log")).expect("log");
    assert!(log.contains("still refused prov-a/2026Q2"), "{log}");
    // 2026Q3 turns out wrong and is withdrawn (it was prov-a's first delivery: prov-a goes).
    let store = root.join("store");
    kohort().args(["--quiet", "ingest", "--withdraw", "prov-a/2026Q3", "--store"]).arg(&store).assert().code(0);
    assert!(manifest(&store)["sources"]["prov-a"].is_null());
    // The next run leaves the withdrawn delivery alone and takes 2026Q2 now.
    let (code, err) = run(&plan);
    assert_eq!(code, Some(0), "{err}");
    let m = run_manifest(&root);
    let ids: Vec<&str> = m["deliveries"]
        .as_array()
        .expect("deliveries")
        .iter()
        .map(|d| d["delivery_id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["2026Q2"], "{m:#}");
    assert_eq!(manifest(&store)["sources"]["prov-a"]["delivery_id"], "2026Q2");
    assert_eq!(run(&plan).0, Some(0));
}

#[test]
fn run_compares_a_delivery_recorded_without_a_content_hash_by_the_sha256s_of_its_inputs() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("r");
    let plan = plan(&root, tmp.path());
    let d = write_delivery(&root.join("inbox/prov-a/2026Q3"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    assert_eq!(run(&plan).0, Some(0));
    // As an older kohort recorded it: no content hash in the history or the source entry.
    let path = root.join("store/manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("manifest")).expect("json");
    for h in m["history"].as_array_mut().expect("history") {
        h.as_object_mut().expect("entry").remove("content_sha256");
    }
    m["sources"]["prov-a"].as_object_mut().expect("source").remove("content_sha256");
    std::fs::write(&path, serde_json::to_vec_pretty(&m).expect("json")).expect("write");
    assert_eq!(run(&plan).0, Some(0));
    assert_eq!(run_manifest(&root)["run"], "r000001", "the same files: nothing new");
    let eps = std::fs::read_to_string(d.join("care_episodes.csv")).expect("eps").replace(
        "EPI-0000003,200000002,local_team,2020-03-01,2020-06-30",
        "EPI-0000003,200000002,local_team,2020-03-01,2020-07-31",
    );
    std::fs::write(d.join("care_episodes.csv"), eps).expect("write");
    let (code, err) = run(&plan);
    assert_eq!(code, Some(0), "{err}");
    let m = run_manifest(&root);
    assert_eq!(m["run"], "r000002");
    assert_eq!(m["deliveries"][0]["kind"], "correction", "{m:#}");
}

#[test]
fn run_records_the_tables_a_partial_delivery_kept() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("r");
    let plan = plan(&root, tmp.path());
    write_delivery(&root.join("inbox/prov-a/2026Q3"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    assert_eq!(run(&plan).0, Some(0));
    let mut t = BTreeMap::new();
    t.insert("safety_reports", base_tables()["safety_reports"].replace(",politie", ",school"));
    let d = write_delivery(&root.join("inbox/prov-a/2026Q4"), "prov-a", "2026Q4", "2026-11-01", &t);
    add_toml(&d, "tables = [\"safety_reports\"]\n");
    let (code, err) = run(&plan);
    assert_eq!(code, Some(0), "{err}");
    let m = run_manifest(&root);
    let got = &m["deliveries"][0];
    assert_eq!(got["delivery_id"], "2026Q4");
    let kept: Vec<&str> = got["kept_tables"].as_array().expect("kept").iter().map(|v| v.as_str().expect("t")).collect();
    assert_eq!(
        kept,
        VIEWS.iter().map(|v| v.trim_end_matches("_all")).filter(|v| *v != "safety_reports").collect::<Vec<_>>()
    );
    assert_eq!(
        query(&root.join("store"), "SELECT report_source FROM safety_reports WHERE report_source <> ''"),
        vec![vec!["school".to_owned()]]
    );
    let log = std::fs::read_to_string(root.join("run.log")).expect("log");
    assert!(log.contains("kept from earlier deliveries: persons, relations"), "{log}");
}

#[test]
fn run_examines_a_refused_delivery_again_once_its_files_change() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("r");
    let plan = plan(&root, tmp.path());
    let mut t = base_tables();
    let headerless: String = t["measures"].lines().skip(1).map(|l| format!("{l}\n")).collect();
    t.insert("measures", headerless);
    let d = write_delivery(&root.join("inbox/prov-a/2026Q3"), "prov-a", "2026Q3", "2026-10-01", &t);
    assert_eq!(run(&plan).0, Some(4));
    assert_eq!(run(&plan).0, Some(4));
    let log = std::fs::read_to_string(root.join("run.log")).expect("log");
    assert!(log.contains("still refused prov-a/2026Q3"), "{log}");
    std::fs::write(d.join("measures.csv"), &base_tables()["measures"]).expect("write");
    let (code, err) = run(&plan);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(run_manifest(&root)["deliveries"][0]["published_version"], 1);
    let state = std::fs::read_to_string(root.join("published/state.json")).expect("state");
    assert!(!state.contains("not a header"), "the refusal is forgotten: {state}");
}

/// A source's first delivery lists every person of every table it delivers, once per table
/// (worked out from the delivered rows, none of which is quarantined), whether the store is
/// new or already holds another source; the manifest counts those persons.
#[test]
fn a_first_delivery_lists_every_person_of_each_table_once() {
    let tmp = tempfile::tempdir().expect("tmp");
    let store = tmp.path().join("s");
    let tables = base_tables();
    let mut want = std::collections::BTreeSet::new();
    for (table, csv) in &tables {
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().expect("header").split(',').collect();
        let persons: Vec<usize> =
            (0..header.len()).filter(|&i| matches!(header[i], "person_id" | "parent_id" | "child_id")).collect();
        for line in lines {
            let fields: Vec<&str> = line.split(',').collect();
            for &i in &persons {
                want.insert((pseudo("person", fields[i]), (*table).to_owned()));
            }
        }
    }
    let persons = want.iter().map(|(p, _)| p).collect::<std::collections::BTreeSet<_>>().len();
    let want: Vec<(String, String)> = want.into_iter().collect();
    assert!(want.len() > persons && persons > 3, "several tables, several persons");
    for source in ["prov-a", "prov-c"] {
        let d = write_delivery(&tmp.path().join(source), source, "2026Q2", "2026-07-01", &tables);
        let out = ingest_cmd(&d, &store, tmp.path()).output().expect("run");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(last_changes(&store), want, "{source}");
        assert_eq!(last_history(&store)["changed_persons"].as_u64(), Some(persons as u64), "{source}");
    }
    assert_incremental_equals_full(&store);
}
