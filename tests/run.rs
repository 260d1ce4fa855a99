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
    std::fs::create_dir_all(root.join("inbox")).expect("inbox");
    let study = Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/small_monitor.toml");
    let text = format!(
        "store = \"store\"\nkey = \"{}\"\ninboxes = [\"inbox\"]\nstudies = [\"{}\"]\npublish = \"published\"\nlog = \"run.log\"\n",
        key_file(key_dir).display(),
        study.display()
    );
    let path = root.join("plan.toml");
    std::fs::write(&path, text).expect("plan");
    path
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
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

/// Every published byte that must not depend on how the run got there: the study tables and
/// every outcome file (their SHA-256s are in the outcome run's manifest).
fn published_bytes(root: &Path) -> BTreeMap<String, String> {
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
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("store/results/current.json")).expect("results"))
            .expect("json");
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

#[test]
fn incremental_runs_publish_byte_for_byte_what_full_runs_publish_over_quarterly_deliveries() {
    let tmp = tempfile::tempdir().expect("tmp");
    let all = proeftuinen(&tmp.path().join("synth"));
    let sites: Vec<&String> = all.keys().take(5).collect();
    let quarters = ["2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1", "2024Q2"];
    let (inc, full) = (tmp.path().join("inc"), tmp.path().join("full"));
    let (plan_inc, plan_full) = (plan(&inc, tmp.path()), plan(&full, tmp.path()));
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

    for (k, step) in steps.iter().enumerate() {
        for (site, name, dir) in step {
            deliver(&inc, site, name, dir);
            deliver(&full, site, name, dir);
        }
        let out = run(&plan_inc, &[]);
        assert_eq!(out.status.code(), Some(0), "step {k}: {}", String::from_utf8_lossy(&out.stderr));
        let out = run(&plan_full, &["--full"]);
        assert_eq!(out.status.code(), Some(0), "step {k}: {}", String::from_utf8_lossy(&out.stderr));
        let (a, b) = (published_bytes(&inc), published_bytes(&full));
        assert!(a.len() > 20, "step {k}: {a:?}");
        assert_eq!(a, b, "step {k}: incremental and full runs published different bytes");
        let (mi, mf) = (manifest(&inc), manifest(&full));
        assert!(mi["studies"][0]["rows"].as_u64().expect("rows") > 100);
        assert_eq!(mf["outcomes"]["mode"], "full");
        let persons = mi["outcomes"]["persons"].as_u64().expect("persons");
        let recomputed = mi["outcomes"]["recomputed"].as_u64().expect("recomputed");
        match k {
            0 => assert_eq!(mi["outcomes"]["mode"], "full", "no previous run"),
            _ => {
                assert_eq!(mi["outcomes"]["mode"], "incremental", "step {k}");
                assert!(recomputed < persons, "step {k}: {recomputed} of {persons}: nothing was kept");
            }
        }
        if k == steps.len() - 1 {
            assert_eq!(mi["outcomes"]["changed"], 1, "the correction changes one person");
            assert_eq!(recomputed, 1);
            assert_eq!(mi["deliveries"][0]["delivery_id"], "2024Q2-c1");
        }
        assert_eq!(mi["store_version"], mf["store_version"]);
    }
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
        cmd.env("KOHORT_ABORT_AT", at).arg("--quiet").arg("run").arg(&plan_a);
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
    assert_eq!(published_bytes(&root), published_bytes(&fresh));
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

    // A delivery with a broken header is refused (exit 1) and remembered: the next run
    // reports it without validating it again.
    let mut t = base_tables();
    t.insert("safety_reports", "report_id,person_id\nX,200000001\n".to_owned());
    let bad = write_delivery(&tmp.path().join("bad"), "prov-b", "2026Q2", "2026-07-01", &t);
    deliver(&root, "prov-b", "2026Q2", &bad);
    assert_eq!(run(&plan_r, &[]).status.code(), Some(1));
    let state = std::fs::read_to_string(root.join("published/state.json")).expect("state");
    assert!(state.contains("prov-b") && state.contains("safety_reports"), "{state}");
    assert_eq!(run(&plan_r, &[]).status.code(), Some(1));
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
