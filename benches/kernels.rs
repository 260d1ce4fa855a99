//! Per-person outcome kernels (criterion): `compute` over 20,000 synthetic timelines of varied
//! shape (0–6 episodes, 0–2 measures, 0–4 reports, a few measurements each), and their Arrow
//! tables with `to_batches`. The timelines are built here, deterministically, so the bench
//! measures the kernels alone (no delivery reading).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // a benchmark may stop on a broken fixture

use chrono::{Days, NaiveDate};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kohort::outcomes::config::OutcomeConfig;
use kohort::outcomes::kernels::{PersonOutcomes, compute};
use kohort::results::batches::to_batches;
use kohort::schema::{CareEndReason, CareForm, MeasureEndReason, MeasureKind, Moment, ReportKind, Sex};
use kohort::timelines::{Episode, Instrument, Measure, Measurement, PersonId, PersonTimeline, Pseudonym, Report};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const PEOPLE: usize = 20_000;
const FORMS: [CareForm; 8] = [
    CareForm::LocalTeam,
    CareForm::Ambulant,
    CareForm::Network,
    CareForm::DayTreatment,
    CareForm::FosterCare,
    CareForm::FamilyHome,
    CareForm::Residential,
    CareForm::Secure,
];
const MEASURES: [MeasureKind; 4] =
    [MeasureKind::ProvisionalOts, MeasureKind::Ots, MeasureKind::Guardianship, MeasureKind::YouthProbation];

fn day(base: NaiveDate, n: u64) -> NaiveDate {
    base.checked_add_days(Days::new(n)).unwrap_or(base)
}

fn person(i: usize, rng: &mut ChaCha8Rng) -> PersonTimeline {
    let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    let birth = day(epoch, rng.random_range(0..5_500));
    let mut at = day(birth, rng.random_range(365..4_000));
    let mut episodes = Vec::new();
    for e in 0..rng.random_range(0..=6) {
        let end = day(at, rng.random_range(30..700));
        let open = rng.random_bool(0.1);
        episodes.push(Episode {
            episode_id: Pseudonym::label(&format!("E{i}-{e}")),
            care_form: FORMS[rng.random_range(0..FORMS.len())],
            start: at,
            end: (!open).then_some(end),
            end_reason: Some(CareEndReason::Planned),
        });
        at = day(if rng.random_bool(0.3) { at } else { end }, rng.random_range(1..400));
    }
    let measures = (0..rng.random_range(0..=2))
        .map(|m| Measure {
            measure_id: Pseudonym::label(&format!("M{i}-{m}")),
            kind: MEASURES[rng.random_range(0..MEASURES.len())],
            start: day(birth, rng.random_range(365..6_000)),
            end: Some(day(birth, rng.random_range(6_000..6_500))),
            end_reason: Some(MeasureEndReason::GoalReached),
        })
        .collect();
    let reports = (0..rng.random_range(0..=4))
        .map(|r| Report {
            report_id: Pseudonym::label(&format!("R{i}-{r}")),
            household_id: None,
            date: day(birth, rng.random_range(0..6_500)),
            kind: ReportKind::ChildAbuse,
        })
        .collect();
    let measurements = episodes
        .iter()
        .filter_map(|e| {
            Some(Measurement {
                measurement_id: Pseudonym::label(&format!("X{}", e.episode_id.to_hex_string())),
                episode_id: Some(e.episode_id),
                instrument: Instrument::GoalAttainment,
                moment: Moment::End,
                date: e.end?,
                value: 2.0,
            })
        })
        .collect();
    sorted(PersonTimeline {
        person_id: PersonId::label(&format!("P{i}")),
        birth_date: birth,
        sex: Sex::F,
        death_date: None,
        emigration_date: None,
        data_end: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap_or_default(),
        episodes,
        measures,
        reports,
        measurements,
        offences: Vec::new(),
    })
}

fn sorted(mut t: PersonTimeline) -> PersonTimeline {
    t.episodes.sort_by(|a, b| (a.start, &a.episode_id).cmp(&(b.start, &b.episode_id)));
    t.measures.sort_by(|a, b| (a.start, &a.measure_id).cmp(&(b.start, &b.measure_id)));
    t.reports.sort_by(|a, b| (a.date, &a.report_id).cmp(&(b.date, &b.report_id)));
    t.measurements.sort_by(|a, b| (a.date, &a.measurement_id).cmp(&(b.date, &b.measurement_id)));
    t
}

fn bench_kernels(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let people: Vec<PersonTimeline> = (0..PEOPLE).map(|i| person(i, &mut rng)).collect();
    let cfg = OutcomeConfig::default();
    let mut group = c.benchmark_group("kernels");
    group.sample_size(10);
    group.throughput(Throughput::Elements(PEOPLE as u64));
    group.bench_function("compute, 20k persons, 1 thread", |b| {
        b.iter(|| people.iter().map(|t| compute(t, &cfg)).collect::<Vec<PersonOutcomes>>());
    });
    let outcomes: Vec<PersonOutcomes> = people.iter().map(|t| compute(t, &cfg)).collect();
    group.bench_function("to_batches, 20k persons", |b| b.iter(|| to_batches(&outcomes)));
    group.finish();
}

criterion_group!(benches, bench_kernels);
criterion_main!(benches);
