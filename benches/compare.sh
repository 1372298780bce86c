#!/usr/bin/env bash
# compare.sh: retrotrial against an R and a Python script that compute the same records, on the
# same files, side by side (issue #9; method and results in benches/RESULTS.md).
#
#   bash benches/compare.sh [--workloads a,b,c,d,start,e] [--runs 3] [--quick] [--no-r]
#                           [--no-python] [--peers-e] [--dir target/bench-peers] [--timeout 7200]
#   just bench-peers [same options]
#
# RETROTRIAL=/path/to/retrotrial uses that binary; otherwise this builds one with
# `cargo build --release --locked` and uses target/release/retrotrial.
#
# For each workload it generates the input with `retrotrial simulate` (cached under DIR/data),
# runs every tool once as a warm-up, then --runs rounds of retrotrial, R, Python in turn (so
# drift in machine load hits all three alike), each run measured by GNU time -v (peak RSS) and a
# nanosecond clock around it (wall: time -v's own clock has 10 ms steps, too coarse for
# retrotrial's small workloads). It prints one table (median wall, min-max, median peak RSS,
# peer/retrotrial ratios) and writes it with the versions and commands to DIR/results.md.
# Machines are noisy, so only the ratios within one run of this script mean much.
set -euo pipefail
export LC_ALL=C    # '.' as the decimal point in printf/awk, bytewise sort

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    cat <<'EOF'

Options:
  --workloads LIST  comma list of a, b, c, d, e, start (default a,b,c,d,start,e)
  --runs N          timed rounds per workload after the warm-up (default 3)
  --quick           1 round, no warm-up (a smoke test of the harness; timings mean little)
  --no-r            do not run the R peer
  --no-python       do not run the Python peer
  --peers-e         also run the peers on (e); by default (e) is retrotrial only
  --dir DIR         scratch directory for data, outputs and logs (default target/bench-peers)
  --timeout SEC     a run taking longer is killed and reported as failed (default 7200)
EOF
}

die() {
    echo "compare.sh: $*" >&2
    exit 2
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PEERS=benches/peers

workloads=a,b,c,d,start,e
runs=3
quick=0
use_r=1
use_python=1
peers_e=0
dir=target/bench-peers
timeout_s=7200
while [ $# -gt 0 ]; do
    case "$1" in
        --workloads) [ $# -ge 2 ] || die "--workloads needs a value"; workloads=$2; shift 2 ;;
        --workloads=*) workloads=${1#*=}; shift ;;
        --runs) [ $# -ge 2 ] || die "--runs needs a value"; runs=$2; shift 2 ;;
        --runs=*) runs=${1#*=}; shift ;;
        --quick) quick=1; shift ;;
        --no-r) use_r=0; shift ;;
        --no-python) use_python=0; shift ;;
        --peers-e) peers_e=1; shift ;;
        --dir) [ $# -ge 2 ] || die "--dir needs a value"; dir=$2; shift 2 ;;
        --dir=*) dir=${1#*=}; shift ;;
        --timeout) [ $# -ge 2 ] || die "--timeout needs a value"; timeout_s=$2; shift 2 ;;
        --timeout=*) timeout_s=${1#*=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || die "--timeout must be a positive integer (seconds)"
if [ "$quick" = 1 ]; then
    runs=1
fi
IFS=, read -r -a selected <<<"$workloads"
for w in "${selected[@]}"; do
    case "$w" in a|b|c|d|e|start) ;; *) die "unknown workload '$w' (a, b, c, d, e, start)" ;; esac
done

# --- the measuring tool -------------------------------------------------------------------------
if ! /usr/bin/time --version 2>&1 | grep -q GNU; then
    die "GNU time is required at /usr/bin/time (Debian: apt-get install time)"
fi
command -v timeout >/dev/null || die "coreutils timeout is required"

# --- retrotrial -----------------------------------------------------------------------------------
if [ -n "${RETROTRIAL:-}" ]; then
    bin=$RETROTRIAL
else
    echo "building retrotrial: cargo build --release --locked"
    cargo build --release --locked
    bin=$ROOT/target/release/retrotrial
fi
[ -x "$bin" ] || die "retrotrial binary not found or not executable: $bin"
case "$bin" in /*) ;; *) bin=$PWD/$bin ;; esac

mkdir -p "$dir"/data "$dir"/out "$dir"/logs
dir=$(cd "$dir" && pwd)
study=$ROOT/$PEERS/study.toml

# --- the peers: detect, install, or skip with a reason -------------------------------------------
declare -A skip_reason=()
r_versions=""
py_versions=""
R_PACKAGES="lme4 lmerTest pbkrtest nlme boot"
if [ "$use_r" = 1 ]; then
    if ! command -v Rscript >/dev/null 2>&1; then
        skip_reason[R]="Rscript not found. Install R and the packages: apt-get install r-base-core r-cran-lme4 r-cran-lmertest r-cran-pbkrtest r-cran-nlme r-cran-boot"
    elif ! missing=$(Rscript -e "m <- Filter(function(p) !requireNamespace(p, quietly = TRUE), strsplit('$R_PACKAGES', ' ')[[1]]); cat(m); quit(status = as.integer(length(m) > 0))" 2>/dev/null); then
        skip_reason[R]="R package(s) missing: ${missing:-?}. Install: apt-get install r-cran-lme4 r-cran-lmertest r-cran-pbkrtest r-cran-nlme r-cran-boot"
    else
        r_versions=$(Rscript -e "cat(R.version.string); for (p in strsplit('$R_PACKAGES Matrix', ' ')[[1]]) cat(',', p, as.character(packageVersion(p)))")
    fi
else
    skip_reason[R]="--no-r"
fi

venv=$PEERS/.venv
if [ "$use_python" = 1 ]; then
    # (Re)install when the venv is missing or requirements.txt changed since it was built.
    want_stamp=$(sha256sum "$PEERS/requirements.txt" | cut -d' ' -f1)
    have_stamp=$(cat "$venv/.requirements.sha256" 2>/dev/null || true)
    if [ "$want_stamp" != "$have_stamp" ]; then
        echo "setting up the Python peer: python3 -m venv $venv && pip install -r $PEERS/requirements.txt (log: $dir/logs/venv.log)"
        if command -v python3 >/dev/null 2>&1 &&
            { rm -rf "$venv" && python3 -m venv "$venv" &&
              "$venv/bin/pip" install --disable-pip-version-check -q -r "$PEERS/requirements.txt"; } \
                >"$dir/logs/venv.log" 2>&1; then
            echo "$want_stamp" >"$venv/.requirements.sha256"
        else
            skip_reason[Python]="could not create the venv (see $dir/logs/venv.log). By hand: python3 -m venv $venv && $venv/bin/pip install -r $PEERS/requirements.txt"
        fi
    fi
    if [ -z "${skip_reason[Python]:-}" ]; then
        if py_versions=$("$venv/bin/python" -c 'import sys, numpy, scipy, pandas, statsmodels as sm; print(f"Python {sys.version.split()[0]}, numpy {numpy.__version__}, scipy {scipy.__version__}, pandas {pandas.__version__}, statsmodels {sm.__version__}")' 2>>"$dir/logs/venv.log"); then
            :
        else
            skip_reason[Python]="the venv $venv does not import numpy/scipy/pandas/statsmodels (see $dir/logs/venv.log); delete it to rebuild"
        fi
    fi
else
    skip_reason[Python]="--no-python"
fi
for tool in R Python; do
    if [ -n "${skip_reason[$tool]:-}" ]; then
        echo "skipping the $tool peer: ${skip_reason[$tool]}"
    fi
done

# --- workloads (spec records.md §8, §9; issue #9) -------------------------------------------------
ALL="descriptives,paired_t,wilcoxon_signed_rank,welch_t,student_t,mann_whitney,hedges_g,rank_biserial,ancova,anova_oneway,welch_anova,kruskal_wallis,lmm,mmrm,responders,flow,multiplicity,permutation,bootstrap"
LOAD4="descriptives,welch_t,mann_whitney,ancova"
PERMUTATIONS=10000
BOOTSTRAP=2000
SEED=20240601
declare -A data_of=([a]=trial300 [b]=trial100k [c]=perm2x1000 [d]=trial100k [e]=trial1m [start]=trial300)
declare -A analyses_of=([a]=$ALL [b]=$LOAD4 [c]=permutation [d]=$ALL [e]=$LOAD4 [start]=descriptives)
declare -A title_of=(
    [a]="(a) 300 participants, 3 arms x 3 timepoints x 4 outcomes, every analysis"
    [b]="(b) 100,000 participants: load + descriptives, Welch, Mann-Whitney, ANCOVA"
    [c]="(c) permutation only, 10,000 x (2 x 1,000)"
    [d]="(d) 100,000 participants, every analysis"
    [e]="(e) 1,000,000 participants, the analyses of (b)"
    [start]="start-up floor: (a)'s file, descriptives only")
declare -A label_of=([a]="(a) 300, all" [b]="(b) 100k, load+4" [c]="(c) perm 2×1,000"
    [d]="(d) 100k, all" [e]="(e) 1M, load+4" [start]="start-up floor")
declare -A simulate_args=(
    [trial300]="--participants 300 --seed 1"
    [trial100k]="--participants 100000 --seed 1"
    [perm2x1000]="--participants 2000 --arms 2 --timepoints 2 --outcomes pain_nrs --dropout 0 --seed 1"
    [trial1m]="--participants 1000000 --seed 1")

# The input of a workload, generated once: reused while the simulate command and the binary's
# version are unchanged (simulate is deterministic, spec §8).
data_file() {
    local name=$1 file=$dir/data/$1.csv stamp args
    read -r -a args <<<"${simulate_args[$name]}"
    stamp="$("$bin" --version) simulate ${simulate_args[$name]}"
    if [ ! -s "$file" ] || [ "$(cat "$file.cmd" 2>/dev/null || true)" != "$stamp" ]; then
        echo "  generating $name: retrotrial simulate ${simulate_args[$name]}" >&2
        "$bin" simulate "${args[@]}" --out "$file"
        echo "$stamp" >"$file.cmd"
    fi
    echo "$file"
}

# The command line of one tool on one workload, into the array `cmd`.
build_cmd() {
    local tool=$1 w=$2 file=$3
    local common=(--permutations "$PERMUTATIONS" --bootstrap "$BOOTSTRAP" --seed "$SEED" --study "$study")
    case "$tool" in
        retrotrial) cmd=("$bin" analyze "$file" --only "${analyses_of[$w]}" "${common[@]}"
                         --out "$dir/out/$w/retrotrial" --force -q) ;;
        R) cmd=(Rscript "$ROOT/$PEERS/peer.R" "$file" --analyses "${analyses_of[$w]}" "${common[@]}"
                --out "$dir/out/$w/r.csv") ;;
        Python) cmd=("$ROOT/$venv/bin/python" "$ROOT/$PEERS/peer.py" "$file"
                     --analyses "${analyses_of[$w]}" "${common[@]}" --out "$dir/out/$w/python.csv") ;;
    esac
}

results=$dir/logs/runs.tsv          # workload, tool, run, wall s, peak KiB, status
: >"$results"
declare -A failed=()                # "w/tool" -> one-line reason

# Run one tool once; append a row to $results unless it is the warm-up. A non-zero exit (or the
# timeout) marks the tool failed for this workload: it is reported with its stderr tail and not
# run or timed again.
run_one() {
    local tool=$1 w=$2 file=$3 run=$4 log t0 t1 rc wall rss
    log=$dir/logs/$w-$tool-$run
    build_cmd "$tool" "$w" "$file"
    t0=$(date +%s%N)
    set +e
    /usr/bin/time -v -o "$log.time" timeout --kill-after=30 "$timeout_s" "${cmd[@]}" \
        >"$log.stdout" 2>"$log.stderr"
    rc=$?
    set -e
    t1=$(date +%s%N)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    rss=$(awk '/Maximum resident set size/ { print $NF }' "$log.time")
    if [ "$rc" -ne 0 ]; then
        local why="exit status $rc"
        [ "$rc" -eq 124 ] && why="killed after the ${timeout_s} s timeout"
        failed[$w/$tool]="$why after ${wall} s (run $run); stderr tail: $(tail -n 3 "$log.stderr" | tr '\n' ' ')"
        printf '    %-10s run %-6s FAILED (%s); stderr tail (%s.stderr):\n' "$tool" "$run" "$why" "$log"
        tail -n 5 "$log.stderr" | sed 's/^/        | /'
        return 0
    fi
    printf '    %-10s run %-6s %9s s %8.0f MiB\n' "$tool" "$run" "$wall" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
    if [ "$run" != warmup ]; then
        printf '%s\t%s\t%s\t%s\t%s\tok\n' "$w" "$tool" "$run" "$wall" "$rss" >>"$results"
    fi
}

tools_for() {
    local w=$1 t out=(retrotrial)
    for t in R Python; do
        if [ -z "${skip_reason[$t]:-}" ] && { [ "$w" != e ] || [ "$peers_e" = 1 ]; }; then
            out+=("$t")
        fi
    done
    echo "${out[@]}"
}

declare -A crosscheck=()            # "w/tool" -> the cross-check line
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for w in "${selected[@]}"; do
    echo "${title_of[$w]}"
    file=$(data_file "${data_of[$w]}")
    mkdir -p "$dir/out/$w"
    read -r -a tools <<<"$(tools_for "$w")"
    if [ "$quick" = 0 ]; then
        for tool in "${tools[@]}"; do
            run_one "$tool" "$w" "$file" warmup
        done
    fi
    for ((i = 1; i <= runs; i++)); do
        for tool in "${tools[@]}"; do
            [ -n "${failed[$w/$tool]:-}" ] || run_one "$tool" "$w" "$file" "$i"
        done
    done
    # Same computations? Compare Welch p and ANCOVA differences with retrotrial's records.
    if [[ ,${analyses_of[$w]}, == *,welch_t,* ]] && [ -z "${failed[$w/retrotrial]:-}" ]; then
        for tool in "${tools[@]:1}"; do
            [ -z "${failed[$w/$tool]:-}" ] || continue
            csv=$dir/out/$w/r.csv
            [ "$tool" = Python ] && csv=$dir/out/$w/python.csv
            crosscheck[$w/$tool]=$(python3 "$ROOT/$PEERS/crosscheck.py" "$dir/out/$w/retrotrial" "$csv" 2>&1 || true)
            echo "    cross-check $tool vs retrotrial: ${crosscheck[$w/$tool]}"
        done
    fi
done

# --- the table -------------------------------------------------------------------------------------
# Medians etc. per (workload, tool) from runs.tsv; ratios against retrotrial's medians.
stats_tsv=$(awk -F'\t' '
    function median(v, n,   i, j, t) {
        for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
        return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    { k = $1 "\t" $2; n[k]++; wall[k, n[k]] = $4; rss[k, n[k]] = $5; if (!(k in seen)) { seen[k] = 1; order[++m] = k } }
    END {
        for (x = 1; x <= m; x++) {
            k = order[x]; c = n[k]; lo = hi = wall[k, 1]
            for (i = 1; i <= c; i++) { w[i] = wall[k, i]; r[i] = rss[k, i]; if (w[i] < lo) lo = w[i]; if (w[i] > hi) hi = w[i] }
            printf "%s\t%d\t%.3f\t%.3f\t%.3f\t%.1f\n", k, c, median(w, c), lo, hi, median(r, c) / 1024
        }
    }' "$results")

table=$dir/results.md.table
{
    echo "| workload | tool | runs | median wall s | min–max s | median peak MiB | wall ratio (peer / retrotrial) | RSS ratio (peer / retrotrial) |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    for w in "${selected[@]}"; do
        base=$(awk -F'\t' -v w="$w" '$1 == w && $2 == "retrotrial" { print $4 "\t" $7 }' <<<"$stats_tsv")
        for tool in retrotrial R Python; do
            row=$(awk -F'\t' -v w="$w" -v t="$tool" '$1 == w && $2 == t' <<<"$stats_tsv")
            if [ -n "$row" ]; then
                awk -F'\t' -v base="$base" -v title="${label_of[$w]}" '{
                    split(base, b, "\t")
                    ratio = ($2 == "retrotrial" || b[1] == "") ? "—" : sprintf("%.1f×", $4 / b[1])
                    rratio = ($2 == "retrotrial" || b[2] == "") ? "—" : sprintf("%.1f×", $7 / b[2])
                    printf "| %s | %s | %d | %.3f | %.3f–%.3f | %.0f | %s | %s |\n", title, $2, $3, $4, $5, $6, $7, ratio, rratio
                }' <<<"$row"
            elif [ -n "${failed[$w/$tool]:-}" ]; then
                echo "| ${label_of[$w]} | $tool | 0 | failed | | | | |"
            elif [ "$tool" != retrotrial ] && [ -n "${skip_reason[$tool]:-}" ]; then
                echo "| ${label_of[$w]} | $tool | 0 | skipped | | | | |"
            elif [ "$w" = e ] && [ "$tool" != retrotrial ]; then
                echo "| ${label_of[$w]} | $tool | 0 | not run (no --peers-e) | | | | |"
            fi
        done
    done
} >"$table"

# What each tool wrote (the whole output counts: retrotrial's reports and figures are not switched off).
wrote() {
    local w=$1 d=$dir/out/$1/retrotrial
    if [ -d "$d" ]; then
        printf -- '- %s: retrotrial wrote %s files, %s (%s, plots/: %s SVG)' "$w" \
            "$(find "$d" -type f | wc -l)" "$(du -sh "$d" | cut -f1)" \
            "$(cd "$d" && find . -maxdepth 1 -type f -printf '%f ' | sed 's/ $//')" \
            "$(find "$d/plots" -name '*.svg' 2>/dev/null | wc -l)"
        local f n
        for f in r.csv python.csv; do
            if [ -f "$dir/out/$w/$f" ]; then
                n=$(($(wc -l <"$dir/out/$w/$f") - 1))
                printf '; %s peer: one CSV of %s record(s)' "${f%.csv}" "$n"
            fi
        done
        echo
    fi
}

report=$dir/results.md
{
    echo "# retrotrial vs R and Python peers"
    echo
    echo "Measured by \`benches/compare.sh\` (started $started, finished $(date -u +%Y-%m-%dT%H:%M:%SZ))."
    echo "Runs per tool and workload: $runs timed$([ "$quick" = 1 ] && echo " (--quick: no warm-up)" || echo ", after 1 warm-up"); wall = nanosecond clock around the run, peak RSS = GNU time -v \"Maximum resident set size\"."
    echo
    echo "- machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), $(lscpu 2>/dev/null | awk -F': +' '/Model name/ { print $2; exit }'), $(uname -sr)"
    echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- retrotrial: $("$bin" --version) ($bin)"
    echo "- R peer: ${r_versions:-skipped: ${skip_reason[R]:-}}"
    echo "- Python peer: ${py_versions:-skipped: ${skip_reason[Python]:-}}"
    echo
    cat "$table"
    echo
    echo "Cross-checks (Welch t p-value and ANCOVA adjusted difference of every pair and outcome, peer vs retrotrial's records.json):"
    echo
    for k in "${!crosscheck[@]}"; do echo "- $k: ${crosscheck[$k]}"; done | sort
    echo
    echo "Failures:"
    echo
    if [ ${#failed[@]} -eq 0 ]; then echo "- none"; fi
    for k in "${!failed[@]}"; do echo "- $k: ${failed[$k]}"; done | sort
    echo
    echo "What each tool wrote (last run):"
    echo
    for w in "${selected[@]}"; do wrote "$w"; done
    echo
    echo "Commands (FILE = $dir/data/<name>.csv, from \`retrotrial simulate\`):"
    echo
    for w in "${selected[@]}"; do
        echo "- ${title_of[$w]}: data \`retrotrial simulate ${simulate_args[${data_of[$w]}]}\`"
        for tool in $(tools_for "$w"); do
            build_cmd "$tool" "$w" "FILE"
            echo "  - $tool: \`${cmd[*]}\`" | sed "s#$dir#DIR#g; s#$ROOT/##g"
        done
    done
} >"$report"
rm -f "$table"

echo
sed -n '/^| workload/,/^$/p' "$report"
echo "Cross-checks, failures, versions and commands: $report"
