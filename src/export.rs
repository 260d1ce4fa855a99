//! `kohort export tables`: study tables (data-schema/study_tables.md) made safe to publish
//! (DOMAIN.md §6) with [`crate::disclosure`], written with a codebook, a disclosure report and
//! reading snippets for R, Python and SPSS, into a folder published atomically.
//!
//! Linked tables: rows of one study that share (cohort, outcome, window, period) form one system
//! of cells keyed by (region level, region, split, split value); a `total` row shared by several
//! tables is one cell. Its relations: per region and split, the `total` row is the sum of the
//! split's categories; per region level and (split, category), the national `NL` row is the sum
//! of the regions. Every suppression decision is taken on that whole system, so no published
//! margin of any linked table recovers a suppressed cell.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use duckdb::Connection;
use duckdb::arrow::record_batch::RecordBatch;
use serde::Serialize;

use crate::db::{DbError, DbSettings, DuckContext};
use crate::disclosure::{Cell, Reason, Relation, Rule, suppress};
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
    /// CSV or JSON output failed.
    #[error("writing {0}: {1}")]
    Format(PathBuf, String),
}

/// Result alias for this module.
pub type Result<T> = std::result::Result<T, ExportError>;

/// Parameters of a table export.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TablesOptions {
    /// Minimum count (primary suppression), DOMAIN §6 default 10.
    pub min_count: u64,
    /// Publish zero counts (structural zeros).
    pub publish_zeros: bool,
    /// Round published counts and denominators to this base (1 = no rounding; 5 = base 5).
    pub round_base: u64,
}

impl Default for TablesOptions {
    fn default() -> Self {
        Self { min_count: 10, publish_zeros: false, round_base: 1 }
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
    /// Input rows.
    pub rows: u64,
    /// Linked-table systems (study, cohort, outcome, window, period).
    pub systems: u64,
    /// Distinct cells after merging shared margins.
    pub cells: u64,
    /// Additive relations used.
    pub relations: u64,
    /// Rows suppressed because of the minimum count (count, complement or denominator).
    pub rows_primary: u64,
    /// Rows suppressed so that primary cells cannot be recovered.
    pub rows_secondary: u64,
    /// Survival rows read.
    pub survival_rows: u64,
    /// Survival rows published after collapsing.
    pub survival_rows_published: u64,
    /// Curves cut off where the risk set fell under the minimum.
    pub survival_curves_truncated: u64,
}

struct InputRow {
    row_no: i64,
    system: [String; 6],
    cell: [String; 4],
    count: u64,
    denominator: u64,
}

fn read_rows(conn: &Connection, file: &Path) -> Result<Vec<InputRow>> {
    let mut stmt = conn.prepare(q::READ_TABLES).ctx("reading the study tables")?;
    let rows = stmt
        .query_map([file.to_string_lossy()], |r| {
            let s = |i: usize| r.get::<_, Option<String>>(i).map(Option::unwrap_or_default);
            Ok((
                r.get::<_, i64>(0)?,
                [s(1)?, s(3)?, s(4)?, s(5)?, s(6)?, String::new()],
                [s(7)?, s(8)?, s(9)?, s(10)?],
                r.get::<_, Option<i64>>(11)?,
                r.get::<_, Option<i64>>(12)?,
                s(2)?,
            ))
        })
        .ctx(format!("reading {}", file.display()))?;
    let mut out = Vec::new();
    for row in rows {
        let (row_no, system, cell, count, denominator, table) = row.ctx(format!("reading {}", file.display()))?;
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
        out.push(InputRow { row_no, system, cell, count, denominator });
    }
    Ok(out)
}

/// The suppression reason of every input row (by `row_no`), system by system.
fn pattern(rows: &[InputRow], file: &Path, rule: Rule, report: &mut TablesReport) -> Result<Vec<(i64, Reason)>> {
    let mut systems: BTreeMap<&[String; 6], Vec<&InputRow>> = BTreeMap::new();
    for r in rows {
        systems.entry(&r.system).or_default().push(r);
    }
    let mut out = Vec::new();
    for members in systems.values() {
        // Cells: rows with the same (level, region, split, value) are one cell (shared margins).
        let mut index: BTreeMap<&[String; 4], usize> = BTreeMap::new();
        let mut cells: Vec<Cell> = Vec::new();
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
                    cells.push(c);
                }
            }
        }
        let relations = relations(&index);
        report.systems += 1;
        report.cells += cells.len() as u64;
        report.relations += relations.len() as u64;
        let reasons = suppress(&cells, &relations, rule);
        for r in members {
            if let Some(reason) = reasons[index[&r.cell]] {
                out.push((r.row_no, reason));
            }
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// The additive relations among one system's cells (see the module header).
fn relations(index: &BTreeMap<&[String; 4], usize>) -> Vec<Relation> {
    let key = |a: &str, b: &str, c: &str, d: &str| [a.to_owned(), b.to_owned(), c.to_owned(), d.to_owned()];
    let mut categories: BTreeMap<[String; 3], Vec<usize>> = BTreeMap::new();
    let mut regions: BTreeMap<[String; 3], Vec<usize>> = BTreeMap::new();
    for (k, &i) in index {
        let [level, region, split, value] = k.each_ref().map(String::as_str);
        if split != "total" {
            categories.entry([level.into(), region.into(), split.into()]).or_default().push(i);
        }
        if level != "national" {
            regions.entry([level.into(), split.into(), value.into()]).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for ([level, region, _], parts) in categories {
        if let Some(&total) = index.get(&key(&level, &region, "total", "total")) {
            out.push(Relation { total, parts });
        }
    }
    for ([_, split, value], parts) in regions {
        if let Some(&total) = index.get(&key("national", "NL", &split, &value)) {
            out.push(Relation { total, parts });
        }
    }
    out
}

/// Export the study tables of `input` (a study folder with `tables.parquet`) to `out`.
pub fn export_tables(input: &Path, out: &Path, opts: TablesOptions, db: &DbSettings) -> Result<TablesReport> {
    let file = input.join("tables.parquet");
    if !file.exists() {
        return Err(ExportError::Input { file, message: "no such file (a study folder holds tables.parquet)".into() });
    }
    let conn = crate::db::open_in_memory(db, None)?;
    let rows = read_rows(&conn, &file)?;
    let rule = Rule { min_count: opts.min_count, publish_zeros: opts.publish_zeros };
    let mut report = TablesReport {
        min_count: opts.min_count,
        publish_zeros: opts.publish_zeros,
        round_base: opts.round_base.max(1),
        rows: rows.len() as u64,
        ..TablesReport::default()
    };
    let suppressed = pattern(&rows, &file, rule, &mut report)?;
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
    let mut stmt = conn.prepare(q::TABLES_OUT).ctx("publishing the tables")?;
    let batches: Vec<RecordBatch> =
        stmt.query_arrow(duckdb::params![file.to_string_lossy(), base]).ctx("publishing the tables")?.collect();
    let schema = stmt.schema();
    write_parquet(&staging.join("tables.parquet"), "tables.parquet", schema, batches.clone())?;
    write_csv(&staging.join("tables.csv"), &batches)?;
    let survival = input.join("survival.parquet");
    if survival.exists() {
        collapse_survival(&conn, &survival, staging, opts.min_count, &mut report)?;
    }
    write_docs(staging, &report)?;
    stage.replace(out)?;
    Ok(report)
}

/// One survival row (the contract's columns).
struct SurvRow {
    keys: [String; 9],
    time: i64,
    at_risk: u64,
    events: u64,
    censored: u64,
    estimate: f64,
    lower: Option<f64>,
    upper: Option<f64>,
}

/// Survival tables (DOMAIN §6: at-risk and event counts under the minimum are collapsed into the
/// neighbouring interval). Per curve, rows are merged forward into intervals until the
/// interval's events and censorings are each 0 or at least `min`; an interval is published at
/// its last time (estimate and CI there), with the risk set entering it. A curve stops where its
/// risk set falls under `min`; an unfinished last interval is not published.
fn collapse_survival(conn: &Connection, file: &Path, dir: &Path, min: u64, report: &mut TablesReport) -> Result<()> {
    let mut stmt = conn.prepare(q::READ_SURVIVAL).ctx("reading the survival tables")?;
    let rows = stmt
        .query_map([file.to_string_lossy()], |r| {
            let mut keys: [String; 9] = Default::default();
            for (i, k) in keys.iter_mut().enumerate() {
                *k = r.get::<_, Option<String>>(i)?.unwrap_or_default();
            }
            let n = |i: usize| r.get::<_, i64>(i).map(|v| u64::try_from(v).unwrap_or(0));
            Ok(SurvRow {
                keys,
                time: r.get(9)?,
                at_risk: n(10)?,
                events: n(11)?,
                censored: n(12)?,
                estimate: r.get(13)?,
                lower: r.get(14)?,
                upper: r.get(15)?,
            })
        })
        .ctx(format!("reading {}", file.display()))?;
    let mut input = Vec::new();
    for r in rows {
        input.push(r.ctx(format!("reading {}", file.display()))?);
    }
    report.survival_rows = input.len() as u64;
    let ok = |v: u64| v == 0 || v >= min;
    let mut out: Vec<SurvRow> = Vec::new();
    let mut start = 0;
    while start < input.len() {
        let mut end = start;
        while end < input.len() && input[end].keys == input[start].keys {
            end += 1;
        }
        let curve = &input[start..end];
        let (mut open, mut events, mut censored) = (None::<usize>, 0, 0);
        for (i, r) in curve.iter().enumerate() {
            let entering = open.get_or_insert(i);
            if curve[*entering].at_risk < min {
                report.survival_curves_truncated += 1;
                break;
            }
            events += r.events;
            censored += r.censored;
            if ok(events) && ok(censored) && events + censored > 0 {
                out.push(SurvRow {
                    keys: r.keys.clone(),
                    time: r.time,
                    at_risk: curve[*entering].at_risk,
                    events,
                    censored,
                    estimate: r.estimate,
                    lower: r.lower,
                    upper: r.upper,
                });
                (open, events, censored) = (None, 0, 0);
            }
        }
        start = end;
    }
    report.survival_rows_published = out.len() as u64;
    let batch = survival_batch(&out).map_err(|e| ExportError::Format(dir.join("survival.parquet"), e.to_string()))?;
    write_parquet(&dir.join("survival.parquet"), "survival.parquet", batch.schema(), [batch.clone()])?;
    write_csv(&dir.join("survival.csv"), &[batch])
}

fn survival_batch(rows: &[SurvRow]) -> std::result::Result<RecordBatch, duckdb::arrow::error::ArrowError> {
    use duckdb::arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray, UInt64Array};
    use duckdb::arrow::datatypes::{DataType, Field, Schema};
    const NAMES: [&str; 9] =
        ["study", "table_name", "cohort", "outcome", "period", "region_level", "region", "split", "split_value"];
    let mut fields: Vec<Field> = NAMES.iter().map(|n| Field::new(*n, DataType::Utf8, false)).collect();
    let mut cols: Vec<ArrayRef> = (0..9)
        .map(|k| {
            std::sync::Arc::new(rows.iter().map(|r| Some(r.keys[k].as_str())).collect::<StringArray>()) as ArrayRef
        })
        .collect();
    fields.push(Field::new("time", DataType::Int64, false));
    cols.push(std::sync::Arc::new(rows.iter().map(|r| r.time).collect::<Int64Array>()));
    for (name, f) in [
        ("at_risk", (|r: &SurvRow| r.at_risk) as fn(&SurvRow) -> u64),
        ("events", |r: &SurvRow| r.events),
        ("censored", |r: &SurvRow| r.censored),
    ] {
        fields.push(Field::new(name, DataType::UInt64, false));
        cols.push(std::sync::Arc::new(rows.iter().map(f).collect::<UInt64Array>()));
    }
    fields.push(Field::new("estimate", DataType::Float64, false));
    cols.push(std::sync::Arc::new(rows.iter().map(|r| r.estimate).collect::<Float64Array>()));
    fields.push(Field::new("lower", DataType::Float64, true));
    cols.push(std::sync::Arc::new(rows.iter().map(|r| r.lower).collect::<Float64Array>()));
    fields.push(Field::new("upper", DataType::Float64, true));
    cols.push(std::sync::Arc::new(rows.iter().map(|r| r.upper).collect::<Float64Array>()));
    RecordBatch::try_new(std::sync::Arc::new(Schema::new(fields)), cols)
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

/// Codebook, disclosure report and reading snippets.
fn write_docs(dir: &Path, report: &TablesReport) -> Result<()> {
    let json = serde_json::to_string_pretty(report).map_err(|e| ExportError::Format(dir.into(), e.to_string()))?;
    fs_err::write(dir.join("disclosure_report.json"), json + "\n")?;
    let rounding = if report.round_base > 1 {
        format!(
            "Published counts and denominators are rounded to base {}; percentages, intervals and rates are recomputed from the rounded figures.",
            report.round_base
        )
    } else {
        "No rounding.".to_owned()
    };
    let zeros = if report.publish_zeros {
        "Zero counts are published (structural zeros)."
    } else {
        "Zero counts are suppressed like other small counts."
    };
    fs_err::write(
        dir.join("disclosure_report.md"),
        format!(
            "# Disclosure report\n\n\
             Rules (DOMAIN.md §6, CBS microdata output rules):\n\n\
             - **Primary suppression**: a cell is not published when its count, its complement \
             (denominator − count) or its denominator is under {min} (the 10-rule on a count and \
             its complement). {zeros}\n\
             - **Secondary suppression**: in every additive relation (the categories of a split \
             sum to the total row; the regions of a level sum to the national row; tables that \
             share a cohort, outcome, window and period share their total rows and are treated \
             as one system), no suppressed cell is alone, and the suppressed cells sum to at \
             least {min} in counts and in complements. The pattern is deterministic.\n\
             - A suppressed cell publishes no count, denominator, percentage, interval or rate; \
             the `reason` column says `primary` or `secondary`.\n\
             - Survival tables: rows are merged forward until an interval's events and \
             censorings are each 0 or at least {min}; an interval is shown at its last time with \
             the risk set entering it; a curve stops where its risk set falls under {min}.\n\
             - {rounding}\n\n\
             | figure | value |\n|---|---|\n\
             | rows | {rows} |\n| linked-table systems | {systems} |\n| distinct cells | {cells} |\n\
             | additive relations | {relations} |\n| rows suppressed, primary | {p} |\n\
             | rows suppressed, secondary | {s} |\n\
             | survival rows read / published | {sr} / {sp} |\n| survival curves cut short | {st} |\n",
            min = report.min_count,
            rows = report.rows,
            systems = report.systems,
            cells = report.cells,
            relations = report.relations,
            p = report.rows_primary,
            s = report.rows_secondary,
            sr = report.survival_rows,
            sp = report.survival_rows_published,
            st = report.survival_curves_truncated,
        ),
    )?;
    fs_err::write(dir.join("codebook.md"), CODEBOOK)?;
    fs_err::write(dir.join("read.R"), READ_R)?;
    fs_err::write(dir.join("read.py"), READ_PY)?;
    fs_err::write(dir.join("read.sps"), READ_SPS)?;
    Ok(())
}

const CODEBOOK: &str = "# Codebook — published study tables (`tables.parquet`, `tables.csv`)\n\n\
| variable | type | English | Nederlands |\n|---|---|---|---|\n\
| study | text | study name | studienaam |\n\
| table_name | text | table within the study | tabel binnen de studie |\n\
| cohort | text | cohort name | cohortnaam |\n\
| outcome | text | outcome (reentry, escalation, rereport, ...) | uitkomst (herhaald beroep, doorstroom, hermelding, ...) |\n\
| window_days | integer | fixed window W in days | vast venster W in dagen |\n\
| period | text | year of index, or all | jaar van de index, of alle |\n\
| region_level | text | national, youth_region, municipality, district | landelijk, jeugdregio, gemeente, wijk |\n\
| region | text | region code (NL = national) | regiocode (NL = landelijk) |\n\
| split | text | breakdown (total, sex, age_band, ...) | uitsplitsing (totaal, geslacht, leeftijdsklasse, ...) |\n\
| split_value | text | category of the breakdown | categorie van de uitsplitsing |\n\
| count | integer | index events with the outcome; empty when suppressed | indexen met de uitkomst; leeg als onderdrukt |\n\
| denominator | integer | index events with a complete window; empty when suppressed | indexen met een volledig venster; leeg als onderdrukt |\n\
| percentage | number | 100 x count / denominator | 100 x teller / noemer |\n\
| ci_lower, ci_upper | number | Wilson 95% interval, percent | Wilson 95%-interval, procent |\n\
| population | integer | residents of the same age on 1 January (rate tables) | inwoners van dezelfde leeftijd op 1 januari |\n\
| rate_per_1000 | number | 1000 x count / population | 1000 x teller / bevolking |\n\
| suppressed | boolean | not published (disclosure control) | niet gepubliceerd (onthullingscontrole) |\n\
| reason | text | primary (under the minimum count) or secondary (protects a primary cell) | primair (onder de minimumcelvulling) of secundair (beschermt een primaire cel) |\n\n\
Definitions: DOMAIN.md §4 (outcomes), §5 (reporting), §6 (disclosure control); percentages \
leave censored indexes out of the denominator.\n";

const READ_R: &str = "# Read the published tables (R). install.packages(\"arrow\") for Parquet, or use the CSV.\n\
tables <- read.csv(\"tables.csv\", stringsAsFactors = FALSE, na.strings = \"\")\n\
# tables <- arrow::read_parquet(\"tables.parquet\")\n\
str(tables)\n";

const READ_PY: &str = "\"\"\"Read the published tables (Python, pandas).\"\"\"\n\
import pandas as pd\n\n\
tables = pd.read_csv(\"tables.csv\", keep_default_na=False, na_values=[\"\"])\n\
# tables = pd.read_parquet(\"tables.parquet\")  # needs pyarrow\n\
print(tables.head())\n";

const READ_SPS: &str = "* Read the published tables (SPSS syntax for tables.csv).\n\
GET DATA /TYPE=TXT /FILE='tables.csv' /DELIMITERS=',' /QUALIFIER='\"' /FIRSTCASE=2\n\
  /VARIABLES=study A64 table_name A64 cohort A64 outcome A32 window_days F8.0 period A8\n\
  region_level A16 region A16 split A32 split_value A64 count F12.0 denominator F12.0\n\
  percentage F8.3 ci_lower F8.3 ci_upper F8.3 population F12.0 rate_per_1000 F10.3\n\
  suppressed A5 reason A9.\n\
EXECUTE.\n";
