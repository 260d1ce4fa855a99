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
use kohort::timelines::{Episode, Measure, Measurement, PersonTimeline, Report};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const PEOPLE: usize = 20_000;
const FORMS: [&str; 8] =
    ["local_team", "ambulant", "network", "day_treatment", "foster_care", "family_home", "residential", "secure"];
const MEASURES: [&str; 4] = ["provisional_ots", "ots", "guardianship", "youth_probation"];

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
            episode_id: format!("E{i}-{e}"),
            care_form: FORMS[rng.random_range(0..FORMS.len())].to_owned(),
            start: at,
            end: (!open).then_some(end),
            end_reason: Some("planned".to_owned()),
            municipality: None,
        });
        at = day(if rng.random_bool(0.3) { at } else { end }, rng.random_range(1..400));
    }
    let measures = (0..rng.random_range(0..=2))
        .map(|m| Measure {
            measure_id: format!("M{i}-{m}"),
            kind: MEASURES[rng.random_range(0..MEASURES.len())].to_owned(),
            start: day(birth, rng.random_range(365..6_000)),
            end: Some(day(birth, rng.random_range(6_000..6_500))),
            end_reason: Some("goal_reached".to_owned()),
        })
        .collect();
    let reports = (0..rng.random_range(0..=4))
        .map(|r| Report {
            report_id: format!("R{i}-{r}"),
            household_id: None,
            date: day(birth, rng.random_range(0..6_500)),
            kind: "child_abuse".to_owned(),
        })
        .collect();
    let measurements = episodes
        .iter()
        .filter_map(|e| {
            Some(Measurement {
                measurement_id: format!("X{}", e.episode_id),
                episode_id: Some(e.episode_id.clone()),
                instrument: "goal_attainment".to_owned(),
                moment: "end".to_owned(),
                date: e.end?,
                value: 2.0,
            })
        })
        .collect();
    sorted(PersonTimeline {
        person_id: format!("P{i}"),
        birth_date: birth,
        sex: "f".to_owned(),
        death_date: None,
        emigration_date: None,
        data_end: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap_or_default(),
        episodes,
        measures,
        reports,
        measurements,
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
