//! `kohort export tables`: study tables (data-schema/study_tables.md) made safe to publish
//! (docs/definitions.md §6.5–§6.8) with [`crate::disclosure`], written with a codebook, a disclosure report and
//! reading snippets for R, Python and SPSS, into a folder published atomically.
//!
//! Linked tables: rows of one study that share (cohort, outcome, variant, window, period) form one system
//! of cells keyed by (region level, region, split, split value); a `total` row shared by several
//! tables is one cell. Its relations ([`relations`]): categories to totals, regions to NL, and
//! every nesting of the reference data (municipalities in youth regions, by the mapping of the
//! index years; districts in municipalities). Twin cells (a region equal to its only
//! municipality) are one cell. Every suppression decision is taken on that whole system by
//! [`crate::disclosure::protect`] (heuristic, then an audit by linear programming), so no
//! published margin or nesting of any linked table recovers a suppressed cell.
//!
//! Files: [`survival`] (survival tables), [`docs`] (codebook and disclosure report),
//! [`linkage`] (the linkage tables of a store).

mod docs;
pub mod linkage;
mod relations;
mod survival;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use duckdb::Connection;
use duckdb::arrow::record_batch::RecordBatch;
use serde::Serialize;

use crate::db::{DbError, DbSettings, DuckContext};
use crate::disclosure::{Cell, Reason, Rule, protect};
use crate::reference::{ReferenceError, YouthRegions};
use crate::sql::export as q;
use crate::store::{Stage, StoreError, write_parquet};

/// Errors of an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// DuckDB failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Writing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// File trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The input breaks the study-table contract.
    #[error("{file}: {message}")]
    Input {
        /// The file.
        file: PathBuf,
        /// What is wrong (names the row's keys).
        message: String,
    },
    /// The youth-region mapping (override) could not be read.
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    /// A relation of the contract or the reference data does not hold on the study's figures.
    #[error(
        "{file}: {detail}; the tables were made with another youth-region mapping or break the study-table contract (pass the mapping the study used with --youth-regions)"
    )]
    Relation {
        /// The file.
        file: PathBuf,
        /// Which relation, at which cell, and what differs.
        detail: String,
    },
    /// CSV or JSON output failed.
    #[error("writing {0}: {1}")]
    Format(PathBuf, String),
}

/// Result alias for this module.
pub type Result<T> = std::result::Result<T, ExportError>;

/// Parameters of a table export.
#[derive(Debug, Clone, Serialize)]
pub struct TablesOptions {
    /// Minimum count (primary suppression), docs/definitions.md §6.5, default 10.
    pub min_count: u64,
    /// Publish zero counts (structural zeros).
    pub publish_zeros: bool,
    /// Round published counts and denominators to this base (1 = no rounding; 5 = base 5).
    pub round_base: u64,
    /// A youth-region mapping file that overrides the shipped one for the municipalities it
    /// names (`YouthRegions::with_overrides`): the mapping the study used.
    pub youth_regions: Option<PathBuf>,
}

impl Default for TablesOptions {
    fn default() -> Self {
        Self { min_count: 10, publish_zeros: false, round_base: 1, youth_regions: None }
    }
}

/// What an export did (also the JSON disclosure report).
#[derive(Debug, Clone, Default, Serialize)]
pub struct TablesReport {
    /// Parameters.
    pub min_count: u64,
    /// Zeros published.
    pub publish_zeros: bool,
    /// Rounding base (1 = none).
    pub round_base: u64,
    /// The youth-region override file, if any (its file name).
    pub youth_regions_override: Option<String>,
    /// Input rows.
    pub rows: u64,
    /// Linked-table systems (study, cohort, outcome, window, period).
    pub systems: u64,
    /// Distinct cells after merging shared margins and twins.
    pub cells: u64,
    /// Cells published twice under two names (a youth region equal to its only municipality, a
    /// split with one category) merged into one.
    pub twin_cells: u64,
    /// Additive relations used (equalities and bounds).
    pub relations: u64,
    /// Relations by kind (see data-schema/study_tables.md).
    pub relations_by_kind: BTreeMap<String, u64>,
    /// Distinct cells suppressed because of the minimum count.
    pub cells_primary: u64,
    /// Distinct cells suppressed by the singleton-and-sum heuristic.
    pub cells_secondary_heuristic: u64,
    /// Distinct cells suppressed after the linear-programming audit found a cell too narrow.
    pub cells_secondary_audit: u64,
    /// Audit rounds over all systems.
    pub audit_rounds: u64,
    /// Linear programs the audit solved.
    pub audit_programs: u64,
    /// Suppressed cells in the largest group the audit solved.
    pub audit_largest_group: u64,
    /// Suppressed cells whose relations hold no published cell to add (not published anyway).
    pub audit_unprotectable: u64,
    /// Rows suppressed because of the minimum count (count, complement or denominator).
    pub rows_primary: u64,
    /// Rows suppressed so that primary cells cannot be recovered.
    pub rows_secondary: u64,
    /// Seconds spent building relations and computing the pattern: printed, never written into
    /// the export (it would make the same export differ byte for byte).
    #[serde(skip_serializing)]
    pub suppression_seconds: f64,
    /// Rows of category outcomes suppressed because a sibling category of their cell is.
    pub category_siblings: u64,
    /// Survival rows read.
    pub survival_rows: u64,
    /// Survival rows published after collapsing.
    pub survival_rows_published: u64,
    /// Curves cut off where the risk set fell under the minimum.
    pub survival_curves_truncated: u64,
}

struct InputRow {
    row_no: i64,
    /// (study, cohort, outcome, window, period, variant).
    system: [String; 6],
    cell: [String; 4],
    count: u64,
    denominator: u64,
    /// The group of comparable municipalities of a municipality row.
    group: Option<String>,
}

fn read_rows(conn: &Connection, file: &Path) -> Result<Vec<InputRow>> {
    conn.execute(q::INPUT, [file.to_string_lossy()]).ctx(format!("reading {}", file.display()))?;
    let mut stmt = conn.prepare(q::READ_TABLES).ctx("reading the study tables")?;
    let rows = stmt
        .query_map([], |r| {
            let s = |i: usize| r.get::<_, Option<String>>(i).map(Option::unwrap_or_default);
            Ok((
                r.get::<_, i64>(0)?,
                [s(1)?, s(3)?, s(4)?, s(5)?, s(6)?, s(13)?],
                [s(7)?, s(8)?, s(9)?, s(10)?],
                (r.get::<_, Option<i64>>(11)?, r.get::<_, Option<i64>>(12)?),
                s(2)?,
                r.get::<_, Option<String>>(14)?,
            ))
        })
        .ctx(format!("reading {}", file.display()))?;
    let mut out = Vec::new();
    for row in rows {
        let (row_no, system, cell, (count, denominator), table, group) =
            row.ctx(format!("reading {}", file.display()))?;
        let bad = |m: &str| ExportError::Input {
            file: file.to_owned(),
            message: format!("table {table}, region {}, {} = {}: {m}", cell[1], cell[2], cell[3]),
        };
        let (Some(count), Some(denominator)) = (count, denominator) else {
            return Err(bad("count and denominator are required"));
        };
        let (Ok(count), Ok(denominator)) = (u64::try_from(count), u64::try_from(denominator)) else {
            return Err(bad("counts cannot be negative"));
        };
        if count > denominator {
            return Err(bad("count exceeds its denominator"));
        }
        let group = group.filter(|_| cell[0] == "municipality");
        out.push(InputRow { row_no, system, cell, count, denominator, group });
    }
    Ok(out)
}

/// The suppression reason of every input row (by `row_no`), system by system.
fn pattern(
    rows: &[InputRow],
    file: &Path,
    rule: Rule,
    regions: &YouthRegions,
    report: &mut TablesReport,
) -> Result<Vec<(i64, Reason)>> {
    let mut systems: BTreeMap<&[String; 6], Vec<&InputRow>> = BTreeMap::new();
    for r in rows {
        systems.entry(&r.system).or_default().push(r);
    }
    let mut out = Vec::new();
    for members in systems.values() {
        // Cells: rows with the same (level, region, split, value) are one cell (shared margins),
        // numbered in the order of their first row.
        let mut index: BTreeMap<&[String; 4], usize> = BTreeMap::new();
        let (mut keys, mut cells): (Vec<&[String; 4]>, Vec<Cell>) = (Vec::new(), Vec::new());
        for r in members {
            let c = Cell { count: r.count, denominator: r.denominator };
            match index.get(&r.cell) {
                Some(&i) if cells[i] != c => {
                    return Err(ExportError::Input {
                        file: file.to_owned(),
                        message: format!("the shared cell {:?} has two different values in linked tables", r.cell),
                    });
                }
                Some(_) => {}
                None => {
                    index.insert(&r.cell, cells.len());
                    keys.push(&r.cell);
                    cells.push(c);
                }
            }
        }
        let period = members.first().map_or("", |r| r.system[4].as_str());
        let groups: relations::Groups =
            members.iter().filter_map(|r| Some((r.cell[1].clone(), r.group.clone()?))).collect();
        let model = relations::model(&keys, &cells, period, regions, &groups).map_err(|b| {
            let [level, region, split, value] = &b.total;
            ExportError::Relation {
                file: file.to_owned(),
                detail: format!("{} does not hold for {level} {region}, {split} = {value} ({})", b.kind, b.what),
            }
        })?;
        let p = protect(&model.cells, &model.relations, rule);
        report.systems += 1;
        report.cells += model.cells.len() as u64;
        report.twin_cells += model.twins;
        report.relations += model.relations.len() as u64;
        for (kind, n) in &model.by_kind {
            *report.relations_by_kind.entry((*kind).to_owned()).or_default() += n;
        }
        report.cells_primary += p.reasons.iter().filter(|r| **r == Some(Reason::Primary)).count() as u64;
        report.cells_secondary_heuristic += p.heuristic;
        report.cells_secondary_audit += p.audit_added;
        report.audit_rounds += p.audit_rounds;
        report.audit_programs += p.audit_programs;
        report.audit_largest_group = report.audit_largest_group.max(p.largest_group);
        report.audit_unprotectable += p.unprotectable;
        for r in members {
            if let Some(reason) = p.reasons[model.cell_of_key[index[&r.cell]]] {
                out.push((r.row_no, reason));
            }
        }
    }
    siblings(rows, &mut out, report);
    out.sort_unstable();
    Ok(out)
}

/// Whether a study outcome gives categories over one denominator (docs/definitions.md §5.10:
/// `transitions`, `severity_reduced`; `variant` = `[instrument:]category`).
fn is_categories(outcome: &str) -> bool {
    crate::study::catalogue::CATALOGUE
        .iter()
        .any(|s| s.id == outcome && s.kind == crate::study::catalogue::Kind::Categories)
}

/// The categories of a category outcome share their denominator and sum to it, across the
/// systems of its variants: a suppressed category would be the denominator (published beside
/// its siblings) minus the published ones. Where one category of a cell is suppressed, every
/// category of that cell is (secondary). More suppression only widens what the audit of each
/// system bounded.
fn siblings(rows: &[InputRow], out: &mut Vec<(i64, Reason)>, report: &mut TablesReport) {
    let suppressed: BTreeMap<i64, Reason> = out.iter().copied().collect();
    let key = |r: &InputRow| -> Option<(Vec<String>, [String; 4])> {
        if !is_categories(&r.system[2]) {
            return None;
        }
        let variant = &r.system[5];
        let instrument = variant.rsplit_once(':').map_or("", |(i, _)| i);
        let mut head = r.system[..5].to_vec();
        head.push(instrument.to_owned());
        Some((head, r.cell.clone()))
    };
    let mut hit: std::collections::BTreeSet<(Vec<String>, [String; 4])> = std::collections::BTreeSet::new();
    for r in rows.iter().filter(|r| suppressed.contains_key(&r.row_no)) {
        if let Some(k) = key(r) {
            hit.insert(k);
        }
    }
    for r in rows.iter().filter(|r| !suppressed.contains_key(&r.row_no)) {
        if key(r).is_some_and(|k| hit.contains(&k)) {
            out.push((r.row_no, Reason::Secondary));
            report.category_siblings += 1;
        }
    }
}

/// The shipped youth-region mapping with the override file, if any.
fn youth_regions(opts: &TablesOptions) -> Result<YouthRegions> {
    let shipped = YouthRegions::shipped()?;
    Ok(match &opts.youth_regions {
        Some(path) => shipped.with_overrides(YouthRegions::from_file(path)?),
        None => shipped,
    })
}

/// Export the study tables of `input` (a study folder with `tables.parquet`) to `out`.
pub fn export_tables(input: &Path, out: &Path, opts: &TablesOptions, db: &DbSettings) -> Result<TablesReport> {
    let file = input.join("tables.parquet");
    if !file.exists() {
        return Err(ExportError::Input { file, message: "no such file (a study folder holds tables.parquet)".into() });
    }
    let conn = crate::db::open_in_memory(db, None)?;
    let rows = read_rows(&conn, &file)?;
    let rule = Rule { min_count: opts.min_count, publish_zeros: opts.publish_zeros };
    let regions = youth_regions(opts)?;
    let mut report = TablesReport {
        min_count: opts.min_count,
        publish_zeros: opts.publish_zeros,
        round_base: opts.round_base.max(1),
        youth_regions_override: opts
            .youth_regions
            .as_ref()
            .map(|p| p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned())),
        rows: rows.len() as u64,
        ..TablesReport::default()
    };
    let started = Instant::now();
    let suppressed = pattern(&rows, &file, rule, &regions, &mut report)?;
    report.suppression_seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    report.rows_primary = suppressed.iter().filter(|(_, r)| *r == Reason::Primary).count() as u64;
    report.rows_secondary = suppressed.iter().filter(|(_, r)| *r == Reason::Secondary).count() as u64;
    conn.execute_batch(q::PATTERN).ctx("suppression pattern")?;
    {
        let mut app = conn.appender("pattern").ctx("suppression pattern")?;
        for (row_no, reason) in &suppressed {
            app.append_row(duckdb::params![row_no, reason.as_str()]).ctx("suppression pattern")?;
        }
    }
    let stage = Stage::beside(out)?;
    let staging = stage.path();
    let base = i64::try_from(report.round_base).unwrap_or(1);
    conn.execute(q::TABLES_OUT, [base]).ctx("publishing the tables")?;
    conn.execute_batch(crate::sql::study::BENCHMARK_MACROS).ctx("benchmarks of the published tables")?;
    let benchmarked = crate::db::render(crate::sql::study::BENCHMARKS, &[("rows", "published")]);
    // The benchmark SQL is kohort's own (sql/study/benchmarks.sql), placed as a subquery.
    let sql = crate::db::render(q::TABLES_OUT_ROWS, &[("benchmarked", benchmarked.trim())]);
    let mut stmt = conn.prepare(&sql).ctx("publishing the tables")?;
    let batches: Vec<RecordBatch> = stmt.query_arrow([]).ctx("publishing the tables")?.collect();
    let schema = stmt.schema();
    write_parquet(&staging.join("tables.parquet"), "tables.parquet", schema, batches.clone())?;
    write_csv(&staging.join("tables.csv"), &batches)?;
    let comparison = input.join("comparison.parquet");
    if comparison.exists() {
        comparison_out(&conn, &comparison, staging)?;
    }
    let survival = input.join("survival.parquet");
    if survival.exists() {
        survival::collapse_survival(&conn, &survival, staging, opts.min_count, &mut report)?;
    }
    docs::write_docs(staging, &report)?;
    stage.replace(out)?;
    Ok(report)
}

/// The comparison of activities (docs/definitions.md §5.14) recomputed from the published
/// tables only (`tables.parquet` already in `staging`): a figure that needs a suppressed cell is
/// empty, a stratum with one is left out of the standardisation. `file` is the study's
/// comparison table, read for what it compares.
fn comparison_out(conn: &Connection, file: &Path, staging: &Path) -> Result<()> {
    use crate::study::comparison as c;
    let (study, reference, activities, outcomes) = c::read_activities(conn, file)?;
    let arms = c::read_arms(conn, &staging.join("tables.parquet"))?;
    let rows = c::compare(&arms, &reference, &activities, &outcomes);
    c::write(conn, staging, &study, &rows).map_err(|e| match e {
        crate::study::StudyError::Db(d) => ExportError::Db(d),
        crate::study::StudyError::Store(s) => ExportError::Store(s),
        other => ExportError::Format(staging.join("comparison.parquet"), other.to_string()),
    })
}

/// Write batches as CSV with a header (also used by studies).
pub(crate) fn write_csv(path: &Path, batches: &[RecordBatch]) -> Result<()> {
    let file = fs_err::File::create(path)?;
    let mut w = duckdb::arrow::csv::WriterBuilder::new().with_header(true).build(file);
    for b in batches {
        w.write(b).map_err(|e| ExportError::Format(path.to_owned(), e.to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(row_no: i64, outcome: &str, variant: &str, count: u64, denominator: u64) -> InputRow {
        let s = |x: &str| x.to_owned();
        InputRow {
            row_no,
            system: [s("st"), s("all"), s(outcome), s(""), s("2024"), s(variant)],
            cell: [s("municipality"), s("GM0014"), s("total"), s("total")],
            count,
            denominator,
            group: None,
        }
    }

    #[test]
    fn a_suppressed_category_takes_its_sibling_categories_along_but_no_other_outcome() {
        // Reliable change in one cell, by hand: improved 3 (primary), unchanged 50, deteriorated
        // 10 of 63. Published, 63 - 50 - 10 would give the 3 back. Measure success has two
        // lines with their own denominators (not categories): untouched.
        let rows = [
            row(1, "severity_reduced", "sdq:improved", 3, 63),
            row(2, "severity_reduced", "sdq:unchanged", 50, 63),
            row(3, "severity_reduced", "sdq:deteriorated", 10, 63),
            row(4, "severity_reduced", "cbcl:improved", 30, 60),
            row(5, "measure_success", "protection", 3, 40),
            row(6, "measure_success", "youth_probation", 20, 40),
        ];
        let mut out = vec![(1, Reason::Primary), (5, Reason::Primary)];
        let mut report = TablesReport::default();
        siblings(&rows, &mut out, &mut report);
        out.sort_unstable();
        assert_eq!(out, [(1, Reason::Primary), (2, Reason::Secondary), (3, Reason::Secondary), (5, Reason::Primary)]);
        assert_eq!(report.category_siblings, 2);
    }
}
