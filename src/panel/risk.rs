//! What an output checker reads in the disclosure report besides the recoding steps: what the
//! birth window changed (dates coarsened so that no column reveals the birth date more precisely
//! than the published birth year, rows outside the window) and disclosure-risk figures over the
//! published classes (smallest class, records and household clusters in classes under 2k, and
//! the l-diversity of each sensitive variable). Computed in DuckDB over the published persons
//! (`sql/panel/birth_figures.sql`, `risk_persons.sql`, `risk.sql`).

use duckdb::Connection;
use serde::Serialize;

use super::Result;
use super::config::{PanelPlan, Variable};
use crate::db::DuckContext;
use crate::sql::panel as q;

/// Persons and their published rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    /// Persons.
    pub persons: u64,
    /// Their published panel rows.
    pub rows: u64,
}

/// What the birth window changed in the published panel (data-schema/panel.md, "Birth-derived
/// dates"). Date counts are `None` when the variable is not published.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BirthReport {
    /// Records withheld: their other columns would narrow the published birth year, or no period
    /// of their follow-up lies in the birth window (rows: their follow-up rows).
    pub withheld: Count,
    /// Published persons with periods outside the birth window, and the rows dropped.
    pub outside_window: Count,
    /// `index_date` published as a year or year range instead of the panel's precision.
    pub index_date_coarsened: Option<Count>,
    /// `exit_date` published as the years of the possible birthdays at the exit age.
    pub exit_date_coarsened: Option<Count>,
    /// `exit_reason` published as `age_limit_or_data_end`.
    pub exit_reason_merged: Option<Count>,
}

/// The l-diversity of one sensitive variable over the published classes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diversity {
    /// The variable.
    pub variable: &'static str,
    /// The person-level value whose distinct values are counted per class.
    pub summary: &'static str,
    /// The smallest l over the classes (distinct values in a class).
    pub min_l: u64,
    /// Classes with l = 1 (every person shares the value).
    pub classes_l1: u64,
    /// Persons in those classes.
    pub persons_l1: u64,
}

/// Disclosure-risk figures over the published classes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RiskReport {
    /// Published classes.
    pub classes: u64,
    /// Smallest class in persons.
    pub min_class_persons: u64,
    /// Smallest class in household clusters.
    pub min_class_clusters: u64,
    /// Classes with fewer than 2k persons (or, with household clusters, fewer than 2k clusters).
    pub classes_under_2k: u64,
    /// Persons (records) in those classes.
    pub persons_under_2k: u64,
    /// Their published rows.
    pub rows_under_2k: u64,
    /// Distinct household clusters among them (`None` without household clusters).
    pub clusters_under_2k: Option<u64>,
    /// l-diversity of each sensitive variable the panel publishes.
    pub l_diversity: Vec<Diversity>,
}

/// The sensitive variables, in the column order of `risk.sql`, with their person-level summary.
const SENSITIVE: [(Variable, &str); 4] = [
    (Variable::CareLevel, "highest care level over the person's rows"),
    (Variable::CareStart, "any care start in the person's rows (0/1)"),
    (Variable::Measure, "most restrictive measure over the person's rows, or none"),
    (Variable::SafetyReport, "any safety report in the person's rows (0/1)"),
];

/// The birth-window figures (after `persons.sql`); `withheld` from the k-anonymity step.
pub fn birth(conn: &Connection, plan: &PanelPlan, withheld: Count) -> Result<(BirthReport, u64)> {
    let v = figures(conn, q::BIRTH_FIGURES, 9, "panel: birth window figures")?;
    let when =
        |var: Variable, i: usize| plan.variables.contains(&var).then_some(Count { persons: v[i], rows: v[i + 1] });
    let report = BirthReport {
        withheld,
        outside_window: Count { persons: v[6], rows: v[7] },
        index_date_coarsened: when(Variable::IndexDate, 0),
        exit_date_coarsened: when(Variable::ExitDate, 2),
        exit_reason_merged: when(Variable::ExitReason, 4),
    };
    Ok((report, v[8]))
}

/// The risk figures (after `events.sql` and `persons.sql`).
pub fn risk(conn: &Connection, plan: &PanelPlan) -> Result<RiskReport> {
    conn.execute_batch(q::RISK_PERSONS).ctx("panel: risk per person")?;
    let v = figures(conn, q::RISK, 19, "panel: risk figures")?;
    let l_diversity = SENSITIVE
        .iter()
        .enumerate()
        .filter(|(_, (var, _))| plan.variables.contains(var))
        .map(|(i, (var, summary))| Diversity {
            variable: var.name(),
            summary,
            min_l: v[7 + 3 * i],
            classes_l1: v[8 + 3 * i],
            persons_l1: v[9 + 3 * i],
        })
        .collect();
    Ok(RiskReport {
        classes: v[0],
        min_class_persons: v[1],
        min_class_clusters: v[2],
        classes_under_2k: v[3],
        persons_under_2k: v[4],
        rows_under_2k: v[5],
        clusters_under_2k: plan.household_clusters.then_some(v[6]),
        l_diversity,
    })
}

/// The first `n` columns of the one row of `sql`, as counts.
fn figures(conn: &Connection, sql: &str, n: usize, what: &'static str) -> Result<Vec<u64>> {
    let row: Vec<i64> = conn
        .query_row(sql, [], |r| (0..n).map(|i| r.get::<_, i64>(i)).collect::<std::result::Result<Vec<_>, _>>())
        .ctx(what)?;
    Ok(row.into_iter().map(i64::unsigned_abs).collect())
}
