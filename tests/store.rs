//! The store: several sources, replacement, changed persons, conflicts, keys, the lock,
//! determinism, no raw identifier anywhere in its bytes, surviving kills mid-ingest, and what
//! DuckDB's out-of-memory error tells (where it spills, the room left there).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use kohort::db::DuckContext;
use kohort::store::Store;

use crate::common::*;

fn ingest(delivery: &Path, store: &Path, key_dir: &Path) -> std::process::Output {
    ingest_cmd(delivery, store, key_dir).output().expect("run")
}

fn manifest(store: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(store.join("manifest.json")).expect("manifest")).expect("json")
}

/// A Veilig Thuis-like source: only persons and reports.
fn vt_tables(birth_of_200000001: &str) -> BTreeMap<&'static str, String> {
    let mut t = BTreeMap::new();
    t.insert("persons", format!("person_id,birth_date,sex,death_date,emigration_date\n200000001,{birth_of_200000001},f,,\n500000001,2016-02-02,m,,\n"));
    t.insert("safety_reports", "report_id,person_id,household_id,report_date,kind,source\nVT-10000001,500000001,,2022-02-02,child_abuse,school\n".into());
    t
}

fn write_vt(dir: &Path, id: &str, extracted: &str, birth: &str) -> PathBuf {
    let d = write_delivery(dir, "veilig-thuis", id, extracted, &vt_tables(birth));
    add_toml(&d, "tables = [\"persons\", \"safety_reports\"]\n");
    d
}

#[test]
fn sources_combine_a_new_delivery_replaces_its_source_and_changes_are_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let a1 = write_delivery(&tmp.path().join("a1"), "prov-a", "2026Q2", "2026-07-01", &base_tables());
    assert_eq!(ingest(&a1, &store, tmp.path()).status.code(), Some(0));
    let vt = write_vt(&tmp.path().join("vt"), "2026Q2", "2026-07-01", "2010-05-20");
    let out = ingest(&vt, &store, tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(query(&store, "SELECT count(*) FROM safety_reports"), vec![vec!["3".to_owned()]]);
    assert_eq!(query(&store, "SELECT count(*) FROM persons"), vec![vec!["7".to_owned()]]);
    assert_eq!(query(&store, "SELECT count(*) FROM persons_all"), vec![vec!["8".to_owned()]]);

    // prov-a corrects its delivery (same data end): one episode corrected, one report
    // dropped, one person added.
    let mut t = base_tables();
    let eps = t["care_episodes"].replace(
        "EPI-0000003,200000002,local_team,2020-03-01,2020-06-30",
        "EPI-0000003,200000002,local_team,2020-03-01,2020-07-31",
    );
    t.insert("care_episodes", eps);
    t.insert("safety_reports", "report_id,person_id,household_id,report_date,kind,source\nVT-00000001,200000001,HH-0000001,2018-01-15,child_abuse,politie\n".into());
    t.get_mut("persons").unwrap().push_str("600000001,2020-01-01,f,,\n");
    let a2 = write_delivery(&tmp.path().join("a2"), "prov-a", "2026Q2b", "2026-07-01", &t);
    assert_eq!(ingest(&a2, &store, tmp.path()).status.code(), Some(0));
    let m = manifest(&store);
    assert_eq!(m["sources"]["prov-a"]["delivery_id"], "2026Q2b");
    assert_eq!(m["sources"]["veilig-thuis"]["delivery_id"], "2026Q2");
    // Exactly 200000002 (episode changed, report removed) and 600000001 (new) changed.
    let last = m["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["changed_persons"], 2);
    let file = store.join(last["changes_file"].as_str().unwrap());
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let mut stmt = conn.prepare("SELECT DISTINCT person_id FROM read_parquet(?) ORDER BY 1").unwrap();
    let got: Vec<String> =
        stmt.query_map([file.to_string_lossy()], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    let mut want = vec![pseudo("person", "200000002"), pseudo("person", "600000001")];
    want.sort();
    assert_eq!(got, want);
    // With the tables each changed in: the episode and the report of one, the new person row
    // of the other.
    let mut stmt = conn.prepare("SELECT person_id, table_name FROM read_parquet(?)").unwrap();
    let got: Vec<(String, String)> =
        stmt.query_map([file.to_string_lossy()], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    let mut want = vec![
        (pseudo("person", "200000002"), "care_episodes".to_owned()),
        (pseudo("person", "200000002"), "safety_reports".to_owned()),
        (pseudo("person", "600000001"), "persons".to_owned()),
    ];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(last["population_changed"], false);
    assert_eq!(last["data_end_moved"], false);
    // The old prov-a rows are gone, the VT rows stay.
    assert_eq!(query(&store, "SELECT count(*) FROM safety_reports"), vec![vec!["2".to_owned()]]);
    assert_eq!(
        query(&store, "SELECT end_date::VARCHAR FROM care_episodes WHERE end_date > DATE '2020-07-01'"),
        vec![vec!["2020-07-31".to_owned()]]
    );
    // The next quarter, same rows, a later data end: every prov-a person's follow-up end
    // moves, so all seven (six first delivered, 600000001 added) are listed.
    let a3 = write_delivery(&tmp.path().join("a3"), "prov-a", "2026Q3", "2026-10-01", &t);
    assert_eq!(ingest(&a3, &store, tmp.path()).status.code(), Some(0));
    let last = manifest(&store)["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["data_end_moved"], true);
    assert_eq!(last["changed_persons"], 7);
    Store::at(&store).verify().expect("verify");
}

#[test]
fn conflicting_birth_dates_across_sources_are_reported_and_resolved_by_the_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let a = write_delivery(&tmp.path().join("a"), "prov-a", "2026Q2", "2026-07-01", &base_tables());
    ingest(&a, &store, tmp.path());
    // One source: no regrouping is run (a source holds each person once), and none is needed.
    assert_eq!(manifest(&store)["person_conflicts"], 0);
    assert_conflicts_recomputed(&store);
    // VT says 200000001 was born a day later, and its delivery is newer: VT wins.
    let vt = write_vt(&tmp.path().join("vt"), "2026Q3", "2026-10-01", "2010-05-21");
    let out = ingest(&vt, &store, tmp.path());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 persons with conflicting"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(manifest(&store)["person_conflicts"], 1);
    let id = pseudo("person", "200000001");
    let sql = format!("SELECT birth_date::VARCHAR, source FROM persons WHERE person_id = '{id}'");
    assert_eq!(query(&store, &sql), vec![vec!["2010-05-21".to_owned(), "veilig-thuis".to_owned()]]);
    // The outcome engine's timelines (two sources in the bucket: the rule is applied while
    // reading) agree with the view.
    assert_eq!(timeline_person(&store, &id), ("2010-05-21".to_owned(), "2026-10-01".to_owned()));
    // A month-precise birth date loses to a day-precise one even when newer.
    let vt2 = write_vt(&tmp.path().join("vt2"), "2026Q4", "2026-11-01", "2010-05");
    ingest(&vt2, &store, tmp.path());
    assert_eq!(query(&store, &sql), vec![vec!["2010-05-20".to_owned(), "prov-a".to_owned()]]);
    assert_eq!(timeline_person(&store, &id), ("2010-05-20".to_owned(), "2026-07-01".to_owned()));
    assert_conflicts_recomputed(&store);
    // VT agrees again: the conflict is gone (recomputed for VT's persons only, kept for the rest).
    let vt3 = write_vt(&tmp.path().join("vt3"), "2026Q5", "2026-12-01", "2010-05-20");
    ingest(&vt3, &store, tmp.path());
    assert_eq!(manifest(&store)["person_conflicts"], 0);
    assert_conflicts_recomputed(&store);
}

/// The conflicts ingest listed (from the previous version's, for the delivering source's
/// persons only) equal a full regrouping of every persons row of the version.
fn assert_conflicts_recomputed(store: &Path) {
    let m = manifest(store);
    let vdir = store.join("v").join(format!("{:06}", m["version"].as_u64().unwrap()));
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let glob = vdir.join("persons/*/*.parquet").to_string_lossy().into_owned();
    let sql = kohort::sql::ingest::PERSON_CONFLICTS.replace('?', &format!("'{glob}'"));
    let mut stmt = conn.prepare(&sql).unwrap();
    let want: Vec<(String, String)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    let file = vdir.join("conflicts.parquet");
    let got: Vec<(String, String)> = if file.exists() {
        let mut stmt = conn.prepare("SELECT person_id, versions FROM read_parquet(?) ORDER BY 1").unwrap();
        stmt.query_map([file.to_string_lossy()], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    } else {
        Vec::new()
    };
    assert_eq!(got, want);
    assert_eq!(m["person_conflicts"].as_u64().unwrap() as usize, want.len());
}

/// Birth date and data end of one person as the outcome engine reads them.
fn timeline_person(store: &std::path::Path, id: &str) -> (String, String) {
    let s = Store::at(store);
    let conn = kohort::query::open_store(&s, &kohort::db::DbSettings::default()).expect("open");
    let bucket = kohort::pseudonym::bucket_of_hex(id, 16).expect("bucket");
    let people = kohort::timelines::read_bucket(&conn, bucket, kohort::timelines::Needs::ALL).expect("read");
    let t = people.iter().find(|t| t.person_id == id).expect("person read");
    (t.birth_date.to_string(), t.data_end.to_string())
}

#[test]
fn another_key_is_refused_and_an_older_delivery_needs_allow_older() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let a = write_delivery(&tmp.path().join("a"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    ingest(&a, &store, tmp.path());
    let other = tmp.path().join("other.key");
    kohort::pseudonym::Key::from_bytes([9; 32]).write_new(&other).unwrap();
    let out = kohort().arg("ingest").arg(&a).arg("--store").arg(&store).arg("--key").arg(&other).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("key fingerprint"));
    let old = write_delivery(&tmp.path().join("old"), "prov-a", "2026Q2", "2026-07-01", &base_tables());
    let out = ingest(&old, &store, tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-older"));
}

#[test]
fn a_second_writer_is_stopped_by_the_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let _held = Store::at(&store).lock().expect("lock");
    let a = write_delivery(&tmp.path().join("a"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    let out = ingest(&a, &store, tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("locked"));
}

#[test]
fn same_delivery_gives_byte_identical_store_files_whatever_the_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let big = big_delivery(&tmp.path().join("d"), 20_000);
    let mut hashes = Vec::new();
    for threads in ["1", "2", "2"] {
        let store = tmp.path().join(format!("s{}", hashes.len()));
        let out = kohort_bare()
            .args(["--threads", threads, "ingest"])
            .arg(&big)
            .arg("--store")
            .arg(&store)
            .arg("--key")
            .arg(key_file(tmp.path()))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        hashes.push(manifest(&store)["sources"]["bulk"]["files"].clone());
    }
    assert_eq!(hashes[0], hashes[1]);
    assert_eq!(hashes[1], hashes[2]);
}

#[test]
fn no_raw_identifier_appears_anywhere_in_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let a = write_delivery(&tmp.path().join("a"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    ingest(&a, &store, tmp.path());
    let big = big_delivery(&tmp.path().join("big"), 5_000);
    assert_eq!(ingest(&big, &store, tmp.path()).status.code(), Some(0));
    let mut raw_ids = Vec::new();
    for dir in [&a, &big] {
        for (col, file) in [
            (0, "persons"),
            (0, "care_episodes"),
            (6, "care_episodes"),
            (0, "measures"),
            (0, "safety_reports"),
            (2, "safety_reports"),
            (0, "households"),
            (0, "measurements"),
        ] {
            let mut r = csv::Reader::from_path(dir.join(format!("{file}.csv"))).unwrap();
            for rec in r.records() {
                let v = rec.unwrap()[col].to_owned();
                if !v.is_empty() {
                    raw_ids.push(v);
                }
            }
        }
    }
    raw_ids.sort();
    raw_ids.dedup();
    assert!(raw_ids.len() > 10_000, "{}", raw_ids.len());
    let mut files = Vec::new();
    walk(&store, &mut files);
    assert!(files.len() > 20);
    let set: std::collections::HashSet<&[u8]> = raw_ids.iter().map(std::string::String::as_bytes).collect();
    let lens: std::collections::BTreeSet<usize> = raw_ids.iter().map(String::len).collect();
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for len in &lens {
            for w in bytes.windows(*len) {
                assert!(!set.contains(w), "a raw id appears in {}", f.display());
            }
        }
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// A larger valid delivery of `n` persons with episodes, reports and measures (source `bulk`).
pub fn big_delivery(dir: &Path, n: u32) -> PathBuf {
    let mut t: BTreeMap<&str, String> = BTreeMap::new();
    let mut persons = String::from("person_id,birth_date,sex,death_date,emigration_date\n");
    let mut eps = String::from(
        "episode_id,person_id,care_form,start_date,end_date,end_reason,provider_id,referrer,municipality\n",
    );
    let mut reports = String::from("report_id,person_id,household_id,report_date,kind,source\n");
    let mut measures = String::from("measure_id,person_id,kind,start_date,end_date,end_reason\n");
    let forms =
        ["local_team", "ambulant", "network", "day_treatment", "foster_care", "family_home", "residential", "secure"];
    for i in 0..n {
        let id = 700_000_000 + i * 7;
        let year = 2005 + (i % 15);
        persons.push_str(&format!(
            "{id},{year}-{:02}-{:02},{},,\n",
            1 + i % 12,
            1 + i % 28,
            if i % 2 == 0 { "f" } else { "m" }
        ));
        for k in 0..3 {
            let start = year + 3 + k;
            eps.push_str(&format!(
                "EPB-{i:07}-{k},{id},{},{start}-03-01,{start}-09-30,planned,PRB-{:05},,GM0014\n",
                forms[((i + k) % 8) as usize],
                i % 500
            ));
        }
        reports.push_str(&format!("VTB-{i:08},{id},,{}-05-05,child_abuse,\n", year + 2));
        if i % 5 == 0 {
            measures.push_str(&format!("MTB-{i:07},{id},ots,{}-01-01,{}-01-01,goal_reached\n", year + 4, year + 5));
        }
    }
    t.insert("persons", persons);
    t.insert("care_episodes", eps);
    t.insert("safety_reports", reports);
    t.insert("measures", measures);
    for (name, header) in [
        ("relations", "parent_id,child_id,kind,valid_from,valid_to\n"),
        ("households", "household_id,person_id,role,valid_from,valid_to\n"),
        ("residence", "person_id,municipality,district,valid_from,valid_to\n"),
        ("measurements", "measurement_id,person_id,episode_id,instrument,moment,date,value\n"),
        ("population", "year,municipality,age,sex,count\n"),
    ] {
        t.insert(name, header.to_owned());
    }
    write_delivery(dir, "bulk", "2026Q3", "2026-10-01", &t)
}

/// Kill `kohort ingest` at many moments; every time the previous store must stay intact and
/// readable, and a final run must complete.
#[test]
fn killed_mid_ingest_the_previous_store_stays_intact_and_a_rerun_completes() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let a = write_delivery(&tmp.path().join("a"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    assert_eq!(ingest(&a, &store, tmp.path()).status.code(), Some(0));
    let before = query(&store, "SELECT count(*) FROM persons");
    let big = big_delivery(&tmp.path().join("big"), 60_000);
    let bin = assert_cmd::cargo::cargo_bin("kohort");
    // How long a full run takes, to spread the kills over it.
    let t0 = Instant::now();
    let probe = tmp.path().join("probe");
    let status = std::process::Command::new(&bin)
        .args(["--threads", "2", "--quiet", "ingest"])
        .arg(&big)
        .arg("--store")
        .arg(&probe)
        .arg("--key")
        .arg(key_file(tmp.path()))
        .status()
        .unwrap();
    assert!(status.success());
    let full = t0.elapsed();
    let mut killed_mid_run = 0;
    let after = vec![vec!["60006".to_owned()]];
    let mut published = false;
    for k in 1..=12u32 {
        let delay = full.mul_f64(f64::from(k) / 13.0);
        let mut child = std::process::Command::new(&bin)
            .args(["--threads", "2", "--quiet", "ingest"])
            .arg(&big)
            .arg("--store")
            .arg(&store)
            .arg("--key")
            .arg(key_file(tmp.path()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            killed_mid_run += 1;
        }
        child.kill().unwrap(); // SIGKILL: no chance to clean up
        let status = child.wait().unwrap();
        Store::at(&store).verify().expect("store intact after kill");
        let now = query(&store, "SELECT count(*) FROM persons");
        // Readers see the old store or the whole new one, never anything in between. A kill
        // after the manifest swap (during clean-up) leaves the new one, which then stays.
        if now == after {
            published = true;
        } else {
            assert!(!published, "kill {k}: the published delivery disappeared");
            assert_eq!(now, before, "kill {k} after {delay:?} left a partial store");
        }
        if status.success() {
            break;
        }
    }
    assert!(killed_mid_run >= 5, "only {killed_mid_run} kills landed mid-run");
    let out = ingest(&big, &store, tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(query(&store, "SELECT count(*) FROM persons"), vec![vec!["60006".to_owned()]]);
    Store::at(&store).verify().expect("verify");
    assert!(!store.join(".staging").exists() || std::fs::read_dir(store.join(".staging")).unwrap().next().is_none());
}

/// Every file and folder under `dir` with its permission bits.
fn modes(dir: &Path) -> Vec<(PathBuf, u32)> {
    use std::os::unix::fs::PermissionsExt as _;
    let mut out = vec![(dir.to_owned(), std::fs::metadata(dir).unwrap().permissions().mode() & 0o777)];
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            out.extend(modes(&e.path()));
        } else if e.file_type().unwrap().is_file() {
            out.push((e.path(), e.metadata().unwrap().permissions().mode() & 0o777));
        }
    }
    out
}

#[test]
fn store_quarantine_and_exports_are_owner_only_unless_group_readable_is_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    // A delivery with a bad row, so there is a quarantine too.
    let d = write_delivery(
        &tmp.path().join("d"),
        "prov-a",
        "2026Q3",
        "2026-10-01",
        &with_row("persons", "999,notadate,f,,"),
    );
    // One bad row of seven is over the default reject rate: let it through to get a quarantine.
    ingest_cmd(&d, &store, tmp.path()).args(["--max-reject-rate", "1"]).assert().code(1);
    kohort().args(["--quiet", "outcomes", "--store"]).arg(&store).assert().code(0);
    let quarantine = tmp.path().join("s-quarantine");
    let study = Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/small_monitor.toml");
    let (studies, export) = (tmp.path().join("studies"), tmp.path().join("export"));
    kohort()
        .args(["--quiet", "study"])
        .arg(&study)
        .arg("--store")
        .arg(&store)
        .arg("--out")
        .arg(&studies)
        .assert()
        .code(0);
    kohort()
        .args(["--quiet", "export", "tables", "--in"])
        .arg(studies.join("small_monitor"))
        .arg("--out")
        .arg(&export)
        .assert()
        .code(0);
    let mut seen = 0;
    for dir in [&store, &quarantine, &studies, &export] {
        for (path, mode) in modes(dir) {
            assert_eq!(mode & 0o077, 0, "{} is {mode:o}: readable by others", path.display());
            seen += 1;
        }
    }
    assert!(seen > 40, "{seen}");
    // Asked for: group-readable, never world-readable.
    let shared = tmp.path().join("shared");
    let out = kohort()
        .arg("--group-readable")
        .args(["--quiet", "ingest"])
        .arg(&d)
        .arg("--store")
        .arg(&shared)
        .args(["--max-reject-rate", "1", "--key"])
        .arg(key_file(tmp.path()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let all = modes(&shared);
    assert!(all.iter().all(|(_, m)| m.trailing_zeros() >= 3), "{all:?}");
    assert!(all.iter().any(|(p, m)| p.ends_with("manifest.json") && m & 0o040 != 0), "{all:?}");
}

#[test]
fn verify_finds_a_current_outcome_run_whose_folder_is_gone() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let d = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    assert_eq!(ingest(&d, &store, tmp.path()).status.code(), Some(0));
    kohort().args(["--quiet", "outcomes", "--store"]).arg(&store).assert().code(0);
    let ok = kohort().args(["verify", "--store"]).arg(&store).output().unwrap();
    assert!(String::from_utf8_lossy(&ok.stdout).contains("of results run v000001-"), "{ok:?}");
    // What a kill between removing a run folder and renaming its successor left on old
    // versions: current.json naming a folder that is not there.
    let current: serde_json::Value =
        serde_json::from_slice(&std::fs::read(store.join("results/current.json")).unwrap()).unwrap();
    std::fs::remove_dir_all(store.join("results").join(current["run"].as_str().unwrap())).unwrap();
    let out = kohort().args(["verify", "--store"]).arg(&store).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("results run v000001-"), "{out:?}");
}

#[test]
fn the_quarantine_is_never_inside_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = with_row("persons", "999,notadate,f,,");
    let d = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &bad);
    // `--store .`: the quarantine goes beside the store folder, not into it.
    let store = tmp.path().join("here");
    std::fs::create_dir_all(&store).unwrap();
    let out = kohort()
        .current_dir(&store)
        .args(["--quiet", "ingest"])
        .arg(&d)
        .args(["--store", ".", "--max-reject-rate", "1", "--key"])
        .arg(key_file(tmp.path()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let beside = tmp.path().join("here-quarantine/prov-a/2026Q3/quarantine.csv");
    assert!(beside.is_file(), "{}", String::from_utf8_lossy(&out.stdout));
    let inside: Vec<PathBuf> =
        walk_files(&store).into_iter().filter(|p| p.to_string_lossy().contains("quarantine")).collect();
    assert!(inside.is_empty(), "{inside:?}");
    // An explicit quarantine folder inside the store is refused before anything is written.
    let version = std::fs::read_to_string(store.join("manifest.json")).unwrap();
    let d2 = write_delivery(&tmp.path().join("d2"), "prov-b", "2026Q3", "2026-10-01", &bad);
    let out = kohort()
        .args(["--quiet", "ingest"])
        .arg(&d2)
        .arg("--store")
        .arg(&store)
        .arg("--quarantine")
        .arg(store.join("q"))
        .arg("--key")
        .arg(key_file(tmp.path()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is inside the store") && err.contains("--quarantine"), "{err}");
    assert!(!store.join("q").exists());
    assert_eq!(std::fs::read_to_string(store.join("manifest.json")).unwrap(), version, "nothing published");
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn an_out_of_memory_error_names_where_duckdb_spills_and_the_room_left_there() {
    // A 16 MB limit and 1 MB of room to spill into (as on a nearly full disk): sorting
    // 200 MB of text runs out of memory. The message keeps DuckDB's words and adds where
    // DuckDB spills and the free space there; another error gets no such words.
    let spill = tempfile::tempdir().expect("a temporary folder");
    let settings = kohort::db::DbSettings { threads: 1, memory_limit: "16MB".to_owned() };
    let conn = kohort::db::open_in_memory(&settings, Some(spill.path())).expect("DuckDB");
    conn.execute_batch("SET max_temp_directory_size = '1MB';").expect("a setting");
    let sorted = conn
        .query_row(
            "SELECT max(s) FROM (SELECT s FROM (SELECT repeat('x', 90) || i::VARCHAR AS s FROM range(2000000) t(i)) ORDER BY s LIMIT 1999999)",
            [],
            |r| r.get::<_, String>(0),
        )
        .ctx("sorting");
    let message = sorted.expect_err("out of memory").to_string();
    assert!(message.starts_with("DuckDB (sorting): "), "{message}");
    assert!(message.contains("Out of Memory Error"), "{message}");
    let base = std::env::temp_dir();
    assert!(message.contains(&format!("spills what outgrows its memory limit into {}", base.display())), "{message}");
    assert!(message.contains("GB free there now") && message.contains("--memory-limit"), "{message}");
    let other = conn.execute_batch("SELEC 1").ctx("a typo").expect_err("a syntax error").to_string();
    assert!(!other.contains("kohort: DuckDB spills"), "{other}");
}
