//! Relations the others imply, left out of the audit's linear programs (docs/definitions.md
//! §6.6, "Audit").
//!
//! A table down to districts says the same sum three times: the districts add up to `NL`, the
//! municipalities add up to `NL`, and each municipality is the sum of its districts. The first is
//! the sum of the other two. As a row of a linear program it changes nothing (the programs
//! with and without it have the same solutions), but it is long (every district of the country),
//! and a tableau that pivots on it spreads it into every row it meets. So the audit leaves such a
//! relation out: same ranges, same pattern, a much smaller tableau.
//!
//! A relation `T = sum(P)` is *implied* when another exact relation `T = sum(Q)` has the same
//! total, and each cell of `Q` is either a cell of `P` itself (a municipality with one district
//! is one merged cell, with no relation of its own) or the total of an exact relation whose parts
//! lie in `P`; the cells so reached, taken together, are `P` exactly (each cell once). Relations are tried longest first, and a relation that was
//! left out never vouches for another, so everything left out follows from what is kept.

use std::collections::{HashMap, HashSet};

use super::{Bound, Relation};

/// For every relation, whether the others imply it (see the module header).
#[must_use]
pub fn implied(relations: &[Relation]) -> Vec<bool> {
    let mut by_total: HashMap<usize, Vec<usize>> = HashMap::new();
    for (k, r) in relations.iter().enumerate() {
        if r.bound == Bound::Equal {
            by_total.entry(r.total).or_default().push(k);
        }
    }
    let mut order: Vec<usize> = (0..relations.len()).filter(|&k| relations[k].bound == Bound::Equal).collect();
    order.sort_by_key(|&k| (std::cmp::Reverse(relations[k].parts.len()), k));
    let mut out = vec![false; relations.len()];
    for k in order {
        let r = &relations[k];
        if r.parts.len() < 2 {
            continue;
        }
        let parts: HashSet<usize> = r.parts.iter().copied().collect();
        let vouched = by_total.get(&r.total).is_some_and(|ws| {
            ws.iter().filter(|&&w| w != k && !out[w]).any(|&w| covers(relations, &by_total, &out, k, w, &parts))
        });
        out[k] = vouched;
    }
    out
}

/// Whether every part of relation `w` is a cell of `parts` or the total of a kept exact relation
/// (not `k` or `w`) whose parts lie in `parts`, and those cells together are `parts`, each once.
fn covers(
    relations: &[Relation],
    by_total: &HashMap<usize, Vec<usize>>,
    out: &[bool],
    k: usize,
    w: usize,
    parts: &HashSet<usize>,
) -> bool {
    let mut seen: HashSet<usize> = HashSet::with_capacity(parts.len());
    for &q in &relations[w].parts {
        // A cell in both is its own cover (a municipality with one district is one cell).
        if parts.contains(&q) {
            if !seen.insert(q) {
                return false;
            }
            continue;
        }
        let below = by_total.get(&q).and_then(|ks| {
            ks.iter()
                .copied()
                .filter(|&v| v != k && v != w && !out[v] && relations[v].parts.iter().all(|i| parts.contains(i)))
                .max_by_key(|&v| (relations[v].parts.len(), std::cmp::Reverse(v)))
        });
        let Some(v) = below else { return false };
        for &i in &relations[v].parts {
            if !seen.insert(i) {
                return false;
            }
        }
    }
    seen.len() == parts.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sum_over_the_lowest_level_follows_from_the_levels_between() {
        // Cells: 0 = NL; 1, 2 = municipalities; 3, 4 = districts of 1; 5 = district of 2 ... and 6.
        let r = vec![
            Relation::sum(0, vec![1, 2]),       // municipalities in NL
            Relation::sum(1, vec![3, 4]),       // districts of 1
            Relation::sum(2, vec![5, 6]),       // districts of 2
            Relation::sum(0, vec![3, 4, 5, 6]), // districts in NL: implied
            Relation { total: 2, parts: vec![5], bound: Bound::AtLeast },
        ];
        assert_eq!(implied(&r), vec![false, false, false, true, false]);
        // Without an exact sum for municipality 2, the districts' sum to NL says something new.
        let mut r2 = r.clone();
        r2[2] = Relation { total: 2, parts: vec![5, 6], bound: Bound::AtLeast };
        assert_eq!(implied(&r2), vec![false, false, false, false, false]);
        // Nor when a district is missing (the districts then do not cover the municipalities).
        let r3 = vec![r[0].clone(), r[1].clone(), Relation::sum(2, vec![5, 6]), Relation::sum(0, vec![3, 4, 5])];
        assert_eq!(implied(&r3), vec![false, false, false, false]);
    }

    #[test]
    fn a_cell_at_two_levels_covers_itself() {
        // Municipality 2 has one district: the two are one merged cell (5), with no relation of
        // its own, and it is a part of both sums to NL.
        let r = vec![
            Relation::sum(0, vec![1, 5]),    // municipalities in NL
            Relation::sum(1, vec![3, 4]),    // districts of 1
            Relation::sum(0, vec![3, 4, 5]), // districts in NL: implied
        ];
        assert_eq!(implied(&r), vec![false, false, true]);
        // A cell listed twice in the cover is no cover: 0 = 1 + 5 and 1 = 5 + 4 say nothing of 5 + 4 + ...
        let r = vec![Relation::sum(0, vec![1, 5]), Relation::sum(1, vec![5, 4]), Relation::sum(0, vec![4, 5])];
        assert_eq!(implied(&r), vec![false, false, false]);
    }

    #[test]
    fn two_relations_never_vouch_for_each_other() {
        // 0 = 1 + 2 twice over: the first is left out (the second says the same), and the
        // second is then kept, for a relation left out never vouches.
        let r = vec![Relation::sum(0, vec![1, 2]), Relation::sum(0, vec![1, 2])];
        assert_eq!(implied(&r), vec![true, false]);
        // Regions, municipalities, districts: both sums to NL over the lower levels are implied.
        // The districts' (longest, tried first) through the municipalities' sum, which is then
        // left out through the regions' sum: everything left out follows from what is kept.
        let r = vec![
            Relation::sum(0, vec![1, 2]),        // regions in NL
            Relation::sum(1, vec![3, 4]),        // municipalities of region 1
            Relation::sum(2, vec![5, 6]),        // municipalities of region 2
            Relation::sum(0, vec![3, 4, 5, 6]),  // municipalities in NL: implied
            Relation::sum(3, vec![7, 8]),        // districts of municipality 3
            Relation::sum(4, vec![9, 10]),       // ... of 4
            Relation::sum(5, vec![11, 12]),      // ... of 5
            Relation::sum(6, vec![13, 14]),      // ... of 6
            Relation::sum(0, (7..15).collect()), // districts in NL: implied (first, longest)
        ];
        assert_eq!(implied(&r), vec![false, false, false, true, false, false, false, false, true]);
    }
}
