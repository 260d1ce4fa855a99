//! A small dense simplex for the disclosure audit: how far can one hidden cell move while every
//! relation among the hidden cells still holds?
//!
//! Variables are *displacements* `y` from a known feasible point (the true table), so `y = 0` is
//! feasible and no phase I is needed: each variable has a finite lower bound `l ≤ 0` and no upper
//! bound; each row says `a·y = σ` (equality, σ = 0) or `a·y ≤ σ` (σ ≥ 0: the truth's slack). A
//! slack per row (fixed at 0 for equalities, `≥ 0` otherwise) makes the first basis. Nonbasic
//! variables may rest between their bounds (a displacement starts at 0, inside `[l, ∞)`), so the
//! method is the bounded-variable primal simplex with "free" starting values. Objectives change
//! from solve to solve on the same tableau: every solve starts at the last one's optimum, which is
//! feasible. Dantzig pricing, then Bland's rule after a run of degenerate steps (no cycling).
//!
//! The tableau is dense (`rows × (vars + rows)`): the audit solves one connected component of
//! hidden cells at a time, which stays small for a sensible pattern.

const EPS: f64 = 1e-9;
/// Degenerate steps in a row before Bland's rule takes over.
const DEGENERATE_RUN: usize = 50;

/// A linear row over the component's variables.
#[derive(Debug, Clone)]
pub struct Row {
    /// `(variable, coefficient)`.
    pub terms: Vec<(usize, f64)>,
    /// `true`: `a·y = 0`; `false`: `a·y ≤ slack`.
    pub equal: bool,
    /// The truth's slack (0 for equalities).
    pub slack: f64,
}

/// A tableau over one component.
pub struct Simplex {
    cols: usize,
    tab: Vec<f64>,
    basis: Vec<usize>,
    is_basic: Vec<bool>,
    value: Vec<f64>,
    lower: Vec<f64>,
    upper: Vec<f64>,
    cost: Vec<f64>,
    /// Pivots done over every solve (a work measure for the report).
    pub pivots: u64,
}

impl Simplex {
    /// A tableau for `lower.len()` variables with the given lower bounds (each `≤ 0`) and rows.
    #[must_use]
    pub fn new(lower: &[f64], rows: &[Row]) -> Self {
        let (n, m) = (lower.len(), rows.len());
        let cols = n + m;
        let mut tab = vec![0.0; m * cols];
        let mut lo = lower.to_vec();
        let mut up = vec![f64::INFINITY; n];
        let mut value = vec![0.0; cols];
        for (r, row) in rows.iter().enumerate() {
            for &(j, a) in &row.terms {
                tab[r * cols + j] += a;
            }
            tab[r * cols + n + r] = 1.0;
            lo.push(0.0);
            up.push(if row.equal { 0.0 } else { f64::INFINITY });
            value[n + r] = if row.equal { 0.0 } else { row.slack.max(0.0) };
        }
        let mut is_basic = vec![false; cols];
        for flag in &mut is_basic[n..] {
            *flag = true;
        }
        Self {
            cols,
            tab,
            basis: (n..cols).collect(),
            is_basic,
            value,
            lower: lo,
            upper: up,
            cost: vec![0.0; cols],
            pivots: 0,
        }
    }

    /// The current value of variable `j` (a feasible point of every solve so far).
    #[must_use]
    pub fn value(&self, j: usize) -> f64 {
        self.value[j]
    }

    /// Push variable `t` up (`up = true`) or down, and stop as soon as it passes `stop` (in the
    /// direction of travel) or cannot move further. Returns the displacement it reached
    /// (`±f64::INFINITY` when unbounded).
    pub fn push(&mut self, t: usize, up: bool, stop: f64) -> f64 {
        let sign = if up { 1.0 } else { -1.0 };
        self.set_objective(t, sign);
        let mut degenerate = 0usize;
        loop {
            if sign * self.value[t] >= sign * stop - EPS {
                return self.value[t];
            }
            let bland = degenerate >= DEGENERATE_RUN;
            let Some((j, dir)) = self.entering(bland) else {
                return self.value[t];
            };
            match self.ratio(j, dir, bland) {
                None => return sign * f64::INFINITY,
                Some((theta, leave)) => {
                    degenerate = if theta <= EPS { degenerate + 1 } else { 0 };
                    self.step(j, dir, theta, leave);
                }
            }
        }
    }

    /// Reduced costs for maximising `sign · y_t` on the current basis.
    fn set_objective(&mut self, t: usize, sign: f64) {
        self.cost.iter_mut().for_each(|c| *c = 0.0);
        self.cost[t] = sign;
        // d_j = c_j - sum_r c_B(r) T[r][j]; only a basic t has c_B != 0.
        if let Some(r) = self.basis.iter().position(|&b| b == t) {
            let row = &self.tab[r * self.cols..(r + 1) * self.cols];
            for (c, &a) in self.cost.iter_mut().zip(row) {
                *c -= sign * a;
            }
            self.cost[t] = 0.0;
        }
    }

    /// The entering variable and its direction (+1 up, -1 down), if any improves.
    fn entering(&self, bland: bool) -> Option<(usize, f64)> {
        let mut best: Option<(usize, f64, f64)> = None;
        for j in 0..self.cols {
            if self.is_basic[j] {
                continue;
            }
            let d = self.cost[j];
            let dir = if d > EPS && self.value[j] < self.upper[j] - EPS {
                1.0
            } else if d < -EPS && self.value[j] > self.lower[j] + EPS {
                -1.0
            } else {
                continue;
            };
            if bland {
                return Some((j, dir));
            }
            if best.is_none_or(|(_, _, b)| d.abs() > b) {
                best = Some((j, dir, d.abs()));
            }
        }
        best.map(|(j, dir, _)| (j, dir))
    }

    /// The step length and the leaving row (None: the entering variable meets its own bound).
    /// `None` overall: unbounded.
    fn ratio(&self, j: usize, dir: f64, bland: bool) -> Option<(f64, Option<usize>)> {
        let own = if dir > 0.0 { self.upper[j] - self.value[j] } else { self.value[j] - self.lower[j] };
        let mut best: Option<(f64, Option<usize>)> = own.is_finite().then_some((own.max(0.0), None));
        for (r, &b) in self.basis.iter().enumerate() {
            let alpha = self.tab[r * self.cols + j] * dir;
            let limit = if alpha > EPS {
                (self.value[b] - self.lower[b]).max(0.0) / alpha
            } else if alpha < -EPS && self.upper[b].is_finite() {
                (self.upper[b] - self.value[b]).max(0.0) / -alpha
            } else {
                continue;
            };
            let better = match best {
                None => true,
                Some((t, prev)) => {
                    limit < t - EPS || (limit <= t + EPS && bland && prev.is_some_and(|p| self.basis[p] > b))
                }
            };
            if better {
                best = Some((limit, Some(r)));
            }
        }
        best
    }

    /// Move `j` by `dir · theta`, then pivot it into row `leave` (if any).
    fn step(&mut self, j: usize, dir: f64, theta: f64, leave: Option<usize>) {
        let cols = self.cols;
        if theta > 0.0 {
            self.value[j] += dir * theta;
            for (r, &b) in self.basis.iter().enumerate() {
                self.value[b] -= self.tab[r * cols + j] * dir * theta;
            }
        }
        let Some(r) = leave else { return };
        let out = self.basis[r];
        // Snap the leaving variable onto the bound it reached.
        let a = self.tab[r * cols + j] * dir;
        self.value[out] = if a > 0.0 { self.lower[out] } else { self.upper[out] };
        let piv = self.tab[r * cols + j];
        for k in 0..cols {
            self.tab[r * cols + k] /= piv;
        }
        let pivot_row: Vec<f64> = self.tab[r * cols..(r + 1) * cols].to_vec();
        for q in 0..self.basis.len() {
            if q == r {
                continue;
            }
            let f = self.tab[q * cols + j];
            if f.abs() > 0.0 {
                let row = &mut self.tab[q * cols..(q + 1) * cols];
                for (x, &p) in row.iter_mut().zip(&pivot_row) {
                    *x -= f * p;
                }
                row[j] = 0.0;
            }
        }
        let f = self.cost[j];
        if f != 0.0 {
            for (c, &p) in self.cost.iter_mut().zip(&pivot_row) {
                *c -= f * p;
            }
            self.cost[j] = 0.0;
        }
        self.basis[r] = j;
        self.is_basic[out] = false;
        self.is_basic[j] = true;
        self.pivots += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(terms: &[(usize, f64)]) -> Row {
        Row { terms: terms.to_vec(), equal: true, slack: 0.0 }
    }

    #[test]
    fn two_cells_that_sum_to_a_known_total_move_together_within_their_bounds() {
        // x0 + x1 = const, x0 = 3 (y0 >= -3), x1 = 12 (y1 >= -12): x0 in [0, 15].
        let mut s = Simplex::new(&[-3.0, -12.0], &[eq(&[(0, 1.0), (1, 1.0)])]);
        assert_eq!(s.push(0, true, f64::INFINITY), 12.0);
        assert_eq!(s.push(0, false, f64::NEG_INFINITY), -3.0);
        assert!((s.value(1) - 3.0).abs() < 1e-9, "x1 moved to 15");
    }

    #[test]
    fn a_lone_hidden_cell_of_an_equality_cannot_move_and_a_free_one_is_unbounded() {
        let mut s = Simplex::new(&[-5.0, -7.0], &[eq(&[(0, 1.0)])]);
        assert_eq!(s.push(0, true, f64::INFINITY), 0.0);
        assert_eq!(s.push(0, false, f64::NEG_INFINITY), 0.0);
        assert_eq!(s.push(1, true, f64::INFINITY), f64::INFINITY);
    }

    #[test]
    fn an_inequality_limits_by_the_truths_slack_and_stop_ends_early() {
        // y0 + y1 <= 4 with y0 >= -2, y1 >= -1: y0 up to 5.
        let row = Row { terms: vec![(0, 1.0), (1, 1.0)], equal: false, slack: 4.0 };
        let mut s = Simplex::new(&[-2.0, -1.0], &[row]);
        assert_eq!(s.push(0, true, f64::INFINITY), 5.0);
        let mut s = Simplex::new(&[-2.0, -1.0], &[Row { terms: vec![(0, 1.0), (1, 1.0)], equal: false, slack: 4.0 }]);
        let v = s.push(0, true, 1.0);
        assert!(v >= 1.0);
    }

    #[test]
    fn a_two_by_two_table_with_margins_moves_on_its_rectangle() {
        // Hidden a b / c d with row and column sums known: a - b - c + d cycle, a in [a-min, ...].
        // a=3, b=12, c=15, d=40: a up to 3 + min(12, 15) = 15, down to 0.
        let rows = [
            eq(&[(0, 1.0), (1, 1.0)]),
            eq(&[(2, 1.0), (3, 1.0)]),
            eq(&[(0, 1.0), (2, 1.0)]),
            eq(&[(1, 1.0), (3, 1.0)]),
        ];
        let mut s = Simplex::new(&[-3.0, -12.0, -15.0, -40.0], &rows);
        assert_eq!(s.push(0, true, f64::INFINITY), 12.0);
        assert_eq!(s.push(0, false, f64::NEG_INFINITY), -3.0);
        assert_eq!(s.push(3, false, f64::NEG_INFINITY), -12.0);
    }
}
