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

mod counts;
mod docs;
pub mod linkage;
mod patterns;
mod relations;
mod survival;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use duckdb::Connection;
use duckdb::arrow::record_batch::RecordBatch;
use rayon::prelude::*;
use serde::Serialize;

use crate::db::{DbError, DbSettings, DuckContext};
use crate::disclosure::{Cell, Reason, Rule, protect_capped, protect_from};
use crate::reference::{ReferenceError, YouthRegions};
use crate::sql::export as q;
use crate::store::{ParquetSink, Stage, StoreError};
use patterns::{Fingerprint, SystemPattern};

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
    /// The cohort a linkage export is restricted to could not be applied.
    #[error(transparent)]
    Scope(#[from] crate::results::linkage_scope::ScopeError),
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
    /// Show progress on stderr (systems protected, then the writing).
    #[serde(skip)]
    pub progress: bool,
}

impl Default for TablesOptions {
    fn default() -> Self {
        Self { min_count: 10, publish_zeros: false, round_base: 1, youth_regions: None, progress: false }
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
    /// Systems whose pattern came from the cache of the last export (the same inputs): printed,
    /// never written into the export, which is the same with or without the cache.
    #[serde(skip_serializing)]
    pub systems_reused: u64,
    /// Rows of category outcomes suppressed because a sibling category of their cell is.
    pub category_siblings: u64,
    /// Survival rows read.
    pub survival_rows: u64,
    /// Survival rows published after collapsing.
    pub survival_rows_published: u64,
    /// Curves cut off where the risk set fell under the minimum.
    pub survival_curves_truncated: u64,
}

/// The strings of the input, each kept once: millions of rows share a few thousand values, so
/// rows hold their ids.
#[derive(Default)]
struct Strings {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Strings {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(s.to_owned());
        self.ids.insert(s.to_owned(), i);
        i
    }

    fn get(&self, i: u32) -> &str {
        &self.names[i as usize]
    }
}

/// The rows of the input, their strings and their systems.
#[derive(Default)]
struct Input {
    rows: Vec<InputRow>,
    strings: Strings,
    /// Per system id: (study, cohort, outcome, window, period, variant) as string ids.
    systems: Vec<[u32; 6]>,
}

struct InputRow {
    row_no: i64,
    /// Index into [`Input::systems`].
    system: u32,
    /// (level, region, split, value) as string ids.
    cell: [u32; 4],
    count: u64,
    denominator: u64,
    /// The group of comparable municipalities of a municipality row.
    group: Option<u32>,
}

/// Read the study tables, row by row in `row_no` order, from Arrow batches (no string per
/// row: values are interned).
fn read_rows(conn: &Connection, file: &Path) -> Result<Input> {
    use duckdb::arrow::array::{Array, AsArray};
    use duckdb::arrow::datatypes::Int64Type;
    conn.execute(q::INPUT, [file.to_string_lossy()]).ctx(format!("reading {}", file.display()))?;
    let mut stmt = conn.prepare(q::READ_TABLES).ctx("reading the study tables")?;
    let reading = || format!("reading {}", file.display());
    let mut input = Input::default();
    let mut system_ids: HashMap<[u32; 6], u32> = HashMap::new();
    // Streamed: the study tables of a national monitor are millions of rows.
    for batch in stmt.stream_arrow([]).ctx(reading())? {
        let batch = batch.ctx(reading())?;
        let text = |i: usize| {
            batch.column(i).as_string_opt::<i32>().ok_or_else(|| ExportError::Input {
                file: file.to_owned(),
                message: format!("column {} is not text", batch.schema().field(i).name()),
            })
        };
        let int = |i: usize| {
            batch.column(i).as_primitive_opt::<Int64Type>().ok_or_else(|| ExportError::Input {
                file: file.to_owned(),
                message: format!("column {} is not an integer", batch.schema().field(i).name()),
            })
        };
        let row_no = int(0)?;
        let [study, table, cohort, outcome, window, period, level, region, split, value, variant, group] =
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14].map(text);
        let (study, table, cohort, outcome, window, period) = (study?, table?, cohort?, outcome?, window?, period?);
        let (level, region, split, value, variant, group) = (level?, region?, split?, value?, variant?, group?);
        let (count, denominator) = (int(11)?, int(12)?);
        fn s(a: &duckdb::arrow::array::StringArray, k: usize) -> &str {
            if a.is_null(k) { "" } else { a.value(k) }
        }
        for k in 0..batch.num_rows() {
            let bad = |m: &str| ExportError::Input {
                file: file.to_owned(),
                message: format!(
                    "table {}, outcome {}, period {}, region {}, {} = {}: {m}",
                    s(table, k),
                    s(outcome, k),
                    s(period, k),
                    s(region, k),
                    s(split, k),
                    s(value, k)
                ),
            };
            // A plain count (docs/definitions.md §4.8.6) has no denominator: its cell is modelled
            // with denominator = count (the relations hold for both), see counts.rs.
            let plain = counts::is_count(s(outcome, k));
            if count.is_null(k) || (denominator.is_null(k) && !plain) {
                return Err(bad("count and denominator are required"));
            }
            let d = if plain { count.value(k) } else { denominator.value(k) };
            let (Ok(c), Ok(d)) = (u64::try_from(count.value(k)), u64::try_from(d)) else {
                return Err(bad("counts cannot be negative"));
            };
            // A rate's count may exceed its population (residents on 1 January, persons in care
            // during the year): its cell is modelled as a plain count (protect_system).
            if c > d && !counts::is_rate(s(outcome, k)) {
                return Err(bad("count exceeds its denominator"));
            }
            let st = &mut input.strings;
            let key = [study, cohort, outcome, window, period, variant].map(|a| st.id(s(a, k)));
            let next = u32::try_from(input.systems.len()).unwrap_or(u32::MAX);
            let system = *system_ids.entry(key).or_insert(next);
            if system == next {
                input.systems.push(key);
            }
            let cell = [level, region, split, value].map(|a| st.id(s(a, k)));
            let group = (!group.is_null(k) && s(level, k) == "municipality").then(|| st.id(group.value(k)));
            input.rows.push(InputRow { row_no: row_no.value(k), system, cell, count: c, denominator: d, group });
        }
    }
    Ok(input)
}

/// Every system's pattern by fingerprint, in the order of the systems.
type Patterns = Vec<(Fingerprint, SystemPattern)>;

/// One system's suppressed rows, its fingerprint and pattern, and whether the cache gave it.
type Protected = (Vec<(i64, Reason)>, Fingerprint, SystemPattern, bool);

/// The suppression reason of every input row (by `row_no`), system by system, and every
/// system's pattern by fingerprint (the cache of the next export). Systems are independent, so
/// they are protected in parallel; a system whose fingerprint the cache holds takes its pattern
/// from there ([`patterns`]). Results are added up in the order of the systems, so the pattern
/// and the report depend neither on the threads nor on the cache.
fn pattern(
    input: &Input,
    file: &Path,
    rule: Rule,
    regions: &YouthRegions,
    cache: &patterns::Cache,
    report: &mut TablesReport,
    bar: &indicatif::ProgressBar,
) -> Result<(Vec<(i64, Reason)>, Patterns)> {
    let mut members: Vec<Vec<&InputRow>> = vec![Vec::new(); input.systems.len()];
    for r in &input.rows {
        members[r.system as usize].push(r);
    }
    // Systems in the order of their names (as the report and the first error have always been).
    let name = |i: usize| input.systems[i].map(|s| input.strings.get(s));
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by(|&a, &b| name(a).cmp(&name(b)));
    let context = format!("min_count {} publish_zeros {} regions {regions:?}", rule.min_count, rule.publish_zeros);
    let base = patterns::hasher(&context);
    let families = family_counts(input, &members);
    bar.set_length(order.len() as u64);
    let done: Vec<Result<Protected>> = order
        .par_iter()
        .map(|&i| {
            let period = input.strings.get(input.systems[i][4]);
            let outcome = input.strings.get(input.systems[i][2]);
            let system = SystemCells::of(&members[i], &input.strings, file)?;
            // Children counts: the cells whose households do not reach the minimum (counts.rs).
            let few: Vec<bool> = if counts::is_children(outcome) {
                let [study, cohort, _, window, period, variant] = input.systems[i];
                let of = families.get(&[study, cohort, window, period, variant]);
                system
                    .keys
                    .iter()
                    .map(|&k| counts::too_few_households(k, input.strings.get(k[2]), of, rule.min_count))
                    .collect()
            } else {
                Vec::new()
            };
            let (plain, rate) = (counts::is_count(outcome), counts::is_rate(outcome));
            let mut fp = system.fingerprint(base.clone(), period, [u8::from(plain), u8::from(rate)], &input.strings);
            if !few.is_empty() {
                use sha2::Digest;
                let mut h = base.clone();
                h.update(fp);
                h.update(few.iter().map(|&f| u8::from(f)).collect::<Vec<u8>>());
                fp = h.finalize().into();
            }
            let (p, reused) = match cache.get(&fp) {
                Some(p) => (p.clone(), true),
                None => {
                    let how = Protection { rule, plain, rate, few: &few };
                    (protect_system(&system, period, &input.strings, file, how, regions)?, false)
                }
            };
            let mut by_key: Vec<Option<Reason>> = vec![None; system.keys.len()];
            for &(k, reason) in &p.suppressed {
                by_key[k as usize] = Some(reason);
            }
            let rows = members[i]
                .iter()
                .filter_map(|r| by_key[system.index[&r.cell]].map(|reason| (r.row_no, reason)))
                .collect();
            bar.inc(1);
            Ok((rows, fp, p, reused))
        })
        .collect();
    let (mut out, mut next) = (Vec::new(), Vec::new());
    for system in done {
        let (rows, fp, s, reused) = system?;
        let [cells, twins, relations, primary, heuristic, audit_added, rounds, programs, largest, unprotectable] =
            s.figures;
        report.systems += 1;
        report.systems_reused += u64::from(reused);
        report.cells += cells;
        report.twin_cells += twins;
        report.relations += relations;
        for &(kind, n) in &s.by_kind {
            *report.relations_by_kind.entry(relations::KINDS[usize::from(kind)].to_owned()).or_default() += n;
        }
        report.cells_primary += primary;
        report.cells_secondary_heuristic += heuristic;
        report.cells_secondary_audit += audit_added;
        report.audit_rounds += rounds;
        report.audit_programs += programs;
        report.audit_largest_group = report.audit_largest_group.max(largest);
        report.audit_unprotectable += unprotectable;
        out.extend(rows);
        next.push((fp, s));
    }
    siblings(input, &mut out, report);
    out.sort_unstable();
    Ok((out, next))
}

/// The distinct cells of one system: rows with the same (level, region, split, value) are one
/// cell (shared margins), numbered in the order of their first row.
struct SystemCells<'a> {
    members: &'a [&'a InputRow],
    index: HashMap<[u32; 4], usize>,
    keys: Vec<[u32; 4]>,
    cells: Vec<Cell>,
}

impl<'a> SystemCells<'a> {
    fn of(members: &'a [&'a InputRow], strings: &Strings, file: &Path) -> Result<Self> {
        let mut s = Self { members, index: HashMap::new(), keys: Vec::new(), cells: Vec::new() };
        for r in members {
            let c = Cell { count: r.count, denominator: r.denominator };
            match s.index.get(&r.cell) {
                Some(&i) if s.cells[i] != c => {
                    return Err(ExportError::Input {
                        file: file.to_owned(),
                        message: format!(
                            "the shared cell {:?} has two different values in linked tables",
                            r.cell.map(|k| strings.get(k))
                        ),
                    });
                }
                Some(_) => {}
                None => {
                    s.index.insert(r.cell, s.cells.len());
                    s.keys.push(r.cell);
                    s.cells.push(c);
                }
            }
        }
        Ok(s)
    }

    /// The fingerprint of everything the system's pattern depends on: `base` (code, rule,
    /// mapping), the period and every row in order.
    fn fingerprint(&self, mut h: sha2::Sha256, period: &str, kind: [u8; 2], strings: &Strings) -> Fingerprint {
        use sha2::Digest;
        patterns::feed(&mut h, period);
        // How the cells are modelled (plain count, rate): the same figures give another pattern.
        h.update(kind);
        h.update((self.members.len() as u64).to_le_bytes());
        for r in self.members {
            for k in r.cell {
                patterns::feed(&mut h, strings.get(k));
            }
            h.update(r.count.to_le_bytes());
            h.update(r.denominator.to_le_bytes());
            match r.group {
                Some(g) => {
                    h.update([1]);
                    patterns::feed(&mut h, strings.get(g));
                }
                None => h.update([0]),
            }
        }
        h.finalize().into()
    }
}

/// Per families system (study, cohort, window, period, variant): the count of each cell, for
/// the households behind the children counts (counts.rs).
fn family_counts(input: &Input, members: &[Vec<&InputRow>]) -> HashMap<[u32; 5], counts::FamilyCounts> {
    let mut out: HashMap<[u32; 5], counts::FamilyCounts> = HashMap::new();
    for (i, s) in input.systems.iter().enumerate() {
        if counts::is_families(input.strings.get(s[2])) {
            let cells = out.entry([s[0], s[1], s[3], s[4], s[5]]).or_default();
            cells.extend(members[i].iter().map(|r| (r.cell, r.count)));
        }
    }
    out
}

/// How one system is protected: the rule, whether its cells are plain counts (no complement) or
/// rates (a public population: counts with a rule on the population, counts.rs), and the cells
/// that are primary whatever their figures (by key; empty: none).
#[derive(Clone, Copy)]
struct Protection<'a> {
    rule: Rule,
    plain: bool,
    rate: bool,
    few: &'a [bool],
}

/// Protect one linked-table system (rows sharing study, cohort, outcome, window, period and
/// variant).
fn protect_system(
    system: &SystemCells<'_>,
    period: &str,
    strings: &Strings,
    file: &Path,
    how: Protection<'_>,
    regions: &YouthRegions,
) -> Result<SystemPattern> {
    let keys: Vec<[String; 4]> = system.keys.iter().map(|k| k.map(|s| strings.get(s).to_owned())).collect();
    let keys_ref: Vec<&[String; 4]> = keys.iter().collect();
    let groups: relations::Groups = system
        .members
        .iter()
        .filter_map(|r| Some((strings.get(r.cell[1]).to_owned(), strings.get(r.group?).to_owned())))
        .collect();
    let model = relations::model(&keys_ref, &system.cells, period, regions, &groups).map_err(|b| {
        let [level, region, split, value] = &b.total;
        ExportError::Relation {
            file: file.to_owned(),
            detail: format!("{} does not hold for {level} {region}, {split} = {value} ({})", b.kind, b.what),
        }
    })?;
    // A plain count's complement never binds (counts.rs): checked as count = denominator above.
    // A rate's population is public, so a suppressed rate hides its count only: the cell is a
    // count too, primary also by its population (docs/definitions.md §6.5).
    let cells: Vec<Cell> = if how.plain || how.rate {
        model.cells.iter().map(|c| Cell { count: c.count, denominator: c.count + counts::COUNT_ONLY }).collect()
    } else {
        model.cells.clone()
    };
    let mut also: Vec<bool> = if how.rate {
        model.cells.iter().map(|c| counts::rate_primary(c.count, c.denominator, how.rule.min_count)).collect()
    } else {
        vec![false; cells.len()]
    };
    for (k, _) in how.few.iter().enumerate().filter(|(_, f)| **f) {
        also[model.cell_of_key[k]] = true;
    }
    let p = if how.rate {
        // The population is public: no count lies above it (where the truth does, its own count).
        let caps: Vec<u64> = model.cells.iter().map(|c| c.denominator.max(c.count)).collect();
        protect_capped(&cells, &model.relations, how.rule, &also, &caps)
    } else {
        protect_from(&cells, &model.relations, how.rule, &also)
    };
    let suppressed = (0..keys.len())
        .filter_map(|k| p.reasons[model.cell_of_key[k]].map(|reason| (u32::try_from(k).unwrap_or(u32::MAX), reason)))
        .collect();
    let kind_no = |kind: &str| relations::KINDS.iter().position(|k| *k == kind).and_then(|i| u8::try_from(i).ok());
    Ok(SystemPattern {
        suppressed,
        figures: [
            model.cells.len() as u64,
            model.twins,
            model.relations.len() as u64,
            p.reasons.iter().filter(|r| **r == Some(Reason::Primary)).count() as u64,
            p.heuristic,
            p.audit_added,
            p.audit_rounds,
            p.audit_programs,
            p.largest_group,
            p.unprotectable,
        ],
        by_kind: model.by_kind.iter().filter_map(|(k, n)| Some((kind_no(k)?, *n))).collect(),
    })
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
fn siblings(input: &Input, out: &mut Vec<(i64, Reason)>, report: &mut TablesReport) {
    // Per system of a category outcome: (study, cohort, outcome, window, period) and the
    // instrument of its variant.
    let heads: Vec<Option<([u32; 5], &str)>> = input
        .systems
        .iter()
        .map(|s| {
            is_categories(input.strings.get(s[2])).then(|| {
                let variant = input.strings.get(s[5]);
                ([s[0], s[1], s[2], s[3], s[4]], variant.rsplit_once(':').map_or("", |(i, _)| i))
            })
        })
        .collect();
    let suppressed: HashSet<i64> = out.iter().map(|(r, _)| *r).collect();
    let key = |r: &InputRow| heads[r.system as usize].map(|(head, instrument)| (head, instrument, r.cell));
    let hit: HashSet<([u32; 5], &str, [u32; 4])> =
        input.rows.iter().filter(|r| suppressed.contains(&r.row_no)).filter_map(key).collect();
    for r in input.rows.iter().filter(|r| !suppressed.contains(&r.row_no)) {
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
    export_tables_cached(input, out, opts, db, None)
}

/// [`export_tables`], reusing the suppression patterns of the last export kept in `cache` for
/// the systems whose inputs did not change ([`patterns`]), and keeping this export's patterns
/// there for the next. The export is the same byte for byte with or without the cache.
pub fn export_tables_cached(
    input: &Path,
    out: &Path,
    opts: &TablesOptions,
    db: &DbSettings,
    cache: Option<&Path>,
) -> Result<TablesReport> {
    let file = input.join("tables.parquet");
    if !file.exists() {
        return Err(ExportError::Input { file, message: "no such file (a study folder holds tables.parquet)".into() });
    }
    let spill = crate::store::spill::spill_dir()?;
    let conn = crate::db::open_in_memory(db, Some(spill.path()))?;
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
        rows: rows.rows.len() as u64,
        ..TablesReport::default()
    };
    let started = Instant::now();
    let known = cache.map(patterns::Cache::read).unwrap_or_default();
    let bar = crate::printer::progress_bar(
        opts.progress,
        0,
        "export: suppression pattern [{wide_bar}] {pos}/{len} systems {elapsed} (eta {eta})",
    );
    let (suppressed, next) = pattern(&rows, &file, rule, &regions, &known, &mut report, &bar)?;
    crate::timings::mark("export: suppression patterns of every system");
    bar.finish_and_clear();
    let phase = crate::printer::spinner(opts.progress, "export: tables, codebook");
    drop((rows, known));
    if let Some(path) = cache {
        let systems: Vec<(Fingerprint, &SystemPattern)> = next.iter().map(|(fp, p)| (*fp, p)).collect();
        crate::store::publication::write_file_atomic(path, &patterns::encode(&systems))?;
    }
    drop(next);
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
    let benchmarked = crate::study::tables::benchmarks(&conn, "published").ctx("benchmarks of the published tables")?;
    // The benchmark SQL is kohort's own (sql/study/benchmarked.sql), placed as a subquery.
    let sql = crate::db::render(q::TABLES_OUT_ROWS, &[("benchmarked", benchmarked.trim())]);
    let mut stmt = conn.prepare(&sql).ctx("publishing the tables")?;
    // Streamed: one batch at a time into the Parquet and the CSV file (no copy of the table in
    // memory).
    let arrow = stmt.stream_arrow([]).ctx("publishing the tables")?;
    let mut parquet = ParquetSink::create(&staging.join("tables.parquet"), "tables.parquet", arrow.get_schema())?;
    let csv_path = staging.join("tables.csv");
    let mut csv = duckdb::arrow::csv::WriterBuilder::new().with_header(true).build(fs_err::File::create(&csv_path)?);
    for batch in arrow {
        let batch = batch.ctx("publishing the tables")?;
        csv.write(&batch).map_err(|e| ExportError::Format(csv_path.clone(), e.to_string()))?;
        parquet.push(batch)?;
    }
    parquet.finish()?;
    drop(csv);
    conn.execute_batch(crate::sql::study::DROP_BENCHMARKS).ctx("publishing the tables")?;
    provider_medians(&conn, staging)?;
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
    phase.finish_and_clear();
    Ok(report)
}

/// The median category of providers per family (docs/definitions.md §4.8.6) from the published
/// `family_providers` rows only, as `provider_medians.parquet` / `.csv` in `staging`; nothing
/// when the tables have no such rows.
fn provider_medians(conn: &Connection, staging: &Path) -> Result<()> {
    let what = "median providers per family";
    let mut stmt = conn.prepare(q::PROVIDER_MEDIANS).ctx(what)?;
    let arrow = stmt.query_arrow([]).ctx(what)?;
    let schema = arrow.get_schema();
    let batches: Vec<RecordBatch> = arrow.collect();
    if batches.iter().all(|b| b.num_rows() == 0) {
        return Ok(());
    }
    crate::store::write_parquet(
        &staging.join("provider_medians.parquet"),
        "provider_medians.parquet",
        schema,
        batches.iter().cloned(),
    )?;
    write_csv(&staging.join("provider_medians.csv"), &batches)
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

    fn row(input: &mut Input, row_no: i64, outcome: &str, variant: &str, count: u64, denominator: u64) {
        let st = &mut input.strings;
        let key = ["st", "all", outcome, "", "2024", variant].map(|x| st.id(x));
        let cell = ["municipality", "GM0014", "total", "total"].map(|x| st.id(x));
        let system = match input.systems.iter().position(|s| *s == key) {
            Some(i) => i as u32,
            None => {
                input.systems.push(key);
                input.systems.len() as u32 - 1
            }
        };
        input.rows.push(InputRow { row_no, system, cell, count, denominator, group: None });
    }

    #[test]
    fn a_suppressed_category_takes_its_sibling_categories_along_but_no_other_outcome() {
        // Reliable change in one cell, by hand: improved 3 (primary), unchanged 50, deteriorated
        // 10 of 63. Published, 63 - 50 - 10 would give the 3 back. Measure success has two
        // lines with their own denominators (not categories): untouched.
        let mut input = Input::default();
        row(&mut input, 1, "severity_reduced", "sdq:improved", 3, 63);
        row(&mut input, 2, "severity_reduced", "sdq:unchanged", 50, 63);
        row(&mut input, 3, "severity_reduced", "sdq:deteriorated", 10, 63);
        row(&mut input, 4, "severity_reduced", "cbcl:improved", 30, 60);
        row(&mut input, 5, "measure_success", "protection", 3, 40);
        row(&mut input, 6, "measure_success", "youth_probation", 20, 40);
        let mut out = vec![(1, Reason::Primary), (5, Reason::Primary)];
        let mut report = TablesReport::default();
        siblings(&input, &mut out, &mut report);
        out.sort_unstable();
        assert_eq!(out, [(1, Reason::Primary), (2, Reason::Secondary), (3, Reason::Secondary), (5, Reason::Primary)]);
        assert_eq!(report.category_siblings, 2);
    }
}

#[cfg(test)]
mod count_tests;
