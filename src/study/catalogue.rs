//! The outcome catalogue of studies (docs/definitions.md §5.10): every outcome a study can ask
//! for, with its stable id, its Dutch name, the section that defines it, what kind of figure it
//! gives, where its indexes come from and which splits apply to it.
//!
//! Each outcome reads its index rows from the current outcome run's result tables (or, for the
//! population rates, from the store) through one SQL file `sql/study/units/<id>.sql`.

use serde::{Deserialize, Serialize};

/// What a figure of an outcome is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A share of indexes with the event: count of `event`, denominator `event` + `no_event`.
    Proportion,
    /// Shares of several categories of one unit (every category is a row, over the same
    /// denominator): transitions by the level moved to, reliable change by direction.
    Categories,
    /// Persons per 1,000 residents of the same age, sex, region and period (`population`).
    Rate,
    /// Only a survival curve (Kaplan–Meier) and its median: no proportion rows.
    Curve,
    /// A plain count of units per period (issue 16): `count`, no denominator.
    Count,
}

/// Which date of an index a cohort member's index date must equal for the index to belong to
/// the member (docs/definitions.md §5.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// The start of the spell the index belongs to (re-entry, escalation, episodes of the spell).
    SpellStart,
    /// The report date (re-reports after a report).
    Report,
    /// The start of the measure episode.
    MeasureStart,
    /// None: the outcome counts persons per period and exists in monitor studies only.
    MonitorOnly,
}

/// A split dimension (docs/definitions.md §5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dim {
    /// Everything.
    Total,
    /// `m`, `f`, `x`, `u`.
    Sex,
    /// Age band at the figure's date.
    AgeBand,
    /// Calendar year of the figure's date.
    IndexYear,
    /// Ladder level of the index (spell level, episode level, from-level of a transition).
    Level,
    /// Care form (first episode of the spell, or the episode's own).
    CareForm,
    /// Kind of the measure episode.
    MeasureKind,
    /// Kind of the index report.
    ReportKind,
    // --- sites (issue 16) ---
    /// The delivering source (pilot site) of the unit's person (docs/definitions.md §5.4).
    Site,
    /// The provider pseudonym of the index's episode; of the spell's first episode for spell
    /// outcomes (docs/definitions.md §5.4).
    Provider,
}

impl Dim {
    /// Every dimension, in column order.
    pub const ALL: [Dim; 10] = [
        Dim::Total,
        Dim::Sex,
        Dim::AgeBand,
        Dim::IndexYear,
        Dim::Level,
        Dim::CareForm,
        Dim::MeasureKind,
        Dim::ReportKind,
        Dim::Site,
        Dim::Provider,
    ];

    /// The name (in study files, in the `split` column and as the unit column).
    pub fn name(self) -> &'static str {
        match self {
            Dim::Total => "total",
            Dim::Sex => "sex",
            Dim::AgeBand => "age_band",
            Dim::IndexYear => "index_year",
            Dim::Level => "level",
            Dim::CareForm => "care_form",
            Dim::MeasureKind => "measure_kind",
            Dim::ReportKind => "report_kind",
            Dim::Site => "site",
            Dim::Provider => "provider",
        }
    }
}

/// An outcome of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Re-entry after a spell end.
    Reentry,
    /// Prior care at a spell start (CBS reading).
    PriorCare,
    /// Escalation after a spell start.
    Escalation,
    /// De-escalation after a spell start.
    Deescalation,
    /// Level-to-level transitions.
    Transitions,
    /// Re-report after a report, child view.
    Rereport,
    /// Re-report after a report, family view.
    RereportHousehold,
    /// New report after a spell end.
    RereportAfterSpell,
    /// New report after a measure episode end.
    RereportAfterMeasure,
    /// Measure episode ended with its goal reached.
    MeasureSuccess,
    /// Duration of a protection measure episode (curve and median).
    MeasureDuration,
    /// Out-of-home placement during a protection measure episode.
    OutOfHomeDuringMeasure,
    /// Regular ending of a care episode.
    RegularEnding,
    /// Dropout (`early_client`).
    Dropout,
    /// Ending by external circumstances (`external`, `moved`, `died`).
    ExternalEnding,
    /// Ending with reason `unknown`.
    UnknownEnding,
    /// Goals fully or partly attained.
    GoalAttainment,
    /// Satisfaction 7 or more.
    Satisfaction,
    /// Reliable change on a problem score: improved, unchanged, deteriorated.
    SeverityReduced,
    /// Youths with care in the period per 1,000 residents.
    CareUse,
    /// Youths starting a spell in the period per 1,000 residents.
    CareStarts,
    /// Youths in care on the reference date per 1,000 residents.
    CareStock,
    /// A new offence within W after the end of a youth probation measure.
    Recidivism,
    /// Reliable change of delinquency risk during a youth probation measure: reduced,
    /// unchanged, increased.
    RiskReduced,
    // --- the household as a unit (issue 16) ---
    /// A protection measure for any child of the household within W after the family index.
    FamilyMeasure,
    /// An out-of-home placement of any child of the household within W after the family index.
    FamilyOutOfHome,
    /// Distinct providers involved with any member of the household within W after the family
    /// index: 0, 1, 2, 3 or more.
    FamilyProviders,
    /// A new safety report about any child of the household within W after the family index.
    FamilyReport,
    // --- plain counts per period (issue 16, docs/definitions.md §4.8.6) ---
    /// Families (households with a family index) in the period.
    Families,
    /// Children of those families.
    FamilyChildren,
    /// Safety reports in the period.
    Reports,
    /// Protection measure episodes starting in the period.
    MeasuresImposed,
    // --- the pilots' quarterly family questionnaire (issue 16) ---
    /// Trust in the help 4 or 5 (of 5), per household and period.
    TrustHigh,
    /// Involvement in decisions 4 or 5 (of 5), per household and period.
    InvolvementHigh,
}

/// One catalogue entry.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// The outcome.
    pub outcome: Outcome,
    /// Stable id (tables, codebooks).
    pub id: &'static str,
    /// Dutch name.
    pub dutch: &'static str,
    /// Section of docs/definitions.md that defines the figure.
    pub section: &'static str,
    /// What kind of figure.
    pub kind: Kind,
    /// Where its indexes meet a cohort member.
    pub entry: Entry,
    /// The split dimensions besides total, sex, age band and index year that apply.
    pub dims: &'static [Dim],
    /// Whether it has a Kaplan–Meier curve in the survival table.
    pub curve: bool,
    /// The SQL of its index rows (`sql/study/units/<id>.sql`).
    pub sql: &'static str,
}

use crate::sql::study::units as u;
use Dim::{CareForm, Level, MeasureKind, Provider, ReportKind};

/// The splits of spell and episode outcomes (provider: the episode's, or the spell's first).
const SPELL: &[Dim] = &[Level, CareForm, Provider];

/// The catalogue, in the order tables list the outcomes.
pub const CATALOGUE: [Spec; 34] = [
    spec(
        Outcome::Reentry,
        "reentry",
        "herhaald beroep op jeugdhulp",
        "4.3",
        Kind::Proportion,
        Entry::SpellStart,
        SPELL,
        true,
        u::REENTRY,
    ),
    spec(
        Outcome::PriorCare,
        "prior_care",
        "eerder jeugdhulp gehad (CBS)",
        "4.4",
        Kind::Proportion,
        Entry::SpellStart,
        SPELL,
        false,
        u::PRIOR_CARE,
    ),
    spec(
        Outcome::Escalation,
        "escalation",
        "doorstroom naar zwaardere hulp",
        "4.6",
        Kind::Proportion,
        Entry::SpellStart,
        SPELL,
        true,
        u::ESCALATION,
    ),
    spec(
        Outcome::Deescalation,
        "deescalation",
        "doorstroom naar lichtere hulp",
        "4.6",
        Kind::Proportion,
        Entry::SpellStart,
        SPELL,
        false,
        u::DEESCALATION,
    ),
    spec(
        Outcome::Transitions,
        "transitions",
        "overgangen op de jeugdhulpladder",
        "4.7",
        Kind::Categories,
        Entry::MonitorOnly,
        &[Level],
        false,
        u::TRANSITIONS,
    ),
    spec(
        Outcome::Rereport,
        "rereport",
        "geen hermelding binnen W (kind)",
        "4.8.1",
        Kind::Proportion,
        Entry::Report,
        &[ReportKind],
        false,
        u::REREPORT,
    ),
    spec(
        Outcome::RereportHousehold,
        "rereport_household",
        "geen hermelding binnen W (gezin)",
        "4.8.2",
        Kind::Proportion,
        Entry::Report,
        &[ReportKind],
        false,
        u::REREPORT_HOUSEHOLD,
    ),
    spec(
        Outcome::RereportAfterSpell,
        "rereport_after_spell",
        "melding na einde jeugdhulp",
        "4.8.3",
        Kind::Proportion,
        Entry::SpellStart,
        SPELL,
        false,
        u::REREPORT_AFTER_SPELL,
    ),
    spec(
        Outcome::RereportAfterMeasure,
        "rereport_after_measure",
        "melding na einde maatregel",
        "4.8.4",
        Kind::Proportion,
        Entry::MeasureStart,
        &[MeasureKind],
        false,
        u::REREPORT_AFTER_MEASURE,
    ),
    spec(
        Outcome::MeasureSuccess,
        "measure_success",
        "maatregel succesvol beëindigd",
        "4.9",
        Kind::Proportion,
        Entry::MeasureStart,
        &[MeasureKind],
        false,
        u::MEASURE_SUCCESS,
    ),
    spec(
        Outcome::MeasureDuration,
        "measure_duration",
        "duur van de maatregel",
        "4.10",
        Kind::Curve,
        Entry::MeasureStart,
        &[MeasureKind],
        true,
        u::MEASURE_DURATION,
    ),
    spec(
        Outcome::OutOfHomeDuringMeasure,
        "out_of_home_during_measure",
        "uithuisplaatsing tijdens de maatregel",
        "4.11",
        Kind::Proportion,
        Entry::MeasureStart,
        &[MeasureKind],
        false,
        u::OUT_OF_HOME_DURING_MEASURE,
    ),
    spec(
        Outcome::RegularEnding,
        "regular_ending",
        "reguliere beëindiging",
        "4.12.1",
        Kind::Proportion,
        Entry::SpellStart,
        SPELL,
        false,
        u::REGULAR_ENDING,
    ),
    spec(
        Outcome::Dropout,
        "dropout",
        "uitval (voortijdig door de cliënt)",
        "4.12.2",
        Kind::Proportion,
        Entry::SpellStart,
        SPELL,
        false,
        u::DROPOUT,
    ),
    spec(
        Outcome::ExternalEnding,
        "external_ending",
        "beëindigd door externe omstandigheden",
        "4.12.2",
        Kind::Proportion,
        Entry::SpellStart,
        SPELL,
        false,
        u::EXTERNAL_ENDING,
    ),
    spec(
        Outcome::UnknownEnding,
        "unknown_ending",
        "reden van beëindiging onbekend",
        "4.12.2",
        Kind::Proportion,
        Entry::SpellStart,
        SPELL,
        false,
        u::UNKNOWN_ENDING,
    ),
    spec(
        Outcome::GoalAttainment,
        "goal_attainment",
        "doelrealisatie",
        "4.12.3",
        Kind::Proportion,
        Entry::SpellStart,
        SPELL,
        false,
        u::GOAL_ATTAINMENT,
    ),
    spec(
        Outcome::Satisfaction,
        "satisfaction",
        "cliënttevredenheid",
        "4.12.4",
        Kind::Proportion,
        Entry::SpellStart,
        SPELL,
        false,
        u::SATISFACTION,
    ),
    spec(
        Outcome::SeverityReduced,
        "severity_reduced",
        "betrouwbare verandering van de problematiek",
        "4.12.5",
        Kind::Categories,
        Entry::SpellStart,
        SPELL,
        false,
        u::SEVERITY_REDUCED,
    ),
    spec(
        Outcome::CareUse,
        "care_use",
        "jeugdhulpgebruik per 1.000 jeugdigen",
        "4.15",
        Kind::Rate,
        Entry::MonitorOnly,
        &[],
        false,
        u::CARE_USE,
    ),
    spec(
        Outcome::CareStarts,
        "care_starts",
        "instroom in jeugdhulp per 1.000 jeugdigen",
        "5.11",
        Kind::Rate,
        Entry::MonitorOnly,
        &[],
        false,
        u::CARE_STARTS,
    ),
    spec(
        Outcome::CareStock,
        "care_stock",
        "jeugdigen in zorg op de peildatum per 1.000",
        "5.11",
        Kind::Rate,
        Entry::MonitorOnly,
        &[],
        false,
        u::CARE_STOCK,
    ),
    spec(
        Outcome::Recidivism,
        "recidivism",
        "recidive na jeugdreclassering",
        "4.17.3",
        Kind::Proportion,
        Entry::MeasureStart,
        &[MeasureKind],
        false,
        u::RECIDIVISM,
    ),
    spec(
        Outcome::RiskReduced,
        "risk_reduced",
        "delictrisico verminderd",
        "4.17.4",
        Kind::Categories,
        Entry::MeasureStart,
        &[MeasureKind],
        false,
        u::RISK_REDUCED,
    ),
    // --- the household as a unit (issue 16): docs/definitions.md §4.8.5 ---
    spec(
        Outcome::FamilyMeasure,
        "family_measure",
        "maatregel voor een kind uit het gezin",
        "4.8.5",
        Kind::Proportion,
        Entry::Report,
        &[ReportKind],
        false,
        u::FAMILY_MEASURE,
    ),
    spec(
        Outcome::FamilyOutOfHome,
        "family_out_of_home",
        "uithuisplaatsing van een kind uit het gezin",
        "4.8.5",
        Kind::Proportion,
        Entry::Report,
        &[ReportKind],
        false,
        u::FAMILY_OUT_OF_HOME,
    ),
    spec(
        Outcome::FamilyProviders,
        "family_providers",
        "aantal betrokken aanbieders per gezin",
        "4.8.5",
        Kind::Categories,
        Entry::Report,
        &[ReportKind],
        false,
        u::FAMILY_PROVIDERS,
    ),
    spec(
        Outcome::FamilyReport,
        "family_report",
        "nieuwe melding in het gezin",
        "4.8.5",
        Kind::Proportion,
        Entry::Report,
        &[ReportKind],
        false,
        u::FAMILY_REPORT,
    ),
    // --- plain counts per period (issue 16): docs/definitions.md §4.8.6 ---
    spec(
        Outcome::Families,
        "families",
        "gezinnen in beeld",
        "4.8.6",
        Kind::Count,
        Entry::Report,
        &[ReportKind],
        false,
        u::FAMILIES,
    ),
    spec(
        Outcome::FamilyChildren,
        "family_children",
        "kinderen in beeld",
        "4.8.6",
        Kind::Count,
        Entry::Report,
        &[ReportKind],
        false,
        u::FAMILY_CHILDREN,
    ),
    spec(
        Outcome::Reports,
        "reports",
        "nieuwe meldingen",
        "4.8.6",
        Kind::Count,
        Entry::Report,
        &[ReportKind],
        false,
        u::REPORTS,
    ),
    spec(
        Outcome::MeasuresImposed,
        "measures_imposed",
        "opgelegde maatregelen",
        "4.8.6",
        Kind::Count,
        Entry::MeasureStart,
        &[MeasureKind],
        false,
        u::MEASURES_IMPOSED,
    ),
    // --- the questionnaire (issue 16): docs/definitions.md §4.8.7 ---
    spec(
        Outcome::TrustHigh,
        "trust_high",
        "veel vertrouwen in de hulp",
        "4.8.7",
        Kind::Proportion,
        Entry::MonitorOnly,
        &[],
        false,
        u::TRUST_HIGH,
    ),
    spec(
        Outcome::InvolvementHigh,
        "involvement_high",
        "veel betrokken bij beslissingen",
        "4.8.7",
        Kind::Proportion,
        Entry::MonitorOnly,
        &[],
        false,
        u::INVOLVEMENT_HIGH,
    ),
];

#[allow(clippy::too_many_arguments)]
const fn spec(
    outcome: Outcome,
    id: &'static str,
    dutch: &'static str,
    section: &'static str,
    kind: Kind,
    entry: Entry,
    dims: &'static [Dim],
    curve: bool,
    sql: &'static str,
) -> Spec {
    Spec { outcome, id, dutch, section, kind, entry, dims, curve, sql }
}

impl Outcome {
    /// Its catalogue entry.
    pub fn spec(self) -> &'static Spec {
        // The catalogue lists every variant once, in declaration order (a unit test guards it).
        &CATALOGUE[self as usize]
    }

    /// Its stable id.
    pub fn id(self) -> &'static str {
        self.spec().id
    }

    /// Whether its figures follow the household of the index (docs/definitions.md §4.8.5): a
    /// unit's rows then depend on other persons' rows too.
    pub fn is_family(self) -> bool {
        matches!(
            self,
            Outcome::FamilyMeasure
                | Outcome::FamilyOutOfHome
                | Outcome::FamilyProviders
                | Outcome::FamilyReport
                | Outcome::Families
                | Outcome::FamilyChildren
        )
    }

    /// Whether its rows come from the questionnaire (issue 16): households, not persons, answer,
    /// so the changed persons of a delivery do not say which rows changed.
    pub fn is_questionnaire(self) -> bool {
        matches!(self, Outcome::TrustHigh | Outcome::InvolvementHigh)
    }

    /// Whether a split dimension applies to it.
    pub fn has_dim(self, dim: Dim) -> bool {
        matches!(dim, Dim::Total | Dim::Sex | Dim::AgeBand | Dim::IndexYear)
            || self.spec().dims.contains(&dim)
            // Every index row has a site; the population of the rates has none.
            || (dim == Dim::Site && self.spec().kind != Kind::Rate)
    }

    /// The outcomes a cohort study gets when its file names none: those of the three families
    /// a cohort of this entry kind has indexes for.
    pub fn defaults_for(entry: Entry) -> &'static [Outcome] {
        match entry {
            Entry::SpellStart => &[Outcome::Reentry, Outcome::Escalation, Outcome::RereportAfterSpell],
            Entry::Report => &[Outcome::Rereport, Outcome::RereportHousehold],
            Entry::MeasureStart => &[
                Outcome::MeasureSuccess,
                Outcome::MeasureDuration,
                Outcome::OutOfHomeDuringMeasure,
                Outcome::RereportAfterMeasure,
            ],
            Entry::MonitorOnly => &[],
        }
    }
}

/// The entry kind of the indexes a cohort's entry rule produces (`None` for birth cohorts, which
/// meet no outcome's index, and for SQL cohorts, which may meet any).
pub fn entry_of(cohort: &crate::cohort::CohortDef) -> Option<Entry> {
    use crate::cohort::Entry as E;
    match cohort.entry? {
        E::FirstSpell | E::AnySpell | E::SpellOfForm | E::SpellOfLevel | E::Activity => Some(Entry::SpellStart),
        E::SafetyReport => Some(Entry::Report),
        E::MeasureStart => Some(Entry::MeasureStart),
        E::Birth => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_lists_every_outcome_once_in_declaration_order_with_unique_ids() {
        let mut ids = std::collections::BTreeSet::new();
        for (i, s) in CATALOGUE.iter().enumerate() {
            assert_eq!(s.outcome as usize, i, "{}", s.id);
            assert!(ids.insert(s.id), "{} twice", s.id);
            // The serde name is the id.
            let parsed: Outcome = serde_json::from_value(serde_json::Value::String(s.id.into())).unwrap();
            assert_eq!(parsed, s.outcome);
            assert!(!s.sql.trim().is_empty());
        }
    }
}
