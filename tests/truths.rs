//! The planted truths of `small` and `proeftuinen` (their `[expected]` blocks) are recovered
//! by the outcome engine within the stated tolerances.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::*;

/// The `[expected.*]` values and tolerances a synth run wrote.
fn expected(out: &Path) -> BTreeMap<String, (f64, f64)> {
    let text = std::fs::read_to_string(out.join("expected.toml")).expect("expected.toml");
    let v: toml::Value = toml::from_str(&text).expect("toml");
    let mut m = BTreeMap::new();
    for (k, e) in v["expected"].as_table().expect("expected") {
        if let (Some(val), Some(tol)) =
            (e.get("value").and_then(toml::Value::as_float), e.get("tolerance").and_then(toml::Value::as_float))
        {
            m.insert(k.clone(), (val, tol));
        }
    }
    m
}

/// Synthesise, ingest the last delivery of every source, compute outcomes; return the store.
fn run_scenario(name: &str, tmp: &Path) -> (PathBuf, BTreeMap<String, (f64, f64)>) {
    let scenario = kohort::synth::load_scenario(name).expect("scenario");
    let opts = kohort::synth::SynthOptions {
        format: kohort::synth::OutputFormat::Csv,
        threads: Some(2),
        progress: false,
        scale: None,
    };
    let out = tmp.join("synth");
    let summary = kohort::synth::generate(&scenario, &out, &opts).expect("synth");
    let mut last: BTreeMap<&str, &kohort::synth::DeliverySummary> = BTreeMap::new();
    for d in &summary.deliveries {
        last.insert(&d.source, d); // publication order: the last one of a source wins
    }
    let store = tmp.join("store");
    for d in last.values() {
        ingest_cmd(&d.dir, &store, tmp).assert().code(0);
    }
    kohort().arg("outcomes").arg("--store").arg(&store).assert().success();
    (store, expected(&out))
}

fn check(store: &Path, want: &BTreeMap<String, (f64, f64)>, keys: &[&str]) {
    let got: BTreeMap<String, f64> = query(store, kohort::sql::outcomes::COMPLETE_WINDOWS)
        .into_iter()
        .map(|r| (r[0].clone(), r[1].parse().expect("share")))
        .collect();
    for key in keys {
        let (value, tol) = want[*key];
        let share = got[*key];
        assert!((share - value).abs() <= tol, "{key}: recovered {share:.4}, planted {value} ± {tol}");
    }
}

#[test]
fn small_planted_truths_are_recovered() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, want) = run_scenario("small", tmp.path());
    check(
        &store,
        &want,
        &[
            "reentry_182",
            "reentry_365",
            "reentry_730",
            "escalation_365",
            "rereport_365",
            "regular_ending",
            "satisfied",
            "goal_attained",
            "out_of_home_start",
        ],
    );
}

#[test]
fn proeftuinen_planted_truths_are_recovered_from_the_latest_quarter_of_every_site() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, want) = run_scenario("proeftuinen", tmp.path());
    check(&store, &want, &["escalation_365", "reentry_730"]);
    let sources = query(&store, "SELECT count(DISTINCT source) FROM persons_all");
    assert_eq!(sources, vec![vec!["11".to_owned()]]);
}
