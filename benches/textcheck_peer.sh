#!/usr/bin/env bash
# textcheck_peer.sh: `retrotrial check DIR` against statcheck (R) on the same folder of 100 text
# papers (issue 21; results in benches/RESULTS.md, section "check PAPER").
#
#   cargo bench --bench textcheck            # writes the folder (and times the library)
#   bash benches/textcheck_peer.sh [RUNS]    # RUNS timed rounds after one warm-up (default 5)
#
# RETROTRIAL=/path/to/retrotrial uses that binary; otherwise target/release/retrotrial (or
# $CARGO_TARGET_DIR/release/retrotrial), which `cargo build --release --locked` builds. Prints
# the median wall time of each tool and the ratio statcheck / retrotrial.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
dir="$target/bench-textcheck/papers"
bin="${RETROTRIAL:-$target/release/retrotrial}"
runs="${1:-5}"
[ -d "$dir" ] || { echo "textcheck_peer.sh: $dir missing; run cargo bench --bench textcheck first" >&2; exit 2; }
[ -x "$bin" ] || { echo "textcheck_peer.sh: $bin missing; cargo build --release --locked" >&2; exit 2; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

wall() { # prints seconds taken by "$@"
    local t0 t1
    t0=$(date +%s%N)
    "$@" > /dev/null 2>&1
    t1=$(date +%s%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

ours=(); theirs=()
wall "$bin" check "$dir" --out "$out/r" --force > /dev/null
wall Rscript benches/peers/statcheck_peer.R "$dir" > /dev/null
for _ in $(seq "$runs"); do
    ours+=("$(wall "$bin" check "$dir" --out "$out/r" --force)")
    theirs+=("$(wall Rscript benches/peers/statcheck_peer.R "$dir")")
done
m_ours=$(printf '%s\n' "${ours[@]}" | median)
m_theirs=$(printf '%s\n' "${theirs[@]}" | median)
echo "retrotrial check: $("$bin" check "$dir" --out "$out/r" --force 2>&1 | head -1)"
echo "statcheck:        $(Rscript benches/peers/statcheck_peer.R "$dir")"
echo "median wall over $runs runs: retrotrial ${m_ours}s (${ours[*]}), statcheck ${m_theirs}s (${theirs[*]})"
awk -v a="$m_theirs" -v b="$m_ours" 'BEGIN { printf "ratio statcheck / retrotrial: %.1f\n", a / b }'
