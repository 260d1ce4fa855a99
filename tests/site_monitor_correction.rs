//! A late correction of one quarter at one site (issue 16: "the `proeftuinen` scenario
//! exercises the site monitor, including a late correction of one quarter"). `proeftuinen`
//! plants it (`[model.corrections.quarter]`, scenarios/README.md): every delivery of the site
//! delivers the protection measures that ended in the quarter with end reason `unknown`; after
//! the last quarter the site delivers them again with their own end reasons (a delivery of its
//! own id, the same data end, otherwise the same rows).
//!
//! - Before: a store of the latest regular delivery of every site (`kohort ingest`, `kohort
//!   outcomes`, `kohort study studies/site_monitor.toml`); every cell of the site monitor equals
//!   the brute force of `tests/site_monitor.rs`.
//! - The correcting delivery through `kohort run` (ingest, an incremental outcome run, the site
//!   monitor built in full: its family and questionnaire outcomes are never built from a cache,
//!   docs/definitions.md §4.8.5): every cell equals the brute force again; `kohort outcomes` (a
//!   full run) and `kohort study` then give the same cells.
//! - The quarter's measure success (docs/definitions.md §4.9) at the site, in its municipalities
//!   and in the total moves by the end reasons the correction turns into `goal_reached` (the
//!   `[[corrections]]` of `expected.toml`); no other cell changes, in that quarter or any other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::common::{copy_dir, ingest_cmd, key_file, kohort};
use crate::site_monitor::{brute_force_site_monitor, site_monitor_text};
use crate::study_cells::{CONFIG, Cell, Cells, diff, got_cells, run_study};

/// The synthesised `proeftuinen` and its planted late correction of one quarter.
struct Planted {
    /// The latest regular delivery of every site.
    latest: Vec<PathBuf>,
    /// The correcting delivery.
    fix: PathBuf,
    site: String,
    quarter: String,
    /// The site's municipalities.
    municipalities: Vec<String>,
    /// The measures whose end reason the correction changes: id -> corrected end reason.
    corrected: BTreeMap<String, String>,
}

fn synth(dir: &Path) -> Planted {
    let s = kohort::synth::load_scenario("proeftuinen").unwrap();
    let q = s.model.as_ref().unwrap().corrections.quarter.clone().expect("proeftuinen plants a corrected quarter");
    let opts = kohort::synth::SynthOptions {
        format: kohort::synth::OutputFormat::Csv,
        threads: Some(2),
        progress: false,
        scale: None,
    };
    let summary = kohort::synth::generate(&s, dir, &opts).unwrap();
    let (fix, regular): (Vec<_>, Vec<_>) =
        summary.deliveries.into_iter().partition(|d| d.source == q.site && d.delivery_id == q.delivery_id);
    assert_eq!(fix.len(), 1, "one correcting delivery");
    let mut latest: BTreeMap<String, PathBuf> = BTreeMap::new();
    for d in regular {
        latest.insert(d.source, d.dir); // publication order: the last one of a site wins
    }
    let expected: toml::Value = toml::from_str(&std::fs::read_to_string(dir.join("expected.toml")).unwrap()).unwrap();
    let field = |c: &toml::Value, k: &str| c[k].as_str().unwrap().to_owned();
    let corrected = expected["corrections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| field(c, "table") == "measures")
        .inspect(|c| assert_eq!((field(c, "source"), field(c, "delivery_id")), (q.site.clone(), q.delivery_id.clone())))
        .map(|c| (field(c, "id"), field(c, "corrected")))
        .collect();
    let municipalities = s.sources.iter().find(|src| src.name == q.site).unwrap().municipalities.clone();
    Planted {
        latest: latest.into_values().collect(),
        fix: fix[0].dir.clone(),
        site: q.site,
        quarter: q.quarter,
        municipalities,
        corrected,
    }
}

fn outcomes(store: &Path, config: &Path) {
    kohort().args(["--quiet", "outcomes", "--config"]).arg(config).arg("--store").arg(store).assert().success();
}

/// The site monitor's cells in `dir` (tables.parquet), each equal to the brute force over the
/// store's raw rows.
fn checked(store: &Path, dir: &Path, what: &str) -> Cells {
    let (got, rates) = got_cells(store, dir);
    assert!(rates.is_empty(), "{what}: the site monitor has no rates");
    diff(what, &brute_force_site_monitor(store), &got);
    got
}

/// A plan over `root/inbox` and `root/published` feeding `store`, with the site monitor.
fn plan(root: &Path, store: &Path, config: &Path, key_dir: &Path) -> PathBuf {
    let study = Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/site_monitor.toml");
    let text = format!(
        "store = \"{}\"\nkey = \"{}\"\ninboxes = [\"inbox\"]\noutcomes = \"{}\"\nstudies = [\"{}\"]\n\
         publish = \"published\"\nlog = \"run.log\"\n",
        store.display(),
        key_file(key_dir).display(),
        config.display(),
        study.display()
    );
    std::fs::create_dir_all(root.join("inbox")).unwrap();
    let path = root.join("plan.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The persons of the measures the correction changes, from its `measures.csv`.
fn persons_of(fix: &Path, measures: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut r = csv::Reader::from_path(fix.join("measures.csv")).unwrap();
    let mut out = BTreeSet::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        if let Some(reason) = measures.get(&rec[0]) {
            assert_eq!(&rec[5], reason.as_str(), "{}", &rec[0]);
            out.insert(rec[1].to_owned());
        }
    }
    out
}

#[test]
fn a_late_correction_of_one_quarter_moves_that_quarters_measure_success_at_its_site_and_no_other_cell() {
    let t0 = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let p = synth(&tmp.path().join("synth"));
    let store = tmp.path().join("store");
    for dir in &p.latest {
        ingest_cmd(dir, &store, tmp.path()).assert().code(0);
    }
    let config = tmp.path().join("outcomes.toml");
    std::fs::write(&config, CONFIG).unwrap();
    outcomes(&store, &config);
    std::fs::create_dir_all(tmp.path().join("before")).unwrap();
    let dir = run_study(&tmp.path().join("before"), &store, "site_monitor", &site_monitor_text());
    eprintln!("store, outcomes and study before the correction ({:.0?})", t0.elapsed());
    let before = checked(&store, &dir, "before the correction");
    eprintln!("before: {} cells equal the brute force ({:.0?})", before.len(), t0.elapsed());

    // The correcting delivery through `kohort run`: ingest, outcomes (incremental), study.
    let root = tmp.path().join("run");
    let plan = plan(&root, &store, &config, tmp.path());
    let name = p.fix.file_name().unwrap();
    copy_dir(&p.fix, &root.join("inbox").join(&p.site).join(name));
    let out = kohort().arg("--quiet").arg("run").arg(&plan).output().unwrap();
    eprintln!("kohort run ({:.0?})", t0.elapsed());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("published/current/run_manifest.json")).unwrap()).unwrap();
    assert_eq!(m["deliveries"].as_array().map(Vec::len), Some(1), "{}", m["deliveries"]);
    assert_eq!(m["deliveries"][0]["delivery_id"].as_str(), name.to_str());
    let mode = m["outcomes"]["mode"].as_str().unwrap();
    assert!(mode.starts_with("incremental"), "the outcome run after one correcting delivery: {mode}");
    // Only the persons of the corrected measures changed.
    let persons = persons_of(&p.fix, &p.corrected).len() as u64;
    assert_eq!(m["outcomes"]["changed"].as_u64(), Some(persons), "{}", m["outcomes"]);
    assert_eq!(m["studies"][0]["mode"], "full", "family outcomes: the site monitor is built in full");
    let after = checked(&store, &store.join("study_tables/site_monitor"), "kohort run after the correction");
    eprintln!("kohort run: {} cells equal the brute force ({:.0?})", after.len(), t0.elapsed());

    // `kohort outcomes` (full) and `kohort study` give the run's cells.
    outcomes(&store, &config);
    std::fs::create_dir_all(tmp.path().join("after")).unwrap();
    let dir = run_study(&tmp.path().join("after"), &store, "site_monitor", &site_monitor_text());
    assert!(got_cells(&store, &dir).0 == after, "kohort study after a full outcome run differs from kohort run");

    // What changed: the measure success of the quarter, at the site (and what holds it).
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>(), "the same cells");
    let touched = |k: &Cell| {
        (k.0.as_str(), k.1.as_str(), &k.3) == ("measure_success", "protection", &p.quarter)
            && (k.6 == "total" || k.7 == p.site)
            && (k.4 == "national" || (k.4 == "municipality" && p.municipalities.contains(&k.5)))
    };
    let changed: Vec<(&Cell, &(u64, u64))> = after.iter().filter(|(k, v)| before[*k] != **v).collect();
    for (k, v) in &changed {
        assert!(touched(k), "{k:?}: {:?} before the correction, {v:?} after: a cell it does not touch", before[*k]);
    }
    let cell = |split: &str, value: &str| -> Cell {
        let s = |x: &str| x.to_owned();
        (s("measure_success"), s("protection"), s(""), p.quarter.clone(), s("national"), s("NL"), s(split), s(value))
    };
    let (site, total) = (cell("site", &p.site), cell("total", "total"));
    let ((b, a), (bt, at)) = ((before[&site], after[&site]), (before[&total], after[&total]));
    let to_goal = p.corrected.values().filter(|r| *r == "goal_reached").count() as u64;
    eprintln!(
        "{} {} measure_success (protection): {} of {} ended with their goal reached before the correction, {} of {} \
         after; all sites {} of {} -> {} of {}; {} end reasons corrected, {to_goal} to goal_reached; {} cells changed",
        p.site,
        p.quarter,
        b.0,
        b.1,
        a.0,
        a.1,
        bt.0,
        bt.1,
        at.0,
        at.1,
        p.corrected.len(),
        changed.len()
    );
    assert!(
        a.0 > b.0 && a.1 == b.1,
        "{} {} measure_success (protection): {} of {} before the correction, {} of {} after",
        p.site,
        p.quarter,
        b.0,
        b.1,
        a.0,
        a.1
    );
    assert_eq!(a.0 - b.0, to_goal, "the site's figure moves by the end reasons corrected to goal_reached");
    assert_eq!((at.0 - bt.0, at.1), (to_goal, bt.1), "all sites: {bt:?} before, {at:?} after");
    // Every other quarter's cells, and the quarter's other figures, are as they were.
    let untouched = before.keys().filter(|k| !touched(k)).count();
    assert!(untouched > 10_000 && changed.len() >= 4, "{untouched} cells untouched, {} changed", changed.len());
    eprintln!("{untouched} untouched cells unchanged; {:.0?} in all", t0.elapsed());
}
