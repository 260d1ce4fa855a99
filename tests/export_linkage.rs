//! `kohort export linkage` on `intergenerational`: the attack. Families are recomputed here
//! (connected parents and children of `relations`, per kind) and every risk cell is recounted
//! by brute force from `linkage_g2`: no published count is under the minimum in persons or in
//! families, published counts equal the truth, and linear programming over the published cells
//! and the relations among them (categories to totals, sexes to `all`, followed within included,
//! `either` between its sub-definitions) leaves every suppressed count a range of at least the
//! minimum. Curves publish no interval with events or censorings under the minimum.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use minilp::{ComparisonOp, OptimizationDirection, Problem};

use crate::common::*;

const MIN: f64 = 10.0;

type Key = [String; 6];

/// Families per (kind, person): union-find over the links of each kind.
fn families(store: &Path) -> HashMap<(String, String), usize> {
    let links = query(store, "SELECT DISTINCT kind, parent_id, child_id FROM relations ORDER BY 1, 2, 3");
    let mut id: HashMap<(String, String), usize> = HashMap::new();
    let mut parent: Vec<usize> = Vec::new();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            i = p[i];
        }
        i
    }
    for l in &links {
        let mut get = |who: &str| {
            let k = (l[0].clone(), who.to_owned());
            let n = id.len();
            *id.entry(k).or_insert_with(|| {
                parent.push(n);
                n
            })
        };
        let (a, b) = (get(&l[1]), get(&l[2]));
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        parent[ra.max(rb)] = ra.min(rb);
    }
    id.into_iter().map(|(k, i)| (k, find(&mut parent, i))).collect()
}

/// The true risk cells: key (table, kind, outcome, group, sex, category) -> (persons, families),
/// over the G2 rows (kind, child) `keep` accepts.
fn risk_truth(store: &Path, keep: &dyn Fn(&str, &str) -> bool) -> BTreeMap<Key, (u64, u64)> {
    let fam = families(store);
    let rows = query(
        store,
        "SELECT relation_kind, child_id, sex, n_g1_parents, exposed, exposed_mother, exposed_father, exposed_heavy,
                followed_to_a, care_date IS NOT NULL, measure_date IS NOT NULL, out_of_home_date IS NOT NULL
         FROM linkage_g2",
    );
    let mut cells: BTreeMap<Key, (BTreeSet<String>, BTreeSet<usize>)> = BTreeMap::new();
    for r in rows.into_iter().filter(|r| keep(&r[0], &r[1])) {
        let family = fam[&(r[0].clone(), r[1].clone())];
        let yes = |i: usize| r[i] == "true";
        let mut groups = Vec::new();
        for (g, i) in [("either", 4), ("mother", 5), ("father", 6), ("heavy", 7)] {
            if yes(i) {
                groups.push(g);
            }
        }
        if r[3] == "0" {
            groups.push("none");
        }
        for (outcome, i) in [("care", 9), ("measure", 10), ("out_of_home", 11)] {
            let (with, followed) = (yes(i), yes(8));
            let category = if !(followed || with) {
                "not_yet_followed"
            } else if with {
                "with_outcome"
            } else {
                "without_outcome"
            };
            let mut cats = vec![category, "total"];
            if followed {
                cats.push(if with { "followed_with_outcome" } else { "followed_without_outcome" });
            }
            for g in &groups {
                for sex in ["all", r[2].as_str()] {
                    for c in &cats {
                        let key = ["risk", &r[0], outcome, g, sex, c].map(str::to_owned);
                        let e = cells.entry(key).or_default();
                        e.0.insert(r[1].clone());
                        e.1.insert(family);
                    }
                }
            }
        }
    }
    cells.into_iter().map(|(k, (p, f))| (k, (p.len() as u64, f.len() as u64))).collect()
}

/// Published risk cells: key -> (count if published, secondary).
fn published(out: &Path) -> BTreeMap<Key, (Option<f64>, bool)> {
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let sql = format!(
        "SELECT table_name, relation_kind, outcome, \"group\", sex, category, count, coalesce(reason, '')
         FROM read_parquet('{}') WHERE table_name = 'risk'",
        out.join("linkage.parquet").display()
    );
    let mut stmt = conn.prepare(&sql).unwrap();
    let rows = stmt
        .query_map([], |r| {
            let s = |i: usize| r.get::<_, String>(i);
            Ok(([s(0)?, s(1)?, s(2)?, s(3)?, s(4)?, s(5)?], r.get::<_, Option<i64>>(6)?, s(7)?))
        })
        .unwrap();
    rows.map(|r| {
        let (k, c, reason) = r.unwrap();
        (k, (c.map(|c| c as f64), reason == "secondary"))
    })
    .collect()
}

/// total (=, >=, <=) sum(parts), written from the table's definition.
fn relations(truth: &BTreeMap<Key, (u64, u64)>) -> Vec<(Key, Vec<Key>, ComparisonOp)> {
    let mut out = Vec::new();
    let with = |k: &Key, i: usize, v: &str| {
        let mut k = k.clone();
        v.clone_into(&mut k[i]);
        k
    };
    for k in truth.keys().filter(|k| k[5] == "total") {
        let parts = ["with_outcome", "without_outcome", "not_yet_followed"].map(|c| with(k, 5, c)).to_vec();
        out.push((k.clone(), parts, ComparisonOp::Eq));
    }
    for k in truth.keys() {
        if k[4] == "all" {
            let parts: Vec<Key> =
                truth.keys().filter(|o| o[..4] == k[..4] && o[5] == k[5] && o[4] != "all").cloned().collect();
            out.push((k.clone(), parts, ComparisonOp::Eq));
        }
        for (inc, fol) in [("with_outcome", "followed_with_outcome"), ("without_outcome", "followed_without_outcome")] {
            if k[5] == inc {
                out.push((k.clone(), vec![with(k, 5, fol)], ComparisonOp::Ge));
            }
        }
        if k[3] == "either" {
            for sub in ["mother", "father", "heavy"] {
                out.push((k.clone(), vec![with(k, 3, sub)], ComparisonOp::Ge));
            }
            out.push((k.clone(), vec![with(k, 3, "mother"), with(k, 3, "father")], ComparisonOp::Le));
        }
    }
    let get = |k: &Key| truth.get(k).map_or(0, |v| v.0);
    // Keep the bounds that hold (the attacker knows only true relations).
    out.retain(|(t, p, op)| {
        let (a, b) = (get(t), p.iter().map(get).sum::<u64>());
        match op {
            ComparisonOp::Eq => {
                assert_eq!(a, b, "{t:?} adds up");
                true
            }
            ComparisonOp::Ge => a >= b,
            ComparisonOp::Le => a <= b,
        }
    });
    out
}

#[test]
fn linkage_export_publishes_no_small_cell_in_persons_or_families_and_no_recoverable_one() {
    let (tmp, store) = scenario_store("intergenerational", false);
    kohort().arg("linkage").arg("--store").arg(&store).assert().success();
    let out = tmp.path().join("export");
    kohort().args(["export", "linkage", "--store"]).arg(&store).arg("--out").arg(&out).assert().success();
    attack(&risk_truth(&store, &|_, _| true), &out, 20);
}

/// A cohort-restricted export (a cohort of parents born 1975-1983, families still the clusters):
/// every risk cell as recounted over the cohort's children, none small in persons or families,
/// none recoverable; the resilience cells recounted over the cohort's heavy parents likewise
/// reach the minimum in persons and families where published.
#[test]
fn cohort_restricted_linkage_export_publishes_no_small_cell_and_no_recoverable_one() {
    let (tmp, store) = scenario_store("intergenerational", false);
    kohort().arg("linkage").arg("--store").arg(&store).assert().success();
    let cohort = tmp.path().join("parents.toml");
    std::fs::write(&cohort, "name = \"parents\"\nentry = \"birth\"\nentry_from = 1975-01-01\nentry_to = 1983-12-31\n")
        .unwrap();
    let out = tmp.path().join("export");
    kohort()
        .args(["export", "linkage", "--store"])
        .arg(&store)
        .arg("--cohort")
        .arg(&cohort)
        .args(["--side", "parents"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let members = crate::linkage_cohort::born_in(&store, "1975-01-01", "1983-12-31");
    let kids = crate::linkage_cohort::children(&store);
    let (keep, heavy) = crate::linkage_cohort::scope(&store, &kids, &members, "parents");
    assert!(keep.len() < kids.len(), "a restriction");
    let truth = risk_truth(&store, &|kind, child| keep.contains(&(kind.to_owned(), child.to_owned())));
    attack(&truth, &out, 10);
    // Resilience: per published cell, persons (heavy parents of the cohort) and their families.
    let fam = families(&store);
    let resilience = crate::linkage_cohort::resilience_brute(&store, &kids, &keep, &heavy);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("disclosure_report.json")).unwrap()).unwrap();
    assert_eq!(report["cohort"]["side"], "parents", "{report}");
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let sql = format!(
        "SELECT relation_kind, outcome, sex, category, count FROM read_parquet('{}')
         WHERE table_name = 'resilience' AND count IS NOT NULL",
        out.join("linkage.parquet").display()
    );
    let mut stmt = conn.prepare(&sql).unwrap();
    let cells: Vec<([String; 4], i64)> = stmt
        .query_map([], |r| Ok(([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?], r.get(4)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!cells.is_empty(), "resilience cells published");
    for (k, count) in cells {
        let n = resilience[&[k[0].clone(), k[1].clone(), k[2].clone()]];
        let want = match k[3].as_str() {
            "total" => n[0],
            "with_child_outcome" => n[2],
            "resilient" => n[3],
            _ => n[4],
        };
        assert_eq!(count as u64, want, "{k:?}");
        // The families of the parents counted in that cell.
        let in_cell = resilience_families(&store, &kids, &keep, &heavy, &k, &fam);
        assert!(want >= 10 && in_cell >= 10, "{k:?}: {want} parents in {in_cell} families published");
    }
}

/// Distinct families of the heavy parents counted in one resilience cell.
fn resilience_families(
    store: &Path,
    kids: &[crate::linkage_cohort::Child],
    keep: &BTreeSet<(String, String)>,
    heavy: &BTreeMap<String, String>,
    k: &[String; 4],
    fam: &HashMap<(String, String), usize>,
) -> u64 {
    let o = crate::linkage_cohort::OUTCOMES.iter().position(|x| *x == k[1]).unwrap();
    let by_id: BTreeMap<(&str, &str), &crate::linkage_cohort::Child> = kids
        .iter()
        .filter(|c| keep.contains(&(c.kind.clone(), c.id.clone())))
        .map(|c| ((c.kind.as_str(), c.id.as_str()), c))
        .collect();
    let mut per_parent: BTreeMap<&str, Vec<&crate::linkage_cohort::Child>> = BTreeMap::new();
    let links = crate::linkage_cohort::links(store);
    for (kind, parent, child) in &links {
        if *kind == k[0]
            && heavy.contains_key(parent)
            && let Some(c) = by_id.get(&(kind.as_str(), child.as_str()))
        {
            per_parent.entry(parent.as_str()).or_default().push(c);
        }
    }
    let mut families = BTreeSet::new();
    for (parent, cs) in per_parent {
        if k[2] != "all" && heavy[parent] != k[2] {
            continue;
        }
        let any = cs.iter().any(|c| c.outcome[o]);
        let followed = cs.iter().all(|c| c.followed);
        let cat = if any {
            "with_child_outcome"
        } else if followed {
            "resilient"
        } else {
            "not_yet_followed"
        };
        if k[3] == "total" || k[3] == cat {
            families.insert(fam[&(k[0].clone(), parent.to_owned())]);
        }
    }
    families.len() as u64
}

/// The attack on the published risk cells of `out` against `truth`: every cell listed, published
/// counts as counted and reaching the minimum in persons and families, at least `min_hidden`
/// hidden cells, none of them narrowed under the minimum by linear programming; curves with no
/// small interval.
fn attack(truth: &BTreeMap<Key, (u64, u64)>, out: &Path, min_hidden: usize) {
    let shown = published(out);
    assert_eq!(shown.keys().collect::<Vec<_>>(), truth.keys().collect::<Vec<_>>(), "every risk cell listed");
    let mut hidden = Vec::new();
    for (k, (count, _)) in &shown {
        let (persons, fams) = truth[k];
        match count {
            Some(c) => {
                assert_eq!(*c as u64, persons, "{k:?} published as counted");
                assert!(persons >= 10 && fams >= 10, "{k:?}: {persons} persons in {fams} families published");
            }
            None => hidden.push(k.clone()),
        }
    }
    assert!(
        hidden.len() > min_hidden && hidden.len() < shown.len(),
        "suppression at work: {} of {}",
        hidden.len(),
        shown.len()
    );
    let rels = relations(truth);
    let mut narrow = Vec::new();
    for target in &hidden {
        let mut range = [0.0; 2];
        for (i, dir) in [OptimizationDirection::Minimize, OptimizationDirection::Maximize].into_iter().enumerate() {
            let mut p = Problem::new(dir);
            let vars: BTreeMap<&Key, minilp::Variable> = hidden
                .iter()
                .map(|k| {
                    let floor = if shown[k].1 { MIN } else { 0.0 };
                    (k, p.add_var(if k == target { 1.0 } else { 0.0 }, (floor, f64::INFINITY)))
                })
                .collect();
            for (t, parts, op) in &rels {
                let mut terms = Vec::new();
                let mut constant = 0.0;
                for (k, sign) in std::iter::once((t, -1.0)).chain(parts.iter().map(|k| (k, 1.0))) {
                    match (vars.get(k), shown.get(k)) {
                        (Some(v), _) => terms.push((*v, sign)),
                        (None, Some((Some(c), _))) => constant += sign * c,
                        _ => {}
                    }
                }
                let op = match op {
                    ComparisonOp::Eq => ComparisonOp::Eq,
                    ComparisonOp::Ge => ComparisonOp::Le,
                    ComparisonOp::Le => ComparisonOp::Ge,
                };
                if !terms.is_empty() {
                    p.add_constraint(&terms, op, -constant);
                }
            }
            let sol = p.solve().expect("consistent");
            range[i] = if sol.objective().is_finite() { sol.objective() } else { 1e9 };
        }
        if range[1] - range[0] < MIN - 1e-6 {
            narrow.push(format!("{target:?} in {range:?}"));
        }
    }
    assert!(narrow.is_empty(), "{narrow:#?}");
    // Curves: no interval with a small count; the risk set entering each reaches the minimum.
    let conn = duckdb::Connection::open_in_memory().unwrap();
    for t in ["linkage_km", "linkage_cif"] {
        let n: i64 = conn
            .query_row(
                &format!(
                    "SELECT count(*) FROM read_parquet('{}') WHERE at_risk < 10 OR (events BETWEEN 1 AND 9)
                     OR (competing BETWEEN 1 AND 9) OR (censored BETWEEN 1 AND 9)",
                    out.join(format!("{t}.parquet")).display()
                ),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 0, "{t}");
        let rows: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM read_parquet('{}')", out.join(format!("{t}.parquet")).display()),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(rows > 20, "{t} publishes curves: {rows}");
    }
}
