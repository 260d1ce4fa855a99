//! One bucket of a result run: its timelines through the kernels, one Parquet file per result
//! table (and the `run_persons` list the incremental runs merge by).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use duckdb::arrow::array::StringArray;
use duckdb::arrow::datatypes::{DataType, Field, Schema};
use duckdb::arrow::record_batch::RecordBatch;
use rayon::prelude::*;

use super::household::Inputs as HouseholdInputs;
use super::incremental::RUN_PERSONS;
use super::{Result, ResultsError};
use crate::outcomes::config::{Family, OutcomeConfig};
use crate::store::{FileEntry, StoreError, write_parquet_with};
use crate::timelines::{Needs, PersonTimeline};

/// What computes one bucket's result tables from its timelines (the kernels).
pub type Kernel<'a> = dyn Fn(&[PersonTimeline]) -> Vec<(&'static str, RecordBatch)> + Sync + 'a;

/// What [`compute_bucket`] wrote and collected.
#[derive(Debug, Default)]
pub struct Computed {
    /// Files, by table.
    pub files: Vec<(String, FileEntry)>,
    /// Persons of the bucket in the run.
    pub persons: u64,
    /// The bucket's share of the household view's input, when asked for.
    pub(super) household: Option<HouseholdInputs>,
}

/// Compute one bucket of the store version in `version_dir` into `dir/<table>/bNN.parquet`.
/// A table without rows in the bucket gets no file (a table no bucket has rows for gets the
/// run's one empty file: [`empty_tables`]). With `list_persons`, the persons processed go to
/// `run_persons` (what incremental runs merge by); with `household`, the bucket's share of
/// the household view's input is kept (a run computing every bucket with the safety family).
pub fn compute_bucket(
    version_dir: &Path,
    bucket: u16,
    needs: Needs,
    dir: &Path,
    (kernel, list_persons, household): (&Kernel<'_>, bool, bool),
) -> Result<Computed> {
    let (people, reports) = if household {
        crate::timelines::read_bucket_keeping_reports(version_dir, bucket, needs, |r| r.household_id.is_some())?
    } else {
        (crate::timelines::read_bucket_at(version_dir, bucket, needs, None)?, Vec::new())
    };
    let chunks: Vec<&[PersonTimeline]> = people.chunks(2048).collect();
    let parts: Vec<Vec<(&'static str, RecordBatch)>> = chunks.par_iter().map(|c| kernel(c)).collect();
    let mut by_table: BTreeMap<&'static str, Vec<RecordBatch>> = BTreeMap::new();
    for part in parts {
        for (table, batch) in part {
            by_table.entry(table).or_default().push(batch);
        }
    }
    if list_persons && !people.is_empty() {
        by_table.entry(RUN_PERSONS).or_default().push(persons_batch(&people)?);
    }
    let household = if household {
        Some(HouseholdInputs::of_bucket(by_table.get("safety").map_or(&[], Vec::as_slice), &reports)?)
    } else {
        None
    };
    // Tables go to different files: write them in parallel (the order of `files` is fixed).
    let tables: Vec<(&'static str, Vec<RecordBatch>)> = by_table.into_iter().collect();
    let files = tables
        .into_par_iter()
        .filter_map(|(table, batches)| {
            if batches.iter().all(|b| b.num_rows() == 0) {
                return None;
            }
            let schema = batches.first().map(RecordBatch::schema)?;
            let rel = format!("{table}/b{bucket:02}.parquet");
            let ids = super::batches::person_ids(table);
            Some(write_parquet_with(&dir.join(&rel), &rel, schema, batches, ids).map(|e| (table.to_owned(), e)))
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(Computed { files, persons: people.len() as u64, household })
}

/// One empty file, `<table>/empty.parquet`, for each table of `kernel` that has neither a
/// bucket's file nor a delta file (a run of some families, or of a store without the events a
/// table follows from), so that every run has every table, and views and steps read it as
/// empty. Writing an empty file per bucket and table cost a run of one small family a sixth of
/// its CPU (national, measures: 13 tables of other families in 16 buckets).
pub fn empty_tables(dir: &Path, kernel: &Kernel<'_>, has: impl Fn(&str) -> bool) -> Result<Vec<(String, FileEntry)>> {
    let mut files = Vec::new();
    for (table, batch) in kernel(&[]) {
        if has(table) {
            continue;
        }
        let rel = format!("{table}/empty.parquet");
        let ids = super::batches::person_ids(table);
        files.push((table.to_owned(), write_parquet_with(&dir.join(&rel), &rel, batch.schema(), [], ids)?));
    }
    Ok(files)
}

/// The `run_persons` rows of a bucket: the persons processed, in order, with the person row
/// the run used (the cross-source pick; `extracted_on` is the data end). Incremental study runs
/// read the changed persons' rows from here instead of the store's `persons` view.
pub fn persons_batch(people: &[PersonTimeline]) -> Result<RecordBatch> {
    use duckdb::arrow::array::Date32Array;
    let schema = Arc::new(Schema::new(vec![
        Field::new("person_id", DataType::Utf8, false),
        Field::new("birth_date", DataType::Date32, false),
        Field::new("sex", DataType::Utf8, false),
        Field::new("death_date", DataType::Date32, true),
        Field::new("emigration_date", DataType::Date32, true),
        Field::new("extracted_on", DataType::Date32, false),
    ]));
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    #[allow(clippy::cast_possible_truncation)]
    let day = |d: chrono::NaiveDate| (d - epoch).num_days() as i32;
    let ids = super::batches::hex_array(people.iter().map(|p| Some(p.person_id.to_hex())));
    let births = Date32Array::from_iter_values(people.iter().map(|p| day(p.birth_date)));
    let sexes = StringArray::from_iter_values(people.iter().map(|p| p.sex.as_str()));
    let deaths: Date32Array = people.iter().map(|p| p.death_date.map(day)).collect();
    let emigrations: Date32Array = people.iter().map(|p| p.emigration_date.map(day)).collect();
    let ends = Date32Array::from_iter_values(people.iter().map(|p| day(p.data_end)));
    RecordBatch::try_new(
        schema,
        vec![Arc::new(ids), Arc::new(births), Arc::new(sexes), Arc::new(deaths), Arc::new(emigrations), Arc::new(ends)],
    )
    .map_err(|e| ResultsError::Store(StoreError::Parquet { path: PathBuf::from(RUN_PERSONS), source: e.into() }))
}

/// The event tables the configured families need.
pub fn needs(cfg: &OutcomeConfig) -> Needs {
    use crate::timelines::Measurements;
    // Families that read no care episode at all (of the others, measures reads only its own
    // persons' episodes; the rest follow every child with care).
    let no_care = [Family::Rereports];
    Needs {
        care_persons: cfg.families.iter().any(|f| !no_care.contains(f) && *f != Family::Measures),
        episodes: cfg.families.iter().any(|f| !no_care.contains(f)),
        episode_details: cfg.wants(Family::Spells) || cfg.wants(Family::Indicators),
        measures: cfg.wants(Family::Escalation)
            || cfg.wants(Family::Probation)
            || cfg.wants(Family::Safety)
            || cfg.wants(Family::Measures)
            || cfg.wants(Family::Linkage),
        reports: cfg.wants(Family::Safety) || cfg.wants(Family::Rereports),
        measurements: match (cfg.wants(Family::Indicators), cfg.instruments.is_empty()) {
            _ if cfg.wants(Family::Probation) && !cfg.probation.risk_instruments.is_empty() => Measurements::All,
            (false, _) => Measurements::None,
            (true, true) => Measurements::Outcome,
            (true, false) => Measurements::All,
        },
        all_persons: cfg.wants(Family::Linkage),
        offences: cfg.wants(Family::Probation),
        person_rows: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timelines::Measurements;

    fn of(families: &[Family]) -> Needs {
        needs(&OutcomeConfig { families: families.to_vec(), ..OutcomeConfig::default() })
    }

    #[test]
    fn rereports_alone_read_the_reports_and_no_care_episode() {
        let rereports = of(&[Family::Rereports]);
        assert_eq!(
            rereports,
            Needs {
                care_persons: false,
                episodes: false,
                episode_details: false,
                measures: false,
                reports: true,
                measurements: Measurements::None,
                all_persons: false,
                offences: false,
                person_rows: true,
            }
        );
        // With measures their persons' episodes are read (placement), still not every child's.
        let with_measures = of(&[Family::Rereports, Family::Measures]);
        assert!(with_measures.episodes && !with_measures.care_persons && with_measures.measures);
        // The whole family follows every child with care (spell ends) and the measures.
        let safety = of(&[Family::Safety]);
        assert!(safety.care_persons && safety.episodes && safety.measures && safety.reports);
    }
}
