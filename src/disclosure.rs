//! Disclosure control of additive tables (docs/definitions.md §6.5–§6.7): primary suppression of cells under the
//! minimum count, and secondary suppression so that no suppressed cell can be recovered — or
//! narrowed to a range under the threshold — from the published cells and the additive relations
//! between them (rows, columns, grand totals, margins shared by linked tables, and the nesting of
//! regions).
//!
//! The model is generic: `n` cells, each with a count and a denominator (the cell's population;
//! equal to the count for plain count tables), and relations `total = sum(parts)` (or `≥`, `≤`
//! where only a bound is known) that hold for counts and denominators alike, hence for
//! complements (denominator − count) too. A cell is suppressed as a whole (count, denominator,
//! percentage, CI).
//!
//! **Primary** (reason `primary`): count < `min_count`, or the complement (denominator − count)
//! < `min_count` (the 10-rule applied to a count and its complement), or denominator < `min_count`.
//! Zero counts are primary too (a published 0 % among few is a disclosure); `publish_zeros`
//! turns that off for structural zeros.
//!
//! **Secondary** (reason `secondary`), in two stages, until nothing changes:
//! 1. *Heuristic* (singleton-and-sum, over the equalities): a relation is *exposed* when it holds
//!    exactly one suppressed cell (recoverable by subtraction), or when the suppressed cells in it
//!    sum to less than `min_count` in counts or in complements. An exposed relation gets one more
//!    suppression: its unsuppressed part with the smallest denominator (ties: lowest cell index),
//!    or its total when no part is left. Relations are visited in their given order.
//! 2. *Audit* by linear programming ([`lp`]): per connected group of suppressed cells (linked by
//!    relations, equalities and bounds alike), each suppressed cell's count and complement are
//!    pushed up and down over everything published — published cells fixed, suppressed ones at
//!    least 0, secondary ones at least `min_count` (their reason is published, so an attacker
//!    knows they passed the primary rule). A cell whose count or complement moves over less than
//!    `min_count` gets a partner: the published cell with the smallest denominator in its relation
//!    with the fewest suppressed cells (parts before totals, then lowest index); partners are
//!    spread over a round so that one narrow spot gets one (see `protect_from`), then stage 1
//!    again. Where a count has a public upper bound ([`protect_capped`]: a rate's population),
//!    the count programs know it, and a range need only span what the bound leaves. A cell shown
//!    wide stays wide when more cells are suppressed (that only removes knowledge), so later
//!    rounds audit only the rest.
//!
//! Same cells, relations and rule, same pattern: every choice is ordered by index.

mod audit;
mod implied;
mod lp;

use audit::{TABLEAU_ENTRIES, audit};

/// Why a cell is not published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// Under the minimum count (count, complement or denominator).
    Primary,
    /// Suppressed so a primary cell cannot be recovered from the published figures.
    Secondary,
}

impl Reason {
    /// Name used in reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Primary => "primary",
            Self::Secondary => "secondary",
        }
    }
}

/// One cell: its count and its denominator (its population).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    /// Numerator.
    pub count: u64,
    /// Denominator (>= count).
    pub denominator: u64,
}

impl Cell {
    fn complement(self) -> u64 {
        self.denominator.saturating_sub(self.count)
    }
}

/// How a relation's total compares with the sum of its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// `total = sum(parts)`.
    Equal,
    /// `total ≥ sum(parts)` (the parts are a subset of the total's population).
    AtLeast,
    /// `total ≤ sum(parts)` (the parts cover the total's population).
    AtMost,
}

/// `cells[total] (=, ≥, ≤) sum(cells[parts])`, for counts and denominators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// The total cell.
    pub total: usize,
    /// The part cells.
    pub parts: Vec<usize>,
    /// Equality or bound.
    pub bound: Bound,
}

impl Relation {
    /// An exact sum `total = sum(parts)`.
    #[must_use]
    pub fn sum(total: usize, parts: Vec<usize>) -> Self {
        Self { total, parts, bound: Bound::Equal }
    }

    fn members(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.total).chain(self.parts.iter().copied())
    }
}

/// Parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Minimum count (CBS: 10).
    pub min_count: u64,
    /// Publish zero counts (structural zeros) instead of treating them as primary.
    pub publish_zeros: bool,
}

impl Default for Rule {
    fn default() -> Self {
        Self { min_count: 10, publish_zeros: false }
    }
}

/// Whether a cell breaks the primary rule.
#[must_use]
pub fn is_primary(c: Cell, rule: Rule) -> bool {
    let complement = c.complement();
    if c.count == 0 && rule.publish_zeros {
        return c.denominator < rule.min_count;
    }
    c.count < rule.min_count || complement < rule.min_count || c.denominator < rule.min_count
}

/// A suppression pattern and what the audit did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pattern {
    /// One entry per cell, `None` when published.
    pub reasons: Vec<Option<Reason>>,
    /// Secondary cells the heuristic chose.
    pub heuristic: u64,
    /// Secondary cells the audit added (partners of cells it found too narrow).
    pub audit_added: u64,
    /// Audit rounds (each ends with every group checked).
    pub audit_rounds: u64,
    /// Linear programs solved (one per cell, quantity and direction that needed one).
    pub audit_programs: u64,
    /// Suppressed cells in the largest group the audit solved.
    pub largest_group: u64,
    /// Suppressed cells still narrower than the minimum because every cell of their relations is
    /// suppressed already (nothing left to add; they are not published either way).
    pub unprotectable: u64,
}

/// The suppression pattern: one entry per cell, `None` when published.
#[must_use]
pub fn suppress(cells: &[Cell], relations: &[Relation], rule: Rule) -> Vec<Option<Reason>> {
    protect(cells, relations, rule).reasons
}

/// The suppression pattern with the audit's figures (see the module header).
#[must_use]
pub fn protect(cells: &[Cell], relations: &[Relation], rule: Rule) -> Pattern {
    protect_from(cells, relations, rule, &vec![false; cells.len()])
}

/// [`protect`] with more primary cells: `also_primary[i]` marks cell `i` primary whatever its
/// figures (e.g. too few families behind a count).
#[must_use]
pub fn protect_from(cells: &[Cell], relations: &[Relation], rule: Rule, also_primary: &[bool]) -> Pattern {
    protect_with(cells, relations, rule, Known { also_primary, caps: &[] }, &implied::implied(relations))
}

/// [`protect_from`] where every count has a public upper bound (`caps[i]`, at least the count):
/// a rate's population (docs/definitions.md §6.5). The audit's count programs know it, and that
/// a secondary cell's count is at most its bound minus the minimum (it passed the primary rule).
#[must_use]
pub fn protect_capped(
    cells: &[Cell],
    relations: &[Relation],
    rule: Rule,
    also_primary: &[bool],
    caps: &[u64],
) -> Pattern {
    protect_with(cells, relations, rule, Known { also_primary, caps }, &implied::implied(relations))
}

/// What is known of the cells besides their figures: the cells primary whatever their figures,
/// and the public upper bounds of counts (both empty: none).
#[derive(Clone, Copy)]
struct Known<'a> {
    also_primary: &'a [bool],
    caps: &'a [u64],
}

/// [`protect_from`] with the relations the audit's programs leave out (`implied[k]`: relation
/// `k` follows from the others).
fn protect_with(cells: &[Cell], relations: &[Relation], rule: Rule, known: Known<'_>, implied: &[bool]) -> Pattern {
    protect_within(cells, relations, rule, known, implied, TABLEAU_ENTRIES)
}

/// [`protect_with`] with a program's tableau started afresh whenever it holds more than
/// `entries` entries (the same pattern whatever the limit: only memory and work differ).
fn protect_within(
    cells: &[Cell],
    relations: &[Relation],
    rule: Rule,
    known: Known<'_>,
    implied: &[bool],
    entries: usize,
) -> Pattern {
    let also_primary = known.also_primary;
    let mut p = Pattern {
        reasons: cells
            .iter()
            .enumerate()
            .map(|(i, c)| (is_primary(*c, rule) || also_primary.get(i) == Some(&true)).then_some(Reason::Primary))
            .collect(),
        ..Pattern::default()
    };
    let of_cell = relations_of_cells(cells.len(), relations);
    let mut wide = vec![[false; 2]; cells.len()];
    loop {
        p.heuristic += heuristic(cells, relations, rule, &mut p.reasons);
        p.audit_rounds += 1;
        let narrow = audit(cells, relations, implied, known.caps, rule, entries, &mut p, &mut wide);
        let mut added = false;
        // One partner per narrow cell, except where a partner of this round may be enough (the
        // next round tells): in a small group, where the narrow cell's relations or the
        // relation its partner would come from already hold one; in a large group, where that
        // relation already gave one.
        let mut touched = vec![false; relations.len()];
        for (i, large) in narrow {
            if !large && of_cell[i].iter().any(|&k| touched[k]) {
                added = true;
                continue;
            }
            match partner(cells, relations, &of_cell, &p.reasons, i) {
                Some((_, k)) if touched[k] => added = true,
                Some((j, k)) => {
                    p.reasons[j] = Some(Reason::Secondary);
                    p.audit_added += 1;
                    added = true;
                    touched[k] = true;
                    for &q in of_cell[j].iter().chain(if large { &[][..] } else { &of_cell[i][..] }) {
                        touched[q] = true;
                    }
                }
                None => p.unprotectable += 1,
            }
        }
        if !added {
            return p;
        }
        p.unprotectable = 0;
    }
}

/// For every cell, the relations it is a member of (in relation order).
fn relations_of_cells(n: usize, relations: &[Relation]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); n];
    for (k, r) in relations.iter().enumerate() {
        for i in r.members() {
            if out[i].last() != Some(&k) {
                out[i].push(k);
            }
        }
    }
    out
}

/// Stage 1 to a fixed point; returns how many cells it added.
fn heuristic(cells: &[Cell], relations: &[Relation], rule: Rule, out: &mut [Option<Reason>]) -> u64 {
    let mut added = 0;
    loop {
        let mut changed = false;
        for r in relations.iter().filter(|r| r.bound == Bound::Equal) {
            if let Some(add) = needs_more(cells, r, out, rule) {
                out[add] = Some(Reason::Secondary);
                added += 1;
                changed = true;
            }
        }
        if !changed {
            return added;
        }
    }
}

/// The cell to suppress next in an exposed relation, if it is exposed.
fn needs_more(cells: &[Cell], r: &Relation, out: &[Option<Reason>], rule: Rule) -> Option<usize> {
    let hidden = r.members().filter(|&i| out[i].is_some()).count();
    if hidden == 0 {
        return None;
    }
    // The suppressed parts' sum is what an attacker learns (total minus published parts); with
    // the total suppressed too, the hidden parts still sum to the hidden total.
    let (count_sum, complement_sum) = r
        .parts
        .iter()
        .filter(|&&i| out[i].is_some())
        .fold((0u64, 0u64), |(c, k), &i| (c + cells[i].count, k + cells[i].complement()));
    let exposed = hidden == 1 || count_sum < rule.min_count || complement_sum < rule.min_count;
    if !exposed {
        return None;
    }
    r.parts
        .iter()
        .copied()
        .filter(|&i| out[i].is_none())
        .min_by_key(|&i| (cells[i].denominator, i))
        .or_else(|| (out[r.total].is_none()).then_some(r.total))
}

/// The published cell to suppress next for a narrow cell `i`, and the relation it comes from: in
/// `i`'s relation with the fewest suppressed cells that still has a published one, its published
/// part with the smallest denominator (then its total); else the same over the relations of `i`'s
/// whole group, nearest first.
fn partner(
    cells: &[Cell],
    relations: &[Relation],
    of_cell: &[Vec<usize>],
    out: &[Option<Reason>],
    i: usize,
) -> Option<(usize, usize)> {
    // ((cell, relation), order key: suppressed cells in the relation, is total, denominator, cell)
    type Pick = ((usize, usize), (u64, bool, u64, usize));
    let pick = |k: usize| -> Option<Pick> {
        let r = &relations[k];
        let hidden = r.members().filter(|&j| out[j].is_some()).count() as u64;
        r.members()
            .filter(|&j| out[j].is_none())
            .map(|j| ((j, k), (hidden, j == r.total, cells[j].denominator, j)))
            .min_by_key(|x| x.1)
    };
    if let Some((j, _)) = of_cell[i].iter().filter_map(|&k| pick(k)).min_by_key(|x| x.1) {
        return Some(j);
    }
    // Breadth-first over the group from `i`: the relations of the cells reached, each looked at
    // once, a level at a time (a relation of an earlier level has no published cell: its
    // suppressed cells are the next level); the first level with a published cell gives its
    // least by the order key, then the first relation (by index).
    let mut seen = vec![false; cells.len()];
    let mut seen_rel = vec![false; relations.len()];
    let mut frontier = vec![i];
    let mut rels = Vec::new();
    seen[i] = true;
    while !frontier.is_empty() {
        rels.clear();
        for &c in &frontier {
            for &k in &of_cell[c] {
                if !seen_rel[k] {
                    seen_rel[k] = true;
                    rels.push(k);
                }
            }
        }
        if let Some((j, _)) = rels.iter().filter_map(|&k| pick(k)).min_by_key(|&((_, k), key)| (key, k)) {
            return Some(j);
        }
        frontier.clear();
        for &k in &rels {
            for j in relations[k].members() {
                if out[j].is_some() && !seen[j] {
                    seen[j] = true;
                    frontier.push(j);
                }
            }
        }
    }
    None
}

/// Round a published count to base `base` (nearest multiple, halves up); 0 stays 0.
#[must_use]
pub fn round_to(value: u64, base: u64) -> u64 {
    if base <= 1 {
        return value;
    }
    (value + base / 2) / base * base
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(count: u64, denominator: u64) -> Cell {
        Cell { count, denominator }
    }

    /// A rows x cols table of counts (denominator = count + 100, so complements never bind),
    /// with row totals, column totals and the grand total appended; returns cells and relations.
    fn grid(rows: &[&[u64]]) -> (Vec<Cell>, Vec<Relation>) {
        let (nr, nc) = (rows.len(), rows[0].len());
        let at = |r: usize, c: usize| r * (nc + 1) + c;
        let mut v = vec![0u64; (nr + 1) * (nc + 1)];
        for r in 0..nr {
            for c in 0..nc {
                v[at(r, c)] = rows[r][c];
                v[at(r, nc)] += rows[r][c];
                v[at(nr, c)] += rows[r][c];
                v[at(nr, nc)] += rows[r][c];
            }
        }
        let cells = v.iter().map(|&x| cell(x, x + 100)).collect();
        let mut rel = Vec::new();
        for r in 0..=nr {
            rel.push(Relation::sum(at(r, nc), (0..nc).map(|c| at(r, c)).collect()));
        }
        for c in 0..=nc {
            rel.push(Relation::sum(at(nr, c), (0..nr).map(|r| at(r, c)).collect()));
        }
        (cells, rel)
    }

    /// Counts under `top` from a fixed pseudo-random sequence started at `seed`.
    fn counts(mut seed: u64, top: u64) -> impl FnMut() -> u64 {
        move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % top
        }
    }

    #[test]
    fn primary_applies_the_ten_rule_to_count_complement_and_denominator() {
        let r = Rule::default();
        assert!(is_primary(cell(9, 100), r));
        assert!(!is_primary(cell(10, 100), r));
        assert!(is_primary(cell(95, 100), r), "complement 5");
        assert!(!is_primary(cell(90, 100), r), "complement 10");
        assert!(is_primary(cell(0, 100), r), "a zero count too, by default");
        assert!(!is_primary(cell(0, 100), Rule { publish_zeros: true, ..r }));
    }

    #[test]
    fn a_single_suppressed_cell_in_a_row_gets_a_partner_in_its_row_and_column() {
        // 3 is primary. Alone in its row and column it would be the row total minus the others:
        // the smallest other cell of its row (12) and of its column (15) follow; then 12's
        // column takes its smallest (25), and the rows of 15 and 25 take theirs (40, 20). Not
        // the smallest pattern (the rectangle 3, 12, 15, 40 would do), but no relation is left
        // with one suppressed cell or a suppressed sum under 10. The audit then finds 3 too
        // narrow: row 0 gives 3 + 12 = 15, and 12 is secondary, so known to be at least 10: 3
        // lies in [0, 5]. Row 0's only published part (30) joins; column 2 then holds a lone
        // suppressed cell, so the heuristic adds its smallest other part (50). By hand with those
        // two: row 0 is 3 + 12 + 30 = 45 with 12 and 30 each at least 10, so 3 lies in [0, 25].
        let (cells, rel) = grid(&[&[3, 12, 30], &[15, 40, 50], &[20, 25, 60]]);
        let p = suppress(&cells, &rel, Rule::default());
        let hidden: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_some()).collect();
        // cells: row 0 = 0,1,2 (total 3); row 1 = 4,5,6 (total 7); row 2 = 8,9,10.
        assert_eq!(hidden, vec![0, 1, 2, 4, 5, 6, 8, 9]);
        assert_eq!(p[0], Some(Reason::Primary));
        assert_eq!(p[1], Some(Reason::Secondary));
        for r in &rel {
            let n = std::iter::once(r.total).chain(r.parts.iter().copied()).filter(|&i| p[i].is_some()).count();
            assert_ne!(n, 1, "no relation with a lone suppressed cell: {r:?}");
        }
    }

    #[test]
    fn two_small_cells_in_a_row_are_not_enough_when_their_sum_is_under_the_minimum() {
        // 3 and 4 are both primary; together they are 7, so each lies in [0, 7]: too narrow.
        let (cells, rel) = grid(&[&[3, 4, 30], &[20, 40, 50]]);
        let p = suppress(&cells, &rel, Rule::default());
        assert_eq!(p[2], Some(Reason::Secondary), "30 joins them in row 0");
    }

    #[test]
    fn the_pattern_is_deterministic_and_tables_without_small_cells_are_untouched() {
        let (cells, rel) = grid(&[&[13, 12, 30], &[15, 40, 50]]);
        assert!(suppress(&cells, &rel, Rule::default()).iter().all(Option::is_none));
        let (cells, rel) = grid(&[&[3, 12, 30], &[15, 40, 50], &[2, 25, 60]]);
        assert_eq!(suppress(&cells, &rel, Rule::default()), suppress(&cells, &rel, Rule::default()));
    }

    #[test]
    fn leaving_the_implied_relations_out_of_the_programs_gives_the_same_pattern() {
        // NL, 3 regions, 3 municipalities each, 4 districts each, by 3 categories and a total;
        // small counts from a fixed pseudo-random sequence. Relations: categories to totals; every
        // level to NL; districts to municipalities; municipalities to regions. The district and
        // municipality sums to NL follow from the rest.
        let mut next = counts(7, 9);
        let (regions, munis, districts, cats) = (3, 3, 4, 3);
        let leaves = regions * munis * districts;
        let mut value = vec![vec![0u64; cats]; leaves];
        for row in &mut value {
            for v in row.iter_mut() {
                *v = next();
            }
        }
        // Cells: per unit (NL, regions, municipalities, districts) and column (categories, total).
        let units = 1 + regions + regions * munis + leaves;
        let at = |unit: usize, c: usize| unit * (cats + 1) + c;
        let district = |d: usize| 1 + regions + regions * munis + d;
        let muni = |m: usize| 1 + regions + m;
        let mut count = vec![0u64; units * (cats + 1)];
        for (d, row) in value.iter().enumerate() {
            let (m, r) = (d / districts, d / (districts * munis));
            for (c, &v) in row.iter().enumerate() {
                for unit in [district(d), muni(m), 1 + r, 0] {
                    count[at(unit, c)] += v;
                    count[at(unit, cats)] += v;
                }
            }
        }
        let cells: Vec<Cell> = count.iter().map(|&x| cell(x, 3 * x + 12)).collect();
        let mut rel = Vec::new();
        for unit in 0..units {
            rel.push(Relation::sum(at(unit, cats), (0..cats).map(|c| at(unit, c)).collect()));
        }
        for c in 0..=cats {
            rel.push(Relation::sum(at(0, c), (0..regions).map(|r| at(1 + r, c)).collect()));
            rel.push(Relation::sum(at(0, c), (0..regions * munis).map(|m| at(muni(m), c)).collect()));
            rel.push(Relation::sum(at(0, c), (0..leaves).map(|d| at(district(d), c)).collect()));
            for r in 0..regions {
                rel.push(Relation::sum(at(1 + r, c), (0..munis).map(|m| at(muni(r * munis + m), c)).collect()));
            }
            for m in 0..regions * munis {
                rel.push(Relation::sum(
                    at(muni(m), c),
                    (0..districts).map(|d| at(district(m * districts + d), c)).collect(),
                ));
            }
        }
        let implied = implied::implied(&rel);
        assert_eq!(implied.iter().filter(|&&x| x).count(), 2 * (cats + 1), "both sums to NL per column");
        let none = vec![false; cells.len()];
        let known = Known { also_primary: &none, caps: &[] };
        let with = protect_with(&cells, &rel, Rule::default(), known, &implied);
        let without = protect_with(&cells, &rel, Rule::default(), known, &vec![false; rel.len()]);
        assert!(with.audit_programs > 0 && with.reasons.iter().filter(|r| r.is_some()).count() > 20, "{with:?}");
        assert_eq!(with.reasons, without.reasons);
    }

    #[test]
    fn a_tableau_started_afresh_past_its_limit_gives_the_same_pattern() {
        // A 12 x 9 table with margins, every count under 12 (nearly all suppressed, one group):
        // its tableau holds more than 2,000 entries, so with that limit every push starts afresh.
        let mut next = counts(11, 12);
        let rows: Vec<Vec<u64>> = (0..12).map(|_| (0..9).map(|_| next()).collect()).collect();
        let refs: Vec<&[u64]> = rows.iter().map(Vec::as_slice).collect();
        let (cells, rel) = grid(&refs);
        let none = vec![false; cells.len()];
        let known = Known { also_primary: &none, caps: &[] };
        let implied = implied::implied(&rel);
        let whole = protect_within(&cells, &rel, Rule::default(), known, &implied, usize::MAX);
        let afresh = protect_within(&cells, &rel, Rule::default(), known, &implied, 2_000);
        assert!(whole.audit_programs > 50, "{whole:?}");
        assert_eq!(whole.reasons, afresh.reasons);
        assert_eq!((whole.audit_rounds, whole.unprotectable), (afresh.audit_rounds, afresh.unprotectable));
    }

    #[test]
    fn public_bounds_of_counts_are_known_to_the_audit() {
        // Rates with public populations (modelled as counts, complement never binding),
        // T = A + B + C: T 40 of 60, A 15 of 20, B 12 of 40, C 13 of 15. A and C are primary by
        // their population (5 and 2 residents outside the count). Without the bounds, A + C = 28
        // leaves A anywhere in [0, 28]. With them (A ≤ 20, C ≤ 15) A lies in [13, 20]: too
        // narrow, so B goes too (the part with the smallest count). With B in [10, 30] (secondary:
        // at least 10, and 10 under its population) every hidden cell spans 10 or more, checked by
        // enumerating every integer table the published figures, the bounds and the reasons allow.
        let (counts, caps) = ([40u64, 15, 12, 13], [60u64, 20, 40, 15]);
        let cells: Vec<Cell> = counts.iter().map(|&c| cell(c, c + 1000)).collect();
        let rel = vec![Relation::sum(0, vec![1, 2, 3])];
        let also: Vec<bool> = (0..4).map(|i| caps[i] - counts[i] < 10).collect();
        assert_eq!(also, [false, true, false, true]);
        let rule = Rule::default();
        let plain = protect_from(&cells, &rel, rule, &also);
        assert_eq!(plain.reasons, [None, Some(Reason::Primary), None, Some(Reason::Primary)]);
        let capped = protect_capped(&cells, &rel, rule, &also, &caps);
        let want = [None, Some(Reason::Primary), Some(Reason::Secondary), Some(Reason::Primary)];
        assert_eq!((&capped.reasons[..], capped.unprotectable), (&want[..], 0), "{capped:?}");
        // Every hidden cell's (lowest, highest) count over the integer tables a pattern allows.
        let ranges = |reasons: &[Option<Reason>]| {
            let mut range = [(u64::MAX, 0u64); 4];
            for t in 0..=caps[0] {
                for a in 0..=caps[1] {
                    for b in 0..=caps[2] {
                        let Some(c) = t.checked_sub(a + b) else { continue };
                        let x = [t, a, b, c];
                        let fits = (0..4).all(|i| match reasons[i] {
                            None => x[i] == counts[i],
                            Some(Reason::Secondary) => x[i] >= 10 && x[i] + 10 <= caps[i],
                            Some(Reason::Primary) => x[i] <= caps[i],
                        });
                        if fits {
                            for i in 0..4 {
                                range[i] = (range[i].0.min(x[i]), range[i].1.max(x[i]));
                            }
                        }
                    }
                }
            }
            (0..4).filter(|&i| reasons[i].is_some()).map(|i| range[i]).collect::<Vec<_>>()
        };
        assert_eq!(ranges(&plain.reasons), [(13, 20), (8, 15)], "without the bounds: narrow");
        assert_eq!(ranges(&capped.reasons), [(0, 20), (10, 30), (0, 15)]);
    }

    #[test]
    fn rounding_to_base_five() {
        assert_eq!([0, 2, 3, 7, 8, 12].map(|v| round_to(v, 5)), [0, 0, 5, 5, 10, 10]);
        assert_eq!(round_to(7, 1), 7);
    }
}
