//! `kohort outcomes` on the `small` scenario: every fixed-window count equals an independent
//! plain-SQL computation over the store views (`tests/oracle/*.sql`), count for count.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::common::*;

const FOLLOWUP: &str = include_str!("oracle/followup.sql");

/// `small`, ingested, outcomes computed once for the tests of this module.
fn small_store() -> &'static PathBuf {
    static STORE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &STORE
        .get_or_init(|| {
            let tmp = tempfile::tempdir().expect("tmp");
            let scenario = kohort::synth::load_scenario("small").expect("scenario");
            let opts = kohort::synth::SynthOptions {
                format: kohort::synth::OutputFormat::Csv,
                threads: Some(2),
                progress: false,
                scale: None,
            };
            let summary = kohort::synth::generate(&scenario, &tmp.path().join("synth"), &opts).expect("synth");
            let store = tmp.path().join("store");
            for d in &summary.deliveries {
                kohort()
                    .arg("ingest")
                    .arg(&d.dir)
                    .arg("--store")
                    .arg(&store)
                    .arg("--key")
                    .arg(key_file(tmp.path()))
                    .assert()
                    .code(0);
            }
            kohort().arg("outcomes").arg("--store").arg(&store).assert().success();
            (tmp, store)
        })
        .1
}

fn oracle(store: &Path, file: &str) -> Vec<Vec<String>> {
    let sql =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle").join(file)).expect("oracle");
    query(store, &sql.replace("{{followup}}", FOLLOWUP))
}

#[test]
fn reentry_windows_equal_the_sql_oracle_count_for_count() {
    let store = small_store();
    let got = query(store, "SELECT window_days, status, count(*) FROM reentry_windows GROUP BY ALL");
    let want = oracle(store, "reentry_windows.sql");
    assert_eq!(got, want);
    assert!(got.iter().any(|r| r[1] == "event") && got.iter().any(|r| r[1] == "censored"), "{got:?}");
}

#[test]
fn rereport_windows_equal_the_sql_oracle_count_for_count() {
    let store = small_store();
    let got = query(
        store,
        "SELECT window_days, status, count(*) FROM safety_windows WHERE index_kind = 'report' GROUP BY ALL",
    );
    let want = oracle(store, "safety_windows.sql");
    assert_eq!(got, want);
}

#[test]
fn reentry_curve_starts_with_every_undropped_index_at_risk() {
    let store = small_store();
    let n = query(store, "SELECT count(*) FROM reentry WHERE NOT dropped")[0][0].clone();
    let first = query(store, "SELECT at_risk FROM reentry_km ORDER BY time_days LIMIT 1");
    assert_eq!(first, vec![vec![n.clone()]]);
    let total = query(store, "SELECT sum(events) + sum(censored) FROM reentry_km");
    assert_eq!(total, vec![vec![n]]);
}

#[test]
fn escalation_and_deescalation_equal_the_sql_oracle_count_for_count() {
    let store = small_store();
    let got = query(
        store,
        "SELECT 'escalation', status, count(*) FROM escalation GROUP BY ALL
         UNION ALL SELECT 'deescalation', deesc_status, count(*) FROM escalation GROUP BY ALL",
    );
    let want = oracle(store, "escalation.sql");
    assert_eq!(got, want);
}
