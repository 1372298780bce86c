//! Criterion bench of the read phase alone (issue #24): a simulated 100,000-participant long
//! CSV (about 45 MB, 1.16 M rows; `retrotrial simulate --participants 100000`'s generator,
//! seed 1), read from a file with `ingest::load_deferred` (what `analyze`'s `read` phase times:
//! the file's SHA-256 is computed afterwards, beside validation, and is not timed here), with
//! `ingest::load` (the hash computed while reading, as `validate` and `convert` do), and from
//! bytes already in memory with `ingest::from_bytes`. Reported as throughput (MB/s of file).
//! Run by hand: `cargo bench --bench read` (`BENCH_PARTICIPANTS=N` for another size).

use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion, Throughput};
use retrotrial::config::Config;
use retrotrial::ingest;
use retrotrial::simulate::{SimConfig, generate};

fn cohort(participants: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    let cfg = SimConfig {
        participants,
        seed: 1,
        ..SimConfig::default()
    };
    generate(&cfg, &mut bytes).expect("INVARIANT: default simulation options are valid");
    bytes
}

fn read(c: &mut Criterion, participants: usize) {
    let bytes = cohort(participants);
    let dir = tempfile::tempdir().expect("INVARIANT: a temporary directory can be made");
    let path = dir.path().join("trial.csv");
    std::fs::write(&path, &bytes).expect("INVARIANT: the temporary directory is writable");
    let cfg = Config::default();
    let mut group = c.benchmark_group("read");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function(format!("load_deferred_{participants}_participants"), |b| {
        b.iter_custom(|iters| {
            let mut timed = std::time::Duration::ZERO;
            for _ in 0..iters {
                let start = std::time::Instant::now();
                let (raw, digest) = ingest::load_deferred(black_box(&path), &cfg)
                    .expect("INVARIANT: simulated CSV parses");
                timed += start.elapsed();
                // The hash thread is joined outside the timed part, so that it does not run
                // into the next reading.
                if let Some(digest) = digest {
                    black_box(
                        digest
                            .finish()
                            .expect("INVARIANT: the file does not change"),
                    );
                }
                black_box(raw);
            }
            timed
        });
    });
    group.bench_function(format!("load_file_{participants}_participants"), |b| {
        b.iter(|| ingest::load(black_box(&path), &cfg).expect("INVARIANT: simulated CSV parses"));
    });
    group.bench_function(format!("from_bytes_{participants}_participants"), |b| {
        // The copy of the bytes is set up outside the timed part.
        b.iter_batched(
            || bytes.clone(),
            |bytes| {
                ingest::from_bytes(Path::new("bench.csv"), bytes, &cfg)
                    .expect("INVARIANT: simulated CSV parses")
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

// What `criterion_group!`/`criterion_main!` expand to, written out because the macro's
// generated `pub fn` has no doc comment (the crate denies missing docs).
fn main() {
    let mut c = Criterion::default().configure_from_args();
    let participants = std::env::var("BENCH_PARTICIPANTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    read(&mut c, participants);
    c.final_summary();
}
