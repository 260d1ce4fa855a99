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

/// The dimensions the population table has (rates split by these only).
const RATE_DIMS: [Dim; 4] = [Dim::Total, Dim::Sex, Dim::AgeBand, Dim::IndexYear];

/// Build the tables from the counts of `conn` (`study_atoms`, `study_km_atoms`,
/// `study_rate_atoms`) and the inputs, as `study_tables` (before the benchmarks, which
/// [`write`] adds as it writes).
pub fn build(conn: &Connection, plan: &Plan) -> Result<(), StudyError> {
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
    Ok(())
}

/// Write the study folder `dir` whole: `tables` (the rows of `study_tables` with their
/// benchmarks, streamed from DuckDB batch by batch into Parquet and CSV, so that the rows are
/// never all in memory at once), `survival` and `medians`, published at once. Returns the
/// number of table rows.
pub fn write(conn: &Connection, plan: &Plan, dir: &Path, curves: &Curves) -> Result<u64, StudyError> {
    let stage = crate::store::Stage::beside(dir)?;
    let staging = stage.path();
    let rows = stream_tables(conn, plan, staging)?;
    if let Some(c) = &plan.comparison {
        let arms = super::comparison::read_arms(conn, &staging.join("tables.parquet"))?;
        let ids: Vec<String> = c.outcomes.iter().map(|o| o.id().to_owned()).collect();
        let rows = super::comparison::compare(&arms, &c.reference, &c.activities, &ids);
        super::comparison::write(conn, staging, &plan.name, &rows)?;
    }
    let files: [(&str, SchemaRef, &[RecordBatch]); 2] = [
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
    Ok(rows)
}

/// Write `tables.parquet` and `tables.csv` into `staging` from the output query, one batch at
/// a time (the Parquet writer cuts its row groups by row count, so the bytes do not depend on
/// the batches). Returns the rows written.
fn stream_tables(conn: &Connection, plan: &Plan, staging: &Path) -> Result<u64, StudyError> {
    let what = "study tables with benchmarks";
    let benchmarked = benchmarks(conn, "study_tables").ctx(what)?;
    let sql = crate::db::render(q::OUTPUT, &[("benchmarked", benchmarked.trim())]);
    let mut stmt = conn.prepare(&sql).ctx(what)?;
    let stream = stmt.stream_arrow([&plan.name]).ctx(what)?;
    let schema = stream.get_schema();
    let mut parquet = crate::store::ParquetSink::create(&staging.join("tables.parquet"), "tables.parquet", schema)?;
    let csv_path = staging.join("tables.csv");
    let mut csv = duckdb::arrow::csv::WriterBuilder::new().with_header(true).build(fs_err::File::create(&csv_path)?);
    let mut rows = 0u64;
    for batch in stream {
        let batch = batch.ctx(what)?;
        rows += batch.num_rows() as u64;
        csv.write(&batch).map_err(|e| crate::store::StoreError::Csv { path: csv_path.clone(), source: e })?;
        parquet.push(batch)?;
    }
    parquet.finish()?;
    conn.execute_batch(q::DROP_BENCHMARKS).ctx(what)?;
    Ok(rows)
}

/// Compute the benchmark columns of every row of the table `rows` (sql/study/benchmarks.sql;
/// its macros must be in place) and return the query of the rows with them, to be placed as a
/// subquery; run [`q::DROP_BENCHMARKS`] once it has been read. `rows` is a table of kohort's
/// own, named here.
pub(crate) fn benchmarks(conn: &Connection, rows: &str) -> Result<String, duckdb::Error> {
    conn.execute_batch(&crate::db::render(q::BENCHMARKS, &[("rows", rows)]))?;
    Ok(crate::db::render(q::BENCHMARKED, &[("rows", rows)]))
}
