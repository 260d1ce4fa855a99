//! Tests of the timeline reader.

use std::error::Error;

use chrono::Days;
use duckdb::arrow::array::ArrayRef;
use duckdb::arrow::datatypes::{DataType, Field, Schema};
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
    /// Every `_id` column plain and uncompressed, as kohort stores identifiers (compared and
    /// parsed where they lie), in data pages of format 1 or 2 of at most 3 rows (a row group
    /// spans several pages).
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
        Ids::Plain(version) => {
            let mut props = props.set_writer_version(version).set_data_page_row_count_limit(3).set_write_batch_size(3);
            for f in schema.fields().iter().filter(|f| f.name().ends_with("_id")) {
                props = props
                    .set_column_dictionary_enabled(f.name().as_str().into(), false)
                    .set_column_encoding(f.name().as_str().into(), Encoding::PLAIN);
            }
            props
        }
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

/// A measurement as written: person, measurement id, episode id, instrument, date, value.
type Written<'a> = (PersonId, Pseudonym, Option<Pseudonym>, &'a str, (NaiveDate, i32), f64);

/// 25 persons with 1 to 4 measurements each, in person order, instruments taken in turn from
/// `instruments`; an episode id on two rows in three.
fn measurement_rows<'a>(
    instruments: &[&'a str],
) -> std::result::Result<(Vec<PersonId>, Vec<Written<'a>>), Box<dyn Error>> {
    let mut persons: Vec<PersonId> = (0..25).map(|i| PersonId::label(&format!("m{i:03}"))).collect();
    persons.sort_unstable();
    let mut rows: Vec<Written<'_>> = Vec::new();
    for (i, p) in persons.iter().enumerate() {
        for e in 0..=(i % 4) {
            let n = u32::try_from(rows.len())?;
            let instrument = instruments[(rows.len() * 3 + e) % instruments.len()];
            let episode = (n % 9 < 6).then(|| Pseudonym::label(&format!("e{n:03}")));
            rows.push((*p, Pseudonym::label(&format!("x{n:03}")), episode, instrument, day(18_000 + n)?, f64::from(n)));
        }
    }
    Ok((persons, rows))
}

/// The columns of a measurements file holding `rows` in their order.
fn measurement_columns(rows: &[Written<'_>]) -> Vec<(&'static str, ArrayRef)> {
    vec![
        ("person_id", Arc::new(StringArray::from_iter_values(rows.iter().map(|r| text(r.0.to_hex()))))),
        ("measurement_id", Arc::new(StringArray::from_iter_values(rows.iter().map(|r| text(r.1.to_hex()))))),
        ("episode_id", Arc::new(rows.iter().map(|r| r.2.map(|e| text(e.to_hex()))).collect::<StringArray>())),
        ("instrument", Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.3)))),
        ("moment", Arc::new(StringArray::from_iter_values(rows.iter().map(|_| "end")))),
        ("date", Arc::new(Date32Array::from_iter_values(rows.iter().map(|r| r.4.1)))),
        ("value", Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.5)))),
    ]
}

/// A read of measurements keeping only the outcome instruments (goal attainment and
/// satisfaction), alone and together with a set of persons, over row groups of 5 rows each
/// with its own dictionary of instruments, keeps exactly the rows a plain loop over the rows
/// written keeps, with their ids (an episode id on two rows in three, in runs that leave some
/// pages without one), instruments and values; a set with none of the file's persons keeps
/// nothing.
#[test]
fn outcome_instrument_reads_with_and_without_a_person_set_keep_the_rows_a_loop_keeps() -> TestResult {
    let instruments = ["goal_attainment", "sdq", "satisfaction", "satisfaction", "cbcl", "goal_attainment", "sdq"];
    let (persons, rows) = measurement_rows(&instruments)?;
    let columns = measurement_columns(&rows);
    for ids in ID_LAYOUTS {
        let dir = tempfile::tempdir()?;
        write_bucket_file(dir.path(), "measurements", 1, columns.clone(), 5, ids)?;
        outcome_reads_keep_the_rows_a_loop_keeps(&Bucket { dir: dir.path(), bucket: 1 }, &persons, &rows)?;
        // Plain ids come parsed (16 bytes each), nulls kept; others as text.
        let path = dir.path().join("measurements/b01/s.parquet");
        let scan = file::Scan::new(
            &["person_id", "measurement_id", "episode_id", "date"],
            &[],
            &["measurement_id", "episode_id"],
            None,
        );
        let want = match ids {
            Ids::Plain(_) => DataType::FixedSizeBinary(16),
            Ids::Dictionary => DataType::Utf8,
        };
        for b in file::read_file(&path, &scan)? {
            for column in ["person_id", "measurement_id", "episode_id"] {
                assert_eq!(b.column_by_name(column).map(|c| c.data_type().clone()), Some(want.clone()), "{ids:?}");
            }
        }
    }
    Ok(())
}

/// The same reads over the same rows sorted as the store sorts measurements (instrument, then
/// person, date, id), in row groups of 5 rows: each row group's statistics are read as what it
/// holds (none of the outcome instruments, only one of them, or a mixture), every kind occurs,
/// and the reads keep exactly the rows a loop keeps.
#[test]
fn outcome_reads_of_a_file_sorted_by_instrument_skip_the_other_instruments_row_groups() -> TestResult {
    let instruments = ["goal_attainment", "sdq", "satisfaction", "cbcl", "satisfaction", "goal_attainment", "sdq"];
    let (persons, mut rows) = measurement_rows(&instruments)?;
    rows.sort_by_key(|r| (r.3, r.0, r.4.0, r.1));
    let columns = measurement_columns(&rows);
    // What each row group of 5 holds, from the rows written.
    let outcome = |i: &str| matches!(i, "goal_attainment" | "satisfaction");
    let held: Vec<file::Instruments> = rows
        .chunks(5)
        .map(|group| {
            let first = group[0].3;
            match (group.iter().filter(|r| outcome(r.3)).count(), group.iter().all(|r| r.3 == first)) {
                (0, _) => file::Instruments::None,
                (_, true) => file::Instruments::Only,
                _ => file::Instruments::Some,
            }
        })
        .collect();
    for kind in [file::Instruments::None, file::Instruments::Only, file::Instruments::Some] {
        assert!(held.contains(&kind), "{held:?}");
    }
    for ids in ID_LAYOUTS {
        let dir = tempfile::tempdir()?;
        write_bucket_file(dir.path(), "measurements", 1, columns.clone(), 5, ids)?;
        let path = dir.path().join("measurements/b01/s.parquet");
        assert_eq!(file::row_group_instruments(&path)?, held, "{ids:?}");
        outcome_reads_keep_the_rows_a_loop_keeps(&Bucket { dir: dir.path(), bucket: 1 }, &persons, &rows)?;
    }
    Ok(())
}

/// [`outcome_instrument_reads_with_and_without_a_person_set_keep_the_rows_a_loop_keeps`] on one
/// file whose rows are `rows` in that order (a read keeps the file's order).
fn outcome_reads_keep_the_rows_a_loop_keeps(
    bucket: &Bucket<'_>,
    persons: &[PersonId],
    rows: &[Written<'_>],
) -> TestResult {
    type Row = (PersonId, Pseudonym, Option<Pseudonym>, Instrument, NaiveDate, f64);
    let got = |which: Measurements, only: Option<&PersonSet>| -> Result<Vec<Row>> {
        let read = bucket.measurements(which, only)?;
        Ok(read.into_iter().map(|(p, m)| (p, m.measurement_id, m.episode_id, m.instrument, m.date, m.value)).collect())
    };
    let want = |keep: &dyn Fn(&Written<'_>) -> bool| -> Vec<Row> {
        rows.iter().filter(|r| keep(r)).map(|r| (r.0, r.1, r.2, Instrument::from_name(r.3), r.4.0, r.5)).collect()
    };
    let outcome = |r: &Written<'_>| matches!(r.3, "goal_attainment" | "satisfaction");
    let all = got(Measurements::Outcome, None)?;
    assert_eq!(all, want(&outcome));
    assert!(all.len() > 10 && all.len() < rows.len(), "{} of {} rows kept", all.len(), rows.len());
    let listed: Vec<PersonId> = persons.iter().skip(1).step_by(4).copied().collect();
    let set = PersonSet::new(&listed);
    assert_eq!(got(Measurements::Outcome, Some(&set))?, want(&|r| outcome(r) && listed.contains(&r.0)));
    assert_eq!(got(Measurements::All, Some(&set))?, want(&|r| listed.contains(&r.0)));
    assert_eq!(got(Measurements::Outcome, Some(&PersonSet::new(&[PersonId::label("zzz")])))?, Vec::new());
    assert_eq!(got(Measurements::All, None)?, want(&|_| true));
    Ok(())
}

/// A measurement id that is no pseudonym (33 digits, a digit that is no hex digit, empty, in
/// the first row or another) stops a read with an error naming its file and column, whether
/// the ids are parsed where they lie or decoded first, with and without a set of persons; an
/// episode id likewise (upper case, empty).
#[test]
fn an_id_that_is_no_pseudonym_is_an_error_naming_its_column() -> TestResult {
    let persons: Vec<PersonId> = {
        let mut p: Vec<PersonId> = (0..8).map(|i| PersonId::label(&format!("b{i:03}"))).collect();
        p.sort_unstable();
        p
    };
    let good = text(Pseudonym::label("fine").to_hex());
    for (column, bad, row) in [
        ("measurement_id", format!("{good}0"), 5),
        ("measurement_id", format!("g{}", &good[1..]), 5),
        ("measurement_id", String::new(), 4),
        ("episode_id", good.to_uppercase(), 5),
        ("episode_id", String::new(), 4),
    ] {
        let id = |i: usize, c: &str| if i == row && c == column { bad.clone() } else { good.clone() };
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("person_id", Arc::new(StringArray::from_iter_values(persons.iter().map(|p| text(p.to_hex()))))),
            ("measurement_id", Arc::new(StringArray::from_iter_values((0..8).map(|i| id(i, "measurement_id"))))),
            ("episode_id", Arc::new(StringArray::from_iter_values((0..8).map(|i| id(i, "episode_id"))))),
            ("instrument", Arc::new(StringArray::from_iter_values((0..8).map(|_| "satisfaction")))),
            ("moment", Arc::new(StringArray::from_iter_values((0..8).map(|_| "end")))),
            ("date", Arc::new(Date32Array::from_iter_values(0..8))),
            ("value", Arc::new(Float64Array::from_iter_values((0..8).map(f64::from)))),
        ];
        for ids in ID_LAYOUTS {
            let dir = tempfile::tempdir()?;
            write_bucket_file(dir.path(), "measurements", 2, columns.clone(), 4, ids)?;
            let bucket = Bucket { dir: dir.path(), bucket: 2 };
            let set = PersonSet::new(&persons[4..]);
            for (which, only) in
                [(Measurements::All, None), (Measurements::Outcome, None), (Measurements::All, Some(&set))]
            {
                match bucket.measurements(which, only) {
                    Err(TimelineError::Value { path, column: c }) => {
                        assert_eq!(c, column, "{ids:?}");
                        assert!(path.ends_with("measurements/b02/s.parquet"), "{}", path.display());
                    }
                    other => panic!("{ids:?} {column}: {:?}", other.map(|r| r.len())),
                }
            }
            // Persons without the bad row read well.
            assert_eq!(bucket.measurements(Measurements::All, Some(&PersonSet::new(&persons[..4])))?.len(), 4);
        }
    }
    Ok(())
}

/// Definition levels (1 bit each) in the RLE / bit-packed hybrid encoding: a run of ones is
/// "every row holds a value"; runs of zeros, bit-packed groups and their mixtures give each
/// row's flag; a run value other than 0 or 1, or levels cut short, are malformed.
#[test]
fn definition_levels_are_read_run_by_run() {
    // A run of 5 ones (header 5 << 1), for 5 rows or fewer.
    assert_eq!(file::defined(&[10, 1], 5), Some(file::Levels::All));
    assert_eq!(file::defined(&[10, 1], 3), Some(file::Levels::All));
    // A run of 3 zeros then a run of 2 ones.
    assert_eq!(file::defined(&[6, 0, 4, 1], 5), Some(file::Levels::Each(vec![false, false, false, true, true])));
    // One bit-packed group of 8 (header 1 << 1 | 1), lowest bit first, cut to 6 rows.
    let flags = vec![true, false, true, true, false, false];
    assert_eq!(file::defined(&[3, 0b1000_1101], 6), Some(file::Levels::Each(flags)));
    // A run of 200 ones needs a two-byte header (400 = 0x190: 0x90, 0x03).
    assert_eq!(file::defined(&[0x90, 0x03, 1], 200), Some(file::Levels::All));
    assert_eq!(file::defined(&[0x90, 0x03, 1], 201), None);
    // A run of twos; levels ending early; a header without its value.
    assert_eq!(file::defined(&[10, 2], 5), None);
    assert_eq!(file::defined(&[3], 6), None);
    assert_eq!(file::defined(&[10], 5), None);
}

#[test]
fn dates_are_looked_up_as_chrono_converts_them() {
    let convert = |days: i32| NaiveDate::from_num_days_from_ce_opt(days.checked_add(UNIX_EPOCH_FROM_CE)?);
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).map(|d| d.num_days_from_ce() - UNIX_EPOCH_FROM_CE);
    let (Some(first), Some(last)) = (day(1900, 1, 1), day(2099, 12, 31)) else { panic!("dates") };
    // Every day of the table and a year beyond each end, then the extremes of Date32.
    for days in (first - 366..=last + 366).chain([i32::MIN, i32::MIN + 1, -1, 0, 1, i32::MAX - 1, i32::MAX]) {
        assert_eq!(date_of(days), convert(days), "{days}");
    }
    assert_eq!(date_of(0), NaiveDate::from_ymd_opt(1970, 1, 1));
}

#[test]
fn events_go_to_their_persons_each_list_in_row_order() {
    let (Some(birth), Some(end)) = (NaiveDate::from_ymd_opt(2010, 1, 1), NaiveDate::from_ymd_opt(2024, 1, 1)) else {
        panic!("dates")
    };
    let (a, b, c, d) = (PersonId::label("a"), PersonId::label("b"), PersonId::label("c"), PersonId::label("d"));
    let mut people: Vec<PersonTimeline> =
        [a, c].into_iter().map(|p| PersonTimeline::new(p, birth, Sex::F, end)).collect();
    let reports = |days: &[u64]| -> Vec<Report> {
        days.iter()
            .map(|&n| Report {
                report_id: Pseudonym::label(&format!("r{n}")),
                date: birth + Days::new(n),
                kind: ReportKind::ChildAbuse,
                household_id: None,
            })
            .collect()
    };
    // Out of person order, with persons the bucket's people do not have (before, between,
    // after them); a person's rows keep their order.
    let rows: Vec<(PersonId, Report)> =
        [(c, 1), (a, 2), (b, 3), (a, 4), (d, 5), (c, 6), (a, 7)].map(|(p, n)| (p, reports(&[n])[0])).into();
    distribute(&mut people, rows, |p| &mut p.reports);
    assert_eq!(people[0].reports, reports(&[2, 4, 7]));
    assert_eq!(people[1].reports, reports(&[1, 6]));
    // No rows, and rows of nobody in the bucket.
    distribute(&mut people, Vec::new(), |p| &mut p.reports);
    distribute(&mut people, vec![(b, reports(&[9])[0])], |p| &mut p.reports);
    assert_eq!((people[0].reports.len(), people[1].reports.len()), (3, 2));
    // Many persons, rows in several sorted runs of varying length (as from several files or
    // instruments), against a loop over the rows for each person.
    let ids: Vec<PersonId> = (0..40).map(|i| PersonId::label(&format!("p{i}"))).collect();
    let mut people: Vec<PersonTimeline> =
        ids.iter().step_by(3).map(|p| PersonTimeline::new(*p, birth, Sex::F, end)).collect();
    people.sort_by_key(|p| p.person_id);
    let mut rows: Vec<(PersonId, Report)> = Vec::new();
    let mut n = 0;
    for run in [7usize, 40, 1, 0, 23, 13] {
        let mut chosen: Vec<PersonId> = (0..run).map(|k| ids[(k * 11 + run) % ids.len()]).collect();
        chosen.sort_unstable();
        for p in chosen {
            n += 1;
            rows.push((p, reports(&[n])[0]));
        }
    }
    let want: Vec<Vec<Report>> =
        people.iter().map(|p| rows.iter().filter(|(id, _)| *id == p.person_id).map(|(_, r)| *r).collect()).collect();
    assert!(want.iter().filter(|w| w.len() > 1).count() > 3);
    distribute(&mut people, rows, |p| &mut p.reports);
    let got: Vec<Vec<Report>> = people.iter().map(|p| p.reports.clone()).collect();
    assert_eq!(got, want);
}
