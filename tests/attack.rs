//! The attack on published study tables that knows everything published: for every suppressed
//! cell, linear programming (minilp, independent of kohort's own audit) bounds its count and its
//! complement over every published cell and every additive relation the tables imply, written
//! out here from the contract and the reference data: categories of a split sum to the region's
//! total, the regions of a level sum to NL, and every nesting of the youth-region mapping
//! (municipality ⊂ youth region, with the mapping of each index year; where a municipality
//! changed region within the study's years, the bounds it still gives). Secondary cells are
//! known to pass the primary rule (their reason is published). Rounded tables are attacked with
//! every published figure known only to ±2. Every range must be at least the minimum count wide.
//!
//! Studies attacked: generated nested studies (2–5 municipalities per youth region, one of them
//! changing region, several seeds and shapes, through an override mapping), `small` (one
//! municipality per region: twin cells) and `proeftuinen`. Negative control: a pattern that
//! leaves the nesting out is broken by the same attack.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use minilp::{ComparisonOp, OptimizationDirection, Problem};

use crate::common::*;

const MIN: f64 = 10.0;

/// A cell key within a system: (level, region, split, value).
type Key = [String; 4];

/// One published cell: its published (or true, for the negative control) figures when published,
/// whether it is a secondary suppression, and a rate's population (public: published in every
/// rate row, suppressed or not).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Shown {
    /// `Some((count, denominator))` when published.
    value: Option<(f64, f64)>,
    secondary: bool,
    /// The population of a rate cell: a suppressed rate's count lies in [0, population] (the
    /// attacker assumes so), and a secondary one's in [min, population − min].
    population: Option<f64>,
}

/// One system (cohort, outcome, window, period, variant) of an export: its cells.
type System = BTreeMap<Key, Shown>;

/// A system's key: (cohort, outcome, window, period, variant).
type SysKey = [String; 5];

/// The true cells of every system of a study's tables.
type Truth = BTreeMap<SysKey, BTreeMap<Key, (f64, f64)>>;

/// Per (period, municipality), its group of comparable municipalities (`group_of`).
type Groups = BTreeMap<(String, String), String>;

/// `read_parquet` of a tables file with the columns older tables lack (variant, group_of).
fn tables_of(file: &Path) -> String {
    format!(
        "(SELECT NULL::VARCHAR AS variant, NULL::VARCHAR AS group_of WHERE false
          UNION ALL BY NAME SELECT * FROM read_parquet('{}'))",
        file.display()
    )
}

/// The groups of comparable municipalities a tables file names.
fn groups_of(file: &Path) -> Groups {
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let sql = format!(
        "SELECT DISTINCT period, region, group_of FROM {} WHERE region_level = 'municipality' AND group_of IS NOT NULL",
        tables_of(file)
    );
    let mut stmt = conn.prepare(&sql).unwrap();
    stmt.query_map([], |r| Ok(((r.get::<_, String>(0)?, r.get::<_, String>(1)?), r.get::<_, String>(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The systems of an export folder's `tables.parquet`.
fn read_export(out: &Path) -> BTreeMap<SysKey, System> {
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let sql = format!(
        "SELECT cohort, outcome, coalesce(window_days::VARCHAR, ''), period, coalesce(variant, ''), region_level,
                region, split, split_value, count, denominator, suppressed, coalesce(reason, ''),
                CASE WHEN outcome IN ('care_use', 'care_starts', 'care_stock') THEN population END
         FROM {}",
        tables_of(&out.join("tables.parquet"))
    );
    let mut stmt = conn.prepare(&sql).unwrap();
    let rows = stmt
        .query_map([], |r| {
            let s = |i: usize| r.get::<_, String>(i);
            Ok((
                [s(0)?, s(1)?, s(2)?, s(3)?, s(4)?],
                [s(5)?, s(6)?, s(7)?, s(8)?],
                r.get::<_, Option<i64>>(9)?,
                r.get::<_, Option<i64>>(10)?,
                r.get::<_, bool>(11)?,
                s(12)?,
                r.get::<_, Option<i64>>(13)?,
            ))
        })
        .unwrap();
    let mut out: BTreeMap<SysKey, System> = BTreeMap::new();
    for row in rows {
        let (sys, key, c, n, suppressed, reason, population) = row.unwrap();
        let shown = Shown {
            value: (!suppressed).then(|| (c.unwrap() as f64, n.or(c).unwrap() as f64)),
            secondary: reason == "secondary",
            population: population.map(|p| p as f64),
        };
        if let Some(prev) = out.entry(sys).or_default().insert(key.clone(), shown) {
            assert_eq!(prev, shown, "a shared cell is published alike in every table: {key:?}");
        }
    }
    out
}

/// Youth-region mapping: municipality -> rows (region, from, to).
type Mapping = BTreeMap<String, Vec<(String, i32, Option<i32>)>>;

/// Youth-region mapping rows (municipality, region, from, to), parsed here from the CSV.
fn mapping(text: &str) -> Mapping {
    let mut out = Mapping::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        out.entry(f[0].to_owned()).or_default().push((f[1].to_owned(), f[3].parse().unwrap(), f[4].parse().ok()));
    }
    out
}

fn shipped_mapping() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data-schema/youth_regions.csv")).unwrap()
}

/// `total (=, >=, <=) sum(parts)`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ge,
    Le,
}

type Rel = (Key, Vec<Key>, Op);

/// The monitor levels of a system for [`relations`]: its period, the groups of comparable
/// municipalities and (when known) its true cells, which say whether the districts of a
/// municipality cover it (an equality) or only bound it.
#[derive(Default, Clone, Copy)]
struct Monitor<'a> {
    period: &'a str,
    groups: Option<&'a Groups>,
    truth: Option<&'a BTreeMap<Key, (f64, f64)>>,
}

/// The top of a system: NL, or the total of a cohort that is not national.
fn is_top(level: &str) -> bool {
    level == "national" || level == "cohort"
}

/// The municipality of a district: `WK` + 4 digits + 2, `GMdddd-unknown`, `unknown`.
fn district_municipality(d: &str) -> Option<String> {
    if d.len() == 8 && d.starts_with("WK") && d[2..].bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!("GM{}", &d[2..6]));
    }
    if d == "unknown" {
        return Some("unknown".to_owned());
    }
    d.strip_suffix("-unknown").map(str::to_owned)
}

/// Every additive relation among the cells of one system (absent cells are zero).
fn relations(sys: &System, map: &Mapping, nesting: bool) -> Vec<Rel> {
    relations_with(sys, map, nesting, Monitor::default())
}

/// [`relations`] with the monitor levels: the cohort's total as the top, districts within
/// municipalities, municipalities within their groups.
fn relations_with(sys: &System, map: &Mapping, nesting: bool, monitor: Monitor<'_>) -> Vec<Rel> {
    let k = |a: &str, b: &str, c: &str, d: &str| [a.to_owned(), b.to_owned(), c.to_owned(), d.to_owned()];
    let mut cats: BTreeMap<[String; 3], Vec<Key>> = BTreeMap::new();
    let mut levels: BTreeMap<[String; 3], Vec<Key>> = BTreeMap::new();
    for key in sys.keys() {
        if key[2] != "total" {
            cats.entry([key[0].clone(), key[1].clone(), key[2].clone()]).or_default().push(key.clone());
        }
        if !["national", "cohort", "municipality_group"].contains(&key[0].as_str()) {
            levels.entry([key[0].clone(), key[2].clone(), key[3].clone()]).or_default().push(key.clone());
        }
    }
    let cohort_top = sys.keys().any(|k| k[0] == "cohort");
    let mut out: Vec<Rel> = Vec::new();
    for ([l, r, _], parts) in cats {
        let t = k(&l, &r, "total", "total");
        assert!(sys.contains_key(&t), "a split without its total row: {t:?}");
        out.push((t, parts, Op::Eq));
    }
    for ([_, s, v], parts) in levels {
        let top = if cohort_top { k("cohort", "total", &s, &v) } else { k("national", "NL", &s, &v) };
        out.push((top, parts, Op::Eq));
    }
    if !nesting {
        return out;
    }
    // Districts within municipalities: equal where they cover it (the truth says), else below.
    let mut by_muni: BTreeMap<Key, Vec<Key>> = BTreeMap::new();
    for d in sys.keys().filter(|d| d[0] == "district") {
        if let Some(m) = district_municipality(&d[1]) {
            by_muni.entry(k("municipality", &m, &d[2], &d[3])).or_default().push(d.clone());
        }
    }
    for (m, parts) in by_muni {
        let covers = monitor.truth.is_some_and(|t| {
            let get = |x: &Key| t.get(x).copied().unwrap_or((0.0, 0.0));
            let sum = parts.iter().map(get).fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
            #[allow(clippy::float_cmp)] // sums of whole counts are exact in f64
            let eq = sum == get(&m);
            eq
        });
        out.push((m, parts, if covers { Op::Eq } else { Op::Ge }));
    }
    // Municipalities within their groups (the membership is published beside each row).
    if let Some(groups) = monitor.groups {
        for g in sys.keys().filter(|g| g[0] == "municipality_group") {
            let parts: Vec<Key> = sys
                .keys()
                .filter(|m| m[0] == "municipality" && m[2] == g[2] && m[3] == g[3])
                .filter(|m| groups.get(&(monitor.period.to_owned(), m[1].clone())) == Some(&g[1]))
                .cloned()
                .collect();
            out.push((g.clone(), parts, Op::Eq));
        }
    }
    let mut years: BTreeSet<i32> =
        sys.keys().filter(|k| is_top(&k[0]) && k[2] == "index_year").map(|k| k[3].parse().unwrap()).collect();
    if years.is_empty() {
        // A year period, or a quarter's year (`2024Q3`).
        years.extend(monitor.period.split('Q').next().and_then(|y| y.parse::<i32>().ok()));
    }
    assert!(!years.is_empty(), "the attacked studies publish by_index_year or year periods");
    let region = |m: &str, y: i32| -> String {
        map.get(m)
            .and_then(|rows| rows.iter().find(|(_, f, t)| *f <= y && t.is_none_or(|t| y <= t)))
            .map_or_else(|| "unknown".to_owned(), |r| r.0.clone())
    };
    for key in sys.keys().filter(|k| k[0] == "youth_region") {
        let ys: Vec<i32> =
            if key[2] == "index_year" { vec![key[3].parse().unwrap()] } else { years.iter().copied().collect() };
        let (mut always, mut sometimes) = (Vec::new(), Vec::new());
        for m in sys.keys().filter(|m| m[0] == "municipality" && m[2] == key[2] && m[3] == key[3]) {
            let hits = ys.iter().filter(|&&y| region(&m[1], y) == key[1]).count();
            if hits == ys.len() {
                always.push(m.clone());
            } else if hits > 0 {
                sometimes.push(m.clone());
            }
        }
        if sometimes.is_empty() {
            out.push((key.clone(), always, Op::Eq));
        } else {
            out.push((key.clone(), always.clone(), Op::Ge));
            always.extend(sometimes);
            out.push((key.clone(), always, Op::Le));
        }
    }
    out
}

/// Checks the relations against true figures (the attack's model is right).
fn check_relations(truth: &BTreeMap<Key, (f64, f64)>, rels: &[Rel]) {
    for (t, parts, op) in rels {
        for q in [0, 1] {
            let get = |k: &Key| truth.get(k).map_or(0.0, |v| if q == 0 { v.0 } else { v.1 });
            let (total, sum) = (get(t), parts.iter().map(get).sum::<f64>());
            let ok = match op {
                #[allow(clippy::float_cmp)] // sums of whole counts are exact in f64
                Op::Eq => total == sum,
                Op::Ge => total >= sum,
                Op::Le => total <= sum,
            };
            assert!(ok, "relation {op:?} does not hold for {t:?}: {total} vs {sum}");
        }
    }
}

/// The narrow cells of one system: (key, which: "count"/"complement", lo, hi). `err` is how far a
/// published figure may lie from the truth (0, or 2 for base-5 rounding).
fn narrow_cells(sys: &System, rels: &[Rel], err: f64) -> Vec<(Key, &'static str, f64, f64)> {
    narrow_cells_of(sys, rels, err, &["count", "complement"])
}

/// The plain counts of the catalogue (docs/definitions.md §4.8.6): a count and no denominator.
fn is_plain(outcome: &str) -> bool {
    ["families", "family_children", "reports", "measures_imposed"].contains(&outcome)
}

/// [`narrow_cells`] over the quantities named (`count`, `complement`).
fn narrow_cells_of(
    sys: &System,
    rels: &[Rel],
    err: f64,
    quantities: &[&'static str],
) -> Vec<(Key, &'static str, f64, f64)> {
    let hidden: Vec<&Key> = sys.iter().filter(|(_, s)| s.value.is_none()).map(|(k, _)| k).collect();
    let mut out = Vec::new();
    // Without rounding, published cells are constants and groups of hidden cells linked by
    // relations are independent programs; with rounding every cell is a variable.
    let groups: Vec<Vec<&Key>> = if err == 0.0 { hidden_groups(sys, rels) } else { vec![hidden.clone()] };
    for group in groups {
        let in_group: BTreeSet<&Key> = group.iter().copied().collect();
        let rels: Vec<&Rel> = if err == 0.0 {
            rels.iter().filter(|(t, p, _)| in_group.contains(t) || p.iter().any(|x| in_group.contains(x))).collect()
        } else {
            rels.iter().collect()
        };
        for &which in quantities {
            let mut spread: BTreeMap<&Key, (f64, f64)> = group.iter().map(|k| (*k, (f64::MAX, f64::MIN))).collect();
            fn learn(spread: &mut BTreeMap<&Key, (f64, f64)>, values: Vec<(&Key, f64)>) {
                for (k, v) in values {
                    if let Some(e) = spread.get_mut(k) {
                        *e = (e.0.min(v), e.1.max(v));
                    }
                }
            }
            // Two sweeping objectives first (every solution is feasible, so each one widens the
            // known range of every cell), then each cell not yet shown wide on its own.
            for sign in [1.0, -1.0] {
                let weights: BTreeMap<&Key, f64> =
                    group.iter().enumerate().map(|(i, k)| (*k, if i % 2 == 0 { sign } else { -sign })).collect();
                learn(&mut spread, solve(sys, &rels, &in_group, &weights, which, err).unwrap_or_default());
            }
            // Then sweeps over the cells not yet shown wide, each cell weighted +1 or -1 at
            // random (a fixed sequence): every solution again widens every cell it moves, so
            // far fewer cells are left to programs of their own (the proeftuinen export: about
            // 4,600 of those without the sweeps, about 800 with them).
            let mut x = 0x2545_f491_4f6c_dd1d_u64;
            for _ in 0..SWEEPS {
                let weights: BTreeMap<&Key, f64> = group
                    .iter()
                    .filter(|k| spread[*k].1 - spread[*k].0 < width_needed(&sys[**k]))
                    .map(|k| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        (*k, if x & 1 == 0 { 1.0 } else { -1.0 })
                    })
                    .collect();
                if weights.is_empty() {
                    break;
                }
                learn(&mut spread, solve(sys, &rels, &in_group, &weights, which, err).unwrap_or_default());
            }
            for target in &group {
                let need = width_needed(&sys[*target]);
                for sign in [1.0, -1.0] {
                    let (lo, hi) = spread[target];
                    if hi - lo >= need {
                        break;
                    }
                    let weights = BTreeMap::from([(*target, sign)]);
                    match solve(sys, &rels, &in_group, &weights, which, err) {
                        Some(values) => learn(&mut spread, values),
                        None => learn(&mut spread, vec![(*target, sign * 1e9)]),
                    }
                }
                let (lo, hi) = spread[target];
                if hi - lo < need {
                    out.push(((*target).clone(), which, lo, hi));
                }
            }
        }
    }
    out
}

/// Random sweeps of a group before its cells' own programs.
const SWEEPS: usize = 32;

/// How wide a hidden cell's range must be: the minimum, or for a rate the range its public
/// population leaves ([floor, population − floor]), all one can give whatever is hidden.
fn width_needed(shown: &Shown) -> f64 {
    let floor = if shown.secondary { MIN } else { 0.0 };
    shown.population.map_or(MIN, |n| MIN.min(n - 2.0 * floor)) - 1e-6
}

/// Groups of hidden cells linked by relations.
fn hidden_groups<'a>(sys: &'a System, rels: &[Rel]) -> Vec<Vec<&'a Key>> {
    let hidden: Vec<&Key> = sys.iter().filter(|(_, s)| s.value.is_none()).map(|(k, _)| k).collect();
    let idx: BTreeMap<&Key, usize> = hidden.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    let mut parent: Vec<usize> = (0..hidden.len()).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            i = p[i];
        }
        i
    }
    for (t, parts, _) in rels {
        let members: Vec<usize> = std::iter::once(t).chain(parts).filter_map(|k| idx.get(k).copied()).collect();
        for w in members.windows(2) {
            let (a, b) = (find(&mut parent, w[0]), find(&mut parent, w[1]));
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut groups: BTreeMap<usize, Vec<&Key>> = BTreeMap::new();
    for (i, k) in hidden.iter().enumerate() {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(*k);
    }
    groups.into_values().collect()
}

/// One linear program: maximise `sum(weights · quantity)` (count or complement) over what is
/// published; returns every hidden cell's quantity at the optimum, `None` when unbounded.
/// Without rounding (`err` = 0) the variables are the group's quantities only (published cells
/// are constants); with rounding every cell has a count and a denominator, published ones in
/// their ±`err` box.
fn solve<'a>(
    sys: &'a System,
    rels: &[&Rel],
    group: &BTreeSet<&'a Key>,
    weights: &BTreeMap<&Key, f64>,
    which: &str,
    err: f64,
) -> Option<Vec<(&'a Key, f64)>> {
    let mut p = Problem::new(OptimizationDirection::Maximize);
    let complement = which == "complement";
    let w = |k: &Key| weights.get(k).copied().unwrap_or(0.0);
    let floor = |s: &Shown| if s.secondary { MIN } else { 0.0 };
    // Per key: (count var, denominator var) or, without rounding, (quantity var, same).
    let mut vars = BTreeMap::new();
    for (key, shown) in sys {
        if err == 0.0 {
            if group.contains(key) {
                // A rate's count and complement (population − count) both lie in
                // [floor, population − floor].
                let top = shown.population.map_or(f64::INFINITY, |n| n - floor(shown));
                let v = p.add_var(w(key), (floor(shown), top));
                vars.insert(key, (v, v));
            }
            continue;
        }
        let (c, n) = match shown.value {
            Some((c, n)) => {
                (p.add_var(0.0, ((c - err).max(0.0), c + err)), p.add_var(0.0, ((n - err).max(0.0), n + err)))
            }
            None => {
                let sign = if complement { -1.0 } else { 1.0 };
                let c = p.add_var(sign * w(key), (floor(shown), f64::INFINITY));
                let known = shown.population.map_or((0.0, f64::INFINITY), |n| (n, n));
                let n = p.add_var(if complement { w(key) } else { 0.0 }, known);
                (c, n)
            }
        };
        // 0 <= count <= denominator; a secondary cell passed the primary rule.
        let min_complement = if shown.value.is_none() { floor(shown) } else { 0.0 };
        p.add_constraint([(n, 1.0), (c, -1.0)], ComparisonOp::Ge, min_complement);
        vars.insert(key, (c, n));
    }
    let quantity = |s: (f64, f64), q: usize| match (err == 0.0, complement, q) {
        (true, false, _) | (false, _, 0) => s.0,
        (true, true, _) => s.1 - s.0,
        (false, _, _) => s.1,
    };
    for (t, parts, op) in rels {
        // Unrounded: one program over the quantity; rounded: counts and denominators.
        for q in if err == 0.0 { vec![0usize] } else { vec![0, 1] } {
            let mut constant = 0.0;
            let mut terms = Vec::new();
            for (k, sign) in std::iter::once((t, -1.0)).chain(parts.iter().map(|k| (k, 1.0))) {
                match (vars.get(k), sys.get(k).and_then(|s| s.value)) {
                    (Some(&(c, n)), _) => terms.push((if q == 0 { c } else { n }, sign)),
                    (None, Some(v)) => constant += sign * quantity(v, q),
                    (None, None) => {}
                }
            }
            // sum(parts) - total (=, <=, >=) 0
            let cmp = match op {
                Op::Eq => ComparisonOp::Eq,
                Op::Ge => ComparisonOp::Le,
                Op::Le => ComparisonOp::Ge,
            };
            if !terms.is_empty() {
                p.add_constraint(&terms, cmp, -constant);
            }
        }
    }
    match p.solve() {
        // minilp answers an unbounded program with an infinite objective (and NaN values).
        Ok(sol) if !sol.objective().is_finite() => None,
        Ok(sol) => Some(
            vars.iter()
                .filter(|(k, _)| sys[**k].value.is_none())
                .map(|(k, &(c, n))| (*k, if complement && err != 0.0 { sol[n] - sol[c] } else { sol[c] }))
                .collect(),
        ),
        Err(minilp::Error::Unbounded) => None,
        Err(e) => panic!("the published figures are consistent: {e}"),
    }
}

/// Export `input` (a study folder) to `out` with extra flags.
fn export(input: &Path, out: &Path, extra: &[&str]) {
    kohort().args(["export", "tables", "--in"]).arg(input).arg("--out").arg(out).args(extra).assert().success();
}

/// Attack every system of an export; returns the narrow cells (with their system).
fn attack(out: &Path, map: &str, err: f64) -> (usize, Vec<String>) {
    attack_with(out, map, err, None)
}

/// [`attack`] with the study's input folder: its true cells tell which districts cover their
/// municipality, its `group_of` the groups.
fn attack_with(out: &Path, map: &str, err: f64, input: Option<&Path>) -> (usize, Vec<String>) {
    let map = mapping(map);
    let truth = input.map(truth).unwrap_or_default();
    let groups = input.map(|i| groups_of(&i.join("tables.parquet"))).unwrap_or_default();
    let mut hidden = 0;
    let mut narrow = Vec::new();
    for (sys_key, sys) in read_export(out) {
        let plain = is_plain(&sys_key[1]);
        for (key, shown) in &sys {
            if let Some((c, n)) = shown.value {
                // A plain count has no complement (docs/definitions.md §6.5, §4.8.6).
                let complement_ok = plain || n - c >= MIN - 2.0 * err;
                assert!(c >= MIN - err && complement_ok, "{key:?} published under the 10-rule: {c}/{n}");
            } else {
                hidden += 1;
            }
        }
        let monitor = Monitor { period: &sys_key[3], groups: Some(&groups), truth: truth.get(&sys_key) };
        let rels = relations_with(&sys, &map, true, monitor);
        let quantities: &[&str] = if plain { &["count"] } else { &["count", "complement"] };
        for (key, which, lo, hi) in narrow_cells_of(&sys, &rels, err, quantities) {
            narrow.push(format!("{sys_key:?} {key:?}: {which} in [{lo}, {hi}]"));
        }
    }
    (hidden, narrow)
}

/// A generated nested study: `regions` youth regions of 2..=5 municipalities (codes GM9xyy), one
/// municipality moving from the first region to the second in 2019; leaves per municipality ×
/// year × sex × age band from a fixed LCG. Writes `dir/tables.parquet` and the mapping file.
fn nested_study(dir: &Path, seed: u64, regions: usize) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = |m: u64| {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) % m
    };
    let mut map = String::from("municipality,youth_region,youth_region_name,valid_from_year,valid_to_year\n");
    type RegionOf = Box<dyn Fn(i32) -> String>;
    let mut munis: Vec<(String, RegionOf)> = Vec::new();
    for r in 0..regions {
        let size = 2 + next(4) as usize;
        for m in 0..size {
            let code = format!("GM9{r}{m:02}");
            let region = format!("JR-T{r}");
            if r == 0 && m == 0 && regions > 1 {
                map += &format!("{code},JR-T0,T0,2015,2018\n{code},JR-T1,T1,2019,\n");
                munis.push((code, Box::new(|y| if y <= 2018 { "JR-T0".into() } else { "JR-T1".into() })));
            } else {
                map += &format!("{code},{region},T{r},2015,\n");
                munis.push((code, Box::new(move |_| region.clone())));
            }
        }
    }
    let mapping_file = dir.join("regions.csv");
    std::fs::write(&mapping_file, &map).unwrap();
    let (sexes, ages, years) = (["f", "m"], ["0-3", "4-11", "12-17"], [2017, 2018, 2019, 2020]);
    let mut rows: BTreeMap<[String; 5], (u64, u64)> = BTreeMap::new();
    let mut add = |table: &str, level: &str, region: &str, split: &str, value: &str, c: u64, n: u64| {
        let e = rows.entry([table, level, region, split, value].map(str::to_owned)).or_insert((0, 0));
        e.0 += c;
        e.1 += n;
    };
    for (code, region_of) in &munis {
        let big = next(3) == 0;
        for y in years {
            for s in sexes {
                for a in ages {
                    let den = if big {
                        8 + next(40)
                    } else if next(3) == 0 {
                        next(4)
                    } else {
                        2 + next(14)
                    };
                    let c = if den == 0 { 0 } else { next(den + 1) };
                    let year = y.to_string();
                    for (table, split, value) in [
                        ("by_sex", "sex", s),
                        ("by_age_band", "age_band", a),
                        ("by_index_year", "index_year", year.as_str()),
                    ] {
                        for (level, region) in
                            [("municipality", code.clone()), ("youth_region", region_of(y)), ("national", "NL".into())]
                        {
                            add(table, level, &region, split, value, c, den);
                            add(table, level, &region, "total", "total", c, den);
                        }
                    }
                }
            }
        }
    }
    let conn = duckdb::Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE t (study VARCHAR, table_name VARCHAR, cohort VARCHAR, outcome VARCHAR, window_days INTEGER,
         period VARCHAR, region_level VARCHAR, region VARCHAR, split VARCHAR, split_value VARCHAR, count BIGINT,
         denominator BIGINT, percentage DOUBLE, ci_lower DOUBLE, ci_upper DOUBLE, population BIGINT,
         rate_per_1000 DOUBLE)",
    )
    .unwrap();
    for ([table, level, region, split, value], (c, n)) in rows.into_iter().filter(|(_, (_, n))| *n > 0) {
        conn.execute(
            "INSERT INTO t VALUES ('s', ?, 'c', 'reentry', 365, 'all', ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, NULL)",
            duckdb::params![table, level, region, split, value, c as i64, n as i64],
        )
        .unwrap();
    }
    conn.execute_batch(&format!("COPY t TO '{}' (FORMAT parquet)", dir.join("tables.parquet").display())).unwrap();
    mapping_file
}

/// The true figures of a study folder's cells, per system.
fn truth(input: &Path) -> Truth {
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let sql = format!(
        "SELECT DISTINCT cohort, outcome, coalesce(window_days::VARCHAR, ''), period, coalesce(variant, ''),
                region_level, region, split, split_value, count, denominator FROM {}",
        tables_of(&input.join("tables.parquet"))
    );
    let mut stmt = conn.prepare(&sql).unwrap();
    let rows = stmt
        .query_map([], |r| {
            let s = |i: usize| r.get::<_, String>(i);
            Ok((
                [s(0)?, s(1)?, s(2)?, s(3)?, s(4)?],
                [s(5)?, s(6)?, s(7)?, s(8)?],
                r.get::<_, i64>(9)?,
                r.get::<_, Option<i64>>(10)?,
            ))
        })
        .unwrap();
    let mut out: Truth = BTreeMap::new();
    for row in rows {
        let (sys, key, c, n) = row.unwrap();
        // A plain count has no denominator: its relations are on counts (denominator = count).
        assert_eq!(n.is_none(), is_plain(&sys[1]), "{sys:?} {key:?}");
        out.entry(sys).or_default().insert(key, (c as f64, n.unwrap_or(c) as f64));
    }
    out
}

#[test]
fn generated_nested_studies_leave_every_suppressed_cell_a_wide_range_also_rounded() {
    let tmp = tempfile::tempdir().unwrap();
    let mut hidden_seen = 0;
    for (seed, regions) in [(1u64, 3usize), (2, 4), (3, 3), (4, 5), (5, 2), (6, 4)] {
        let input = tmp.path().join(format!("study{seed}"));
        let map_file = nested_study(&input, seed, regions);
        let map = std::fs::read_to_string(&map_file).unwrap();
        // The attack's relations hold on the true figures.
        for (_, cells) in truth(&input) {
            let sys: System = cells
                .keys()
                .map(|k| (k.clone(), Shown { value: Some((0.0, 0.0)), secondary: false, population: None }))
                .collect();
            check_relations(&cells, &relations(&sys, &mapping(&map), true));
        }
        for (base, err) in [("1", 0.0), ("5", 2.0)] {
            let out = tmp.path().join(format!("export{seed}_{base}"));
            export(&input, &out, &["--round-base", base, "--youth-regions", map_file.to_str().unwrap()]);
            let (hidden, narrow) = attack(&out, &map, err);
            assert!(narrow.is_empty(), "seed {seed}, base {base}: {narrow:#?}");
            hidden_seen += hidden;
        }
    }
    assert!(hidden_seen > 200, "the fixtures exercise suppression: {hidden_seen}");
}

/// Synthesise a scenario, ingest the last delivery of every source (deliveries are cumulative
/// snapshots), compute outcomes and run the small monitor study; returns (tmp, study folder).
fn scenario_study(scenario: &str) -> (tempfile::TempDir, PathBuf) {
    scenario_study_of(scenario, "small_monitor")
}

/// [`scenario_study`] with another shipped study (`studies/<study>.toml`).
fn scenario_study_of(scenario: &str, study_name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let s = kohort::synth::load_scenario(scenario).unwrap();
    let opts = kohort::synth::SynthOptions {
        format: kohort::synth::OutputFormat::Csv,
        threads: Some(2),
        progress: false,
        scale: None,
    };
    let summary = kohort::synth::generate(&s, &tmp.path().join("synth"), &opts).unwrap();
    let mut last: BTreeMap<String, PathBuf> = BTreeMap::new();
    for d in summary.deliveries {
        last.insert(d.source, d.dir);
    }
    let store = tmp.path().join("store");
    for dir in last.values() {
        ingest_cmd(dir, &store, tmp.path()).assert().code(0);
    }
    kohort().arg("--quiet").arg("outcomes").arg("--store").arg(&store).assert().success();
    let study = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("studies/{study_name}.toml"));
    kohort()
        .arg("study")
        .arg(study)
        .arg("--store")
        .arg(&store)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .assert()
        .success();
    let dir = tmp.path().join("out").join(study_name);
    (tmp, dir)
}

#[test]
fn proeftuinen_export_leaves_no_cell_recoverable_through_the_youth_regions() {
    let (tmp, input) = scenario_study("proeftuinen");
    let map = shipped_mapping();
    for (_, cells) in truth(&input) {
        let sys: System = cells
            .keys()
            .map(|k| (k.clone(), Shown { value: Some((0.0, 0.0)), secondary: false, population: None }))
            .collect();
        check_relations(&cells, &relations(&sys, &mapping(&map), true));
    }
    let out = tmp.path().join("export");
    export(&input, &out, &[]);
    let (hidden, narrow) = attack(&out, &map, 0.0);
    assert!(hidden > 100, "{hidden}");
    assert!(narrow.is_empty(), "{} narrow cells: {:#?}", narrow.len(), &narrow[..narrow.len().min(20)]);
}

#[test]
fn proeftuinen_site_monitor_export_leaves_no_cell_recoverable_through_sites_and_regions() {
    // Issue 16: the site split (sites within each region's total, each site's municipalities
    // within NL) is in the attack's relations like any split, and quarters are the periods.
    let (tmp, input) = scenario_study_of("proeftuinen", "site_monitor");
    let map = shipped_mapping();
    let groups = groups_of(&input.join("tables.parquet"));
    let truth = truth(&input);
    let mut sites = BTreeSet::new();
    for (sys_key, cells) in &truth {
        assert!(sys_key[3].contains('Q'), "quarter periods: {sys_key:?}");
        let sys: System = cells
            .keys()
            .map(|k| (k.clone(), Shown { value: Some((0.0, 0.0)), secondary: false, population: None }))
            .collect();
        let monitor = Monitor { period: &sys_key[3], groups: Some(&groups), truth: Some(cells) };
        check_relations(cells, &relations_with(&sys, &mapping(&map), true, monitor));
        sites.extend(cells.keys().filter(|k| k[2] == "site").map(|k| k[3].clone()));
    }
    assert_eq!(sites.len(), 11, "{sites:?}");
    let out = tmp.path().join("export");
    export(&input, &out, &[]);
    let (hidden, narrow) = attack_with(&out, &map, 0.0, Some(&input));
    assert!(hidden > 100, "{hidden}");
    // The median of professionals per family (docs/definitions.md §4.8.6) from the published
    // category counts only, worked out here.
    let (by_hand, written) = (provider_medians_by_hand(&out), provider_medians_written(&out));
    assert_eq!(by_hand, written);
    // On proeftuinen every cell has a category under the minimum (2 and 3_or_more hold a few
    // families per quarter), so its categories, and the median, are suppressed; the hand-worked
    // medians are in the unit test of sql/export/provider_medians.sql (src/export/mod.rs).
    assert!(!written.is_empty());
    eprintln!("medians shown: {} of {}", written.values().filter(|m| m.is_some()).count(), written.len());
    // The plain counts (issue 16) are attacked too: some of each are suppressed and some published.
    let published = read_export(&out);
    for outcome in ["families", "family_children", "reports", "measures_imposed"] {
        let cells: Vec<&Shown> =
            published.iter().filter(|(k, _)| k[1] == outcome).flat_map(|(_, s)| s.values()).collect();
        let shown = cells.iter().filter(|s| s.value.is_some()).count();
        assert!(shown > 0 && shown < cells.len(), "{outcome}: {shown} of {} published", cells.len());
    }
    assert!(narrow.is_empty(), "{} narrow cells: {:#?}", narrow.len(), &narrow[..narrow.len().min(20)]);
}

/// A `family_providers` cell of an export: (table, cohort, window, period, level, region, split, value).
type MedianKey = [String; 8];

/// The median category of every `family_providers` cell from the published rows: the families
/// in the order 0, 1, 2, 3_or_more, the category of the family at (n + 1) / 2 and at n / 2 + 1
/// (`a-b` when they differ); none when a category is suppressed or n is 0.
fn provider_medians_by_hand(out: &Path) -> BTreeMap<MedianKey, Option<String>> {
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let sql = format!(
        "SELECT table_name, cohort, window_days::VARCHAR, period, region_level, region, split, split_value, variant, count
         FROM read_parquet('{}') WHERE outcome = 'family_providers'",
        out.join("tables.parquet").display()
    );
    let mut stmt = conn.prepare(&sql).unwrap();
    let mut cells: BTreeMap<MedianKey, Vec<(usize, Option<i64>)>> = BTreeMap::new();
    let order = ["0", "1", "2", "3_or_more"];
    for row in stmt
        .query_map([], |r| {
            let key: MedianKey = std::array::from_fn(|i| r.get::<_, String>(i).unwrap());
            Ok((key, r.get::<_, String>(8)?, r.get::<_, Option<i64>>(9)?))
        })
        .unwrap()
    {
        let (key, category, count) = row.unwrap();
        let rank = order.iter().position(|c| *c == category).unwrap();
        cells.entry(key).or_default().push((rank, count));
    }
    cells
        .into_iter()
        .map(|(key, mut cats)| {
            cats.sort_unstable();
            let counts: Option<Vec<i64>> = cats.iter().map(|c| c.1).collect();
            let median = counts.filter(|c| c.iter().sum::<i64>() > 0).map(|c| {
                let n = c.iter().sum::<i64>();
                let at = |pos: i64| {
                    let mut cum = 0;
                    for (i, x) in c.iter().enumerate() {
                        cum += x;
                        if cum >= pos {
                            return order[cats[i].0];
                        }
                    }
                    unreachable!("position {pos} of {n}")
                };
                let (lo, hi) = (at((n + 1) / 2), at(n / 2 + 1));
                if lo == hi { lo.to_owned() } else { format!("{lo}-{hi}") }
            });
            (key, median)
        })
        .collect()
}

/// The export's `provider_medians.parquet`.
fn provider_medians_written(out: &Path) -> BTreeMap<MedianKey, Option<String>> {
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let sql = format!(
        "SELECT table_name, cohort, window_days::VARCHAR, period, region_level, region, split, split_value, median_category
         FROM read_parquet('{}')",
        out.join("provider_medians.parquet").display()
    );
    let mut stmt = conn.prepare(&sql).unwrap();
    stmt.query_map([], |r| {
        let key: MedianKey = std::array::from_fn(|i| r.get::<_, String>(i).unwrap());
        Ok((key, r.get::<_, Option<String>>(8)?))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[test]
fn small_twin_cells_get_one_decision_and_survive_the_attack() {
    // `small` has one municipality per youth region in its data: GM0014 is JR-GRONINGEN.
    let (tmp, input) = scenario_study("small");
    let out = tmp.path().join("export");
    export(&input, &out, &[]);
    let map = shipped_mapping();
    let mut twins = 0;
    for (sys_key, sys) in read_export(&out) {
        for (m, r) in [("GM0014", "JR-GRONINGEN"), ("GM0080", "JR-FRYSLAN"), ("GM0106", "JR-DRENTHE")] {
            for (key, shown) in sys.iter().filter(|(k, _)| k[0] == "municipality" && k[1] == m) {
                let twin = [String::from("youth_region"), r.to_owned(), key[2].clone(), key[3].clone()];
                let other = sys.get(&twin).map(|s| s.value);
                assert_eq!(other, Some(shown.value), "{sys_key:?}: {key:?} and its twin {r} decided alike");
                twins += 1;
            }
        }
    }
    assert!(twins > 100, "{twins}");
    let (_, narrow) = attack(&out, &map, 0.0);
    assert!(narrow.is_empty(), "{narrow:#?}");
}

#[test]
fn the_attack_recovers_cells_when_the_suppression_leaves_the_nesting_out() {
    // Negative control: kohort's own suppression, given only the categories and the regions to
    // NL (the relations before the nesting was added), leaves cells that the attack pins.
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("study");
    let map_file = nested_study(&input, 3, 3);
    let map = mapping(&std::fs::read_to_string(map_file).unwrap());
    let rule = kohort::disclosure::Rule::default();
    let mut recovered = 0;
    for (_, cells) in truth(&input) {
        let keys: Vec<&Key> = cells.keys().collect();
        let idx: BTreeMap<&Key, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let flat: System =
            cells.keys().map(|k| (k.clone(), Shown { value: None, secondary: false, population: None })).collect();
        let plain: Vec<kohort::disclosure::Relation> = relations(&flat, &map, false)
            .into_iter()
            .map(|(t, p, _)| kohort::disclosure::Relation::sum(idx[&t], p.iter().map(|k| idx[k]).collect()))
            .collect();
        let cell_list: Vec<kohort::disclosure::Cell> = keys
            .iter()
            .map(|k| kohort::disclosure::Cell { count: cells[*k].0 as u64, denominator: cells[*k].1 as u64 })
            .collect();
        let pattern = kohort::disclosure::suppress(&cell_list, &plain, rule);
        let sys: System = keys
            .iter()
            .zip(&pattern)
            .map(|(k, r)| {
                let secondary = *r == Some(kohort::disclosure::Reason::Secondary);
                ((*k).clone(), Shown { value: r.is_none().then_some(cells[*k]), secondary, population: None })
            })
            .collect();
        recovered += narrow_cells(&sys, &relations(&sys, &map, true), 0.0).len();
    }
    assert!(recovered > 0, "a pattern blind to the nesting is broken by the attack");
}

/// `small`, ingested, outcomes computed; the study `text` (cohort files beside it, `cohorts`
/// as (file name, text)) run; returns (tmp, study folder).
fn small_study(name: &str, text: &str, cohorts: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let (tmp, store) = scenario_store("small", true);
    for (file, body) in cohorts {
        std::fs::write(tmp.path().join(file), body).unwrap();
    }
    let study = tmp.path().join(format!("{name}.toml"));
    std::fs::write(&study, text).unwrap();
    kohort()
        .arg("--quiet")
        .arg("study")
        .arg(&study)
        .arg("--store")
        .arg(&store)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .assert()
        .success();
    let dir = tmp.path().join("out").join(name);
    (tmp, dir)
}

#[test]
fn monitor_levels_districts_groups_periods_and_a_cohort_total_survive_the_attack() {
    // A monitor study over `small` with every region level (districts, groups), year periods,
    // a measure outcome with two lines (variants) and a rate; and a cohort of two
    // municipalities, whose top is its `total` at level `cohort`.
    let map = shipped_mapping();
    for (name, text, cohorts) in [
        (
            "levels",
            "name = \"levels\"\noutcomes = [\"reentry\", \"measure_success\", \"care_use\"]\nperiods = \"year\"\n\
             from = 2021\nto = 2024\nsplits = [\"sex\"]\n\
             region_levels = [\"national\", \"youth_region\", \"municipality\", \"district\", \"municipality_group\"]\n",
            vec![],
        ),
        (
            "two",
            "name = \"two\"\ncohorts = [\"two.cohort.toml\"]\nsplits = [\"sex\", \"index_year\"]\n\
             region_levels = [\"national\", \"youth_region\", \"municipality\", \"district\"]\n",
            vec![(
                "two.cohort.toml",
                "name = \"two\"\nentry = \"any_spell\"\nentry_from = 2018-01-01\nentry_to = 2024-12-31\n\
                 age_min = 0\nage_max = 17\nmunicipalities = [\"GM0014\", \"GM0080\"]\n",
            )],
        ),
    ] {
        let (tmp, input) = small_study(name, text, &cohorts);
        // The attack's relations hold on the true figures, and every level is there.
        let truth = truth(&input);
        let groups = groups_of(&input.join("tables.parquet"));
        let mut levels = BTreeSet::new();
        for (sys_key, cells) in &truth {
            let sys: System = cells
                .keys()
                .map(|k| (k.clone(), Shown { value: Some((0.0, 0.0)), secondary: false, population: None }))
                .collect();
            let monitor = Monitor { period: &sys_key[3], groups: Some(&groups), truth: Some(cells) };
            check_relations(cells, &relations_with(&sys, &mapping(&map), true, monitor));
            levels.extend(cells.keys().map(|k| k[0].clone()));
        }
        let want: &[&str] = if name == "levels" {
            &["national", "youth_region", "municipality", "district", "municipality_group"]
        } else {
            &["cohort", "youth_region", "municipality", "district"]
        };
        assert_eq!(levels, want.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>(), "{name}");
        let out = tmp.path().join("export");
        export(&input, &out, &[]);
        let (hidden, narrow) = attack_with(&out, &map, 0.0, Some(&input));
        assert!(hidden > 100, "{name}: {hidden}");
        assert!(narrow.is_empty(), "{name}: {} narrow cells: {:#?}", narrow.len(), &narrow[..narrow.len().min(20)]);
    }
}
