//! The scope of the linkage tables (docs/definitions.md §4.13.7): every G2 child of the run, or
//! those a cohort restricts them to. A cohort is defined like any cohort ([`crate::cohort`]) and
//! restricts one side of the links:
//!
//! * `children`: the G2 rows of its members (per relation kind, a member who is a linked child
//!   of that kind); resilience counts the heavily exposed parents with a child in the cohort,
//!   over those children only;
//! * `parents`: the G2 rows of the children with at least one linked parent of the same kind in
//!   the cohort (their exposures still from all their linked parents); resilience counts only
//!   the cohort's own heavily exposed parents.
//!
//! Membership is what counts: index and exit dates of the cohort are not used (a child's outcome
//! is still its first event before age A, a parent's exposure still its own childhood). The
//! scope is two temp views read by `sql/linkage/long.sql` and `heavy_links.sql`:
//! `linkage_g2_scope` and `linkage_heavy`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use duckdb::Connection;
use serde::{Deserialize, Serialize};

use crate::cohort::{CohortDef, CohortError};
use crate::db::{DbError, DuckContext};
use crate::sql::linkage as q;

/// Errors restricting the linkage tables to a cohort.
#[derive(Debug, thiserror::Error)]
pub enum ScopeError {
    /// DuckDB failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The cohort could not be built.
    #[error(transparent)]
    Cohort(#[from] CohortError),
    /// The cohort has no members.
    #[error(
        "cohort {file}: no members (see its attrition with `kohort cohort`); nothing to restrict the linkage tables to"
    )]
    NoMembers {
        /// The cohort definition.
        file: PathBuf,
    },
    /// No member is on the side the cohort restricts.
    #[error(
        "cohort {file}: none of its {members} members is a linked {what} of the relation kinds {kinds}; use `--side {other}` if the cohort is one of {other}, or a relation kind with links (`[linkage] relation_kinds`)"
    )]
    NoneLinked {
        /// The cohort definition.
        file: PathBuf,
        /// Its members.
        members: u64,
        /// `child` or `parent`.
        what: &'static str,
        /// The other side's flag value.
        other: &'static str,
        /// The relation kinds of the run.
        kinds: String,
    },
    /// The tables of the scope could not be computed.
    #[error("the linkage tables of cohort {file}")]
    Tables {
        /// The cohort definition.
        file: PathBuf,
        /// Why.
        source: Box<crate::results::curves::CurveError>,
    },
    /// The folder of the tables could not be staged, written or put in place.
    #[error("publishing the linkage tables of cohort {file} as {out}")]
    Publish {
        /// The cohort definition.
        file: PathBuf,
        /// The folder.
        out: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The tables [`write_scoped`] writes (each `<name>.parquet`), besides `scope.json`.
pub const TABLES: [&str; 5] = ["linkage_risk", "linkage_resilience", "linkage_chain", "linkage_km", "linkage_cif"];

/// Which side of the parent–child links a cohort restricts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The cohort's members are the G2 children counted.
    Children,
    /// The cohort's members are parents; their linked children are counted.
    Parents,
}

impl Side {
    /// `children` or `parents`, as the flag and the study file write it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Children => "children",
            Self::Parents => "parents",
        }
    }
}

/// A cohort restriction to apply: the definition, the folder its `sql` is relative to, the side.
#[derive(Debug, Clone)]
pub struct CohortScope {
    /// The cohort definition file (named in errors).
    pub file: PathBuf,
    /// The definition.
    pub def: CohortDef,
    /// The side it restricts.
    pub side: Side,
}

impl CohortScope {
    /// Read a cohort definition file for `side`.
    ///
    /// # Errors
    /// The file cannot be read or is not a valid definition.
    pub fn read(file: &Path, side: Side) -> Result<Self, ScopeError> {
        Ok(Self { file: file.to_owned(), def: CohortDef::read(file)?, side })
    }
}

/// What a cohort restriction kept (not a published figure: the raw tables' companion).
#[derive(Debug, Clone, Serialize)]
pub struct Restriction {
    /// The cohort's name.
    pub cohort: String,
    /// The side it restricts.
    pub side: Side,
    /// Its members (distinct persons).
    pub members: u64,
    /// Per relation kind: G2 children in scope and the members among them (children) or
    /// among their linked parents (parents).
    pub by_kind: BTreeMap<String, KindScope>,
}

/// One relation kind's scope.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct KindScope {
    /// G2 children in scope.
    pub children: u64,
    /// Members of the cohort linked on its side.
    pub members: u64,
}

/// Set the scope views on `conn` (which has `linkage_g2`, `person_summary`, `relations` and, for
/// a cohort, the store and outcome views a cohort needs): everything, or `scope`'s cohort.
///
/// # Errors
/// DuckDB trouble, a cohort that cannot be built, has no members or none linked on its side.
pub fn restrict(conn: &Connection, scope: Option<&CohortScope>) -> Result<Option<Restriction>, ScopeError> {
    match scope {
        Some(scope) => restrict_to(conn, scope).map(Some),
        None => {
            conn.execute_batch(q::SCOPE_ALL).ctx("linkage scope")?;
            Ok(None)
        }
    }
}

/// The tables of the store's current linkage run restricted to `scope` (`conn` as for
/// [`restrict`]), published as the folder `out`: [`TABLES`] and `scope.json` (what the
/// restriction kept) are staged beside it and replace it atomically
/// ([`crate::store::Stage::replace`]); `z` is the normal quantile of the risk ratios' intervals
/// (the run's `[linkage] z_crit`). What `kohort linkage --cohort` and a study with `[linkage]`
/// write. Returns what the restriction kept.
///
/// # Errors
/// As [`restrict`]; the tables or the folder could not be written (nothing is published then).
pub fn write_scoped(conn: &Connection, scope: &CohortScope, out: &Path, z: f64) -> Result<Restriction, ScopeError> {
    let kept = restrict_to(conn, scope)?;
    let publish = |source| ScopeError::Publish { file: scope.file.clone(), out: out.to_owned(), source };
    let stage = crate::store::Stage::beside(out).map_err(publish)?;
    crate::results::linkage::scoped_tables(conn, stage.path(), z, &|name| format!("{name}.parquet"))
        .map_err(|source| ScopeError::Tables { file: scope.file.clone(), source: Box::new(source) })?;
    crate::store::write_json_atomic(&stage.path().join("scope.json"), &kept).map_err(publish)?;
    stage.replace(out).map_err(publish)?;
    Ok(kept)
}

fn restrict_to(conn: &Connection, scope: &CohortScope) -> Result<Restriction, ScopeError> {
    let base = scope.file.parent().unwrap_or(Path::new("."));
    let cohort = crate::cohort::build(conn, &scope.def, base)?;
    let persons: std::collections::BTreeSet<&str> = cohort.members.iter().map(|m| m.0.as_str()).collect();
    if persons.is_empty() {
        return Err(ScopeError::NoMembers { file: scope.file.clone() });
    }
    conn.execute_batch(q::SCOPE_COHORT).ctx("linkage cohort")?;
    {
        let mut app = conn.appender("linkage_cohort").ctx("linkage cohort members")?;
        for p in &persons {
            app.append_row([p]).ctx("linkage cohort members")?;
        }
    }
    let sql = match scope.side {
        Side::Children => q::SCOPE_CHILDREN,
        Side::Parents => q::SCOPE_PARENTS,
    };
    conn.execute_batch(sql).ctx("linkage cohort scope")?;
    let by_kind = linked(conn, scope.side)?;
    let members = persons.len() as u64;
    if by_kind.values().all(|k| k.members == 0) {
        let mut stmt = conn.prepare("SELECT kind FROM linkage_kinds ORDER BY 1").ctx("linkage kinds")?;
        let kinds: Vec<String> =
            stmt.query_map([], |r| r.get(0)).ctx("linkage kinds")?.filter_map(std::result::Result::ok).collect();
        let (what, other) = match scope.side {
            Side::Children => ("child", "parents"),
            Side::Parents => ("parent", "children"),
        };
        return Err(ScopeError::NoneLinked { file: scope.file.clone(), members, what, other, kinds: kinds.join(", ") });
    }
    Ok(Restriction { cohort: scope.def.name.clone(), side: scope.side, members, by_kind })
}

fn linked(conn: &Connection, side: Side) -> Result<BTreeMap<String, KindScope>, ScopeError> {
    let mut stmt = conn.prepare(q::SCOPE_LINKED).ctx("linkage cohort scope")?;
    let rows = stmt
        .query_map([side.as_str()], |r| {
            let n = |i: usize| r.get::<_, i64>(i).map(i64::unsigned_abs);
            Ok((r.get::<_, String>(0)?, KindScope { children: n(1)?, members: n(2)? }))
        })
        .ctx("linkage cohort scope")?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (kind, scope) = row.ctx("linkage cohort scope")?;
        out.insert(kind, scope);
    }
    Ok(out)
}
