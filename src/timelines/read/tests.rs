//! Tests of the timeline reader.

use duckdb::arrow::array::ArrayRef;
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

use super::*;

/// A filtered read of a file of many small row groups, each with its own dictionary of
/// care forms (a row group of one form, the next of two others...), keeps exactly the
/// listed persons' rows with their care forms and dates, as a plain loop over the rows
/// written says; so does an unfiltered read, with every row.
#[test]
fn filtered_reads_across_row_groups_keep_the_listed_rows_and_their_codes() {
    let forms = CareForm::ALL;
    // 60 persons, 1 to 3 episodes each, in id order (as the store's files are).
    let mut persons: Vec<PersonId> = (0..60).map(|i| PersonId::label(&format!("p{i:03}"))).collect();
    persons.sort_unstable();
    let mut rows: Vec<(PersonId, CareForm, i32)> = Vec::new();
    for (i, p) in persons.iter().enumerate() {
        for e in 0..=(i % 3) {
            // Forms change every few rows, so row groups of 7 rows hold different ones.
            rows.push((*p, forms[(rows.len() / 5 + e) % forms.len()], 18_000 + i32::try_from(i * 10 + e).unwrap()));
        }
    }
    let hex: Vec<[u8; 32]> = rows.iter().map(|r| r.0.to_hex()).collect();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(hex.iter().map(|h| std::str::from_utf8(h).unwrap()))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.1.as_str()))),
        Arc::new(Date32Array::from_iter_values(rows.iter().map(|r| r.2))),
        Arc::new(rows.iter().map(|_| None::<i32>).collect::<Date32Array>()),
    ];
    // Every column nullable, as in the files DuckDB writes for the store.
    let schema = Arc::new(Schema::new(vec![
        Field::new("person_id", DataType::Utf8, true),
        Field::new("care_form", DataType::Utf8, true),
        Field::new("start_date", DataType::Date32, true),
        Field::new("end_date", DataType::Date32, true),
    ]));
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("care_episodes").join("b03");
    std::fs::create_dir_all(&folder).unwrap();
    let props = WriterProperties::builder().set_max_row_group_row_count(Some(7)).build();
    let mut w =
        ArrowWriter::try_new(std::fs::File::create(folder.join("s.parquet")).unwrap(), schema, Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let bucket = Bucket { dir: dir.path(), bucket: 3 };
    let needs = Needs { episode_details: false, ..Needs::ALL };
    let got = |only: Option<&PersonSet>| -> Vec<(PersonId, CareForm, NaiveDate)> {
        let read = bucket.episodes(needs, only).unwrap();
        read.into_iter().map(|(p, e)| (p, e.care_form, e.start)).collect()
    };
    let want = |keep: &dyn Fn(PersonId) -> bool| -> Vec<(PersonId, CareForm, NaiveDate)> {
        rows.iter().filter(|r| keep(r.0)).map(|r| (r.0, r.1, date_of(r.2).unwrap())).collect()
    };
    // Every third person, the first and the last among them.
    let listed: Vec<PersonId> = persons.iter().step_by(3).copied().chain([persons[59]]).collect();
    let set = PersonSet::new(&listed);
    let kept = got(Some(&set));
    assert_eq!(kept, want(&|p| listed.contains(&p)));
    assert!(kept.len() > 20, "the listed persons have {} rows", kept.len());
    // A set of one person in a middle row group, and one with none of the file's persons.
    assert_eq!(got(Some(&PersonSet::new(&[persons[31]]))), want(&|p| p == persons[31]));
    assert_eq!(got(Some(&PersonSet::new(&[PersonId::label("zzz")]))), Vec::new());
    // A set larger than 64 (a new row group finds its place by search, not by walking).
    let mut many: Vec<PersonId> = (0..40).map(|i| PersonId::label(&format!("q{i:03}"))).collect();
    many.extend(persons.iter().skip(1).step_by(2));
    assert!(many.len() > 64);
    assert_eq!(got(Some(&PersonSet::new(&many))), want(&|p| many.contains(&p)));
    assert_eq!(got(None), want(&|_| true));
}

/// A measurement as written: person, measurement id, instrument, date (days since 1970), value.
type Written<'a> = (PersonId, Pseudonym, &'a str, i32, f64);

/// A read of measurements keeping only the outcome instruments (goal attainment and
/// satisfaction), alone and together with a set of persons, over row groups of 5 rows each
/// with its own dictionary of instruments, keeps exactly the rows a plain loop over the rows
/// written keeps, with their ids, instruments and values; a set with none of the file's
/// persons keeps nothing.
#[test]
fn outcome_instrument_reads_with_and_without_a_person_set_keep_the_rows_a_loop_keeps() {
    let instruments = ["goal_attainment", "sdq", "satisfaction", "satisfaction", "cbcl", "goal_attainment", "sdq"];
    let mut persons: Vec<PersonId> = (0..25).map(|i| PersonId::label(&format!("m{i:03}"))).collect();
    persons.sort_unstable();
    // (person, measurement id, instrument, date, value); 1 to 4 rows per person, in id order.
    let mut rows: Vec<Written<'_>> = Vec::new();
    for (i, p) in persons.iter().enumerate() {
        for e in 0..=(i % 4) {
            let n = rows.len();
            let id = Pseudonym::label(&format!("x{n:03}"));
            rows.push((
                *p,
                id,
                instruments[(n * 3 + e) % instruments.len()],
                18_000 + i32::try_from(n).unwrap(),
                n as f64,
            ));
        }
    }
    let text = |hex: [u8; 32]| String::from_utf8(hex.to_vec()).unwrap();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| text(r.0.to_hex())))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| text(r.1.to_hex())))),
        Arc::new(rows.iter().map(|_| None::<&str>).collect::<StringArray>()),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.2))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|_| "end"))),
        Arc::new(Date32Array::from_iter_values(rows.iter().map(|r| r.3))),
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.4))),
    ];
    let schema = Arc::new(Schema::new(
        ["person_id", "measurement_id", "episode_id", "instrument", "moment"]
            .into_iter()
            .map(|c| Field::new(c, DataType::Utf8, true))
            .chain([Field::new("date", DataType::Date32, true), Field::new("value", DataType::Float64, true)])
            .collect::<Vec<_>>(),
    ));
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("measurements").join("b01");
    std::fs::create_dir_all(&folder).unwrap();
    let props = WriterProperties::builder().set_max_row_group_row_count(Some(5)).build();
    let mut w =
        ArrowWriter::try_new(std::fs::File::create(folder.join("s.parquet")).unwrap(), schema, Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let bucket = Bucket { dir: dir.path(), bucket: 1 };
    type Row = (PersonId, Pseudonym, Instrument, NaiveDate, f64);
    let got = |which: Measurements, only: Option<&PersonSet>| -> Vec<Row> {
        let read = bucket.measurements(which, only).unwrap();
        read.into_iter().map(|(p, m)| (p, m.measurement_id, m.instrument, m.date, m.value)).collect()
    };
    let want = |keep: &dyn Fn(&Written<'_>) -> bool| -> Vec<Row> {
        rows.iter()
            .filter(|r| keep(r))
            .map(|r| (r.0, r.1, Instrument::from_name(r.2), date_of(r.3).unwrap(), r.4))
            .collect()
    };
    let outcome = |r: &Written<'_>| matches!(r.2, "goal_attainment" | "satisfaction");
    let all = got(Measurements::Outcome, None);
    assert_eq!(all, want(&outcome));
    assert!(all.len() > 10 && all.len() < rows.len(), "{} of {} rows kept", all.len(), rows.len());
    let listed: Vec<PersonId> = persons.iter().skip(1).step_by(4).copied().collect();
    let set = PersonSet::new(&listed);
    assert_eq!(got(Measurements::Outcome, Some(&set)), want(&|r| outcome(r) && listed.contains(&r.0)));
    assert_eq!(got(Measurements::All, Some(&set)), want(&|r| listed.contains(&r.0)));
    assert_eq!(got(Measurements::Outcome, Some(&PersonSet::new(&[PersonId::label("zzz")]))), Vec::new());
}
