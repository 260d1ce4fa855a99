//! `kohort outcomes --summary-only`: the summary counted in memory as the kernels compute it
//! (src/outcomes/tally.rs) is a run's own summary — the SQL over the run's written tables
//! (sql/outcomes/window_counts.sql, indicator_counts.sql) is the independent count — byte for
//! byte, on stores of several scenarios and for runs of some families; and it writes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::*;

/// Stdout of `kohort outcomes --store STORE ARGS...`, which must succeed.
fn outcomes(store: &Path, args: &[&str]) -> String {
    let out = kohort().arg("--quiet").arg("outcomes").arg("--store").arg(store).args(args).output().expect("outcomes");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Every file under `dir` with its size and modification time, but the leases readers take on
/// a store version (`kohort sql` takes them too).
fn tree(dir: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
    let mut files = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let e = e.expect("entry");
            let meta = e.metadata().expect("metadata");
            if meta.is_dir() {
                // A folder's own time moves with the leases made and removed in it.
                todo.push(e.path());
                files.insert(e.path(), (0, std::time::UNIX_EPOCH));
            } else if e.path().extension().is_none_or(|x| x != "lease") {
                files.insert(e.path(), (meta.len(), meta.modified().expect("mtime")));
            }
        }
    }
    files
}

/// The summary-only output of `args` is the full run's (table and JSON), the full run's has
/// figures, and the summary-only pass changes no file of the store.
fn same_as_a_run(store: &Path, args: &[&str]) -> String {
    let before = tree(store);
    let counted = outcomes(store, &[args, &["--summary-only"]].concat());
    let counted_json = outcomes(store, &[args, &["--summary-only", "--json"]].concat());
    let after = tree(store);
    let changed: Vec<_> = after.iter().filter(|(p, m)| before.get(*p) != Some(*m)).map(|(p, _)| p).collect();
    assert!(changed.is_empty() && after.len() == before.len(), "--summary-only wrote to the store: {changed:?}");
    let partial: &[&str] = if args.contains(&"--only") { &["--partial"] } else { &[] };
    let run = outcomes(store, &[args, partial].concat());
    assert_eq!(counted, run, "{args:?}");
    assert_eq!(counted_json, outcomes(store, &[args, partial, &["--json"]].concat()), "{args:?}");
    assert!(run.lines().count() > 6, "{run}");
    run
}

/// Lines of `summary` that name `outcome`, with a non-zero count in the third column.
fn with_events(summary: &str, outcome: &str) -> usize {
    summary
        .lines()
        .filter(|l| l.contains(outcome))
        .filter(|l| l.split('|').nth(3).is_some_and(|c| c.trim().parse::<u64>().is_ok_and(|n| n > 0)))
        .count()
}

#[test]
fn summary_only_is_a_runs_summary_on_small_for_every_family_and_for_some() {
    let (_tmp, store) = scenario_store("small", false);
    let all = same_as_a_run(&store, &[]);
    for outcome in ["re-entry after a spell end", "escalation after", "re-report after a report", "in the household"] {
        assert!(with_events(&all, outcome) >= 1, "{outcome}: {all}");
    }
    for only in ["rereports", "measures", "indicators", "reentry,escalation", "safety"] {
        same_as_a_run(&store, &["--only", only]);
    }
}

#[test]
fn summary_only_is_a_runs_summary_with_offences_and_risk_instruments() {
    let (tmp, store) = scenario_store("probation", false);
    let cfg = tmp.path().join("risk.toml");
    std::fs::write(&cfg, "[probation.risk_instruments]\nlij_risk = { sd = 5.0, reliability = 0.8 }\n").unwrap();
    let all = same_as_a_run(&store, &["--config", cfg.to_str().unwrap()]);
    assert!(with_events(&all, "recidivism after youth probation") >= 1, "{all}");
    assert!(all.contains("delinquency risk reduced during youth probation (lij_risk)"), "{all}");
}

#[test]
fn summary_only_is_a_runs_summary_over_several_sources() {
    let (_tmp, store) = scenario_store_latest("proeftuinen");
    same_as_a_run(&store, &[]);
    // Measures and indicators alone are counted without the person rows (a person's pick
    // among the sources' rows then plays no part).
    same_as_a_run(&store, &["--only", "measures,indicators"]);
}

/// A delivery with defects: the rows ingest quarantined (measures and episodes of a person
/// without a row among them) are in neither count, also where no person row is read.
#[test]
fn summary_only_is_a_runs_summary_over_a_delivery_with_defects() {
    let tmp = tempfile::tempdir().expect("tmp");
    let opts = kohort::synth::SynthOptions {
        format: kohort::synth::OutputFormat::Csv,
        threads: Some(2),
        progress: false,
        scale: None,
    };
    let scenario = kohort::synth::load_scenario("dirty").expect("scenario");
    let summary = kohort::synth::generate(&scenario, &tmp.path().join("synth"), &opts).expect("synth");
    let (store, q) = (tmp.path().join("s"), tmp.path().join("q"));
    // Every rule is planted, in small tables: far more than the default 5% of some.
    let ingest = ingest_cmd(&summary.deliveries[0].dir, &store, tmp.path())
        .arg("--quarantine")
        .arg(&q)
        .args(["--max-reject-rate", "1"])
        .output()
        .expect("ingest");
    assert_eq!(ingest.status.code(), Some(1), "{}", String::from_utf8_lossy(&ingest.stderr));
    let dangling = quarantine(&q)
        .into_iter()
        .filter(|(table, _, rule, column)| {
            ["measures", "care_episodes"].contains(&table.as_str())
                && rule == "dangling_reference"
                && column == "person_id"
        })
        .count();
    assert!(dangling > 0, "no measure or episode of a person without a row was quarantined");
    same_as_a_run(&store, &[]);
    same_as_a_run(&store, &["--only", "measures,indicators"]);
}

#[test]
fn summary_only_refuses_to_be_incremental_or_partial() {
    let (_tmp, store) = scenario_store("tiny", false);
    for flag in ["--incremental", "--partial"] {
        let out = kohort().args(["outcomes", "--summary-only", flag, "--store"]).arg(&store).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"), "{flag}");
    }
}
