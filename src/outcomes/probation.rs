//! Youth probation (docs/definitions.md §4.17): recidivism in the WODC *Recidivemonitor* reading
//! and the change of delinquency risk during a youth probation measure.
//!
//! * Recidivism indexes, in this order: the end of every closed `youth_probation` measure
//!   (measure order), the person's first registered offence, and the person's first offence
//!   settled by Halt. Follow-up ends at death, emigration or the data end (no age limit unless
//!   configured).
//! * A **new offence** after an index is, in the default reading, an offence with offence date
//!   after the index date (registered by the data end, as every stored offence is); an offence
//!   committed before the index but registered after it is not one. Time runs to the offence
//!   date. The `registration_date` reading counts every offence registered after the index and
//!   runs time to the registration; it dates an offence index by its registration.
//! * Two variants: `any` (*algemene recidive*) and `serious` (*ernstige recidive*: an offence of
//!   a configured severity class). Each has its first event, time and window statuses (the
//!   shared rules of §4.1).
//! * Risk change: for each closed youth probation measure and configured risk instrument, the
//!   earliest `start` and the latest `end` score of the person dated within the measure (start
//!   to end, inclusive); the Jacobson–Truax RCI (end − start) / (SD·√2·√(1 − r)) ≤ −1.96 is
//!   `reduced`, ≥ 1.96 `increased`, else `unchanged`.

use chrono::NaiveDate;

use super::config::{NewOffence, OutcomeConfig, RiskInstrumentSpec};
use super::followup::{FollowUp, follow_up};
use super::indicators::RCI_CRITICAL;
use super::window::{self, Status};
use crate::schema::{MeasureKind, Moment, OffenceSettlement};
use crate::timelines::{Measure, Offence, PersonTimeline, Pseudonym};

/// What a recidivism index is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndexKind {
    /// The end of a youth probation measure.
    ProbationEnd,
    /// The person's first registered offence.
    FirstOffence,
    /// The person's first offence settled by Halt.
    Halt,
}

impl IndexKind {
    /// The name used in result tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ProbationEnd => "probation_end",
            Self::FirstOffence => "first_offence",
            Self::Halt => "halt",
        }
    }
}

/// The first new offence of one variant after an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recidivism {
    /// The first new offence seen (id, its date in the reading: offence or registration).
    pub event: Option<(Pseudonym, NaiveDate)>,
    /// Days from the index to that offence.
    pub t: Option<i64>,
    /// Kaplan–Meier time: `t`, else fu − index (`None` when dropped).
    pub time: Option<i64>,
    /// Status per window, in config order.
    pub windows: Vec<(i64, Status)>,
}

/// One recidivism index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecidivismIndex {
    /// What the index is.
    pub kind: IndexKind,
    /// Its date.
    pub date: NaiveDate,
    /// The youth probation measure (probation ends).
    pub measure_id: Option<Pseudonym>,
    /// The offence (first offence, Halt).
    pub offence_id: Option<Pseudonym>,
    /// Follow-up end.
    pub fu: FollowUp,
    /// Index on or after fu.
    pub dropped: bool,
    /// *Algemene recidive*: any new offence.
    pub any: Recidivism,
    /// *Ernstige recidive*: a new offence of a serious class.
    pub serious: Recidivism,
}

/// Direction of a reliable change of risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RiskChange {
    /// Reliably lower risk.
    Reduced,
    /// No reliable change.
    Unchanged,
    /// Reliably higher risk.
    Increased,
}

impl RiskChange {
    /// The name used in result tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reduced => "reduced",
            Self::Unchanged => "unchanged",
            Self::Increased => "increased",
        }
    }
}

/// The risk change of one instrument during one closed youth probation measure.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskChangeRow {
    /// The measure.
    pub measure_id: Pseudonym,
    /// The instrument.
    pub instrument: String,
    /// The earliest `start` score within the measure (date, score).
    pub start: (NaiveDate, f64),
    /// The latest `end` score within the measure (date, score).
    pub end: (NaiveDate, f64),
    /// The Jacobson–Truax reliable change index.
    pub rci: f64,
    /// Reduced, unchanged or increased.
    pub change: RiskChange,
}

fn is_probation(m: &Measure) -> bool {
    m.kind == MeasureKind::YouthProbation
}

/// The date of an offence in the configured reading.
fn dated(o: &Offence, reading: NewOffence) -> NaiveDate {
    match reading {
        NewOffence::OffenceDate => o.offence_date,
        NewOffence::RegistrationDate => o.registration_date,
    }
}

/// Every recidivism index of `t`, in the order of the module header.
pub fn indexes(t: &PersonTimeline, cfg: &OutcomeConfig) -> Vec<RecidivismIndex> {
    let p = &cfg.probation;
    let fu = follow_up(t, p.age_limit.unwrap_or(u32::MAX));
    let first = |pick: &dyn Fn(&Offence) -> bool| {
        t.offences.iter().filter(|o| pick(o)).min_by_key(|o| (dated(o, p.new_offence), o.offence_id))
    };
    let ends = t
        .measures
        .iter()
        .filter(|m| is_probation(m))
        .filter_map(|m| Some((IndexKind::ProbationEnd, m.end?, Some(m.measure_id), None)));
    let offence_index =
        |kind, o: Option<&Offence>| o.map(|o| (kind, dated(o, p.new_offence), None, Some(o.offence_id)));
    let firsts = [
        offence_index(IndexKind::FirstOffence, first(&|_| true)),
        offence_index(IndexKind::Halt, first(&|o| o.settlement == Some(OffenceSettlement::Halt))),
    ];
    ends.chain(firsts.into_iter().flatten())
        .map(|(kind, date, measure_id, offence_id)| {
            let dropped = window::dropped(date, fu.end);
            let any = recidivism(t, cfg, date, fu, dropped, &|_| true);
            let serious = recidivism(t, cfg, date, fu, dropped, &|o| p.serious.contains(&o.severity));
            RecidivismIndex { kind, date, measure_id, offence_id, fu, dropped, any, serious }
        })
        .collect()
}

/// The first new offence of a variant after `index`.
fn recidivism(
    t: &PersonTimeline,
    cfg: &OutcomeConfig,
    index: NaiveDate,
    fu: FollowUp,
    dropped: bool,
    counts: &dyn Fn(&Offence) -> bool,
) -> Recidivism {
    let reading = cfg.probation.new_offence;
    let event = t
        .offences
        .iter()
        .filter(|o| counts(o))
        .map(|o| (o.offence_id, dated(o, reading)))
        .filter(|(_, d)| *d > index && *d <= fu.end)
        .min_by_key(|(id, d)| (*d, *id));
    let date = event.map(|e| e.1);
    let t_days = date.map(|d| window::days(index, d));
    let time = if dropped { None } else { Some(t_days.unwrap_or_else(|| window::days(index, fu.end))) };
    Recidivism { event, t: t_days, time, windows: window::statuses(index, date, fu.end, &cfg.probation.windows) }
}

/// The risk change of every configured risk instrument in every closed youth probation measure.
pub fn risk_changes(t: &PersonTimeline, cfg: &OutcomeConfig) -> Vec<RiskChangeRow> {
    let closed = t.measures.iter().filter(|m| is_probation(m)).filter_map(|m| Some((m, m.end?)));
    closed
        .flat_map(|(m, end)| {
            cfg.probation
                .risk_instruments
                .iter()
                .filter_map(move |(name, spec)| risk_change(t, m.measure_id, (m.start, end), name, spec))
        })
        .collect()
}

fn risk_change(
    t: &PersonTimeline,
    measure_id: Pseudonym,
    (from, to): (NaiveDate, NaiveDate),
    name: &str,
    spec: &RiskInstrumentSpec,
) -> Option<RiskChangeRow> {
    let rows = || t.measurements.iter().filter(|m| m.instrument.as_str() == name && m.date >= from && m.date <= to);
    let start = rows().filter(|m| m.moment == Moment::Start).min_by_key(|m| (m.date, m.measurement_id))?;
    let end = rows().filter(|m| m.moment == Moment::End).max_by_key(|m| (m.date, m.measurement_id))?;
    let se_diff = spec.sd * 2f64.sqrt() * (1.0 - spec.reliability).sqrt();
    if !(se_diff.is_finite() && se_diff > 0.0) {
        return None;
    }
    let rci = (end.value - start.value) / se_diff;
    let change = if rci <= -RCI_CRITICAL {
        RiskChange::Reduced
    } else if rci >= RCI_CRITICAL {
        RiskChange::Increased
    } else {
        RiskChange::Unchanged
    };
    Some(RiskChangeRow {
        measure_id,
        instrument: name.to_owned(),
        start: (start.date, start.value),
        end: (end.date, end.value),
        rci,
        change,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::config::ProbationConfig;
    use crate::outcomes::testkit::{d, id, measure, person};
    use crate::schema::OffenceSeverity;
    use crate::timelines::{Instrument, Measurement};

    fn offence(label: &str, on: &str, registered: &str, severity: OffenceSeverity, halt: bool) -> Offence {
        Offence {
            offence_id: id(label),
            offence_date: d(on),
            registration_date: d(registered),
            severity,
            settlement: halt.then_some(OffenceSettlement::Halt),
        }
    }

    fn risk(label: &str, moment: Moment, date: &str, value: f64) -> Measurement {
        Measurement {
            measurement_id: id(label),
            episode_id: None,
            instrument: Instrument::from_name("risk"),
            moment,
            date: d(date),
            value,
        }
    }

    /// A youth probation measure ending 2022-06-30; an offence committed before the end but
    /// registered after it (O2); a light offence 300 days after (O3) and a serious one 800 days
    /// after (O4). Data end 2026-07-01.
    fn young_offender() -> PersonTimeline {
        let mut t = person("2006-03-01");
        t.measures = vec![measure("M1", "youth_probation", "2021-07-01", "2022-06-30", "goal_reached")];
        t.offences = vec![
            offence("O1", "2021-03-10", "2021-04-01", OffenceSeverity::Medium, true),
            offence("O2", "2022-06-01", "2022-08-15", OffenceSeverity::Serious, false),
            offence("O3", "2023-04-26", "2023-05-10", OffenceSeverity::Light, false),
            offence("O4", "2024-09-07", "2024-10-01", OffenceSeverity::Serious, false),
        ];
        t
    }

    #[test]
    fn offence_date_reading_ignores_an_offence_committed_before_the_index() {
        let o = indexes(&young_offender(), &OutcomeConfig::default());
        let kinds: Vec<_> = o.iter().map(|i| (i.kind, i.date)).collect();
        assert_eq!(
            kinds,
            vec![
                (IndexKind::ProbationEnd, d("2022-06-30")),
                (IndexKind::FirstOffence, d("2021-03-10")),
                (IndexKind::Halt, d("2021-03-10"))
            ]
        );
        let end = &o[0];
        assert_eq!((end.any.event, end.any.t), (Some((id("O3"), d("2023-04-26"))), Some(300)));
        // An event seen before fu counts even where the window could not be watched to its end.
        assert_eq!(end.any.windows, vec![(365, Status::Event), (730, Status::Event), (1826, Status::Event)]);
        assert_eq!((end.serious.event, end.serious.t), (Some((id("O4"), d("2024-09-07"))), Some(800)));
        assert_eq!(end.serious.windows, vec![(365, Status::NoEvent), (730, Status::NoEvent), (1826, Status::Event)]);
        // From the first offence O1 (2021-03-10), O2 on 2022-06-01 is 448 days later.
        assert_eq!((o[1].any.t, o[1].serious.t), (Some(448), Some(448)));
    }

    #[test]
    fn registration_reading_counts_an_offence_registered_after_the_index() {
        let cfg = OutcomeConfig {
            probation: ProbationConfig { new_offence: NewOffence::RegistrationDate, ..ProbationConfig::default() },
            ..OutcomeConfig::default()
        };
        let o = indexes(&young_offender(), &cfg);
        // O2 registered 2022-08-15, 46 days after the end; the first offence is dated by its registration.
        assert_eq!((o[0].any.event, o[0].any.t), (Some((id("O2"), d("2022-08-15"))), Some(46)));
        assert_eq!(o[1].date, d("2021-04-01"));
    }

    #[test]
    fn no_new_offence_is_censored_at_the_data_end_and_an_index_on_fu_is_dropped() {
        let mut t = young_offender();
        t.offences.truncate(2);
        t.measures.push(measure("M2", "youth_probation", "2025-01-01", "2026-07-01", "other"));
        let o = indexes(&t, &OutcomeConfig::default());
        assert_eq!((o[0].any.event, o[0].any.time), (None, Some(1462)), "2022-06-30 to 2026-07-01");
        assert_eq!(o[0].any.windows, vec![(365, Status::NoEvent), (730, Status::NoEvent), (1826, Status::Censored)]);
        assert!(o[1].dropped && o[1].any.time.is_none());
    }

    #[test]
    fn risk_change_is_reliable_at_1_96_and_reads_scores_within_the_measure() {
        let mut t = young_offender();
        t.measurements = vec![
            risk("R0", Moment::Start, "2021-06-30", 40.0),
            risk("R1", Moment::Start, "2021-07-01", 30.0),
            risk("R2", Moment::End, "2022-06-30", 20.0),
            risk("R3", Moment::End, "2022-07-01", 99.0),
        ];
        let spec = RiskInstrumentSpec { sd: 5.0, reliability: 0.5 };
        let cfg = OutcomeConfig {
            probation: ProbationConfig {
                risk_instruments: [("risk".to_owned(), spec)].into_iter().collect(),
                ..ProbationConfig::default()
            },
            ..OutcomeConfig::default()
        };
        let r = risk_changes(&t, &cfg);
        // SE of the difference = 5·√2·√0.5 = 5, RCI = (20 − 30) / 5 = −2.
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].start.1, r[0].end.1, r[0].change), (30.0, 20.0, RiskChange::Reduced));
        assert!((r[0].rci + 2.0).abs() < 1e-12);
        t.measurements[2].value = 21.0;
        assert_eq!(risk_changes(&t, &cfg)[0].change, RiskChange::Unchanged, "RCI −1.8");
    }
}
