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

#[test]
fn a_site_rule_keeps_the_persons_of_that_site_and_its_study_equals_the_site_split_of_a_monitor() {
    // docs/definitions.md §5.6 rule `sites`, §5.4: a cohort of every report (first_only = false)
    // at one pilot site of `proeftuinen`. Its members are the persons whose picked persons row
    // (day precision, latest data end, source name) comes from that site: brute-forced here over
    // `persons_all`. Its study's re-reports (cohort total) equal the monitor's `site` split at
    // national level for that site, cell by cell, and are labelled as the cohort's total.
    use crate::study_cells::{got_cells, run_study, store};
    let (tmp, store) = store("proeftuinen");
    let site = "proeftuin-groningen";
    let dir = tmp.path().join("site_cohort");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("groningen.toml"),
        format!("name = \"groningen\"\nentry = \"safety_report\"\nfirst_only = false\nsites = [\"{site}\"]\n"),
    )
    .unwrap();
    kohort()
        .arg("cohort")
        .arg(dir.join("groningen.toml"))
        .arg("--store")
        .arg(store)
        .arg("--out")
        .arg(dir.join("members"))
        .assert()
        .success();
    let members: std::collections::BTreeSet<String> = std::fs::read_to_string(dir.join("members/members.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect();
    // person -> (precedence of the row: day precision, latest data end, source name; its source).
    type Pick = ((bool, std::cmp::Reverse<String>, String), String);
    let mut pick: std::collections::BTreeMap<String, Pick> = std::collections::BTreeMap::new();
    for r in query(store, "SELECT person_id, birth_date_precision, extracted_on::VARCHAR, source FROM persons_all") {
        let key = (r[1] != "day", std::cmp::Reverse(r[2].clone()), r[3].clone());
        if pick.get(&r[0]).is_none_or(|(k, _)| key < *k) {
            pick.insert(r[0].clone(), (key, r[3].clone()));
        }
    }
    let reported: std::collections::BTreeSet<String> =
        query(store, "SELECT DISTINCT person_id FROM safety_reports").into_iter().map(|r| r[0].clone()).collect();
    let want: std::collections::BTreeSet<String> =
        reported.into_iter().filter(|p| pick.get(p).is_some_and(|(_, s)| s == site)).collect();
    assert!(want.len() > 50, "{}", want.len());
    assert_eq!(members, want);
    let outcomes = "outcomes = [\"rereport\", \"rereport_household\"]\nregion_levels = [\"national\"]\n";
    let cohort_dir = run_study(
        &dir,
        store,
        "groningen_study",
        &format!("name = \"groningen_study\"\ncohorts = [\"groningen.toml\"]\nsplits = [\"total\"]\n{outcomes}"),
    );
    let monitor_dir = run_study(
        &dir,
        store,
        "by_site",
        &format!("name = \"by_site\"\nperiods = \"all\"\nsplits = [\"site\"]\n{outcomes}"),
    );
    let (got, _) = got_cells(store, &cohort_dir);
    let (by_site, _) = got_cells(store, &monitor_dir);
    assert!(got.keys().all(|k| k.4 == "cohort" && k.5 == "total"), "{:?}", got.keys().next());
    let strip = |c: &crate::study_cells::Cells, split: &str| -> Vec<(String, String, (u64, u64))> {
        c.iter().filter(|(k, _)| k.6 == split).map(|(k, v)| (k.0.clone(), k.2.clone(), *v)).collect()
    };
    let site_cells: crate::study_cells::Cells =
        by_site.iter().filter(|(k, _)| k.4 == "national" && k.7 == site).map(|(k, v)| (k.clone(), *v)).collect();
    assert_eq!(strip(&got, "total"), strip(&site_cells, "site"));
    assert!(got.values().any(|v| v.0 > 0 && v.1 > v.0), "{got:?}");
}
