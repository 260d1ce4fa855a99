//! Reading the store: DuckDB connections with the store's views (`sql/views.sql`) over the
//! current version, holding a [`Lease`] on every published generation they read, so that a
//! writer that publishes meanwhile never removes files under a running query.

use std::path::{Path, PathBuf};

use duckdb::Connection;

use super::publication::{Lease, LeaseState};
use super::{Result, Store, StoreError};
use crate::db::{DbSettings, DuckContext};

/// How often a reader re-reads a pointer whose generation was pruned between the read and
/// the lease (each retry means a writer published in between).
const LEASE_TRIES: usize = 50;

/// The leases a reader collects before it connects.
#[derive(Debug, Default)]
pub struct Leases {
    held: Vec<Lease>,
}

impl Leases {
    /// Read a pointer with `read` (a generation's folder and what the pointer says of it)
    /// and lease that folder; read again when it was pruned in between. `None` when the
    /// pointer names nothing.
    pub fn hold<T>(&mut self, read: impl Fn() -> Result<Option<(PathBuf, T)>>) -> Result<Option<(PathBuf, T)>> {
        for _ in 0..LEASE_TRIES {
            let Some((dir, value)) = read()? else { return Ok(None) };
            match Lease::shared(&dir)? {
                Some(LeaseState::Held(lease)) => {
                    self.held.push(lease);
                    return Ok(Some((dir, value)));
                }
                Some(LeaseState::Unleased) => return Ok(Some((dir, value))),
                None => {}
            }
        }
        Err(StoreError::Busy(LEASE_TRIES))
    }

    /// Lease a folder whose pointer the caller has read; fails when it was pruned since.
    pub fn hold_dir(&mut self, dir: &Path) -> Result<()> {
        match Lease::shared(dir)? {
            Some(LeaseState::Held(lease)) => self.held.push(lease),
            Some(LeaseState::Unleased) => {}
            None => return Err(StoreError::Gone(dir.to_path_buf())),
        }
        Ok(())
    }

    /// Lease the store's current version; its folder.
    pub fn current_version(&mut self, store: &Store) -> Result<PathBuf> {
        let (dir, ()) = self.hold(|| Ok(Some((store.current_dir()?, ()))))?.ok_or(StoreError::Busy(LEASE_TRIES))?;
        Ok(dir)
    }

    /// A DuckDB connection whose file search path is `dirs`, keeping the leases.
    pub fn connect(self, settings: &DbSettings, dirs: &[&Path]) -> Result<StoreConnection> {
        let spill = crate::store::spill::spill_dir()?;
        let conn = crate::db::open_at_spilling(settings, dirs, Some(spill.path()))?;
        Ok(StoreConnection { conn, _leases: self, _spill: spill })
    }
}

/// A DuckDB connection that holds leases on what it reads (dereferences to the connection).
#[derive(Debug)]
pub struct StoreConnection {
    conn: Connection,
    _leases: Leases,
    /// Where DuckDB spills (dropped after the connection: fields drop in order).
    _spill: tempfile::TempDir,
}

impl std::ops::Deref for StoreConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

/// A connection with the store views over the current version (no result tables).
pub fn open(store: &Store, settings: &DbSettings) -> Result<StoreConnection> {
    let mut leases = Leases::default();
    let dir = leases.current_version(store)?;
    let conn = leases.connect(settings, &[&dir])?;
    create_views(&conn, &dir)?;
    Ok(conn)
}

/// The SQL of the offences view over the version folder `dir`: `present` (the whole store's or
/// the changed persons') when it has an `offences` folder, else the empty view of a store written
/// before offences were part of the delivery format (no rows, the same columns).
#[must_use]
pub fn offences_sql(dir: &Path, present: &'static str) -> &'static str {
    if dir.join("offences").is_dir() { present } else { crate::sql::VIEWS_OFFENCES_ABSENT }
}

/// Create the store views (`sql/views.sql`) over the version folder `dir` on `conn` (whose
/// file search path holds `dir`). A store written before offences were part of the delivery
/// format has no `offences` folder: its offences view is empty, with the columns of the table;
/// likewise `questionnaire`. A store of schema version 2 (before `programme`) has care episode
/// files without the column: its view adds it, empty.
pub fn create_views(conn: &Connection, dir: &Path) -> crate::db::Result<()> {
    use crate::sql;
    conn.execute_batch(sql::VIEWS).ctx("creating the store views")?;
    conn.execute_batch(offences_sql(dir, sql::VIEWS_OFFENCES)).ctx("creating the offences view")?;
    let questionnaire =
        if dir.join("questionnaire").is_dir() { sql::VIEWS_QUESTIONNAIRE } else { sql::VIEWS_QUESTIONNAIRE_ABSENT };
    conn.execute_batch(questionnaire).ctx("creating the questionnaire view")?;
    let has_programme: bool =
        conn.query_row(sql::CARE_HAS_PROGRAMME, [], |r| r.get(0)).ctx("reading the care_episodes columns")?;
    if !has_programme {
        conn.execute_batch(sql::VIEWS_CARE_PROGRAMME_ABSENT).ctx("creating the care_episodes view")?;
    }
    Ok(())
}
