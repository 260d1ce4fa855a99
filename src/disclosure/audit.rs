//! Stage 2 of the secondary suppression: the audit by linear programming (docs/definitions.md
//! §6.6, "Audit"; the module header of [`super`]). Per connected group of suppressed cells and per
//! quantity (count, complement), every cell not yet shown wide is pushed up and down in the
//! group's program ([`super::lp`]) until its range spans the minimum or is known not to.

use std::collections::BTreeMap;

use super::lp::{Row, Simplex};
use super::{Bound, Cell, Pattern, Reason, Relation, Rule};

/// Groups of suppressed cells linked by relations: (cells, relations) per group, in order of
/// their first cell.
fn groups(n: usize, relations: &[Relation], out: &[Option<Reason>]) -> Vec<(Vec<usize>, Vec<usize>)> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for r in relations {
        let mut hidden = r.members().filter(|&i| out[i].is_some());
        let Some(first) = hidden.next() else { continue };
        for i in hidden {
            let (a, b) = (find(&mut parent, first), find(&mut parent, i));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut by_root: BTreeMap<usize, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for i in (0..n).filter(|&i| out[i].is_some()) {
        let root = find(&mut parent, i);
        by_root.entry(root).or_default().0.push(i);
    }
    for (k, r) in relations.iter().enumerate() {
        if let Some(i) = r.members().find(|&i| out[i].is_some()) {
            let root = find(&mut parent, i);
            if let Some(g) = by_root.get_mut(&root) {
                g.1.push(k);
            }
        }
    }
    by_root.into_values().collect()
}

/// Groups with more suppressed cells than this get a partner for every narrow cell whose
/// relation has none yet in the round (fewer rounds over a big program, a few more cells);
/// smaller groups only where neither cell's relations got one.
const LARGE_GROUP: usize = 2000;

/// Tableau entries (20 bytes each, in its row and in its column's list; a sparse tableau holds at
/// most twice that plus 64 MB, see `lp::Sparse`) past which a group's program starts afresh from
/// the true table before its next push. A tableau fills in as it pivots; a national group of
/// 25,000 cells filled two tableaus past 1.5 GB each, side by side. Starting afresh loses only
/// the warm start: every cell's range so far is kept, and a range does not depend on the path
/// to it.
pub(super) const TABLEAU_ENTRIES: usize = 16_000_000;

/// Stage 2: marks cells shown wide; returns the narrow cells, by index, each with whether its
/// group is large. A program's tableau starts afresh past `entries` entries.
#[allow(clippy::too_many_arguments)]
pub(super) fn audit(
    cells: &[Cell],
    relations: &[Relation],
    implied: &[bool],
    caps: &[u64],
    rule: Rule,
    entries: usize,
    p: &mut Pattern,
    wide: &mut [[bool; 2]],
) -> Vec<(usize, bool)> {
    let mut narrow = Vec::new();
    for (members, rels) in groups(cells.len(), relations, &p.reasons) {
        if members.iter().all(|&i| wide[i] == [true, true]) {
            continue;
        }
        p.largest_group = p.largest_group.max(members.len() as u64);
        // The programs leave out the relations the others imply (same solutions, smaller tableau).
        let rels: Vec<usize> = rels.into_iter().filter(|&k| !implied[k]).collect();
        let mut group_narrow: Vec<usize> = Vec::new();
        // The width a range must reach: the minimum, or for a count with a public bound all
        // that bound leaves (a rate of 4 residents is known to lie in [0, 4] whatever is hidden).
        let m = rule.min_count as f64 - 1e-6;
        let needs: Vec<[f64; 2]> = members
            .iter()
            .map(|&i| {
                if caps.is_empty() {
                    return [m, m];
                }
                let (floor, top) = count_span(caps, cells, rule, &p.reasons, i);
                [m.min(top as f64 - floor as f64 - 1e-6), m]
            })
            .collect();
        #[allow(clippy::needless_range_loop)] // `quantity` picks the figure and the flag alike
        for quantity in 0..2 {
            let value = |i: usize| if quantity == 0 { cells[i].count } else { cells[i].complement() };
            let (lower, mut rows) = program(relations, rule, &p.reasons, &members, &rels, &value, quantity);
            if quantity == 0 && !caps.is_empty() {
                rows.extend(cap_rows(caps, cells, rule, &p.reasons, &members));
            }
            let mut lp = Simplex::new(&lower, &rows);
            let (mut lo, mut hi) = (vec![0.0f64; members.len()], vec![0.0f64; members.len()]);
            for (v, &i) in members.iter().enumerate() {
                if wide[i][quantity] {
                    continue;
                }
                let m = needs[v][quantity];
                for up in [true, false] {
                    if hi[v] - lo[v] >= m {
                        break;
                    }
                    if lp.entries() > entries {
                        lp = Simplex::new(&lower, &rows);
                    }
                    let stop = if up { lo[v] + m } else { hi[v] - m };
                    let reached = lp.push(v, up, stop);
                    p.audit_programs += 1;
                    // Every cell's range so far (only the variables that moved can widen it).
                    for u in lp.take_moved().into_iter().filter(|&u| u < members.len()) {
                        lo[u] = lo[u].min(lp.value(u));
                        hi[u] = hi[u].max(lp.value(u));
                    }
                    // Unbounded: the cell can move without limit in this direction.
                    lo[v] = lo[v].min(reached);
                    hi[v] = hi[v].max(reached);
                }
                if hi[v] - lo[v] >= m {
                    wide[i][quantity] = true;
                } else {
                    group_narrow.push(i);
                }
            }
            // Cells that moved far enough while others were pushed are wide as well.
            for (v, &i) in members.iter().enumerate() {
                if hi[v] - lo[v] >= needs[v][quantity] {
                    wide[i][quantity] = true;
                }
            }
        }
        let large = members.len() > LARGE_GROUP;
        narrow.extend(group_narrow.into_iter().map(|i| (i, large)));
    }
    narrow.sort_unstable();
    narrow.dedup();
    narrow
}

/// The linear program of one group and quantity (count or complement): lower bounds of the
/// displacements and one row per relation.
#[allow(clippy::too_many_arguments)]
fn program(
    relations: &[Relation],
    rule: Rule,
    out: &[Option<Reason>],
    members: &[usize],
    rels: &[usize],
    value: &dyn Fn(usize) -> u64,
    quantity: usize,
) -> (Vec<f64>, Vec<Row>) {
    let local: BTreeMap<usize, usize> = members.iter().enumerate().map(|(v, &i)| (i, v)).collect();
    let lower = members
        .iter()
        .map(|&i| {
            let floor = match out[i] {
                Some(Reason::Secondary) if quantity == 1 || !rule.publish_zeros => rule.min_count,
                _ => 0,
            };
            floor as f64 - value(i) as f64
        })
        .collect();
    let rows = rels
        .iter()
        .map(|&k| {
            let r = &relations[k];
            let parts: u64 = r.parts.iter().map(|&i| value(i)).sum();
            let total = value(r.total);
            // Written as `sign · (sum(parts) − total) ≤ slack`, or `= 0`.
            let (sign, slack) = match r.bound {
                Bound::Equal => (1.0, 0.0),
                Bound::AtLeast => (1.0, total as f64 - parts as f64),
                Bound::AtMost => (-1.0, parts as f64 - total as f64),
            };
            let mut terms: Vec<(usize, f64)> = Vec::new();
            for (i, a) in r.parts.iter().map(|&i| (i, sign)).chain([(r.total, -sign)]) {
                if let Some(&v) = local.get(&i) {
                    terms.push((v, a));
                }
            }
            Row { terms, equal: r.bound == Bound::Equal, slack }
        })
        .collect();
    (lower, rows)
}

/// The public upper bounds of a group's counts as rows of its count program: `y ≤ top − count`
/// ([`count_span`]).
fn cap_rows(caps: &[u64], cells: &[Cell], rule: Rule, out: &[Option<Reason>], members: &[usize]) -> Vec<Row> {
    members
        .iter()
        .enumerate()
        .map(|(v, &i)| {
            let (_, top) = count_span(caps, cells, rule, out, i);
            Row { terms: vec![(v, 1.0)], equal: false, slack: (top - cells[i].count) as f64 }
        })
        .collect()
}

/// The range a hidden count can take whatever else is hidden, when its upper bound is public:
/// from 0 (a secondary cell: the minimum, it passed the primary rule) to its bound (a secondary
/// cell: the bound minus the minimum, where that holds for the truth). A bound under the count
/// (a rate above its population) is the count itself.
fn count_span(caps: &[u64], cells: &[Cell], rule: Rule, out: &[Option<Reason>], i: usize) -> (u64, u64) {
    let (cap, count) = (caps[i].max(cells[i].count), cells[i].count);
    let secondary = out[i] == Some(Reason::Secondary);
    let floor = if secondary && !rule.publish_zeros { rule.min_count.min(count) } else { 0 };
    let top = if secondary && cap >= count + rule.min_count { cap - rule.min_count } else { cap };
    (floor, top)
}
