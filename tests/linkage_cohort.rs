//! `kohort linkage --cohort FILE --side children|parents --out DIR` on `intergenerational`
//! (docs/definitions.md §4.13.6): the restricted risk and resilience counts against a brute force
//! written here (Rust loops over the run's per-child rows `linkage_g2`, the store's `relations`
//! and `persons`, and the heavy flags of `person_summary`; the cohort's membership recomputed
//! from the birth dates), a cohort holding everyone giving the run's own tables exactly on both
//! sides, deterministic bytes, and clear errors for a cohort with no members or none linked.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common::*;

/// A birth cohort file (persons born in `from..=to`, or everyone).
pub fn birth_cohort(dir: &Path, name: &str, range: Option<(&str, &str)>) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    let dates = range.map_or_else(String::new, |(f, t)| format!("entry_from = {f}\nentry_to = {t}\n"));
    std::fs::write(&path, format!("name = \"{name}\"\nentry = \"birth\"\n{dates}")).unwrap();
    path
}

/// `kohort linkage --cohort` into `out`.
pub fn restricted(store: &Path, cohort: &Path, side: &str, out: &Path) -> assert_cmd::assert::Assert {
    kohort()
        .arg("linkage")
        .arg("--store")
        .arg(store)
        .arg("--cohort")
        .arg(cohort)
        .args(["--side", side])
        .arg("--out")
        .arg(out)
        .assert()
}

/// The persons born in `from..=to` (ISO dates compare as text).
pub fn born_in(store: &Path, from: &str, to: &str) -> BTreeSet<String> {
    query(store, "SELECT person_id, coalesce(birth_date::VARCHAR, '') FROM persons")
        .into_iter()
        .filter(|r| !r[1].is_empty() && r[1].as_str() >= from && r[1].as_str() <= to)
        .map(|r| r[0].clone())
        .collect()
}

/// One G2 row as the brute force reads it.
pub struct Child {
    pub kind: String,
    pub id: String,
    pub sex: String,
    pub n_g1: u64,
    /// either, mother, father, both, heavy.
    pub exposed: [bool; 5],
    pub followed: bool,
    /// care, measure, out_of_home before A.
    pub outcome: [bool; 3],
}

pub const OUTCOMES: [&str; 3] = ["care", "measure", "out_of_home"];

pub fn children(store: &Path) -> Vec<Child> {
    let rows = query(
        store,
        "SELECT relation_kind, child_id, sex, n_g1_parents, exposed, exposed_mother, exposed_father, exposed_both,
                exposed_heavy, followed_to_a, care_date IS NOT NULL, measure_date IS NOT NULL,
                out_of_home_date IS NOT NULL
         FROM linkage_g2",
    );
    rows.into_iter()
        .map(|r| {
            let b = |i: usize| r[i] == "true";
            Child {
                kind: r[0].clone(),
                id: r[1].clone(),
                sex: r[2].clone(),
                n_g1: r[3].parse().unwrap(),
                exposed: [b(4), b(5), b(6), b(7), b(8)],
                followed: b(9),
                outcome: [b(10), b(11), b(12)],
            }
        })
        .collect()
}

/// (kind, parent, child) links.
pub fn links(store: &Path) -> BTreeSet<(String, String, String)> {
    query(store, "SELECT DISTINCT kind, parent_id, child_id FROM relations")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
        .collect()
}

/// Which G2 rows (kind, child) a cohort keeps, and which heavy parents count.
pub fn scope(
    store: &Path,
    kids: &[Child],
    members: &BTreeSet<String>,
    side: &str,
) -> (BTreeSet<(String, String)>, BTreeMap<String, String>) {
    let heavy: BTreeMap<String, String> = query(store, "SELECT person_id, sex FROM person_summary WHERE heavy")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .filter(|(p, _)| side == "children" || members.contains(p))
        .collect();
    // On the parents side, the (kind, child) links that have a member as a parent.
    let all = links(store);
    let of_members: BTreeSet<(&str, &str)> =
        all.iter().filter(|(_, p, _)| members.contains(p)).map(|(k, _, ch)| (k.as_str(), ch.as_str())).collect();
    let keep = kids
        .iter()
        .filter(|c| match side {
            "children" => members.contains(&c.id),
            _ => of_members.contains(&(c.kind.as_str(), c.id.as_str())),
        })
        .map(|c| (c.kind.clone(), c.id.clone()))
        .collect();
    (keep, heavy)
}

/// Risk counts per (kind, outcome, exposure, sex): exposed_children, n1, a, unexposed_children,
/// n0, c, n1_followed, a_followed, n0_followed, c_followed.
pub fn risk_brute(kids: &[Child], keep: &BTreeSet<(String, String)>) -> BTreeMap<[String; 4], [u64; 10]> {
    let mut out: BTreeMap<[String; 4], [u64; 10]> = BTreeMap::new();
    for c in kids.iter().filter(|c| keep.contains(&(c.kind.clone(), c.id.clone()))) {
        for (o, outcome) in OUTCOMES.iter().enumerate() {
            let with = c.outcome[o];
            let included = c.followed || with;
            for (e, exposure) in ["either", "mother", "father", "both", "heavy"].iter().enumerate() {
                for sex in ["all", c.sex.as_str()] {
                    let n = out
                        .entry([c.kind.clone(), (*outcome).to_owned(), (*exposure).to_owned(), sex.to_owned()])
                        .or_default();
                    for (base, yes) in [(0, c.exposed[e]), (3, c.n_g1 == 0)] {
                        if yes {
                            n[base] += 1;
                            n[base + 1] += u64::from(included);
                            n[base + 2] += u64::from(included && with);
                        }
                    }
                    for (base, yes) in [(6, c.exposed[e]), (8, c.n_g1 == 0)] {
                        if yes && c.followed {
                            n[base] += 1;
                            n[base + 1] += u64::from(with);
                        }
                    }
                }
            }
        }
    }
    out
}

/// Resilience per (kind, outcome, parent sex): heavy_parents, children, with_child_outcome,
/// resilient, not_yet_followed.
pub fn resilience_brute(
    store: &Path,
    kids: &[Child],
    keep: &BTreeSet<(String, String)>,
    heavy: &BTreeMap<String, String>,
) -> BTreeMap<[String; 3], [u64; 5]> {
    let by_id: BTreeMap<(&str, &str), &Child> = kids
        .iter()
        .filter(|c| keep.contains(&(c.kind.clone(), c.id.clone())))
        .map(|c| ((c.kind.as_str(), c.id.as_str()), c))
        .collect();
    let mut per_parent: BTreeMap<(String, String), Vec<&Child>> = BTreeMap::new();
    for (kind, parent, child) in links(store) {
        if let (Some(_), Some(&c)) = (heavy.get(&parent), by_id.get(&(kind.as_str(), child.as_str()))) {
            per_parent.entry((kind, parent)).or_default().push(c);
        }
    }
    let mut out: BTreeMap<[String; 3], [u64; 5]> = BTreeMap::new();
    for ((kind, parent), cs) in &per_parent {
        for (o, outcome) in OUTCOMES.iter().enumerate() {
            let any = cs.iter().any(|c| c.outcome[o]);
            let all_followed = cs.iter().all(|c| c.followed);
            for sex in ["all", heavy[parent].as_str()] {
                let n = out.entry([kind.clone(), (*outcome).to_owned(), sex.to_owned()]).or_default();
                n[0] += 1;
                n[1] += cs.len() as u64;
                n[2] += u64::from(any);
                n[3] += u64::from(!any && all_followed);
                n[4] += u64::from(!any && !all_followed);
            }
        }
    }
    out
}

fn parquet(dir: &Path, table: &str) -> String {
    format!("read_parquet('{}')", dir.join(format!("{table}.parquet")).display())
}

fn product_risk(store: &Path, dir: &Path) -> BTreeMap<[String; 4], [u64; 10]> {
    let sql = format!(
        "SELECT relation_kind, outcome, exposure, child_sex, exposed_children, n1, a, unexposed_children, n0, c,
                n1_followed, a_followed, n0_followed, c_followed, coalesce(risk_ratio, -1)
         FROM {}",
        parquet(dir, "linkage_risk")
    );
    let mut out = BTreeMap::new();
    for r in query(store, &sql) {
        let n: Vec<u64> = r[4..14].iter().map(|v| v.parse().unwrap()).collect();
        // The ratio from the brute-force counts of the same row.
        let rr: f64 = r[14].parse().unwrap();
        if n[2] > 0 && n[5] > 0 {
            let want = (n[2] as f64 / n[1] as f64) / (n[5] as f64 / n[4] as f64);
            assert!((rr - want).abs() < 1e-9 * want, "{r:?}: ratio {rr} vs {want}");
        }
        out.insert([r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()], n.try_into().unwrap());
    }
    out
}

fn product_resilience(store: &Path, dir: &Path) -> BTreeMap<[String; 3], [u64; 5]> {
    let sql = format!(
        "SELECT relation_kind, outcome, parent_sex, heavy_parents, children, with_child_outcome, resilient,
                not_yet_followed FROM {}",
        parquet(dir, "linkage_resilience")
    );
    query(store, &sql)
        .into_iter()
        .map(|r| {
            let n: Vec<u64> = r[3..8].iter().map(|v| v.parse().unwrap()).collect();
            ([r[0].clone(), r[1].clone(), r[2].clone()], n.try_into().unwrap())
        })
        .collect()
}

#[test]
fn cohort_restricted_risk_and_resilience_equal_a_brute_force_on_both_sides() {
    let (tmp, store) = scenario_store("intergenerational", false);
    kohort().arg("linkage").arg("--store").arg(&store).assert().success();
    let kids = children(&store);
    // Children born 2000-2008 (followed to 18 by the data end), and parents born 1975-1983.
    for (side, from, to) in [("children", "2000-01-01", "2008-12-31"), ("parents", "1975-01-01", "1983-12-31")] {
        let file = birth_cohort(tmp.path(), &format!("{side}_cohort"), Some((from, to)));
        let out = tmp.path().join(format!("{side}_tables"));
        restricted(&store, &file, side, &out).success();
        let members = born_in(&store, from, to);
        let (keep, heavy) = scope(&store, &kids, &members, side);
        assert!(
            keep.len() > 500 && keep.len() < kids.len(),
            "{side}: {} of {} children in scope",
            keep.len(),
            kids.len()
        );
        let risk = product_risk(&store, &out);
        assert_eq!(risk, risk_brute(&kids, &keep), "{side}: risk counts");
        let res = product_resilience(&store, &out);
        let want = resilience_brute(&store, &kids, &keep, &heavy);
        assert!(want.values().any(|n| n[0] >= 10), "{side}: heavy parents in scope");
        assert_eq!(res, want, "{side}: resilience counts");
        // What the restriction kept, as scope.json says.
        let scope_json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("scope.json")).unwrap()).unwrap();
        assert_eq!(scope_json["members"].as_u64(), Some(members.len() as u64), "{side}: members");
        assert_eq!(scope_json["by_kind"]["biological"]["children"].as_u64(), Some(keep.len() as u64), "{side}");
        // Deterministic: the same cohort again gives the same bytes.
        let again = tmp.path().join(format!("{side}_again"));
        restricted(&store, &file, side, &again).success();
        for t in ["linkage_risk", "linkage_resilience", "linkage_chain", "linkage_km", "linkage_cif"] {
            let f = format!("{t}.parquet");
            assert_eq!(std::fs::read(out.join(&f)).unwrap(), std::fs::read(again.join(&f)).unwrap(), "{side} {t}");
        }
    }
}

#[test]
fn a_cohort_of_everyone_gives_the_unrestricted_tables_exactly_on_both_sides() {
    let (tmp, store) = scenario_store("intergenerational", false);
    kohort().arg("linkage").arg("--store").arg(&store).assert().success();
    let file = birth_cohort(tmp.path(), "everyone", None);
    for side in ["children", "parents"] {
        let out = tmp.path().join(side);
        restricted(&store, &file, side, &out).success();
        for t in ["linkage_risk", "linkage_resilience", "linkage_chain", "linkage_km", "linkage_cif"] {
            let whole = query(&store, &format!("SELECT * FROM {t}"));
            assert!(!whole.is_empty(), "{t} has rows");
            assert_eq!(query(&store, &format!("SELECT * FROM {}", parquet(&out, t))), whole, "{side}: {t}");
        }
    }
}

#[test]
fn a_cohort_with_no_members_or_none_linked_on_its_side_is_a_clear_error() {
    let (tmp, store) = scenario_store("intergenerational", false);
    kohort().arg("linkage").arg("--store").arg(&store).assert().success();
    let out = tmp.path().join("out");
    let nobody = birth_cohort(tmp.path(), "nobody", Some(("1900-01-01", "1901-12-31")));
    let err = restricted(&store, &nobody, "children", &out).failure();
    let text = String::from_utf8_lossy(&err.get_output().stderr).into_owned();
    assert!(text.contains("nobody.toml: no members"), "{text}");
    // Founders (born before 1975) are parents in the data, never linked children.
    let founders = birth_cohort(tmp.path(), "founders", Some(("1930-01-01", "1969-12-31")));
    assert!(!born_in(&store, "1930-01-01", "1969-12-31").is_empty(), "founders exist");
    let err = restricted(&store, &founders, "children", &out).failure();
    let text = String::from_utf8_lossy(&err.get_output().stderr).into_owned();
    assert!(
        text.contains("is a linked child of the relation kinds biological") && text.contains("--side parents"),
        "{text}"
    );
    assert!(!out.exists(), "nothing published");
    // The same cohort on the parents side is fine.
    restricted(&store, &founders, "parents", &out).success();
    // --cohort needs --side and --out.
    kohort().arg("linkage").arg("--store").arg(&store).arg("--cohort").arg(&founders).assert().failure();
}
