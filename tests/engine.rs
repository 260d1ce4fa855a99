//! The engine's machinery with a simple kernel: every person once, results readable through
//! `kohort sql` views, byte-identical whatever the thread count, run published atomically.

use std::sync::Arc;

use duckdb::arrow::array::{ArrayRef, StringArray, UInt64Array};
use duckdb::arrow::datatypes::{DataType, Field, Schema};
use duckdb::arrow::record_batch::RecordBatch;
use indicatif::ProgressBar;
use kohort::db::DbSettings;
use kohort::outcomes::config::OutcomeConfig;
use kohort::results::{self as engine, RunManifest};
use kohort::store::Store;
use kohort::timelines::PersonTimeline;

use crate::common::*;

fn count_kernel(people: &[PersonTimeline]) -> Vec<(&'static str, RecordBatch)> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("person_id", DataType::Utf8, false),
        Field::new("episodes", DataType::UInt64, false),
    ]));
    let ids: ArrayRef = Arc::new(people.iter().map(|p| Some(p.person_id.to_hex_string())).collect::<StringArray>());
    let n: ArrayRef = Arc::new(people.iter().map(|p| p.episodes.len() as u64).collect::<UInt64Array>());
    vec![("episode_counts", RecordBatch::try_new(schema, vec![ids, n]).expect("batch"))]
}

#[allow(clippy::result_large_err)]
fn run_with_threads(store: &Store, threads: usize) -> RunManifest {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
    let db = DbSettings { threads, memory_limit: "1GB".into() };
    pool.install(|| engine::run(store, &OutcomeConfig::default(), &db, &count_kernel, &ProgressBar::hidden()))
        .expect("run")
}

#[test]
fn engine_covers_every_person_once_and_is_thread_count_independent() {
    let tmp = tempfile::tempdir().unwrap();
    let big = crate::store::big_delivery(&tmp.path().join("big"), 5_000);
    let dir = tmp.path().join("s");
    ingest_cmd(&big, &dir, tmp.path()).assert().code(0);
    let store = Store::at(&dir);
    let one = run_with_threads(&store, 1);
    let files_one = one.tables.clone();
    let two = run_with_threads(&store, 2);
    assert_eq!(files_one, two.tables, "same bytes with 1 and 2 threads");
    assert_eq!(two.persons, 5_000);
    assert_eq!(engine::current(&store).unwrap().as_ref(), Some(&two));
    // Independent check through the views: per-person counts equal a plain SQL count.
    let got = query(&dir, "SELECT person_id, episodes FROM episode_counts");
    let want = query(
        &dir,
        "SELECT p.person_id, count(e.episode_id) FROM persons p LEFT JOIN care_episodes e USING (person_id) GROUP BY ALL",
    );
    assert_eq!(got, want);
    // The second run over the same store version and config got a fresh folder; the first is
    // kept for readers that may still be on it.
    assert_ne!(one.run, two.run, "a re-run never reuses the folder of the run it replaces");
    let mut runs: Vec<String> = std::fs::read_dir(dir.join("results"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    runs.sort();
    assert_eq!(runs, vec!["current.json".to_owned(), one.run.clone(), two.run.clone()]);
}
