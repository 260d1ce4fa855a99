//! `kohort cohort`: attrition on `tiny` against the hand-worked values, and the same cohort
//! defined in TOML and in SQL gives the same members.

use std::path::{Path, PathBuf};

use crate::common::*;

fn tiny_with_outcomes() -> (tempfile::TempDir, PathBuf) {
    scenario_store("tiny", true)
}

fn cohort(store: &Path, file: &str, out: &Path) -> (Vec<Vec<String>>, String) {
    let def = Path::new(env!("CARGO_MANIFEST_DIR")).join("cohorts").join(file);
    kohort().arg("cohort").arg(def).arg("--store").arg(store).arg("--out").arg(out).assert().success();
    let read = |f: &str| std::fs::read_to_string(out.join(f)).expect(f);
    let members = read("members.csv").lines().skip(1).map(|l| l.split(',').map(str::to_owned).collect()).collect();
    (members, read("attrition.csv"))
}

#[test]
fn attrition_on_tiny_equals_the_hand_worked_values_and_toml_equals_sql() {
    let (tmp, store) = tiny_with_outcomes();
    let want: toml::Value = toml::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/tiny.expected.toml")).unwrap(),
    )
    .unwrap();
    let c = &want["cohort"];
    let (members, attrition) = cohort(&store, "tiny_spells_2016_2022.toml", &tmp.path().join("toml"));
    let got: Vec<(u64, u64)> = attrition
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.rsplitn(3, ',').collect();
            (f[1].parse().unwrap(), f[0].parse().unwrap())
        })
        .collect();
    let expected: Vec<(u64, u64)> = c["attrition"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["persons"].as_integer().unwrap() as u64, a["index_events"].as_integer().unwrap() as u64))
        .collect();
    assert_eq!(got, expected, "{attrition}");
    let mut want_members: Vec<Vec<String>> = c["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            vec![
                pseudo("person", m["person"].as_str().unwrap()),
                m["index_date"].as_datetime().unwrap().to_string(),
                m["exit_date"].as_datetime().unwrap().to_string(),
            ]
        })
        .collect();
    want_members.sort();
    assert_eq!(members, want_members);
    // The same cohort as one SQL query.
    let (sql_members, sql_attrition) = cohort(&store, "tiny_spells_2016_2022_sql.toml", &tmp.path().join("sql"));
    assert_eq!(sql_members, members, "TOML and SQL definitions give the same members");
    assert!(sql_attrition.contains("entry: rows of tiny_spells_2016_2022.sql"), "{sql_attrition}");
}

#[test]
fn a_definition_without_an_entry_is_refused_with_the_file_named() {
    let tmp = tempfile::tempdir().unwrap();
    let def = tmp.path().join("bad.toml");
    std::fs::write(&def, "name = \"x\"\nage_min = 3\n").unwrap();
    let out = kohort().arg("cohort").arg(&def).arg("--store").arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("give `entry` or `sql`"), "{err}");
}
