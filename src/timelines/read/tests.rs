//! Tests of the timeline reader.

use std::error::Error;

use chrono::Days;
use duckdb::arrow::array::ArrayRef;
use duckdb::arrow::datatypes::{Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding};
use parquet::file::properties::{WriterProperties, WriterVersion};

use super::*;

type TestResult = std::result::Result<(), Box<dyn Error>>;

/// How a test file stores `person_id`.
#[derive(Clone, Copy, Debug)]
enum Ids {
    /// In a dictionary, the file Snappy-compressed (decoded by the Parquet reader).
    Dictionary,
    /// Plain and uncompressed, as kohort stores identifiers (compared where they lie), in data
    /// pages of format 1 or 2 of at most 3 rows (a row group spans several pages).
    Plain(WriterVersion),
}

const ID_LAYOUTS: [Ids; 3] =
    [Ids::Dictionary, Ids::Plain(WriterVersion::PARQUET_1_0), Ids::Plain(WriterVersion::PARQUET_2_0)];

/// Write `columns` as the one file of `table` in bucket `bucket` of the store version `dir`,
/// in row groups of `group_rows` rows, every column nullable (as in the store's files), with
/// `person_id` stored as `ids` says; checks that the reader compares the ids in place exactly
/// when they are plain.
fn write_bucket_file(
    dir: &Path,
    table: &str,
    bucket: u16,
    columns: Vec<(&str, ArrayRef)>,
    group_rows: usize,
    ids: Ids,
) -> std::result::Result<(), Box<dyn Error>> {
    let fields: Vec<Field> = columns.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), columns.into_iter().map(|(_, a)| a).collect())?;
    let folder = dir.join(table).join(format!("b{bucket:02}"));
    std::fs::create_dir_all(&folder)?;
    let props = WriterProperties::builder().set_max_row_group_row_count(Some(group_rows));
    let props = match ids {
        Ids::Dictionary => props.set_compression(Compression::SNAPPY),
        Ids::Plain(version) => props
            .set_writer_version(version)
            .set_column_dictionary_enabled("person_id".into(), false)
            .set_column_encoding("person_id".into(), Encoding::PLAIN)
            .set_data_page_row_count_limit(3)
            .set_write_batch_size(3),
    };
    let path = folder.join("s.parquet");
    let mut w = ArrowWriter::try_new(std::fs::File::create(&path)?, schema, Some(props.build()))?;
    w.write(&batch)?;
    w.close()?;
    assert_eq!(file::ids_in_place(&path)?, matches!(ids, Ids::Plain(_)), "{ids:?}");
    Ok(())
}

/// The day `days` after 1970-01-01, and its Date32 value.
fn day(days: u32) -> std::result::Result<(NaiveDate, i32), Box<dyn Error>> {
    Ok((NaiveDate::default() + Days::new(u64::from(days)), i32::try_from(days)?))
}

/// A pseudonym's hex text.
fn text(hex: [u8; 32]) -> String {
    String::from_utf8_lossy(&hex).into_owned()
}

/// A filtered read of a file of many small row groups, each with its own dictionary of
/// care forms (a row group of one form, the next of two others...), keeps exactly the
/// listed persons' rows with their care forms and dates, as a plain loop over the rows
/// written says; so does an unfiltered read, with every row.
#[test]
fn filtered_reads_across_row_groups_keep_the_listed_rows_and_their_codes() -> TestResult {
    let forms = CareForm::ALL;
    // 60 persons, 1 to 3 episodes each, in id order (as the store's files are).
    let mut persons: Vec<PersonId> = (0..60).map(|i| PersonId::label(&format!("p{i:03}"))).collect();
    persons.sort_unstable();
    let mut rows: Vec<(PersonId, CareForm, (NaiveDate, i32))> = Vec::new();
    for (i, p) in (0u32..).zip(&persons) {
        for e in 0..=(i % 3) {
            // Forms change every few rows, so row groups of 7 rows hold different ones.
            let form = forms[(rows.len() / 5 + e as usize) % forms.len()];
            rows.push((*p, form, day(18_000 + i * 10 + e)?));
        }
    }
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("person_id", Arc::new(StringArray::from_iter_values(rows.iter().map(|r| text(r.0.to_hex()))))),
        ("care_form", Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.1.as_str())))),
        ("start_date", Arc::new(Date32Array::from_iter_values(rows.iter().map(|r| r.2.1)))),
        ("end_date", Arc::new(rows.iter().map(|_| None::<i32>).collect::<Date32Array>())),
    ];
    for ids in ID_LAYOUTS {
        let dir = tempfile::tempdir()?;
        write_bucket_file(dir.path(), "care_episodes", 3, columns.clone(), 7, ids)?;
        filtered_reads_keep_the_listed_rows(&Bucket { dir: dir.path(), bucket: 3 }, &persons, &rows)?;
    }
    Ok(())
}

/// [`filtered_reads_across_row_groups_keep_the_listed_rows_and_their_codes`] on one file.
fn filtered_reads_keep_the_listed_rows(
    bucket: &Bucket<'_>,
    persons: &[PersonId],
    rows: &[(PersonId, CareForm, (NaiveDate, i32))],
) -> TestResult {
    let needs = Needs { episode_details: false, ..Needs::ALL };
    let got = |only: Option<&PersonSet>| -> Result<Vec<(PersonId, CareForm, NaiveDate)>> {
        Ok(bucket.episodes(needs, only)?.into_iter().map(|(p, e)| (p, e.care_form, e.start)).collect())
    };
    let want = |keep: &dyn Fn(PersonId) -> bool| -> Vec<(PersonId, CareForm, NaiveDate)> {
        rows.iter().filter(|r| keep(r.0)).map(|r| (r.0, r.1, r.2.0)).collect()
    };
    // Every third person, the first and the last among them.
    let listed: Vec<PersonId> = persons.iter().step_by(3).copied().chain([persons[59]]).collect();
    let set = PersonSet::new(&listed);
    let kept = got(Some(&set))?;
    assert_eq!(kept, want(&|p| listed.contains(&p)));
    assert!(kept.len() > 20, "the listed persons have {} rows", kept.len());
    // A set of one person in a middle row group, and one with none of the file's persons.
    assert_eq!(got(Some(&PersonSet::new(&[persons[31]])))?, want(&|p| p == persons[31]));
    assert_eq!(got(Some(&PersonSet::new(&[PersonId::label("zzz")])))?, Vec::new());
    // A set larger than 64 (a new row group finds its place by search, not by walking).
    let mut many: Vec<PersonId> = (0..40).map(|i| PersonId::label(&format!("q{i:03}"))).collect();
    many.extend(persons.iter().skip(1).step_by(2));
    assert!(many.len() > 64);
    assert_eq!(got(Some(&PersonSet::new(&many)))?, want(&|p| many.contains(&p)));
    assert_eq!(got(None)?, want(&|_| true));
    Ok(())
}

/// A measurement as written: person, measurement id, instrument, date, value.
type Written<'a> = (PersonId, Pseudonym, &'a str, (NaiveDate, i32), f64);

/// A read of measurements keeping only the outcome instruments (goal attainment and
/// satisfaction), alone and together with a set of persons, over row groups of 5 rows each
/// with its own dictionary of instruments, keeps exactly the rows a plain loop over the rows
/// written keeps, with their ids, instruments and values; a set with none of the file's
/// persons keeps nothing.
#[test]
fn outcome_instrument_reads_with_and_without_a_person_set_keep_the_rows_a_loop_keeps() -> TestResult {
    let instruments = ["goal_attainment", "sdq", "satisfaction", "satisfaction", "cbcl", "goal_attainment", "sdq"];
    let mut persons: Vec<PersonId> = (0..25).map(|i| PersonId::label(&format!("m{i:03}"))).collect();
    persons.sort_unstable();
    // 1 to 4 rows per person, in id order.
    let mut rows: Vec<Written<'_>> = Vec::new();
    for (i, p) in persons.iter().enumerate() {
        for e in 0..=(i % 4) {
            let n = u32::try_from(rows.len())?;
            let instrument = instruments[(rows.len() * 3 + e) % instruments.len()];
            rows.push((*p, Pseudonym::label(&format!("x{n:03}")), instrument, day(18_000 + n)?, f64::from(n)));
        }
    }
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("person_id", Arc::new(StringArray::from_iter_values(rows.iter().map(|r| text(r.0.to_hex()))))),
        ("measurement_id", Arc::new(StringArray::from_iter_values(rows.iter().map(|r| text(r.1.to_hex()))))),
        ("episode_id", Arc::new(rows.iter().map(|_| None::<&str>).collect::<StringArray>())),
        ("instrument", Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.2)))),
        ("moment", Arc::new(StringArray::from_iter_values(rows.iter().map(|_| "end")))),
        ("date", Arc::new(Date32Array::from_iter_values(rows.iter().map(|r| r.3.1)))),
        ("value", Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.4)))),
    ];
    for ids in ID_LAYOUTS {
        let dir = tempfile::tempdir()?;
        write_bucket_file(dir.path(), "measurements", 1, columns.clone(), 5, ids)?;
        outcome_reads_keep_the_rows_a_loop_keeps(&Bucket { dir: dir.path(), bucket: 1 }, &persons, &rows)?;
    }
    Ok(())
}

/// [`outcome_instrument_reads_with_and_without_a_person_set_keep_the_rows_a_loop_keeps`] on one
/// file.
fn outcome_reads_keep_the_rows_a_loop_keeps(
    bucket: &Bucket<'_>,
    persons: &[PersonId],
    rows: &[Written<'_>],
) -> TestResult {
    type Row = (PersonId, Pseudonym, Instrument, NaiveDate, f64);
    let got = |which: Measurements, only: Option<&PersonSet>| -> Result<Vec<Row>> {
        let read = bucket.measurements(which, only)?;
        Ok(read.into_iter().map(|(p, m)| (p, m.measurement_id, m.instrument, m.date, m.value)).collect())
    };
    let want = |keep: &dyn Fn(&Written<'_>) -> bool| -> Vec<Row> {
        rows.iter().filter(|r| keep(r)).map(|r| (r.0, r.1, Instrument::from_name(r.2), r.3.0, r.4)).collect()
    };
    let outcome = |r: &Written<'_>| matches!(r.2, "goal_attainment" | "satisfaction");
    let all = got(Measurements::Outcome, None)?;
    assert_eq!(all, want(&outcome));
    assert!(all.len() > 10 && all.len() < rows.len(), "{} of {} rows kept", all.len(), rows.len());
    let listed: Vec<PersonId> = persons.iter().skip(1).step_by(4).copied().collect();
    let set = PersonSet::new(&listed);
    assert_eq!(got(Measurements::Outcome, Some(&set))?, want(&|r| outcome(r) && listed.contains(&r.0)));
    assert_eq!(got(Measurements::All, Some(&set))?, want(&|r| listed.contains(&r.0)));
    assert_eq!(got(Measurements::Outcome, Some(&PersonSet::new(&[PersonId::label("zzz")])))?, Vec::new());
    Ok(())
}
