//! Young offenders with planted recidivism and risk change (the `[probation]` section of a
//! scenario, docs/definitions.md §4.17): each offender has one youth probation measure that
//! ends in a configured period, the offence that led to it, at most one new offence after the
//! end, and a start and an end score of a risk instrument.
//!
//! Planted by construction: a new offence falls within 365 days of the end with probability
//! `recidivism_1y`, within 366–730 days with probability `recidivism_2y − recidivism_1y`, else
//! never; it is serious with probability `serious_share`. The risk score changes by 2.5 SEs
//! down (`risk_reduced`), 2.5 SEs up (`risk_increased`), else by less than 1 SE. Measures end
//! at least 730 + 60 days before the data end and nobody dies or emigrates, so every 1- and
//! 2-year window is complete and the shares are estimated without censoring.

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

use super::codes::Bsn;
use super::table::{Table, TableSet};
use super::world::plus;

/// The `[probation]` section of a scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbationSpec {
    /// Young offenders generated (written by the first source, living in its first municipality).
    pub offenders: u32,
    /// Youth probation measures end on a uniformly random day from this date...
    #[serde(deserialize_with = "super::scenario::toml_date")]
    pub ends_from: NaiveDate,
    /// ...up to (not including) this one; at least 790 days before the data end.
    #[serde(deserialize_with = "super::scenario::toml_date")]
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
        if self.ends_from >= self.ends_to || plus(self.ends_to, 790) > extracted_on {
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

/// Person ids of offenders: above every family's ids, below the ones `dirty` keeps.
const FIRST_PERSON: u64 = 79_500_000;

/// The offenders' rows (persons, residence, measures, measurements, offences).
pub fn rows(spec: &ProbationSpec, seed: u64, municipality: &str) -> TableSet {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5052_4f42_4154_494f);
    let mut out = TableSet::default();
    let span = (spec.ends_to - spec.ends_from).num_days();
    let se = spec.risk_sd * 2f64.sqrt() * (1.0 - spec.risk_reliability).sqrt();
    for i in 0..u64::from(spec.offenders) {
        let person = Bsn::nth(FIRST_PERSON + i).to_string();
        let end = plus(spec.ends_from, rng.random_range(0..span));
        let start = plus(end, -rng.random_range(180..540));
        let birth = plus(start, -rng.random_range(14 * 365..17 * 365));
        let sex = if rng.random_bool(0.8) { "m" } else { "f" };
        out.get_mut(Table::Persons).cell(&person).fmt(birth).cell(sex).cell("").cell("").end_row();
        out.get_mut(Table::Residence).cell(&person).cell(municipality).cell("").fmt(birth).cell("").end_row();
        let measure = format!("JR{i:08}");
        out.get_mut(Table::Measures)
            .cell(&measure)
            .cell(&person)
            .cell("youth_probation")
            .fmt(start)
            .fmt(end)
            .cell("goal_reached")
            .end_row();
        let before = plus(start, -rng.random_range(30..120));
        offence(&mut out, &mut rng, &format!("OF{i:08}A"), &person, before, "medium");
        let u = rng.random::<f64>();
        let t = if u < spec.recidivism_1y {
            Some(rng.random_range(1..=365))
        } else if u < spec.recidivism_2y {
            Some(rng.random_range(366..=730))
        } else {
            None
        };
        let serious = rng.random_bool(spec.serious_share);
        if let Some(t) = t {
            let severity = if serious { "serious" } else { "light" };
            offence(&mut out, &mut rng, &format!("OF{i:08}B"), &person, plus(end, t), severity);
        }
        let score: f64 = rng.random_range(15.0..35.0);
        let v = rng.random::<f64>();
        let change = if v < spec.risk_reduced {
            -2.5 * se
        } else if v < spec.risk_reduced + spec.risk_increased {
            2.5 * se
        } else {
            rng.random_range(-0.9..0.9) * se
        };
        let first = plus(start, rng.random_range(0..14));
        let last = plus(end, -rng.random_range(0..14));
        for (k, (moment, date, value)) in
            [("start", first, score), ("end", last, score + change)].into_iter().enumerate()
        {
            out.get_mut(Table::Measurements)
                .cell(format!("XP{i:08}{k}"))
                .cell(&person)
                .cell("")
                .cell(&spec.risk_instrument)
                .cell(moment)
                .fmt(date)
                .fmt(format!("{value:.3}"))
                .end_row();
        }
    }
    out
}

fn offence(out: &mut TableSet, rng: &mut ChaCha8Rng, id: &str, person: &str, on: NaiveDate, severity: &str) {
    let registered = plus(on, rng.random_range(5..60));
    let settlement = if severity == "light" { "halt" } else { "prosecutor_settlement" };
    out.get_mut(Table::Offences)
        .cell(id)
        .cell(person)
        .fmt(on)
        .fmt(registered)
        .cell(severity)
        .cell(settlement)
        .cell("")
        .end_row();
}
