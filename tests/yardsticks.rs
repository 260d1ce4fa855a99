//! The hand-written DuckDB yardsticks of `benches/hand/*.sql` (what `benches/scale.sh` times
//! the engine against) give the engine's own summary rows on `small`, count for count: each
//! is an independent computation of its family's figures over the store views, so a yardstick
//! that agrees is timing the same work.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::common::*;

const SUMMARY: &str = include_str!("../sql/outcomes/summary.sql");
const INDICATORS: &str = include_str!("../sql/outcomes/indicators.sql");

/// `small`, ingested, every family computed once for this module.
fn small() -> &'static Path {
    static STORE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &STORE.get_or_init(|| scenario_store("small", true)).1
}

fn yardstick(file: &str) -> Vec<Vec<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/hand").join(file);
    query(small(), &std::fs::read_to_string(path).expect("yardstick"))
}

/// The engine's summary rows (`kohort outcomes` prints them) of the given outcomes.
fn engine(summary: &str, outcomes: &[&str]) -> Vec<Vec<String>> {
    let rows = query(small(), summary);
    let rows: Vec<Vec<String>> = rows.into_iter().filter(|r| outcomes.contains(&r[0].as_str())).collect();
    assert_eq!(rows.iter().map(|r| r[0].as_str()).collect::<std::collections::BTreeSet<_>>().len(), outcomes.len());
    rows
}

/// Some rows have events and some are censored, so the comparison is not of zeros.
fn not_trivial(rows: &[Vec<String>]) {
    assert!(rows.iter().all(|r| r[2] != "0"), "{rows:?}");
    assert!(rows.iter().any(|r| r.len() < 7 || r[5] != "0"), "{rows:?}");
}

#[test]
fn reentry_yardstick_gives_the_engines_summary_rows() {
    let got = yardstick("reentry.sql");
    assert_eq!(got, engine(SUMMARY, &["re-entry after a spell end (herhaald beroep)"]));
    assert_eq!(got.len(), 3);
    not_trivial(&got);
}

#[test]
fn escalation_yardstick_gives_the_engines_summary_rows() {
    let got = yardstick("escalation.sql");
    let want = engine(SUMMARY, &["escalation after a spell start (doorstroom)", "de-escalation after a spell start"]);
    assert_eq!(got, want);
    not_trivial(&got);
}

#[test]
fn safety_yardstick_gives_the_engines_child_view_rows() {
    let got = yardstick("safety.sql");
    assert_eq!(got, engine(SUMMARY, &["re-report after a report (hermelding)"]));
    assert_eq!(got.len(), 2);
    not_trivial(&got);
}

#[test]
fn measures_yardstick_gives_the_engines_success_and_placement_rows() {
    let got = yardstick("measures.sql");
    let want = engine(
        INDICATORS,
        &[
            "protection measure ended goal_reached (succesvol beeindigd)",
            "out-of-home placement during a protection measure",
        ],
    );
    assert_eq!(got, want);
    not_trivial(&got);
}

#[test]
fn indicators_yardstick_gives_the_engines_field_indicator_rows() {
    let got = yardstick("indicators.sql");
    let want = engine(
        INDICATORS,
        &["regular ending (per closed episode)", "goal attained fully or partly", "satisfaction >= 7"],
    );
    assert_eq!(got, want);
    not_trivial(&got);
}
