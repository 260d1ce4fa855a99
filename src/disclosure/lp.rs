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
//! Less fill-in: an equality's slack, once it leaves the basis, can never enter again (it is
//! fixed at 0), so its column is dropped rather than spread over the rows; among equal prices the
//! entering column in the fewest rows, and among tied ratios the shortest leaving row, are taken
//! (a pivot adds the leaving row to every row of the column). Pricing reads only the columns whose
//! reduced cost can be nonzero: the objective is a single variable. None of this changes an
//! optimum; only the path to it.
//!
//! The tableau is kept by rows, each a sparse vector (sorted columns): the relations of tables are
//! sparse (a cell is in a few relations) and most stay so under pivoting, and a dense
//! `rows × (vars + rows)` block is what a national group of ten thousand cells could not afford.
//! A small tableau that fills in all the same turns dense ([`DENSE_FILL`]). Until then it keeps
//! every nonzero entry, as the dense one does, and a pivot gives the same numbers either way; a
//! tableau too large ever to be dense drops rounding noise ([`DROP`]) to stay sparse.

const EPS: f64 = 1e-9;
/// A tableau too large to turn dense drops entries this small after a row operation: rounding
/// noise that, kept, spreads through a large group's rows (with nothing dropped in any tableau,
/// an export of the national monitor's figures for 2020 was stopped after 15 minutes, four
/// fifths of it in row operations; with the large tableaus dropping it, it takes 45 s). A
/// tableau that may turn dense keeps them, as the dense one does: with tiny entries dropped and
/// every tableau sparse, a push in the `small` monitor's export once made over 100,000
/// degenerate steps under Bland's rule without ending.
const DROP: f64 = 1e-12;
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
    tab: Tab,
    basis: Vec<usize>,
    is_basic: Vec<bool>,
    /// The row of each basic variable (`usize::MAX` for a nonbasic one).
    row_of: Vec<usize>,
    /// The entering column of a pivot (a buffer kept between pivots).
    column: Vec<(usize, f64)>,
    value: Vec<f64>,
    lower: Vec<f64>,
    upper: Vec<f64>,
    cost: Vec<f64>,
    /// The variables whose reduced cost may be nonzero in this solve (the objective is one
    /// variable, so few are: pricing reads these, not every column).
    priced: Vec<usize>,
    in_priced: Vec<bool>,
    /// The variables whose value changed since [`Simplex::take_moved`] last read them.
    moved: Vec<usize>,
    in_moved: Vec<bool>,
    /// Pivots done over every solve (a work measure for the report).
    pub pivots: u64,
}

impl Simplex {
    /// A tableau for `lower.len()` variables with the given lower bounds (each `≤ 0`) and rows.
    #[must_use]
    pub fn new(lower: &[f64], rows: &[Row]) -> Self {
        Self::with_limits(lower, rows, DENSE_LIMIT, DENSE_FILL, SLACK_BYTES)
    }

    /// [`Simplex::new`] with a tableau that turns dense once one entry in `fill` is nonzero if it
    /// has at most `dense_limit` entries, and a sparse one compacted past twice the bytes its
    /// entries need plus `slack`.
    fn with_limits(lower: &[f64], rows: &[Row], dense_limit: usize, fill: usize, slack: usize) -> Self {
        let (n, m) = (lower.len(), rows.len());
        let cols = n + m;
        let mut rows_sparse = Vec::with_capacity(m);
        let mut lo = lower.to_vec();
        let mut up = vec![f64::INFINITY; n];
        let mut value = vec![0.0; cols];
        for (r, row) in rows.iter().enumerate() {
            let mut entries: Vec<(usize, f64)> = row.terms.clone();
            entries.push((n + r, 1.0));
            entries.sort_unstable_by_key(|e| e.0);
            let mut merged: Vec<(usize, f64)> = Vec::with_capacity(entries.len());
            for (j, a) in entries {
                match merged.last_mut() {
                    Some(last) if last.0 == j => last.1 += a,
                    _ => merged.push((j, a)),
                }
            }
            merged.retain(|e| e.1 != 0.0);
            rows_sparse.push(merged);
            lo.push(0.0);
            up.push(if row.equal { 0.0 } else { f64::INFINITY });
            value[n + r] = if row.equal { 0.0 } else { row.slack.max(0.0) };
        }
        let tab = Tab::new(rows_sparse, cols, dense_limit, fill, slack);
        let mut is_basic = vec![false; cols];
        for flag in &mut is_basic[n..] {
            *flag = true;
        }
        let row_of = (0..cols).map(|j| j.checked_sub(n).unwrap_or(usize::MAX)).collect();
        Self {
            tab,
            basis: (n..cols).collect(),
            is_basic,
            row_of,
            column: Vec::new(),
            value,
            lower: lo,
            upper: up,
            cost: vec![0.0; cols],
            priced: Vec::new(),
            in_priced: vec![false; cols],
            moved: Vec::new(),
            in_moved: vec![false; cols],
            pivots: 0,
        }
    }

    /// How many entries the tableau holds (about 16 bytes each): rows fill in as the basis
    /// changes.
    #[must_use]
    pub fn entries(&self) -> usize {
        self.tab.size()
    }

    /// The current value of variable `j` (a feasible point of every solve so far).
    #[must_use]
    pub fn value(&self, j: usize) -> f64 {
        self.value[j]
    }

    /// The variables whose value changed since the last call (each once, in no set order); every
    /// other variable still has the value it had then.
    pub fn take_moved(&mut self) -> Vec<usize> {
        for &j in &self.moved {
            self.in_moved[j] = false;
        }
        std::mem::take(&mut self.moved)
    }

    fn mark_moved(&mut self, j: usize) {
        mark(&mut self.moved, &mut self.in_moved, j);
    }

    fn mark_priced(&mut self, j: usize) {
        mark(&mut self.priced, &mut self.in_priced, j);
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
            let mut column = std::mem::take(&mut self.column);
            self.tab.column(j, &mut column);
            let ratio = self.ratio(j, dir, bland, &column);
            if let Some((theta, leave)) = ratio {
                degenerate = if theta <= EPS { degenerate + 1 } else { 0 };
                self.step(j, dir, theta, leave, &column);
            }
            self.column = column;
            if ratio.is_none() {
                return sign * f64::INFINITY;
            }
        }
    }

    /// Add `f` times row `r` of the tableau to the reduced costs (marking what it touches).
    fn add_row_to_costs(&mut self, r: usize, f: f64) {
        let Self { tab, cost, priced, in_priced, .. } = self;
        tab.for_each(r, |k, p| {
            cost[k] += f * p;
            mark(priced, in_priced, k);
        });
    }

    /// Reduced costs for maximising `sign · y_t` on the current basis.
    fn set_objective(&mut self, t: usize, sign: f64) {
        for &j in &self.priced {
            self.cost[j] = 0.0;
            self.in_priced[j] = false;
        }
        self.priced.clear();
        self.cost[t] = sign;
        self.mark_priced(t);
        // d_j = c_j - sum_r c_B(r) T[r][j]; only a basic t has c_B != 0.
        if self.is_basic[t] {
            self.add_row_to_costs(self.row_of[t], -sign);
            self.cost[t] = 0.0;
        }
    }

    /// The entering variable and its direction (+1 up, -1 down), if any improves.
    fn entering(&self, bland: bool) -> Option<(usize, f64)> {
        let mut best: Option<(usize, f64, f64)> = None;
        for &j in &self.priced {
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
            // Bland: the improving variable of smallest index. Dantzig: the largest price; among
            // equal prices the column in the fewest rows (the pivot adds the leaving row to every
            // other row of the column, so a short column fills in less), then the smallest index.
            let better = best.is_none_or(|(b, _, price)| {
                if bland {
                    return j < b;
                }
                d.abs() > price + EPS || (d.abs() >= price - EPS && (self.tab.col_len(j), j) < (self.tab.col_len(b), b))
            });
            if better {
                best = Some((j, dir, d.abs()));
            }
        }
        best.map(|(j, dir, _)| (j, dir))
    }

    /// The step length and the leaving row (None: the entering variable meets its own bound).
    /// `None` overall: unbounded. `column`: the nonzero entries of column `j`, by row.
    fn ratio(&self, j: usize, dir: f64, bland: bool, column: &[(usize, f64)]) -> Option<(f64, Option<usize>)> {
        let own = if dir > 0.0 { self.upper[j] - self.value[j] } else { self.value[j] - self.lower[j] };
        let mut best: Option<(f64, Option<usize>)> = own.is_finite().then_some((own.max(0.0), None));
        for &(r, a) in column {
            let b = self.basis[r];
            let alpha = a * dir;
            let limit = if alpha > EPS {
                (self.value[b] - self.lower[b]).max(0.0) / alpha
            } else if alpha < -EPS && self.upper[b].is_finite() {
                (self.upper[b] - self.value[b]).max(0.0) / -alpha
            } else {
                continue;
            };
            // Ties (a degenerate step has many): Bland's rule, the smallest leaving variable;
            // else the shortest row (it is added to every other row of the column).
            let better = match best {
                None => true,
                Some((t, prev)) => {
                    limit < t - EPS
                        || (limit <= t + EPS
                            && prev.is_some_and(|p| {
                                if bland { self.basis[p] > b } else { self.tab.row_len(r) < self.tab.row_len(p) }
                            }))
                }
            };
            if better {
                best = Some((best.map_or(limit, |(t, _)| limit.min(t)), Some(r)));
            }
        }
        best
    }

    /// Move `j` by `dir · theta`, then pivot it into row `leave` (if any). `column`: the nonzero
    /// entries of column `j`, by row.
    fn step(&mut self, j: usize, dir: f64, theta: f64, leave: Option<usize>, column: &[(usize, f64)]) {
        if theta > 0.0 {
            self.value[j] += dir * theta;
            self.mark_moved(j);
            for &(r, a) in column {
                let b = self.basis[r];
                self.value[b] -= a * dir * theta;
                self.mark_moved(b);
            }
        }
        let Some(r) = leave else { return };
        let out = self.basis[r];
        let piv = self.tab.get(r, j);
        // Snap the leaving variable onto the bound it reached.
        self.value[out] = if piv * dir > 0.0 { self.lower[out] } else { self.upper[out] };
        self.mark_moved(out);
        // A fixed variable (an equality's slack) that leaves can never enter again: its column
        // (a unit vector in row `r` until now) is dropped instead of spread over the tableau.
        // (Only an equality's slack has a finite upper bound, 0: its lower bound is 0 too.)
        if self.upper[out].is_finite() {
            self.tab.clear(r, out);
        }
        self.tab.scale(r, 1.0 / piv);
        for &(q, f) in column.iter().filter(|e| e.0 != r) {
            self.tab.eliminate(q, f, r, j);
        }
        self.tab.dense_when_full();
        let f = self.cost[j];
        if f != 0.0 {
            self.add_row_to_costs(r, -f);
            self.cost[j] = 0.0;
        }
        self.basis[r] = j;
        self.row_of[j] = r;
        self.row_of[out] = usize::MAX;
        self.is_basic[out] = false;
        self.is_basic[j] = true;
        self.pivots += 1;
    }
}

/// Adds `j` to `list` unless `flags` says it is there already.
fn mark(list: &mut Vec<usize>, flags: &mut [bool], j: usize) {
    if !flags[j] {
        flags[j] = true;
        list.push(j);
    }
}

/// Tableaus of more entries than this (rows × columns) stay sparse however they fill in (a
/// national group of ten thousand cells would not fit densely).
const DENSE_LIMIT: usize = 8_000_000;

/// A tableau within [`DENSE_LIMIT`] starts sparse and turns dense once one of its entries in
/// this many is nonzero: a sparse row operation costs a few times a dense one per entry, so a
/// tableau that fills in is faster dense, and one that stays sparse far faster sparse.
///
/// Measured (whole exports, 2 threads, one run each): the national monitor's `care_starts` for
/// 2018, whose rate systems (about 1,320 hidden cells, over a hundred audit rounds) stay
/// sparse, took 0.4x the CPU it took with them dense; the `small` monitor, whose group of 1,089
/// cells and 503 rows fills in, took 2.8x the CPU with every tableau sparse that it takes with
/// that group dense. Turning dense at 1/8, 1/16 or 1/32 gave the same times within noise.
const DENSE_FILL: usize = 16;

/// The tableau rows, dense or sparse.
enum Tab {
    Dense { cols: usize, data: Vec<f64> },
    Sparse(Sparse),
}

/// Bytes of one entry of a sparse row, and of one row number in a column's list.
const ROW_ENTRY: usize = std::mem::size_of::<(usize, f64)>();
const COL_ENTRY: usize = std::mem::size_of::<u32>();

/// Bytes a sparse tableau may hold beyond twice what its entries need before it gives the rest
/// back ([`Sparse::compact`]).
const SLACK_BYTES: usize = 64 << 20;

/// A sparse tableau: rows of (column, value) sorted by column, and per column the rows that may
/// hold it (every row that does, and perhaps rows whose entry has since vanished: a column is
/// read through its rows' entries, and its list cleaned as it is read).
///
/// Memory: a row operation writes into `scratch`, then copies the result into the row's own
/// buffer, which grows with a quarter's headroom when it must (rows fill in as the basis
/// changes): a buffer stays with its row, so few row operations need a new one. (Handing the
/// replaced buffer on to the next row operation instead made nearly every one of them grow a
/// buffer too small for its row: in a national export's largest groups a third of the time
/// went to the allocator.) Every new entry adds its row to the column's list, and entries that
/// cancel leave their row there. So the buffers and lists can hold far more than the live
/// entries: a national group once held 1.1 GB for 132,181 entries (2.6 MB). `held` counts the
/// bytes they hold; past twice what the entries need (plus `slack`) the tableau is compacted:
/// rows with more than half their length spare cut to a quarter's headroom, column lists
/// rebuilt from the rows.
struct Sparse {
    rows: Vec<Vec<(usize, f64)>>,
    by_col: Vec<Vec<u32>>,
    scratch: Vec<(usize, f64)>,
    /// The rows' entries together.
    entries: usize,
    /// Bytes the row buffers, the column lists and `scratch` hold (their capacities).
    held: usize,
    slack: usize,
    /// At this many entries the tableau turns dense (`usize::MAX`: never).
    dense_at: usize,
    /// Entries at most this small are dropped from a row operation's result.
    drop: f64,
}

/// The capacity a buffer of `len` entries gets when it grows or is cut: a quarter's headroom.
fn roomy(len: usize) -> usize {
    len + len / 4 + 4
}

impl Sparse {
    fn new(rows: Vec<Vec<(usize, f64)>>, cols: usize, slack: usize, dense_at: usize) -> Self {
        let by_col = vec![Vec::new(); cols];
        // One that may turn dense keeps what a dense one keeps; one that never can drops the
        // tiniest entries (rounding noise: kept, they fill a large group's rows).
        let drop = if dense_at == usize::MAX { DROP } else { 0.0 };
        let mut s = Self { rows, by_col, scratch: Vec::new(), entries: 0, held: 0, slack, dense_at, drop };
        s.compact();
        s
    }

    /// The bytes the live entries need: each in its row and in its column's list.
    fn needed(&self) -> usize {
        self.entries * (ROW_ENTRY + COL_ENTRY)
    }

    /// Cut every row buffer with more than half its length spare to a quarter's headroom, drop
    /// the scratch buffer and rebuild the column lists from the rows (each list then holds
    /// exactly the rows with an entry in its column, in row order, which is the order
    /// [`Tab::column`] reads them in, with a quarter's headroom to grow).
    fn compact(&mut self) {
        for row in &mut self.rows {
            if row.capacity() > row.len() + row.len() / 2 + 4 {
                row.shrink_to(roomy(row.len()));
            }
        }
        self.scratch = Vec::new();
        let mut counts = vec![0usize; self.by_col.len()];
        for row in &self.rows {
            for &(j, _) in row {
                counts[j] += 1;
            }
        }
        for (list, &n) in self.by_col.iter_mut().zip(&counts) {
            *list = Vec::with_capacity(if n == 0 { 0 } else { roomy(n) });
        }
        for (r, row) in self.rows.iter().enumerate() {
            for &(j, _) in row {
                self.by_col[j].push(r as u32);
            }
        }
        self.entries = self.rows.iter().map(Vec::len).sum();
        self.held = self.held_now();
    }

    /// The bytes held, counted afresh (what `held` tracks).
    fn held_now(&self) -> usize {
        self.rows.iter().map(Vec::capacity).sum::<usize>() * ROW_ENTRY
            + self.scratch.capacity() * ROW_ENTRY
            + self.by_col.iter().map(Vec::capacity).sum::<usize>() * COL_ENTRY
    }

    /// Row `q` minus `f` times row `r`; column `j` of row `q` becomes exactly 0.
    fn eliminate(&mut self, q: usize, f: f64, r: usize, j: usize) {
        let Self { rows, by_col, scratch, entries, held, drop, .. } = self;
        let before = scratch.capacity() + rows[q].capacity();
        let mut grown = 0usize;
        axpy_into(&rows[q], -f, &rows[r], j, *drop, scratch, |col| {
            let list = &mut by_col[col];
            let cap = list.capacity();
            list.push(q as u32);
            grown += list.capacity() - cap;
        });
        let row = &mut rows[q];
        *entries = *entries + scratch.len() - row.len();
        if row.capacity() < scratch.len() {
            *row = Vec::with_capacity(roomy(scratch.len()));
        }
        row.clear();
        row.extend_from_slice(scratch);
        *held += (scratch.capacity() + row.capacity() - before) * ROW_ENTRY + grown * COL_ENTRY;
        if self.held > 2 * self.needed() + self.slack {
            self.compact();
        }
    }
}

impl Tab {
    /// The tableau of these rows: sparse unless `dense_limit` allows dense and one entry in
    /// `fill` is nonzero already (see [`Tab::dense_when_full`]).
    fn new(rows: Vec<Vec<(usize, f64)>>, cols: usize, dense_limit: usize, fill: usize, slack: usize) -> Self {
        let all = rows.len().saturating_mul(cols);
        let dense_at = if all > dense_limit { usize::MAX } else { all / fill };
        if rows.iter().map(Vec::len).sum::<usize>() < dense_at {
            return Self::Sparse(Sparse::new(rows, cols, slack, dense_at));
        }
        Self::dense(&rows, cols)
    }

    /// A dense tableau holding `rows`.
    fn dense(rows: &[Vec<(usize, f64)>], cols: usize) -> Self {
        let mut data = vec![0.0; rows.len() * cols];
        for (r, row) in rows.iter().enumerate() {
            for &(j, a) in row {
                data[r * cols + j] = a;
            }
        }
        Self::Dense { cols, data }
    }

    /// A sparse tableau that has filled in to its `dense_at` turns dense.
    fn dense_when_full(&mut self) {
        if let Self::Sparse(s) = self
            && s.entries >= s.dense_at
        {
            *self = Self::dense(&s.rows, s.by_col.len());
        }
    }

    fn size(&self) -> usize {
        match self {
            Self::Dense { data, .. } => data.len(),
            Self::Sparse(s) => s.entries,
        }
    }

    fn get(&self, r: usize, j: usize) -> f64 {
        match self {
            Self::Dense { cols, data } => data[r * cols + j],
            Self::Sparse(s) => entry(&s.rows[r], j),
        }
    }

    /// The nonzero entries of column `j`, by row, into `out`.
    fn column(&mut self, j: usize, out: &mut Vec<(usize, f64)>) {
        out.clear();
        match self {
            Self::Dense { cols, data } => {
                out.extend(data.iter().skip(j).step_by(*cols).copied().enumerate().filter(|e| e.1 != 0.0));
            }
            Self::Sparse(s) => {
                let (rows, list) = (&s.rows, &mut s.by_col[j]);
                list.sort_unstable();
                list.dedup();
                list.retain(|&r| {
                    let a = entry(&rows[r as usize], j);
                    if a != 0.0 {
                        out.push((r as usize, a));
                    }
                    a != 0.0
                });
            }
        }
    }

    /// How many entries row `r` holds (0 for a dense tableau: every row is as long).
    fn row_len(&self, r: usize) -> usize {
        match self {
            Self::Dense { .. } => 0,
            Self::Sparse(s) => s.rows[r].len(),
        }
    }

    /// At most how many rows hold column `j` (0 for a dense tableau).
    fn col_len(&self, j: usize) -> usize {
        match self {
            Self::Dense { .. } => 0,
            Self::Sparse(s) => s.by_col[j].len(),
        }
    }

    /// Calls `g` with each nonzero entry of row `r`, by column.
    fn for_each(&self, r: usize, mut g: impl FnMut(usize, f64)) {
        match self {
            Self::Dense { cols, data } => {
                data[r * cols..(r + 1) * cols].iter().enumerate().filter(|e| *e.1 != 0.0).for_each(|(k, &p)| g(k, p));
            }
            Self::Sparse(s) => s.rows[r].iter().for_each(|&(k, p)| g(k, p)),
        }
    }

    /// Set entry `(r, j)` to 0.
    fn clear(&mut self, r: usize, j: usize) {
        match self {
            Self::Dense { cols, data } => data[r * *cols + j] = 0.0,
            Self::Sparse(s) => {
                if let Ok(k) = s.rows[r].binary_search_by_key(&j, |e| e.0) {
                    s.rows[r].remove(k);
                    s.entries -= 1;
                }
            }
        }
    }

    fn scale(&mut self, r: usize, f: f64) {
        match self {
            Self::Dense { cols, data } => data[r * *cols..(r + 1) * *cols].iter_mut().for_each(|x| *x *= f),
            Self::Sparse(s) => s.rows[r].iter_mut().for_each(|e| e.1 *= f),
        }
    }

    /// Row `q` minus `f` times row `r`; column `j` of row `q` becomes exactly 0.
    fn eliminate(&mut self, q: usize, f: f64, r: usize, j: usize) {
        match self {
            Self::Dense { cols, data } => {
                let cols = *cols;
                let (pivot, target) = if r < q {
                    let (a, b) = data.split_at_mut(q * cols);
                    (&a[r * cols..(r + 1) * cols], &mut b[..cols])
                } else {
                    let (a, b) = data.split_at_mut(r * cols);
                    (&b[..cols], &mut a[q * cols..(q + 1) * cols])
                };
                for (x, &p) in target.iter_mut().zip(pivot) {
                    *x -= f * p;
                }
                target[j] = 0.0;
            }
            Self::Sparse(s) => s.eliminate(q, f, r, j),
        }
    }
}

/// The entry of a sparse row at column `j` (0 when absent).
fn entry(row: &[(usize, f64)], j: usize) -> f64 {
    row.binary_search_by_key(&j, |e| e.0).map_or(0.0, |k| row[k].1)
}

/// `out = row + f · pivot`, merged by column; column `zero` (the pivot column) becomes exactly 0,
/// and entries no larger than `drop` in size are left out. `fill` is told each column the row
/// did not hold and now holds.
fn axpy_into(
    row: &[(usize, f64)],
    f: f64,
    pivot: &[(usize, f64)],
    zero: usize,
    drop: f64,
    out: &mut Vec<(usize, f64)>,
    mut fill: impl FnMut(usize),
) {
    out.clear();
    out.reserve(row.len() + pivot.len());
    let keep = |col: usize, v: f64| col != zero && v.abs() > drop;
    let (mut a, mut b) = (0, 0);
    while a < row.len() && b < pivot.len() {
        let ((ca, va), (cb, vb)) = (row[a], pivot[b]);
        match ca.cmp(&cb) {
            std::cmp::Ordering::Equal => {
                a += 1;
                b += 1;
                let v = va + f * vb;
                if keep(ca, v) {
                    out.push((ca, v));
                }
            }
            std::cmp::Ordering::Less => {
                a += 1;
                if keep(ca, va) {
                    out.push((ca, va));
                }
            }
            std::cmp::Ordering::Greater => {
                b += 1;
                let v = f * vb;
                if keep(cb, v) {
                    fill(cb);
                    out.push((cb, v));
                }
            }
        }
    }
    out.extend(row[a..].iter().copied().filter(|&(c, v)| keep(c, v)));
    for &(cb, vb) in &pivot[b..] {
        let v = f * vb;
        if keep(cb, v) {
            fill(cb);
            out.push((cb, v));
        }
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // the hand-worked optima are exact small integers
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
        // Hidden a b / c d with row and column sums known: they move on the cycle
        // (a, b, c, d) + t (1, -1, -1, 1). a=3, b=12, c=15, d=40: t in [-3, 12], so a up 12,
        // down 3, and d down 3.
        let rows = [
            eq(&[(0, 1.0), (1, 1.0)]),
            eq(&[(2, 1.0), (3, 1.0)]),
            eq(&[(0, 1.0), (2, 1.0)]),
            eq(&[(1, 1.0), (3, 1.0)]),
        ];
        let mut s = Simplex::new(&[-3.0, -12.0, -15.0, -40.0], &rows);
        assert_eq!(s.push(0, true, f64::INFINITY), 12.0);
        assert_eq!(s.push(0, false, f64::NEG_INFINITY), -3.0);
        assert_eq!(s.push(3, false, f64::NEG_INFINITY), -3.0);
    }

    fn held_as_counted(s: &Simplex) -> (usize, usize, usize) {
        match &s.tab {
            Tab::Sparse(t) => (t.held, t.held_now(), t.needed()),
            Tab::Dense { .. } => panic!("a dense tableau"),
        }
    }

    #[test]
    fn the_sparse_tableau_reaches_what_the_dense_one_reaches_push_by_push() {
        // A 6 x 7 table with row, column and grand totals, every cell hidden, plus a bound
        // (cells 0..3 at most their truth + 5): every push of every cell, up and down, from the
        // same start, gives the same displacement on the dense tableau, the sparse one (which
        // keeps its columns by index and writes row operations into a reused buffer) and a
        // sparse one compacted whenever it holds more than twice what its entries need.
        let (nr, nc) = (6, 7);
        let cell = |r: usize, c: usize| r * nc + c;
        let lower: Vec<f64> = (0..nr * nc).map(|i| -(((i * 7919) % 23) as f64)).collect();
        let mut rows = Vec::new();
        for r in 0..nr {
            rows.push(eq(&(0..nc).map(|c| (cell(r, c), 1.0)).collect::<Vec<_>>()));
        }
        for c in 0..nc {
            rows.push(eq(&(0..nr).map(|r| (cell(r, c), 1.0)).collect::<Vec<_>>()));
        }
        rows.push(Row { terms: (0..3).map(|i| (i, 1.0)).collect(), equal: false, slack: 5.0 });
        let mut dense = Simplex::with_limits(&lower, &rows, usize::MAX, usize::MAX, SLACK_BYTES);
        let mut sparse = Simplex::with_limits(&lower, &rows, 0, DENSE_FILL, SLACK_BYTES);
        let mut compacted = Simplex::with_limits(&lower, &rows, 0, DENSE_FILL, 0);
        // Turns dense once a sixth of its entries are nonzero (it starts at 101 of 784).
        let mut turning = Simplex::with_limits(&lower, &rows, usize::MAX, 6, SLACK_BYTES);
        assert!(matches!(sparse.tab, Tab::Sparse { .. }) && matches!(dense.tab, Tab::Dense { .. }));
        assert!(matches!(turning.tab, Tab::Sparse { .. }));
        assert_eq!((turning.entries(), dense.entries()), (101, 784));
        for t in 0..nr * nc {
            for up in [true, false] {
                let stop = if up { f64::INFINITY } else { f64::NEG_INFINITY };
                let before: Vec<f64> = (0..nr * nc).map(|u| sparse.value(u)).collect();
                let (d, s, c) = (dense.push(t, up, stop), sparse.push(t, up, stop), compacted.push(t, up, stop));
                let turned = turning.push(t, up, stop);
                assert!((d - s).abs() < 1e-9, "cell {t} up {up}: dense {d}, sparse {s}");
                assert!((d - c).abs() < 1e-9, "cell {t} up {up}: dense {d}, compacted {c}");
                assert!((d - turned).abs() < 1e-9, "cell {t} up {up}: dense {d}, turning dense {turned}");
                // Every variable that moved is reported (the audit reads only those).
                let moved = sparse.take_moved();
                for (u, b) in before.iter().enumerate() {
                    assert!(sparse.value(u) == *b || moved.contains(&u), "cell {u} moved unreported");
                }
                // The bytes held are counted as they change, and the compacted tableau never
                // holds more than twice what its entries need.
                for s in [&sparse, &compacted] {
                    let (held, now, _) = held_as_counted(s);
                    assert_eq!(held, now, "cell {t} up {up}: bytes held as counted");
                }
                let (held, _, needed) = held_as_counted(&compacted);
                assert!(held <= 2 * needed, "cell {t} up {up}: {held} bytes held for {needed} needed");
            }
        }
        assert!(sparse.pivots > 0 && compacted.pivots > 0);
        // The sparse ones filled in without turning dense; the one allowed to turned.
        assert!(matches!(sparse.tab, Tab::Sparse { .. }) && sparse.entries() >= 784 / 6, "{}", sparse.entries());
        assert!(matches!(turning.tab, Tab::Dense { .. }));
        // The one not compacted holds more: the test saw compaction at work.
        let (compact, full) = (held_as_counted(&compacted).0, held_as_counted(&sparse).0);
        assert!(compact < full, "{compact} bytes against {full}");
    }
}
