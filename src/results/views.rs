//! The views of a result run for `kohort sql` and the later steps: each result table is its
//! base files, and for a table with deltas, the base rows of the persons not superseded plus
//! the delta files (`sql/results/`). The window tables and the monthly states are views over
//! the tables they follow from ([`derived_views`]).

use std::collections::BTreeMap;

use crate::outcomes::config::OutcomeConfig;
use crate::store::FileEntry;

/// The result tables kohort does not store but derives, whenever they are read, from the
/// tables it does and the run's config: (table, the tables it reads). Runs of results format 2
/// or earlier stored the first three as files, and their views read those; runs of format 3 or
/// earlier stored the household view's windows in `safety_household` itself.
pub const DERIVED: [(&str, &[&str]); 4] = [
    ("reentry_windows", &["reentry"]),
    ("safety_windows", &["safety"]),
    ("safety_household_windows", &["safety_household"]),
    ("monthly_states", &["escalation", "transitions"]),
];

/// The `CREATE VIEW` statements of the derived tables ([`DERIVED`]) of a run of results format
/// `format` with config `cfg` whose tables (stored or viewed) are those for which `has` holds:
/// each one whose tables are there and which is not stored itself. Create them after the views
/// of the tables they read.
pub fn derived_views(cfg: &OutcomeConfig, format: u32, has: impl Fn(&str) -> bool) -> Vec<(String, String)> {
    use crate::sql::results as q;
    let list = |windows: &[i64]| format!("[{}]", windows.iter().map(i64::to_string).collect::<Vec<_>>().join(", "));
    DERIVED
        .iter()
        .filter(|(table, reads)| reads.iter().all(|t| has(t)) && !has(table))
        .map(|&(table, _)| {
            let sql = match table {
                "reentry_windows" => crate::db::render(q::REENTRY_WINDOWS, &[("windows", &list(&cfg.reentry_windows))]),
                "safety_windows" => crate::db::render(q::SAFETY_WINDOWS, &[("windows", &list(&cfg.safety_windows))]),
                "safety_household_windows" if format <= 3 => q::SAFETY_HOUSEHOLD_WINDOWS_STORED.to_owned(),
                "safety_household_windows" => {
                    crate::db::render(q::SAFETY_HOUSEHOLD_WINDOWS, &[("windows", &list(&cfg.safety_windows))])
                }
                _ => q::MONTHLY_STATES.to_owned(),
            };
            (table.to_owned(), sql)
        })
        .collect()
}

/// The `CREATE VIEW` statements of a run's result tables: base files, and for the tables with
/// deltas the base files without the superseded persons plus the delta files.
pub fn result_views(
    tables: &BTreeMap<String, Vec<FileEntry>>,
    deltas: &BTreeMap<String, Vec<FileEntry>>,
    superseded: bool,
    superseded_in: &BTreeMap<String, Vec<FileEntry>>,
) -> Vec<(String, String)> {
    use crate::sql::results as q;
    let names: std::collections::BTreeSet<&String> = tables.keys().chain(deltas.keys()).collect();
    names
        .into_iter()
        .map(|name| {
            let vars = [("name", name.as_str())];
            let mut parts = Vec::new();
            if tables.get(name).is_some_and(|f| !f.is_empty()) {
                let own = format!("{name}/superseded/*.parquet");
                let list = if superseded_in.get(name).is_some_and(|f| !f.is_empty()) {
                    Some(own.as_str())
                } else if superseded && deltas.contains_key(name) && !superseded_in.contains_key(name) {
                    Some("superseded/*.parquet")
                } else {
                    None
                };
                parts.push(match list {
                    Some(glob) => crate::db::render(q::BASE_LIVE, &[("name", name.as_str()), ("superseded", glob)]),
                    None => crate::db::render(q::BASE, &vars),
                });
            }
            if deltas.get(name).is_some_and(|f| !f.is_empty()) {
                parts.push(crate::db::render(q::DELTA, &vars));
            }
            let body = parts.iter().map(|p| p.trim().trim_end_matches(';')).collect::<Vec<_>>().join("\nUNION ALL\n");
            (name.clone(), crate::db::render(q::VIEW, &[("name", name), ("body", &body)]))
        })
        .collect()
}
