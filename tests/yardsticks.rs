//! The hand-written DuckDB yardsticks of `benches/hand/*.sql` (what `benches/scale.sh` times
//! the engine against) give the engine's own summary rows on `small`, count for count: each
//! is an independent computation of its family's figures over the store views, so a yardstick
//! that agrees is timing the same work.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::common::*;

const SUMMARY: &str = kohort::sql::outcomes::SUMMARY;
const INDICATORS: &str = kohort::sql::outcomes::INDICATORS;

/// `small`, ingested, every family computed once for this module.
fn small() -> &'static Path {
    static STORE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &STORE.get_or_init(|| scenario_store("small", true)).1
}

fn yardstick(file: &str) -> Vec<Vec<String>> {
    yardstick_on(small(), file)
}

fn yardstick_on(store: &Path, file: &str) -> Vec<Vec<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/hand").join(file);
    query(store, &std::fs::read_to_string(path).expect("yardstick"))
}

/// The engine's summary rows (`kohort outcomes` prints them) of the given outcomes.
fn engine(summary: &str, outcomes: &[&str]) -> Vec<Vec<String>> {
    engine_on(small(), summary, outcomes)
}

fn engine_on(store: &Path, summary: &str, outcomes: &[&str]) -> Vec<Vec<String>> {
    let rows = query(store, summary);
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

/// The four safety outcomes, each a row per window.
const SAFETY: [&str; 4] = [
    "re-report after a measure end",
    "re-report after a report (hermelding)",
    "re-report after a spell end",
    "re-report in the household after a report (family view)",
];

/// The whole family: the child and household views after a report, and re-reports after a
/// spell end and after a measure end, every row of the engine's safety summary.
#[test]
fn safety_family_yardstick_gives_every_safety_row_of_the_engine() {
    let got = yardstick("safety_family.sql");
    assert_eq!(got, engine(SUMMARY, &SAFETY));
    assert_eq!(got.len(), 8);
    not_trivial(&got);
}

/// On `small` no household has a second child with a report, so the household view repeats
/// the child view there. Here it does not: a sibling's later report under another id counts in
/// the household, and one under the index's own id (report ids are each source's own, so an id
/// can come back) does not, though it comes first: the yardstick takes the same re-reports as
/// the engine.
#[test]
fn safety_family_yardstick_follows_the_household_view_where_it_differs() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut tables = base_tables();
    if let Some(reports) = tables.get_mut("safety_reports") {
        // 200000001's report VT-00000001 of 2018-01-15 is in HH-0000001 (base tables); its
        // sibling is reported in the household under another id 410 days on ...
        reports.push_str("VT-00000010,200000002,HH-0000001,2019-03-01,child_abuse,school\n");
    }
    let a = write_delivery(&tmp.path().join("a"), "prov-a", "2026Q3", "2026-10-01", &tables);
    // ... and by a second source under the first report's id 137 days on.
    let mut t = std::collections::BTreeMap::new();
    t.insert("persons", "person_id,birth_date,sex,death_date,emigration_date\n200000002,2012-11,m,,\n".to_owned());
    t.insert(
        "safety_reports",
        "report_id,person_id,household_id,report_date,kind,source\nVT-00000001,200000002,HH-0000001,2018-06-01,other,\n"
            .to_owned(),
    );
    t.insert(
        "households",
        "household_id,person_id,role,valid_from,valid_to\nHH-0000001,200000002,child,2012-11-15,\n".to_owned(),
    );
    let vt = write_delivery(&tmp.path().join("vt"), "veilig-thuis", "2026Q3", "2026-10-01", &t);
    add_toml(&vt, "tables = [\"persons\", \"households\", \"safety_reports\"]\n");
    let store = tmp.path().join("s");
    ingest_cmd(&a, &store, tmp.path()).assert().code(0);
    ingest_cmd(&vt, &store, tmp.path()).assert().code(0);
    let run = kohort().arg("outcomes").arg("--store").arg(&store).output().expect("outcomes");
    assert!(run.status.success());
    // The summary counted without a run is the run's (tests/summary.rs), here too.
    let counted = kohort().args(["outcomes", "--summary-only", "--store"]).arg(&store).output().expect("outcomes");
    assert_eq!(String::from_utf8_lossy(&counted.stdout), String::from_utf8_lossy(&run.stdout));
    let got = yardstick_on(&store, "safety_family.sql");
    assert_eq!(got, engine_on(&store, SUMMARY, &SAFETY));
    // The first report's household re-report is the one 410 days on (an event at 730 only); the
    // sibling's report of 2018-06-01 has one 273 days on in either view; the last has none.
    let view = |name: &str| -> Vec<Vec<String>> {
        got.iter().filter(|r| r[0] == name).map(|r| vec![r[1].clone(), r[2].clone()]).collect()
    };
    let household = view("re-report in the household after a report (family view)");
    let child = view("re-report after a report (hermelding)");
    assert_eq!(household, vec![vec!["365".to_owned(), "1".to_owned()], vec!["730".to_owned(), "2".to_owned()]]);
    assert_eq!(child, vec![vec!["365".to_owned(), "1".to_owned()], vec!["730".to_owned(), "1".to_owned()]]);
}

/// `--only rereports`, what `benches/scale.sh` times against the child-view yardstick: the same
/// summary rows as the yardstick, and the very `safety` rows of the report indexes that the
/// whole family writes, with nothing else (no spell or measure end, no household row, no
/// spells: it reads no care episode).
#[test]
fn rereports_family_gives_the_report_rows_of_the_whole_safety_family() {
    let (tmp, store) = scenario_store("small", true);
    let reports = "SELECT * FROM safety WHERE index_kind = 'report'";
    let whole = query(&store, reports);
    assert!(query(&store, "SELECT 1 FROM safety WHERE index_kind <> 'report'").len() > 10);
    assert!(!query(&store, "SELECT 1 FROM safety_household").is_empty());
    // It would leave the other families' tables empty: only with --partial ...
    let out = kohort().args(["outcomes", "--only", "rereports", "--store"]).arg(&store).output().expect("outcomes");
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    kohort()
        .args(["--quiet", "outcomes", "--only", "rereports", "--partial", "--store"])
        .arg(&store)
        .assert()
        .success();
    let alone = query(&store, reports);
    assert!(whole.len() > 100, "{}", whole.len());
    assert_eq!(alone, whole);
    let count = |table: &str| query(&store, &format!("SELECT count(*) FROM {table}"));
    assert_eq!(count("safety"), vec![vec![whole.len().to_string()]]);
    for table in ["safety_household", "spells", "measure_episodes"] {
        assert_eq!(count(table), vec![vec!["0".to_owned()]], "{table}");
    }
    let got = yardstick_on(&store, "safety.sql");
    assert_eq!(got, engine_on(&store, SUMMARY, &["re-report after a report (hermelding)"]));
    assert_eq!(query(&store, SUMMARY), got, "the run's summary holds the child view after a report alone");
    not_trivial(&got);
    // A study reading re-reports still needs the whole safety family (it reads the household
    // view and the other indexes too): it refuses this run, naming the family.
    let study = Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/small_monitor.toml");
    let out = study_cmd(&study, &store, &tmp.path().join("o")).output().expect("study");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("safety") && err.contains("without --only"), "{err}");
    // ... while a default run, whose safety family includes re-reports, replaces it without.
    kohort().args(["--quiet", "outcomes", "--store"]).arg(&store).assert().success();
    assert_eq!(query(&store, reports), whole);
    assert!(query(&store, "SELECT 1 FROM safety WHERE index_kind <> 'report'").len() > 10);
}

/// Every row of every result table of the current run, by table.
fn run_rows(store: &Path) -> std::collections::BTreeMap<String, Vec<Vec<String>>> {
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(store.join("results/current.json")).expect("run")).expect("json");
    let tables = run["tables"].as_object().expect("tables").keys();
    tables.map(|t| (t.clone(), query(store, &format!("SELECT * FROM \"{t}\"")))).collect()
}

/// A run of re-reports alone, brought up to date by an incremental run (written as deltas)
/// after a second source reports a child of `small` again, gives every row its full run gives:
/// the household view, which such a run leaves empty, is not updated for the changed children.
#[test]
fn a_rereports_run_updated_incrementally_gives_the_full_runs_rows() {
    let (tmp, store) = scenario_store("small", false);
    let delivery = tmp.path().join("synth/jeugdmonitor/2026H1");
    let lines = |table: &str| -> Vec<String> {
        let text = std::fs::read_to_string(delivery.join(format!("{table}.csv"))).expect("csv");
        text.lines().map(str::to_owned).collect()
    };
    // The first reported child: its person row, its household rows, and a report 200 days on.
    let reports = lines("safety_reports");
    let first: Vec<&str> = reports[1].split(',').collect();
    let (child, household, date) = (first[1], first[2], first[3]);
    let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date") + chrono::Duration::days(200);
    let of = |table: &str, column: usize| -> String {
        let rows = lines(table);
        let mine = rows.iter().skip(1).filter(|l| l.split(',').nth(column) == Some(child));
        std::iter::once(&rows[0]).chain(mine).map(|l| format!("{l}\n")).collect()
    };
    let mut t = std::collections::BTreeMap::new();
    t.insert("persons", of("persons", 0));
    t.insert("households", of("households", 1));
    t.insert("safety_reports", format!("{}\nVT-0000001,{child},{household},{date},other,\n", reports[0]));
    let vt = write_delivery(&tmp.path().join("vt"), "veilig-thuis", "2026H1", "2026-07-01", &t);
    add_toml(&vt, "tables = [\"persons\", \"households\", \"safety_reports\"]\n");
    let rereports = |extra: &[&str]| {
        let out = kohort()
            .args(["outcomes", "--only", "rereports", "--partial"])
            .args(extra)
            .arg("--store")
            .arg(&store)
            .output()
            .expect("outcomes");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    rereports(&[]);
    let count = |sql: &str| query(&store, sql)[0][0].parse::<u64>().expect("count");
    let reports_sql = "SELECT count(*) FROM safety WHERE index_kind = 'report'";
    let before = count(reports_sql);
    ingest_cmd(&vt, &store, tmp.path()).assert().code(0);
    let said = rereports(&["--incremental"]);
    assert!(said.contains("incremental: 1 persons changed") && said.contains("written as deltas"), "{said}");
    let incremental = run_rows(&store);
    rereports(&[]);
    let full = run_rows(&store);
    assert_eq!(incremental, full);
    // The new report is an index of its own; nothing but report indexes is in the run.
    assert_eq!(count(reports_sql), before + 1);
    assert_eq!(count("SELECT count(*) FROM safety"), before + 1);
    assert!(full["safety_household"].is_empty() && full["spells"].is_empty());
}
