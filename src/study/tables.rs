//! The study's tables from its counts (data-schema/study_tables.md): the groups of comparable
//! municipalities, the cells per region level, the proportion, category and rate figures (with
//! age-standardised rates), the region names and the benchmarks; and writing the study folder.

use std::path::Path;

use duckdb::Connection;
use duckdb::arrow::datatypes::SchemaRef;
use duckdb::arrow::record_batch::RecordBatch;

use super::StudyError;
use super::catalogue::Dim;
use super::counts::{split_applies, split_value};
use super::definition::Plan;
use super::survival::Curves;
use crate::db::DuckContext;
use crate::sql::study as q;

/// The rows of the study tables.
pub struct Tables {
    /// Their schema.
    pub schema: SchemaRef,
    /// The rows, sorted.
    pub batches: Vec<RecordBatch>,
    /// How many.
    pub rows: u64,
}

/// The dimensions the population table has (rates split by these only).
const RATE_DIMS: [Dim; 4] = [Dim::Total, Dim::Sex, Dim::AgeBand, Dim::IndexYear];

/// Build the tables from the counts of `conn` (`study_atoms`, `study_km_atoms`,
/// `study_rate_atoms`) and the inputs.
pub fn build(conn: &Connection, plan: &Plan) -> Result<Tables, StudyError> {
    for (sql, what) in [
        (q::SETTINGS_YEARS, "study settings from the data"),
        (q::GROUPS, "study groups of comparable municipalities"),
        (q::CELLS, "study cells"),
        (q::FIGURES, "study figures"),
    ] {
        conn.execute_batch(sql).ctx(what)?;
    }
    if plan.has_rates() {
        conn.execute_batch(q::RATE_GRID).ctx("study rate grid")?;
        let cells: Vec<String> = plan
            .splits
            .iter()
            .filter(|s| s.0.iter().all(|d| RATE_DIMS.contains(d)))
            .map(|s| {
                // Built from the catalogue's dimension names (see counts.rs).
                crate::db::render(
                    q::RATE_SPLIT,
                    &[("split", &s.name()), ("value", &split_value(s)), ("applies", &split_applies(s))],
                )
                .trim()
                .to_owned()
            })
            .collect();
        let sql = crate::db::render(q::RATE_FIGURES, &[("cells", &cells.join("\nUNION ALL\n"))]);
        conn.execute_batch(&sql).ctx("study rate figures")?;
    }
    conn.execute_batch(q::TABLES).ctx("study tables")?;
    let benchmarked = crate::db::render(q::BENCHMARKS, &[("rows", "study_tables")]);
    let sql = crate::db::render(q::OUTPUT, &[("benchmarked", benchmarked.trim())]);
    let mut stmt = conn.prepare(&sql).ctx("study tables with benchmarks")?;
    let batches: Vec<RecordBatch> = stmt.query_arrow([&plan.name]).ctx("study tables with benchmarks")?.collect();
    let rows = batches.iter().map(RecordBatch::num_rows).sum::<usize>() as u64;
    Ok(Tables { schema: stmt.schema(), batches, rows })
}

/// Write the study folder `dir` whole: `tables`, `survival` and `medians`, each as Parquet and
/// CSV, published at once.
pub fn write(dir: &Path, tables: &Tables, curves: &Curves) -> Result<(), StudyError> {
    let stage = crate::store::Stage::beside(dir)?;
    let staging = stage.path();
    let files: [(&str, SchemaRef, &[RecordBatch]); 3] = [
        ("tables", tables.schema.clone(), &tables.batches),
        ("survival", curves.survival.schema(), std::slice::from_ref(&curves.survival)),
        ("medians", curves.medians.schema(), std::slice::from_ref(&curves.medians)),
    ];
    let results: Vec<Result<(), StudyError>> = {
        use rayon::prelude::*;
        files
            .par_iter()
            .map(|(name, schema, batches)| {
                let parquet = format!("{name}.parquet");
                crate::store::write_parquet(
                    &staging.join(&parquet),
                    &parquet,
                    schema.clone(),
                    batches.iter().cloned(),
                )?;
                crate::store::write_csv(&staging.join(format!("{name}.csv")), batches)?;
                Ok(())
            })
            .collect()
    };
    for r in results {
        r?;
    }
    stage.replace(dir)?;
    Ok(())
}
