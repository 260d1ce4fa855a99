//! Linkage studies (issue 16, docs/definitions.md §4.13.7): a study file with `[linkage]` and one
//! cohort gives, byte for byte, what the command-line route gives for the same cohort and side
//! on the same store — `kohort study` the tables of `kohort linkage --cohort --side --out`,
//! `kohort export linkage --study` and `kohort run` (a planned linkage study) the export of
//! `kohort export linkage --cohort --side` — and a `[linkage]` with no cohort, two cohorts or a
//! study-table key is refused with the study file named. The restricted figures themselves are
//! checked against a brute force in `linkage_cohort` and `export_linkage`; here the members are
//! recounted from the birth dates.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::*;
use crate::linkage_cohort::{birth_cohort, born_in, restricted};

/// A study file `studies/<name>.toml` under `dir` naming `cohorts` (relative to it) and `extra`.
fn study_file(dir: &Path, name: &str, cohorts: &[&str], extra: &str) -> PathBuf {
    let studies = dir.join("studies");
    std::fs::create_dir_all(&studies).unwrap();
    let list: Vec<String> = cohorts.iter().map(|c| format!("\"{c}\"")).collect();
    let path = studies.join(format!("{name}.toml"));
    std::fs::write(&path, format!("name = \"{name}\"\ncohorts = [{}]\n{extra}", list.join(", "))).unwrap();
    path
}

/// Every file of a folder (not below it), by name, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

fn study(file: &Path, store: &Path, out: &Path) -> assert_cmd::assert::Assert {
    kohort().arg("study").arg(file).arg("--store").arg(store).arg("--out").arg(out).assert()
}

fn export(store: &Path, out: &Path, how: &[&std::ffi::OsStr]) -> assert_cmd::assert::Assert {
    kohort().args(["export", "linkage", "--store"]).arg(store).arg("--out").arg(out).args(how).assert()
}

#[test]
fn a_linkage_study_needs_exactly_one_cohort_and_no_study_table_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let cohorts = tmp.path().join("cohorts");
    std::fs::create_dir_all(&cohorts).unwrap();
    birth_cohort(&cohorts, "parents", Some(("1975-01-01", "1983-12-31")));
    birth_cohort(&cohorts, "children", Some(("2000-01-01", "2008-12-31")));
    let (store, out) = (tmp.path().join("no_store"), tmp.path().join("out"));
    let link = "[linkage]\nside = \"parents\"\n";
    for (name, list, extra, want) in [
        ("none", &[][..], link, "give exactly one in `cohorts` (it gives 0)"),
        ("two", &["../cohorts/parents.toml", "../cohorts/children.toml"][..], link, "(it gives 2)"),
        (
            "outcomes",
            &["../cohorts/parents.toml"][..],
            "outcomes = [\"reentry\"]\n[linkage]\nside = \"parents\"\n",
            "outcomes do not apply",
        ),
        ("sideless", &["../cohorts/parents.toml"][..], "[linkage]\n", "missing field `side`"),
        (
            "sidewise",
            &["../cohorts/parents.toml"][..],
            "[linkage]\nside = \"grandparents\"\n",
            "unknown variant `grandparents`",
        ),
    ] {
        let file = study_file(tmp.path(), name, list, extra);
        let err = study(&file, &store, &out).failure();
        let text = stderr(&err);
        assert!(text.contains(&format!("{name}.toml")) && text.contains(want), "{name}: {text}");
        let err = export(&store, &out, &["--study".as_ref(), file.as_os_str()]).failure();
        assert!(stderr(&err).contains(want), "{name}: {}", stderr(&err));
    }
    // A table study is not a linkage study to export; a linkage study with no linkage run says
    // what to run first.
    let tables = study_file(tmp.path(), "tables", &[], "");
    let err = export(&store, &out, &["--study".as_ref(), tables.as_os_str()]).failure();
    assert!(stderr(&err).contains("tables.toml: has no [linkage] section"), "{}", stderr(&err));
    let good = study_file(tmp.path(), "good", &["../cohorts/parents.toml"], link);
    let err = study(&good, &store, &out).failure();
    assert!(stderr(&err).contains("has no linkage run: run `kohort linkage --store"), "{}", stderr(&err));
    assert!(!out.exists(), "nothing written");
    // --study stands for --cohort and --side: not both.
    let parents = cohorts.join("parents.toml");
    let both = [
        &["--study".as_ref(), good.as_os_str()][..],
        &["--cohort".as_ref(), parents.as_os_str(), "--side".as_ref(), "parents".as_ref()],
    ];
    let err = export(&store, &out, &both.concat()).code(2);
    assert!(stderr(&err).contains("cannot be used with"), "{}", stderr(&err));
}

#[test]
fn the_study_route_writes_and_publishes_the_bytes_of_the_command_line_route() {
    let (tmp, store) = scenario_store("intergenerational", false);
    let cohorts = tmp.path().join("cohorts");
    std::fs::create_dir_all(&cohorts).unwrap();
    let range = [("parents", "1975-01-01", "1983-12-31"), ("children", "2000-01-01", "2008-12-31")];
    for (side, from, to) in range {
        birth_cohort(&cohorts, side, Some((from, to)));
        study_file(
            tmp.path(),
            &format!("{side}_study"),
            &[&format!("../cohorts/{side}.toml")],
            &format!("[linkage]\nside = \"{side}\"\n"),
        );
    }
    let resilience = tmp.path().join("studies/parents_study.toml");

    // `kohort run` with the linkage study planned: it computes the linkage run itself (the store
    // has none) and publishes the export; the raw tables stay in the store.
    let plan = tmp.path().join("plan.toml");
    let text = format!(
        "store = \"store\"\nkey = \"{}\"\nstudies = [\"studies/parents_study.toml\"]\npublish = \"published\"\n",
        key_file(tmp.path()).display()
    );
    std::fs::write(&plan, text).unwrap();
    kohort().arg("--quiet").arg("run").arg(&plan).assert().code(0);
    let published = tmp.path().join("published/current/parents_study");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("published/current/run_manifest.json")).unwrap())
            .unwrap();
    let listed: Vec<&str> =
        manifest["studies"][0]["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    let on_disk = files(&published);
    assert_eq!(
        listed,
        on_disk.keys().map(|f| format!("parents_study/{f}")).collect::<Vec<_>>(),
        "manifest lists the export"
    );
    assert!(on_disk.contains_key("linkage.parquet") && on_disk.contains_key("disclosure_report.json"), "{listed:?}");

    // The export of the command line (`--cohort --side`) and of `--study`: the run's bytes.
    let parents = cohorts.join("parents.toml");
    let (by_cohort, by_study) = (tmp.path().join("export_cohort"), tmp.path().join("export_study"));
    export(&store, &by_cohort, &["--cohort".as_ref(), parents.as_os_str(), "--side".as_ref(), "parents".as_ref()])
        .success();
    export(&store, &by_study, &["--study".as_ref(), resilience.as_os_str()]).success();
    assert_eq!(files(&by_study), files(&by_cohort), "export --study = export --cohort --side");
    assert_eq!(on_disk, files(&by_cohort), "kohort run publishes the export of --cohort --side");
    let report: serde_json::Value = serde_json::from_slice(&files(&by_study)["disclosure_report.json"]).unwrap();
    assert_eq!(
        (report["cohort"]["name"].as_str(), report["cohort"]["side"].as_str()),
        (Some("parents"), Some("parents"))
    );

    // `kohort study` writes the tables of `kohort linkage --cohort --side --out`, on both sides;
    // the run's raw tables are those too.
    let run_raw = files(&store.join("study_tables/parents_study/linkage"));
    for (side, from, to) in range {
        let cli = tmp.path().join(format!("cli_{side}"));
        restricted(&store, &cohorts.join(format!("{side}.toml")), side, &cli).success();
        let out = tmp.path().join("study_out");
        study(&tmp.path().join(format!("studies/{side}_study.toml")), &store, &out).success();
        let (want, got) = (files(&cli), files(&out.join(format!("{side}_study/linkage"))));
        assert_eq!(
            want.keys().collect::<Vec<_>>(),
            [
                "linkage_chain.parquet",
                "linkage_cif.parquet",
                "linkage_km.parquet",
                "linkage_resilience.parquet",
                "linkage_risk.parquet",
                "scope.json"
            ]
        );
        assert_eq!(got, want, "{side}: kohort study = kohort linkage --cohort --side --out");
        if side == "parents" {
            assert_eq!(run_raw, want, "kohort run's raw tables = kohort linkage --cohort --side --out");
        }
        let scope: serde_json::Value = serde_json::from_slice(&got["scope.json"]).unwrap();
        assert_eq!(scope["members"].as_u64(), Some(born_in(&store, from, to).len() as u64), "{side}: members");
    }
}
