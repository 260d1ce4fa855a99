//! Kills aimed at every step of every publication. Each command runs with
//! `KOHORT_FAULT=<step>#<n>` (the test build's kill points, `src/store/publication.rs`) for every
//! step and every n until it runs through; after each kill `kohort verify` passes, `kohort sql`
//! answers, and running the command again gives what an uninterrupted run gives. Readers
//! querying in a loop while runs are replaced see no failure.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use kohort::db::DbSettings;
use kohort::store::Store;

use crate::common::*;

/// Every kill point of the publication routine and of `kohort run`.
const STEPS: &[&str] = &[
    "store:after-changes",
    "publish:before-rename",
    "publish:after-rename",
    "publish:after-pointer",
    "prune:before-rename",
    "prune:before-remove",
    "publish:after-prune",
    "replace:before-swap",
    "replace:after-swap",
    "file:before-rename",
    "run:ingested",
    "run:outcomes",
    "run:studies",
];

/// Copy a folder tree (files, folders and symbolic links as they are).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let t = e.file_type().expect("type");
        if t.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).expect("link"), &dst).expect("symlink");
        } else if t.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

/// A command of a scenario, run in the work folder `w`.
type Cmd<'a> = &'a dyn Fn(&Path) -> Command;

fn output(mut cmd: Command) -> Output {
    cmd.output().expect("run kohort")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// What must not depend on how a store got there: row counts and a hash of every row of the
/// store tables and the result tables of the current runs.
fn store_digest(store: &Path) -> String {
    let tables = [
        "persons",
        "care_episodes",
        "measures",
        "safety_reports",
        "residence",
        "spells",
        "reentry",
        "reentry_windows",
        "escalation",
        "safety",
        "safety_household",
        "measure_episodes",
        "episode_indicators",
        "reentry_km",
        "linkage_g2",
        "linkage_risk",
    ];
    // One connection in this process (as `kohort sql` opens it) rather than a process per table.
    let conn = kohort::query::open_store(&Store::at(store), &DbSettings { threads: 2, memory_limit: "1GB".into() })
        .expect("open the store");
    let mut out = String::new();
    for t in tables {
        let sql = format!("SELECT count(*) || ',' || coalesce(bit_xor(hash(x)), 0) FROM {t} x");
        let body = match conn.query_row(&sql, [], |r| r.get::<_, String>(0)) {
            Ok(body) => body,
            // A table of a family that was never computed has no view.
            Err(e) if e.to_string().contains("does not exist") => "-".into(),
            Err(e) => panic!("{}: {t}: {e}", store.display()),
        };
        out.push_str(&format!("{t}: {body}\n"));
    }
    out
}

/// Every file under `dir` (relative path and bytes), except lease files.
fn tree_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for e in rd {
            let e = e.expect("entry");
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else if !e.file_name().to_string_lossy().ends_with(".lease") {
                let rel = p.strip_prefix(base).expect("prefix").to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).expect("read")));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The store answers: `kohort verify` passes and `kohort sql` counts the persons.
fn store_answers(store: &Path, label: &str) {
    if !store.join("manifest.json").exists() {
        return; // killed before the first version of a new store: nothing to read yet
    }
    let o = output({
        let mut c = kohort();
        c.args(["--quiet", "verify", "--store"]).arg(store);
        c
    });
    assert!(o.status.success(), "{label}: verify failed: {}", text(&o));
    let o = output({
        let mut c = kohort();
        c.args(["--quiet", "sql", "--csv", "--store"]).arg(store).arg("SELECT count(*) FROM persons");
        c
    });
    assert!(o.status.success(), "{label}: sql failed: {}", text(&o));
}

/// For every step and every occurrence of it: copy `before` to a fresh folder, run `cmd` with
/// the kill point, and when the process was killed, check the store and that a second,
/// uninterrupted run gives `want` (the `digest` of an uninterrupted run from `before`).
/// Returns the kill points that were hit.
fn kill_everywhere(
    before: &Path,
    work: &Path,
    cmd: Cmd<'_>,
    ok_codes: &[i32],
    digest: &dyn Fn(&Path) -> String,
) -> Vec<String> {
    let reference = work.join("reference");
    copy_tree(before, &reference);
    let o = output(cmd(&reference));
    assert!(o.status.code().is_some_and(|c| ok_codes.contains(&c)), "uninterrupted run: {}", text(&o));
    let want = digest(&reference);
    let mut hit = Vec::new();
    for step in STEPS {
        for n in 1.. {
            let label = format!("{step}#{n}");
            let w = work.join(format!("k-{}-{n}", step.replace(':', "-")));
            copy_tree(before, &w);
            let o = output({
                let mut c = cmd(&w);
                c.env("KOHORT_FAULT", &label);
                c
            });
            if o.status.code().is_some() {
                assert!(o.status.code().is_some_and(|c| ok_codes.contains(&c)), "{label}: {}", text(&o));
                std::fs::remove_dir_all(&w).expect("clean");
                break;
            }
            hit.push(label.clone());
            store_answers(&w.join("store"), &label);
            let o = output(cmd(&w));
            assert!(o.status.code().is_some_and(|c| ok_codes.contains(&c)), "{label}: re-run: {}", text(&o));
            assert_eq!(digest(&w), want, "{label}: the run after the kill differs from an uninterrupted one");
            store_answers(&w.join("store"), &label);
            std::fs::remove_dir_all(&w).expect("clean");
        }
    }
    hit
}

/// The tiny scenario's delivery, a second delivery (another source), a study over tiny and
/// an outcome run; `world/` holds `store/` with two store versions and two outcome runs.
struct World {
    tmp: tempfile::TempDir,
    dir: PathBuf,
    tiny: PathBuf,
    second: PathBuf,
    study: PathBuf,
}

fn world() -> World {
    let tmp = tempfile::tempdir().expect("tmp");
    let s = kohort::synth::load_scenario("tiny").expect("tiny");
    let opts = kohort::synth::SynthOptions {
        format: kohort::synth::OutputFormat::Csv,
        threads: Some(2),
        progress: false,
        scale: None,
    };
    let summary = kohort::synth::generate(&s, &tmp.path().join("synth"), &opts).expect("synth");
    let tiny = summary.deliveries[0].dir.clone();
    let second = write_delivery(&tmp.path().join("second"), "prov-a", "2026Q2", "2026-07-01", &base_tables());
    let cohort = Path::new(env!("CARGO_MANIFEST_DIR")).join("cohorts/tiny_spells_2016_2022.toml");
    let study = tmp.path().join("tiny_study.toml");
    std::fs::write(&study, format!("name = \"tiny_study\"\ncohorts = [\"{}\"]\n", cohort.display())).expect("study");
    key_file(tmp.path());
    let dir = tmp.path().join("world");
    std::fs::create_dir_all(&dir).expect("world");
    World { tmp, dir, tiny, second, study }
}

impl World {
    fn key(&self) -> PathBuf {
        key_file(self.tmp.path())
    }

    fn ingest(&self, w: &Path, delivery: &Path) -> Command {
        let mut c = kohort();
        c.args(["--quiet", "ingest"]).arg(delivery).arg("--store").arg(w.join("store")).arg("--key").arg(self.key());
        c
    }

    fn outcomes(w: &Path, extra: &[&str]) -> Command {
        let mut c = kohort();
        c.args(["--quiet", "outcomes", "--store"]).arg(w.join("store")).args(extra);
        c
    }
}

fn must(cmd: Command) {
    let o = output(cmd);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn killed_at_every_step_of_ingest_and_outcomes_the_store_answers_and_the_next_run_completes() {
    let world = world();
    let w0 = world.dir.join("w0");
    // A store with two versions and two outcome runs, so that publishing prunes something.
    must(world.ingest(&w0, &world.tiny));
    must(World::outcomes(&w0, &[]));
    must(World::outcomes(&w0, &[]));
    let before_second = world.dir.join("before-second");
    copy_tree(&w0, &before_second);
    must(world.ingest(&w0, &world.second));
    must(World::outcomes(&w0, &[]));
    must(World::outcomes(&w0, &[]));
    let digest = |w: &Path| store_digest(&w.join("store"));
    let work = world.dir.join("work");
    let mut hit = Vec::new();

    // Ingest into a store that has versions to prune.
    let second = world.second.clone();
    hit.extend(kill_everywhere(&before_second, &work.join("ingest"), &|w| world.ingest(w, &second), &[0], &digest));
    // Outcomes: a same-version re-run, and an incremental run after a new delivery.
    hit.extend(kill_everywhere(&w0, &work.join("rerun"), &|w| World::outcomes(w, &[]), &[0], &digest));
    let before_incremental = world.dir.join("before-incremental");
    copy_tree(&before_second, &before_incremental);
    must(world.ingest(&before_incremental, &world.second));
    hit.extend(kill_everywhere(
        &before_incremental,
        &work.join("incremental"),
        &|w| World::outcomes(w, &["--incremental"]),
        &[0],
        &digest,
    ));
    // A first outcome run over a store without one, and the first ingest into no store.
    let fresh = world.dir.join("fresh");
    must(world.ingest(&fresh, &world.tiny));
    hit.extend(kill_everywhere(&fresh, &work.join("first"), &|w| World::outcomes(w, &[]), &[0], &digest));
    let empty = world.dir.join("empty");
    std::fs::create_dir_all(&empty).expect("empty");
    let tiny = world.tiny.clone();
    hit.extend(kill_everywhere(&empty, &work.join("first-ingest"), &|w| world.ingest(w, &tiny), &[0], &digest));
    // Linkage, first and again.
    hit.extend(kill_everywhere(
        &w0,
        &work.join("linkage"),
        &|w| {
            let mut c = kohort();
            c.args(["--quiet", "linkage", "--store"]).arg(w.join("store"));
            c
        },
        &[0],
        &digest,
    ));

    for must_hit in [
        "store:after-changes#1",
        "publish:before-rename#1",
        "publish:after-rename#1",
        "publish:after-pointer#1",
        "prune:before-rename#1",
        "prune:before-remove#1",
        "publish:after-prune#1",
    ] {
        assert!(hit.iter().any(|h| h == must_hit), "{must_hit} was never reached: {hit:?}");
    }
    assert!(hit.len() >= 30, "only {} kill points: {hit:?}", hit.len());
}

#[test]
fn killed_at_every_step_of_study_export_and_run_the_outputs_stay_whole() {
    let world = world();
    let w0 = world.dir.join("w0");
    must(world.ingest(&w0, &world.tiny));
    must(World::outcomes(&w0, &[]));
    let study = |w: &Path| {
        let mut c = kohort();
        c.args(["--quiet", "study"])
            .arg(&world.study)
            .arg("--store")
            .arg(w.join("store"))
            .arg("--out")
            .arg(w.join("out"));
        c
    };
    must(study(&w0));
    let export = |w: &Path| {
        let mut c = kohort();
        c.args(["--quiet", "export", "tables", "--in"])
            .arg(w.join("out/tiny_study"))
            .arg("--out")
            .arg(w.join("export"));
        c
    };
    must(export(&w0));
    let work = world.dir.join("work");
    let mut hit = Vec::new();
    // Study and export over existing output folders (an atomic exchange each).
    let files = |dir: &'static str| move |w: &Path| format!("{:?}", tree_bytes(&w.join(dir)));
    hit.extend(kill_everywhere(&w0, &work.join("study"), &study, &[0], &files("out")));
    hit.extend(kill_everywhere(&w0, &work.join("export"), &export, &[0], &files("export")));

    // kohort run: two deliveries in the inbox, one already ingested by an earlier run.
    let r0 = world.dir.join("r0");
    std::fs::create_dir_all(r0.join("inbox/tiny")).expect("inbox");
    copy_tree(&world.tiny, &r0.join("inbox/tiny/2026H1"));
    let plan = format!(
        "store = \"store\"\nkey = \"{}\"\ninboxes = [\"inbox\"]\nstudies = [\"{}\"]\npublish = \"published\"\n",
        world.key().display(),
        world.study.display()
    );
    std::fs::write(r0.join("plan.toml"), plan).expect("plan");
    let run = |w: &Path| {
        let mut c = kohort();
        c.args(["--quiet", "run"]).arg(w.join("plan.toml"));
        c
    };
    must(run(&r0));
    copy_tree(&world.second, &r0.join("inbox/prov-a/2026Q2"));
    let published = |w: &Path| {
        let current = w.join("published/current");
        format!(
            "{:?}\n{}",
            tree_bytes(&current).into_iter().filter(|(p, _)| p != "run_manifest.json").collect::<Vec<_>>(),
            store_digest(&w.join("store"))
        )
    };
    let run_hits = kill_everywhere(&r0, &work.join("run"), &run, &[0], &published);
    for must_hit in
        ["run:ingested#1", "run:outcomes#1", "run:studies#1", "publish:after-pointer#4", "replace:before-swap#1"]
    {
        assert!(run_hits.iter().any(|h| h == must_hit), "{must_hit} was never reached: {run_hits:?}");
    }
    hit.extend(run_hits);
    assert!(hit.iter().any(|h| h == "replace:after-swap#1"), "{hit:?}");
}

#[test]
fn readers_querying_while_runs_are_replaced_never_fail() {
    let world = world();
    let w = world.dir.join("w");
    must(world.ingest(&w, &world.tiny));
    must(World::outcomes(&w, &[]));
    let store = w.join("store");
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (queries, failures) = std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let (mut n, mut failed) = (0u32, Vec::new());
            while !stop.load(std::sync::atomic::Ordering::SeqCst) || n < 20 {
                for sql in
                    ["SELECT count(*) FROM reentry", "SELECT count(*) FROM persons JOIN spells USING (person_id)"]
                {
                    let mut c = kohort();
                    c.args(["--quiet", "sql", "--csv", "--store"]).arg(&store).arg(sql);
                    let o = output(c);
                    n += 1;
                    if !o.status.success() {
                        failed.push(text(&o));
                    }
                }
            }
            (n, failed)
        });
        // Same-version re-runs (each prunes the run before the previous one), a new store
        // version, and more re-runs.
        for _ in 0..6 {
            must(World::outcomes(&w, &[]));
        }
        must(world.ingest(&w, &world.second));
        for _ in 0..6 {
            must(World::outcomes(&w, &[]));
        }
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        reader.join().expect("reader")
    });
    assert!(queries >= 20, "{queries}");
    assert!(failures.is_empty(), "{} of {queries} reader queries failed: {:?}", failures.len(), failures.first());
}
