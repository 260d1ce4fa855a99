//! The `dirty` scenario: a valid generated delivery with defective rows planted at known rows, one
//! per validation rule and table where the rule applies (docs/definitions.md §2.6), plus planted cascades
//! (rows referring to a quarantined row). `OUT/defects.csv` lists every row ingest must
//! quarantine: `source,delivery_id,table,row,rule`, `row` 1-based over data rows.
//!
//! Each defective row is built so that its rule is the first failing one in the §4.1 order; it
//! refers only to helper persons appended here (valid rows), so no defect cascades by accident.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use chrono::{Datelike, NaiveDate};

use super::codes::Bsn;
use super::draw::Ctx;
use super::emit::{self, View, merge_population};
use super::run::{CHUNK, chunk, scaled, schedule, write_expected};
use super::scenario::{Scenario, SourceSpec};
use super::table::{Rows, Table};
use super::writer::DeliveryWriter;
use super::{DeliverySummary, OutputFormat, Result, SynthError, SynthOptions, SynthSummary};

/// One row as owned cells.
type OwnedRow = Vec<Vec<u8>>;

/// A table's rows as owned cells, with the rule each planted row breaks.
type Planted = Vec<(OwnedRow, Option<&'static str>)>;

/// Row builder from text cells.
fn r(cells: &[&str]) -> Vec<Vec<u8>> {
    cells.iter().map(|c| c.as_bytes().to_vec()).collect()
}

/// `cells` with invalid UTF-8 bytes in column `col`.
fn malformed(mut cells: Vec<Vec<u8>>, col: usize) -> Vec<Vec<u8>> {
    cells[col].extend_from_slice(&[0xC3, 0x28, 0xFF]);
    cells
}

/// `cells` with one extra cell.
fn extra(mut cells: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    cells.push(b"x".to_vec());
    cells
}

/// Ids and dates the planted rows use.
struct Fixture {
    e: NaiveDate,
    /// A valid person born 2010-03-10, alive.
    alive: String,
    /// A valid person born 2008-05-05, died 2020-06-30.
    dead: String,
    /// A person id that is in no row.
    ghost: String,
    /// The person with an unknown sex code (quarantined: rows on them cascade).
    bad_person: String,
    /// Helper persons for relations (born 1980 / 2010).
    helpers: Vec<String>,
}

fn helper_id(k: u64) -> String {
    Bsn::nth(80_000_000 + k).to_string()
}

impl Fixture {
    fn new(e: NaiveDate) -> Self {
        Fixture {
            e,
            alive: helper_id(0),
            dead: helper_id(1),
            ghost: helper_id(2),
            bad_person: helper_id(3),
            helpers: (10..30).map(helper_id).collect(),
        }
    }

    fn after(&self, days: i64) -> String {
        super::world::plus(self.e, days).to_string()
    }
}

/// Planted rows per table (`None` = a valid helper row), the duplicate of `first` last.
fn planted(t: Table, f: &Fixture, first: &[Vec<u8>], csv: bool) -> Planted {
    let mut rows: Planted = match t {
        Table::Persons => persons(f),
        Table::Relations => relations(f),
        Table::Households => households(f),
        Table::Residence => residence(f),
        Table::CareEpisodes => care_episodes(f),
        Table::Measures => measures(f),
        Table::SafetyReports => safety_reports(f),
        Table::Measurements => measurements(f),
        Table::Population => population(),
        Table::Offences | Table::Questionnaire => Vec::new(),
    };
    if !first.is_empty() {
        rows.push((first.to_vec(), Some("duplicate_id")));
    }
    if !csv {
        rows.retain(|(_, rule)| !matches!(rule, Some("malformed_utf8" | "wrong_column_count")));
    }
    rows
}

/// Helper persons (valid) and defective person rows; `bad_person` has sex `M`.
fn persons(f: &Fixture) -> Planted {
    let (a, d, h) = (f.alive.as_str(), f.dead.as_str(), &f.helpers);
    let late = f.after(10);
    vec![
        (r(&[a, "2010-03-10", "f", "", ""]), None),
        (r(&[d, "2008-05-05", "m", "2020-06-30", ""]), None),
        (r(&[&h[0], "1980-01-01", "f", "", ""]), None),
        (r(&[&h[1], "2010-01-01", "m", "", ""]), None),
        (r(&[&h[2], "2010-02-01", "f", "", ""]), None),
        (r(&[&h[3], "2010-03-01", "f", "", ""]), None),
        (r(&[&h[4], "2010-04-01", "f", "", ""]), None),
        (r(&[&h[5], "2010-05-01", "m", "", ""]), None),
        (r(&[&h[6], "2010-06-01", "m", "", ""]), None),
        (r(&[&h[7], "2010-07-01", "x", "", ""]), None),
        (malformed(r(&[&h[8], "2011-01-01", "f", "", ""]), 4), Some("malformed_utf8")),
        (extra(r(&[&h[9], "2011-01-01", "f", "", ""])), Some("wrong_column_count")),
        (r(&[&h[10], "", "m", "", ""]), Some("missing_value")),
        (r(&[&h[11], "2011-13-45", "m", "", ""]), Some("unparsable")),
        (r(&[&f.bad_person, "2011-01-01", "M", "", ""]), Some("unknown_code")),
        (r(&[&h[12], &late, "f", "", ""]), Some("after_extracted_on")),
        (r(&[&h[13], "2011-01-01", "m", &late, ""]), Some("after_extracted_on")),
        (r(&[&h[14], "2011-01-01", "f", "2010-12-31", ""]), Some("end_before_start")),
        (r(&[&h[15], "2011-02", "m", "", "2011-01-31"]), Some("end_before_start")),
    ]
}

/// Relations among helpers: each rule once, a self-loop and a 2-cycle (both rows quarantined).
fn relations(f: &Fixture) -> Planted {
    let (g, h) = (f.ghost.as_str(), &f.helpers);
    let late = f.after(10);
    vec![
        (malformed(r(&[&h[0], &h[1], "biological", "2010-01-01", ""]), 2), Some("malformed_utf8")),
        (extra(r(&[&h[0], &h[2], "biological", "2010-02-01", ""])), Some("wrong_column_count")),
        (r(&[&h[0], "", "biological", "2010-01-01", ""]), Some("missing_value")),
        (r(&[&h[0], &h[3], "biological", "2010-02-30", ""]), Some("unparsable")),
        (r(&[&h[0], &h[4], "Biological", "2010-04-01", ""]), Some("unknown_code")),
        (r(&[&h[0], &h[5], "legal", "2015-01-01", "2014-12-31"]), Some("end_before_start")),
        (r(&[&h[0], g, "legal", "2015-01-01", ""]), Some("dangling_reference")),
        (r(&[&h[0], &f.bad_person, "legal", "2015-01-01", ""]), Some("dangling_reference")),
        (r(&[&h[6], &h[6], "biological", "2010-06-01", ""]), Some("own_ancestor")),
        (r(&[&h[5], &h[7], "adoptive", "2012-01-01", ""]), Some("own_ancestor")),
        (r(&[&h[7], &h[5], "adoptive", "2012-01-01", ""]), Some("own_ancestor")),
        (r(&[&h[0], &h[1], "legal", &late, ""]), Some("after_extracted_on")),
    ]
}

/// Household rows of the alive helper, each with a new household id.
fn households(f: &Fixture) -> Planted {
    let (a, g) = (f.alive.as_str(), f.ghost.as_str());
    let late = f.after(10);
    vec![
        (malformed(r(&["H900000001", a, "child", "2010-03-10", ""]), 2), Some("malformed_utf8")),
        (extra(r(&["H900000002", a, "child", "2010-03-10", ""])), Some("wrong_column_count")),
        (r(&["H900000003", a, "", "2010-03-10", ""]), Some("missing_value")),
        (r(&["H900000004", a, "child", "10-03-2010", ""]), Some("unparsable")),
        (r(&["H900000005", a, "Child", "2010-03-10", ""]), Some("unknown_code")),
        (r(&["H900000006", a, "child", "2020-01-01", "2019-12-31"]), Some("end_before_start")),
        (r(&["H900000007", g, "child", "2010-03-10", ""]), Some("dangling_reference")),
        (r(&["H900000008", a, "child", &late, ""]), Some("after_extracted_on")),
    ]
}

/// Residence rows of the alive helper, each with its own `valid_from` (the key).
fn residence(f: &Fixture) -> Planted {
    let (a, g) = (f.alive.as_str(), f.ghost.as_str());
    let late = f.after(10);
    vec![
        (malformed(r(&[a, "GM0363", "WK036301", "2010-03-10", ""]), 2), Some("malformed_utf8")),
        (extra(r(&[a, "GM0363", "WK036301", "2010-03-11", ""])), Some("wrong_column_count")),
        (r(&[a, "", "WK036301", "2010-03-12", ""]), Some("missing_value")),
        (r(&[a, "GM0363", "WK036301", "2010-03-32", ""]), Some("unparsable")),
        (r(&[a, "GM363", "WK036301", "2010-03-13", ""]), Some("bad_format")),
        (r(&[a, "GM0363", "WK0363", "2010-03-14", ""]), Some("bad_format")),
        (r(&[a, "GM0363", "WK036301", "2012-01-01", "2011-12-31"]), Some("end_before_start")),
        (r(&[g, "GM0363", "WK036301", "2010-03-15", ""]), Some("dangling_reference")),
        (r(&[a, "GM0363", "WK036301", &late, ""]), Some("after_extracted_on")),
    ]
}

/// Episodes of the helpers; E900000015 is valid and E900000009 / E900000011 are referred to by measurements (cascade).
fn care_episodes(f: &Fixture) -> Planted {
    let (a, d, g) = (f.alive.as_str(), f.dead.as_str(), f.ghost.as_str());
    let late = f.after(10);
    vec![
        (
            malformed(
                r(&["E900000001", a, "ambulant", "2020-01-01", "2020-06-01", "planned", "P0001", "gp", "GM0363"]),
                7,
            ),
            Some("malformed_utf8"),
        ),
        (
            extra(r(&["E900000002", a, "ambulant", "2020-01-01", "2020-06-01", "planned", "P0001", "gp", "GM0363"])),
            Some("wrong_column_count"),
        ),
        (
            r(&["E900000003", a, "", "2020-01-01", "2020-06-01", "planned", "P0001", "gp", "GM0363"]),
            Some("missing_value"),
        ),
        (
            r(&["E900000004", a, "ambulant", "2020-02-30", "2020-06-01", "planned", "P0001", "gp", "GM0363"]),
            Some("unparsable"),
        ),
        (
            r(&["E900000005", a, "Ambulant", "2020-01-01", "2020-06-01", "planned", "P0001", "gp", "GM0363"]),
            Some("unknown_code"),
        ),
        (
            r(&["E900000006", a, "39", "2020-01-01", "2020-06-01", "planned", "P0001", "gp", "GM0363"]),
            Some("unknown_code"),
        ),
        (
            r(&["E900000007", a, "32", "2020-01-01", "2020-06-01", "finished", "P0001", "gp", "GM0363"]),
            Some("unknown_code"),
        ),
        (
            r(&["E900000008", a, "ambulant", "2020-01-01", "2020-06-01", "planned", "P0001", "gp", "0363"]),
            Some("bad_format"),
        ),
        (
            r(&["E900000009", a, "ambulant", "2020-06-01", "2020-05-31", "planned", "P0001", "gp", "GM0363"]),
            Some("end_before_start"),
        ),
        (
            r(&["E900000010", g, "ambulant", "2020-01-01", "2020-06-01", "planned", "P0001", "gp", "GM0363"]),
            Some("dangling_reference"),
        ),
        (
            r(&[
                "E900000011",
                &f.bad_person,
                "ambulant",
                "2020-01-01",
                "2020-06-01",
                "planned",
                "P0001",
                "gp",
                "GM0363",
            ]),
            Some("dangling_reference"),
        ),
        (
            r(&["E900000012", a, "ambulant", &f.after(-10), &late, "planned", "P0001", "gp", "GM0363"]),
            Some("after_extracted_on"),
        ),
        (
            r(&["E900000013", a, "ambulant", "2009-01-01", "2009-06-01", "planned", "P0001", "gp", "GM0363"]),
            Some("before_birth"),
        ),
        (r(&["E900000014", d, "foster_care", "2020-07-01", "", "", "P0001", "gp", "GM0363"]), Some("after_death")),
        (r(&["E900000015", a, "local_team", "2021-01-01", "2021-03-01", "planned", "P0001", "gp", "GM0363"]), None),
    ]
}

/// Measures of the helpers.
fn measures(f: &Fixture) -> Planted {
    let (a, d, g) = (f.alive.as_str(), f.dead.as_str(), f.ghost.as_str());
    let late = f.after(10);
    vec![
        (
            malformed(r(&["M900000001", a, "ots", "2020-01-01", "2021-01-01", "goal_reached"]), 5),
            Some("malformed_utf8"),
        ),
        (extra(r(&["M900000002", a, "ots", "2020-01-01", "2021-01-01", "goal_reached"])), Some("wrong_column_count")),
        (r(&["M900000003", a, "", "2020-01-01", "2021-01-01", "goal_reached"]), Some("missing_value")),
        (r(&["M900000004", a, "ots", "2020-01-01", "2021-1-1x", "goal_reached"]), Some("unparsable")),
        (r(&["M900000005", a, "OTS", "2020-01-01", "2021-01-01", "goal_reached"]), Some("unknown_code")),
        (r(&["M900000006", a, "ots", "2020-01-01", "2021-01-01", "success"]), Some("unknown_code")),
        (r(&["M900000007", a, "ots", "2021-01-01", "2020-12-31", "other"]), Some("end_before_start")),
        (r(&["M900000008", g, "ots", "2020-01-01", "2021-01-01", "other"]), Some("dangling_reference")),
        (r(&["M900000009", a, "guardianship", &late, "", ""]), Some("after_extracted_on")),
        (r(&["M900000010", a, "ots", "2010-03-01", "2011-01-01", "other"]), Some("before_birth")),
        (r(&["M900000011", d, "ots", "2019-01-01", "2020-07-01", "other"]), Some("after_death")),
    ]
}

/// Safety reports of the helpers.
fn safety_reports(f: &Fixture) -> Planted {
    let (a, d, g) = (f.alive.as_str(), f.dead.as_str(), f.ghost.as_str());
    let late = f.after(10);
    vec![
        (malformed(r(&["R900000001", a, "", "2020-01-01", "child_abuse", "police"]), 5), Some("malformed_utf8")),
        (extra(r(&["R900000002", a, "", "2020-01-01", "child_abuse", "police"])), Some("wrong_column_count")),
        (r(&["R900000003", a, "", "", "child_abuse", "police"]), Some("missing_value")),
        (r(&["R900000004", a, "", "2020/01/01", "child_abuse", "police"]), Some("unparsable")),
        (r(&["R900000005", a, "", "2020-01-01", "abuse", "police"]), Some("unknown_code")),
        (r(&["R900000006", g, "", "2020-01-01", "child_abuse", "police"]), Some("dangling_reference")),
        (r(&["R900000007", a, "H999999999", "2020-01-01", "child_abuse", "police"]), Some("dangling_reference")),
        (r(&["R900000008", a, "", &late, "child_abuse", "police"]), Some("after_extracted_on")),
        (r(&["R900000009", a, "", "2010-03-09", "child_abuse", "police"]), Some("before_birth")),
        (r(&["R900000010", d, "", "2020-07-01", "domestic_violence", "police"]), Some("after_death")),
    ]
}

/// Measurements; two refer to quarantined episodes (cascade).
fn measurements(f: &Fixture) -> Planted {
    let (a, d) = (f.alive.as_str(), f.dead.as_str());
    let late = f.after(10);
    vec![
        (
            malformed(r(&["X900000001", a, "E900000015", "satisfaction", "end", "2021-03-01", "8"]), 3),
            Some("malformed_utf8"),
        ),
        (
            extra(r(&["X900000002", a, "E900000015", "satisfaction", "end", "2021-03-01", "8"])),
            Some("wrong_column_count"),
        ),
        (r(&["X900000003", a, "E900000015", "", "end", "2021-03-01", "8"]), Some("missing_value")),
        (r(&["X900000004", a, "E900000015", "satisfaction", "end", "2021-03-01", "eight"]), Some("unparsable")),
        (r(&["X900000005", a, "E900000015", "satisfaction", "begin", "2021-03-01", "8"]), Some("unknown_code")),
        (r(&["X900000006", a, "E999999999", "satisfaction", "end", "2021-03-01", "8"]), Some("dangling_reference")),
        (r(&["X900000007", a, "E900000009", "satisfaction", "end", "2020-06-01", "8"]), Some("dangling_reference")),
        (
            r(&["X900000008", &f.bad_person, "E900000011", "satisfaction", "end", "2020-06-01", "8"]),
            Some("dangling_reference"),
        ),
        (r(&["X900000009", a, "", "satisfaction", "follow_up", &late, "8"]), Some("after_extracted_on")),
        (r(&["X900000010", a, "", "problem_score", "start", "2010-02-01", "20"]), Some("before_birth")),
        (r(&["X900000011", d, "", "problem_score", "follow_up", "2020-07-01", "20"]), Some("after_death")),
        (r(&["X900000012", a, "E900000015", "satisfaction", "end", "2021-03-01", "8"]), None),
    ]
}

/// Population rows for 1990 (no generated year), distinct ages so no key repeats.
fn population() -> Planted {
    vec![
        (malformed(r(&["1990", "GM0363", "5", "f", "10"]), 1), Some("malformed_utf8")),
        (extra(r(&["1990", "GM0363", "6", "f", "10"])), Some("wrong_column_count")),
        (r(&["1990", "GM0363", "7", "f", ""]), Some("missing_value")),
        (r(&["1990", "GM0363", "8", "f", "1O"]), Some("unparsable")),
        (r(&["1990", "GM0363", "9", "F", "10"]), Some("unknown_code")),
        (r(&["1990", "GM36", "10", "f", "10"]), Some("bad_format")),
    ]
}

/// Inserts the planted rows into the generated ones; returns the table and its defects
/// (1-based row, rule). The duplicate row always lands after its original (row 1).
fn plant(generated: &Rows, planted: Planted, spread: bool) -> (Vec<OwnedRow>, Vec<(usize, &'static str)>) {
    let n = generated.len();
    let m = planted.len();
    let mut out: Vec<(Vec<Vec<u8>>, Option<&'static str>)> = Vec::with_capacity(n + m);
    let mut planted = planted.into_iter().enumerate().peekable();
    for i in 0..n {
        out.push((generated.row_owned(i), None));
        while let Some((k, _)) = planted.peek() {
            let at = if spread { (k + 1) * n / (m + 1) } else { n };
            if at.max(1) != i + 1 {
                break;
            }
            if let Some((_, row)) = planted.next() {
                out.push(row);
            }
        }
    }
    out.extend(planted.map(|(_, row)| row));
    let defects = out.iter().enumerate().filter_map(|(i, (_, rule))| rule.map(|r| (i + 1, r))).collect();
    (out.into_iter().map(|(row, _)| row).collect(), defects)
}

/// Generates the valid base delivery in memory, plants the defects and writes everything.
pub fn generate(s: &Scenario, out: &Path, opts: &SynthOptions) -> Result<SynthSummary> {
    let invalid = |key: &str, message: &str| SynthError::Invalid {
        file: s.name.clone(),
        key: key.into(),
        message: message.into(),
    };
    let d = schedule(s, &s.name)?.into_iter().next().ok_or_else(|| invalid("deliveries", "no delivery"))?;
    let src = s.sources.first().ok_or_else(|| invalid("sources", "dirty needs one source"))?;
    let base = base_rows(s, src, d.extracted_on, opts)
        .ok_or_else(|| invalid("model", "dirty needs a [model] for its valid rows"))?;
    let spread = s.dirty.as_ref().is_none_or(|x| x.spread);
    let fixture = Fixture::new(d.extracted_on);
    let dir = out.join(&src.name).join(&d.id);
    let mut w = DeliveryWriter::create(&dir, opts.format, &src.name, &d.id, d.extracted_on)?;
    let mut defects = Vec::new();
    for t in Table::ALL {
        let generated = &base[t.index()];
        let first = if generated.is_empty() { Vec::new() } else { generated.row_owned(0) };
        let (rows, found) = plant(generated, planted(t, &fixture, &first, opts.format == OutputFormat::Csv), spread);
        w.write(t, &Rows::from_rows(&rows))?;
        defects.extend(found.into_iter().map(|(row, rule)| (t, row, rule)));
    }
    let rows = w.finish()?;
    let defects_path = out.join("defects.csv");
    let mut f = std::io::BufWriter::new(fs_err::File::create(&defects_path)?);
    writeln!(f, "source,delivery_id,table,row,rule")?;
    for (t, row, rule) in defects {
        writeln!(f, "{},{},{},{row},{rule}", src.name, d.id, t.name())?;
    }
    f.flush()?;
    let expected_path = write_expected(s, out, &[])?;
    let summary = DeliverySummary { source: src.name.clone(), delivery_id: d.id, dir, rows };
    Ok(SynthSummary { deliveries: vec![summary], expected_path, defects_path: Some(defects_path) })
}

/// The valid generated rows of every table (small enough to hold in memory); None without a model.
fn base_rows(s: &Scenario, src: &SourceSpec, extracted_on: NaiveDate, opts: &SynthOptions) -> Option<[Rows; 9]> {
    let model = s.model.as_ref()?;
    let families = scaled(src.families, opts.scale);
    let ctx =
        Ctx { model, source: src, family_offset: 0, history_from: s.history_from, horizon: extracted_on, seed: s.seed };
    let view = View {
        municipalities: &src.municipalities,
        first_year: s.history_from.year(),
        extracted_on,
        previous: None,
        programme: None,
        quarter: None,
    };
    let mut base: [Rows; 9] = Default::default();
    let mut population = HashMap::new();
    for c in 0..families.div_ceil(CHUNK) {
        let e = chunk(&ctx, families, c, &view);
        for t in &Table::ALL[..8] {
            let rows = &e.tables.tables[t.index()];
            for i in 0..rows.len() {
                for cell in rows.row(i) {
                    base[t.index()].cell(cell);
                }
                base[t.index()].end_row();
            }
        }
        merge_population(&mut population, e.population);
    }
    base[8] = emit::population_rows(&population, &src.municipalities);
    Some(base)
}
