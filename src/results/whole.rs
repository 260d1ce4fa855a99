//! Whole-run tables: what a family adds once every bucket of a run is staged, because it needs
//! rows from all buckets (survival curves over every index, the household view of safety whose
//! children sit in different buckets, the linkage of generations). Each family registers its
//! steps in [`STEPS`] with the per-bucket tables a step reads; the engine runs every step whose
//! tables the run staged, knowing none of them by name.

use std::collections::BTreeMap;
use std::path::Path;

use super::Result;
use super::household::Inputs;
use super::incremental::PreviousRun;
use crate::db::{DbSettings, DuckContext};
use crate::outcomes::config::{Family, OutcomeConfig};
use crate::store::{FileEntry, PersonIds, Stage, write_parquet_with, write_query, write_query_with};

/// What the whole-run steps wrote: files by table, and for an incremental household view its
/// delta and superseded persons.
#[derive(Debug, Default)]
pub(super) struct WholeRun {
    pub(super) tables: Vec<(String, FileEntry)>,
    pub(super) deltas: Vec<(String, FileEntry)>,
    pub(super) superseded_in: Vec<(String, FileEntry)>,
}

/// What a step reads: the staged per-bucket tables as views on `conn`, and the run's context.
struct Ctx<'a> {
    conn: &'a duckdb::Connection,
    staging: &'a Path,
    deltas: &'a BTreeMap<String, Vec<FileEntry>>,
    previous: Option<&'a PreviousRun>,
    /// The household view's input, collected by a run that computed every bucket.
    household: Option<&'a Inputs>,
    cfg: &'a OutcomeConfig,
}

/// A whole-run step of a family, the per-bucket tables it reads, and whether it reads the
/// store's views too (the household view its reports, unless the run collected them; linkage
/// its persons).
struct Step {
    reads: &'static [&'static str],
    store: Store,
    write: fn(&Ctx<'_>, &mut WholeRun) -> Result<()>,
}

/// Whether a whole-run step reads the store's views.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Store {
    No,
    Yes,
    /// Unless the run collected the household view's input.
    UnlessCollected,
}

/// Every family's whole-run steps, run in this order: re-entry's curves, the measure duration
/// curve, the recidivism curves, safety's household view, and linkage's tables.
const STEPS: [Step; 5] = [
    Step { reads: &["reentry"], store: Store::No, write: reentry_curves },
    Step { reads: &["measure_episodes"], store: Store::No, write: measure_curve },
    Step { reads: &["recidivism"], store: Store::No, write: recidivism_curves },
    Step { reads: &["safety"], store: Store::UnlessCollected, write: household_view },
    Step { reads: &["person_summary"], store: Store::Yes, write: linkage_tables },
];

/// Run the whole-run steps whose tables were staged. With `previous`
/// (an incremental run writing deltas) the household view is updated for the children it
/// concerns only; with `household` (a run that computed every bucket) it is computed from the
/// input the run collected.
#[allow(clippy::too_many_arguments)]
pub(super) fn whole_run_tables(
    staging: &Path,
    version_dir: &Path,
    tables: &BTreeMap<String, Vec<FileEntry>>,
    deltas: &BTreeMap<String, Vec<FileEntry>>,
    superseded: bool,
    previous: Option<&PreviousRun>,
    household: Option<&Inputs>,
    cfg: &OutcomeConfig,
    db: &DbSettings,
) -> Result<WholeRun> {
    let mut out = WholeRun::default();
    let steps: Vec<&Step> = STEPS.iter().filter(|s| s.reads.iter().all(|t| tables.contains_key(*t))).collect();
    if steps.is_empty() {
        return Ok(out);
    }
    // Spill next to the staging folder (not inside it: it is published).
    let spill = Stage::new(&staging.with_extension("spill"))?;
    let conn = crate::db::open_at_spilling(db, &[version_dir, staging], Some(spill.path()))?;
    // The store's views cost a run of one small family about 3 % of its CPU: made only for a
    // step that reads them and has rows to read (or an earlier run's to update).
    let rows = |t: &str| tables.get(t).into_iter().chain(deltas.get(t)).flatten().map(|f| f.rows).sum::<u64>();
    let store = |s: &Step| match s.store {
        Store::No => false,
        Store::Yes => true,
        Store::UnlessCollected => household.is_none(),
    };
    if steps.iter().any(|s| store(s) && (previous.is_some() || s.reads.iter().any(|t| rows(t) > 0))) {
        crate::store::views::create_views(&conn, version_dir)?;
    }
    let has = |t: &str| tables.contains_key(t) || deltas.contains_key(t);
    let views = super::views::result_views(tables, deltas, superseded, &BTreeMap::new());
    let derived = super::views::derived_views(cfg, super::manifest::RESULTS_FORMAT, has);
    for (table, sql) in views.into_iter().chain(derived) {
        conn.execute_batch(&sql).ctx(format!("view of staged {table}"))?;
    }
    let ctx = Ctx { conn: &conn, staging, deltas, previous, household, cfg };
    for step in steps {
        (step.write)(&ctx, &mut out)?;
    }
    drop(conn);
    drop(spill);
    Ok(out)
}

fn reentry_curves(c: &Ctx<'_>, out: &mut WholeRun) -> Result<()> {
    out.tables.extend(super::curves::write_reentry_curves(c.conn, c.staging)?);
    Ok(())
}

fn measure_curve(c: &Ctx<'_>, out: &mut WholeRun) -> Result<()> {
    out.tables.extend(super::curves::write_measure_curve(c.conn, c.staging)?);
    Ok(())
}

fn recidivism_curves(c: &Ctx<'_>, out: &mut WholeRun) -> Result<()> {
    out.tables.extend(super::curves::write_recidivism_curves(c.conn, c.staging)?);
    Ok(())
}

fn linkage_tables(c: &Ctx<'_>, out: &mut WholeRun) -> Result<()> {
    out.tables.extend(super::linkage::write_tables(c.conn, c.staging, c.cfg)?);
    Ok(())
}

/// The household view of safety (a whole-run table; a row per index, its windows a view:
/// `safety_household_windows`). Its person ids repeat where a child has several reports.
const HOUSEHOLD: &str = "safety_household";

/// The household view of safety: in full, or for an incremental run writing deltas, updated
/// for the children of the households a changed person belongs to.
fn household_view(c: &Ctx<'_>, out: &mut WholeRun) -> Result<()> {
    // Without the safety family (a run of re-reports alone has `safety` rows) the table is
    // written whole, empty, never as a delta.
    let household = c.previous.filter(|p| !p.compact && c.cfg.wants(Family::Safety)).and_then(|p| {
        let base = p.manifest.tables.get(HOUSEHOLD)?.first()?;
        Some((p, base))
    });
    if let Some((prev, base)) = household {
        return household_delta(c.conn, c.staging, (prev, base), c.deltas, out);
    }
    let rel = format!("{HOUSEHOLD}/all.parquet");
    let view = match c.household {
        Some(input) => input.view(),
        None => {
            // Without the safety family the table is empty (its columns stay).
            let rows = if c.cfg.wants(Family::Safety) {
                crate::sql::outcomes::HOUSEHOLD_SAFETY
            } else {
                crate::sql::outcomes::HOUSEHOLD_SAFETY_NONE
            };
            c.conn.execute_batch(rows).ctx("safety, household view")?;
            super::household::compute(c.conn)?
        }
    };
    let (path, schema) = (c.staging.join(&rel), super::household::schema());
    let batches = super::household::batches(&view);
    let entry = write_parquet_with(&path, &rel, schema, batches, PersonIds::Repeated)?;
    out.tables.push((HOUSEHOLD.to_owned(), entry));
    Ok(())
}

/// The household view of an incremental run writing deltas: the base file stays; the
/// children in a household touched by a changed person are recomputed into the delta, and
/// listed as superseded (`sql/outcomes/household_*.sql`).
fn household_delta(
    conn: &duckdb::Connection,
    staging: &Path,
    (prev, base): (&PreviousRun, &FileEntry),
    deltas: &BTreeMap<String, Vec<FileEntry>>,
    out: &mut WholeRun,
) -> Result<()> {
    use crate::sql::outcomes as q;
    let what = "safety, household view (incremental)";
    conn.execute_batch(q::HOUSEHOLD_SETUP).ctx(what)?;
    {
        let mut app = conn.appender("household_changed").ctx(what)?;
        for id in prev.changed.values().flatten() {
            app.append_row([id]).ctx(what)?;
        }
    }
    let path = |p: &str| prev.dir.join(p).to_string_lossy().into_owned();
    let base_file = path(&base.path);
    let first = |m: &BTreeMap<String, Vec<FileEntry>>| m.get(HOUSEHOLD).and_then(|f| f.first()).map(|f| path(&f.path));
    // A first delta run has no previous list or delta: the base file stands in, unread.
    for (sql, file) in [
        (q::HOUSEHOLD_PREVIOUS_SUPERSEDED, first(&prev.manifest.superseded_in)),
        (q::HOUSEHOLD_PREVIOUS_DELTA, first(&prev.manifest.deltas)),
    ] {
        let had = file.is_some();
        conn.execute(sql, duckdb::params![file.unwrap_or_else(|| base_file.clone()), had]).ctx(what)?;
    }
    conn.execute(q::HOUSEHOLD_PREVIOUS_CHANGED, [&base_file]).ctx(what)?;
    conn.execute_batch(q::HOUSEHOLD_AFFECTED).ctx(what)?;
    // The children to recompute are usually all changed persons, whose safety rows are in the
    // delta files: reading those alone spares a scan of every safety row.
    let listed = fs_err::read_dir(staging.join("superseded")).is_ok_and(|mut d| d.next().is_some());
    let outside: i64 = if listed { conn.query_row(q::HOUSEHOLD_IN_DELTA, [], |r| r.get(0)).ctx(what)? } else { 1 };
    let safety = match deltas.get("safety") {
        Some(files) if outside == 0 && !files.is_empty() => q::HOUSEHOLD_SAFETY_DELTA,
        _ => q::HOUSEHOLD_SAFETY_AFFECTED,
    };
    conn.execute_batch(safety).ctx(what)?;
    let view = super::household::compute(conn)?;
    conn.execute_batch(q::HOUSEHOLD_RECOMPUTED).ctx(what)?;
    {
        let mut app = conn.appender("household_recomputed").ctx(what)?;
        for batch in super::household::batches(&view) {
            app.append_record_batch(batch).ctx(what)?;
        }
    }
    let rel = format!("{HOUSEHOLD}/delta/all.parquet");
    let delta =
        write_query_with(conn, q::HOUSEHOLD_DELTA, &[], (&staging.join(&rel), &rel), what, PersonIds::Repeated)?;
    out.deltas.push((HOUSEHOLD.to_owned(), delta));
    let rel = format!("{HOUSEHOLD}/superseded/all.parquet");
    out.superseded_in.push((
        HOUSEHOLD.to_owned(),
        write_query(conn, q::HOUSEHOLD_SUPERSEDED, &[], &staging.join(&rel), &rel, what)?,
    ));
    let to = staging.join(&base.path);
    if let Some(parent) = to.parent() {
        fs_err::create_dir_all(parent)?;
    }
    fs_err::hard_link(prev.dir.join(&base.path), &to)?;
    out.tables.push((HOUSEHOLD.to_owned(), base.clone()));
    Ok(())
}
