//! Snapshots of what users see (`insta`, in `tests/snapshots/`): `--help` of every command, the
//! demo's output, and the most common error messages, each with its exit code. Temporary paths
//! are masked. A change to any of them shows up in review as a snapshot diff
//! (`cargo insta review`, or `INSTA_UPDATE=always cargo test --release snapshots` to accept).

use std::path::Path;

use crate::common::*;

/// stdout, stderr and the exit code of a run, as one text.
fn shown(out: &std::process::Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().map_or_else(|| "signal".to_owned(), |c| c.to_string()),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Mask the temporary folder, the checkout, the binary's path, the version and today's date.
macro_rules! snap {
    ($name:expr, $text:expr, $tmp:expr) => {{
        let tmp = $tmp.to_string_lossy().into_owned();
        let text = $text.replace(&tmp, "[TMP]").replace(env!("CARGO_MANIFEST_DIR"), "[REPO]");
        insta::with_settings!({ filters => vec![
            (r"/tmp/\.tmp[A-Za-z0-9]+", "[TMP]"),
            (r"\S*/release/kohort", "[BIN]"),
            (r"kohort \d+\.\d+\.\d+", "kohort [VERSION]"),
            (r"\d{4}-\d{2}-\d{2} \(today\)", "[TODAY] (today)"),
        ]}, {
            insta::assert_snapshot!($name, text);
        });
    }};
}

/// Every command path of the CLI (the subcommands with their own `--help`).
const COMMANDS: &[&[&str]] = &[
    &[],
    &["demo"],
    &["schema"],
    &["key"],
    &["key", "new"],
    &["ingest"],
    &["sql"],
    &["verify"],
    &["synth"],
    &["outcomes"],
    &["linkage"],
    &["export"],
    &["export", "tables"],
    &["export", "panel"],
    &["export", "linkage"],
    &["factsheet"],
    &["cohort"],
    &["study"],
    &["run"],
];

#[test]
fn help_of_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    for path in COMMANDS {
        let out = kohort_bare().args(*path).arg("--help").output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{path:?}");
        let name = if path.is_empty() { "help".to_owned() } else { format!("help_{}", path.join("_")) };
        snap!(name, shown(&out), tmp.path());
    }
}

#[test]
fn every_subcommand_has_a_help_snapshot() {
    // The list above is complete: every subcommand clap knows is in it.
    use clap::CommandFactory as _;
    fn walk(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let mut p = prefix.to_vec();
            p.push(sub.get_name().to_owned());
            out.push(p.clone());
            walk(sub, &p, out);
        }
    }
    let mut all = vec![Vec::new()];
    walk(&kohort::cli::Cli::command(), &[], &mut all);
    let listed: Vec<Vec<String>> = COMMANDS.iter().map(|p| p.iter().map(|s| (*s).to_owned()).collect()).collect();
    for p in &all {
        assert!(listed.contains(p), "no --help snapshot for `kohort {}`", p.join(" "));
    }
}

#[test]
fn demo_output() {
    let tmp = tempfile::tempdir().unwrap();
    let out = kohort().args(["demo", "--dir"]).arg(tmp.path().join("demo")).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    snap!("demo", shown(&out), tmp.path());
}

#[test]
fn the_most_common_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let key = key_file(t);
    let good = write_delivery(&t.join("good"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    let store = t.join("store");
    ingest_cmd(&good, &store, t).assert().code(0);
    let run = |args: &[&dyn AsRef<std::ffi::OsStr>]| {
        let mut c = kohort_bare();
        for a in args {
            c.arg(a);
        }
        shown(&c.output().unwrap())
    };
    let s = &store;
    // 1. Not a store.
    snap!("error_not_a_store", run(&[&"sql", &"--store", &t.join("nowhere"), &"SELECT 1"]), t);
    // 2. The wrong key.
    let other = t.join("other.key");
    kohort::pseudonym::Key::from_bytes([9; 32]).write_new(&other).unwrap();
    let d2 = write_delivery(&t.join("d2"), "prov-b", "2026Q3", "2026-10-01", &base_tables());
    snap!("error_wrong_key", run(&[&"ingest", &d2, &"--store", s, &"--key", &other]), t);
    // 3. A delivery folder without delivery.toml.
    std::fs::create_dir_all(t.join("empty")).unwrap();
    snap!("error_no_delivery_toml", run(&[&"ingest", &t.join("empty"), &"--store", s, &"--key", &key]), t);
    // 4. A table without a required column.
    let mut tables = base_tables();
    tables.insert("safety_reports", "report_id,person_id\nX,200000001\n".to_owned());
    let d4 = write_delivery(&t.join("d4"), "prov-c", "2026Q3", "2026-10-01", &tables);
    snap!("error_missing_column", run(&[&"ingest", &d4, &"--store", s, &"--key", &key]), t);
    // 5. An unknown flag.
    snap!("error_unknown_flag", run(&[&"outcomes", &"--store", s, &"--frobnicate"]), t);
    // 6. A study before any outcome run.
    let study = Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/small_monitor.toml");
    snap!("error_study_without_outcomes", run(&[&"study", &study, &"--store", s, &"--out", &t.join("o")]), t);
    // 7. A data end in the future.
    let d7 = write_delivery(&t.join("d7"), "prov-d", "2026Q3", "2099-01-01", &base_tables());
    snap!("error_future_data_end", run(&[&"ingest", &d7, &"--store", s, &"--key", &key]), t);
    // 8. A plan with an unknown key.
    std::fs::write(t.join("plan.toml"), "store = \"s\"\nkey = \"k\"\npublish = \"p\"\nfrobnicate = 1\n").unwrap();
    snap!("error_plan_unknown_key", run(&[&"run", &t.join("plan.toml")]), t);
    // 9. A cohort naming a municipality the reference data does not know.
    std::fs::write(t.join("c.toml"), "name = \"c\"\nentry = \"birth\"\nmunicipalities = [\"GM9999\"]\n").unwrap();
    snap!("error_unknown_municipality", run(&[&"cohort", &t.join("c.toml"), &"--store", s]), t);
    // 10. A query DuckDB refuses.
    snap!("error_bad_query", run(&[&"sql", &"--store", s, &"SELECT nope FROM persons"]), t);
    // 11. A partial outcome run over a complete one.
    kohort().args(["--quiet", "outcomes", "--store"]).arg(s).assert().code(0);
    snap!("error_partial_run", run(&[&"outcomes", &"--store", s, &"--only", &"reentry"]), t);
}
