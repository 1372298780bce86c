#!/usr/bin/env bash
# Regenerate the golden expected values with R (`just golden`). Not run in CI.
#
# For every CSV datasets/golden/<case>.csv this writes tests/golden/<case>/expected.json and
# tests/golden/<case>/command.txt (the exact commands, the input's sha256, R.version.string and
# package versions). The script is chosen by the file's header:
#   participant_id,arm,timepoint,outcome,value  -> analyze.R (trial file, `retrotrial analyze`),
#                                                  and lmm.R into expected_lmm.json (the `lmm`
#                                                  records), then lmm_check.R re-derives those
#                                                  from the §5.6 formulas; then clinical.R into
#                                                  expected_clinical.json (`mmrm`, `responders`,
#                                                  `flow`), with --study
#                                                  tests/golden/<case>/study.toml when that file
#                                                  exists (the MCIDs; the Rust harness passes the
#                                                  same file)
#   the case `consort` (issue 19)               -> consort.R only (Table 1, harms, subgroups),
#                                                  with tests/golden/consort/harms.csv
#   study_id,arm,n,mean,sd or study_id,yi,vi    -> meta.R (study summaries, `retrotrial meta`),
#                                                  then meta_check.R re-derives every number from
#                                                  the spec formulas; a case named *_md runs with
#                                                  --measure md, every other with the default smd
# Any other header is an error (every golden input needs an expected.json). Re-running gives
# identical files.
set -euo pipefail
cd "$(dirname "$0")/../../.."   # repository root

SEED=20240601
PERMUTATIONS=10000
BOOTSTRAP=2000
TRIAL_HEADER='participant_id,arm,timepoint,outcome,value'
META_HEADER='study_id,arm,n,mean,sd'
META_YIVI_HEADER='study_id,yi,vi'

if ! command -v Rscript >/dev/null 2>&1; then
    echo "error: Rscript not found. Install R and the packages listed in tests/golden/gen/packages.txt:" >&2
    echo "  apt-get install -y \$(grep -v '^#' tests/golden/gen/packages.txt)" >&2
    exit 2
fi
if ! Rscript -e 'for (p in c("jsonlite", "metafor", "boot", "lme4", "lmerTest", "pbkrtest", "nlme")) if (!requireNamespace(p, quietly = TRUE)) stop("missing R package ", p)' >/dev/null 2>&1; then
    echo "error: R packages jsonlite, metafor, boot, lme4, lmerTest, pbkrtest and nlme are required" >&2
    echo "  (Debian: r-cran-jsonlite r-cran-metafor r-cran-boot r-cran-lme4 r-cran-lmertest r-cran-pbkrtest r-cran-nlme)." >&2
    echo "  apt-get install -y \$(grep -v '^#' tests/golden/gen/packages.txt)" >&2
    exit 2
fi

VERSIONS=$(Rscript -e 'cat(R.version.string, "\n", sep = ""); for (p in c("jsonlite", "metafor", "boot")) cat(p, " ", packageDescription(p)$Version, "\n", sep = "")')
LMM_VERSIONS=$(Rscript -e 'for (p in c("lme4", "lmerTest", "pbkrtest", "nlme", "Matrix")) cat(p, " ", packageDescription(p)$Version, "\n", sep = "")')

shopt -s nullglob
inputs=(datasets/golden/*.csv)
if [ ${#inputs[@]} -eq 0 ]; then
    echo "error: no datasets/golden/*.csv found" >&2
    exit 1
fi

for csv in "${inputs[@]}"; do
    case_name=$(basename "$csv" .csv)
    header=$(head -n 1 "$csv" | tr -d '\r')
    out_dir="tests/golden/$case_name"
    tmp="$out_dir/.expected.json.tmp"
    if [ "$case_name" = "consort" ]; then
        # Issue 19: only the CONSORT records (table1, harms, subgroup); the case's study.toml
        # restricts retrotrial to them and names its harms.csv.
        cmd=(Rscript tests/golden/gen/consort.R "$csv" "$out_dir/expected.json" --harms "$out_dir/harms.csv"
             --participants "$out_dir/participants.csv" --subgroups baseline_severity,sex,age,bmi,site
             --cuts age=65)
        check=()
        lmm_cmd=()
        clinical_cmd=()
    elif [ "$header" = "$TRIAL_HEADER" ]; then
        cmd=(Rscript tests/golden/gen/analyze.R "$csv" "$out_dir/expected.json"
             --seed "$SEED" --permutations "$PERMUTATIONS" --bootstrap "$BOOTSTRAP")
        check=()
        lmm_cmd=(Rscript tests/golden/gen/lmm.R "$csv" "$out_dir/expected_lmm.json")
        clinical_cmd=(Rscript tests/golden/gen/clinical.R "$csv" "$out_dir/expected_clinical.json")
        if [ -f "$out_dir/study.toml" ]; then
            clinical_cmd+=(--study "$out_dir/study.toml")
        fi
    elif [ "$header" = "$META_HEADER" ] || [ "$header" = "$META_YIVI_HEADER" ]; then
        measure=smd
        case "$case_name" in *_md) measure=md ;; esac
        cmd=(Rscript tests/golden/gen/meta.R "$csv" "$out_dir/expected.json" --measure "$measure")
        check=(Rscript tests/golden/gen/meta_check.R "$csv" "$tmp" --measure "$measure")
        lmm_cmd=()
        clinical_cmd=()
    else
        echo "error: $csv: unknown header '$header' (expected the trial header or a meta summary header)" >&2
        exit 1
    fi
    mkdir -p "$out_dir"
    echo "${cmd[*]}"
    "${cmd[@]:0:3}" "$tmp" "${cmd[@]:4}"
    if [ ${#check[@]} -gt 0 ]; then
        "${check[@]}"
    fi
    mv "$tmp" "$out_dir/expected.json"
    if [ ${#lmm_cmd[@]} -gt 0 ]; then
        lmm_tmp="$out_dir/.expected_lmm.json.tmp"
        echo "${lmm_cmd[*]}"
        "${lmm_cmd[@]:0:3}" "$lmm_tmp"
        Rscript tests/golden/gen/lmm_check.R "$csv" "$lmm_tmp"
        mv "$lmm_tmp" "$out_dir/expected_lmm.json"
    fi
    if [ ${#clinical_cmd[@]} -gt 0 ]; then
        # clinical.R checks itself (gls against the exact REML optimum, complete data against
        # per-timepoint lm); a failed check stops it before it writes anything, and set -e then
        # stops this script with the committed file untouched.
        clinical_tmp="$out_dir/.expected_clinical.json.tmp"
        echo "${clinical_cmd[*]}"
        "${clinical_cmd[@]:0:3}" "$clinical_tmp" "${clinical_cmd[@]:4}"
        mv "$clinical_tmp" "$out_dir/expected_clinical.json"
    fi
    tost_cmd=()
    if [ ${#clinical_cmd[@]} -gt 0 ] && [ -f "$out_dir/study.toml" ]; then
        # tost / non_inferiority records (issue 20): margins from the case's study.toml.
        tost_cmd=(Rscript tests/golden/gen/tost.R "$csv" "$out_dir/expected_tost.json" --study "$out_dir/study.toml")
        echo "${tost_cmd[*]}"
        "${tost_cmd[@]:0:3}" "$out_dir/.expected_tost.json.tmp" "${tost_cmd[@]:4}"
        mv "$out_dir/.expected_tost.json.tmp" "$out_dir/expected_tost.json"
    fi
    {
        echo "# Generated by tests/golden/gen/regenerate.sh (just golden), from the repository root:"
        echo "${cmd[*]}"
        if [ ${#lmm_cmd[@]} -gt 0 ]; then
            echo "${lmm_cmd[*]}"
        fi
        if [ ${#clinical_cmd[@]} -gt 0 ]; then
            echo "${clinical_cmd[*]}"
        fi
        if [ ${#tost_cmd[@]} -gt 0 ]; then
            echo "${tost_cmd[*]}"
        fi
        echo "# input sha256: $(sha256sum "$csv" | cut -d' ' -f1)"
        if [ "$case_name" = "consort" ]; then
            echo "# harms.csv sha256: $(sha256sum "$out_dir/harms.csv" | cut -d' ' -f1)"
            echo "# participants.csv sha256: $(sha256sum "$out_dir/participants.csv" | cut -d' ' -f1)"
            echo "# MASS $(Rscript -e 'cat(packageDescription("MASS")$Version)')"
        fi
        if [ -f "$out_dir/study.toml" ] && [ ${#clinical_cmd[@]} -gt 0 ]; then
            echo "# study.toml sha256: $(sha256sum "$out_dir/study.toml" | cut -d' ' -f1)"
        fi
        echo "# $VERSIONS" | sed '2,$s/^/# /'
        if [ ${#lmm_cmd[@]} -gt 0 ]; then
            echo "$LMM_VERSIONS" | sed 's/^/# /'
        fi
    } > "$out_dir/command.txt"
done

# `retrotrial power` (issue 20): not tied to a dataset. Needs r-cran-pwr.
echo "Rscript tests/golden/gen/power.R tests/golden/power/expected.json"
mkdir -p tests/golden/power
Rscript tests/golden/gen/power.R tests/golden/power/expected.json
