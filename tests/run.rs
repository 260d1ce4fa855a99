//! `kohort run`: incremental runs publish exactly what full runs publish, over a sequence of
//! quarterly `proeftuinen` deliveries with late corrections; a killed run leaves the
//! published run intact and the next run completes; lock, quiet mode, log and exit codes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::common::*;

/// The proeftuinen deliveries: site -> quarter -> folder.
fn proeftuinen(dir: &Path) -> BTreeMap<String, BTreeMap<String, PathBuf>> {
    let s = kohort::synth::load_scenario("proeftuinen").expect("scenario");
    let opts = kohort::synth::SynthOptions {
        format: kohort::synth::OutputFormat::Csv,
        threads: Some(2),
        progress: false,
        scale: None,
    };
    let summary = kohort::synth::generate(&s, dir, &opts).expect("synth");
    let mut out: BTreeMap<String, BTreeMap<String, PathBuf>> = BTreeMap::new();
    for d in summary.deliveries {
        let site = d.dir.parent().and_then(Path::file_name).expect("site").to_string_lossy().into_owned();
        let quarter = d.dir.file_name().expect("quarter").to_string_lossy().into_owned();
        out.entry(site).or_default().insert(quarter, d.dir);
    }
    out
}

/// A plan over `root/store`, `root/inbox`, `root/published`, with the small monitor study.
fn plan(root: &Path, key_dir: &Path) -> PathBuf {
    plan_with(root, key_dir, "")
}

/// [`plan`] with extra plan lines.
fn plan_with(root: &Path, key_dir: &Path, extra: &str) -> PathBuf {
    std::fs::create_dir_all(root.join("inbox")).expect("inbox");
    let study = Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/small_monitor.toml");
    let text = format!(
        "store = \"store\"\nkey = \"{}\"\ninboxes = [\"inbox\"]\nstudies = [\"{}\"]\npublish = \"published\"\nlog = \"run.log\"\n{extra}",
        key_file(key_dir).display(),
        study.display()
    );
    let path = root.join("plan.toml");
    std::fs::write(&path, text).expect("plan");
    path
}

/// Put a delivery folder into a plan's inbox (as `inbox/<site>/<name>`).
fn deliver(root: &Path, site: &str, name: &str, from: &Path) {
    copy_dir(from, &root.join("inbox").join(site).join(name));
}

fn run(plan: &Path, extra: &[&str]) -> std::process::Output {
    let mut cmd = kohort();
    cmd.arg("--quiet").arg("run").arg(plan);
    cmd.args(extra);
    cmd.output().expect("run")
}

fn sha(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))))
}

fn manifest(root: &Path) -> serde_json::Value {
    let text = std::fs::read(root.join("published/current/run_manifest.json")).expect("run manifest");
    serde_json::from_slice(&text).expect("json")
}

/// Every published byte that must not depend on how the run got there: the study tables, and
/// with `outcome_files` every outcome file (their SHA-256s are in the outcome run's manifest).
fn published_bytes(root: &Path, outcome_files: bool) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let current = root.join("published/current");
    for study in std::fs::read_dir(&current).expect("current") {
        let study = study.expect("entry").path();
        if study.is_dir() {
            for f in ["tables.parquet", "tables.csv", "survival.parquet", "survival.csv"] {
                let name = format!("{}/{f}", study.file_name().expect("name").to_string_lossy());
                out.insert(name, sha(&study.join(f)));
            }
        }
    }
    if !outcome_files {
        return out;
    }
    let results = outcome_run(root);
    for (table, files) in results["tables"].as_object().expect("tables") {
        for f in files.as_array().expect("files") {
            let path = root
                .join("store/results")
                .join(results["run"].as_str().expect("run"))
                .join(f["path"].as_str().expect("path"));
            assert_eq!(sha(&path), f["sha256"].as_str().expect("sha"), "{table}: file differs from its manifest");
            out.insert(format!("results/{}", f["path"].as_str().expect("path")), f["sha256"].to_string());
        }
    }
    out
}

fn outcome_run(root: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(root.join("store/results/current.json")).expect("results")).expect("json")
}

/// Every row of every result table of the current outcome run, read through its view (base
/// files without the superseded persons, plus the deltas), sorted.
fn outcome_rows(root: &Path) -> BTreeMap<String, Vec<Vec<String>>> {
    let results = outcome_run(root);
    let mut names: Vec<String> = results["tables"].as_object().expect("tables").keys().cloned().collect();
    if let Some(d) = results["deltas"].as_object() {
        names.extend(d.keys().cloned());
    }
    names.sort();
    names.dedup();
    names.into_iter().map(|t| (t.clone(), query(&root.join("store"), &format!("SELECT * FROM \"{t}\"")))).collect()
}

#[test]
fn incremental_runs_publish_byte_for_byte_what_full_runs_publish_over_quarterly_deliveries() {
    let tmp = tempfile::tempdir().expect("tmp");
    let all = proeftuinen(&tmp.path().join("synth"));
    let sites: Vec<&String> = all.keys().take(5).collect();
    let quarters = ["2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1", "2024Q2"];
    // Four stores fed the same deliveries: incremental runs that always merge the changes into
    // new base files, incremental runs that write deltas and merge them when they grow (here
    // every other quarter: a quarter changes most persons), incremental runs that only ever
    // write deltas, and full runs.
    let root = |name: &str| tmp.path().join(name);
    let (merge, inc, delta, full) = (root("merge"), root("inc"), root("delta"), root("full"));
    let plan_merge = plan_with(&merge, tmp.path(), "compact_above = 0.0\n");
    let plan_inc = plan_with(&inc, tmp.path(), "compact_above = 1.0\n");
    let plan_delta = plan_with(&delta, tmp.path(), "compact_above = 1000.0\n");
    let plan_full = plan(&full, tmp.path());
    let mut steps: Vec<Vec<(String, String, PathBuf)>> = Vec::new();
    for (k, q) in quarters.iter().enumerate() {
        // Some sites skip a quarter (their next, cumulative delivery catches up): the other
        // sites' persons are then kept from the previous run, which is what incremental merges.
        let step = sites
            .iter()
            .enumerate()
            .filter(|(i, _)| k == 0 || (i + k) % 3 != 0)
            .map(|(_, s)| ((*s).clone(), (*q).to_owned(), all[*s][*q].clone()))
            .collect();
        steps.push(step);
    }
    // A late correction of one site's latest delivery, same data end: one episode's care
    // form corrected, so exactly one person changes.
    let site = sites[0].clone();
    let fixed = tmp.path().join("correction");
    copy_dir(&all[&site]["2024Q2"], &fixed);
    let episodes = std::fs::read_to_string(fixed.join("care_episodes.csv")).expect("episodes");
    let mut lines: Vec<String> = episodes.lines().map(str::to_owned).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let form_col = header.iter().position(|c| *c == "care_form").expect("care_form");
    let mut cells: Vec<String> = lines[1].split(',').map(str::to_owned).collect();
    cells[form_col] = if cells[form_col] == "residential" { "foster_care" } else { "residential" }.to_owned();
    lines[1] = cells.join(",");
    std::fs::write(fixed.join("care_episodes.csv"), lines.join("\n") + "\n").expect("write");
    let meta =
        std::fs::read_to_string(fixed.join("delivery.toml")).expect("toml").replace("\"2024Q2\"", "\"2024Q2-c1\"");
    std::fs::write(fixed.join("delivery.toml"), meta).expect("toml");
    steps.push(vec![(site.clone(), "2024Q2-c1".to_owned(), fixed)]);

    let (mut modes, mut study_modes) = (Vec::new(), Vec::new());
    let (mut delta_modes, mut delta_study_modes) = (Vec::new(), Vec::new());
    let mut household_delta_rows = 0;
    for (k, step) in steps.iter().enumerate() {
        for (site, name, dir) in step {
            for root in [&merge, &inc, &delta, &full] {
                deliver(root, site, name, dir);
            }
        }
        for (plan, extra) in [(&plan_merge, &[][..]), (&plan_inc, &[]), (&plan_delta, &[]), (&plan_full, &["--full"])] {
            let out = run(plan, extra);
            assert_eq!(out.status.code(), Some(0), "step {k}: {}", String::from_utf8_lossy(&out.stderr));
        }
        // Merged runs: every published and every outcome file is the full run's, byte for byte.
        let (a, b) = (published_bytes(&merge, true), published_bytes(&full, true));
        assert!(a.len() > 20, "step {k}: {a:?}");
        assert_eq!(a, b, "step {k}: merged incremental and full runs published different bytes");
        // Delta runs: the same published bytes, and the same rows in every result table.
        let rows_full = outcome_rows(&full);
        for (store, modes, study_modes) in
            [(&inc, &mut modes, &mut study_modes), (&delta, &mut delta_modes, &mut delta_study_modes)]
        {
            assert_eq!(published_bytes(store, false), published_bytes(&full, false), "step {k}: {}", store.display());
            let rows = outcome_rows(store);
            assert_eq!(rows.keys().collect::<Vec<_>>(), rows_full.keys().collect::<Vec<_>>(), "step {k}");
            for (table, rows_full) in &rows_full {
                assert!(
                    rows[table] == *rows_full,
                    "step {k}: {table} differs from the full run in {}",
                    store.display()
                );
            }
            let md = manifest(store);
            assert_eq!(md["outcomes"]["persons"], manifest(&full)["outcomes"]["persons"], "step {k}");
            if let Some(files) = outcome_run(store)["deltas"]["safety_household"].as_array() {
                household_delta_rows += files.iter().map(|f| f["rows"].as_u64().expect("rows")).sum::<u64>();
            }
            modes.push(md["outcomes"]["mode"].as_str().expect("mode").to_owned());
            study_modes.push(md["studies"][0]["mode"].as_str().expect("study mode").to_owned());
        }
        let (mi, mf) = (manifest(&merge), manifest(&full));
        assert!(mi["studies"][0]["rows"].as_u64().expect("rows") > 100);
        assert_eq!(mf["outcomes"]["mode"], "full");
        let persons = mi["outcomes"]["persons"].as_u64().expect("persons");
        let recomputed = mi["outcomes"]["recomputed"].as_u64().expect("recomputed");
        if k == 0 {
            assert_eq!(mi["outcomes"]["mode"], "full", "no previous run");
        } else {
            assert_eq!(mi["outcomes"]["mode"], "incremental_compacted", "step {k}");
            assert!(recomputed < persons, "step {k}: {recomputed} of {persons}: nothing was kept");
        }
        if k == steps.len() - 1 {
            assert_eq!(mi["outcomes"]["changed"], 1, "the correction changes one person");
            assert_eq!(recomputed, 1);
            assert_eq!(mi["deliveries"][0]["delivery_id"], "2024Q2-c1");
        }
        assert_eq!(mi["store_version"], mf["store_version"]);
    }
    // The delta store went through both layouts: deltas, and merges once they grew.
    assert!(modes.iter().any(|m| m == "incremental"), "{modes:?}");
    assert!(modes.iter().any(|m| m == "incremental_compacted"), "{modes:?}");
    assert_eq!(modes.last().map(String::as_str), Some("incremental"), "the one-person correction is a delta");
    // The studies were updated from their cache too; and the delta store never merged.
    assert!(study_modes.iter().any(|m| m == "incremental"), "{study_modes:?}");
    assert!(study_modes[1..].iter().any(|m| m == "full"), "{study_modes:?}");
    assert!(delta_modes[1..].iter().all(|m| m == "incremental"), "{delta_modes:?}");
    assert!(delta_study_modes[1..].iter().all(|m| m == "incremental"), "{delta_study_modes:?}");
    assert!(household_delta_rows > 0, "the household view was never updated incrementally");
}

/// The study tables of the published run against the SHA-256s of its manifest.
fn published_intact(root: &Path) -> String {
    let m = manifest(root);
    for study in m["studies"].as_array().expect("studies") {
        for f in study["files"].as_array().expect("files") {
            let path = root.join("published/current").join(f["path"].as_str().expect("path"));
            assert_eq!(sha(&path), f["sha256"].as_str().expect("sha"), "{}", path.display());
        }
    }
    m["run"].as_str().expect("run").to_owned()
}

#[test]
fn a_killed_run_leaves_the_published_run_intact_and_the_next_run_completes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let all = proeftuinen(&tmp.path().join("synth"));
    let sites: Vec<&String> = all.keys().take(2).collect();
    let root = tmp.path().join("a");
    let plan_a = plan(&root, tmp.path());
    for s in &sites {
        deliver(&root, s, "2023Q1", &all[*s]["2023Q1"]);
    }
    assert_eq!(run(&plan_a, &[]).status.code(), Some(0));
    assert_eq!(published_intact(&root), "r000001");

    // The next quarter lands; the run is killed after the ingest, after the outcomes, and
    // after the studies were written but before the switch.
    for s in &sites {
        deliver(&root, s, "2023Q2", &all[*s]["2023Q2"]);
    }
    for at in ["ingested", "outcomes", "studies"] {
        let mut cmd = kohort();
        cmd.env("KOHORT_FAULT", format!("run:{at}")).arg("--quiet").arg("run").arg(&plan_a);
        let out = cmd.output().expect("run");
        assert!(!out.status.success() && out.status.code().is_none(), "{at}: the process was not killed");
        assert_eq!(published_intact(&root), "r000001", "{at}");
    }
    // And once with a real SIGKILL part-way (whatever moment it lands on).
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kohort"))
        .args(["--threads", "2", "--quiet", "run"])
        .arg(&plan_a)
        .spawn()
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(700));
    let _ = child.kill();
    let _ = child.wait();
    let current = published_intact(&root);
    assert!(current == "r000001" || current == "r000002", "{current}");

    let out = run(&plan_a, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_ne!(published_intact(&root), "r000001");

    // The same deliveries in one uninterrupted run give the same bytes.
    let fresh = tmp.path().join("b");
    let plan_b = plan(&fresh, tmp.path());
    for s in &sites {
        deliver(&fresh, s, "2023Q1", &all[*s]["2023Q1"]);
        deliver(&fresh, s, "2023Q2", &all[*s]["2023Q2"]);
    }
    assert_eq!(run(&plan_b, &[]).status.code(), Some(0));
    assert_eq!(published_bytes(&root, false), published_bytes(&fresh, false));
    assert_eq!(outcome_rows(&root), outcome_rows(&fresh));
    assert!(
        !root
            .join("published/runs")
            .read_dir()
            .expect("runs")
            .any(|e| { e.expect("entry").file_name().to_string_lossy().starts_with(".staging") })
    );
}

#[test]
fn cron_behaviour_lock_quiet_log_refusals_and_exit_codes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("r");
    let plan_r = plan(&root, tmp.path());
    let good = write_delivery(&tmp.path().join("good"), "prov-a", "2026Q2", "2026-07-01", &base_tables());
    deliver(&root, "prov-a", "2026Q2", &good);

    // Another run holds the lock: exit 3, nothing done.
    {
        let _held = kohort::store::StoreLock::acquire_named(&root.join("store"), ".run.lock").expect("lock");
        let out = run(&plan_r, &[]);
        assert_eq!(out.status.code(), Some(3));
        assert!(!root.join("store/manifest.json").exists());
    }

    // Quiet: nothing on the terminal, everything in the log.
    let out = run(&plan_r, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    let log = std::fs::read_to_string(root.join("run.log")).expect("log");
    assert!(log.contains("ingested prov-a/2026Q2") && log.contains("published run r000001"), "{log}");
    let m = manifest(&root);
    assert_eq!(m["deliveries"][0]["accepted"], m["deliveries"][0]["read"]);
    assert_eq!(m["inputs"][0]["source"], "prov-a");
    assert_eq!(m["inputs"][0]["files"].as_array().expect("files").len(), base_tables().len());
    assert_eq!(m["config_hash"].as_str().expect("hash").len(), 64);

    // Nothing new: exit 0, the published run stays.
    assert_eq!(run(&plan_r, &[]).status.code(), Some(0));
    assert_eq!(manifest(&root)["run"], "r000001");

    // A delivery with a broken header is refused (exit 4: nothing of it is published) and
    // remembered: the next run reports it without validating it again.
    let mut t = base_tables();
    t.insert("safety_reports", "report_id,person_id\nX,200000001\n".to_owned());
    let bad = write_delivery(&tmp.path().join("bad"), "prov-b", "2026Q2", "2026-07-01", &t);
    deliver(&root, "prov-b", "2026Q2", &bad);
    assert_eq!(run(&plan_r, &[]).status.code(), Some(4));
    let state = std::fs::read_to_string(root.join("published/state.json")).expect("state");
    assert!(state.contains("prov-b") && state.contains("safety_reports"), "{state}");
    assert_eq!(run(&plan_r, &[]).status.code(), Some(4));
    let log = std::fs::read_to_string(root.join("run.log")).expect("log");
    assert!(log.contains("still refused prov-b/2026Q2"), "{log}");
    assert_eq!(manifest(&root)["run"], "r000001");

    // A plan error is exit 2 and names the file and the key.
    std::fs::write(tmp.path().join("bad.toml"), "store = \"s\"\nkey = \"k\"\npublish = \"p\"\nfrobnicate = 1\n")
        .expect("w");
    let out = run(&tmp.path().join("bad.toml"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("frobnicate"), "{err}");
}

/// Files and bytes in `STORE/changes/`.
fn changes_size(root: &Path) -> (u64, u64) {
    let Ok(dir) = std::fs::read_dir(root.join("store/changes")) else { return (0, 0) };
    dir.map(|e| e.expect("entry").metadata().expect("meta").len()).fold((0, 0), |(n, b), len| (n + 1, b + len))
}

#[test]
fn change_lists_stay_bounded_over_twenty_quarterly_deliveries() {
    let tmp = tempfile::tempdir().expect("tmp");
    let all = proeftuinen(&tmp.path().join("synth"));
    let sites: Vec<&String> = all.keys().take(2).collect();
    let quarters: Vec<&String> = all[sites[0]].keys().take(10).collect();
    let root = tmp.path().join("r");
    let plan_r = plan(&root, tmp.path());
    let (mut most, mut modes) = ((0, 0), Vec::new());
    for q in &quarters {
        for s in &sites {
            deliver(&root, s, q, &all[*s][*q]);
        }
        let out = run(&plan_r, &[]);
        assert_eq!(out.status.code(), Some(0), "{q}: {}", String::from_utf8_lossy(&out.stderr));
        let size = changes_size(&root);
        most = most.max(size);
        // The outcome run and the study cache both reflect the current store version: no
        // change list is needed any more.
        assert_eq!(size, (0, 0), "{q}: change lists left behind");
        modes.push(manifest(&root)["outcomes"]["mode"].as_str().expect("mode").to_owned());
    }
    assert_eq!(quarters.len() * sites.len(), 20);
    // Pruning never cost an incremental run its change lists.
    assert!(modes[1..].iter().all(|m| m.starts_with("incremental")), "{modes:?}");
    let history =
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(root.join("store/manifest.json")).expect("m"))
            .expect("json")["history"]
            .as_array()
            .expect("history")
            .len();
    assert_eq!(history, 20, "every delivery is still in the history");
}

#[test]
fn change_lists_a_consumer_still_needs_are_kept() {
    // An outcome run at the first version, then two more deliveries ingested without a run:
    // both lists are needed by the next incremental run and stay; the run then prunes them.
    let tmp = tempfile::tempdir().expect("tmp");
    let all = proeftuinen(&tmp.path().join("synth"));
    let site = all.keys().next().expect("site").clone();
    let root = tmp.path().join("r");
    let plan_r = plan(&root, tmp.path());
    deliver(&root, &site, "2023Q1", &all[&site]["2023Q1"]);
    assert_eq!(run(&plan_r, &[]).status.code(), Some(0));
    for q in ["2023Q2", "2023Q3"] {
        ingest_cmd(&all[&site][q], &root.join("store"), tmp.path()).assert().code(0);
    }
    kohort().args(["--quiet", "linkage", "--store"]).arg(root.join("store")).assert().code(0);
    assert_eq!(changes_size(&root).0, 2, "the lists of versions 2 and 3 wait for the next run");
    deliver(&root, &site, "2023Q4", &all[&site]["2023Q4"]);
    let out = run(&plan_r, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let mode = manifest(&root)["outcomes"]["mode"].as_str().expect("mode").to_owned();
    assert!(mode.starts_with("incremental"), "the kept lists made an incremental run possible: {mode}");
    assert_eq!(changes_size(&root), (0, 0));
}

/// Published study rows (tables.csv) as (count, denominator), `None` when suppressed.
fn published_cells(path: &Path) -> Vec<(Option<u64>, Option<u64>)> {
    let mut r = csv::Reader::from_path(path).expect("tables.csv");
    let headers = r.headers().expect("headers").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let (c, d) = (col("count"), col("denominator"));
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            (rec[c].parse().ok(), rec[d].parse().ok())
        })
        .collect()
}

#[test]
fn a_run_publishes_only_disclosure_controlled_tables_and_keeps_the_raw_ones_in_the_store() {
    let tmp = tempfile::tempdir().expect("tmp");
    let all = proeftuinen(&tmp.path().join("synth"));
    let root = tmp.path().join("r");
    let panel = Path::new(env!("CARGO_MANIFEST_DIR")).join("panels/spells_person_year.toml");
    let plan_r =
        plan_with(&root, tmp.path(), &format!("panels = [\"{}\"]\n[export]\nmin_count = 12\n", panel.display()));
    for site in all.keys().take(3) {
        deliver(&root, site, "2023Q4", &all[site]["2023Q4"]);
    }
    let out = run(&plan_r, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let current = root.join("published/current");
    let raw = root.join("store/study_tables/small_monitor");
    // The raw tables hold small cells (that is why they are not published) ...
    let raw_cells = published_cells(&raw.join("tables.csv"));
    let small = raw_cells.iter().filter(|(c, d)| c.zip(*d).is_some_and(|(c, d)| c < 12 || d - c < 12)).count();
    assert!(small > 50, "the raw tables have {small} cells under the minimum");
    // ... none of which reaches the published run: every published cell has a count and a
    // complement of at least the plan's minimum.
    let cells = published_cells(&current.join("small_monitor/tables.csv"));
    assert_eq!(cells.len(), raw_cells.len(), "one published row per study row");
    for (c, d) in &cells {
        match (c, d) {
            (Some(c), Some(d)) => assert!(*c >= 12 && d - c >= 12, "published {c}/{d}"),
            (None, None) => {}
            other => panic!("half a suppressed cell: {other:?}"),
        }
    }
    assert!(cells.iter().any(|(c, _)| c.is_none()) && cells.iter().any(|(c, _)| c.is_some()));
    // What is published is exactly `kohort export tables` of the raw tables.
    let again = tmp.path().join("again");
    kohort()
        .args(["--quiet", "export", "tables", "--min-count", "12", "--in"])
        .arg(&raw)
        .arg("--out")
        .arg(&again)
        .assert()
        .code(0);
    for f in ["tables.csv", "tables.parquet", "survival.csv", "codebook.md", "disclosure_report.json"] {
        assert_eq!(sha(&current.join("small_monitor").join(f)), sha(&again.join(f)), "{f}");
    }
    // The panel is there, and the manifest's hashes hold.
    let m = manifest(&root);
    assert_eq!(m["parameters"]["export.min_count"], "12");
    let panel_files: Vec<&str> =
        m["panels"][0]["files"].as_array().expect("files").iter().map(|f| f["path"].as_str().expect("p")).collect();
    assert!(panel_files.contains(&"panels/spells_person_year/panel.parquet"), "{panel_files:?}");
    assert!(panel_files.contains(&"panels/spells_person_year/disclosure_report.json"), "{panel_files:?}");
    let verify = kohort()
        .args(["--quiet", "verify", "--store"])
        .arg(root.join("store"))
        .arg("--publish")
        .arg(root.join("published"))
        .output()
        .expect("verify");
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    let said = String::from_utf8_lossy(&verify.stdout);
    let files = m["studies"][0]["files"].as_array().expect("f").len() + panel_files.len();
    assert!(said.contains(&format!("ok: {files} files of published run r000001")), "{said}");
    // A published file that changed afterwards is found.
    std::fs::write(current.join("small_monitor/tables.csv"), "tampered").expect("tamper");
    let verify = kohort()
        .args(["--quiet", "verify", "--store"])
        .arg(root.join("store"))
        .arg("--publish")
        .arg(root.join("published"))
        .output()
        .expect("verify");
    assert_eq!(verify.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&verify.stderr).contains("small_monitor/tables.csv"));
}

/// Every file of a folder tree, by relative path, with its SHA-256.
fn tree_shas(dir: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(base, &p, out);
            } else if !p.to_string_lossy().ends_with(".lease") {
                out.insert(p.strip_prefix(base).expect("prefix").to_string_lossy().into_owned(), sha(&p));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A monitor study (year periods, a cross-split, districts) over quarterly deliveries of two
/// sites: after the first run each run updates the study's cache and publishes the full run's
/// bytes. (Rate outcomes are left out: their periods follow the population's years and the data
/// end, which the cache key holds, so a new quarter rebuilds a study with rates in full.)
/// Run a monitor study (`study`, the text of its file) incrementally and in full over
/// `schedule` (per quarter, which of the first two proeftuinen sites deliver); after each
/// quarter the raw study tables and the published exports of both must be the same bytes.
/// Returns per quarter the incremental run's study mode and reason, its cache state, and the
/// rate rows of its cache's delta file of persons never recomputed (not superseded).
/// (systems protected again, systems) of the last export a run's log reports.
fn systems_protected(root: &Path) -> (u64, u64) {
    let log = std::fs::read_to_string(root.join("run.log")).expect("run log");
    let line = log.lines().rev().find(|l| l.contains("table systems protected again")).expect("export line");
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "systems").expect("systems");
    let n = |w: &str| w.parse::<u64>().expect("a number");
    (n(words[at - 4]), n(words[at - 2]))
}

fn monitor_study_modes(study_text: &str, schedule: &[(&str, &[usize])]) -> Vec<(String, serde_json::Value, i64)> {
    let tmp = tempfile::tempdir().expect("tmp");
    let all = proeftuinen(&tmp.path().join("synth"));
    let sites: Vec<&String> = all.keys().take(2).collect();
    let study = tmp.path().join("monitor.toml");
    std::fs::write(&study, study_text).expect("study");
    let (inc, full) = (tmp.path().join("inc"), tmp.path().join("full"));
    let plan_of = |root: &Path| {
        std::fs::create_dir_all(root.join("inbox")).expect("inbox");
        let text = format!(
            "store = \"store\"\nkey = \"{}\"\ninboxes = [\"inbox\"]\nstudies = [\"{}\"]\npublish = \"published\"\nlog = \"run.log\"\ncompact_above = 1000.0\n",
            key_file(tmp.path()).display(),
            study.display()
        );
        std::fs::write(root.join("plan.toml"), text).expect("plan");
        root.join("plan.toml")
    };
    let (plan_inc, plan_full) = (plan_of(&inc), plan_of(&full));
    let mut study_modes = Vec::new();
    for &(q, which) in schedule {
        for site in which.iter().map(|&i| sites[i]) {
            for root in [&inc, &full] {
                deliver(root, site, q, &all[site][q]);
            }
        }
        for (plan, extra) in [(&plan_inc, &[][..]), (&plan_full, &["--full"])] {
            let out = run(plan, extra);
            assert_eq!(out.status.code(), Some(0), "{q}: {}", String::from_utf8_lossy(&out.stderr));
        }
        let (a, b) = (tree_shas(&inc.join("store/study_tables")), tree_shas(&full.join("store/study_tables")));
        assert!(a.keys().any(|k| k.ends_with("tables.parquet")), "{q}: {a:?}");
        assert_eq!(a, b, "{q}: the raw monitor tables of the incremental and the full run differ");
        assert_eq!(published_bytes(&inc, false), published_bytes(&full, false), "{q}: published exports differ");
        // The export protected again only the table systems whose figures changed (the full
        // run, without its cache, all of them), and still published the same bytes.
        let (again_inc, again_full) = (systems_protected(&inc), systems_protected(&full));
        assert_eq!(again_full.0, again_full.1, "{q}: the full run reused patterns");
        if !study_modes.is_empty() {
            assert!(again_inc.0 < again_inc.1, "{q}: every system protected again: {again_inc:?}");
        }
        let m = manifest(&inc);
        let mode = format!("{} {}", m["studies"][0]["mode"].as_str().expect("mode"), m["studies"][0]["reason"]);
        let state = std::fs::read_to_string(inc.join("store/studies/monitor/current.json")).expect("cache state");
        let state: serde_json::Value = serde_json::from_str(&state).expect("cache state json");
        let dir = inc.join("store/studies/monitor").join(state["id"].as_str().expect("id"));
        let conn = duckdb::Connection::open_in_memory().expect("duckdb");
        let kept: i64 = conn
            .query_row(
                "SELECT count(*) FROM read_parquet($1) WHERE person_id NOT IN (SELECT person_id FROM read_parquet($2))",
                [
                    dir.join("rate_rows_delta.parquet").display().to_string(),
                    dir.join("superseded.parquet").display().to_string(),
                ],
                |r| r.get(0),
            )
            .expect("delta rows");
        study_modes.push((mode, state, kept));
    }
    study_modes
}

#[test]
fn a_monitor_study_with_periods_and_districts_runs_incrementally_to_the_full_runs_bytes() {
    let both: &[usize] = &[0, 1];
    let study_modes = monitor_study_modes(
        "name = \"monitor\"\nperiods = \"year\"\nfrom = 2016\nto = 2024\n\
         outcomes = [\"reentry\", \"escalation\", \"rereport\", \"measure_success\", \"regular_ending\", \"recidivism\"]\nsplits = [\"sex\", [\"sex\", \"age_band\"]]\n\
         region_levels = [\"national\", \"youth_region\", \"municipality\", \"district\"]\n",
        &[("2023Q3", both), ("2023Q4", both), ("2024Q1", both)],
    );
    let study_modes: Vec<&String> = study_modes.iter().map(|(m, ..)| m).collect();
    // The first run has no cache; the later ones are incremental, and still equal the full run.
    assert!(study_modes[0].starts_with("full"), "{study_modes:?}");
    assert!(study_modes[1..].iter().all(|m| m.starts_with("incremental")), "{study_modes:?}");
}

/// Rate outcomes count persons per period, and their periods follow the population's years
/// and the data end: each quarterly delivery here completes a new quarter. The counts of the
/// cached persons stay, the new quarter is counted for everyone, and the changed persons are
/// recounted: still the full run's bytes, with benchmarks, standardised rates and districts.
/// Only the first site delivers the later quarters, so the second site's persons stay
/// unchanged (a delivery moves the data end of its own site's persons only) and are counted in
/// each new quarter by the added-period path.
#[test]
fn a_monitor_study_with_rate_outcomes_runs_incrementally_to_the_full_runs_bytes_as_periods_are_added() {
    let study_modes = monitor_study_modes(
        "name = \"monitor\"\nperiods = \"quarter\"\nfrom = \"2021Q1\"\nto = \"2024Q4\"\n\
         outcomes = [\"care_use\", \"care_starts\", \"care_stock\", \"reentry\"]\nsplits = [\"sex\", [\"sex\", \"age_band\"]]\n\
         region_levels = [\"national\", \"youth_region\", \"municipality\", \"district\"]\n",
        &[("2023Q3", &[0, 1]), ("2023Q4", &[0]), ("2024Q1", &[0])],
    );
    let modes: Vec<&String> = study_modes.iter().map(|(m, ..)| m).collect();
    assert!(modes[0].starts_with("full"), "{modes:?}");
    assert!(modes[1..].iter().all(|m| m.starts_with("incremental")), "{modes:?}");
    // Each later run counted one quarter more than the cache had (the data end moved by one
    // quarter), and each new quarter's rows of the persons never recomputed (the second
    // site's) came from the added-period path into the delta file.
    let periods = |i: usize| -> Vec<String> {
        study_modes[i].1["periods"]
            .as_array()
            .expect("periods")
            .iter()
            .map(|p| p.as_str().expect("id").to_owned())
            .collect()
    };
    for i in 1..study_modes.len() {
        let (before, after) = (periods(i - 1), periods(i));
        assert_eq!(after.len(), before.len() + 1, "{before:?} -> {after:?}");
        assert!(before.iter().all(|p| after.contains(p)), "{before:?} -> {after:?}");
        assert!(
            study_modes[i].2 > study_modes[i - 1].2,
            "no new rate rows of unchanged persons in the delta: {modes:?} {:?}",
            study_modes.iter().map(|m| m.2).collect::<Vec<_>>()
        );
    }
}
