//! The layout stays readable: no import cycle between source files, the outcome kernels stay
//! pure (no DuckDB, no files), only `src/store/` renames or removes published folders, and the
//! test build resolves every dependency with the features of the normal build (so `cargo test`
//! after `cargo build` compiles kohort and the test-only crates, never DuckDB or Arrow again).
//!
//! The import graph: an edge from file A to file B when A names a path (`crate::…`,
//! `super::…`, `self::…`, also inside `use` groups) that resolves to B's module or to an item
//! of it. A module declaring its children (`mod x;`, `pub use x::…`) is not an import. Unit-test
//! modules (`#[cfg(test)] mod tests`) are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a source file (`src/store/mod.rs` -> `["store"]`).
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src").with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// Code without comments and without the unit-test module at its end.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// Every `crate::a::b` / `super::a` / `self::a` path in `code`, as (head, segments), with
/// `use x::{a, b::c}` groups expanded one level.
fn paths(code: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let bytes: Vec<char> = code.chars().collect();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut i = 0;
    while i < bytes.len() {
        let boundary = i == 0 || !ident(bytes[i - 1]);
        let rest: String = bytes[i..bytes.len().min(i + 7)].iter().collect();
        let head = ["crate::", "super::", "self::"].into_iter().find(|h| rest.starts_with(h) && boundary);
        let Some(head) = head else {
            i += 1;
            continue;
        };
        let mut j = i + head.len();
        let mut segs = Vec::new();
        let mut cur = String::new();
        while j < bytes.len() {
            let c = bytes[j];
            if ident(c) {
                cur.push(c);
                j += 1;
            } else if c == ':' && bytes.get(j + 1) == Some(&':') {
                segs.push(std::mem::take(&mut cur));
                j += 2;
            } else {
                break;
            }
        }
        if !cur.is_empty() {
            segs.push(cur);
        }
        let name = head.trim_end_matches("::").to_owned();
        if bytes.get(j) == Some(&'{') {
            let end = bytes[j..].iter().position(|&c| c == '}').map_or(bytes.len(), |k| j + k);
            let group: String = bytes[j + 1..end].iter().collect();
            for item in group.split(',') {
                let first = item.trim().split("::").next().unwrap_or("").split(' ').next().unwrap_or("").to_owned();
                if !first.is_empty() && first != "self" {
                    let mut s = segs.clone();
                    s.push(first);
                    out.push((name.clone(), s));
                }
            }
        }
        out.push((name, segs));
        i = j.max(i + 1);
    }
    out
}

/// The import graph of `src/` (file -> files it imports from).
fn graph(src: &Path) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let mut files = Vec::new();
    sources(src, &mut files);
    let by_module: BTreeMap<Vec<String>, PathBuf> = files.iter().map(|f| (module_of(src, f), f.clone())).collect();
    let resolve = |parts: &[String]| (0..=parts.len()).rev().find_map(|k| by_module.get(&parts[..k]).cloned());
    let mut edges = BTreeMap::new();
    for f in &files {
        let me = module_of(src, f);
        let text = std::fs::read_to_string(f).expect("read");
        let mut out = BTreeSet::new();
        for (head, segs) in paths(&code(&text)) {
            let mut base: Vec<String> = match head.as_str() {
                "crate" => Vec::new(),
                "super" => me[..me.len().saturating_sub(1)].to_vec(),
                _ => me.clone(),
            };
            let mut segs = segs.as_slice();
            while segs.first().is_some_and(|s| s == "super") {
                base.pop();
                segs = &segs[1..];
            }
            base.extend(segs.iter().cloned());
            if let Some(target) = resolve(&base)
                && target != *f
            {
                out.insert(target);
            }
        }
        edges.insert(f.clone(), out);
    }
    edges
}

/// Strongly connected components with more than one file (Tarjan).
fn cycles(edges: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Vec<Vec<PathBuf>> {
    struct T<'a> {
        edges: &'a BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        index: BTreeMap<&'a PathBuf, usize>,
        low: BTreeMap<&'a PathBuf, usize>,
        stack: Vec<&'a PathBuf>,
        on: BTreeSet<&'a PathBuf>,
        out: Vec<Vec<PathBuf>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a PathBuf) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        let edges = t.edges;
        for w in edges.get(v).into_iter().flatten() {
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).expect("low");
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).expect("low");
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w.clone());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_import_cycle_between_source_files() {
    let g = graph(&src());
    assert!(g.len() > 100, "{} files", g.len());
    assert!(g.values().map(BTreeSet::len).sum::<usize>() > 300, "the graph has edges");
    assert_eq!(cycles(&g), Vec::<Vec<PathBuf>>::new());
}

#[test]
fn the_cycle_check_finds_a_cycle_when_there_is_one() {
    // a/mod.rs and c.rs import from each other; b.rs imports from its parent, which only
    // declares it (a module declaring its children is not an import).
    let tmp = tempfile::tempdir().expect("tmp");
    let s = tmp.path();
    std::fs::create_dir_all(s.join("a")).expect("mkdir");
    std::fs::write(s.join("lib.rs"), "pub mod a;\npub mod c;\n").expect("w");
    std::fs::write(s.join("a/mod.rs"), "mod b;\npub use b::B;\nuse crate::c::{C, self};\npub struct A(b::B);\n")
        .expect("w");
    std::fs::write(s.join("a/b.rs"), "use super::A;\npub struct B(Option<Box<A>>);\n").expect("w");
    std::fs::write(s.join("c.rs"), "pub struct C(Option<Box<crate::a::A>>);\n").expect("w");
    let g = graph(s);
    assert_eq!(cycles(&g), vec![vec![s.join("a/mod.rs"), s.join("c.rs")]]);
    assert!(g[&s.join("a/b.rs")].contains(&s.join("a/mod.rs")));
    assert!(!g[&s.join("a/mod.rs")].contains(&s.join("a/b.rs")));
}

#[test]
fn outcome_kernels_read_no_files_and_no_duckdb() {
    let mut files = Vec::new();
    sources(&src().join("outcomes"), &mut files);
    assert!(files.len() > 10);
    for f in files {
        let text = code(&std::fs::read_to_string(&f).expect("read"));
        for word in ["duckdb", "fs_err", "std::fs", "File::", "parquet", "read_to_string"] {
            assert!(!text.contains(word), "{} uses {word}: the kernels are pure", f.display());
        }
    }
}

#[test]
fn only_the_store_renames_or_removes_folders() {
    let mut files = Vec::new();
    sources(&src(), &mut files);
    for f in files.iter().filter(|f| !f.starts_with(src().join("store"))) {
        let text = code(&std::fs::read_to_string(f).expect("read"));
        for word in ["fs_err::rename", "fs::rename", "remove_dir_all", "remove_file"] {
            assert!(!text.contains(word), "{} calls {word}: publish through src/store/publication.rs", f.display());
        }
    }
}

/// `cargo tree` lines `name version features` of the build (`no-dev`) or of the test build.
fn resolved_features(dev: bool) -> BTreeMap<String, BTreeSet<String>> {
    let mut cmd = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(["tree", "--offline", "--locked", "--prefix", "none", "-f", "{p}|{f}"]);
    if !dev {
        cmd.args(["-e", "no-dev"]);
    }
    let out = cmd.current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("cargo tree");
    assert!(out.status.success(), "cargo tree: {}", String::from_utf8_lossy(&out.stderr));
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (p, f) in String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.split_once('|')) {
        found.entry(p.to_owned()).or_default().insert(f.trim_end_matches(" (*)").to_owned());
    }
    found
}

#[test]
fn the_test_build_shares_the_feature_set_of_the_normal_build() {
    let build = resolved_features(false);
    let test = resolved_features(true);
    assert!(build.keys().any(|p| p.starts_with("duckdb ")), "cargo tree lists duckdb: {build:?}");
    let differing: Vec<&String> =
        build.iter().filter(|(p, f)| test.get(*p).is_some_and(|t| t != *f)).map(|(p, _)| p).collect();
    // kohort itself differs by its test-only `fault-points` feature, and so recompiles; nothing else may.
    assert!(
        differing.iter().all(|p| p.starts_with("kohort ")),
        "features differ between build and test: {differing:?}"
    );
}
