//! The additive relations among the cells of one linked-table system (study, cohort, outcome,
//! window, period), as an attacker who knows the contract (data-schema/study_tables.md) and the
//! public reference data can write them:
//!
//! * `categories`: per region and split, the categories sum to the region's `total` row;
//! * `regions_in_national`: per level and (split, category), the regions sum to `NL`;
//! * `municipalities_in_youth_region`: per youth region and (split, category), its municipalities
//!   sum to it. For `index_year` = Y the mapping of year Y decides; for every other split the
//!   mapping over the study's index years (the `index_year` categories of `NL`; the period when
//!   it is a year). A municipality whose region changed within those years is part of the region
//!   only for some of its indexes: the region then lies between the sum of its steady members and
//!   the sum with the changing ones (two bounds, `municipalities_in_youth_region_bounds`; the
//!   exact split of the changing municipality by year is not published, so no equality holds). The
//!   `unknown` youth region holds the `unknown` municipality and every municipality without a
//!   mapping in the year.
//! * `districts_in_municipality`: a district `WK` + 6 digits lies in the municipality `GM` + its
//!   first 4 digits (the study's `GMdddd-unknown` district, indexes without a known district, in
//!   `GMdddd`; district `unknown` in municipality `unknown`); its districts sum to the
//!   municipality where they do in the data (every index of the municipality has a district),
//!   else they are a lower bound of it (`districts_in_municipality_bounds`).
//! * `municipalities_in_group`: per group of comparable municipalities (level
//!   `municipality_group`) and (split, category), the municipalities whose `group_of` names it
//!   (the membership is published beside every municipality row) sum to it. Groups do not take
//!   part in `regions_in_national` (the `unknown` municipality is in no group); the LP derives
//!   what the two relations imply together.
//!
//! The top of a system is `NL` at level `national`, or for a cohort that is not national its
//! total (`total` at level `cohort`): every other level sums to it.
//!
//! Absent cells are zero (a published table lists every non-empty cell). Every relation is
//! checked on the true figures before it is used: a relation of the contract or of the mapping
//! that does not hold means the tables were made another way (another mapping), and the export
//! stops instead of protecting the wrong model.
//!
//! Twins: a relation with a single part (a youth region with one municipality in the data, a
//! split with one category) says two cells are the same figure; they are merged into one cell,
//! so they get one decision.

use std::collections::{BTreeMap, BTreeSet};

use crate::disclosure::{Bound, Cell, Relation};
use crate::reference::YouthRegions;

/// The kinds of relation, in the order they are built (the report counts them).
pub const KINDS: [&str; 7] = [
    "categories",
    "regions_in_national",
    "municipalities_in_youth_region",
    "municipalities_in_youth_region_bounds",
    "districts_in_municipality",
    "districts_in_municipality_bounds",
    "municipalities_in_group",
];

/// Per municipality, the group of comparable municipalities its rows name (`group_of`).
pub type Groups = BTreeMap<String, String>;

/// One system's cells and relations, ready for [`crate::disclosure::protect`].
#[derive(Debug, Default)]
pub struct Model {
    /// Merged cells (twins are one cell).
    pub cells: Vec<Cell>,
    /// Relations over merged cells.
    pub relations: Vec<Relation>,
    /// For every input key's position (in key order), its merged cell.
    pub cell_of_key: Vec<usize>,
    /// Relations implied, by kind (before twins are merged and repeats dropped).
    pub by_kind: BTreeMap<&'static str, u64>,
    /// Keys folded into another (twin cells).
    pub twins: u64,
}

/// A relation that fails on the true figures.
#[derive(Debug)]
pub struct Broken {
    /// Which kind.
    pub kind: &'static str,
    /// The total cell's key.
    pub total: [String; 4],
    /// Count or denominator, expected vs found.
    pub what: String,
}

type Key = [String; 4];

/// Per youth region: its steady and its changing member cells.
type Membership = BTreeMap<String, (Vec<usize>, Vec<usize>)>;

struct Draft {
    kind: &'static str,
    total: usize,
    parts: Vec<usize>,
    bound: Bound,
}

/// Build the model of one system from its keys (distinct, in the order of their first row) and
/// their cells; `groups` is the group membership of the system's municipalities.
///
/// # Errors
/// A relation that does not hold on the figures (see the module header).
pub fn model(
    keys: &[&Key],
    cells: &[Cell],
    period: &str,
    regions: &YouthRegions,
    groups: &Groups,
) -> Result<Model, Box<Broken>> {
    let index: BTreeMap<&Key, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    let mut drafts = Vec::new();
    contract(keys, &index, &mut drafts);
    youth_regions(keys, period, regions, &mut drafts)?;
    districts(keys, &index, cells, &mut drafts);
    municipality_groups(keys, groups, &mut drafts);
    for d in &drafts {
        check(d, cells).map_err(|what| Box::new(Broken { kind: d.kind, total: keys[d.total].clone(), what }))?;
    }
    let mut by_kind: BTreeMap<&'static str, u64> = BTreeMap::new();
    for d in &drafts {
        *by_kind.entry(d.kind).or_default() += 1;
    }
    Ok(Model { by_kind, ..merge(cells, drafts) })
}

fn key(a: &str, b: &str, c: &str, d: &str) -> Key {
    [a.to_owned(), b.to_owned(), c.to_owned(), d.to_owned()]
}

/// The levels that are the top of a system: `national` (`NL`) or `cohort` (`total`).
fn is_top(level: &str) -> bool {
    level == "national" || level == "cohort"
}

/// Categories to totals and regions to the top (NL or the cohort's total).
fn contract(keys: &[&Key], index: &BTreeMap<&Key, usize>, out: &mut Vec<Draft>) {
    let mut categories: BTreeMap<[&str; 3], Vec<usize>> = BTreeMap::new();
    let mut regions: BTreeMap<[&str; 3], Vec<usize>> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate() {
        let [level, region, split, value] = k.each_ref().map(String::as_str);
        if split != "total" {
            categories.entry([level, region, split]).or_default().push(i);
        }
        if !is_top(level) && level != "municipality_group" {
            regions.entry([level, split, value]).or_default().push(i);
        }
    }
    for ([level, region, _], parts) in categories {
        if let Some(&total) = index.get(&key(level, region, "total", "total")) {
            out.push(Draft { kind: KINDS[0], total, parts, bound: Bound::Equal });
        }
    }
    for ([_, split, value], parts) in regions {
        let top = index
            .get(&key("national", "NL", split, value))
            .or_else(|| index.get(&key("cohort", "total", split, value)));
        if let Some(&total) = top {
            out.push(Draft { kind: KINDS[1], total, parts, bound: Bound::Equal });
        }
    }
}

/// Municipalities within their groups of comparable municipalities.
fn municipality_groups(keys: &[&Key], groups: &Groups, out: &mut Vec<Draft>) {
    let mut by_group: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate().filter(|(_, k)| k[0] == "municipality") {
        if let Some(g) = groups.get(&k[1]) {
            by_group.entry(key("municipality_group", g, &k[2], &k[3])).or_default().push(i);
        }
    }
    for (i, k) in keys.iter().enumerate().filter(|(_, k)| k[0] == "municipality_group") {
        let parts = by_group.remove(*k).unwrap_or_default();
        out.push(Draft { kind: KINDS[6], total: i, parts, bound: Bound::Equal });
    }
}

/// The municipality a district lies in (see the module header).
fn municipality_of_district(district: &str) -> Option<String> {
    let b = district.as_bytes();
    if b.len() == 8 && &b[..2] == b"WK" && b[2..].iter().all(u8::is_ascii_digit) {
        return Some(format!("GM{}", &district[2..6]));
    }
    if district == "unknown" {
        return Some("unknown".to_owned());
    }
    let m = district.strip_suffix("-unknown")?;
    let mb = m.as_bytes();
    (mb.len() == 6 && &mb[..2] == b"GM" && mb[2..].iter().all(u8::is_ascii_digit)).then(|| m.to_owned())
}

/// The study's index years: `index_year` categories of the top (NL or the cohort's total), else
/// the period's year (a year, or a quarter's year).
fn study_years(keys: &[&Key], period: &str) -> Option<BTreeSet<i32>> {
    let years: BTreeSet<i32> =
        keys.iter().filter(|k| is_top(&k[0]) && k[2] == "index_year").filter_map(|k| k[3].parse().ok()).collect();
    if !years.is_empty() {
        return Some(years);
    }
    period_year(period).map(|y| BTreeSet::from([y]))
}

/// The year of a period: a year (`2024`), or the year of a quarter (`2024Q3`, issue 16); `None`
/// for `all`.
fn period_year(period: &str) -> Option<i32> {
    let year = match period.split_once('Q') {
        Some((y, "1" | "2" | "3" | "4")) => y,
        Some(_) => return None,
        None => period,
    };
    year.parse().ok()
}

/// The youth region of a municipality in a year (`unknown` without a mapping).
fn region_in(regions: &YouthRegions, municipality: &str, year: i32) -> String {
    regions.lookup(municipality, year).map_or_else(|| "unknown".to_owned(), |r| r.youth_region.clone())
}

/// The regions a municipality belongs to over `years`; with the years unknown, every region of
/// its rows and `unknown` when a row ends (it left its region at some time).
fn regions_over(regions: &YouthRegions, municipality: &str, years: Option<&BTreeSet<i32>>) -> Vec<String> {
    let mut out: Vec<String> = match years {
        Some(ys) => ys.iter().map(|&y| region_in(regions, municipality, y)).collect(),
        None => {
            let rows: Vec<_> = regions.rows_of(municipality).collect();
            let mut v: Vec<String> = rows.iter().map(|r| r.youth_region.clone()).collect();
            if rows.is_empty() || rows.iter().any(|r| r.valid_to_year.is_some()) {
                v.push("unknown".to_owned());
            }
            v
        }
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// Municipalities within youth regions (see the module header).
fn youth_regions(keys: &[&Key], period: &str, regions: &YouthRegions, out: &mut Vec<Draft>) -> Result<(), Box<Broken>> {
    let years = study_years(keys, period);
    // (split, value) -> region -> (steady members, changing members)
    let mut members: BTreeMap<[&str; 2], Membership> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate().filter(|(_, k)| k[0] == "municipality") {
        let [_, m, split, value] = k.each_ref().map(String::as_str);
        let over = if split == "index_year" {
            value.parse::<i32>().map_or_else(|_| regions_over(regions, m, None), |y| vec![region_in(regions, m, y)])
        } else {
            regions_over(regions, m, years.as_ref())
        };
        let over = if m == "unknown" { vec!["unknown".to_owned()] } else { over };
        let slot = members.entry([split, value]).or_default();
        let steady = over.len() == 1;
        for r in over {
            let e = slot.entry(r).or_default();
            if steady { e.0.push(i) } else { e.1.push(i) }
        }
    }
    for (i, k) in keys.iter().enumerate().filter(|(_, k)| k[0] == "youth_region") {
        let (steady, changing) =
            members.get(&[k[2].as_str(), k[3].as_str()]).and_then(|m| m.get(&k[1])).cloned().unwrap_or_default();
        if changing.is_empty() {
            out.push(Draft { kind: KINDS[2], total: i, parts: steady, bound: Bound::Equal });
        } else {
            let all: Vec<usize> =
                steady.iter().chain(&changing).copied().collect::<BTreeSet<_>>().into_iter().collect();
            out.push(Draft { kind: KINDS[3], total: i, parts: steady, bound: Bound::AtLeast });
            out.push(Draft { kind: KINDS[3], total: i, parts: all, bound: Bound::AtMost });
        }
    }
    // A steady member of a region that has no cell at that (split, category) while the level
    // is published: the region would be 0, so the mapping is not the one the tables used.
    let published: BTreeSet<(&str, &str, &str)> =
        keys.iter().filter(|k| k[0] == "youth_region").map(|k| (k[1].as_str(), k[2].as_str(), k[3].as_str())).collect();
    if published.is_empty() {
        return Ok(());
    }
    for ([split, value], by_region) in &members {
        for (region, (steady, _)) in by_region {
            if let Some(&i) = steady.first().filter(|_| !published.contains(&(region.as_str(), split, value))) {
                return Err(Box::new(Broken {
                    kind: KINDS[2],
                    total: key("youth_region", region, split, value),
                    what: format!("not published, but its municipality {} is", keys[i][1]),
                }));
            }
        }
    }
    Ok(())
}

/// Districts within municipalities.
fn districts(keys: &[&Key], index: &BTreeMap<&Key, usize>, cells: &[Cell], out: &mut Vec<Draft>) {
    let mut by_muni: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate().filter(|(_, k)| k[0] == "district") {
        if let Some(m) = municipality_of_district(&k[1]) {
            by_muni.entry(key("municipality", &m, &k[2], &k[3])).or_default().push(i);
        }
    }
    for (m, parts) in by_muni {
        if let Some(&total) = index.get(&m) {
            let sum = |f: fn(&Cell) -> u64| parts.iter().map(|&i| f(&cells[i])).sum::<u64>();
            let exact = sum(|c| c.count) == cells[total].count && sum(|c| c.denominator) == cells[total].denominator;
            let (kind, bound) = if exact { (KINDS[4], Bound::Equal) } else { (KINDS[5], Bound::AtLeast) };
            out.push(Draft { kind, total, parts, bound });
        }
    }
}

/// Whether a draft holds on the figures; else what fails.
fn check(d: &Draft, cells: &[Cell]) -> Result<(), String> {
    for (name, f) in [("count", (|c: &Cell| c.count) as fn(&Cell) -> u64), ("denominator", |c: &Cell| c.denominator)] {
        let (total, sum) = (f(&cells[d.total]), d.parts.iter().map(|&i| f(&cells[i])).sum::<u64>());
        let ok = match d.bound {
            Bound::Equal => total == sum,
            Bound::AtLeast => total >= sum,
            Bound::AtMost => total <= sum,
        };
        if !ok {
            return Err(format!("{name} {total}, parts sum to {sum}"));
        }
    }
    Ok(())
}

/// Merge twins, map drafts to merged cells, drop trivial and repeated relations.
fn merge(cells: &[Cell], drafts: Vec<Draft>) -> Model {
    let n = cells.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for d in drafts.iter().filter(|d| d.bound == Bound::Equal && d.parts.len() == 1) {
        let (a, b) = (find(&mut parent, d.total), find(&mut parent, d.parts[0]));
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let roots: Vec<usize> = (0..n).map(|i| find(&mut parent, i)).collect();
    let mut merged_index = vec![usize::MAX; n];
    let mut model = Model::default();
    for i in 0..n {
        if roots[i] == i {
            merged_index[i] = model.cells.len();
            model.cells.push(cells[i]);
        } else {
            model.twins += 1;
        }
    }
    model.cell_of_key = roots.iter().map(|&r| merged_index[r]).collect();
    let mut seen: BTreeSet<(usize, Vec<usize>, u8)> = BTreeSet::new();
    for d in drafts {
        let total = model.cell_of_key[d.total];
        let mut parts: Vec<usize> = d.parts.iter().map(|&i| model.cell_of_key[i]).collect();
        if d.bound == Bound::Equal && parts == [total] {
            continue;
        }
        parts.sort_unstable();
        let tag = match d.bound {
            Bound::Equal => 0,
            Bound::AtLeast => 1,
            Bound::AtMost => 2,
        };
        if !seen.insert((total, parts.clone(), tag)) {
            continue;
        }
        model.relations.push(Relation { total, parts, bound: d.bound });
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quarter_period_lies_in_its_year_and_all_in_none() {
        assert_eq!(period_year("2024"), Some(2024));
        assert_eq!(period_year("2024Q3"), Some(2024));
        assert_eq!(period_year("2024Q5"), None);
        assert_eq!(period_year("all"), None);
    }

    fn k(level: &str, region: &str, split: &str, value: &str) -> Key {
        key(level, region, split, value)
    }

    fn cell(count: u64, denominator: u64) -> Cell {
        Cell { count, denominator }
    }

    const MAP: &str = "municipality,youth_region,youth_region_name,valid_from_year,valid_to_year\n\
                       GM0001,JR-A,A,2015,\nGM0002,JR-A,A,2015,2018\nGM0002,JR-B,B,2019,\nGM0003,JR-B,B,2015,\n";

    /// NL, JR-A, JR-B and three municipalities, `sex = f` and by index year 2018 and 2019;
    /// GM0002 moves from JR-A to JR-B in 2019. Figures by hand (count, denominator):
    /// GM0001 2018 (2, 20) 2019 (3, 30); GM0002 2018 (1, 10) 2019 (4, 40); GM0003 2019 (5, 50).
    fn changing() -> (Vec<Key>, Vec<Cell>) {
        let rows = [
            (k("national", "NL", "index_year", "2018"), cell(3, 30)),
            (k("national", "NL", "index_year", "2019"), cell(12, 120)),
            (k("youth_region", "JR-A", "index_year", "2018"), cell(3, 30)),
            (k("youth_region", "JR-A", "index_year", "2019"), cell(3, 30)),
            (k("youth_region", "JR-B", "index_year", "2019"), cell(9, 90)),
            (k("municipality", "GM0001", "index_year", "2018"), cell(2, 20)),
            (k("municipality", "GM0001", "index_year", "2019"), cell(3, 30)),
            (k("municipality", "GM0002", "index_year", "2018"), cell(1, 10)),
            (k("municipality", "GM0002", "index_year", "2019"), cell(4, 40)),
            (k("municipality", "GM0003", "index_year", "2019"), cell(5, 50)),
            (k("youth_region", "JR-A", "sex", "f"), cell(6, 60)),
            (k("youth_region", "JR-B", "sex", "f"), cell(9, 90)),
            (k("municipality", "GM0001", "sex", "f"), cell(5, 50)),
            (k("municipality", "GM0002", "sex", "f"), cell(5, 50)),
            (k("municipality", "GM0003", "sex", "f"), cell(5, 50)),
        ];
        rows.into_iter().unzip()
    }

    #[test]
    fn a_municipality_that_changed_region_gives_bounds_and_each_year_its_own_mapping() {
        let (keys, cells) = changing();
        let refs: Vec<&Key> = keys.iter().collect();
        let regions = YouthRegions::parse(MAP, "map.csv").unwrap();
        let m = model(&refs, &cells, "all", &regions, &Groups::new()).unwrap();
        let idx = |key: Key| m.cell_of_key[keys.iter().position(|x| *x == key).unwrap()];
        let has = |total: Key, parts: &[Key], bound: Bound| {
            let mut parts: Vec<usize> = parts.iter().cloned().map(idx).collect();
            parts.sort_unstable();
            m.relations.iter().any(|r| r.total == idx(total.clone()) && r.parts == parts && r.bound == bound)
        };
        // 2019: JR-A holds GM0001 only (twins), JR-B holds GM0002 and GM0003.
        assert_eq!(
            idx(k("youth_region", "JR-A", "index_year", "2019")),
            idx(k("municipality", "GM0001", "index_year", "2019"))
        );
        assert!(has(
            k("youth_region", "JR-B", "index_year", "2019"),
            &[k("municipality", "GM0002", "index_year", "2019"), k("municipality", "GM0003", "index_year", "2019")],
            Bound::Equal
        ));
        // Over 2018-2019, sex = f: JR-A (6) >= GM0001 (5), <= GM0001 + GM0002 (10); JR-B (9) >= GM0003 (5).
        let f = |m: &str| k("municipality", m, "sex", "f");
        assert!(has(k("youth_region", "JR-A", "sex", "f"), &[f("GM0001")], Bound::AtLeast));
        assert!(has(k("youth_region", "JR-A", "sex", "f"), &[f("GM0001"), f("GM0002")], Bound::AtMost));
        assert!(has(k("youth_region", "JR-B", "sex", "f"), &[f("GM0003")], Bound::AtLeast));
        assert!(
            !m.relations
                .iter()
                .any(|r| r.total == idx(k("youth_region", "JR-A", "sex", "f")) && r.bound == Bound::Equal)
        );
        assert_eq!(m.by_kind.get("municipalities_in_youth_region_bounds"), Some(&4));
    }

    #[test]
    fn a_mapping_the_tables_were_not_made_with_is_refused() {
        let (keys, cells) = changing();
        let refs: Vec<&Key> = keys.iter().collect();
        // A mapping with GM0003 in JR-A: JR-A 2019 would be 3 + 5, the tables say 3.
        let other = MAP.replace("GM0003,JR-B", "GM0003,JR-A");
        let regions = YouthRegions::parse(&other, "map.csv").unwrap();
        let err = model(&refs, &cells, "all", &regions, &Groups::new()).unwrap_err();
        assert_eq!((err.kind, err.total[1].as_str()), ("municipalities_in_youth_region", "JR-A"));
    }

    #[test]
    fn districts_sum_to_their_municipality_where_they_cover_it_and_bound_it_otherwise() {
        let keys = [
            k("municipality", "GM0001", "total", "total"),
            k("district", "WK000101", "total", "total"),
            k("district", "WK000102", "total", "total"),
            k("municipality", "GM0002", "total", "total"),
            k("district", "WK000201", "total", "total"),
        ];
        let cells = [cell(10, 100), cell(4, 40), cell(6, 60), cell(10, 100), cell(3, 30)];
        let refs: Vec<&Key> = keys.iter().collect();
        let m = model(&refs, &cells, "all", &YouthRegions::default(), &Groups::new()).unwrap();
        assert!(m.relations.contains(&Relation { total: 0, parts: vec![1, 2], bound: Bound::Equal }));
        assert!(m.relations.contains(&Relation { total: 3, parts: vec![4], bound: Bound::AtLeast }));
        assert_eq!(m.twins, 0);
    }
}
