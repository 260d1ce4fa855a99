//! The panel file (`panels/*.toml`): which cohort, which periods, which variables from the fixed
//! catalogue, and the disclosure-control parameters. Parsed strictly (unknown keys are errors)
//! and checked into a [`PanelPlan`] before any work starts.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{PanelError, Result};
use crate::cohort::{CohortDef, Entry};

/// Period length of the panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Calendar years (person-year panel).
    #[default]
    Year,
    /// Calendar quarters (person-quarter panel).
    Quarter,
}

impl Period {
    /// The name used in files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Year => "year",
            Self::Quarter => "quarter",
        }
    }

    /// Months per period.
    pub fn months(self) -> i32 {
        match self {
            Self::Year => 12,
            Self::Quarter => 3,
        }
    }
}

/// Precision of published dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatePrecision {
    /// `YYYY-MM`.
    Month,
    /// `YYYYQn`.
    #[default]
    Quarter,
    /// `YYYY`.
    Year,
}

impl DatePrecision {
    /// The name used in SQL and the codebook.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Quarter => "quarter",
            Self::Year => "year",
        }
    }
}

/// A quasi-identifier (person level, docs/definitions.md §6.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qi {
    /// Sex.
    Sex,
    /// Year of birth (generalised to a 5-year band).
    BirthYear,
    /// Municipality of residence on the index date (generalised to youth region, then NL).
    Municipality,
}

/// The variable catalogue (codebook: [`super::docs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variable {
    /// Sex (QI).
    Sex,
    /// Year of birth, or its 5-year band (QI).
    BirthYear,
    /// Age on 31 December of the period's year (derived from the published birth year).
    Age,
    /// docs/definitions.md §5.3 age band of `age`.
    AgeBand,
    /// Municipality of residence on the index date (QI), as published.
    Municipality,
    /// Youth region of that municipality.
    YouthRegion,
    /// Highest care-ladder level active on any day of the period (0 = none).
    CareLevel,
    /// Measure kind active on any day of the period (priority rule), or `none`.
    Measure,
    /// A care episode started in the period (0/1).
    CareStart,
    /// Number of safety reports dated in the period.
    SafetyReport,
    /// Index date, coarsened.
    IndexDate,
    /// Exit date, coarsened.
    ExitDate,
    /// Why follow-up ends.
    ExitReason,
}

impl Variable {
    /// The column name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sex => "sex",
            Self::BirthYear => "birth_year",
            Self::Age => "age",
            Self::AgeBand => "age_band",
            Self::Municipality => "municipality",
            Self::YouthRegion => "youth_region",
            Self::CareLevel => "care_level",
            Self::Measure => "measure",
            Self::CareStart => "care_start",
            Self::SafetyReport => "safety_report",
            Self::IndexDate => "index_date",
            Self::ExitDate => "exit_date",
            Self::ExitReason => "exit_reason",
        }
    }

    /// The quasi-identifier this variable shows or is derived from, if any.
    pub fn qi(self) -> Option<Qi> {
        match self {
            Self::Sex => Some(Qi::Sex),
            Self::BirthYear | Self::Age | Self::AgeBand => Some(Qi::BirthYear),
            Self::Municipality | Self::YouthRegion => Some(Qi::Municipality),
            _ => None,
        }
    }
}

/// The cohort of a panel: a cohort file, or the same fields inline.
#[derive(Debug, Clone, PartialEq)]
pub enum CohortSource {
    /// A cohort file (relative to the panel file).
    File(PathBuf),
    /// An inline `[cohort]` table.
    Inline(Box<CohortDef>),
}

/// The panel file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PanelFile {
    /// `"../cohorts/x.toml"` or an inline `[cohort]` table.
    cohort: toml::Value,
    /// `year` (default) or `quarter`.
    #[serde(default)]
    period: Period,
    /// First day of the panel (inclusive); default: no bound.
    #[serde(default, deserialize_with = "crate::cohort::opt_date")]
    from: Option<NaiveDate>,
    /// Last day of the panel (inclusive); default: no bound.
    #[serde(default, deserialize_with = "crate::cohort::opt_date")]
    to: Option<NaiveDate>,
    /// Variables from the catalogue, in output order.
    variables: Vec<Variable>,
    /// Precision of `index_date` and `exit_date` (default quarter).
    #[serde(default)]
    date_precision: DatePrecision,
    /// Quasi-identifiers of the k-anonymity check (default sex, birth_year, municipality).
    #[serde(default = "default_qis")]
    quasi_identifiers: Vec<Qi>,
    /// Minimum class size (default 10).
    #[serde(default = "default_k")]
    k: u32,
    /// Classes also need k distinct household clusters (default true).
    #[serde(default = "yes")]
    household_clusters: bool,
}

fn default_qis() -> Vec<Qi> {
    vec![Qi::Sex, Qi::BirthYear, Qi::Municipality]
}

fn default_k() -> u32 {
    10
}

fn yes() -> bool {
    true
}

/// A checked panel definition.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelPlan {
    /// The panel file (named in errors and the report).
    pub file: PathBuf,
    /// The cohort definition.
    pub cohort: CohortDef,
    /// The folder the cohort's `sql` path is relative to.
    pub cohort_base: PathBuf,
    /// Where the cohort came from (for the report).
    pub cohort_source: CohortSource,
    /// Period length.
    pub period: Period,
    /// Lower bound of the panel (inclusive).
    pub from: Option<NaiveDate>,
    /// Upper bound of the panel (inclusive).
    pub to: Option<NaiveDate>,
    /// Variables in output order (no duplicates).
    pub variables: Vec<Variable>,
    /// Precision of date variables.
    pub date_precision: DatePrecision,
    /// Quasi-identifiers, sorted, no duplicates.
    pub quasi_identifiers: Vec<Qi>,
    /// Minimum class size.
    pub k: u32,
    /// Count household clusters too.
    pub household_clusters: bool,
}

impl PanelPlan {
    /// Read and check a panel file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = fs_err::read_to_string(path)?;
        Self::parse(&text, path)
    }

    /// Parse and check panel text; `path` names the file in errors and anchors relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let bad = |m: String| PanelError::Definition { path: path.to_owned(), message: m };
        let raw: PanelFile = toml::from_str(text)
            .map_err(|source| PanelError::Toml { path: path.to_owned(), source: Box::new(source) })?;
        let base = path.parent().unwrap_or_else(|| Path::new(".")).to_owned();
        let (cohort, cohort_base, cohort_source) = match raw.cohort {
            toml::Value::String(rel) => {
                let file = base.join(&rel);
                let def = CohortDef::read(&file)?;
                let dir = file.parent().unwrap_or(&base).to_owned();
                (def, dir, CohortSource::File(PathBuf::from(rel)))
            }
            toml::Value::Table(t) => {
                let def: CohortDef = toml::Value::Table(t)
                    .try_into()
                    .map_err(|e: toml::de::Error| bad(format!("field `cohort`: {}", e.message())))?;
                let def = def.check(path)?;
                (def.clone(), base.clone(), CohortSource::Inline(Box::new(def)))
            }
            _ => return Err(bad("field `cohort`: give a cohort file path or a [cohort] table".into())),
        };
        let mut variables = Vec::new();
        for v in raw.variables {
            if variables.contains(&v) {
                return Err(bad(format!("field `variables`: `{}` is listed twice", v.name())));
            }
            variables.push(v);
        }
        if variables.is_empty() {
            return Err(bad("field `variables`: choose at least one variable from the catalogue".into()));
        }
        let mut qis = raw.quasi_identifiers;
        qis.sort_unstable();
        qis.dedup();
        if raw.k < 2 {
            return Err(bad(format!("field `k`: {} is too small; k-anonymity needs k >= 2 (default 10)", raw.k)));
        }
        if let (Some(f), Some(t)) = (raw.from, raw.to)
            && t < f
        {
            return Err(bad(format!("fields `from`/`to`: to ({t}) is before from ({f})")));
        }
        for v in &variables {
            if let Some(q) = v.qi()
                && !qis.contains(&q)
            {
                return Err(bad(format!(
                    "field `quasi_identifiers`: variable `{}` shows or derives from the quasi-identifier `{}`; \
                     keep it in quasi_identifiers so it is protected",
                    v.name(),
                    qi_name(q)
                )));
            }
        }
        if cohort.entry == Some(Entry::Birth)
            && variables.contains(&Variable::IndexDate)
            && raw.date_precision != DatePrecision::Year
        {
            return Err(bad(format!(
                "field `date_precision`: the cohort's index date is the birth date, so `index_date` at {} \
                 precision would publish birth dates; use date_precision = \"year\" or drop index_date",
                raw.date_precision.as_str()
            )));
        }
        Ok(Self {
            file: path.to_owned(),
            cohort,
            cohort_base,
            cohort_source,
            period: raw.period,
            from: raw.from,
            to: raw.to,
            variables,
            date_precision: raw.date_precision,
            quasi_identifiers: qis,
            k: raw.k,
            household_clusters: raw.household_clusters,
        })
    }

    /// Years the index date is at least after the birth date: the cohort's `age_min` (0 without
    /// one, and for entry `birth`, whose index is the birth date).
    pub fn index_after(&self) -> u32 {
        if self.cohort.entry == Some(Entry::Birth) { 0 } else { self.cohort.age_min.unwrap_or(0) }
    }

    /// Years the index date is at most after the birth date: `age_max + 1` (age at the index in
    /// completed years), capped at the exit age (the index is on or before the exit, which is
    /// on or before the birthday at the exit age); 0 for entry `birth`.
    pub fn index_within(&self) -> u32 {
        let exit = self.cohort.exit_age;
        if self.cohort.entry == Some(Entry::Birth) {
            0
        } else {
            self.cohort.age_max.map_or(exit, |m| (m + 1).min(exit))
        }
    }

    /// Whether `q` is a quasi-identifier of this panel.
    pub fn has_qi(&self, q: Qi) -> bool {
        self.quasi_identifiers.contains(&q)
    }
}

/// The name of a quasi-identifier.
pub fn qi_name(q: Qi) -> &'static str {
    match q {
        Qi::Sex => "sex",
        Qi::BirthYear => "birth_year",
        Qi::Municipality => "municipality",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<PanelPlan> {
        PanelPlan::parse(text, Path::new("/nowhere/p.toml"))
    }

    const INLINE: &str = "[cohort]\nname = \"c\"\nentry = \"any_spell\"\n";

    #[test]
    fn defaults_are_the_documented_ones() {
        let p = parse(&format!("variables = [\"sex\", \"care_level\"]\n{INLINE}")).unwrap();
        assert_eq!(p.period, Period::Year);
        assert_eq!(p.date_precision, DatePrecision::Quarter);
        assert_eq!(p.quasi_identifiers, vec![Qi::Sex, Qi::BirthYear, Qi::Municipality]);
        assert_eq!((p.k, p.household_clusters), (10, true));
        assert_eq!(p.variables, vec![Variable::Sex, Variable::CareLevel]);
    }

    #[test]
    fn errors_name_the_file_and_field() {
        let e = parse(&format!("variables = [\"sex\", \"shoe_size\"]\n{INLINE}"))
            .map_err(|e| crate::printer::one_line(&e))
            .unwrap_err();
        assert!(e.contains("p.toml") && e.contains("shoe_size") && e.contains("variables"), "{e}");
        let e = parse(&format!("variables = [\"sex\"]\nk = 1\n{INLINE}"))
            .map_err(|e| crate::printer::one_line(&e))
            .unwrap_err();
        assert!(e.contains("p.toml") && e.contains("`k`"), "{e}");
        let e = parse(&format!("variables = [\"sex\"]\ncolour = 1\n{INLINE}"))
            .map_err(|e| crate::printer::one_line(&e))
            .unwrap_err();
        assert!(e.contains("p.toml") && e.contains("colour"), "{e}");
        let e = parse(&format!("variables = [\"age\"]\nquasi_identifiers = [\"sex\"]\n{INLINE}"))
            .map_err(|e| crate::printer::one_line(&e))
            .unwrap_err();
        assert!(e.contains("quasi_identifiers") && e.contains("birth_year"), "{e}");
        let e = parse("variables = [\"sex\"]\n[cohort]\nname = \"c\"\nentry = \"bogus\"\n")
            .map_err(|e| crate::printer::one_line(&e))
            .unwrap_err();
        assert!(e.contains("p.toml") && e.contains("cohort") && e.contains("bogus"), "{e}");
        let e = parse("variables = [\"index_date\"]\n[cohort]\nname = \"c\"\nentry = \"birth\"\n")
            .map_err(|e| crate::printer::one_line(&e))
            .unwrap_err();
        assert!(e.contains("date_precision") && e.contains("birth"), "{e}");
    }
}
