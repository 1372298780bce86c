set shell := ["bash", "-euo", "pipefail", "-c"]

default:
    @just --list

# The README's two commands
run:
    cargo run --release -- reproduce --all
test:
    cargo test --locked

# What CI runs (.ci/run is the single source)
ci:
    bash .ci/run

# End-to-end demo into reports/example
example:
    cargo run --locked --release -- analyze datasets/example/trial.csv --study datasets/example/study.toml --out reports/example

fmt:
    cargo fmt --all

lint:
    cargo clippy --locked --all-targets -- -D warnings

bench *ARGS:
    cargo bench --locked {{ARGS}}

# retrotrial vs the R and Python peers on the issue #9 workloads (benches/compare.sh; e.g.
# `just bench-peers --workloads a,c --quick`). The full default run takes hours: benches/RESULTS.md.
bench-peers *ARGS:
    bash benches/compare.sh {{ARGS}}

# Regenerate golden values with R (Debian packages; see tests/golden/README.md). Not in CI.
golden:
    bash tests/golden/gen/regenerate.sh

# Fuzz ingest, config and the statistics on degenerate trials (proptest, tests/it/fuzz.rs) with
# more cases per property than `cargo test` runs (a few minutes; `just fuzz 200000` for longer).
# Debug build, so overflow checks are on. A failure's seed is saved in
# tests/proptest-regressions/fuzz.txt; turn it into a named regression test as well.
fuzz CASES="20000":
    PROPTEST_CASES={{CASES}} cargo test --locked --test it fuzz::
