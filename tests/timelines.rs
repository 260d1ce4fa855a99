//! Timelines read from the store bucket by bucket: complete, sorted and exactly the delivered
//! values (ids pseudonymised).

use chrono::NaiveDate;
use kohort::db::DbSettings;
use kohort::schema::{CareEndReason, CareForm, MeasureEndReason, MeasureKind, Moment, ReportKind, Sex};
use kohort::store::Store;
use kohort::timelines::{Episode, Instrument, Measure, Measurement, PersonId, PersonTimeline, Pseudonym, Report};

use crate::common::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// The pseudonym the test key gives, as the engine holds it.
fn ps(domain: &str, id: &str) -> Pseudonym {
    Pseudonym::from_hex(pseudo(domain, id).as_bytes()).expect("pseudonym")
}

fn all_timelines(store: &std::path::Path) -> Vec<(u16, PersonTimeline)> {
    let s = Store::at(store);
    let conn = kohort::query::open_store(&s, &DbSettings { threads: 2, memory_limit: "1GB".into() }).expect("open");
    let buckets = s.require_manifest().expect("manifest").buckets;
    let mut out = Vec::new();
    for b in 0..buckets {
        for t in kohort::timelines::read_bucket(&conn, b, kohort::timelines::Needs::ALL).expect("read bucket") {
            out.push((b, t));
        }
    }
    out
}

#[test]
fn a_bucket_read_gives_each_person_their_own_sorted_events() {
    let tmp = tempfile::tempdir().unwrap();
    let d_ = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    let store = tmp.path().join("s");
    ingest_cmd(&d_, &store, tmp.path()).assert().code(0);
    let all = all_timelines(&store);
    // 200000001, 200000002 (episodes, reports), 200000003 (a measure); the parents and
    // 300000001 have no events and so no outcome rows: they are not read.
    assert_eq!(all.len(), 3, "every person with an event, once");
    for (b, t) in &all {
        assert_eq!(t.person_id.bucket(16), *b, "a person is in their bucket");
    }
    let p = |id: &str| pseudo("person", id);
    let anna = all.iter().map(|(_, t)| t).find(|t| t.person_id == p("200000001")).expect("200000001");
    let want = PersonTimeline {
        person_id: PersonId::from_hex(p("200000001").as_bytes()).expect("person"),
        birth_date: d("2010-05-20"),
        sex: Sex::F,
        death_date: None,
        emigration_date: None,
        data_end: d("2026-10-01"),
        episodes: vec![
            Episode {
                episode_id: ps("episode", "EPI-0000001"),
                care_form: CareForm::Ambulant,
                start: d("2018-02-01"),
                end: Some(d("2018-08-31")),
                end_reason: Some(CareEndReason::Planned),
            },
            Episode {
                episode_id: ps("episode", "EPI-0000002"),
                care_form: CareForm::FosterCare,
                start: d("2019-01-10"),
                end: None,
                end_reason: None,
            },
        ],
        measures: vec![Measure {
            measure_id: ps("measure", "MAT-0000001"),
            kind: MeasureKind::Ots,
            start: d("2019-01-05"),
            end: Some(d("2021-01-04")),
            end_reason: Some(MeasureEndReason::GoalReached),
        }],
        reports: vec![Report {
            report_id: ps("report", "VT-00000001"),
            household_id: Some(ps("household", "HH-0000001")),
            date: d("2018-01-15"),
            kind: ReportKind::ChildAbuse,
        }],
        measurements: vec![
            Measurement {
                measurement_id: ps("measurement", "MS-00000001"),
                episode_id: Some(ps("episode", "EPI-0000001")),
                instrument: Instrument::GoalAttainment,
                moment: Moment::End,
                date: d("2018-08-31"),
                value: 2.0,
            },
            Measurement {
                measurement_id: ps("measurement", "MS-00000002"),
                episode_id: Some(ps("episode", "EPI-0000001")),
                instrument: Instrument::Satisfaction,
                moment: Moment::End,
                date: d("2018-08-31"),
                value: 8.5,
            },
        ],
        offences: Vec::new(),
    };
    let mut want = want;
    // Same-day measurements are ordered by (pseudonymised) id.
    want.measurements.sort_by_key(|m| m.measurement_id);
    assert_eq!(*anna, want);
    let month = all.iter().map(|(_, t)| t).find(|t| t.person_id == p("200000002")).expect("200000002");
    assert_eq!(month.birth_date, d("2012-11-15"));
    assert_eq!(month.episodes[0].end_reason, Some(CareEndReason::EarlyClient));
}

#[test]
fn buckets_together_hold_every_row_of_the_store_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let big = crate::store::big_delivery(&tmp.path().join("big"), 3_000);
    let store = tmp.path().join("s");
    ingest_cmd(&big, &store, tmp.path()).assert().code(0);
    let all = all_timelines(&store);
    let count = |sql: &str| query(&store, sql)[0][0].parse::<usize>().unwrap();
    assert_eq!(
        all.len(),
        count("SELECT count(*) FROM persons WHERE person_id IN (SELECT person_id FROM care_episodes)")
    );
    assert_eq!(all.iter().map(|(_, t)| t.episodes.len()).sum::<usize>(), count("SELECT count(*) FROM care_episodes"));
    assert_eq!(all.iter().map(|(_, t)| t.reports.len()).sum::<usize>(), count("SELECT count(*) FROM safety_reports"));
    assert_eq!(all.iter().map(|(_, t)| t.measures.len()).sum::<usize>(), count("SELECT count(*) FROM measures"));
    for (_, t) in &all {
        assert!(t.episodes.windows(2).all(|w| (w[0].start, w[0].episode_id) <= (w[1].start, w[1].episode_id)));
        assert!(t.episodes.len() == 3, "3 episodes each");
    }
    let ids: Vec<PersonId> = all.iter().map(|(_, t)| t.person_id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "no person twice");
}
