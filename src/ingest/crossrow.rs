//! The rules that need other rows, as SQL over the staging tables, in precedence order:
//! duplicate id, dangling reference, own ancestor, after `extracted_on`, before birth, after
//! death. Each rule only looks at rows no earlier rule has quarantined, so a row gets one rule.

use chrono::NaiveDate;
use duckdb::Connection;

use super::Result;
use crate::db::{DuckContext, ident, render};
use crate::schema::{ColumnKind, Schema, Table};
use crate::sql::ingest as q;

/// The table whose rows must not make a person their own ancestor.
const LINEAGE_TABLE: &str = "relations";

/// SQL names used for one table.
pub struct Names {
    /// Staging table.
    pub stg: String,
    /// Quarantine of cross-row rules.
    pub q: String,
    /// Accepted rows (view).
    pub ok: String,
}

/// The SQL names for a table.
pub fn names(table: &str) -> Names {
    Names { stg: ident(&format!("stg_{table}")), q: ident(&format!("q_{table}")), ok: ident(&format!("ok_{table}")) }
}

/// Run every cross-row rule on the delivered tables, in schema order; every staged row of
/// the other tables (kept from the store, or empty) is accepted as it is.
pub fn run(conn: &Connection, schema: &Schema, delivered: &[&str], extracted_on: NaiveDate) -> Result<()> {
    for t in &schema.tables {
        let n = names(&t.name);
        let ctx = |rule: &str| format!("rule {rule} on {}", t.name);
        conn.execute_batch(&render(q::QUARANTINE_TABLE, &[("q", &n.q)])).ctx(ctx("setup"))?;
        let vars = [("q", n.q.as_str()), ("stg", n.stg.as_str()), ("ok", n.ok.as_str())];
        if !delivered.contains(&t.name.as_str()) {
            conn.execute_batch(&render(q::ACCEPTED_VIEW, &vars)).ctx(ctx("accepted view"))?;
            continue;
        }
        let key = t.key.iter().map(|k| ident(k)).collect::<Vec<_>>().join(", ");
        let key_label = t.key.join(",");
        let sql = render(q::DUPLICATES, &[vars[0], vars[1], ("key", &key)]);
        conn.execute(&sql, [&key_label, &key_label]).ctx(ctx("duplicate_id"))?;
        dangling(conn, schema, t, &n)?;
        if t.name == LINEAGE_TABLE {
            own_ancestor(conn, &vars)?;
        }
        let sql = render(q::AFTER_EXTRACTED, &vars);
        conn.execute(&sql, [extracted_on.to_string()]).ctx(ctx("after_extracted_on"))?;
        if t.event {
            birth_death(conn, t, &n)?;
        }
        conn.execute_batch(&render(q::ACCEPTED_VIEW, &vars)).ctx(ctx("accepted view"))?;
    }
    Ok(())
}

/// Quarantine relations on a cycle: peel what cannot be on one, then search the rest.
fn own_ancestor(conn: &Connection, vars: &[(&str, &str)]) -> Result<()> {
    conn.execute_batch(&render(q::LINEAGE_SETUP, vars)).ctx("rule own_ancestor: setup")?;
    while conn.execute(q::LINEAGE_PEEL, []).ctx("rule own_ancestor: peeling")? > 0 {}
    conn.execute_batch(&render(q::OWN_ANCESTOR, vars)).ctx("rule own_ancestor")?;
    Ok(())
}

fn dangling(conn: &Connection, schema: &Schema, t: &Table, n: &Names) -> Result<()> {
    for c in t.references() {
        let Some(target) = c.references.as_deref().and_then(|r| schema.table(r)) else { continue };
        let target_col = ident(&target.key[0]);
        let target_ok = names(&target.name).ok;
        let col = ident(c.stored_name());
        let sql = render(
            q::DANGLING,
            &[("q", &n.q), ("stg", &n.stg), ("col", &col), ("target_col", &target_col), ("target_ok", &target_ok)],
        );
        let message = format!(
            "{} does not resolve to an accepted row of {} (absent from the delivery, or quarantined there)",
            c.name, target.name
        );
        conn.execute(&sql, [&c.name, &message]).ctx(format!("rule dangling_reference on {}.{}", t.name, c.name))?;
    }
    Ok(())
}

fn birth_death(conn: &Connection, t: &Table, n: &Names) -> Result<()> {
    let dates: Vec<String> =
        t.columns.iter().filter(|c| c.kind.is_date()).map(|c| c.stored_name().to_owned()).collect();
    for (template, op, field, rule) in
        [(q::BEFORE_BIRTH, "<", "birth_date", "before_birth"), (q::AFTER_DEATH, ">", "death_date", "after_death")]
    {
        let test = |d: &String| format!("s.{} {op} p.{field}", ident(d));
        let cond = dates.iter().map(test).collect::<Vec<_>>().join(" OR ");
        let arms: String = dates.iter().map(|d| format!(" WHEN {} THEN '{d}'", test(d))).collect::<Vec<_>>().concat();
        let which = format!("(CASE{arms} END)");
        let sql = render(template, &[("q", &n.q), ("stg", &n.stg), ("cond", &cond), ("which", &which)]);
        conn.execute_batch(&sql).ctx(format!("rule {rule} on {}", t.name))?;
    }
    Ok(())
}

/// A row quarantined by a cross-row rule.
pub struct CrossRow {
    /// 1-based data row.
    pub row: u64,
    /// The column at fault.
    pub column: Option<String>,
    /// The rule id.
    pub rule: String,
    /// What is wrong.
    pub message: String,
}

/// Cross-row quarantined rows, by row.
pub fn rows(conn: &Connection, table: &str) -> Result<Vec<CrossRow>> {
    let sql = render(q::QUARANTINE_ROWS, &[("q", &names(table).q)]);
    let mut stmt = conn.prepare(&sql).ctx("reading quarantine")?;
    let rows = stmt
        .query_map([], |r| Ok(CrossRow { row: r.get(0)?, column: r.get(1)?, rule: r.get(2)?, message: r.get(3)? }))
        .ctx("reading quarantine")?;
    Ok(rows.collect::<std::result::Result<_, _>>().ctx("reading quarantine")?)
}

/// Accepted rows of a table.
pub fn accepted(conn: &Connection, table: &str) -> Result<u64> {
    let sql = render(q::ACCEPTED_COUNT, &[("ok", &names(table).ok)]);
    Ok(conn.query_row(&sql, [], |r| r.get(0)).ctx("counting accepted rows")?)
}

/// The delivered columns of a table as stored (ids are pseudonyms), for fingerprints.
pub fn content_columns(t: &Table) -> Vec<String> {
    let mut cols = Vec::new();
    for c in &t.columns {
        cols.push(ident(c.stored_name()));
        if c.kind == ColumnKind::BirthDate {
            cols.push(ident(&format!("{}_precision", c.stored_name())));
        }
    }
    cols
}
