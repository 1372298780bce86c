//! Criterion bench of the whole compute stage: a simulated 10,000-participant trial (built in
//! memory, never written), ingested from bytes, validated, planned and executed with every
//! analysis. IO and figures are not timed. `BENCH_BIG=1` adds the 100,000-participant cohort.
//! Run by hand: `cargo bench --bench pipeline`.

use std::hint::black_box;
use std::path::Path;

use criterion::Criterion;
use retrotrial::config::Config;
use retrotrial::ingest::{self, Dataset};
use retrotrial::simulate::{SimConfig, generate};
use retrotrial::{plan, run};

fn cohort(participants: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    let cfg = SimConfig {
        participants,
        seed: 42,
        ..SimConfig::default()
    };
    generate(&cfg, &mut bytes).expect("INVARIANT: default simulation options are valid");
    bytes
}

fn pipeline(c: &mut Criterion, participants: usize) {
    let bytes = cohort(participants);
    let mut cfg = Config::default();
    cfg.run.quiet = true;
    let name = format!("ingest_plan_execute_{participants}_participants");
    let mut group = c.benchmark_group("pipeline");
    group.sample_size(10);
    group.bench_function(name, |bench| {
        bench.iter(|| {
            let raw = ingest::from_bytes(Path::new("bench.csv"), black_box(bytes.clone()), &cfg)
                .expect("INVARIANT: simulated CSV parses");
            let data = Dataset::build(&raw, &cfg.design);
            let p = plan::build(&data, &cfg);
            run::execute(&p, &cfg.run).expect("INVARIANT: a thread pool can start")
        });
    });
    group.finish();
}

// What `criterion_group!`/`criterion_main!` expand to, written out because the macro's
// generated `pub fn` has no doc comment (the crate denies missing docs).
fn main() {
    let mut c = Criterion::default().configure_from_args();
    pipeline(&mut c, 10_000);
    if std::env::var_os("BENCH_BIG").is_some() {
        pipeline(&mut c, 100_000);
    }
    c.final_summary();
}
