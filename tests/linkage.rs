//! `kohort linkage`: G1/G2 links and outcomes on `tiny` against the hand-worked file, the
//! planted transmission factor of `intergenerational`, and the exposure counts of `small`
//! against a brute-force recomputation from the raw store rows.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use crate::common::*;

/// Synthesise a scenario, ingest it, run `kohort linkage` (with an optional config).
fn linked(scenario: &str, config: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let (tmp, store) = scenario_store(scenario, false);
    let mut cmd = kohort();
    cmd.arg("linkage").arg("--store").arg(&store);
    if let Some(text) = config {
        let path = tmp.path().join("linkage.toml");
        std::fs::write(&path, text).unwrap();
        cmd.arg("--config").arg(path);
    }
    cmd.assert().success();
    (tmp, store)
}

fn expected(tmp: &Path) -> toml::Value {
    let text = std::fs::read_to_string(tmp.join("synth/expected.toml")).expect("expected.toml");
    toml::from_str(&text).expect("toml")
}

fn tiny_expected() -> toml::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/tiny.expected.toml");
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn int(v: &toml::Value, key: &str) -> String {
    v[key].as_integer().expect(key).to_string()
}

#[test]
fn tiny_links_exposures_and_outcomes_equal_the_hand_worked_file() {
    let (_tmp, store) = linked("tiny", Some("[linkage]\nrelation_kinds = [\"biological\", \"adoptive\"]\n"));
    let want = tiny_expected();
    let ig = &want["intergenerational"];
    let ids = ig["ids"].as_table().unwrap();
    let pid = |name: &str| pseudo("person", ids[name].as_str().expect(name));
    // G1: exactly the hand-worked 15.
    let g1: BTreeSet<String> =
        query(&store, "SELECT person_id FROM person_summary WHERE g1").into_iter().map(|r| r[0].clone()).collect();
    let want_g1: BTreeSet<String> = ig["g1"].as_array().unwrap().iter().map(|n| pid(n.as_str().unwrap())).collect();
    assert_eq!(g1, want_g1, "G1");
    let heavy: BTreeSet<String> = query(
        &store,
        "SELECT person_id FROM person_summary WHERE heavy AND person_id IN (SELECT parent_id FROM relations)",
    )
    .into_iter()
    .map(|r| r[0].clone())
    .collect();
    let want_heavy: BTreeSet<String> =
        ig["heavy_parents"].as_array().unwrap().iter().map(|n| pid(n.as_str().unwrap())).collect();
    assert_eq!(heavy, want_heavy, "heavy parents");
    // Every G2 child (biological), each outcome variant.
    let g2 = |outcome: &str| -> BTreeMap<String, Vec<String>> {
        let sql = format!(
            "SELECT child_id, exposed, exposed_mother, exposed_father, exposed_both, exposed_heavy,
                    coalesce({outcome}_date::VARCHAR, ''), followed_to_a
             FROM linkage_g2 WHERE relation_kind = 'biological'"
        );
        query(&store, &sql).into_iter().map(|r| (r[0].clone(), r[1..].to_vec())).collect()
    };
    let (care, measure, ooh) = (g2("care"), g2("measure"), g2("out_of_home"));
    let rows = ig["g2"].as_array().unwrap();
    assert_eq!(care.len(), rows.len(), "G2 = the 10 biological children (Kim, adopted, is not one)");
    for r in rows {
        let who = r["who"].as_str().unwrap();
        let id = pseudo("person", r["person"].as_str().unwrap());
        let flags = |k: &str| r[k].as_bool().unwrap().to_string();
        let date = |k: &str| r.get(k).and_then(toml::Value::as_datetime).map(ToString::to_string).unwrap_or_default();
        let head = vec![
            flags("exposed"),
            flags("exposed_mother"),
            flags("exposed_father"),
            flags("exposed_both"),
            flags("exposed_heavy"),
        ];
        let row = |outcome: String| {
            let mut v = head.clone();
            v.push(outcome);
            v.push(flags("followed_to_18"));
            v
        };
        assert_eq!(care[&id], row(date("outcome")), "{who}: care");
        assert_eq!(measure[&id], row(date("measure_outcome")), "{who}: measure");
        assert_eq!(ooh[&id], row(date("out_of_home_outcome")), "{who}: out of home");
    }
    // Risk counts per exposure definition and per outcome variant; the risk ratio and its CI.
    let risk = |outcome: &str, exposure: &str, kind: &str| {
        let sql = format!(
            "SELECT a, n1, c, n0, risk_ratio, lower, upper FROM linkage_risk
             WHERE relation_kind = '{kind}' AND outcome = '{outcome}' AND exposure = '{exposure}' AND child_sex = 'all'"
        );
        query(&store, &sql).remove(0)
    };
    for e in ig["exposure_counts"].as_array().unwrap() {
        let got = risk("care", e["exposure"].as_str().unwrap(), "biological");
        assert_eq!(got[..4], [int(e, "a"), int(e, "n1"), int(e, "c"), int(e, "n0")], "{e}");
    }
    for e in ig["outcome_counts"].as_array().unwrap() {
        let got = risk(e["outcome"].as_str().unwrap(), "either", "biological");
        assert_eq!(got[..4], [int(e, "a"), int(e, "n1"), int(e, "c"), int(e, "n0")], "{e}");
    }
    let got = risk("care", "either", "biological");
    let f = |s: &str| s.parse::<f64>().unwrap();
    assert!((f(&got[4]) - ig["risk_ratio"].as_float().unwrap()).abs() < 1e-9);
    let ci = ig["risk_ratio_ci95"].as_array().unwrap();
    assert!((f(&got[5]) - ci[0].as_float().unwrap()).abs() < 1e-4, "{got:?}");
    assert!((f(&got[6]) - ci[1].as_float().unwrap()).abs() < 1e-4, "{got:?}");
    // Resilience of the heavily exposed parents.
    for e in ig["resilience"].as_array().unwrap() {
        let sql = format!(
            "SELECT heavy_parents, with_child_outcome, resilient, not_yet_followed FROM linkage_resilience
             WHERE relation_kind = 'biological' AND outcome = '{}' AND parent_sex = 'all'",
            e["outcome"].as_str().unwrap()
        );
        let want = vec![
            int(e, "heavy_parents"),
            int(e, "with_child_outcome"),
            int(e, "resilient"),
            int(e, "not_yet_followed"),
        ];
        assert_eq!(query(&store, &sql), vec![want], "{e}");
    }
    // Adoptive: Kim alone, exposed with the outcome, no unexposed child, no ratio.
    let ad = &ig["adoptive"];
    let got = risk("care", "either", "adoptive");
    assert_eq!(got[..4], [int(ad, "a"), int(ad, "n1"), int(ad, "c"), int(ad, "n0")]);
    assert_eq!(got[4], "", "no risk ratio without an unexposed child");
    assert_eq!(
        query(&store, "SELECT child_id FROM linkage_g2 WHERE relation_kind = 'adoptive'"),
        vec![vec![pid("Kim")]]
    );
    assert_eq!(query(&store, "SELECT count(*) FROM linkage_chain"), vec![vec![int(ig, "chain_rows")]]);
    // The curves start with every G2 child of the group at risk.
    assert_eq!(
        query(
            &store,
            "SELECT max(at_risk) FROM linkage_km WHERE relation_kind = 'biological' AND outcome = 'care' AND exposed"
        ),
        vec![vec!["7".to_owned()]]
    );
}

#[test]
fn intergenerational_recovers_the_planted_transmission_factor() {
    let (tmp, store) = linked("intergenerational", None);
    let truth = expected(tmp.path());
    let e = &truth["expected"];
    let sql = "SELECT risk_ratio_followed, lower_followed, upper_followed, risk_exposed_followed,
                      risk_unexposed_followed, n1_followed, n0_followed
               FROM linkage_risk WHERE relation_kind = 'biological' AND outcome = 'care'
                 AND exposure = 'either' AND child_sex = 'all'";
    let row: Vec<f64> = query(&store, sql).remove(0).iter().map(|v| v.parse().unwrap()).collect();
    let near = |got: f64, name: &str| {
        let (v, tol) = (e[name]["value"].as_float().unwrap(), e[name]["tolerance"].as_float().unwrap());
        assert!((got - v).abs() <= tol, "{name}: {got} vs {v} ± {tol}");
        v
    };
    let rr = near(row[0], "transmission_rr");
    assert!(row[1] <= rr && rr <= row[2], "the 95% CI [{}, {}] covers the planted {rr}", row[1], row[2]);
    near(row[3], "risk_exposed");
    near(row[4], "risk_unexposed");
    assert!(row[5] > 500.0 && row[6] > 500.0, "enough children followed to 18: {row:?}");
    // An independent plain-SQL oracle (tests/oracle/linkage_g2.sql, linkage_rr.sql) agrees
    // child for child and count for count.
    let strip = |f: &str| -> String {
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle").join(f)).unwrap();
        text.lines().filter(|l| !l.starts_with("--")).collect::<Vec<_>>().join("\n")
    };
    let g2 = strip("linkage_g2.sql").replace("ORDER BY g2.child_id;", "");
    let oracle = query(
        &store,
        &format!(
            "SELECT child_id, exposed, mother_exposed, father_exposed, n_parents,
        coalesce(outcome_date::VARCHAR, ''), followed_to_18 FROM ({g2}) ORDER BY child_id"
        ),
    );
    let ours = query(&store, "SELECT child_id, exposed, exposed_mother, exposed_father, n_parents,
        coalesce(care_date::VARCHAR, ''), followed_to_a FROM linkage_g2 WHERE relation_kind = 'biological' ORDER BY child_id");
    assert!(ours.len() > 30_000, "{}", ours.len());
    assert_eq!(ours, oracle, "linkage_g2 equals the oracle");
    let rr = strip("linkage_rr.sql").replacen("WITH inc AS", ", inc AS", 1);
    let oracle = query(&store, &format!("WITH g2 AS ({g2}) {rr}"));
    let ours = query(
        &store,
        "SELECT a, n1, c, n0, risk_ratio, lower, upper FROM linkage_risk
        WHERE relation_kind = 'biological' AND outcome = 'care' AND exposure = 'either' AND child_sex = 'all'",
    );
    assert_eq!(ours[0][..4], oracle[0][..4], "a, n1, c, n0");
    for i in 4..7 {
        let (x, y): (f64, f64) = (ours[0][i].parse().unwrap(), oracle[0][i].parse().unwrap());
        assert!((x - y).abs() < 1e-6, "{i}: {x} vs {y}");
    }
    // The same files with one thread as with two.
    let tables = || -> serde_json::Value {
        let text = std::fs::read(store.join("linkage/current.json")).unwrap();
        serde_json::from_slice::<serde_json::Value>(&text).unwrap()["tables"].clone()
    };
    let two = tables();
    kohort_bare().args(["--threads", "1", "--quiet", "linkage", "--store"]).arg(&store).assert().success();
    assert_eq!(tables(), two, "byte-identical with 1 and 2 threads");
    // Three generations are there: founders -> their children -> grandchildren.
    let chain = query(&store, "SELECT sum(children) FROM linkage_chain WHERE outcome = 'care'");
    assert!(chain[0][0].parse::<u64>().unwrap() > 1000, "{chain:?}");
}

/// The 18th birthday (29 February -> 1 March), written independently of kohort.
fn eighteen(birth: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(birth.year() + 18, birth.month(), birth.day())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(birth.year() + 18, 3, 1).unwrap())
}

#[test]
fn small_exposure_counts_equal_a_brute_force_count_over_the_raw_rows() {
    // `small` has one generation with care (its parents have none in the data): every child is
    // unexposed. `intergenerational` has both groups.
    let (_tmp, store) = linked("small", None);
    let count = brute_force_exposures(&store);
    assert!(count["unexposed"] > 5000 && count["either"] == 0, "{count:?}");
    let (_tmp, store) = linked("intergenerational", None);
    let count = brute_force_exposures(&store);
    assert!(count["either"] > 1000 && count["heavy"] > 100 && count["both"] > 10, "{count:?}");
}

/// Exposure counts of the biological G2 children recomputed from the raw store rows, checked
/// against `linkage_risk` (and G1 person for person against `person_summary`); returns them.
fn brute_force_exposures(store: &Path) -> BTreeMap<&'static str, u64> {
    let store = store.to_path_buf();
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let persons: BTreeMap<String, (NaiveDate, String)> =
        query(&store, "SELECT person_id, birth_date::VARCHAR, sex FROM persons")
            .into_iter()
            .map(|r| (r[0].clone(), (date(&r[1]), r[2].clone())))
            .collect();
    // G1 and heavy by brute force over every episode and measure row.
    let (mut g1, mut heavy) = (BTreeSet::new(), BTreeSet::new());
    let out_of_home = ["foster_care", "family_home", "residential", "secure"];
    for r in query(&store, "SELECT person_id, care_form, start_date::VARCHAR FROM care_episodes") {
        if date(&r[2]) < eighteen(persons[&r[0]].0) {
            g1.insert(r[0].clone());
            if out_of_home.contains(&r[1].as_str()) {
                heavy.insert(r[0].clone());
            }
        }
    }
    for r in query(&store, "SELECT person_id, start_date::VARCHAR FROM measures") {
        if date(&r[1]) < eighteen(persons[&r[0]].0) {
            g1.insert(r[0].clone());
            heavy.insert(r[0].clone());
        }
    }
    let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in query(&store, "SELECT parent_id, child_id FROM relations WHERE kind = 'biological'") {
        parents.entry(r[1].clone()).or_default().insert(r[0].clone());
    }
    // Children per exposure definition, and the unexposed.
    let mut count: BTreeMap<&str, u64> = BTreeMap::new();
    for ps in parents.values() {
        let g1_parents: Vec<&String> = ps.iter().filter(|p| g1.contains(*p)).collect();
        let sex_g1 = |s: &str| g1_parents.iter().any(|p| persons[*p].1 == s);
        for (name, yes) in [
            ("either", !g1_parents.is_empty()),
            ("mother", sex_g1("f")),
            ("father", sex_g1("m")),
            ("both", g1_parents.len() >= 2),
            ("heavy", ps.iter().any(|p| heavy.contains(p))),
            ("unexposed", g1_parents.is_empty()),
        ] {
            *count.entry(name).or_default() += u64::from(yes);
        }
    }
    let got: BTreeMap<String, (u64, u64)> = query(
        &store,
        "SELECT exposure, exposed_children, unexposed_children FROM linkage_risk
         WHERE relation_kind = 'biological' AND outcome = 'care' AND child_sex = 'all'",
    )
    .into_iter()
    .map(|r| (r[0].clone(), (r[1].parse().unwrap(), r[2].parse().unwrap())))
    .collect();
    for name in ["either", "mother", "father", "both", "heavy"] {
        assert_eq!(got[name], (count[name], count["unexposed"]), "{name}");
    }
    // G1 itself, person for person.
    let got_g1: BTreeSet<String> =
        query(&store, "SELECT person_id FROM person_summary WHERE g1").into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(got_g1, g1);
    count
}
