//! The quarantine: rows that failed validation, kept apart from the store (they hold raw
//! identifiers) in a place a data manager can read back, as CSV and Parquet.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use duckdb::arrow::array::{ArrayRef, StringArray, UInt64Array};
use duckdb::arrow::datatypes::{DataType, Field, Schema as ArrowSchema};
use duckdb::arrow::record_batch::RecordBatch;

use super::{IngestError, Result};
use crate::delivery::{TableFile, TableReader};
use crate::schema::Table;
use crate::store::{Stage, write_parquet};
use crate::validate::Quarantined;

const README: &str = "\
These rows of the delivery failed validation and were NOT loaded into the store.

They are kept here, apart from the store, because they still hold the delivered values,
raw identifiers included. Treat this folder as you treat the delivery itself, and delete it
when the rows have been corrected and redelivered.

quarantine.csv / quarantine.parquet columns:
  table    the delivered table (file stem)
  row      1-based data row in that file (the header is not counted)
  line     1-based line in a CSV file where the row starts (0 for Parquet); a line with
           a quote that is not closed is a row of its own (rule wrong_column_count)
  column   the column at fault, where there is one
  rule     the validation rule (see `kohort schema`; one rule per row, the first that fails)
  message  what is wrong
  record   the delivered row as text
";

/// Fill in the delivered text of rows quarantined by cross-row rules (one more streaming
/// pass over the file, only when such rows exist).
pub fn attach_records(file: &TableFile, delimiter: u8, table: &Table, rows: &mut [Quarantined]) -> Result<()> {
    let wanted: HashSet<u64> = rows.iter().filter(|q| q.record.is_empty()).map(|q| q.row).collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let mut found: BTreeMap<u64, (u64, String)> = BTreeMap::new();
    let mut reader = TableReader::open(file, delimiter, table)?;
    let sep = char::from(delimiter).to_string();
    loop {
        let chunk = reader.next_chunk(65_536)?;
        if chunk.is_empty() {
            break;
        }
        for rec in chunk.into_iter().filter(|r| wanted.contains(&r.row)) {
            let text: Vec<String> = rec.fields.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
            found.insert(rec.row, (rec.line, rec.text.unwrap_or_else(|| text.join(&sep))));
        }
    }
    for q in rows.iter_mut().filter(|q| q.record.is_empty()) {
        if let Some((line, text)) = found.remove(&q.row) {
            q.line = line;
            q.record = text;
        }
    }
    Ok(())
}

/// Write the quarantine of one delivery to `dir` (replacing an earlier one), atomically.
pub fn write(dir: &Path, rows: &[Quarantined]) -> Result<PathBuf> {
    let stage = Stage::beside(dir)?;
    fs_err::write(stage.path().join("README.txt"), README)?;
    write_csv(&stage.path().join("quarantine.csv"), rows)?;
    write_parquet(&stage.path().join("quarantine.parquet"), "quarantine.parquet", schema(), [batch(rows)?])?;
    stage.replace(dir)?;
    Ok(dir.to_owned())
}

fn write_csv(path: &Path, rows: &[Quarantined]) -> Result<()> {
    let mut w = csv::Writer::from_writer(fs_err::File::create(path)?);
    let io = |e: csv::Error| IngestError::Io(std::io::Error::other(format!("{}: {e}", path.display())));
    w.write_record(["table", "row", "line", "column", "rule", "message", "record"]).map_err(io)?;
    for q in rows {
        let row = q.row.to_string();
        let line = q.line.to_string();
        let col = q.column.as_deref().unwrap_or("");
        w.write_record([q.table.as_str(), &row, &line, col, q.rule.as_str(), &q.message, &q.record]).map_err(io)?;
    }
    w.flush()?;
    Ok(())
}

fn schema() -> Arc<ArrowSchema> {
    let s = |n: &str| Field::new(n, DataType::Utf8, true);
    let u = |n: &str| Field::new(n, DataType::UInt64, false);
    Arc::new(ArrowSchema::new(vec![s("table"), u("row"), u("line"), s("column"), s("rule"), s("message"), s("record")]))
}

fn batch(rows: &[Quarantined]) -> Result<RecordBatch> {
    let strs = |f: &dyn Fn(&Quarantined) -> Option<String>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<StringArray>())
    };
    let cols: Vec<ArrayRef> = vec![
        strs(&|q| Some(q.table.clone())),
        Arc::new(rows.iter().map(|q| q.row).collect::<UInt64Array>()),
        Arc::new(rows.iter().map(|q| q.line).collect::<UInt64Array>()),
        strs(&|q| q.column.clone()),
        strs(&|q| Some(q.rule.as_str().to_owned())),
        strs(&|q| Some(q.message.clone())),
        strs(&|q| Some(q.record.clone())),
    ];
    RecordBatch::try_new(schema(), cols).map_err(|e| IngestError::Io(std::io::Error::other(e.to_string())))
}
