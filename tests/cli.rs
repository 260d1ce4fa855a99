//! What users see: help, schema, key, sql output formats.

use std::path::Path;

use crate::common::*;

#[test]
fn schema_lists_every_table_and_the_ladder() {
    let out = kohort().arg("schema").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for t in [
        "persons",
        "relations",
        "households",
        "residence",
        "care_episodes",
        "measures",
        "safety_reports",
        "measurements",
        "offences",
        "questionnaire",
        "population",
    ] {
        assert!(text.contains(&format!("## `{t}`")), "{t}");
    }
    assert!(text.contains("| foster_care | 4 |") && text.contains("| secure | 6 |"));
    let out = kohort().args(["schema", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["delivery"]["tables"].as_array().unwrap().len(),
        11,
        "nine tables and the optional offences and questionnaire"
    );
    assert_eq!(v["care_ladder"]["levels"]["residential"], 5);
    assert_eq!(v["delivery"]["codes"]["care_form"]["aliases"]["37"], "secure");
}

#[test]
fn key_new_writes_a_private_key_and_refuses_to_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("k.key");
    kohort().args(["key", "new", "--out"]).arg(&path).assert().success();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let out = kohort().args(["key", "new", "--out"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn sql_prints_table_csv_and_json() {
    let tmp = tempfile::tempdir().unwrap();
    let d = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    let store = tmp.path().join("s");
    ingest_cmd(&d, &store, tmp.path()).assert().code(0);
    let q = "SELECT care_form, count(*) AS n FROM care_episodes GROUP BY ALL ORDER BY care_form";
    let csv = kohort().args(["sql", q, "--csv", "--store"]).arg(&store).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&csv.stdout), "care_form,n\nambulant,1\nfoster_care,1\nlocal_team,1\n");
    let json = kohort().args(["sql", q, "--json", "--store"]).arg(&store).output().unwrap();
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&json.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(first, serde_json::json!({"care_form": "ambulant", "n": 1}));
    let table = kohort().args(["sql", q, "--store"]).arg(&store).output().unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("| foster_care | 1 |"), "{text}");
    let bad = kohort().args(["sql", "SELECT nope FROM persons", "--store"]).arg(&store).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("nope"));
}

#[test]
fn demo_runs_the_whole_path_and_its_figures_match_the_delivery() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let out = kohort().args(["--quiet", "demo", "--dir"]).arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    // The persons figure equals the rows of the synthesised persons.csv, counted independently.
    let sources = std::fs::read_dir(dir.join("inbox")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir());
    let persons_csv = sources
        .flat_map(|s| std::fs::read_dir(s).unwrap())
        .map(|d| d.unwrap().path().join("persons.csv"))
        .next()
        .unwrap();
    let rows = csv::Reader::from_path(&persons_csv).unwrap().records().count();
    let line = text.lines().find(|l| l.starts_with("| persons ")).expect("persons line");
    assert!(line.contains(&format!("| {rows} ")), "{line} vs {rows}");
    assert!(text.contains("re-entry after a spell end (herhaald beroep)"), "{text}");
    assert!(dir.join("store/manifest.json").exists() && dir.join("store/results/current.json").exists());
    // The study's mirror-data tables and their safe export: the export's published rows are the
    // study's rows minus the suppressed ones, and the report says how many.
    let study = dir.join("studies/small_monitor/tables.csv");
    let study_rows = csv::Reader::from_path(&study).unwrap().records().count();
    assert!(text.contains(&format!("{study_rows} table rows")), "{text}");
    let mut exported = csv::Reader::from_path(dir.join("export/small_monitor/tables.csv")).unwrap();
    let col = exported.headers().unwrap().iter().position(|h| h == "suppressed").expect("suppressed column");
    let suppressed = exported.into_records().filter(|r| r.as_ref().unwrap().get(col) == Some("true")).count();
    assert!(text.contains(&format!("{suppressed} of {study_rows} rows suppressed")), "{text}");
    let tables = std::fs::read_to_string(&study).unwrap();
    for level in [",national,NL,", ",municipality,", ",youth_region,"] {
        assert!(tables.contains(level), "mirror data: {level}");
    }
    // The closing hint names a binary that exists (the one that ran, as the user can call it
    // from here), and the shipped plan runs over the demo as it is.
    let hint = text.lines().find_map(|l| l.strip_prefix("try:")).expect("try line").trim();
    let bin = hint.split(' ').next().expect("binary");
    assert!(bin == "kohort" || std::path::Path::new(bin).is_file(), "{hint}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (from, to) in [
        ("plans/quarterly.toml", "plans/quarterly.toml"),
        ("studies/small_monitor.toml", "studies/small_monitor.toml"),
        ("cohorts/spells_2015_2024.toml", "cohorts/spells_2015_2024.toml"),
    ] {
        std::fs::create_dir_all(tmp.path().join(to).parent().unwrap()).unwrap();
        std::fs::copy(root.join(from), tmp.path().join(to)).unwrap();
    }
    std::fs::rename(&dir, tmp.path().join("kohort-demo")).unwrap();
    let out = kohort().args(["--quiet", "run"]).arg(tmp.path().join("plans/quarterly.toml")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(tmp.path().join("kohort-demo/published/current/small_monitor/tables.csv").is_file());
    // Running it again starts afresh.
    kohort().args(["--quiet", "demo", "--dir"]).arg(&dir).assert().success();
}

#[test]
fn a_cohort_with_an_unknown_or_malformed_municipality_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    let store = tmp.path().join("s");
    ingest_cmd(&d, &store, tmp.path()).assert().code(0);
    let file = tmp.path().join("c.toml");
    std::fs::write(&file, "name = \"c\"\nentry = \"birth\"\nmunicipalities = [\"GM0014\", \"GM9999\", \"0080\"]\n")
        .unwrap();
    let out = kohort().args(["cohort"]).arg(&file).arg("--store").arg(&store).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("c.toml") && err.contains("'GM9999' is not a municipality of the reference data"), "{err}");
    assert!(err.contains("'0080' is not a municipality code") && err.contains("GM0080"), "{err}");
    assert!(!err.contains("GM0014"), "a known code is not named: {err}");
    std::fs::write(&file, "name = \"c\"\nentry = \"birth\"\nmunicipalities = [\"GM0014\"]\n").unwrap();
    kohort().args(["--quiet", "cohort"]).arg(&file).arg("--store").arg(&store).assert().code(0);
    // A study before any outcome run says what to do, once, and nothing else.
    let study = Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/small_monitor.toml");
    let out = study_cmd(&study, &store, &tmp.path().join("o")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("has no outcome run").count(), 1, "{err}");
    assert!(err.contains("run `kohort outcomes --store") && !err.contains("Catalog Error"), "{err}");
}

/// Parse the stdout of a successful command as JSON (`lines`: one object per line).
fn json_out(cmd: &mut assert_cmd::Command, lines: bool) -> Vec<serde_json::Value> {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if lines {
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    } else {
        vec![serde_json::from_str(&text).unwrap()]
    }
}

#[test]
fn json_reports_of_outcomes_cohort_study_and_verify_match_the_store() {
    let (tmp, store) = scenario_store("tiny", false);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // outcomes: each re-entry window's events and denominator as counted over the result rows.
    let lines = json_out(kohort().args(["--quiet", "outcomes", "--json", "--store"]).arg(&store), true);
    let sql = "SELECT window_days, count(*) FILTER (WHERE status = 'event'), \
               count(*) FILTER (WHERE status IN ('event', 'no_event')) FROM reentry_windows GROUP BY 1 ORDER BY 1";
    let counted = query(&store, sql);
    let reentry: Vec<Vec<String>> = lines
        .iter()
        .filter(|l| l["outcome"].as_str().is_some_and(|o| o.starts_with("re-entry after a spell end")))
        .map(|l| vec![l["window_days"].to_string(), l["events"].to_string(), l["denominator"].to_string()])
        .collect();
    assert_eq!(reentry, counted, "re-entry lines of outcomes --json");
    assert_eq!(counted.len(), 3);
    // cohort: members as in the written members file, attrition ending at the members.
    let out = tmp.path().join("cohort");
    let c = &json_out(
        kohort()
            .args(["--quiet", "cohort"])
            .arg(root.join("cohorts/tiny_spells_2016_2022.toml"))
            .arg("--store")
            .arg(&store)
            .arg("--out")
            .arg(&out)
            .arg("--json"),
        false,
    )[0];
    let members = std::fs::read_to_string(out.join("members.csv")).unwrap().lines().count() as u64 - 1;
    assert_eq!(c["members"].as_u64(), Some(members));
    assert!(members > 0);
    assert_eq!(c["attrition"].as_array().unwrap().last().unwrap()["persons"].as_u64(), Some(members));
    // study: the rows it reports are the rows of its tables file.
    let study = tmp.path().join("study.toml");
    std::fs::write(
        &study,
        format!("name = \"s\"\ncohorts = [\"{}\"]\n", root.join("cohorts/tiny_spells_2016_2022.toml").display()),
    )
    .unwrap();
    let so = tmp.path().join("so");
    let s = &json_out(
        kohort().args(["--quiet", "study"]).arg(&study).arg("--store").arg(&store).arg("--out").arg(&so).arg("--json"),
        false,
    )[0];
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let rows: u64 = conn
        .query_row(&format!("SELECT count(*) FROM '{}'", so.join("s/tables.parquet").display()), [], |r| r.get(0))
        .unwrap();
    assert_eq!(s["rows"].as_u64(), Some(rows));
    // verify: the current outcome run it checked is the one the store points at.
    let v = &json_out(kohort().args(["verify", "--json", "--store"]).arg(&store), false)[0];
    let current: serde_json::Value =
        serde_json::from_slice(&std::fs::read(store.join("results/current.json")).unwrap()).unwrap();
    assert_eq!(v["runs"][0][1], current["run"]);
}

/// One line of a `--timings` file: thread, end, seconds, count, step.
fn timing_rows(path: &Path) -> Vec<(usize, f64, f64, u64, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("thread\tended_s\tseconds\tcount\tstep"));
    lines
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 5, "{line}");
            (
                f[0].parse().unwrap(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].to_owned(),
            )
        })
        .collect()
}

#[test]
fn timings_name_every_step_and_add_up_on_a_thread_also_for_a_failed_command() {
    let tmp = tempfile::tempdir().unwrap();
    let d = write_delivery(&tmp.path().join("d"), "prov-a", "2026Q3", "2026-10-01", &base_tables());
    let store = tmp.path().join("s");
    let file = tmp.path().join("ingest.tsv");
    let started = std::time::Instant::now();
    ingest_cmd(&d, &store, tmp.path()).arg("--timings").arg(&file).assert().code(0);
    let wall = started.elapsed().as_secs_f64();
    let rows = timing_rows(&file);
    let labels: Vec<&str> = rows.iter().map(|r| r.4.as_str()).collect();
    for table in ["persons", "care_episodes", "population"] {
        for step in [format!("rule duplicate_id on {table}"), format!("writing {table} to the store")] {
            assert!(labels.contains(&step.as_str()), "{step} missing: {labels:?}");
        }
    }
    assert!(rows.iter().all(|r| r.2 >= 0.0 && r.3 >= 1 && r.1 <= wall), "{rows:?}");
    // The main thread's steps follow one another: their seconds add up to the time from the start
    // of its first step to the end of its last (to the rounding of six decimals per figure).
    let main: Vec<_> = rows.iter().filter(|r| r.0 == 0).collect();
    let sum: f64 = main.iter().map(|r| r.2).sum();
    let span = main[main.len() - 1].1 - (main[0].1 - main[0].2);
    assert!((sum - span).abs() <= 1e-6 * (main.len() + 2) as f64, "{sum} against {span}");
    assert!(main.windows(2).all(|w| w[0].1 <= w[1].1), "{main:?}");
    // A failed command writes its steps too, the failing one last.
    let bad = tmp.path().join("bad.tsv");
    let out = kohort()
        .arg("--timings")
        .arg(&bad)
        .args(["sql", "SELECT nope FROM persons", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(timing_rows(&bad).last().map(|r| r.4.clone()), Some("preparing the query".to_owned()));
}
