//! Ingest throughput on the `small` scenario (criterion). The scale run over 10+ million
//! rows is `benches/scale.sh` (whole-process time and peak memory with `/usr/bin/time -v`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // a benchmark may stop on a broken fixture

use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kohort::db::DbSettings;
use kohort::ingest::{IngestOptions, ingest};
use kohort::pseudonym::Key;
use kohort::store::Store;
use kohort::synth::{self, OutputFormat, SynthOptions};

fn small_delivery(dir: &std::path::Path) -> (PathBuf, u64) {
    let scenario = synth::load_scenario("small").expect("scenario");
    let opts = SynthOptions { format: OutputFormat::Csv, threads: Some(2), progress: false, scale: None };
    let summary = synth::generate(&scenario, dir, &opts).expect("generate");
    let d = &summary.deliveries[0];
    (d.dir.clone(), d.rows.values().sum())
}

fn bench_ingest(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tmp");
    let (delivery, rows) = small_delivery(&tmp.path().join("synth"));
    let key = Key::from_bytes([7; 32]);
    let opts = IngestOptions { db: DbSettings { threads: 2, memory_limit: "1GB".into() }, ..IngestOptions::default() };
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.throughput(Throughput::Elements(rows));
    let mut n = 0;
    group.bench_function("small scenario, CSV, 2 threads", |b| {
        b.iter(|| {
            n += 1;
            let store = Store::at(&tmp.path().join(format!("store-{n}")));
            ingest(&delivery, &store, &key, &opts).expect("ingest")
        });
    });
    group.finish();
}

criterion_group!(benches, bench_ingest);
criterion_main!(benches);
