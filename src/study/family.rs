//! The family index of a study (docs/definitions.md §4.8.5): the event that makes a household a
//! family of the family outcomes — a safety report, a protection measure episode's start or a
//! spell's start — as the study file says (`family_index`), else as its cohorts' entry kind.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::StudyError;
use super::catalogue::{Entry, entry_of};
use crate::cohort::CohortDef;

/// The event that makes a household a family of the study (docs/definitions.md §4.8.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FamilyIndex {
    /// A safety report about a child.
    Report,
    /// The start of a measure (any kind) of a child.
    MeasureStart,
    /// The start of a care spell of a child.
    SpellStart,
}

impl FamilyIndex {
    /// Its name in the study file and in `study_settings`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Report => "report",
            Self::MeasureStart => "measure_start",
            Self::SpellStart => "spell_start",
        }
    }

    /// The cohort entry kind whose index dates are its family indexes.
    pub fn entry(self) -> Entry {
        match self {
            Self::Report => Entry::Report,
            Self::MeasureStart => Entry::MeasureStart,
            Self::SpellStart => Entry::SpellStart,
        }
    }

    pub(super) fn of(entry: Entry) -> Option<Self> {
        match entry {
            Entry::Report => Some(Self::Report),
            Entry::MeasureStart => Some(Self::MeasureStart),
            Entry::SpellStart => Some(Self::SpellStart),
            Entry::MonitorOnly => None,
        }
    }
}

/// The family index of a study (docs/definitions.md §4.8.5): as the file says (`declared`),
/// else the entry kind of the cohorts the family outcomes apply to (they must agree), else a
/// report. `cohorts` is `None` for a monitor study; `family_named` says whether the study names a
/// family outcome.
pub(super) fn family_index(
    declared: Option<FamilyIndex>,
    family_named: bool,
    cohorts: Option<&[(PathBuf, CohortDef)]>,
    file: &Path,
) -> Result<FamilyIndex, StudyError> {
    if let Some(f) = declared {
        return Ok(f);
    }
    let Some(cohorts) = cohorts else { return Ok(FamilyIndex::Report) };
    if !family_named {
        return Ok(FamilyIndex::Report);
    }
    let mut kinds: Vec<(FamilyIndex, &str)> = cohorts
        .iter()
        .filter_map(|(_, c)| entry_of(c).and_then(FamilyIndex::of).map(|f| (f, c.name.as_str())))
        .collect();
    kinds.dedup_by_key(|(f, _)| *f);
    match kinds.as_slice() {
        [] => Ok(FamilyIndex::Report),
        [(f, _)] => Ok(*f),
        [(a, an), (b, bn), ..] => Err(bad(
            file,
            &format!(
                "the family outcomes take one kind of family index per study, and cohort {an} starts at a {} while \
                 cohort {bn} starts at a {}: put them in two studies, or set family_index",
                a.name().replace('_', " "),
                b.name().replace('_', " ")
            ),
        )),
    }
}

fn bad(file: &Path, message: &str) -> StudyError {
    StudyError::Definition { path: file.to_owned(), message: message.to_owned() }
}
