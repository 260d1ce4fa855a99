//! A run's summary without the run (`kohort outcomes --summary-only`): every bucket of the
//! store's current version read and put through the kernels as a run would, the rows counted
//! where they are made ([`Tally`]) instead of written, and the counts handed to the summary's
//! SQL as the tables it reads. Nothing is written to the store: no run is recorded, the
//! current run (if any) stays as it is, and the figures are a run's own (`tests/summary.rs`).

use indicatif::ProgressBar;
use rayon::prelude::*;

use super::household::Inputs as HouseholdInputs;
use super::{Result, ResultsError, needs};
use crate::db::{DbSettings, DuckContext};
use crate::outcomes::config::{Family, OutcomeConfig};
use crate::outcomes::household::ReportIndex;
use crate::outcomes::kernels::{PersonOutcomes, compute};
use crate::outcomes::safety::IndexKind;
use crate::outcomes::tally::Tally;
use crate::store::{Leases, Store, StoreConnection};
use crate::timelines::{Needs, PersonTimeline};

/// Persons per task of the kernels (as in a run).
const CHUNK: usize = 2048;

/// What a summary-only pass counted.
#[derive(Debug)]
pub struct Counted {
    /// A connection to the store's views over the version counted, with the tables
    /// `window_counts` and `indicator_counts` filled (read them with
    /// [`crate::sql::outcomes::SUMMARY_OF_COUNTS`] and [`crate::sql::outcomes::INDICATORS_OF_COUNTS`]).
    pub conn: StoreConnection,
    /// The store version counted.
    pub store_version: u64,
    /// The persons the kernels ran on.
    pub persons: u64,
}

/// Count the summary of an outcome run of `cfg` over the store's current version, writing
/// nothing. The version is leased while it is read (an ingest meanwhile does not prune it).
pub fn count(store: &Store, cfg: &OutcomeConfig, db: &DbSettings, bar: &ProgressBar) -> Result<Counted> {
    let manifest = store.require_manifest()?;
    let dir = store.version_dir(manifest.version);
    let mut leases = Leases::default();
    leases.hold_dir(&dir)?;
    let conn = leases.connect(db, &[dir.as_path()])?;
    crate::store::views::create_views(&conn, &dir)?;
    bar.set_length(u64::from(manifest.buckets));
    let needs = Needs { person_rows: crate::outcomes::tally::needs_person_rows(cfg), ..needs(cfg) };
    let household = cfg.wants(Family::Safety);
    let buckets = (0..manifest.buckets)
        .into_par_iter()
        .map(|bucket| {
            let counted = count_bucket(&dir, bucket, needs, cfg, household);
            bar.inc(1);
            counted
        })
        .collect::<Result<Vec<_>>>()?;
    let mut tally = Tally::default();
    let mut persons = 0;
    let mut shares = Vec::new();
    for (t, share, n) in buckets {
        tally.merge(&t);
        shares.extend(share);
        persons += n;
    }
    if household {
        tally.add_household(&HouseholdInputs::join(shares).view(), &cfg.safety_windows);
    }
    fill(&conn, &tally)?;
    Ok(Counted { conn, store_version: manifest.version, persons })
}

/// One bucket's counts, its share of the household view's input (with `household`) and its
/// persons.
fn count_bucket(
    dir: &std::path::Path,
    bucket: u16,
    needs: Needs,
    cfg: &OutcomeConfig,
    household: bool,
) -> Result<(Tally, Option<HouseholdInputs>, u64)> {
    let (people, reports) = if household {
        crate::timelines::read_bucket_keeping_reports(dir, bucket, needs, |r| r.household_id.is_some())?
    } else {
        (crate::timelines::read_bucket_at(dir, bucket, needs, None)?, Vec::new())
    };
    let parts: Vec<(Tally, Vec<ReportIndex>)> = people
        .par_chunks(CHUNK)
        .map(|chunk: &[PersonTimeline]| {
            let mut tally = Tally::default();
            let mut indexes = Vec::new();
            for t in chunk {
                let o = compute(t, cfg);
                tally.add(&o);
                if household {
                    report_indexes(&o, &mut indexes);
                }
            }
            (tally, indexes)
        })
        .collect();
    let mut tally = Tally::default();
    let mut indexes = Vec::new();
    for (t, i) in parts {
        tally.merge(&t);
        indexes.extend(i);
    }
    let share = household.then(|| HouseholdInputs::of_indexes(indexes, &reports));
    Ok((tally, share, people.len() as u64))
}

/// The child view's report indexes of one person, as the household view reads them from the
/// `safety` rows a run writes (`index_no` is the row's number among the person's indexes).
fn report_indexes(o: &PersonOutcomes, out: &mut Vec<ReportIndex>) {
    for (no, s) in o.safety.iter().enumerate() {
        let (IndexKind::Report, Some(report_id)) = (s.kind, s.report_id) else { continue };
        out.push(ReportIndex {
            person: o.person_id.into(),
            index_no: u32::try_from(no).unwrap_or(u32::MAX),
            report_id,
            index: s.index,
            fu: s.fu.end,
            same_incident: s.same_incident,
        });
    }
}

/// Put the counts in the tables the summary's SQL reads.
fn fill(conn: &duckdb::Connection, tally: &Tally) -> Result<()> {
    use crate::sql::outcomes as q;
    let what = "the counts of the summary";
    let big = |n: u64| i64::try_from(n).map_err(|e| ResultsError::Input { what, message: e.to_string() });
    conn.execute_batch(q::COUNT_TABLES).ctx(what)?;
    let mut insert = conn.prepare(q::WINDOW_COUNTS_INSERT).ctx(what)?;
    for (source, kind, variant, window, status, n) in tally.window_counts() {
        insert.execute(duckdb::params![source, kind, variant, window, status, big(n)?]).ctx(what)?;
    }
    let mut insert = conn.prepare(q::INDICATOR_COUNTS_INSERT).ctx(what)?;
    for (line, instrument, change, n, of) in tally.indicator_counts() {
        insert.execute(duckdb::params![line, instrument, change, big(n)?, big(of)?]).ctx(what)?;
    }
    Ok(())
}
