#!/usr/bin/env python3
"""Writes the bad-input corpus of tests/data/bad/ (issue 10). Deterministic: no randomness,
no timestamps; rerunning it rewrites the same bytes. Run from anywhere:

    python3 tests/data/bad/make.py

The expectations (command, exit code, message) are in manifest.toml next to the files; the
test is tests/it/corpus.rs. Every file written here must be listed there (the test checks).
"""

import os

HERE = os.path.dirname(os.path.abspath(__file__))
H = "participant_id,arm,timepoint,outcome,value"


def write(name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def rows(arms=("backward", "forward"), n=6, outcome="pain_nrs", value=None, tps=("baseline", "week6")):
    """A small valid trial: n participants per arm, baseline and week6, one outcome.
    `value(arm_index, participant_index, timepoint_index)` overrides the default values."""
    out = []
    k = 0
    for a, arm in enumerate(arms):
        for i in range(n):
            k += 1
            for t, tp in enumerate(tps):
                if value is not None:
                    v = value(a, i, t)
                else:
                    # baseline 4..9; backward improves by 2-3, forward by 1-2 (not tied).
                    base = 4 + (i * 7 + a * 3) % 6
                    v = base if t == 0 else base - (1 + a % 2 * 0 + (2 - a) * 0.5 + (i % 3) * 0.5)
                out.append(["P%03d" % k, arm, tp, outcome, fmt(v)])
    return out


def fmt(v):
    if isinstance(v, str):
        return v
    if float(v) == int(v):
        return str(int(v))
    return repr(float(v))


def csv(rs, header=H, sep=",", eol="\n"):
    return header + eol + "".join(sep.join(r) + eol for r in rs)


def main():
    base = rows()

    # --- encoding and bytes -------------------------------------------------------------
    write("empty.csv", b"")
    write("whitespace_only.csv", b" \n\t\r\n\n")
    write("header_only.csv", H + "\n")
    write("header_only_no_newline.csv", H)
    # Deterministic pseudo-random bytes (LCG), not UTF-8.
    x, garbage = 12345, bytearray()
    for _ in range(4096):
        x = (x * 1103515245 + 12345) % 2**31
        garbage.append(x >> 16 & 0xFF)
    write("binary_garbage.bin", bytes(garbage))
    # An Excel workbook given instead of its CSV export (zip magic, then binary).
    write("excel_workbook.csv", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U0#\xf4\x00\x00\x00L\x02\x00\x00\x13\x00[Content_Types].xml \xa2\x04\x02(\xa0\x00\x02")
    write("nul_bytes.csv", b"\x00" * 512)
    text = csv(base)
    write("utf16le_bom.csv", "\ufeff".encode("utf-16-le") + text.encode("utf-16-le"))
    write("utf16be_bom.csv", "\ufeff".encode("utf-16-be") + text.encode("utf-16-be"))
    latin = [r[:] for r in base]
    latin[2][1] = "r\u00e9tro"  # line 4: "rétro" in Latin-1
    write("latin1.csv", csv(latin).encode("latin-1"))
    write("utf8_bom.csv", "\ufeff" + text)
    write("crlf.csv", csv(base, eol="\r\n"))
    write("cr_only.csv", csv(base, eol="\r"))
    write("bom_crlf_quoted_header.csv",
          "\ufeff" + csv(base, header='"participant_id","arm","timepoint","outcome","value"', eol="\r\n"))

    # --- delimiters and decimal commas ---------------------------------------------------
    write("semicolon.csv", csv(base, header=H.replace(",", ";"), sep=";"))
    write("tab.csv", csv(base, header=H.replace(",", "\t"), sep="\t"))
    euro = [r[:4] + [r[4].replace(".", ",")] for r in base]
    write("decimal_comma_semicolon.csv", csv(euro, header=H.replace(",", ";"), sep=";"))
    quoted = [r[:4] + ['"%s"' % r[4].replace(".", ",")] for r in base]
    write("decimal_comma_quoted.csv", csv(quoted))
    # Unquoted decimal comma in a comma file: the row has six fields; "5,5" must not become 5.
    ragged = [r[:] for r in base]
    ragged[3][4] = "5,5"
    write("decimal_comma_unquoted.csv", csv(ragged))
    short = [r[:] for r in base]
    short[3] = short[3][:4]
    write("short_row.csv", csv(short))
    # Blank lines and an all-empty spreadsheet row at the end (R's read.csv skips them).
    write("trailing_blank_lines.csv", text + "\n\n,,,,\n")
    write("trailing_comma.csv", csv([r + [""] for r in base], header=H + ","))

    # --- quoting -------------------------------------------------------------------------
    q = [r[:] for r in base]
    for r in q:
        r[1] = '"backward, supervised"' if r[1] == "backward" else r[1]
    write("quoted_comma.csv", csv(q))
    q = [r[:] for r in base]
    for r in q:
        r[3] = '"pain ""NRS"""'
    write("quoted_quote.csv", csv(q))
    # A quoted newline in row 1 (lines 2-3); the bad value is on line 5 of the file.
    q = [r[:] for r in base]
    q[0][0] = '"P001\nsecond line"'
    q[2][4] = "abc"
    write("quoted_newline.csv", csv(q))
    q = [r[:] for r in base]
    q[4][1] = '"backward'
    write("unterminated_quote.csv", csv(q))

    # --- headers -------------------------------------------------------------------------
    write("duplicate_header.csv", csv([r + [fmt(99)] for r in base], header=H + ",value"))
    write("missing_header.csv", csv(base[1:], header=",".join(base[0])))
    write("missing_value_column.csv", csv([r[:4] for r in base], header="participant_id,arm,timepoint,outcome"))
    write("header_other_case.csv", csv(base, header=H.upper()))
    write("extra_column.csv", csv([r + ["site%d" % (i % 2)] for i, r in enumerate(base)], header=H + ",site"))

    # --- values --------------------------------------------------------------------------
    def with_value(line, v, rs=None):
        rs = [r[:] for r in (rs or base)]
        rs[line - 2][4] = v
        return rs
    write("nan.csv", csv(with_value(4, "NaN", with_value(5, "nan"))))
    write("inf.csv", csv(with_value(3, "inf", with_value(6, "-Infinity"))))
    write("overflow_1e309.csv", csv(with_value(7, "1e309", with_value(8, "-1e309"))))
    # "-0" and "-0.0" as values, mixed with ordinary ones; changes of -0 - 0 and 0 - -0.
    write("negative_zero.csv", csv(rows(value=lambda a, i, t: ["-0", "-0.0", "0", "1", "2", "3"][(i + t + a) % 6])))
    # Integers far beyond 2^53 (exact as decimals, rounded as doubles), not a perfect line.
    write("huge_integers.csv", csv(rows(value=lambda a, i, t: str(10**22 + ((i * 7 + a * 3 + t * 5) % 11) * 10**21 + 123456789012345))))
    write("extreme_1e308.csv", csv(rows(value=lambda a, i, t: "%se308" % ("1.7" if (i + t) % 2 else "-1.7"))))
    write("units.csv", csv(with_value(4, "5 kg", with_value(9, "12s"))))
    write("odd_number_forms.csv", csv(rows(value=lambda a, i, t: ["+5", ".5", "5.", "5e0", "1E1", " 7 "][i] if t == 0 else str(3 - a + i % 2))))
    write("missing_codes.csv", csv(with_value(4, "-99", with_value(9, "."))))
    write("many_bad_values.csv", csv(rows(n=60, value=lambda a, i, t: "x%d" % i)))
    write("all_missing.csv", csv(rows(value=lambda a, i, t: "NA" if t else "")))

    # --- design --------------------------------------------------------------------------
    two = [r[:] for r in base]
    two[1][1] = "forward"  # P001's week6 row in another arm
    write("participant_two_arms.csv", csv(two))
    write("duplicate_rows.csv", csv(base[:5] + [base[4]] + base[5:]))
    write("empty_id_fields.csv", csv([["", "backward", "baseline", "pain_nrs", "1"], ["P999", "", "week6", "pain_nrs", "2"]] + base))
    write("no_baseline.csv", csv([[r[0], r[1], "week1" if r[2] == "baseline" else r[2], r[3], r[4]] for r in base]))
    write("baseline_only.csv", csv([r for r in base if r[2] == "baseline"]))
    one = rows(arms=("backward",), n=6) + rows(arms=("forward",), n=1)
    for i, r in enumerate(one):
        r[0] = "Q%03d" % (i // 2)
    write("one_participant_arm.csv", csv(one))
    write("one_arm.csv", csv(rows(arms=("backward",), n=6)))
    write("zero_variance_group.csv", csv(rows(value=lambda a, i, t: (5 + i % 3) - (2 if t and a == 0 else 0) - (t * (i % 3) * 0.5 if a == 1 else 0))))
    write("all_tied.csv", csv(rows(value=lambda a, i, t: 5)))
    write("perfect_separation.csv", csv(rows(value=lambda a, i, t: 4 + i % 4 + (t * (-3 - i * 0.25) if a == 0 else t * (2 + i * 0.25)))))
    # Found by the fuzz test (tests/it/fuzz.rs): tiny, valid trials whose mixed model is barely
    # identified. The first has a Satterthwaite df large enough to hang `t_crit`; the second a
    # df of ~1e-16 and p-values of 1.000000000000001.
    write("lmm_huge_df.csv", H + "\n" + "\n".join([
        "Z0,backward,baseline,o,1", "Z0,backward,week6,o,2", "P1,backward,week6,o,0.1",
        "P2,backward,week6,o,0.3", "P3,backward,baseline,o,1", "P4,backward,week6,o,0.1",
        "P5,backward,baseline,o,-5", "P5,backward,week3,o,-5", "P6,forward,week3,o,0",
        "P7,forward,week3,o,0.1", "P8,forward,baseline,o,0", "P8,forward,week6,o,0"]) + "\n")
    write("lmm_tiny_df.csv", H + "\n" + "\n".join([
        "Z0,backward,baseline,o,1", "Z0,backward,week6,o,2", "P1,forward,week6,o,-5",
        "P2,forward,baseline,o,2.5", "P2,forward,week6,o,0"]) + "\n")
    # 10,000 arms with one participant each (20,000 rows, ~0.4 MB).
    big = [H]
    for k in range(10000):
        for t, tp in enumerate(("baseline", "week6")):
            big.append("p%d,a%04d,%s,o,%d" % (k, k, tp, (k + t) % 7))
    write("arms_10000.csv", "\n".join(big) + "\n")

    # 1,000 timepoints (4,000 rows): the mixed model's cost grows with the cube of the timepoints.
    many = [H]
    for k in range(4):
        for t in range(1000):
            tp = "baseline" if t == 0 else "day%d" % t
            many.append("P%d,%s,%s,o,%d" % (k, ("backward", "forward")[k % 2], tp, (k * 7 + t) % 10))
    write("timepoints_1000.csv", "\n".join(many) + "\n")

    # --- long strings, markup and file-name injection ------------------------------------
    long_id = "P" * 100_000
    long_arm = "backward" + "x" * 2_000
    long_out = "pain_" + "y" * 2_000
    rs = rows(arms=(long_arm, "forward"), outcome=long_out)
    rs[0][0] = rs[1][0] = long_id
    write("long_strings.csv", csv(rs))
    write("long_value.csv", csv(with_value(3, "9" * 50_000 + "x")))
    write("long_header.csv", ",".join("column%d" % i for i in range(20_000)) + "\n" + "1,2,3\n")
    xss = rows(arms=("<script>alert(1)</script>", "forward"), outcome="<img src=x onerror=alert(2)>")
    write("html_names.csv", csv(xss))
    xss_md = rows(arms=("backward", "forward"), outcome="[click](javascript:alert(3)) | **x** </svg><script>alert(4)</script>")
    write("markdown_svg_names.csv", csv(xss_md))
    escape = rows(outcome="../../../../../ESCAPED_dotdot") + rows(outcome="..")
    write("outcome_dotdot.csv", csv(escape))
    write("outcome_slash.csv", csv(rows(outcome="/tmp/ESCAPED_abs") + rows(outcome="a/b/ESCAPED_sub")))
    write("outcome_nul.csv", csv(rows(outcome="pain\x00nrs\x00ESCAPED_nul")))
    # Outcomes whose file-name stems collide: "pain.nrs", "pain/nrs", "pain_nrs".
    write("outcome_stem_collision.csv", csv(rows(outcome="pain.nrs") + rows(outcome="pain/nrs") + rows(outcome="pain_nrs")))
    write("ansi_escape_names.csv", csv(with_value(3, "\x1b[2J\x1b[31mred\x1b[0m")))

    # --- study files (used with base.csv) ------------------------------------------------
    write("base.csv", text)
    write("base_out_of_scale.csv", csv(with_value(5, "11")))
    write("study_unknown_key.toml", '[design]\nreferense_arm = "forward"\n')
    write("study_unknown_section.toml", '[desing]\narms = ["backward", "forward"]\n')
    write("study_data_path.toml", '[data]\npath = "does_not_exist.csv"\n')
    write("study_wrong_type_seed.toml", '[resampling]\nseed = "twelve"\n')
    write("study_wrong_type_arms.toml", '[design]\narms = "backward"\n')
    write("study_negative_permutations.toml", '[resampling]\npermutations = -5\n')
    write("study_unknown_reference_arm.toml", '[design]\nreference_arm = "placebo"\n')
    write("study_reference_not_declared.toml", '[design]\narms = ["backward", "forward"]\nreference_arm = "placebo"\n')
    write("study_unknown_analysis.toml", '[analyses]\nrun = ["welch"]\n')
    write("study_not_toml.toml", "this is not = = toml [\n")
    # [analyses.mmrm] (issue 18).
    write("study_mmrm_unknown_structure.toml", '[analyses.mmrm]\nstructure = "unstructured"\n')
    write("study_mmrm_bad_ddf.toml", '[analyses.mmrm]\nddf = "kr"\n')
    write("study_flow_mismatch.toml",
          '[flow]\nassessed = 20\n\n[flow.excluded]\n"did not meet inclusion criteria" = 5\n')
    write("study_mmrm_kr_empirical.toml", '[analyses.mmrm]\nddf = "kenward_roger"\nvcov = "empirical"\n')
    write("study_mmrm_part_selected.toml", '[analyses]\nrun = ["mmrm_fit"]\n')
    write("study_mmrm_cs_one_visit.toml", '[analyses]\nrun = ["mmrm"]\n\n[analyses.mmrm]\nstructure = "cs"\n')
    write("study_mmrm_auto_one_visit.toml", '[analyses]\nrun = ["mmrm"]\n\n[analyses.mmrm]\nstructure = "auto"\nddf = "kenward_roger"\n')
    write("study_binary.toml", bytes(garbage[:256]))
    write("study_min_above_max.toml", "[outcomes.pain_nrs]\nmin = 10\nmax = 0\n")
    write("study_nan_scale.toml", "[outcomes.pain_nrs]\nmin = nan\nmax = inf\nmcid = -inf\n")
    write("study_scale.toml", "[outcomes.pain_nrs]\nmin = 0\nmax = 10\n")
    write("study_undeclared_arm.toml", '[design]\narms = ["backward", "control"]\n')
    write("study_unknown_primary_timepoint.toml", '[design]\nprimary_timepoint = "week99"\n')
    write("study_too_many_threads.toml", "[run]\nthreads = 100000\n")
    write("study_missing_codes.toml", '[data]\nmissing_values = ["-99", "."]\n')
    write("study_empty.toml", "")
    # issue 20: margins of the tost / non_inferiority records, and the [power] table
    write("study_bad_margin.toml", "[outcomes.pain_nrs]\nequivalence_margin = -1\n")
    write("study_zero_ni_margin.toml", "[outcomes.pain_nrs]\nnon_inferiority_margin = 0\n")
    write("study_power_wrong_type.toml", '[power]\nreplicates = "many"\n')
    write("study_power_unknown_key.toml", "[power]\nn_per_group = 30\n")

    # --- intercurrent events (issue 17; used with base.csv and study_events.toml) --------
    write("study_events.toml", '[estimand]\nintercurrent_events = [{ event = "discontinued", strategy = "hypothetical" }]\n')
    write("study_events_twice.toml", '[estimand]\nintercurrent_events = [{ event = "x", strategy = "hypothetical" }, { event = "x", strategy = "treatment_policy" }]\n')
    write("study_unknown_strategy.toml", '[estimand]\nintercurrent_events = [{ event = "x", strategy = "principal_stratum" }]\n')
    write("study_missing_one_imputation.toml", "[missing]\nimputations = 1\n")
    write("study_missing_nan_delta.toml", "[missing]\ndelta = [0.0, nan]\n")
    write("events_ok.csv", "participant_id,event,timepoint\nP001,discontinued,baseline\nP008,discontinued,week6\n")
    write("events_bad_header.csv", "id,event,time\nP001,discontinued,baseline\n")
    write("events_unknown_participant.csv", "participant_id,event,timepoint\nP001,discontinued,baseline\nP999,discontinued,baseline\n")
    write("events_unknown_timepoint.csv", "participant_id,event,timepoint\nP001,discontinued,week99\n")
    write("events_no_strategy.csv", "participant_id,event,timepoint\nP001,rescue,baseline\n")
    write("events_twice.csv", "participant_id,event,timepoint\nP001,discontinued,baseline\nP001,discontinued,week6\n")
    write("events_short_row.csv", "participant_id,event,timepoint\nP001,discontinued\n")
    write("events_binary.csv", bytes(garbage[:128]))
    write("study_events_all.toml", '[estimand]\nintercurrent_events = [{ event = "stopped", strategy = "while_on_treatment" }, { event = "fell", strategy = "composite" }, { event = "rescue", strategy = "composite", value = 10 }]\n')
    write("events_all.csv", "participant_id,event,timepoint\nP001,stopped,baseline\nP002,fell,baseline\nP009,rescue,baseline\n")
    write("study_value_not_composite.toml", '[estimand]\nintercurrent_events = [{ event = "x", strategy = "hypothetical", value = 3 }]\n')

    # --- participant covariates and the per-protocol population (issue 17/18/19) ----------
    ids = ["P%03d" % k for k in range(1, 13)]
    ph = "participant_id,age,sex,pp\n"
    prow = lambda k, p: "%s,%d,%s,%s\n" % (p, 50 + k * 3 % 17, "F" if k % 2 else "M", "no" if k in (2, 9) else "yes")
    write("participants_ok.csv", ph + "".join(prow(k, p) for k, p in enumerate(ids)))
    write("participants_unknown_id.csv", ph + "".join(prow(k, p) for k, p in enumerate(ids)) + "P999,60,F,yes\n")
    write("participants_duplicate.csv", ph + "".join(prow(k, p) for k, p in enumerate(ids)) + prow(3, "P004"))
    write("participants_no_id.csv", ph.replace("participant_id", "id") + "".join(prow(k, p) for k, p in enumerate(ids)))
    write("participants_missing_age.csv", ph + "".join(prow(k, p).replace(",%d," % (50 + k * 3 % 17), ",NA,") if p == "P003" else prow(k, p) for k, p in enumerate(ids)))
    write("participants_bad_flag.csv", ph + "".join(prow(k, p).replace("yes", "maybe") if p == "P005" else prow(k, p) for k, p in enumerate(ids)))
    write("participants_ragged.csv", ph + "".join(prow(k, p) for k, p in enumerate(ids[:5])) + "P006,61\n")
    write("study_participants.toml", '[data]\nparticipants = "participants_ok.csv"\n\n[analyses]\ncovariates = ["age", "sex"]\n')
    for name in ("unknown_id", "duplicate", "no_id", "missing_age", "ragged"):
        write("study_participants_%s.toml" % name, '[data]\nparticipants = "participants_%s.csv"\n\n[analyses]\ncovariates = ["age"]\n' % name)
    write("study_participants_absent.toml", '[data]\nparticipants = "no_such_participants.csv"\n')
    # issue 18: the ANCOVA and the estimand analyses adjust for the covariates; a participant
    # without a value of one (age missing; sex empty) stops validation naming them.
    write("participants_missing_sex.csv", ph + "".join(prow(k, p).replace(",F,", ",,") if p in ("P004", "P008") else prow(k, p) for k, p in enumerate(ids)))
    write("study_covariates_ancova_missing_age.toml", '[data]\nparticipants = "participants_missing_age.csv"\n\n[analyses]\ncovariates = ["age", "sex"]\nrun = ["ancova", "mi_mar", "mi_j2r", "tipping_point"]\n')
    write("study_covariates_estimand_missing_sex.toml", '[data]\nparticipants = "participants_missing_sex.csv"\n\n[analyses]\ncovariates = ["sex"]\nrun = ["ancova", "mi_mar", "mi_cr"]\n\n[missing]\nmethod = "bayes"\nimputations = 5\n')
    write("study_unknown_covariate.toml", '[data]\nparticipants = "participants_ok.csv"\n\n[analyses]\ncovariates = ["bmi"]\n')
    write("study_pp.toml", '[data]\nparticipants = "participants_ok.csv"\n\n[estimand]\npopulation = "per_protocol"\nper_protocol_flag = "pp"\n')
    write("study_pp_bad_flag.toml", '[data]\nparticipants = "participants_bad_flag.csv"\n\n[estimand]\npopulation = "per_protocol"\nper_protocol_flag = "pp"\n')
    write("study_pp_no_flag.toml", '[estimand]\npopulation = "per_protocol"\n')
    site = [r + ["A" if r[0] != "P004" or r[2] == "baseline" else "B"] for r in base]
    write("covariate_varies.csv", csv(site, header=H + ",site"))
    write("study_covariate_site.toml", '[analyses]\ncovariates = ["site"]\n')

    # --- adverse events (issue 19; used with base.csv: --harms, or [data] harms) ---------
    HH = "participant_id,term,serious,severity,related,timepoint\n"
    write("harms_ok.csv", HH + 'P001,fall,no,mild,yes,week3\nP001,"Fall, with wrist fracture",yes,severe,yes,week6\n'
          "P008,knee pain,No,moderate,,week3\nP010,Dizziness,n,,no,\n")
    write("study_harms.toml", '[data]\nharms = "harms_ok.csv"\n\n[harms]\nfall_terms = ["fall", "stumble"]\n')
    write("harms_unknown_participant.csv", HH + "P001,fall,no,mild,yes,week3\nP999,fall,no,mild,yes,week3\n")
    write("harms_bad_serious.csv", HH + "P001,fall,maybe,mild,yes,week3\n")
    write("harms_bad_severity.csv", HH + "P001,fall,no,grade 9,yes,week3\n")
    write("harms_bad_related.csv", HH + "P001,fall,no,mild,perhaps,week3\n")
    write("harms_no_serious_column.csv", "participant_id,term,severity\nP001,fall,mild\n")
    write("harms_unknown_column.csv", "participant_id,term,serious,grade\nP001,fall,no,2\n")
    write("harms_empty_term.csv", HH + "P001,,no,mild,yes,week3\n")
    write("harms_header_only.csv", HH)
    write("harms_binary.csv", bytes(garbage[:128]))

    # --- CONSORT flow file (issue 19; base.csv with a study file naming the flow file) ------
    FH = "participant_id,stage,status,reason\n"
    flows = {
        "ok": FH + "S001,eligible,excluded,declined\nS002,screened,excluded,\nP001,followed_up,lost,moved away\n"
              "P008,received,not_received,illness\nP008,followed_up,discontinued,knee pain\n",
        "unknown_stage": FH + "P001,week6,lost,moved\n",
        "unknown_participant": FH + "S001,eligible,excluded,declined\nP999,followed_up,lost,moved\n",
        "randomised_excluded": FH + "P001,eligible,excluded,declined\n",
        "twice": FH + "P001,followed_up,lost,moved\nP001,followed_up,discontinued,pain\n",
        "bad_status": FH + "P001,followed_up,excluded,moved\n",
    }
    for name, text in flows.items():
        write("flow_%s.csv" % name, text)
        write("study_flow_%s.toml" % name, '[data]\nflow = "flow_%s.csv"\n' % name)
    # subgroups (issue 19): a variable with one level among the complete cases, an unknown one
    write("study_subgroup_one_level.toml", '[analyses]\nsubgroups = ["baseline_severity"]\nsubgroup_cuts = { baseline_severity = [100] }\n')
    write("study_subgroup_unknown.toml", '[analyses]\nsubgroups = ["shoe_size"]\n')
    write("study_flow_counts.toml", '[flow]\nassessed = 40\nexcluded = { "not eligible" = 10, declined = 6 }\n')

    # Wide layout and label mapping mistakes (issue 11).
    write("study_wide.toml", '[data]\nlayout = "wide"\n\n[data.columns]\nparticipant_id = "ID"\narm = "Group"\n\n'
          '[design.arm_labels]\nbackward = ["RW"]\nforward = ["FW"]\n\n'
          '[design.timepoint_labels]\nbaseline = ["bl"]\nweek6 = ["wk6", "week6"]\n')
    people = [("P%02d" % i, "RW" if i % 2 else "FW", 4 + i % 5, 2 + i % 4) for i in range(1, 13)]
    write("wide_unmapped_label.csv", "ID,Group,pain_nrs_bl,pain_nrs_wk6\n" + "".join(
        "%s,%s,%d,%d\n" % (p, "Placebo" if i == 2 else g, b, w) for i, (p, g, b, w) in enumerate(people)))
    write("wide_column_twice.csv", "ID,Group,pain_nrs_bl,pain_nrs_wk6,pain_nrs_week6\n" + "".join(
        "%s,%s,%d,%d,%d\n" % (p, g, b, w, w) for p, g, b, w in people))
    write("wide_no_baseline.csv", "ID,Group,pain_nrs_bl,pain_nrs_wk6,tug_seconds_wk6\n" + "".join(
        "%s,%s,%d,%d,%d\n" % (p, g, b, w, 9 + w) for p, g, b, w in people))

    # --- study-level tables for `check` (issue 15: coded and numeric cells are parsed) -----
    sh = "study_id,outcome,integer_scale,better,arm,timepoint,n,mean,sd,dispersion\n"
    write("check_n_not_a_number.csv", sh + "s1,pain,true,lower,backward,baseline,twelve,4.5,1.2,sd\n")
    write("check_better_unknown.csv", sh + "s1,pain,true,up,backward,baseline,12,4.5,1.2,sd\n")
    write("check_integer_scale_unknown.csv", sh + "s1,pain,yes,lower,backward,baseline,12,4.5,1.2,sd\n")
    write("check_mcid_without_source.csv", sh.replace("dispersion", "dispersion,mcid") + "s1,pain,true,lower,backward,baseline,12,4.5,1.2,sd,2\n")

    # Papers for `check PAPER` (issue 21).
    write("paper_binary.pdf", bytes((i * 7 + 3) % 256 for i in range(4096)))
    write("paper_truncated.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R")
    o32 = b"(" + bytes(range(65, 97)) + b")"
    write("paper_encrypted.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
          b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
          b"3 0 obj\n<< /Type /Page /Parent 2 0 R /Contents 4 0 R /MediaBox [0 0 595 842] >>\nendobj\n"
          b"4 0 obj\n<< /Length 16 >>\nstream\n\x8f\x12\xa0\x33\x91\x07\xee\x5c\x01\x99\x42\xd3\x6b\x20\x77\xc8\nendstream\nendobj\n"
          b"5 0 obj\n<< /Filter /Standard /V 1 /R 2 /O " + o32 + b" /U " + o32 + b" /P -4 >>\nendobj\n"
          b"trailer\n<< /Root 1 0 R /Encrypt 5 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] >>\n%%EOF\n")
    d = 20000
    write("paper_nested_arrays.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /X " + b"[" * d + b"]" * d
          + b" >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
    write("paper_deep.html", "<b>" * 50000 + "Pain fell, t(28) = 2.20, p = .036." + "</b>" * 50000)
    write("paper_binary.txt", b"\x00\x01\x02 t(28) = 2.20, p = .036")
    write("paper_latin1.txt", "Pain fell \xb1 1, t(28) = 2.20, p = .036.".encode("latin-1"))
    write("paper_html_names.html", "<p>t(28) = 2.20, p = .06 <script>alert(1)</script>"
          "&lt;img src=x onerror=alert(1)&gt; [x](javascript:alert(1))</p>")

    # --- SPSS, Stata and SAS files (issue 22): cut short, or not what the extension says ---
    # Cut from the committed haven-written trial files (tests/golden/gen/formats.R).
    fmts = os.path.join(HERE, "..", "formats")
    for ext in ("sav", "dta", "xpt"):
        with open(os.path.join(fmts, "trial." + ext), "rb") as f:
            whole = f.read()
        cut = len(whole) // 3
        write("truncated." + ext, whole[: cut - cut % 80 + 37])
        write("header_cut." + ext, whole[:150])
    with open(os.path.join(fmts, "trial.zsav"), "rb") as f:
        whole = f.read()
    write("truncated.zsav", whole[: len(whole) - 30])
    with open(os.path.join(fmts, "trial.sas7bdat"), "rb") as f:
        whole = f.read()
    write("truncated.sas7bdat", whole[: len(whole) // 2])
    # Every 37th byte after the header overwritten (deterministic LCG bytes).
    garbled, x = bytearray(whole), 7
    for i in range(1100, len(garbled), 37):
        x = (x * 1103515245 + 12345) % 2**31
        garbled[i] = x >> 16 & 0xFF
    write("garbled.sas7bdat", bytes(garbled))
    write("csv_named.sav", csv(base))
    write("garbage.dta", bytes(garbage[:1024]))
    write("garbage.xpt", bytes(garbage))
    write("transport_v8.xpt", b"HEADER RECORD*******LIBV8   HEADER RECORD!!!!!!!" + b"0" * 30 + b"  " + b" " * 160)

    # --- mapping mistakes of the ADaM and REDCap layouts (issue 22) ------------------------
    ah = "USUBJID,TRT01P,PARAMCD,PARAM,AVISIT,AVISITN,ABLFL,AVAL\n"
    adam = ""
    for i, arm in enumerate(["Retro walking", "Forward walking"] * 3):
        for v, n in (("Baseline", 0), ("Week 6", 6)):
            flag = "Y" if n == 0 and i != 3 else ""
            adam += f"S-{i + 1},{arm},PAIN,Knee pain,{v},{n},{flag},{5 - n // 3 + i % 2}\n"
    write("adam_no_baseline.csv", ah + adam)
    write("study_adam.toml", '[data]\nlayout = "adam"\n\n[design.arm_labels]\nbackward = ["Retro walking"]\n'
          'forward = ["Forward walking"]\n\n[design.timepoint_labels]\nweek6 = ["Week 6"]\n')
    dh = '"Variable / Field Name","Form Name","Field Type","Field Label","Choices, Calculations, OR Slider Labels","Text Validation Type OR Show Slider Number"\n'
    write("redcap_DataDictionary.csv", dh + 'record_id,enrol,text,Record ID,,\n'
          'group,enrol,radio,Group,"1, Retro walking | 2, Forward walking",\n'
          'pain,visit,text,Pain,,integer\n')
    rh = "record_id,redcap_event_name,group,pain\n"
    body = ""
    for i in range(6):
        code = 4 if i == 4 else 1 + i % 2
        body += f"{i + 1},baseline_arm_1,{code},{5 + i % 3}\n{i + 1},week_6_arm_1,,{4 + i % 2}\n"
    write("redcap_code_without_label.csv", rh + body)
    body = ""
    for i in range(6):
        event = "week_12_arm_1" if i == 5 else "week_6_arm_1"
        body += f"{i + 1},baseline_arm_1,{1 + i % 2},{5 + i % 3}\n{i + 1},{event},,{4 + i % 2}\n"
    write("redcap_unknown_event.csv", rh + body)
    write("study_redcap.toml", '[data]\nlayout = "redcap"\nredcap_dictionary = "redcap_DataDictionary.csv"\n\n'
          '[data.columns]\narm = "group"\n\n[design]\ntimepoints = ["baseline", "week6"]\n\n'
          '[design.arm_labels]\nbackward = ["Retro walking"]\nforward = ["Forward walking"]\n\n'
          '[design.timepoint_labels]\nbaseline = ["baseline_arm_1"]\nweek6 = ["week_6_arm_1"]\n')


if __name__ == "__main__":
    main()
