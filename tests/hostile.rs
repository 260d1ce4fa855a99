//! Hostile deliveries: typed Parquet dates, tables wholly or mostly quarantined (the reject
//! guard and its exit code), CSV framing errors, headers that are not headers, files that
//! leave the delivery, and no raw identifier anywhere outside the quarantine afterwards.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::*;
use crate::ingest::assert_store_equals;

fn ingest_out(delivery: &Path, store: &Path, key_dir: &Path, extra: &[&str]) -> std::process::Output {
    ingest_cmd(delivery, store, key_dir).args(extra).output().expect("run")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn store_version(store: &Path) -> u64 {
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(store.join("manifest.json")).expect("manifest")).expect("json");
    m["version"].as_u64().expect("version")
}

/// The base tables with day-precise birth dates (a timestamp cannot hold a month).
fn day_tables() -> BTreeMap<&'static str, String> {
    let mut t = base_tables();
    let persons = t["persons"].replace("2012-11,", "2012-11-15,");
    t.insert("persons", persons);
    t
}

/// The date columns of each table.
fn date_columns(table: &str) -> &'static [&'static str] {
    match table {
        "persons" => &["birth_date", "death_date", "emigration_date"],
        "relations" | "households" | "residence" => &["valid_from", "valid_to"],
        "care_episodes" | "measures" => &["start_date", "end_date"],
        "safety_reports" => &["report_date"],
        "measurements" => &["date"],
        _ => &[],
    }
}

/// Write `csv` as Parquet at `out` with the date columns cast to `sql_type` (`DATE`,
/// `TIMESTAMP`, `TIMESTAMP_MS`, `TIMESTAMP_NS`, `TIMESTAMPTZ`), shifted by `time` (an SQL
/// interval such as `'10 hours 30 minutes'`, or `'0 seconds'`), every other column as text.
fn typed_parquet(csv: &Path, out: &Path, table: &str, sql_type: &str, time: &str) {
    let conn = duckdb::Connection::open_in_memory().expect("duckdb");
    let casts: Vec<String> = date_columns(table)
        .iter()
        .map(|c| format!("CAST(CAST(NULLIF({c}, '') AS TIMESTAMP) + INTERVAL '{time}' AS {sql_type}) AS {c}"))
        .collect();
    let replace = if casts.is_empty() { String::new() } else { format!(" REPLACE ({})", casts.join(", ")) };
    let sql = format!(
        "COPY (SELECT *{replace} FROM read_csv('{}', all_varchar = true, header = true)) TO '{}' (FORMAT parquet)",
        csv.display(),
        out.display()
    );
    conn.execute_batch(&sql).expect("write parquet");
}

/// A delivery folder with the given tables as Parquet (dates typed) and the rest as CSV.
fn parquet_delivery(
    dir: &Path,
    id: &str,
    extracted_on: &str,
    tables: &BTreeMap<&'static str, String>,
    typed: &[(&str, &str, &str)],
) -> PathBuf {
    let d = write_delivery(dir, "prov-a", id, extracted_on, tables);
    for (table, sql_type, time) in typed {
        let csv = d.join(format!("{table}.csv"));
        typed_parquet(&csv, &d.join(format!("{table}.parquet")), table, sql_type, time);
        std::fs::remove_file(&csv).expect("rm csv");
    }
    d
}

#[test]
fn parquet_timestamps_and_text_timestamps_at_midnight_load_as_dates() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut tables = day_tables();
    // A text timestamp at midnight in a CSV file too.
    let ms = tables["measurements"].replace(",2018-08-31,", ",2018-08-31T00:00:00,");
    tables.insert("measurements", ms);
    let typed = [
        ("persons", "TIMESTAMP", "0 seconds"),
        ("care_episodes", "TIMESTAMP_MS", "0 seconds"),
        ("measures", "TIMESTAMPTZ", "0 seconds"),
        ("safety_reports", "TIMESTAMP_NS", "0 seconds"),
        ("residence", "DATE", "0 seconds"),
        ("relations", "TIMESTAMP_S", "0 seconds"),
    ];
    let d = parquet_delivery(&tmp.path().join("d"), "2026Q3", "2026-10-01", &tables, &typed);
    let store = tmp.path().join("s");
    let out = ingest_out(&d, &store, tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", text(&out.stdout), text(&out.stderr));
    assert_store_equals(&store, &day_tables(), &[]);
}

#[test]
fn timestamps_with_a_time_of_day_abort_the_delivery_naming_the_column_and_the_source_stays() {
    let tmp = tempfile::tempdir().expect("tmp");
    let store = tmp.path().join("s");
    let a = write_delivery(&tmp.path().join("a"), "prov-a", "2026Q3", "2026-10-01", &day_tables());
    assert_eq!(ingest_out(&a, &store, tmp.path(), &[]).status.code(), Some(0));
    let before = query(&store, "SELECT * FROM persons_all");
    // Every birth date at 10:30: the whole persons table is quarantined, and with it every
    // row that refers to a person. Even a limit of 100% does not publish a table with no row left.
    let typed = [("persons", "TIMESTAMP", "10 hours 30 minutes")];
    let d = parquet_delivery(&tmp.path().join("d"), "2026Q4", "2026-11-01", &day_tables(), &typed);
    for extra in [&[][..], &["--max-reject-rate", "1"]] {
        let out = ingest_out(&d, &store, tmp.path(), extra);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(4), "{stdout}\n{}", text(&out.stderr));
        assert!(stdout.contains("ABORTED") && stdout.contains("birth_date"), "{stdout}");
        assert!(stdout.contains("6 of 6"), "{stdout}");
        assert_eq!(store_version(&store), 1, "nothing was published");
        assert_eq!(query(&store, "SELECT * FROM persons_all"), before);
        let staging = std::fs::read_dir(store.join(".staging")).map_or(0, Iterator::count);
        assert_eq!(staging, 0, "the staged version is removed");
    }
    let q = quarantine(&store.with_file_name("s-quarantine").join("prov-a").join("2026Q4"));
    let persons: Vec<_> = q.iter().filter(|r| r.0 == "persons").collect();
    assert_eq!(persons.len(), 6);
    assert!(persons.iter().all(|r| r.2 == "unparsable" && r.3 == "birth_date"), "{persons:?}");
}

/// Persons table of 100 rows of which `bad` have an unknown sex code; the other tables clean.
fn hundred_persons(bad: usize) -> BTreeMap<&'static str, String> {
    let mut t = base_tables();
    let persons = t.get_mut("persons").expect("persons");
    for i in 0..94 {
        let sex = if i < bad { "M" } else { "f" };
        persons.push_str(&format!("4{i:08},2001-02-03,{sex},,\n"));
    }
    t
}

#[test]
fn more_than_five_percent_of_one_table_quarantined_aborts_by_default_with_exit_4() {
    let tmp = tempfile::tempdir().expect("tmp");
    // 6 of 100 persons rows (6%) is over the default 5%, although it is 6 of 128 rows over all
    // tables (4.7%).
    let d = write_delivery(&tmp.path().join("d6"), "prov-a", "2026Q3", "2026-10-01", &hundred_persons(6));
    let store = tmp.path().join("s");
    let out = ingest_out(&d, &store, tmp.path(), &["--json"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let why = report["aborted"].as_str().expect("aborted");
    assert!(why.contains("persons") && why.contains("6 of 100") && why.contains("5.00%"), "{why}");
    assert!(!store.join("manifest.json").exists(), "nothing published");
    // 5 of 100 is not over it: published, exit 1 (rows were quarantined).
    let d = write_delivery(&tmp.path().join("d5"), "prov-a", "2026Q3", "2026-10-01", &hundred_persons(5));
    assert_eq!(ingest_out(&d, &store, tmp.path(), &[]).status.code(), Some(1));
    assert_eq!(query(&store, "SELECT count(*) FROM persons"), vec![vec!["95".to_owned()]]);
    // The limit is configurable: 0.10 lets 6% through.
    let store2 = tmp.path().join("s2");
    let d = tmp.path().join("d6");
    assert_eq!(ingest_out(&d, &store2, tmp.path(), &["--max-reject-rate", "0.10"]).status.code(), Some(1));
}

#[test]
fn exit_codes_are_documented_in_the_help() {
    let out = kohort().args(["ingest", "--help"]).output().expect("help");
    let help = text(&out.stdout);
    for needle in ["Exit codes", "0 ", "1 ", "2 ", "4 ", "--max-reject-rate", "[default: 0.05]"] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
}

/// care_episodes: the base rows and `n` valid rows after them, of which row `bad_row`
/// (1-based among the new rows) has an opening quote that is never closed.
fn episodes_with_open_quote(n: usize, bad_row: usize) -> String {
    let mut s = base_tables()["care_episodes"].clone();
    for i in 1..=n {
        let form = if i == bad_row { "\"ambulant" } else { "ambulant" };
        s.push_str(&format!("EPI-10{i:05},200000001,{form},2019-02-{:02},,,PROV-00001,huisarts,GM0014\n", i % 28 + 1));
    }
    s
}

#[test]
fn an_unbalanced_quote_quarantines_its_own_line_and_every_other_line_is_a_row() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut tables = base_tables();
    // 25 data lines (26 with the header); the quote opens on line 6 (data row 5).
    tables.insert("care_episodes", episodes_with_open_quote(22, 2));
    let d = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &tables);
    let store = tmp.path().join("s");
    let q = tmp.path().join("q");
    let out = ingest_out(&d, &store, tmp.path(), &["--json", "--quarantine", q.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let eps = report["tables"].as_array().expect("tables").iter().find(|t| t[0] == "care_episodes").expect("eps");
    assert_eq!(
        (eps[1]["read"].as_u64(), eps[1]["accepted"].as_u64(), eps[1]["quarantined"].as_u64()),
        (Some(25), Some(24), Some(1))
    );
    let mut r = csv::Reader::from_path(q.join("quarantine.csv")).expect("quarantine");
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
    assert_eq!(rows.len(), 1);
    let (row, line, rule, message, record) = (&rows[0][1], &rows[0][2], &rows[0][4], &rows[0][5], &rows[0][6]);
    assert_eq!((row, line, rule), ("5", "6", "wrong_column_count"));
    assert!(message.contains("line 6") && message.contains("6-26"), "{message}");
    assert!(record.contains("\"ambulant"), "the delivered line as it was: {record}");
    // The 24 other rows are in the store.
    assert_eq!(query(&store, "SELECT count(*) FROM care_episodes"), vec![vec!["24".to_owned()]]);
}

#[test]
fn a_quoted_line_break_in_a_text_column_is_one_row() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut tables = base_tables();
    tables.get_mut("care_episodes").expect("eps").push_str(
        "EPI-0000009,200000002,ambulant,2021-01-01,,,PROV-00001,\"wijkteam\r\nnoord, \"\"west\"\"\",GM0014\n",
    );
    let d = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &tables);
    let store = tmp.path().join("s");
    let out = ingest_out(&d, &store, tmp.path(), &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let eps = report["tables"].as_array().expect("tables").iter().find(|t| t[0] == "care_episodes").expect("eps");
    assert_eq!(eps[1]["read"].as_u64(), Some(4));
    assert_eq!(
        query(&store, "SELECT referrer FROM care_episodes WHERE start_date = DATE '2021-01-01'"),
        vec![vec!["wijkteam\r\nnoord, \"west\"".to_owned()]]
    );
}

#[test]
fn a_quote_that_would_join_lines_into_a_malformed_id_is_not_a_row() {
    // The quote opens in episode_id and closes on the next line: read as one record the field
    // count happens to fit, but an id cannot hold a line break. The opening line is
    // quarantined; the next line is a row of its own (its id ends in the stray quote).
    let tmp = tempfile::tempdir().expect("tmp");
    let mut tables = base_tables();
    tables.get_mut("care_episodes").expect("eps").push_str(
        "\"EPI-0000009,200000002,ambulant,2021-01-01,,,PROV-00001,x,GM0014\nEPI-0000010\",200000002,ambulant,2021-02-01,,,PROV-00001,x,GM0014\n",
    );
    let d = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &tables);
    let store = tmp.path().join("s");
    let q = tmp.path().join("q");
    let out =
        ingest_out(&d, &store, tmp.path(), &["--max-reject-rate", "1", "--quarantine", q.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let got: Vec<(String, u64, String)> = quarantine(&q).into_iter().map(|(t, r, rule, _)| (t, r, rule)).collect();
    assert_eq!(got, vec![("care_episodes".to_owned(), 4, "wrong_column_count".to_owned())]);
    assert_eq!(query(&store, "SELECT count(*) FROM care_episodes"), vec![vec!["4".to_owned()]]);
}

#[test]
fn safety_report_store_files_have_distinct_column_names() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    let store = tmp.path().join("s");
    assert_eq!(ingest_out(&d, &store, tmp.path(), &[]).status.code(), Some(0));
    let mut files = Vec::new();
    walk(&store.join("v"), &mut files);
    let mut checked = 0;
    for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "parquet")) {
        use parquet::file::reader::FileReader as _;
        let reader =
            parquet::file::reader::SerializedFileReader::new(std::fs::File::open(f).expect("open")).expect("parquet");
        let names: Vec<String> =
            reader.metadata().file_metadata().schema_descr().columns().iter().map(|c| c.name().to_owned()).collect();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{}: {names:?}", f.display());
        checked += 1;
    }
    assert!(checked > 20);
    // The report's delivered source is `report_source` in the store; `source` is the delivering source.
    assert_eq!(
        query(&store, "SELECT report_source, source FROM safety_reports"),
        vec![vec![String::new(), "prov-a".to_owned()], vec!["politie".to_owned(), "prov-a".to_owned()]]
    );
}

#[test]
fn a_store_of_the_older_format_is_refused_with_a_message_saying_what_to_do() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    let store = tmp.path().join("s");
    assert_eq!(ingest_out(&d, &store, tmp.path(), &[]).status.code(), Some(0));
    // What kohort wrote before safety_reports' delivered `source` became `report_source`.
    let path = store.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("manifest")).expect("json");
    m["schema_version"] = 1.into();
    std::fs::write(&path, serde_json::to_vec_pretty(&m).expect("json")).expect("write");
    let d2 = write_delivery(&tmp.path().join("d2"), "prov-b", "2026Q3", "2026-10-01", &base_tables());
    let out = ingest_out(&d2, &store, tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("schema version 1") && err.contains("new store"), "{err}");
    assert_eq!(store_version(&store), 1);
}

#[test]
fn a_headerless_table_is_reported_by_its_column_count_and_the_columns_expected_without_a_value() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut tables = base_tables();
    let headerless: String = tables["persons"].lines().skip(1).map(|l| format!("{l}\n")).collect();
    tables.insert("persons", headerless);
    let d = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &tables);
    let out = ingest_out(&d, &tmp.path().join("s"), tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("persons.csv") && err.contains("not a header") && err.contains("5 columns"), "{err}");
    assert!(err.contains("person_id, birth_date, sex, death_date, emigration_date"), "{err}");
    assert!(!err.contains("100000009") && !err.contains("''"), "{err}");
}

#[test]
fn a_semicolon_file_read_without_the_flag_suggests_the_delimiter() {
    let tmp = tempfile::tempdir().expect("tmp");
    let tables: BTreeMap<&str, String> = base_tables().into_iter().map(|(k, v)| (k, v.replace(',', ";"))).collect();
    let d = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &tables);
    let out = ingest_out(&d, &tmp.path().join("s"), tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("--delimiter ';'"), "{err}");
}

#[test]
fn a_symlink_leaving_the_delivery_is_refused_and_its_file_is_never_read() {
    let tmp = tempfile::tempdir().expect("tmp");
    let outside = tmp.path().join("outside.csv");
    std::fs::write(&outside, "SECRET-777777771,1990-01-01,f\n").expect("write");
    let d = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    std::fs::remove_file(d.join("persons.csv")).expect("rm");
    std::os::unix::fs::symlink(&outside, d.join("persons.csv")).expect("symlink");
    let store = tmp.path().join("s");
    let out = ingest_out(&d, &store, tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("persons.csv") && err.contains("outside the delivery"), "{err}");
    assert!(!err.contains("SECRET") && !text(&out.stdout).contains("SECRET"), "{err}");
    assert!(!store.exists());
    // A link that stays inside the delivery folder is followed.
    std::fs::remove_file(d.join("persons.csv")).expect("rm");
    std::fs::create_dir_all(d.join("files")).expect("mkdir");
    std::fs::write(d.join("files/persons.csv"), &base_tables()["persons"]).expect("write");
    std::os::unix::fs::symlink("files/persons.csv", d.join("persons.csv")).expect("symlink");
    assert_eq!(ingest_out(&d, &store, tmp.path(), &[]).status.code(), Some(0));
}

pub fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries {
        let p = e.expect("entry").path();
        let meta = std::fs::symlink_metadata(&p).expect("meta");
        if meta.is_dir() {
            walk(&p, out);
        } else if meta.is_file() {
            out.push(p);
        }
    }
}

/// Every identifier value (six characters or more) of every CSV file with a header in `dir`.
fn raw_ids(dir: &Path, out: &mut Vec<String>) {
    let id_columns = [
        "person_id",
        "parent_id",
        "child_id",
        "household_id",
        "episode_id",
        "provider_id",
        "measure_id",
        "report_id",
        "measurement_id",
    ];
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "csv") {
            continue;
        }
        let mut r = csv::ReaderBuilder::new().flexible(true).from_path(&path).expect("csv");
        let header = r.headers().expect("header").clone();
        let cols: Vec<usize> = (0..header.len()).filter(|i| id_columns.contains(&&header[*i])).collect();
        for rec in r.byte_records().flatten() {
            for &i in &cols {
                let v = String::from_utf8_lossy(rec.get(i).unwrap_or(b"")).trim_matches('"').to_owned();
                if v.len() >= 6 {
                    out.push(v);
                }
            }
        }
    }
}

/// Assert that none of `ids` occurs in any file under `dirs`.
pub fn assert_no_raw_id(dirs: &[&Path], ids: &[String]) {
    let set: std::collections::HashSet<&[u8]> = ids.iter().map(String::as_bytes).collect();
    let lens: std::collections::BTreeSet<usize> = ids.iter().map(String::len).collect();
    let mut files = Vec::new();
    for d in dirs {
        if d.is_file() {
            files.push(d.to_path_buf());
        } else {
            walk(d, &mut files);
        }
    }
    assert!(files.len() > 10, "{files:?}");
    for f in &files {
        let bytes = std::fs::read(f).expect("read");
        for len in &lens {
            if let Some(w) = bytes.windows(*len).find(|w| set.contains(w)) {
                panic!("raw id {} appears in {}", String::from_utf8_lossy(w), f.display());
            }
        }
    }
}

#[test]
fn no_raw_identifier_outside_the_quarantine_after_a_run_of_hostile_deliveries() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("r");
    let inbox = root.join("inbox");
    std::fs::create_dir_all(&inbox).expect("inbox");
    let study = Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/small_monitor.toml");
    let plan = root.join("plan.toml");
    std::fs::write(
        &plan,
        format!(
            "store = \"store\"\nkey = \"{}\"\ninboxes = [\"inbox\"]\nstudies = [\"{}\"]\npublish = \"published\"\nlog = \"run.log\"\n",
            key_file(tmp.path()).display(),
            study.display()
        ),
    )
    .expect("plan");
    // A good delivery.
    write_delivery(&inbox.join("prov-a/2026Q3"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    // A headerless measures table.
    let mut t = base_tables();
    let headerless: String = t["measures"].lines().skip(1).map(|l| format!("{l}\n")).collect();
    t.insert("measures", headerless);
    write_delivery(&inbox.join("prov-b/2026Q3"), "prov-b", "2026Q3", "2026-10-01", &t);
    // A persons file that is a link to a file outside the delivery, holding other ids.
    let outside = tmp.path().join("elsewhere.txt");
    std::fs::write(&outside, "966666661,1990-01-01,f\n966666662,1990-01-01,m\n").expect("write");
    let c = write_delivery(&inbox.join("prov-c/2026Q3"), "prov-c", "2026Q3", "2026-10-01", &base_tables());
    std::fs::remove_file(c.join("persons.csv")).expect("rm");
    std::os::unix::fs::symlink(&outside, c.join("persons.csv")).expect("symlink");
    // A semicolon file, an unbalanced quote, a data end in the future, a wholly quarantined table.
    let semi: BTreeMap<&str, String> = base_tables().into_iter().map(|(k, v)| (k, v.replace(',', ";"))).collect();
    write_delivery(&inbox.join("prov-d/2026Q3"), "prov-d", "2026Q3", "2026-10-01", &semi);
    let mut t = base_tables();
    t.insert("care_episodes", episodes_with_open_quote(22, 2));
    write_delivery(&inbox.join("prov-e/2026Q3"), "prov-e", "2026Q3", "2026-10-01", &t);
    write_delivery(&inbox.join("prov-f/2099"), "prov-f", "2099", "2099-01-01", &base_tables());
    let typed = [("persons", "TIMESTAMP", "10 hours")];
    let g = parquet_delivery(&inbox.join("prov-g/2026Q3"), "2026Q3", "2026-10-01", &day_tables(), &typed);
    let toml = std::fs::read_to_string(g.join("delivery.toml")).expect("toml").replace("prov-a", "prov-g");
    std::fs::write(g.join("delivery.toml"), toml).expect("toml");

    let codes: Vec<Option<i32>> =
        (0..2).map(|_| kohort().arg("--quiet").arg("run").arg(&plan).output().expect("run").status.code()).collect();
    let current = root.join("published/current");
    // Export the study's raw tables (kept in the store; the run publishes their export).
    let study_dir = std::fs::read_dir(root.join("store/study_tables"))
        .expect("study tables")
        .map(|e| e.expect("entry").path())
        .find(|p| p.join("tables.parquet").is_file())
        .expect("a study folder");
    let export = tmp.path().join("export");
    kohort().args(["--quiet", "export", "tables", "--in"]).arg(&study_dir).arg("--out").arg(&export).assert().success();

    let mut ids = Vec::new();
    // Every delivery holds the base ids; prov-e has more episode ids; the linked file others.
    for d in ["prov-a/2026Q3", "prov-e/2026Q3"] {
        raw_ids(&inbox.join(d), &mut ids);
    }
    ids.extend(["966666661".to_owned(), "966666662".to_owned()]);
    ids.sort();
    ids.dedup();
    assert!(ids.iter().any(|i| i == "966666661") && ids.iter().any(|i| i == "100000009"), "{ids:?}");
    assert!(ids.len() > 20, "{ids:?}");
    // Everything published, the store, the log, the state, the export; not the quarantine.
    assert_no_raw_id(&[&root.join("published"), &root.join("store"), &root.join("run.log"), &export], &ids);
    assert!(root.join("store-quarantine").is_dir(), "rows were quarantined");

    // Both runs: a delivery was refused (4); the second publishes nothing new.
    assert_eq!(codes, [Some(4), Some(4)]);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(current.join("run_manifest.json")).expect("manifest")).expect("json");
    let refused: Vec<&str> = m["deliveries"]
        .as_array()
        .expect("deliveries")
        .iter()
        .filter(|d| !d["refused"].is_null())
        .map(|d| d["source"].as_str().expect("source"))
        .collect();
    assert_eq!(refused, vec!["prov-b", "prov-c", "prov-d", "prov-g", "prov-f"], "{m:#}");
}
