//! The additive counts of a study (its atoms): sums over persons of the study rows, from which
//! every table is derived. Three tables:
//!
//! - `study_atoms`: per split and category, cohort, outcome, sub-outcome, window, category,
//!   period, index year, municipality and district, the rows (`sql/study/atoms_split.sql`);
//! - `study_km_atoms`: the survival counts (`sql/study/km_atoms.sql`);
//! - `study_rate_atoms`: the persons of the rate outcomes per period, municipality, district,
//!   sex and age (`sql/study/rate_atoms.sql`).
//!
//! Counts over disjoint sets of persons add up, so an incremental run subtracts the changed
//! persons' cached rows' counts and adds their new rows' counts ([`super::cache`]).

use duckdb::Connection;

use super::StudyError;
use super::catalogue::Dim;
use super::definition::{Plan, Split};
use crate::db::DuckContext;
use crate::sql::study as q;

/// One table of counts: its name, the per-person table it counts and how.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    /// The table of counts.
    pub table: &'static str,
    /// The per-person table it sums over.
    pub rows: &'static str,
    /// Its file in the cache.
    pub file: &'static str,
    kind: CountKind,
}

#[derive(Debug, Clone, Copy)]
enum CountKind {
    Splits,
    Curves,
    Rates,
}

/// The three tables of counts, in the order they are built.
pub const COUNTS: [Counts; 3] = [
    Counts { table: "study_atoms", rows: "study_rows", file: "atoms.parquet", kind: CountKind::Splits },
    Counts { table: "study_km_atoms", rows: "study_rows", file: "km_atoms.parquet", kind: CountKind::Curves },
    Counts { table: "study_rate_atoms", rows: "study_rate_rows", file: "rate_atoms.parquet", kind: CountKind::Rates },
];

impl Counts {
    /// The query of these counts over a relation of rows (a table name, or a parenthesised
    /// subquery of kohort's own).
    pub fn query(&self, plan: &Plan, rows: &str) -> String {
        match self.kind {
            CountKind::Splits => split_counts(plan, rows),
            CountKind::Curves => crate::db::render(q::KM_ATOMS, &[("rows", rows)]),
            CountKind::Rates => crate::db::render(q::RATE_ATOMS, &[("rows", rows)]),
        }
    }
}

/// The category expression of a split over columns named as its dimensions: `'total'`, a
/// dimension's value, or the values of a cross-split joined by `*`.
pub fn split_value(split: &Split) -> String {
    if split.is_total() {
        return "'total'".to_owned();
    }
    split.0.iter().map(|d| format!("CAST({} AS VARCHAR)", d.name())).collect::<Vec<_>>().join(" || '*' || ")
}

/// The condition that a row has every dimension of the split (an outcome without one has no
/// rows in that split).
pub fn split_applies(split: &Split) -> String {
    let dims: Vec<String> =
        split.0.iter().filter(|d| **d != Dim::Total).map(|d| format!("{} IS NOT NULL", d.name())).collect();
    if dims.is_empty() { "true".to_owned() } else { dims.join(" AND ") }
}

/// The union of the split counts of every split of the plan over `rows`.
fn split_counts(plan: &Plan, rows: &str) -> String {
    plan.splits
        .iter()
        .map(|s| {
            // Split names, category expressions and conditions are built from the dimension
            // names of the catalogue, never from user text.
            crate::db::render(
                q::ATOMS_SPLIT,
                &[("split", &s.name()), ("value", &split_value(s)), ("applies", &split_applies(s)), ("rows", rows)],
            )
            .trim()
            .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\nUNION ALL\n")
}

/// Build every table of counts from every row (a full study run).
pub fn create(conn: &Connection, plan: &Plan) -> Result<(), StudyError> {
    for c in COUNTS {
        let sql = crate::db::render(q::ATOMS_CREATE, &[("table", c.table), ("counts", &c.query(plan, c.rows))]);
        conn.execute_batch(&sql).ctx(format!("study counts {}", c.table))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_categories_and_conditions_follow_the_dimensions() {
        let cross = Split(vec![Dim::Sex, Dim::AgeBand]);
        assert_eq!(split_value(&cross), "CAST(sex AS VARCHAR) || '*' || CAST(age_band AS VARCHAR)");
        assert_eq!(split_applies(&cross), "sex IS NOT NULL AND age_band IS NOT NULL");
        let total = Split(vec![Dim::Total]);
        assert_eq!((split_value(&total).as_str(), split_applies(&total).as_str()), ("'total'", "true"));
    }
}
