//! Linkage studies (issue 16, docs/definitions.md §4.13.7): a study file with a `[linkage]`
//! section and exactly one cohort is the intergenerational risk and resilience tables of the
//! store's current linkage run restricted to that cohort, on the side the section names — what
//! `kohort linkage --cohort FILE --side SIDE --out DIR` writes, through the same code
//! ([`crate::results::linkage_scope::write_scoped`]), into `OUT/<name>/linkage/`.
//!
//! A linkage study writes only the linkage tables: the study-table keys (`outcomes`, `splits`,
//! region levels, periods, groups, `[comparison]`) do not apply and are refused, so a cohort of
//! parents defined by birth needs no outcome that has indexes on a birth date. Its export is the
//! linkage export (`kohort export linkage --study FILE`, and `kohort run` for a planned study):
//! the whole store's families are the clusters (docs/definitions.md §6.13).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{StudyDef, StudyError};
use crate::cohort::CohortDef;
use crate::db::DbSettings;
use crate::results::linkage_scope::{CohortScope, Restriction, Side, write_scoped};

/// The `[linkage]` section of a study file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkageDef {
    /// The side of the parent–child links the study's cohort restricts: `children` (its members
    /// are the G2 children counted) or `parents` (their linked children are counted; resilience
    /// counts only the members).
    pub side: Side,
}

/// A checked linkage study.
#[derive(Debug, Clone)]
pub struct LinkagePlan {
    /// The study's name (its output folder).
    pub name: String,
    /// Its cohort and side.
    pub scope: CohortScope,
}

/// The folder of a linkage study's tables under the study's output folder.
pub const DIR: &str = "linkage";

impl LinkagePlan {
    /// Read a study file that must have a `[linkage]` section (`kohort export linkage --study`).
    ///
    /// # Errors
    /// The file cannot be read, is not a valid study, or has no `[linkage]` section.
    pub fn read(file: &Path) -> Result<Self, StudyError> {
        match super::Study::read(file)? {
            super::Study::Linkage(plan) => Ok(*plan),
            super::Study::Tables(..) => Err(bad(
                file,
                "has no [linkage] section: its tables are exported with `kohort export tables --input OUT/<name>`",
            )),
        }
    }

    /// Check a parsed study file with a `[linkage]` section against its cohorts (read from the
    /// files `def.cohorts` names); `file` names the study in errors.
    ///
    /// # Errors
    /// Not exactly one cohort, or a study-table key given.
    pub fn check(def: &StudyDef, cohorts: Vec<(PathBuf, CohortDef)>, file: &Path) -> Result<Self, StudyError> {
        let Some(linkage) = &def.linkage else {
            return Err(bad(file, "has no [linkage] section"));
        };
        let table_keys = [
            ("outcomes", def.outcomes.is_some()),
            ("splits", def.splits.is_some()),
            ("region_levels", def.region_levels.is_some()),
            ("curve_levels", def.curve_levels.is_some()),
            ("periods", def.periods.is_some()),
            ("from", def.from.is_some()),
            ("to", def.to.is_some()),
            ("region_date", def.region_date.is_some()),
            ("reference_date", def.reference_date.is_some()),
            ("standard_year", def.standard_year.is_some()),
            ("[groups]", def.groups.is_some()),
            ("[comparison]", def.comparison.is_some()),
            ("family_index", def.family_index.is_some()),
        ];
        let given: Vec<&str> = table_keys.iter().filter(|(_, set)| *set).map(|(k, _)| *k).collect();
        if !given.is_empty() {
            return Err(bad(
                file,
                &format!(
                    "[linkage]: a linkage study writes only the linkage tables; {} do not apply (put the study tables in a study file of their own)",
                    given.join(", ")
                ),
            ));
        }
        let [(path, cohort)]: [(PathBuf, CohortDef); 1] = cohorts.try_into().map_err(|c: Vec<_>| {
            bad(
                file,
                &format!(
                    "[linkage] restricts the linkage tables to one cohort: give exactly one in `cohorts` (it gives {})",
                    c.len()
                ),
            )
        })?;
        Ok(Self { name: def.name.clone(), scope: CohortScope { file: path, def: cohort, side: linkage.side } })
    }
}

fn bad(file: &Path, message: &str) -> StudyError {
    StudyError::Definition { path: file.to_owned(), message: message.to_owned() }
}

/// What a linkage study wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// The folder of its tables (`out/<name>/linkage/`).
    pub dir: PathBuf,
    /// What the cohort restriction kept.
    pub kept: Restriction,
}

/// Write the tables of a linkage study into `out/<name>/linkage/` (replaced atomically) from
/// the store's current linkage run, with the run's own `z_crit`: the bytes `kohort linkage
/// --cohort --side --out` writes for the same cohort and side.
///
/// # Errors
/// No linkage run; the cohort cannot be built, has no members or none linked on its side;
/// DuckDB or writing failed.
pub fn write(
    store: &crate::store::Store,
    plan: &LinkagePlan,
    out: &Path,
    db: &DbSettings,
) -> Result<Written, StudyError> {
    let run = crate::results::current_in(store, crate::results::Area::Linkage)?
        .ok_or_else(|| StudyError::NoLinkageRun(store.root().to_owned()))?;
    let conn = crate::query::open_store(store, db)?;
    let dir = out.join(&plan.name).join(DIR);
    let kept = write_scoped(&conn, &plan.scope, &dir, run.config.linkage.z_crit)?;
    Ok(Written { dir, kept })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, n: usize) -> Result<LinkagePlan, StudyError> {
        let def: StudyDef = toml::from_str(text).map_err(|e| bad(Path::new("s.toml"), &e.to_string()))?;
        let cohort: CohortDef = toml::from_str("name = \"p\"\nentry = \"birth\"\n").unwrap();
        let cohorts = (0..n).map(|i| (PathBuf::from(format!("c{i}.toml")), cohort.clone())).collect();
        LinkagePlan::check(&def, cohorts, Path::new("s.toml"))
    }

    #[test]
    fn a_linkage_section_takes_one_cohort_a_side_and_no_study_table_key() {
        let p = check("name = \"r\"\n[linkage]\nside = \"parents\"\n", 1).unwrap();
        assert_eq!((p.name.as_str(), p.scope.side, p.scope.file.as_path()), ("r", Side::Parents, Path::new("c0.toml")));
        for (text, n, want) in [
            ("[linkage]\nside = \"children\"", 0, "(it gives 0)"),
            ("[linkage]\nside = \"children\"", 2, "(it gives 2)"),
            (
                "splits = [\"sex\"]\nperiods = \"year\"\n[linkage]\nside = \"children\"",
                1,
                "splits, periods do not apply",
            ),
            ("[linkage]\nside = \"children\"\nage = 18", 1, "unknown field `age`"),
        ] {
            let err = check(&format!("name = \"r\"\n{text}\n"), n).unwrap_err().to_string();
            assert!(err.starts_with("study s.toml: ") && err.contains(want), "{text}: {err}");
        }
    }
}
