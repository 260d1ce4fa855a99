//! Hand-written scenarios (`tiny`): every table is given as CSV text in the scenario and written
//! as is (in CSV or Parquet), so a person can check each answer by hand. Rows may also come in
//! named extra blocks (`[explicit.extra.<block>]`, a table name to CSV text each), appended after
//! the main block's rows: a topic's rows stay together in their own commented block.

use std::path::Path;

use super::run::{schedule, write_expected};
use super::scenario::{Explicit, Scenario};
use super::table::{Rows, Table};
use super::writer::DeliveryWriter;
use super::{DeliverySummary, Result, SynthError, SynthOptions, SynthSummary};

fn text(e: &Explicit, table: Table) -> &str {
    match table {
        Table::Offences => &e.offences,
        Table::Questionnaire => &e.questionnaire,
        Table::Persons => &e.persons,
        Table::Relations => &e.relations,
        Table::Households => &e.households,
        Table::Residence => &e.residence,
        Table::CareEpisodes => &e.care_episodes,
        Table::Measures => &e.measures,
        Table::SafetyReports => &e.safety_reports,
        Table::Measurements => &e.measurements,
        Table::Population => &e.population,
    }
}

/// The rows of `table`: the main block's, then each `[explicit.extra.<block>]`'s in name order.
/// An optional table given nowhere has no rows (and no file).
fn table_rows(s: &Scenario, e: &Explicit, table: Table) -> Result<Rows> {
    let main = text(e, table);
    let mut rows = if main.trim().is_empty() && table.index() >= Table::ALL.len() {
        Rows::default()
    } else {
        parse(s, &format!("explicit.{}", table.name()), table, main)?
    };
    for (block, tables) in &e.extra {
        if let Some(csv_text) = tables.get(table.name()) {
            let more = parse(s, &format!("explicit.extra.{block}.{}", table.name()), table, csv_text)?;
            for i in 0..more.len() {
                for cell in more.row(i) {
                    rows.cell(cell);
                }
                rows.end_row();
            }
        }
    }
    Ok(rows)
}

/// Parses one table's CSV text; the header must list the table's columns in order.
fn parse(s: &Scenario, key: &str, table: Table, csv_text: &str) -> Result<Rows> {
    let key = key.to_owned();
    let bad = |message: String| SynthError::Invalid { file: s.name.clone(), key: key.clone(), message };
    let mut lines = csv_text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
    let header = lines.next().unwrap_or("");
    if header != table.columns().join(",") {
        return Err(bad(format!("header must be `{}`", table.columns().join(","))));
    }
    let mut rows = Rows::default();
    for (i, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != table.columns().len() {
            return Err(bad(format!("data row {} has {} cells, want {}", i + 1, cells.len(), table.columns().len())));
        }
        for c in cells {
            rows.cell(c);
        }
        rows.end_row();
    }
    Ok(rows)
}

fn known(name: &str) -> bool {
    Table::ALL.into_iter().chain(Table::OPTIONAL).any(|t| t.name() == name)
}

/// Writes the single delivery of a hand-written scenario.
pub fn generate(s: &Scenario, out: &Path, opts: &SynthOptions) -> Result<SynthSummary> {
    let e = s.explicit.as_ref().ok_or_else(|| SynthError::Invalid {
        file: s.name.clone(),
        key: "explicit".into(),
        message: "missing".into(),
    })?;
    let mut summaries = Vec::new();
    for d in schedule(s, &s.name)? {
        let dir = out.join(&e.source).join(&d.id);
        let mut w = DeliveryWriter::create(&dir, opts.format, &e.source, &d.id, d.extracted_on)?;
        if let Some((block, table)) =
            e.extra.iter().find_map(|(b, t)| t.keys().find(|k| !known(k)).map(|k| (b.clone(), k.clone())))
        {
            return Err(SynthError::Invalid {
                file: s.name.clone(),
                key: format!("explicit.extra.{block}.{table}"),
                message: "not a table of the delivery format".into(),
            });
        }
        for table in Table::ALL.into_iter().chain(Table::OPTIONAL) {
            w.write(table, &table_rows(s, e, table)?)?;
        }
        let rows = w.finish()?;
        summaries.push(DeliverySummary { source: e.source.clone(), delivery_id: d.id, dir, rows });
    }
    let expected_path = write_expected(s, out, &[])?;
    Ok(SynthSummary { deliveries: summaries, expected_path, defects_path: None })
}
