//! Helpers shared by the integration tests: deliveries built in temp dirs, a fixed key,
//! the binary, and reading the store back.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use kohort::db::DbSettings;
use kohort::pseudonym::Key;
use kohort::store::Store;

/// The fixed test key (hex of 32 bytes of 7).
pub const KEY_BYTES: [u8; 32] = [7; 32];

/// Write the test key into `dir` and return its path.
pub fn key_file(dir: &Path) -> PathBuf {
    let path = dir.join("test.key");
    if !path.exists() {
        Key::from_bytes(KEY_BYTES).write_new(&path).expect("write key");
    }
    path
}

/// The pseudonym the test key gives.
pub fn pseudo(domain: &str, id: &str) -> String {
    Key::from_bytes(KEY_BYTES).pseudonymizer().pseudonym(domain, id)
}

/// The kohort binary with two threads.
pub fn kohort() -> Command {
    let mut cmd = kohort_bare();
    cmd.arg("--threads").arg("2");
    cmd
}

/// `kohort ingest DELIVERY --store STORE --key <test key in KEY_DIR>`, to add flags to.
pub fn ingest_cmd(delivery: &Path, store: &Path, key_dir: &Path) -> Command {
    let mut cmd = kohort();
    cmd.arg("ingest").arg(delivery).arg("--store").arg(store).arg("--key").arg(key_file(key_dir));
    cmd
}

/// `kohort study STUDY --store STORE --out OUT`, to add flags to.
pub fn study_cmd(study: &Path, store: &Path, out: &Path) -> Command {
    let mut cmd = kohort();
    cmd.arg("study").arg(study).arg("--store").arg(store).arg("--out").arg(out);
    cmd
}

/// The kohort binary without options.
pub fn kohort_bare() -> Command {
    let mut cmd = Command::cargo_bin("kohort").expect("binary");
    cmd.env_remove("KOHORT_KEY_FILE");
    cmd
}

/// A valid delivery, table by table (CSV text with header). Ids look like real ones.
pub fn base_tables() -> BTreeMap<&'static str, String> {
    let mut t = BTreeMap::new();
    t.insert(
        "persons",
        "person_id,birth_date,sex,death_date,emigration_date
100000009,1985-03-02,f,,
100000010,1983-07-15,m,,
200000001,2010-05-20,f,,
200000002,2012-11,m,,
200000003,2014-01-10,x,2024-06-30,
300000001,1990-01-01,u,,2020-01-01
"
        .to_owned(),
    );
    t.insert(
        "relations",
        "parent_id,child_id,kind,valid_from,valid_to
100000009,200000001,biological,,
100000010,200000001,biological,,
100000009,200000002,biological,,
100000009,200000003,adoptive,2015-01-01,
"
        .to_owned(),
    );
    t.insert(
        "households",
        "household_id,person_id,role,valid_from,valid_to
HH-0000001,100000009,parent,2008-01-01,
HH-0000001,200000001,child,2010-05-20,
HH-0000001,200000002,child,2012-11-15,
"
        .to_owned(),
    );
    t.insert(
        "residence",
        "person_id,municipality,district,valid_from,valid_to
100000009,GM0014,WK001401,2008-01-01,
200000001,GM0014,,2010-05-20,2018-12-31
200000001,GM0363,WK036301,2019-01-01,
"
        .to_owned(),
    );
    t.insert(
        "care_episodes",
        "episode_id,person_id,care_form,start_date,end_date,end_reason,provider_id,referrer,municipality
EPI-0000001,200000001,ambulant,2018-02-01,2018-08-31,planned,PROV-00001,huisarts,GM0014
EPI-0000002,200000001,35,2019-01-10,,,PROV-00002,gecertificeerde instelling,GM0363
EPI-0000003,200000002,local_team,2020-03-01,2020-06-30,03,PROV-00001,,GM0014
"
        .to_owned(),
    );
    t.insert(
        "measures",
        "measure_id,person_id,kind,start_date,end_date,end_reason
MAT-0000001,200000001,ots,2019-01-05,2021-01-04,goal_reached
MAT-0000002,200000003,provisional_ots,2020-01-01,2020-01-10,transferred
"
        .to_owned(),
    );
    t.insert(
        "safety_reports",
        "report_id,person_id,household_id,report_date,kind,source
VT-00000001,200000001,HH-0000001,2018-01-15,child_abuse,politie
VT-00000002,200000002,,2021-05-01,domestic_violence,
"
        .to_owned(),
    );
    t.insert(
        "measurements",
        "measurement_id,person_id,episode_id,instrument,moment,date,value
MS-00000001,200000001,EPI-0000001,goal_attainment,end,2018-08-31,2
MS-00000002,200000001,EPI-0000001,satisfaction,end,2018-08-31,8.5
MS-00000003,200000002,,sdq_total,start,2020-03-01,17
"
        .to_owned(),
    );
    t.insert(
        "population",
        "year,municipality,age,sex,count
2024,GM0014,0,f,120
2024,GM0014,0,m,131
"
        .to_owned(),
    );
    t
}

/// Write a delivery folder.
pub fn write_delivery(
    dir: &Path,
    source: &str,
    id: &str,
    extracted_on: &str,
    tables: &BTreeMap<&str, String>,
) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::write(
        dir.join("delivery.toml"),
        format!("source = \"{source}\"\ndelivery_id = \"{id}\"\nextracted_on = {extracted_on}\n"),
    )
    .expect("write toml");
    for (name, text) in tables {
        std::fs::write(dir.join(format!("{name}.csv")), text).expect("write csv");
    }
    dir.to_owned()
}

/// Copy the files of a folder (not its subfolders' files) into `to`, created when missing.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
}

/// Append a raw line (bytes) to one table of a copy of the base tables.
pub fn with_row(table: &'static str, line: &str) -> BTreeMap<&'static str, String> {
    let mut t = base_tables();
    if let Some(text) = t.get_mut(table) {
        text.push_str(line);
        text.push('\n');
    }
    t
}

/// Run a query against the store views; every value as text ('' for null), rows sorted.
pub fn query(store: &Path, sql: &str) -> Vec<Vec<String>> {
    let conn = kohort::query::open_store(&Store::at(store), &DbSettings { threads: 2, memory_limit: "1GB".into() })
        .expect("open store");
    let wrapped = format!("SELECT * FROM ({})", sql.trim().trim_end_matches(';'));
    let mut stmt = conn.prepare(&wrapped).expect("prepare");
    let n = stmt.column_count_hint(&wrapped);
    let mut rows = stmt.query([]).expect("query");
    let mut out = Vec::new();
    while let Some(row) = rows.next().expect("row") {
        let mut vals = Vec::new();
        for i in 0..n {
            let v: duckdb::types::Value = row.get(i).expect("value");
            vals.push(text_of(&v));
        }
        out.push(vals);
    }
    out.sort();
    out
}

trait ColumnCount {
    fn column_count_hint(&self, sql: &str) -> usize;
}

impl ColumnCount for duckdb::Statement<'_> {
    fn column_count_hint(&self, _sql: &str) -> usize {
        self.column_count()
    }
}

fn text_of(v: &duckdb::types::Value) -> String {
    use duckdb::types::Value as V;
    match v {
        V::Null => String::new(),
        V::Text(s) => s.clone(),
        V::BigInt(n) => n.to_string(),
        V::Int(n) => n.to_string(),
        V::UBigInt(n) => n.to_string(),
        V::USmallInt(n) => n.to_string(),
        V::HugeInt(n) => n.to_string(),
        V::Double(f) => f.to_string(),
        V::Boolean(b) => b.to_string(),
        V::Date32(d) => {
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
            (epoch + chrono::Duration::days(i64::from(*d))).to_string()
        }
        other => format!("{other:?}"),
    }
}

/// The quarantine rows of a delivery as (table, row, rule, column).
pub fn quarantine(dir: &Path) -> Vec<(String, u64, String, String)> {
    let path = dir.join("quarantine.csv");
    let mut r = csv::Reader::from_path(&path).expect("quarantine.csv");
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.expect("record");
        out.push((rec[0].to_owned(), rec[1].parse().expect("row"), rec[4].to_owned(), rec[3].to_owned()));
    }
    out
}

/// Synthesise a built-in scenario (CSV, 2 threads) and ingest every delivery into a new store;
/// with `outcomes`, compute the default outcomes too. Returns the temp folder (which also holds
/// `synth/` and the test key) and the store.
pub fn scenario_store(scenario: &str, outcomes: bool) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tmp");
    let s = kohort::synth::load_scenario(scenario).expect("scenario");
    let opts = kohort::synth::SynthOptions {
        format: kohort::synth::OutputFormat::Csv,
        threads: Some(2),
        progress: false,
        scale: None,
    };
    let summary = kohort::synth::generate(&s, &tmp.path().join("synth"), &opts).expect("synth");
    let store = tmp.path().join("store");
    for d in &summary.deliveries {
        ingest_cmd(&d.dir, &store, tmp.path()).assert().code(0);
    }
    if outcomes {
        kohort().arg("--quiet").arg("outcomes").arg("--store").arg(&store).assert().success();
    }
    (tmp, store)
}

/// Synthesise a built-in scenario (CSV, 2 threads) and ingest the latest delivery of every
/// source into a new store (deliveries are cumulative snapshots, so the latest holds everything
/// known; `proeftuinen` has 15 per source). Outcomes are not computed. Returns the temp folder
/// (which also holds `synth/` and the test key) and the store.
pub fn scenario_store_latest(scenario: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tmp");
    let s = kohort::synth::load_scenario(scenario).expect("scenario");
    let opts = kohort::synth::SynthOptions {
        format: kohort::synth::OutputFormat::Csv,
        threads: Some(2),
        progress: false,
        scale: None,
    };
    let summary = kohort::synth::generate(&s, &tmp.path().join("synth"), &opts).expect("synth");
    let mut latest: BTreeMap<String, PathBuf> = BTreeMap::new();
    for d in summary.deliveries {
        latest.insert(d.source, d.dir);
    }
    let store = tmp.path().join("store");
    for dir in latest.values() {
        ingest_cmd(dir, &store, tmp.path()).assert().code(0);
    }
    (tmp, store)
}

/// Append lines to a delivery's `delivery.toml`.
pub fn add_toml(dir: &Path, lines: &str) {
    let path = dir.join("delivery.toml");
    let mut text = std::fs::read_to_string(&path).expect("toml");
    text.push_str(lines);
    std::fs::write(&path, text).expect("toml");
}
