//! Study files (`studies/*.toml`, documented in data-schema/study_tables.md) and the checked,
//! typed plan made from them (docs/definitions.md §5.10): which outcomes, splits, region levels
//! and periods, where a figure counts, the reference date of stock figures, the standard
//! population of age-standardised rates and the groups of comparable municipalities.
//!
//! Every key has a default, so a file with only `name` and `cohorts` (the first study files)
//! still works: the defaults are the tables those files always gave.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::StudyError;
use super::catalogue::{Dim, Entry, Kind, Outcome, entry_of};
pub use super::family::FamilyIndex;
use super::family::family_index;

/// A study file, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyDef {
    /// Name (the output folder).
    pub name: String,
    /// Cohort definitions, relative to the study file. None: a monitor study over every index of
    /// each outcome (cohort `all`).
    #[serde(default)]
    pub cohorts: Vec<PathBuf>,
    /// Outcome ids of the catalogue (docs/definitions.md §5.10). Default: the outcomes a cohort
    /// of the cohorts' entry kind has indexes for; every outcome in a monitor study.
    #[serde(default)]
    pub outcomes: Option<Vec<Outcome>>,
    /// Splits: a dimension name, or a list of names for a cross-split. Default: total, sex,
    /// age_band, index_year, level, care_form.
    #[serde(default)]
    pub splits: Option<Vec<SplitSpec>>,
    /// Region levels. Default: national, youth_region, municipality.
    #[serde(default)]
    pub region_levels: Option<Vec<RegionLevel>>,
    /// Region levels of the survival curves (a subset of `region_levels`). Default: the region
    /// levels without districts and groups (curves of small areas are long and mostly
    /// suppressed).
    #[serde(default)]
    pub curve_levels: Option<Vec<RegionLevel>>,
    /// Reporting periods: `year`, `quarter` or `all`. Default: `all` in cohort studies, `year`
    /// in monitor studies.
    #[serde(default)]
    pub periods: Option<PeriodKind>,
    /// First period (a year, or `"2023Q1"`); figures dated earlier are left out.
    #[serde(default)]
    pub from: Option<PeriodPoint>,
    /// Last period (a year, or `"2026Q2"`); figures dated later are left out.
    #[serde(default)]
    pub to: Option<PeriodPoint>,
    /// Which date places a figure in a region and period: `cohort` (the member's index date,
    /// default in cohort studies) or `outcome` (the outcome's own index date; monitor studies).
    #[serde(default)]
    pub region_date: Option<RegionDate>,
    /// Reference day of stock figures (`care_stock`): `period_end` (default), `period_start`, or
    /// `"MM-DD"` (year periods).
    #[serde(default)]
    pub reference_date: Option<String>,
    /// Year whose national age structure (residents 0–17 by age) standardises rates. Default:
    /// the year of the last rate period (the study's periods with population rows that are over
    /// at the data end).
    #[serde(default)]
    pub standard_year: Option<i32>,
    /// Groups of comparable municipalities.
    #[serde(default)]
    pub groups: Option<GroupsDef>,
    /// A comparison of the cohorts as activities (issue 16, docs/definitions.md §5.14).
    #[serde(default)]
    pub comparison: Option<ComparisonDef>,
    /// Where the family outcomes' index lies (docs/definitions.md §4.8.5): a safety report
    /// (default), a measure start or a spell start. Default in a cohort study: the entry kind of
    /// its cohorts.
    #[serde(default)]
    pub family_index: Option<FamilyIndex>,
    /// A linkage study (issue 16, docs/definitions.md §4.13.7): the linkage tables restricted
    /// to the study's one cohort, instead of study tables ([`super::linkage`]).
    #[serde(default)]
    pub linkage: Option<super::linkage::LinkageDef>,
}

/// A study file, read and checked: study tables, or linkage tables (`[linkage]`).
#[derive(Debug, Clone)]
pub enum Study {
    /// Study tables: the checked plan and the file's text (the cache key hashes it).
    Tables(Box<Plan>, String),
    /// The linkage tables restricted to the study's cohort.
    Linkage(Box<super::linkage::LinkagePlan>),
}

impl Study {
    /// Read and check a study file; cohort paths are relative to it.
    ///
    /// # Errors
    /// The file or a cohort cannot be read, or the file is not a valid study.
    pub fn read(file: &Path) -> Result<Self, StudyError> {
        let text = fs_err::read_to_string(file)?;
        let def: StudyDef = toml::from_str(&text).map_err(|e| bad(file, &e.to_string()))?;
        let base = file.parent().unwrap_or_else(|| Path::new("."));
        let mut cohorts = Vec::new();
        for rel in &def.cohorts {
            let path = base.join(rel);
            let cdef = crate::cohort::CohortDef::read(&path)?;
            cohorts.push((path, cdef));
        }
        if def.linkage.is_some() {
            return super::linkage::LinkagePlan::check(&def, cohorts, file).map(|p| Self::Linkage(Box::new(p)));
        }
        let scope = if cohorts.is_empty() { Scope::Monitor } else { Scope::Cohorts(cohorts) };
        Ok(Self::Tables(Box::new(Plan::check(def, scope, file)?), text))
    }
}

/// The `[comparison]` section of a study file: the cohorts are activities, put side by side.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonDef {
    /// The cohort every other is compared with (e.g. usual care).
    pub reference: String,
    /// The outcomes compared (proportions of the catalogue). Default: the three outcome
    /// indicators and re-entry (`goal_attainment`, `satisfaction`, `dropout`, `regular_ending`,
    /// `reentry`).
    #[serde(default)]
    pub outcomes: Option<Vec<Outcome>>,
    /// Also each activity's own population in the period before it (default true).
    #[serde(default = "yes")]
    pub before: bool,
}

fn yes() -> bool {
    true
}

/// The outcomes of a comparison without `outcomes`.
pub const COMPARISON_OUTCOMES: [Outcome; 5] =
    [Outcome::Reentry, Outcome::RegularEnding, Outcome::Dropout, Outcome::GoalAttainment, Outcome::Satisfaction];

/// The suffix of the cohort name of an activity's population before it started.
pub const BEFORE_SUFFIX: &str = "_before";

/// A checked comparison (docs/definitions.md §5.14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// The reference cohort.
    pub reference: String,
    /// The outcomes compared.
    pub outcomes: Vec<Outcome>,
    /// The activities in file order (the reference among them), each with the name of its
    /// cohort before it started, when it has one.
    pub activities: Vec<(String, Option<String>)>,
}

/// A split as written: one dimension, or several for a cross-split.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SplitSpec {
    /// One dimension.
    One(Dim),
    /// A cross-split.
    Cross(Vec<Dim>),
}

/// A region level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// The whole cohort: `NL` when the cohort is national, else level `cohort`, region `total`.
    National,
    /// Youth region (*jeugdregio*) of the municipality in the index year.
    YouthRegion,
    /// Municipality of residence.
    Municipality,
    /// District (*wijk*, `WK` code) of residence.
    District,
    /// Group of comparable municipalities (by youth population size class, or as the study says).
    MunicipalityGroup,
}

impl RegionLevel {
    /// Name in the `region_level` column.
    pub fn name(self) -> &'static str {
        match self {
            Self::National => "national",
            Self::YouthRegion => "youth_region",
            Self::Municipality => "municipality",
            Self::District => "district",
            Self::MunicipalityGroup => "municipality_group",
        }
    }
}

/// Reporting periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// Calendar years (`2021`).
    Year,
    /// Calendar quarters (`2021Q3`).
    Quarter,
    /// One period `all`.
    All,
}

/// A period bound as written: a year (`2015`) or a quarter (`"2023Q1"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PeriodPoint {
    /// A year.
    Year(i32),
    /// A year or quarter as text.
    Text(String),
}

/// Where a figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionDate {
    /// The cohort member's index date.
    Cohort,
    /// The outcome's own index date.
    Outcome,
}

/// Groups of comparable municipalities (docs/definitions.md §5.12).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupsDef {
    /// Upper bounds (exclusive) of the size classes, in residents aged 0–17 on 1 January.
    #[serde(default)]
    pub size_classes: Option<Vec<u64>>,
    /// Municipalities put in a named group instead of their size class (`GM0014 = "G4"`).
    #[serde(default)]
    pub members: BTreeMap<String, String>,
}

/// A split: its dimensions (one, or several for a cross-split).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split(pub Vec<Dim>);

impl Split {
    /// Name in the `split` column: the dimension, or the dimensions joined by `*`.
    pub fn name(&self) -> String {
        self.0.iter().map(|d| d.name()).collect::<Vec<_>>().join("*")
    }

    /// Name of its table (`by_sex`, `by_sex_and_age_band`).
    pub fn table(&self) -> String {
        format!("by_{}", self.0.iter().map(|d| d.name()).collect::<Vec<_>>().join("_and_"))
    }

    /// Whether it is the total.
    pub fn is_total(&self) -> bool {
        self.0 == [Dim::Total]
    }
}

/// The reference day of stock figures within a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// The period's last day.
    PeriodEnd,
    /// The period's first day.
    PeriodStart,
    /// A fixed month and day of the year (year periods).
    MonthDay(u32, u32),
}

/// Periods and their range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periods {
    /// Year, quarter or all.
    pub kind: PeriodKind,
    /// First (year, quarter 1–4), inclusive.
    pub from: Option<(i32, u32)>,
    /// Last (year, quarter 1–4), inclusive.
    pub to: Option<(i32, u32)>,
}

/// The cohorts of a study, or none (a monitor study).
#[derive(Debug, Clone)]
pub enum Scope {
    /// Every index of each outcome, one cohort named `all`, national.
    Monitor,
    /// Cohort members: (file, definition), in file order.
    Cohorts(Vec<(PathBuf, crate::cohort::CohortDef)>),
}

/// The checked plan of a study.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Name.
    pub name: String,
    /// Cohorts or monitor.
    pub scope: Scope,
    /// Outcomes, in catalogue order.
    pub outcomes: Vec<Outcome>,
    /// Per cohort name, the outcomes it has indexes for (cohort study) or every outcome (monitor).
    pub applies: Vec<(String, Outcome)>,
    /// Splits, total first.
    pub splits: Vec<Split>,
    /// Region levels, in level order.
    pub levels: Vec<RegionLevel>,
    /// Region levels of the survival curves.
    pub curve_levels: Vec<RegionLevel>,
    /// Periods.
    pub periods: Periods,
    /// Where figures count.
    pub region_date: RegionDate,
    /// Reference day of stock figures.
    pub reference: Reference,
    /// Standard year of age-standardised rates (`None`: the year of the last rate period).
    pub standard_year: Option<i32>,
    /// Upper bounds of the size classes.
    pub size_classes: Vec<u64>,
    /// Municipalities in named groups.
    pub group_members: BTreeMap<String, String>,
    /// The comparison of activities, if the file asks for one.
    pub comparison: Option<Comparison>,
    /// Where the family outcomes' index lies.
    pub family_index: FamilyIndex,
}

/// The default size classes: residents aged 0–17 (docs/definitions.md §5.12).
pub const SIZE_CLASSES: [u64; 4] = [2_500, 5_000, 10_000, 25_000];

/// The splits of a study file without `splits`.
const DEFAULT_SPLITS: [Dim; 6] = [Dim::Total, Dim::Sex, Dim::AgeBand, Dim::IndexYear, Dim::Level, Dim::CareForm];

impl Plan {
    /// Read and check a study file of study tables; cohort paths are relative to it.
    pub fn read(file: &Path) -> Result<(Self, String), StudyError> {
        match Study::read(file)? {
            Study::Tables(plan, text) => Ok((*plan, text)),
            Study::Linkage(_) => Err(bad(
                file,
                "a linkage study ([linkage]) has no study tables: `kohort study` and `kohort run` write its linkage tables",
            )),
        }
    }

    /// Check a parsed file against its cohorts; `file` names it in errors.
    pub fn check(mut def: StudyDef, scope: Scope, file: &Path) -> Result<Self, StudyError> {
        let (scope, comparison) = comparison(&mut def, scope, file)?;
        let monitor = matches!(scope, Scope::Monitor);
        let kind = def.periods.unwrap_or(if monitor { PeriodKind::Year } else { PeriodKind::All });
        let periods = Periods {
            kind,
            from: def.from.as_ref().map(|p| point(p, kind, true, file)).transpose()?,
            to: def.to.as_ref().map(|p| point(p, kind, false, file)).transpose()?,
        };
        if let (Some(a), Some(b)) = (periods.from, periods.to)
            && a > b
        {
            return Err(bad(file, "`from` is after `to`"));
        }
        let region_date = def.region_date.unwrap_or(if monitor { RegionDate::Outcome } else { RegionDate::Cohort });
        if monitor && region_date == RegionDate::Cohort {
            return Err(bad(
                file,
                "region_date = \"cohort\" needs cohorts; a monitor study places figures by the outcome's own date",
            ));
        }
        let family_named = def.outcomes.as_ref().is_some_and(|o| o.iter().any(|o| o.is_family()));
        let cohorts = match &scope {
            Scope::Cohorts(c) => Some(c.as_slice()),
            Scope::Monitor => None,
        };
        let family_index = family_index(def.family_index, family_named, cohorts, file)?;
        let (outcomes, applies) = outcomes(&def, &scope, kind, family_index, file)?;
        let mut splits = splits(def.splits.as_deref(), file)?;
        let strata = Split(vec![Dim::Sex, Dim::AgeBand]);
        if comparison.is_some() && !splits.contains(&strata) {
            // The standardised comparison is a sum over these cells (and the export's over the
            // published ones).
            splits.push(strata);
        }
        let mut levels = def
            .region_levels
            .clone()
            .unwrap_or_else(|| vec![RegionLevel::National, RegionLevel::YouthRegion, RegionLevel::Municipality]);
        levels.sort_unstable();
        levels.dedup();
        if levels.is_empty() {
            return Err(bad(file, "region_levels is empty"));
        }
        let mut curve_levels = def.curve_levels.clone().unwrap_or_else(|| {
            levels
                .iter()
                .copied()
                .filter(|l| !matches!(l, RegionLevel::District | RegionLevel::MunicipalityGroup))
                .collect()
        });
        curve_levels.sort_unstable();
        curve_levels.dedup();
        if let Some(l) = curve_levels.iter().find(|l| !levels.contains(l)) {
            return Err(bad(file, &format!("curve_levels: {} is not among the region_levels", l.name())));
        }
        let reference = reference(def.reference_date.as_deref(), kind, file)?;
        let groups = def.groups.clone();
        let size_classes =
            groups.as_ref().and_then(|g| g.size_classes.clone()).unwrap_or_else(|| SIZE_CLASSES.to_vec());
        if size_classes.windows(2).any(|w| w[0] >= w[1]) {
            return Err(bad(file, "groups.size_classes must increase"));
        }
        let group_members = groups.map(|g| g.members).unwrap_or_default();
        for m in group_members.keys() {
            if !is_municipality(m) {
                return Err(bad(file, &format!("groups.members: '{m}' is not a municipality code (GM and 4 digits)")));
            }
        }
        Ok(Self {
            name: def.name,
            scope,
            outcomes,
            applies,
            splits,
            levels,
            curve_levels,
            periods,
            region_date,
            reference,
            standard_year: def.standard_year,
            size_classes,
            group_members,
            comparison,
            family_index,
        })
    }

    /// Whether this is a monitor study (no cohorts).
    pub fn is_monitor(&self) -> bool {
        matches!(self.scope, Scope::Monitor)
    }

    /// The cohorts (empty for a monitor study).
    pub fn cohorts(&self) -> &[(PathBuf, crate::cohort::CohortDef)] {
        match &self.scope {
            Scope::Monitor => &[],
            Scope::Cohorts(c) => c,
        }
    }

    /// Whether any outcome is a population rate.
    pub fn has_rates(&self) -> bool {
        self.outcomes.iter().any(|o| o.spec().kind == Kind::Rate)
    }
}

/// Check the `[comparison]` section: a cohort study, periods `all`, the reference one of the
/// cohorts, proportion outcomes (the study's outcomes, when the file gives none); adds the
/// cohort of each activity's population before it (the same definition, the period of the
/// same length just before `entry_from`; only when both `entry_from` and `entry_to` are given).
fn comparison(def: &mut StudyDef, scope: Scope, file: &Path) -> Result<(Scope, Option<Comparison>), StudyError> {
    let Some(cdef) = def.comparison.clone() else { return Ok((scope, None)) };
    let Scope::Cohorts(mut cohorts) = scope else {
        return Err(bad(file, "[comparison] compares cohorts (activities): give `cohorts`"));
    };
    if def.periods.is_some_and(|p| p != PeriodKind::All) {
        return Err(bad(file, "[comparison] puts whole activities side by side: periods = \"all\""));
    }
    if !cohorts.iter().any(|(_, c)| c.name == cdef.reference) {
        return Err(bad(file, &format!("[comparison] reference '{}' is not a cohort of the study", cdef.reference)));
    }
    let outcomes = cdef.outcomes.clone().unwrap_or_else(|| COMPARISON_OUTCOMES.to_vec());
    if let Some(o) = outcomes.iter().find(|o| o.spec().kind != Kind::Proportion) {
        return Err(bad(file, &format!("[comparison] compares proportions: {} is not one", o.id())));
    }
    match &def.outcomes {
        None => def.outcomes = Some(outcomes.clone()),
        Some(given) => {
            if let Some(o) = outcomes.iter().find(|o| !given.contains(o)) {
                return Err(bad(file, &format!("[comparison] outcome {} is not among the study's outcomes", o.id())));
            }
        }
    }
    let mut activities = Vec::new();
    let mut before = Vec::new();
    for (path, c) in &cohorts {
        let earlier = match (cdef.before, c.entry_from, c.entry_to) {
            (true, Some(from), Some(to)) if from <= to => {
                let days = (to - from).num_days() + 1;
                let mut b = c.clone();
                b.name = format!("{}{BEFORE_SUFFIX}", c.name);
                b.entry_to = from.pred_opt();
                b.entry_from = from.checked_sub_signed(chrono::Duration::days(days));
                before.push((path.clone(), b.clone()));
                Some(b.name)
            }
            _ => None,
        };
        activities.push((c.name.clone(), earlier));
    }
    let mut names: Vec<&str> = cohorts.iter().chain(&before).map(|(_, c)| c.name.as_str()).collect();
    names.sort_unstable();
    if let Some([twice, ..]) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(bad(file, &format!("[comparison] two cohorts are named '{twice}'")));
    }
    cohorts.extend(before);
    let comparison = Comparison { reference: cdef.reference, outcomes: sorted(outcomes), activities };
    Ok((Scope::Cohorts(cohorts), Some(comparison)))
}

fn bad(file: &Path, message: &str) -> StudyError {
    StudyError::Definition { path: file.to_owned(), message: message.to_owned() }
}

fn is_municipality(code: &str) -> bool {
    code.len() == 6 && code.starts_with("GM") && code[2..].bytes().all(|b| b.is_ascii_digit())
}

/// A period bound as (year, quarter); a year means its first quarter as `from`, its last as `to`.
fn point(p: &PeriodPoint, kind: PeriodKind, from: bool, file: &Path) -> Result<(i32, u32), StudyError> {
    let whole = |y: i32| (y, if from { 1 } else { 4 });
    let text = match p {
        PeriodPoint::Year(y) => return Ok(whole(*y)),
        PeriodPoint::Text(t) => t.trim(),
    };
    if let Ok(y) = text.parse::<i32>() {
        return Ok(whole(y));
    }
    let parsed = text
        .split_once('Q')
        .and_then(|(y, q)| Some((y.parse::<i32>().ok()?, q.parse::<u32>().ok().filter(|q| (1..=4).contains(q))?)));
    match parsed {
        Some(_) if kind == PeriodKind::Year => Err(bad(file, &format!("'{text}': year periods take a year as bound"))),
        Some(yq) => Ok(yq),
        None => Err(bad(file, &format!("'{text}' is not a year or a quarter like 2023Q1"))),
    }
}

fn reference(text: Option<&str>, kind: PeriodKind, file: &Path) -> Result<Reference, StudyError> {
    let Some(text) = text else { return Ok(Reference::PeriodEnd) };
    match text {
        "period_end" => Ok(Reference::PeriodEnd),
        "period_start" => Ok(Reference::PeriodStart),
        _ => {
            let md = text.split_once('-').and_then(|(m, d)| Some((m.parse::<u32>().ok()?, d.parse::<u32>().ok()?)));
            let valid = md.filter(|&(m, d)| chrono::NaiveDate::from_ymd_opt(2001, m, d).is_some());
            match (valid, kind) {
                (Some((m, d)), PeriodKind::Year) => Ok(Reference::MonthDay(m, d)),
                (Some(_), _) => Err(bad(file, "reference_date \"MM-DD\" needs year periods")),
                (None, _) => Err(bad(
                    file,
                    &format!(
                        "reference_date '{text}': give period_end, period_start or a day like \"12-31\" (not 29 February)"
                    ),
                )),
            }
        }
    }
}

fn splits(specs: Option<&[SplitSpec]>, file: &Path) -> Result<Vec<Split>, StudyError> {
    let mut out: Vec<Split> = vec![Split(vec![Dim::Total])];
    let given: Vec<Split> = match specs {
        None => DEFAULT_SPLITS.iter().map(|d| Split(vec![*d])).collect(),
        Some(specs) => specs
            .iter()
            .map(|s| match s {
                SplitSpec::One(d) => Split(vec![*d]),
                SplitSpec::Cross(ds) => Split(ds.clone()),
            })
            .collect(),
    };
    for s in given {
        if s.0.is_empty() || (s.0.len() > 1 && s.0.contains(&Dim::Total)) {
            return Err(bad(
                file,
                &format!("split '{}': a cross-split names two or more dimensions, not total", s.name()),
            ));
        }
        let mut dims = s.0.clone();
        dims.sort_unstable();
        dims.dedup();
        if dims.len() != s.0.len() {
            return Err(bad(file, &format!("split '{}' names a dimension twice", s.name())));
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(out)
}

/// The study's outcomes, and (cohort, outcome) for every cohort and outcome it has indexes for.
type Outcomes = (Vec<Outcome>, Vec<(String, Outcome)>);

/// The outcomes and, per cohort, those it has indexes for.
fn outcomes(
    def: &StudyDef,
    scope: &Scope,
    kind: PeriodKind,
    family: FamilyIndex,
    file: &Path,
) -> Result<Outcomes, StudyError> {
    let cohorts = match scope {
        Scope::Monitor => {
            let all: Vec<Outcome> = match &def.outcomes {
                Some(o) => o.clone(),
                None => super::catalogue::CATALOGUE
                    .iter()
                    .map(|s| s.outcome)
                    .filter(|o| kind != PeriodKind::All || o.spec().kind != Kind::Rate)
                    // The family outcomes are named, never a default: a study with one is built
                    // in full by `kohort run` (issue 16).
                    .filter(|o| !o.is_family())
                    // So are the questionnaire's (issue 16): a store may have no answers.
                    .filter(|o| !o.is_questionnaire())
                    // Plain counts too (§4.8.6): a monitor without a list keeps its figures.
                    .filter(|o| o.spec().kind != Kind::Count)
                    .collect(),
            };
            let list = sorted(all);
            if let Some(o) = list.iter().find(|o| o.spec().kind == Kind::Rate && kind == PeriodKind::All) {
                return Err(bad(
                    file,
                    &format!("{} is a rate per year or quarter: set periods = \"year\" or \"quarter\"", o.id()),
                ));
            }
            let applies = list.iter().map(|o| ("all".to_owned(), *o)).collect();
            return Ok((list, applies));
        }
        Scope::Cohorts(c) => c,
    };
    let mut applies = Vec::new();
    let mut all = Vec::new();
    for (path, cdef) in cohorts {
        let entry = entry_of(cdef);
        let wanted: Vec<Outcome> = match (&def.outcomes, entry) {
            (Some(o), _) => o.clone(),
            (None, Some(e)) => Outcome::defaults_for(e).to_vec(),
            (None, None) if cdef.sql.is_some() => Outcome::defaults_for(Entry::SpellStart).to_vec(),
            (None, None) => {
                return Err(bad(
                    file,
                    &format!(
                        "cohort {} ({}): no study outcome has its indexes on a birth date",
                        cdef.name,
                        path.display()
                    ),
                ));
            }
        };
        for o in wanted {
            let spec = o.spec();
            // A family outcome's index is the study's family index (§4.8.5).
            let wants = if o.is_family() { family.entry() } else { spec.entry };
            let fits = match (wants, entry) {
                (Entry::MonitorOnly, _) => false,
                (_, None) => cdef.sql.is_some(),
                (e, Some(c)) => e == c,
            };
            if !fits {
                return Err(bad(file, &not_applicable(o, wants, cdef, entry)));
            }
            applies.push((cdef.name.clone(), o));
            all.push(o);
        }
    }
    Ok((sorted(all), applies))
}

fn not_applicable(o: Outcome, wants: Entry, cdef: &crate::cohort::CohortDef, entry: Option<Entry>) -> String {
    let wants = match wants {
        Entry::SpellStart => "a spell start (entry first_spell, any_spell, spell_of_form or spell_of_level)",
        Entry::Report => "a safety report (entry safety_report)",
        Entry::MeasureStart => "a measure start (entry measure_start)",
        Entry::MonitorOnly => {
            "no cohort: it counts persons per period over the whole population (a monitor study, without cohorts)"
        }
    };
    let has = match entry {
        Some(Entry::SpellStart) => "spell starts",
        Some(Entry::Report) => "safety reports",
        Some(Entry::MeasureStart) => "measure starts",
        _ => "birth dates",
    };
    format!(
        "outcome {} does not apply to cohort {} (its index events are {has}): {} needs {wants}",
        o.id(),
        cdef.name,
        o.id()
    )
}

fn sorted(mut v: Vec<Outcome>) -> Vec<Outcome> {
    v.sort_unstable();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str, scope: Scope) -> Result<Plan, StudyError> {
        let def: StudyDef = toml::from_str(text).map_err(|e| bad(Path::new("s.toml"), &e.to_string()))?;
        Plan::check(def, scope, Path::new("s.toml"))
    }

    fn cohort(entry: &str) -> Scope {
        let def: crate::cohort::CohortDef = toml::from_str(&format!("name = \"c\"\nentry = \"{entry}\"\n")).unwrap();
        Scope::Cohorts(vec![(PathBuf::from("c.toml"), def)])
    }

    #[test]
    fn a_file_with_only_name_and_cohorts_gets_the_tables_it_always_had() {
        let p = plan("name = \"s\"\ncohorts = [\"c.toml\"]\n", cohort("any_spell")).unwrap();
        assert_eq!(p.outcomes, vec![Outcome::Reentry, Outcome::Escalation, Outcome::RereportAfterSpell]);
        let names: Vec<String> = p.splits.iter().map(Split::name).collect();
        assert_eq!(names, ["total", "sex", "age_band", "index_year", "level", "care_form"]);
        assert_eq!(p.levels, [RegionLevel::National, RegionLevel::YouthRegion, RegionLevel::Municipality]);
        assert_eq!((p.periods.kind, p.region_date), (PeriodKind::All, RegionDate::Cohort));
    }

    #[test]
    fn a_safety_report_cohort_gets_the_safety_outcomes_and_refuses_spell_outcomes_by_name() {
        let p = plan("name = \"s\"\n", cohort("safety_report")).unwrap();
        assert_eq!(p.outcomes, vec![Outcome::Rereport, Outcome::RereportHousehold]);
        let err = plan("name = \"s\"\noutcomes = [\"reentry\"]\n", cohort("safety_report")).unwrap_err().to_string();
        assert!(err.contains("outcome reentry does not apply to cohort c") && err.contains("safety reports"), "{err}");
        let err = plan("name = \"s\"\noutcomes = [\"care_use\"]\n", cohort("any_spell")).unwrap_err().to_string();
        assert!(err.contains("monitor study"), "{err}");
        let err = plan("name = \"s\"\n", cohort("birth")).unwrap_err().to_string();
        assert!(err.contains("birth date"), "{err}");
    }

    fn activities() -> Scope {
        let def = |name: &str, dates: &str| -> crate::cohort::CohortDef {
            toml::from_str(&format!("name = \"{name}\"\nentry = \"activity\"\nreferrers = [\"gp\"]\n{dates}")).unwrap()
        };
        Scope::Cohorts(vec![
            (PathBuf::from("u.toml"), def("usual", "exclude = true\n")),
            (PathBuf::from("p.toml"), def("programme", "entry_from = 2020-01-01\nentry_to = 2021-12-31\n")),
        ])
    }

    #[test]
    fn a_comparison_adds_the_before_cohorts_the_strata_and_its_outcomes() {
        let p = plan("name = \"s\"\n[comparison]\nreference = \"usual\"\n", activities()).unwrap();
        let c = p.comparison.as_ref().unwrap();
        assert_eq!(c.activities, [("usual".into(), None), ("programme".into(), Some("programme_before".into()))]);
        assert_eq!(p.outcomes, c.outcomes);
        assert_eq!(p.outcomes.len(), 5);
        assert!(p.splits.contains(&Split(vec![Dim::Sex, Dim::AgeBand])));
        // The period of the same length (731 days) just before 2020-01-01.
        let before = &p.cohorts()[2].1;
        assert_eq!(before.name, "programme_before");
        assert_eq!(before.entry_to, chrono::NaiveDate::from_ymd_opt(2019, 12, 31));
        assert_eq!(before.entry_from, chrono::NaiveDate::from_ymd_opt(2017, 12, 31));
        assert_eq!(before.referrers, ["gp"]);
        let p = plan("name = \"s\"\n[comparison]\nreference = \"usual\"\nbefore = false\n", activities()).unwrap();
        assert_eq!(p.cohorts().len(), 2);
        for (text, want) in [
            ("[comparison]\nreference = \"nobody\"", "not a cohort"),
            ("periods = \"year\"\n[comparison]\nreference = \"usual\"", "periods = \"all\""),
            ("[comparison]\nreference = \"usual\"\noutcomes = [\"severity_reduced\"]", "not one"),
            ("outcomes = [\"reentry\"]\n[comparison]\nreference = \"usual\"", "not among"),
        ] {
            let err = plan(&format!("name = \"s\"\n{text}\n"), activities()).unwrap_err().to_string();
            assert!(err.contains(want), "{text}: {err}");
        }
        let err = plan("name = \"s\"\n[comparison]\nreference = \"x\"\n", Scope::Monitor).unwrap_err().to_string();
        assert!(err.contains("give `cohorts`"), "{err}");
    }

    #[test]
    fn cross_splits_periods_and_reference_days_are_checked() {
        let p = plan(
            "name = \"m\"\nsplits = [\"sex\", [\"sex\", \"age_band\"]]\nperiods = \"quarter\"\nfrom = \"2023Q2\"\nto = 2024\n",
            Scope::Monitor,
        )
        .unwrap();
        assert_eq!(p.splits.iter().map(Split::name).collect::<Vec<_>>(), ["total", "sex", "sex*age_band"]);
        assert_eq!(p.splits[2].table(), "by_sex_and_age_band");
        assert_eq!((p.periods.from, p.periods.to), (Some((2023, 2)), Some((2024, 4))));
        assert_eq!(p.region_date, RegionDate::Outcome);
        assert!(p.outcomes.contains(&Outcome::CareUse));
        for (text, want) in [
            ("splits = [[\"sex\", \"sex\"]]", "twice"),
            ("splits = [[\"total\", \"sex\"]]", "not total"),
            ("periods = \"year\"\nfrom = \"2023Q1\"", "take a year"),
            ("from = 2024\nto = 2023", "after"),
            ("reference_date = \"02-30\"", "not 29 February"),
            ("periods = \"all\"\noutcomes = [\"care_stock\"]", "rate per year"),
            ("region_date = \"cohort\"", "needs cohorts"),
            ("colour = 1", "unknown field"),
        ] {
            let err = plan(&format!("name = \"m\"\n{text}\n"), Scope::Monitor).unwrap_err().to_string();
            assert!(err.contains(want), "{text}: {err}");
        }
        let p = plan("name = \"m\"\nreference_date = \"12-31\"\n", Scope::Monitor).unwrap();
        assert_eq!(p.reference, Reference::MonthDay(12, 31));
    }
}
