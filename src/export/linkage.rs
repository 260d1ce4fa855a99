//! `kohort export linkage`: the tables of the store's current linkage run (`kohort linkage`),
//! or of their restriction to a cohort (`--cohort FILE --side`, docs/definitions.md §4.13.7),
//! made safe to publish (docs/definitions.md §6.5–§6.10, §6.13), with families as clusters.
//! Families are always those of the whole store (a cohort does not cut a family); the cells and
//! curves are those of the scope ([`crate::results::linkage_scope`]); curve estimates are
//! computed here from the children in scope, like the run computes its own.
//!
//! Families: per relation kind, parents and children linked by `relations` form one family
//! (connected: siblings share parents, half-siblings join their parents' families, three
//! generations are one family). Every published count must reach the minimum in persons *and*
//! in families (distinct families of the persons counted).
//!
//! Cells (count cells, one per table row and category; `sql/export/linkage_cells.sql`):
//! * `risk`: per kind, outcome, exposure (either, mother, father, heavy; `none` = the unexposed
//!   reference group) and child sex: children `with_outcome`, `without_outcome` (both included:
//!   followed to A or with the outcome), `not_yet_followed`, their `total`, and among children
//!   followed to A `followed_with_outcome`, `followed_without_outcome`;
//! * `resilience`: per kind, outcome and parent sex: heavily exposed parents
//!   `with_child_outcome`, `resilient`, `not_yet_followed`, `total`;
//! * `chain`: per kind, outcome, grandparent exposed and parent exposed: G3 children as in risk.
//!
//! Relations (per table, kind and outcome): categories sum to `total`; sexes sum to `all`; the
//! followed categories are at most their included ones; `either` is at least `mother`, `father`
//! and `heavy`, and at most `mother + father` where that holds. Suppression is the table
//! export's ([`crate::disclosure::protect_from`]: primary under the minimum in persons or
//! families, zeros included; heuristic; LP audit). Shares (`with_outcome / (with + without)`)
//! are published only where both counts are.
//!
//! Curves (`linkage_km`, `linkage_cif`): per kind, outcome and exposure group, times are merged
//! forward into intervals until events, competing events and censorings are each 0 or at least
//! the minimum in persons and families; an interval is shown at its last time with the
//! estimate there and the risk set entering it; a curve stops where the risk set falls under the
//! minimum (persons or families). A curve is published only where its group's `risk` row
//! (exposure either or none, sex all) publishes its total and its children with the outcome.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use duckdb::Connection;
use duckdb::arrow::array::{ArrayRef, BooleanArray, Float64Array, StringArray, UInt64Array};
use duckdb::arrow::datatypes::{DataType, Field, Schema};
use duckdb::arrow::record_batch::RecordBatch;
use serde::Serialize;

use super::{ExportError, Result, write_csv};
use crate::db::{DbSettings, DuckContext};
use crate::disclosure::{Bound, Cell, Reason, Relation, Rule, protect_from};
use crate::results::linkage_scope::{CohortScope, Side, restrict};
use crate::sql::export as q;
use crate::store::{Stage, Store, write_parquet};

/// Denominator added to a count cell so that its complement never binds (a plain count has no
/// complement to protect).
const COUNT_ONLY: u64 = 1 << 40;

/// Parameters of a linkage export.
#[derive(Debug, Clone, Serialize)]
pub struct LinkageOptions {
    /// Minimum count in persons and in families.
    pub min_count: u64,
    /// The cohort the tables are restricted to (docs/definitions.md §4.13.7), if any.
    #[serde(skip)]
    pub cohort: Option<CohortScope>,
}

impl Default for LinkageOptions {
    fn default() -> Self {
        Self { min_count: 10, cohort: None }
    }
}

/// The cohort a linkage export is restricted to, as its report names it (no counts: those are
/// the published cells).
#[derive(Debug, Clone, Serialize)]
pub struct CohortNote {
    /// The cohort's name.
    pub name: String,
    /// The side of the links it restricts.
    pub side: Side,
}

/// What a linkage export did (also its JSON disclosure report).
#[derive(Debug, Clone, Default, Serialize)]
pub struct LinkageReport {
    /// Minimum count (persons and families).
    pub min_count: u64,
    /// The linkage run exported.
    pub run: String,
    /// The cohort the tables are restricted to; absent: every G2 child of the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cohort: Option<CohortNote>,
    /// Families (clusters) over all relation kinds.
    pub families: u64,
    /// Count cells.
    pub cells: u64,
    /// Relations used, by kind.
    pub relations_by_kind: BTreeMap<String, u64>,
    /// Cells under the minimum in persons.
    pub cells_primary_persons: u64,
    /// Cells that reach the minimum in persons but not in families.
    pub cells_primary_families: u64,
    /// Cells suppressed by the heuristic.
    pub cells_secondary_heuristic: u64,
    /// Cells suppressed after the LP audit.
    pub cells_secondary_audit: u64,
    /// Seconds spent on the suppression pattern: printed, never written into the export.
    #[serde(skip_serializing)]
    pub suppression_seconds: f64,
    /// Curve rows read (both curve tables).
    pub curve_rows: u64,
    /// Curve rows published after collapsing.
    pub curve_rows_published: u64,
    /// Curves withheld because their risk row is suppressed.
    pub curves_withheld: u64,
}

/// One count cell as read.
struct Row {
    system: [String; 3],
    key: [String; 3],
    persons: u64,
    families: u64,
}

/// Export the current linkage run of `store` to `out`.
///
/// # Errors
/// No linkage run, store or DuckDB trouble, or a relation that does not hold (a bug).
pub fn export_linkage(store: &Path, out: &Path, opts: &LinkageOptions, db: &DbSettings) -> Result<LinkageReport> {
    let st = Store::at(store);
    let run = crate::results::current_in(&st, crate::results::Area::Linkage).ok().flatten().ok_or_else(|| {
        ExportError::Input {
            file: store.join("linkage"),
            message: "no linkage run (run `kohort linkage --store STORE` first)".into(),
        }
    })?;
    let conn = crate::query::open_store(&st, db)
        .map_err(|e| ExportError::Input { file: store.to_owned(), message: format!("cannot open the store: {e}") })?;
    let mut report = LinkageReport { min_count: opts.min_count, run: run.run.clone(), ..LinkageReport::default() };
    conn.execute_batch(q::LINKAGE_SETUP).ctx("linkage export: setup")?;
    report.families = families(&conn)?;
    restrict(&conn, opts.cohort.as_ref())?;
    report.cohort = opts.cohort.as_ref().map(|c| CohortNote { name: c.def.name.clone(), side: c.side });
    conn.execute_batch(crate::sql::linkage::LONG).ctx("linkage export: G2 long form")?;
    conn.execute_batch(crate::sql::linkage::HEAVY_LINKS).ctx("linkage export: heavy parents")?;
    let rows = read_cells(&conn)?;
    let started = Instant::now();
    let decided = decide(&rows, opts.min_count, &mut report)?;
    report.suppression_seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    let stage = Stage::beside(out)?;
    let staging = stage.path();
    let batch = cells_batch(&rows, &decided)
        .map_err(|e| ExportError::Format(staging.join("linkage.parquet"), e.to_string()))?;
    write_parquet(&staging.join("linkage.parquet"), "linkage.parquet", batch.schema(), [batch.clone()])?;
    write_csv(&staging.join("linkage.csv"), &[batch])?;
    let open = |sys: &str, d1: &str| {
        let published = |cat: &str| {
            let k = (sys.to_owned(), [d1.to_owned(), "all".to_owned(), cat.to_owned()]);
            decided.get(&k).is_some_and(Option::is_none)
        };
        published("total") && published("with_outcome")
    };
    curves(&conn, staging, opts.min_count, &open, &mut report)?;
    write_docs(staging, &report)?;
    stage.replace(out)?;
    Ok(report)
}

/// Families per relation kind (connected parents and children), loaded into `families`.
fn families(conn: &Connection) -> Result<u64> {
    let mut stmt = conn.prepare(q::LINKAGE_LINKS).ctx("linkage export: links")?;
    let links: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .ctx("linkage export: links")?
        .collect::<std::result::Result<_, _>>()
        .ctx("linkage export: links")?;
    let mut total = 0;
    let mut app = conn.appender("families").ctx("linkage export: families")?;
    let mut start = 0;
    while start < links.len() {
        let kind = &links[start].0;
        let end = start + links[start..].iter().take_while(|l| &l.0 == kind).count();
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut names: Vec<&str> = Vec::new();
        let mut parent: Vec<usize> = Vec::new();
        let id = |p: &'_ str, ids: &mut HashMap<&str, usize>| -> usize { *ids.get(p).unwrap_or(&usize::MAX) };
        for (_, a, b) in &links[start..end] {
            for p in [a.as_str(), b.as_str()] {
                if !ids.contains_key(p) {
                    ids.insert(p, names.len());
                    parent.push(names.len());
                    names.push(p);
                }
            }
            let (x, y) = (find(&mut parent, id(a, &mut ids)), find(&mut parent, id(b, &mut ids)));
            if x != y {
                parent[x.max(y)] = x.min(y);
            }
        }
        for (i, name) in names.iter().enumerate() {
            let root = find(&mut parent, i);
            total += u64::from(root == i);
            app.append_row(duckdb::params![kind, name, i64::try_from(root).unwrap_or(i64::MAX)])
                .ctx("linkage export: families")?;
        }
        start = end;
    }
    Ok(total)
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn read_cells(conn: &Connection) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare(q::LINKAGE_CELLS).ctx("linkage export: cells")?;
    let rows = stmt
        .query_map([], |r| {
            let s = |i: usize| r.get::<_, String>(i);
            let n = |i: usize| r.get::<_, i64>(i).map(|v| u64::try_from(v).unwrap_or(0));
            Ok(Row { system: [s(0)?, s(1)?, s(2)?], key: [s(3)?, s(4)?, s(5)?], persons: n(6)?, families: n(7)? })
        })
        .ctx("linkage export: cells")?;
    Ok(rows.collect::<std::result::Result<_, _>>().ctx("linkage export: cells")?)
}

/// The decision of every cell, by ("table|kind|outcome", [group, sex, category]).
type Decided = BTreeMap<(String, [String; 3]), Option<Reason>>;

fn system_name(system: &[String; 3]) -> String {
    system.join("|")
}

/// The suppression decision of every cell, system by system.
fn decide(rows: &[Row], min: u64, report: &mut LinkageReport) -> Result<Decided> {
    let mut systems: BTreeMap<&[String; 3], Vec<&Row>> = BTreeMap::new();
    for r in rows {
        systems.entry(&r.system).or_default().push(r);
    }
    let rule = Rule { min_count: min, publish_zeros: false };
    let mut out = Decided::new();
    for (sys, members) in systems {
        let keys: Vec<&[String; 3]> = members.iter().map(|r| &r.key).collect();
        let cells: Vec<Cell> =
            members.iter().map(|r| Cell { count: r.persons, denominator: r.persons + COUNT_ONLY }).collect();
        let few_families: Vec<bool> = members.iter().map(|r| r.persons >= min && r.families < min).collect();
        let relations = linkage_relations(&sys[0], &keys, &cells, report).map_err(|m| ExportError::Input {
            file: "linkage".into(),
            message: format!("{} {} {}: {m}", sys[0], sys[1], sys[2]),
        })?;
        let p = protect_from(&cells, &relations, rule, &few_families);
        report.cells += cells.len() as u64;
        report.cells_primary_persons += cells.iter().filter(|c| c.count < min).count() as u64;
        report.cells_primary_families += few_families.iter().filter(|f| **f).count() as u64;
        report.cells_secondary_heuristic += p.heuristic;
        report.cells_secondary_audit += p.audit_added;
        for (r, reason) in members.iter().zip(p.reasons) {
            out.insert((system_name(sys), r.key.clone()), reason);
        }
    }
    Ok(out)
}

/// The relations among one system's cells (see the module header); each checked on the counts.
fn linkage_relations(
    table: &str,
    keys: &[&[String; 3]],
    cells: &[Cell],
    report: &mut LinkageReport,
) -> std::result::Result<Vec<Relation>, String> {
    let index: BTreeMap<&[String; 3], usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    let at = |d1: &str, d2: &str, c: &str| index.get(&[d1.to_owned(), d2.to_owned(), c.to_owned()]).copied();
    let mut out: Vec<(&'static str, Relation)> = Vec::new();
    let row_categories: &[&str] = match table {
        "resilience" => &["with_child_outcome", "resilient", "not_yet_followed"],
        _ => &["with_outcome", "without_outcome", "not_yet_followed"],
    };
    let rows: BTreeSet<(&str, &str)> = keys.iter().map(|k| (k[0].as_str(), k[1].as_str())).collect();
    for &(d1, d2) in &rows {
        if let Some(total) = at(d1, d2, "total") {
            let parts = row_categories.iter().filter_map(|c| at(d1, d2, c)).collect();
            out.push(("categories", Relation::sum(total, parts)));
        }
        for (inc, fol) in [("with_outcome", "followed_with_outcome"), ("without_outcome", "followed_without_outcome")] {
            if let (Some(t), Some(f)) = (at(d1, d2, inc), at(d1, d2, fol)) {
                out.push(("followed_within_included", Relation { total: t, parts: vec![f], bound: Bound::AtLeast }));
            }
        }
    }
    if table != "chain" {
        let cats: BTreeSet<(&str, &str)> = keys.iter().map(|k| (k[0].as_str(), k[2].as_str())).collect();
        for (d1, c) in cats {
            if let Some(total) = at(d1, "all", c) {
                let parts = rows.iter().filter(|r| r.0 == d1 && r.1 != "all").filter_map(|r| at(d1, r.1, c)).collect();
                out.push(("sexes", Relation::sum(total, parts)));
            }
        }
    }
    if table == "risk" {
        let cats: BTreeSet<(&str, &str)> = keys.iter().map(|k| (k[1].as_str(), k[2].as_str())).collect();
        for (d2, c) in cats {
            let Some(either) = at("either", d2, c) else { continue };
            for sub in ["mother", "father", "heavy"] {
                if let Some(s) = at(sub, d2, c) {
                    out.push(("exposures", Relation { total: either, parts: vec![s], bound: Bound::AtLeast }));
                }
            }
            let parts: Vec<usize> = ["mother", "father"].iter().filter_map(|s| at(s, d2, c)).collect();
            let upper = Relation { total: either, parts, bound: Bound::AtMost };
            if holds(&upper, cells) {
                out.push(("exposures", upper));
            }
        }
    }
    for (kind, r) in &out {
        if r.bound == Bound::Equal && !holds(r, cells) {
            return Err(format!("{kind} do not add up at {:?}", keys[r.total]));
        }
        *report.relations_by_kind.entry((*kind).to_owned()).or_default() += 1;
    }
    Ok(out.into_iter().map(|(_, r)| r).filter(|r| holds(r, cells)).collect())
}

fn holds(r: &Relation, cells: &[Cell]) -> bool {
    let (total, sum) = (cells[r.total].count, r.parts.iter().map(|&i| cells[i].count).sum::<u64>());
    match r.bound {
        Bound::Equal => total == sum,
        Bound::AtLeast => total >= sum,
        Bound::AtMost => total <= sum,
    }
}

/// The published cells in long form, with the share of each category in its row where both
/// are published.
fn cells_batch(rows: &[Row], decided: &Decided) -> std::result::Result<RecordBatch, duckdb::arrow::error::ArrowError> {
    let reason_of = |r: &Row| decided.get(&(system_name(&r.system), r.key.clone())).copied().flatten();
    let count_of = |r: &Row, cat: &str| -> Option<u64> {
        let key = [r.key[0].clone(), r.key[1].clone(), cat.to_owned()];
        if decided.get(&(system_name(&r.system), key))?.is_some() {
            return None;
        }
        rows.iter().find(|x| x.system == r.system && x.key[..2] == r.key[..2] && x.key[2] == cat).map(|x| x.persons)
    };
    let mut cols: [Vec<Option<String>>; 7] = Default::default();
    let (mut count, mut share, mut suppressed) = (Vec::new(), Vec::new(), Vec::new());
    for r in rows {
        let reason = reason_of(r);
        for (i, v) in r.system.iter().chain(r.key.iter()).enumerate() {
            cols[i].push(Some(v.clone()));
        }
        cols[6].push(reason.map(|x| x.as_str().to_owned()));
        count.push(reason.is_none().then_some(r.persons));
        // Share of the row: with_outcome among included, a resilience category among all.
        let base = match (r.system[0].as_str(), r.key[2].as_str()) {
            (_, "total") => None,
            ("resilience", _) => count_of(r, "total"),
            (_, "with_outcome" | "without_outcome") => {
                count_of(r, "with_outcome").zip(count_of(r, "without_outcome")).map(|(a, b)| a + b)
            }
            (_, "followed_with_outcome" | "followed_without_outcome") => {
                count_of(r, "followed_with_outcome").zip(count_of(r, "followed_without_outcome")).map(|(a, b)| a + b)
            }
            _ => count_of(r, "total"),
        };
        #[allow(clippy::cast_precision_loss)]
        share.push(reason.is_none().then_some(()).and(base).filter(|b| *b > 0).map(|b| r.persons as f64 / b as f64));
        suppressed.push(reason.is_some());
    }
    const NAMES: [&str; 7] = ["table_name", "relation_kind", "outcome", "group", "sex", "category", "reason"];
    let mut fields: Vec<Field> = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (i, name) in NAMES.iter().enumerate().take(6) {
        fields.push(Field::new(*name, DataType::Utf8, false));
        arrays.push(Arc::new(StringArray::from(std::mem::take(&mut cols[i]))));
    }
    fields.push(Field::new("count", DataType::UInt64, true));
    arrays.push(Arc::new(UInt64Array::from(count)));
    fields.push(Field::new("share", DataType::Float64, true));
    arrays.push(Arc::new(Float64Array::from(share)));
    fields.push(Field::new("suppressed", DataType::Boolean, false));
    arrays.push(Arc::new(BooleanArray::from(suppressed)));
    fields.push(Field::new(NAMES[6], DataType::Utf8, true));
    arrays.push(Arc::new(StringArray::from(std::mem::take(&mut cols[6]))));
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
}

/// One child of a curve: age in days, cause, family.
type Obs = (f64, i64, i64);

/// One published curve row.
struct CurveRow {
    key: (String, String, bool),
    time: f64,
    n: [u64; 4],
    estimate: f64,
    lower: Option<f64>,
    upper: Option<f64>,
}

/// Collapse and write `linkage_km` and `linkage_cif`.
fn curves(
    conn: &Connection,
    dir: &Path,
    min: u64,
    open: &dyn Fn(&str, &str) -> bool,
    report: &mut LinkageReport,
) -> Result<()> {
    let mut stmt = conn.prepare(q::LINKAGE_CURVES).ctx("linkage export: curves")?;
    let mut groups: BTreeMap<(String, String, bool), Vec<Obs>> = BTreeMap::new();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                (r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, bool>(2)?),
                r.get::<_, i64>(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .ctx("linkage export: curves")?;
    for row in rows {
        let (key, t, cause, family) = row.ctx("linkage export: curves")?;
        #[allow(clippy::cast_precision_loss)]
        groups.entry(key).or_default().push((t as f64, cause, family));
    }
    let batches = crate::results::linkage::curve_batches(conn).map_err(|e| ExportError::Input {
        file: "linkage".into(),
        message: format!("curves of the tables in scope: {e}"),
    })?;
    for ((table, competing), batch) in [("linkage_km", false), ("linkage_cif", true)].into_iter().zip(&batches) {
        let estimates = estimates(batch).ok_or_else(|| ExportError::Format(dir.join(table), "curve columns".into()))?;
        report.curve_rows += estimates.len() as u64;
        let mut out = Vec::new();
        for (key, obs) in &groups {
            if !open(&format!("risk|{}|{}", key.0, key.1), if key.2 { "either" } else { "none" }) {
                report.curves_withheld += 1;
                continue;
            }
            out.extend(collapse(key, obs, &estimates, min, competing));
        }
        report.curve_rows_published += out.len() as u64;
        let batch = curve_batch(&out).map_err(|e| ExportError::Format(dir.join(table), e.to_string()))?;
        write_parquet(&dir.join(format!("{table}.parquet")), table, batch.schema(), [batch.clone()])?;
        write_csv(&dir.join(format!("{table}.csv")), &[batch])?;
    }
    Ok(())
}

/// The original curve's estimate and interval at each (group, time).
type Estimates = BTreeMap<(String, String, bool, u64), (f64, Option<f64>, Option<f64>)>;

/// The estimates of a curve batch of the tables in scope (`curve_schema` columns), computed here
/// like the run computes its own (so a cohort's curves are its own, not the whole run's).
fn estimates(batch: &RecordBatch) -> Option<Estimates> {
    let text = |i: usize| batch.column(i).as_any().downcast_ref::<StringArray>();
    let float = |i: usize| batch.column(i).as_any().downcast_ref::<Float64Array>();
    let (kind, outcome, time, est, lower, upper) = (text(0)?, text(1)?, float(3)?, float(8)?, float(9)?, float(10)?);
    let exposed = batch.column(2).as_any().downcast_ref::<BooleanArray>()?;
    let opt = |a: &Float64Array, i: usize| duckdb::arrow::array::Array::is_valid(a, i).then(|| a.value(i));
    Some(
        (0..batch.num_rows())
            .map(|i| {
                let key =
                    (kind.value(i).to_owned(), outcome.value(i).to_owned(), exposed.value(i), time.value(i).to_bits());
                (key, (est.value(i), opt(lower, i), opt(upper, i)))
            })
            .collect(),
    )
}

/// One group's curve, merged forward into safe intervals (see the module header).
fn collapse(key: &(String, String, bool), obs: &[Obs], est: &Estimates, min: u64, competing: bool) -> Vec<CurveRow> {
    // Persons and families at risk from each observation on (the sorted suffix).
    let mut at_risk_families = vec![0u64; obs.len() + 1];
    let mut seen: HashMap<i64, u64> = HashMap::new();
    for i in (0..obs.len()).rev() {
        *seen.entry(obs[i].2).or_default() += 1;
        at_risk_families[i] = seen.len() as u64;
    }
    let ok = |persons: u64, fams: usize| persons == 0 || (persons >= min && fams as u64 >= min);
    let mut out = Vec::new();
    let mut entering: Option<usize> = None;
    let mut counts = [0u64; 3];
    let mut fams: [BTreeSet<i64>; 3] = Default::default();
    let mut i = 0;
    while i < obs.len() {
        let t = obs[i].0;
        let first = *entering.get_or_insert(i);
        let risk = (obs.len() - first) as u64;
        if risk < min || at_risk_families[first] < min {
            break;
        }
        #[allow(clippy::float_cmp)] // ties are exactly equal times
        while i < obs.len() && obs[i].0 == t {
            // KM: deaths and emigrations before A are censorings.
            let slot = match (obs[i].1, competing) {
                (1, _) => 0,
                (2, true) => 1,
                _ => 2,
            };
            counts[slot] += 1;
            fams[slot].insert(obs[i].2);
            i += 1;
        }
        if (0..3).all(|s| ok(counts[s], fams[s].len())) && counts.iter().sum::<u64>() > 0 {
            let Some(&(estimate, lower, upper)) = est.get(&(key.0.clone(), key.1.clone(), key.2, t.to_bits())) else {
                continue;
            };
            out.push(CurveRow {
                key: key.clone(),
                time: t,
                n: [risk, counts[0], counts[1], counts[2]],
                estimate,
                lower,
                upper,
            });
            (entering, counts, fams) = (None, [0; 3], Default::default());
        }
    }
    out
}

fn curve_batch(rows: &[CurveRow]) -> std::result::Result<RecordBatch, duckdb::arrow::error::ArrowError> {
    let schema = crate::results::linkage::curve_schema();
    let n = |k: usize| Arc::new(UInt64Array::from(rows.iter().map(|r| r.n[k]).collect::<Vec<_>>())) as ArrayRef;
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(rows.iter().map(|r| r.key.0.clone()).collect::<Vec<_>>())),
        Arc::new(StringArray::from(rows.iter().map(|r| r.key.1.clone()).collect::<Vec<_>>())),
        Arc::new(BooleanArray::from(rows.iter().map(|r| r.key.2).collect::<Vec<_>>())),
        Arc::new(Float64Array::from(rows.iter().map(|r| r.time).collect::<Vec<_>>())),
        n(0),
        n(1),
        n(2),
        n(3),
        Arc::new(Float64Array::from(rows.iter().map(|r| r.estimate).collect::<Vec<_>>())),
        Arc::new(Float64Array::from(rows.iter().map(|r| r.lower).collect::<Vec<_>>())),
        Arc::new(Float64Array::from(rows.iter().map(|r| r.upper).collect::<Vec<_>>())),
    ];
    RecordBatch::try_new(schema, cols)
}

/// Codebook and disclosure report.
fn write_docs(dir: &Path, report: &LinkageReport) -> Result<()> {
    let json = serde_json::to_string_pretty(report).map_err(|e| ExportError::Format(dir.into(), e.to_string()))?;
    crate::store::write_file_atomic(&dir.join("disclosure_report.json"), (json + "\n").as_bytes())?;
    let kinds: String = report.relations_by_kind.iter().map(|(k, n)| format!("| relations: {k} | {n} |\n")).collect();
    let md = format!(
        "# Disclosure report — linkage tables\n\n\
         Linkage run `{run}`. Rules (docs/definitions.md §6.5–§6.10): every published count reaches {min} persons and \
         {min} families (parents and children linked by `relations` are one family per relation \
         kind); zeros are suppressed too. Secondary suppression over the relations below \
         (categories sum to the row total, sexes to `all`, followed children within included \
         ones, `either` between `mother`/`father`/`heavy` and `mother + father`), checked by \
         linear programming: no suppressed count can be narrowed to a range under {min}. `both` \
         is not published (it is `mother + father − either`). Curves: intervals merged until \
         events, competing events and censorings are 0 or reach {min} persons and families; a \
         curve stops where its risk set falls under {min}; a curve whose risk row is suppressed \
         is not published.\n\n\
         | figure | value |\n|---|---|\n\
         | families | {families} |\n| cells | {cells} |\n{kinds}\
         | suppressed: under {min} persons | {pp} |\n| suppressed: under {min} families | {pf} |\n\
         | suppressed: secondary (heuristic) | {sh} |\n| suppressed: secondary (LP audit) | {sa} |\n\
         | curve rows read / published | {cr} / {cp} |\n\
         | curves withheld | {cw} |\n",
        run = report.run,
        min = report.min_count,
        families = report.families,
        cells = report.cells,
        pp = report.cells_primary_persons,
        pf = report.cells_primary_families,
        sh = report.cells_secondary_heuristic,
        sa = report.cells_secondary_audit,
        cr = report.curve_rows,
        cp = report.curve_rows_published,
        cw = report.curves_withheld,
    );
    crate::store::write_file_atomic(&dir.join("disclosure_report.md"), md.as_bytes())?;
    crate::store::write_file_atomic(&dir.join("codebook.md"), CODEBOOK.as_bytes())?;
    Ok(())
}

const CODEBOOK: &str = "# Codebook — published linkage tables\n\n\
`linkage.parquet` / `.csv`, one row per count cell:\n\n\
| variable | meaning |\n|---|---|\n\
| table_name | risk, resilience or chain |\n\
| relation_kind | biological, adoptive, legal |\n\
| outcome | care, measure, out_of_home (before age A) |\n\
| group | risk: exposure of the child's parents (either, mother, father, heavy; none = no G1 parent); resilience: heavy; chain: grandparent exposed (true/false) |\n\
| sex | risk: child sex (all, f, m, ...); resilience: parent sex; chain: parent exposed (true/false) |\n\
| category | with_outcome, without_outcome (included children), not_yet_followed, followed_with_outcome, followed_without_outcome, total; resilience: with_child_outcome, resilient, not_yet_followed, total |\n\
| count | persons (children, or heavily exposed parents); empty when suppressed |\n\
| share | count / (with + without) for outcome categories, count / total otherwise; empty unless both are published |\n\
| suppressed, reason | not published: primary (under the minimum in persons or families) or secondary |\n\n\
`linkage_km` / `linkage_cif` (`.parquet`, `.csv`): cumulative incidence by child age (days) per relation \
kind, outcome and exposure group (exposed = either): 1 − Kaplan–Meier and Aalen–Johansen; each \
row an interval ending at `age_days`, with the risk set entering it and its events, competing \
events and censorings.\n";
