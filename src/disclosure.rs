//! Disclosure control of additive tables (DOMAIN.md §6): primary suppression of cells under the
//! minimum count, and secondary suppression so that no suppressed cell can be recovered — or
//! narrowed to a range under the threshold — from the published cells and the additive relations
//! between them (rows, columns, grand totals, and margins shared by linked tables).
//!
//! The model is generic: `n` cells, each with a count and a denominator (the cell's population;
//! equal to the count for plain count tables), and relations `total = sum(parts)` that hold for
//! counts and denominators alike. A cell is suppressed as a whole (count, denominator,
//! percentage, CI).
//!
//! **Primary** (reason `primary`): count < `min_count`, or the complement (denominator − count)
//! < `min_count` (the 10-rule applied to a count and its complement), or denominator < `min_count`.
//! Zero counts are primary too (a published 0 % among few is a disclosure); `publish_zeros`
//! turns that off for structural zeros.
//!
//! **Secondary** (reason `secondary`), until nothing changes: a relation is *exposed* when it
//! holds exactly one suppressed cell (recoverable by subtraction), or when the suppressed cells in
//! it sum to less than `min_count` in counts or in complements (then every one of them lies in a
//! range narrower than the threshold). An exposed relation gets one more suppression: its
//! unsuppressed part with the smallest denominator (ties: lowest cell index), or its total when
//! no part is left. Relations are visited in their given order and cells by index, so the same
//! table and parameters always give the same pattern. This is the classic singleton-and-sum
//! heuristic, not an optimal pattern; the attack tests check every suppressed cell's feasible
//! range with linear programming.

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

/// `cells[total] = sum(cells[parts])`, for counts and denominators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// The total cell.
    pub total: usize,
    /// The part cells.
    pub parts: Vec<usize>,
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
    let complement = c.denominator.saturating_sub(c.count);
    if c.count == 0 && rule.publish_zeros {
        return c.denominator < rule.min_count;
    }
    c.count < rule.min_count || complement < rule.min_count || c.denominator < rule.min_count
}

/// The suppression pattern: one entry per cell, `None` when published.
#[must_use]
pub fn suppress(cells: &[Cell], relations: &[Relation], rule: Rule) -> Vec<Option<Reason>> {
    let mut out: Vec<Option<Reason>> = cells.iter().map(|c| is_primary(*c, rule).then_some(Reason::Primary)).collect();
    loop {
        let mut changed = false;
        for r in relations {
            if let Some(add) = needs_more(cells, r, &out, rule) {
                out[add] = Some(Reason::Secondary);
                changed = true;
            }
        }
        if !changed {
            return out;
        }
    }
}

/// The cell to suppress next in an exposed relation, if it is exposed.
fn needs_more(cells: &[Cell], r: &Relation, out: &[Option<Reason>], rule: Rule) -> Option<usize> {
    let members = || std::iter::once(r.total).chain(r.parts.iter().copied());
    let hidden: Vec<usize> = members().filter(|&i| out[i].is_some()).collect();
    if hidden.is_empty() {
        return None;
    }
    // The suppressed parts' sum is what an attacker learns (total minus published parts); with
    // the total suppressed too, the hidden parts still sum to the hidden total.
    let parts_hidden: Vec<usize> = r.parts.iter().copied().filter(|&i| out[i].is_some()).collect();
    let count_sum: u64 = parts_hidden.iter().map(|&i| cells[i].count).sum();
    let complement_sum: u64 =
        parts_hidden.iter().map(|&i| cells[i].denominator - cells[i].count.min(cells[i].denominator)).sum();
    let exposed = hidden.len() == 1 || count_sum < rule.min_count || complement_sum < rule.min_count;
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
            rel.push(Relation { total: at(r, nc), parts: (0..nc).map(|c| at(r, c)).collect() });
        }
        for c in 0..=nc {
            rel.push(Relation { total: at(nr, c), parts: (0..nr).map(|r| at(r, c)).collect() });
        }
        (cells, rel)
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
        // with one suppressed cell or a suppressed sum under 10.
        let (cells, rel) = grid(&[&[3, 12, 30], &[15, 40, 50], &[20, 25, 60]]);
        let p = suppress(&cells, &rel, Rule::default());
        let hidden: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_some()).collect();
        // cells: row 0 = 0,1,2 (total 3); row 1 = 4,5,6 (total 7); row 2 = 8,9,10.
        assert_eq!(hidden, vec![0, 1, 4, 5, 8, 9]);
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
    fn rounding_to_base_five() {
        assert_eq!([0, 2, 3, 7, 8, 12].map(|v| round_to(v, 5)), [0, 0, 5, 5, 10, 10]);
        assert_eq!(round_to(7, 1), 7);
    }
}
