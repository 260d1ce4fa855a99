//! The declarative scenario file (`scenarios/<name>.toml`): serde types, strict, one doc comment per
//! field. A scenario describes the generating model in the user's terms and the truths (`[expected]`)
//! a correct engine must recover.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, de::Error as _};

/// A TOML local date (`2026-07-01`) as a `NaiveDate`.
fn toml_date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let dt = toml::value::Datetime::deserialize(d)?;
    match (dt.date, dt.time, dt.offset) {
        (Some(x), None, None) => NaiveDate::from_ymd_opt(i32::from(x.year), u32::from(x.month), u32::from(x.day))
            .ok_or_else(|| D::Error::custom(format!("{dt} is not a calendar date"))),
        _ => Err(D::Error::custom(format!("{dt}: expected a date like 2026-07-01"))),
    }
}

/// One synthetic scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name, used in messages.
    pub name: String,
    /// What the scenario is for, in one or two sentences.
    pub description: String,
    /// Seed of every random draw: the same seed gives byte-identical output.
    #[serde(default)]
    pub seed: u64,
    /// First date with events (the history window opens here).
    #[serde(deserialize_with = "toml_date")]
    pub history_from: NaiveDate,
    /// When deliveries are extracted.
    pub deliveries: Schedule,
    /// Who delivers: one entry per source (a register or a pilot site).
    #[serde(default)]
    pub sources: Vec<SourceSpec>,
    /// The random generating model; absent for hand-written scenarios.
    pub model: Option<Model>,
    /// Hand-written tables (CSV text per table) instead of a random model.
    pub explicit: Option<Explicit>,
    /// Plant validation defects at known rows (the `dirty` scenario).
    pub dirty: Option<DirtySpec>,
    /// Young offenders with planted recidivism and risk change (a single-delivery `[model]`
    /// scenario; written by the first source).
    pub probation: Option<ProbationSpec>,
    /// Truths a correct engine must recover, with tolerances.
    #[serde(default)]
    pub expected: BTreeMap<String, Truth>,
}

/// The delivery schedule.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Schedule {
    /// One delivery per source.
    Single {
        /// The delivery id, unique per source (e.g. `2026H1`).
        delivery_id: String,
        /// Data end: nothing after this date is known.
        #[serde(deserialize_with = "toml_date")]
        extracted_on: NaiveDate,
    },
    /// One cumulative delivery per source per quarter; `2023Q1` is extracted on 2023-04-01.
    Quarterly {
        /// First quarter, `YYYYQn`.
        first: String,
        /// Last quarter, `YYYYQn`.
        last: String,
    },
}

/// One source (a register or a pilot site) and the families living in its municipalities.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// The `source` written to `delivery.toml`.
    pub name: String,
    /// Municipality codes (`GM` + 4 digits) the families of this source live in.
    pub municipalities: Vec<String>,
    /// Number of founding families generated for this source.
    pub families: u64,
}

/// A truth the engine must recover.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Truth {
    /// The planted value (a share 0–1, a ratio or a count).
    pub value: f64,
    /// Absolute tolerance around `value`.
    pub tolerance: f64,
    /// What exactly is measured, in the terms of docs/definitions.md §4.
    pub what: String,
}

/// Hand-written tables, each as CSV text with a header row (docs/definitions.md §2.4 column order).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Explicit {
    /// The source name of the single delivery.
    pub source: String,
    /// `persons` rows.
    pub persons: String,
    /// `relations` rows.
    pub relations: String,
    /// `households` rows.
    pub households: String,
    /// `residence` rows.
    pub residence: String,
    /// `care_episodes` rows.
    pub care_episodes: String,
    /// `measures` rows.
    pub measures: String,
    /// `safety_reports` rows.
    pub safety_reports: String,
    /// `measurements` rows.
    pub measurements: String,
    /// `population` rows.
    pub population: String,
    /// `offences` rows (optional table: none when empty).
    #[serde(default)]
    pub offences: String,
    /// `questionnaire` rows (optional table: none when empty).
    #[serde(default)]
    pub questionnaire: String,
    /// Extra blocks of rows, by block name: table name to CSV text (with the table's header),
    /// appended after the main block's rows in block-name order.
    #[serde(default)]
    pub extra: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
}

/// Defect planting.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirtySpec {
    /// Spread the defective rows through each table (true) or append them at its end (false).
    pub spread: bool,
}

/// The random generating model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// Families and births.
    pub families: FamilyModel,
    /// Deaths, emigration, moves.
    pub life: LifeModel,
    /// Youth care episodes and spells.
    pub care: CareModel,
    /// Protection measures and youth probation.
    pub measures: MeasureModel,
    /// Safety reports (Veilig Thuis).
    pub safety: SafetyModel,
    /// Measurements per episode.
    pub measurements: MeasurementModel,
    /// Late corrections between cumulative deliveries.
    #[serde(default)]
    pub corrections: CorrectionModel,
    /// The pilots' quarterly family questionnaire (issue 16); absent: no `questionnaire` table
    /// and no random draw for it (the scenarios before it keep their bytes).
    #[serde(default)]
    pub questionnaire: Option<QuestionnaireModel>,
}

/// The quarterly family questionnaire (`[model.questionnaire]`): every household with a safety
/// report answers the items `trust` (trust in the help) and `involvement` (involvement in
/// decisions) on a 1–5 scale in each of the `quarters` quarters after the quarter of its first
/// report, on the 15th of the quarter's middle month. A score is high (4 or 5, each equally
/// likely) with the item's probability, else 1, 2 or 3 (equally likely); draws come from a
/// random stream of their own per family.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionnaireModel {
    /// Quarters answered after the quarter of the household's first report.
    pub quarters: u32,
    /// P(trust is 4 or 5), for every site not in `trust_high_by_site`.
    pub trust_high: f64,
    /// P(trust is 4 or 5) per site (source name) that differs from `trust_high`.
    #[serde(default)]
    pub trust_high_by_site: BTreeMap<String, f64>,
    /// P(involvement is 4 or 5).
    pub involvement_high: f64,
}

impl QuestionnaireModel {
    /// P(trust is 4 or 5) at `site`.
    pub fn trust_high_at(&self, site: &str) -> f64 {
        self.trust_high_by_site.get(site).copied().unwrap_or(self.trust_high)
    }
}

/// Family structure and births.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FamilyModel {
    /// Birth years of the first generation of children, inclusive `[from, to]`.
    pub child_birth_years: [i32; 2],
    /// P(1, 2, 3, 4 children) in a family; normalised.
    pub children: [f64; 4],
    /// Share of families with two registered parents.
    pub two_parent: f64,
    /// Share of single-parent families where the father is unknown (only the mother registered);
    /// the rest of single-parent families have only the father.
    pub unknown_father: f64,
    /// Share of children who are adopted (an `adoptive` relation, no biological parent known).
    pub adopted: f64,
    /// Share of persons whose birth date is delivered as `YYYY-MM` (then the 15th).
    pub month_precision: f64,
    /// Share of sex `x` (and the same share of `u`); the rest is `m`/`f` at 51/49.
    pub sex_other: f64,
    /// Generations of children: 1 = children of founders; 2 = also their children.
    pub generations: u32,
    /// Share of first-generation children who become parents themselves (generations = 2).
    pub become_parent: f64,
}

/// Deaths, emigration, moves.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifeModel {
    /// Probability a child dies before 23.
    pub child_death: f64,
    /// Probability a child emigrates before 23.
    pub child_emigration: f64,
    /// Expected family moves per year (to another district or municipality).
    pub moves_per_year: f64,
    /// Share of moves that go to another municipality of the source.
    pub move_municipality: f64,
    /// Districts (`WK` codes) per municipality.
    pub districts_per_municipality: u32,
}

/// Youth care.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CareModel {
    /// P(a boy ever has youth care before 18).
    pub ever_boy: f64,
    /// P(a girl ever has youth care before 18).
    pub ever_girl: f64,
    /// Risk ratio of ever having care when at least one biological parent had care as a minor.
    pub transmission_rr: f64,
    /// Relative weight of the first spell starting at each age 0..=17.
    pub start_age_weights: [f64; 18],
    /// Care-form mix of a spell's first episode, in ladder order `local_team`, `ambulant`,
    /// `network`, `day_treatment`, `foster_care`, `family_home`, `residential`, `secure`.
    pub form_mix: [f64; 8],
    /// Share of episodes delivered with codes: `care_form` as the BIJ code (31–38) and
    /// `end_reason` as the CBS code (01–05) where it has one.
    pub bij_code_share: f64,
    /// Median episode duration in days (light care; heavier care lasts longer).
    pub episode_median_days: f64,
    /// P(a spell continues with a further episode at the same or a lower level).
    pub follow_on: f64,
    /// P(escalation within 365 days of a spell start: a heavier episode or a measure start).
    pub escalation: f64,
    /// Share of escalations that are a protection-measure start (the rest are heavier care).
    pub escalation_by_measure: f64,
    /// P(re-entry: a next spell within 730 days of a spell end; the time is uniform on 32–730).
    pub reentry: f64,
    /// End-reason mix: `planned`, `early_mutual`, `early_client`, `early_provider`, `external`,
    /// `other`, `unknown`.
    pub end_reasons: [f64; 7],
    /// Number of providers (`provider_id`) per source.
    pub providers: u32,
    /// A planted activity (issue 16): one provider's programme with its own effect on re-entry
    /// and an age mix of its own. None in the scenarios before it (their bytes are unchanged).
    #[serde(default)]
    pub activity: Option<ActivityModel>,
}

/// A planted activity (`[model.care.activity]`): a spell goes to the activity's provider with a
/// probability that depends on the age at its start, older children re-enter at their own
/// rate, and the activity multiplies the re-entry probability of its spells by a known factor.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityModel {
    /// The activity's provider number (`provider_id` = `P` + 4 digits); at least `providers`, so
    /// no other episode has it. The spell's first episode is the activity's.
    pub provider: u32,
    /// Age at the spell start (completed years) from which a child counts as older.
    pub older_from: u32,
    /// P(a younger child's spell is an activity spell).
    pub share_younger: f64,
    /// P(an older child's spell is an activity spell).
    pub share_older: f64,
    /// P(re-entry) after an older child's spell (the model's `reentry` is the younger's).
    pub reentry_older: f64,
    /// Planted effect: the activity multiplies the re-entry probability by this factor.
    pub reentry_factor: f64,
    /// The activity's programme code (issue 16): every episode of the activity's provider is
    /// delivered with it in the optional `programme` column of `care_episodes` (every other
    /// episode with none). Absent: no `programme` column is written (no random draw either way).
    #[serde(default)]
    pub programme: Option<String>,
}

/// Protection measures and youth probation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureModel {
    /// Kind mix of escalation measures: `ots`, `provisional_ots` (followed by `ots`),
    /// `guardianship`, `provisional_guardianship` (followed by `guardianship`).
    pub kinds: [f64; 4],
    /// Median duration of a measure in days.
    pub median_days: f64,
    /// P(a closed protection measure ends `goal_reached`).
    pub goal_reached: f64,
    /// P(a child with care aged 12+ at a spell start gets youth probation with it).
    pub youth_probation: f64,
}

/// Safety reports.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafetyModel {
    /// P(a family has a report chain for one of its children).
    pub family_report: f64,
    /// P(a report is followed by a re-report, at a time uniform on 31–730 days).
    pub rereport: f64,
    /// P(a re-report is about another child of the household, one who is a minor alive and in
    /// the country that day; issue 16: households with several reported children). Default 0:
    /// every report of a chain is about the same child, as before (no random draw is made).
    #[serde(default)]
    pub sibling_report: f64,
}

/// Measurements per closed episode.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasurementModel {
    /// P(an episode is measured: problem score at start and end, goal attainment, satisfaction).
    pub measured: f64,
    /// Mean problem score at start.
    pub problem_start_mean: f64,
    /// SD of the problem score at start.
    pub problem_sd: f64,
    /// Planted true mean change (end − start); negative = improvement.
    pub true_change: f64,
    /// SD of the individual change.
    pub change_sd: f64,
    /// P(goal attainment 0 = not, 1 = partly, 2 = fully).
    pub goal_attainment: [f64; 3],
    /// P(satisfaction >= 7).
    pub satisfied: f64,
    /// Also a `quarterly` problem score every 91 days inside a measured episode (routine outcome
    /// monitoring), on the line from the start to the end score plus noise.
    #[serde(default)]
    pub quarterly: bool,
}

/// Late corrections: a record first delivered with a provisional value, corrected later.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionModel {
    /// Share of episodes first delivered with a provisional `care_form` or `end_reason`.
    pub share: f64,
    /// A planted late correction of one quarter at one site (issue 16). Absent: none, and no
    /// extra delivery (no random draw either way: the scenarios before it keep their bytes).
    #[serde(default)]
    pub quarter: Option<QuarterCorrection>,
}

/// A late correction of one quarter at one site (`[model.corrections.quarter]`): every
/// delivery of `site` delivers the protection measures (not youth probation) that ended in
/// `quarter` with end reason `unknown`; after the scenario's last delivery the site delivers
/// `delivery_id`, extracted on the same day as its last delivery and equal to it but for those
/// measures, which carry their own end reasons. Each end reason it changes is listed under
/// `[[corrections]]` in `OUT/expected.toml` (table `measures`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuarterCorrection {
    /// The site (a `[[sources]]` name).
    pub site: String,
    /// The corrected quarter, `YYYYQn`.
    pub quarter: String,
    /// The correcting delivery's `delivery_id` (none of the schedule's).
    pub delivery_id: String,
}

/// The `[probation]` section of a scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbationSpec {
    /// Young offenders generated (written by the first source, living in its first municipality).
    pub offenders: u32,
    /// Youth probation measures end on a uniformly random day from this date...
    #[serde(deserialize_with = "toml_date")]
    pub ends_from: NaiveDate,
    /// ...up to (not including) this one; at least 790 days before the data end.
    #[serde(deserialize_with = "toml_date")]
    pub ends_to: NaiveDate,
    /// Probability of a new offence within 365 days of the end.
    pub recidivism_1y: f64,
    /// Probability of a new offence within 730 days of the end (at least `recidivism_1y`).
    pub recidivism_2y: f64,
    /// Probability that the new offence is serious.
    pub serious_share: f64,
    /// The risk instrument's name in `measurements`.
    pub risk_instrument: String,
    /// Its SD.
    pub risk_sd: f64,
    /// Its reliability.
    pub risk_reliability: f64,
    /// Probability of a reliable reduction of the risk score.
    pub risk_reduced: f64,
    /// Probability of a reliable increase.
    pub risk_increased: f64,
}

impl ProbationSpec {
    /// What is wrong with the section, if anything (key, message).
    pub fn problem(&self, extracted_on: NaiveDate) -> Option<(&'static str, String)> {
        let p = [
            ("recidivism_1y", self.recidivism_1y),
            ("recidivism_2y", self.recidivism_2y),
            ("serious_share", self.serious_share),
            ("risk_reduced", self.risk_reduced),
            ("risk_increased", self.risk_increased),
        ];
        if let Some((k, v)) = p.iter().find(|(_, v)| !(0.0..=1.0).contains(v)) {
            return Some((k, format!("{v} is not a probability")));
        }
        if self.recidivism_2y < self.recidivism_1y || self.risk_reduced + self.risk_increased > 1.0 {
            return Some((
                "recidivism_2y",
                "needs recidivism_1y <= recidivism_2y and risk_reduced + risk_increased <= 1".into(),
            ));
        }
        if self.ends_from >= self.ends_to || self.ends_to + chrono::Days::new(790) > extracted_on {
            return Some(("ends_to", "needs ends_from < ends_to <= data end - 790 days".into()));
        }
        if self.offenders >= 500_000 || !(self.risk_sd > 0.0 && (0.0..1.0).contains(&self.risk_reliability)) {
            return Some((
                "offenders",
                "needs fewer than 500000 offenders, risk_sd > 0 and 0 <= risk_reliability < 1".into(),
            ));
        }
        None
    }
}
