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

use super::codes::Bsn;
use super::scenario::ProbationSpec;
use super::table::{Table, TableSet};
use super::world::plus;
use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

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
