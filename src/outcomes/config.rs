//! Outcome parameters (docs/definitions.md §4.16), from a TOML file with documented defaults.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::schema::{CareEndReason, CareForm, Ladder, MeasureKind, OffenceSeverity};

/// Errors reading an outcome config.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The TOML is not valid or has unknown keys.
    #[error("outcome config {path}")]
    Toml {
        /// The file.
        path: String,
        /// Parser message (names the key).
        source: toml::de::Error,
    },
    /// The embedded ladder did not load.
    #[error(transparent)]
    Ladder(#[from] crate::schema::SchemaError),
}

/// Every outcome parameter. Each family may set its own age limit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct OutcomeConfig {
    /// Care spells: episodes merge while the next starts at most this many days after the
    /// latest end so far (31: a 31-day gap merges, 32 splits).
    pub gap_days: i64,
    /// Re-entry windows in days.
    pub reentry_windows: Vec<i64>,
    /// Age limit of the re-entry follow-up (18; 23 for the extended-care variant).
    pub reentry_age_limit: u32,
    /// Prior care at spell start: look-back in days (5 years = 1826).
    pub prior_care_lookback_days: i64,
    /// Escalation window in days.
    pub escalation_window: i64,
    /// Age limit of the escalation follow-up.
    pub escalation_age_limit: u32,
    /// Safety: a later report counts as a re-report only more than this many days after the
    /// index report (30; 14 is the US CFSR setting).
    pub same_incident_days: i64,
    /// Safety windows in days ("geen hermelding binnen W").
    pub safety_windows: Vec<i64>,
    /// Age limit of the safety follow-up.
    pub safety_age_limit: u32,
    /// A provisional measure followed within this many days by the full one is one measure
    /// episode when judging success.
    pub provisional_merge_days: i64,
    /// Care end reasons that count as a regular ending.
    pub regular_endings: Vec<CareEndReason>,
    /// The care ladder (levels per care form; protection measures).
    pub ladder: Ladder,
    /// Reliable change: per problem-score instrument, its SD, reliability and direction.
    pub instruments: BTreeMap<String, InstrumentSpec>,
    /// The outcome families to compute (default all but `linkage`, which `kohort linkage`
    /// computes, and `rereports`, which `safety` includes); the tables of the others stay
    /// empty.
    pub families: Vec<Family>,
    /// Intergenerational linkage parameters.
    pub linkage: LinkageConfig,
    /// Youth probation: recidivism and delinquency risk (docs/definitions.md §4.17).
    pub probation: ProbationConfig,
}

/// Which date makes an offence "new" after a recidivism index (docs/definitions.md §4.17.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NewOffence {
    /// The WODC reading (default): an offence committed after the index (offence date >
    /// index), registered by the data end; an offence committed before the index but
    /// registered after it is not recidivism. Time to recidivism runs to the offence date.
    OffenceDate,
    /// An offence registered after the index (registration date > index), whenever it was
    /// committed; time runs to the registration date, and an offence index is dated by its
    /// registration.
    RegistrationDate,
}

/// Youth probation parameters (docs/definitions.md §4.17).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ProbationConfig {
    /// Recidivism windows in days (1, 2 and 5 years: 365, 730, 1826).
    pub windows: Vec<i64>,
    /// Severity classes that count for *ernstige recidive* (default `serious`).
    pub serious: Vec<OffenceSeverity>,
    /// The reading of "new offence".
    pub new_offence: NewOffence,
    /// Age limit of the recidivism follow-up; none by default (the WODC follows young
    /// offenders into adulthood).
    pub age_limit: Option<u32>,
    /// Risk instruments (delinquency risk), with the SD and reliability of their score; a
    /// higher score is a higher risk.
    pub risk_instruments: BTreeMap<String, RiskInstrumentSpec>,
}

impl Default for ProbationConfig {
    fn default() -> Self {
        Self {
            windows: vec![365, 730, 1826],
            serious: vec![OffenceSeverity::Serious],
            new_offence: NewOffence::OffenceDate,
            age_limit: None,
            risk_instruments: BTreeMap::new(),
        }
    }
}

/// Jacobson–Truax parameters of a risk instrument (a higher score is a higher risk).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RiskInstrumentSpec {
    /// Standard deviation of the score in a reference population.
    pub sd: f64,
    /// Test-retest reliability r.
    pub reliability: f64,
}

/// Intergenerational linkage (docs/definitions.md §4.13): who is a parent of whom, and the G2 outcome.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LinkageConfig {
    /// Outcome age A: the G2 outcome counts when it starts strictly before the A-th birthday
    /// (default 18); children are followed to A.
    pub age: u32,
    /// Relation kinds to link through, each computed as its own variant (`biological`,
    /// `adoptive`, `legal`; default `biological`).
    pub relation_kinds: Vec<String>,
    /// Normal quantile of the risk ratio's confidence interval (1.96 for 95%).
    pub z_crit: f64,
}

impl Default for LinkageConfig {
    fn default() -> Self {
        Self { age: 18, relation_kinds: vec!["biological".into()], z_crit: 1.959_963_984_540_054 }
    }
}

/// An outcome family: a group of result tables computed together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Re-entry after a spell end (`reentry`, `reentry_windows`, curves).
    Reentry,
    /// Prior care at a spell start (`prior_care`).
    PriorCare,
    /// Escalation and de-escalation, transitions, monthly states.
    Escalation,
    /// Re-reports after reports, spell ends and measure ends (child and household view).
    Safety,
    /// Re-reports after a report, child view alone (*hermelding*, docs/definitions.md §4.8.1):
    /// the report rows of `safety` (and `safety_windows`), from the persons with a report and
    /// their reports and person rows only (no spells, measures or household view). What a
    /// monitor of re-reports alone needs, at a fraction of the whole family's reading; the
    /// `safety` family includes it. Not among the defaults.
    Rereports,
    /// Protection measure episodes: success, duration, placement.
    Measures,
    /// Field indicators per closed episode and reliable change.
    Indicators,
    /// Intergenerational linkage: a summary row per person (`person_summary`), linked across
    /// generations through `relations` in SQL (`linkage_*` tables). Computed by `kohort
    /// linkage` into its own results area, so it is not among the defaults.
    Linkage,
    /// Youth probation: recidivism after probation ends, first offences and Halt settlements,
    /// and the change of delinquency risk during a youth probation measure (`recidivism`,
    /// `recidivism_windows`, `risk_change`).
    Probation,
    /// Which episodes make up each spell (`spell_episodes`: one row per episode). The `spells`
    /// table itself is written by every family built on spells ([`OutcomeConfig::wants_spells`]);
    /// this link table is the largest output, so a run that only asks for, say, re-entry does
    /// not write it.
    Spells,
}

impl Family {
    /// The family's name (as `--only` and the config's `families` spell it).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Family::Reentry => "reentry",
            Family::PriorCare => "prior_care",
            Family::Escalation => "escalation",
            Family::Safety => "safety",
            Family::Rereports => "rereports",
            Family::Measures => "measures",
            Family::Indicators => "indicators",
            Family::Linkage => "linkage",
            Family::Probation => "probation",
            Family::Spells => "spells",
        }
    }

    /// The families of a default `kohort outcomes` run (linkage has its own command;
    /// `rereports` is part of `safety`).
    pub const ALL: [Family; 8] = [
        Family::Reentry,
        Family::PriorCare,
        Family::Escalation,
        Family::Safety,
        Family::Measures,
        Family::Indicators,
        Family::Probation,
        Family::Spells,
    ];
}

/// Jacobson–Truax parameters of one instrument.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InstrumentSpec {
    /// Standard deviation of the score in a reference population.
    pub sd: f64,
    /// Test-retest reliability r.
    pub reliability: f64,
    /// Whether a lower score is better (problem scores): then a fall is an improvement.
    pub lower_is_better: bool,
}

impl Default for OutcomeConfig {
    fn default() -> Self {
        let ladder = Ladder::embedded().unwrap_or_else(|_| Ladder {
            name: "default".into(),
            out_of_home_from: 4,
            protection_measures: Vec::new(),
            levels: BTreeMap::new(),
        });
        Self {
            gap_days: 31,
            reentry_windows: vec![182, 365, 730],
            reentry_age_limit: 18,
            prior_care_lookback_days: 1826,
            escalation_window: 365,
            escalation_age_limit: 18,
            same_incident_days: 30,
            safety_windows: vec![365, 730],
            safety_age_limit: 18,
            provisional_merge_days: 14,
            regular_endings: vec![CareEndReason::Planned, CareEndReason::EarlyMutual, CareEndReason::AgeLimit],
            ladder,
            instruments: BTreeMap::new(),
            families: Family::ALL.to_vec(),
            linkage: LinkageConfig::default(),
            probation: ProbationConfig::default(),
        }
    }
}

impl OutcomeConfig {
    /// A config from the text of a TOML file (`path` names it in errors); keys not given keep
    /// their defaults.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|source| ConfigError::Toml { path: path.display().to_string(), source })
    }

    /// Ladder level of a care form (0 when the ladder does not list it).
    pub fn level(&self, care_form: CareForm) -> u8 {
        self.ladder.level(care_form)
    }

    /// Whether a family is to be computed.
    pub fn wants(&self, family: Family) -> bool {
        self.families.contains(&family)
    }

    /// Whether a family's tables are filled: it is computed, or a family that includes it is
    /// (`safety` includes `rereports`).
    pub fn covers(&self, family: Family) -> bool {
        self.wants(family) || (family == Family::Rereports && self.wants(Family::Safety))
    }

    /// Whether the care spells are built: for the families whose indexes are spell starts or
    /// ends (re-entry, prior care, escalation, safety) and for the spells family. Measures,
    /// indicators, probation and linkage read the episodes themselves.
    pub fn wants_spells(&self) -> bool {
        [Family::Reentry, Family::PriorCare, Family::Escalation, Family::Safety, Family::Spells]
            .into_iter()
            .any(|f| self.wants(f))
    }

    /// Whether a result table is filled: every table of a wanted family; `spells` with a
    /// family built on them ([`Self::wants_spells`]), `spell_episodes` only with
    /// [`Family::Spells`].
    pub fn fills(&self, table: &str) -> bool {
        match table {
            "spells" => self.wants_spells(),
            "spell_episodes" => self.wants(Family::Spells),
            _ => true,
        }
    }

    /// Whether a measure kind is a protection measure (its start escalates).
    pub fn is_protection(&self, kind: MeasureKind) -> bool {
        self.ladder.is_protection(kind)
    }

    /// Whether an end reason is a regular ending.
    pub fn is_regular(&self, reason: CareEndReason) -> bool {
        self.regular_endings.contains(&reason)
    }
}
