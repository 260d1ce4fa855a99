//! The views of a result run for `kohort sql` and the later steps: each result table is its
//! base files, and for a table with deltas, the base rows of the persons not superseded plus
//! the delta files (`sql/results/`).

use std::collections::BTreeMap;

use crate::store::FileEntry;

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
