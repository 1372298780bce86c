//! `ReportView`: every table and sentence of the human reports, built once from a
//! [`ResultSet`] as pre-formatted strings (criterion's `Context`). Markdown (and later HTML)
//! only lay these out, so the formats cannot disagree on a number. No statistics here: the
//! numbers come from records.

use crate::plot::PlotRef;
use crate::report::format::{count, est_ci, num, p_rel, p_value};
use crate::results::{Analysis, Record, ResultSet};

/// A titled table of strings.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Table title.
    pub title: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

/// What the lead table of a report is: typed, so that no renderer matches words in a title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SectionKind {
    /// The participant flow of a trial.
    #[default]
    Flow,
    /// The article's claims judged by `reproduce`.
    Claims,
}

impl SectionKind {
    /// The section heading.
    pub fn heading(self) -> &'static str {
        match self {
            SectionKind::Flow => "Participant flow",
            SectionKind::Claims => "Claims",
        }
    }
}

/// One outcome's section.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeSection {
    /// Heading (label and unit).
    pub heading: String,
    /// Direction sentence.
    pub direction: String,
    /// Tables in reading order, primary contrast first.
    pub tables: Vec<Table>,
    /// This outcome's figures.
    pub figures: Vec<PlotRef>,
}

/// The whole human report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportView {
    /// Document title.
    pub title: String,
    /// Provenance lines.
    pub provenance: Vec<String>,
    /// Plain-words summary of the primary contrast per outcome.
    pub summary: Vec<String>,
    /// The table before the outcome sections: the participant flow of a trial, or the claims
    /// of `reproduce` (which, says `flow_kind`).
    pub flow: Option<Table>,
    /// What `flow` holds, which names its section.
    pub flow_kind: SectionKind,
    /// Sections between the flow and the outcomes (Table 1, issue 19).
    pub baseline: Vec<OutcomeSection>,
    /// Per-outcome sections.
    pub outcomes: Vec<OutcomeSection>,
    /// Sections after the outcomes (harms, subgroups, the CONSORT checklist; issue 19).
    pub closing: Vec<OutcomeSection>,
    /// Validation warnings as lines.
    pub warnings: Vec<String>,
    /// Failed tasks as lines.
    pub failures: Vec<String>,
    /// Whole-trial figures shown with the flow (the flow diagram).
    pub trial_figures: Vec<PlotRef>,
    /// Figures after the outcome sections (the forest plot).
    pub summary_figures: Vec<PlotRef>,
    /// The generated methods paragraph.
    pub methods: String,
    /// Provenance details: config, seed, version.
    pub provenance_detail: Vec<String>,
}

fn find<'a>(recs: &'a [&'a Record], a: Analysis, contrast: &str, stat: &str) -> Option<&'a Record> {
    recs.iter()
        .copied()
        .find(|r| r.analysis == a && r.contrast == contrast && r.statistic_name == stat)
}

/// The resolved configuration as TOML for the provenance lines; a value TOML cannot hold is
/// said in the report (results.json keeps it as JSON), never shown as an empty configuration.
fn config_text(v: &serde_json::Value) -> String {
    toml::to_string(v)
        .unwrap_or_else(|e| format!("(not representable as TOML: {e}; see results.json)"))
}

fn s(v: &str) -> String {
    v.to_string()
}

impl ReportView {
    /// Builds the view from a result set.
    pub fn build(rs: &ResultSet, plots: &[PlotRef]) -> ReportView {
        match rs.command.as_str() {
            "meta" => return build_meta(rs, plots),
            "reproduce" => return build_reproduce(rs, plots),
            _ => {}
        }
        let d = &rs.design;
        let pv = &rs.provenance;
        let title = format!("retrotrial report: {}", pv.input);
        let provenance = vec![
            format!("Input {}, SHA-256 {}", pv.input, pv.input_sha256),
            format!(
                "retrotrial {}, schema {}, resampling seed {}",
                pv.tool_version, rs.schema_version, pv.seed
            ),
            format!(
                "Arms: {}; reference arm (ANCOVA): {}; change = {} − {}; primary contrast: {}",
                d.arms.join(", "),
                d.reference_arm,
                d.primary_timepoint,
                d.timepoints.first().map_or("baseline", String::as_str),
                d.primary_contrast
            ),
        ];
        let mut headers = vec![s("arm"), s("randomised")];
        headers.extend(d.timepoints.iter().cloned());
        let flow = Table {
            title: s("Participant flow (participants with any value at each timepoint)"),
            headers,
            rows: d
                .arms
                .iter()
                .map(|arm| {
                    let cells: Vec<_> = rs.flow.iter().filter(|f| &f.arm == arm).collect();
                    let mut row = vec![
                        arm.clone(),
                        cells.first().map_or(s("0"), |f| f.n_randomised.to_string()),
                    ];
                    row.extend(d.timepoints.iter().map(|tp| {
                        cells
                            .iter()
                            .find(|f| &f.timepoint == tp)
                            .map_or(s("0"), |f| f.n_observed.to_string())
                    }));
                    row
                })
                .collect(),
        };
        let mut summary = Vec::new();
        let mut outcomes = Vec::new();
        for oc in &d.outcomes {
            let recs: Vec<&Record> = rs.records.iter().filter(|r| r.outcome == oc.name).collect();
            // The pre-specified primary analysis (issue 17), else the Welch sentence; the
            // equivalence and non-inferiority reading (issue 20) follows either.
            let w = find(&recs, Analysis::WelchT, &d.primary_contrast, "t");
            let tost = find(&recs, Analysis::Tost, &d.primary_contrast, "t_tost");
            let ni = find(&recs, Analysis::NonInferiority, &d.primary_contrast, "t");
            let margin = w.map_or(String::new(), |w| margin_sentence(w, tost, ni));
            if let Some(line) = crate::report::estimand::primary_sentence(rs, oc, &recs) {
                summary.push(line + &margin);
            } else if let Some(w) = w {
                summary.push(summary_sentence(oc, &d.primary_contrast, w) + &margin);
            }
            summary.extend(crate::report::estimand::survival_sentence(rs, oc, &recs));
            let mut section = outcome_section(rs, oc, &recs);
            section
                .tables
                .extend(crate::report::estimand::missing_tables(rs, &recs));
            section.figures = plots
                .iter()
                .filter(|p| p.outcome == oc.name)
                .cloned()
                .collect();
            outcomes.push(section);
        }
        let config = config_text(&rs.provenance.config);
        let closing = [
            crate::report::consort::harms_section(rs),
            crate::report::consort::subgroup_section(rs, plots),
            Some(crate::report::consort::checklist_section(rs)),
        ]
        .into_iter()
        .flatten()
        .collect();
        ReportView {
            title,
            provenance,
            summary,
            flow: Some(flow),
            flow_kind: SectionKind::Flow,
            baseline: [
                crate::report::consort::flow_section(rs),
                crate::report::consort::table1_section(rs),
            ]
            .into_iter()
            .flatten()
            .collect(),
            outcomes,
            closing,
            trial_figures: plots.iter().filter(|p| p.kind == "flow").cloned().collect(),
            summary_figures: plots
                .iter()
                .filter(|p| p.kind == "forest")
                .cloned()
                .collect(),
            methods: methods(rs),
            provenance_detail: vec![
                format!("retrotrial version {}", pv.tool_version),
                format!("input {} (SHA-256 {})", pv.input, pv.input_sha256),
                format!("resampling seed {}", pv.seed),
                format!("resolved configuration: {}", config.replace('\n', "; ")),
            ],
            warnings: rs.issues.iter().map(ToString::to_string).collect(),
            failures: rs
                .failures
                .iter()
                .map(|f| {
                    format!(
                        "{} / {} / {}: {}",
                        f.outcome, f.analysis, f.contrast, f.reason
                    )
                })
                .collect(),
        }
    }
}

fn summary_sentence(oc: &crate::results::OutcomeSummary, contrast: &str, w: &Record) -> String {
    let (first, second) = contrast.split_once('-').unwrap_or((contrast, ""));
    let est = w.estimate.unwrap_or(f64::NAN);
    let better_first = if oc.lower_is_better {
        est < 0.0
    } else {
        est > 0.0
    };
    let significant = w.p_value.is_some_and(|p| p < 0.05);
    let verdict = match (significant, better_first) {
        (true, true) => format!("favours {first}"),
        (true, false) => format!("favours {second}"),
        (false, _) => "no clear difference at the 5 % level".to_string(),
    };
    // With an MCID: does the difference, and the CI's end nearest to zero, reach it?
    let clinical = match oc.mcid {
        Some(m) if est.abs() >= m => {
            let whole_ci = w
                .ci_low
                .zip(w.ci_high)
                .is_some_and(|(l, h)| l.signum() == h.signum() && l.abs().min(h.abs()) >= m);
            format!(
                " The difference reaches the MCID of {m}{}.",
                if whole_ci {
                    ", and so does the whole CI: clinically meaningful"
                } else {
                    ", but the CI reaches below it"
                }
            )
        }
        Some(m) => format!(" The difference is below the MCID of {m}: not clinically meaningful."),
        None => String::new(),
    };
    format!(
        "{}: difference in mean change {} = {} (95 % CI {}), Welch p {}; {} ({} is better).{clinical}",
        oc.label,
        contrast,
        num(w.estimate),
        crate::report::format::ci(w.ci_low, w.ci_high),
        p_rel(w.p_value),
        verdict,
        if oc.lower_is_better {
            "lower"
        } else {
            "higher"
        }
    )
}

/// What the primary result says once equivalence and non-inferiority are read with it:
/// a non-significant difference whose 90 % CI lies inside ±margin is "no clinically important
/// difference", one whose CI reaches past the margin is "inconclusive".
fn margin_sentence(w: &Record, tost: Option<&Record>, ni: Option<&Record>) -> String {
    let mut out = String::new();
    let significant = w.p_value.is_some_and(|p| p < 0.05);
    if let Some(t) = tost {
        let margin = num(t.extra_f64("margin"));
        let equivalent = t
            .extra
            .get("equivalent")
            .and_then(serde_json::Value::as_bool);
        let ci = crate::report::format::ci(t.ci_low, t.ci_high);
        let tail = match (significant, equivalent) {
            (false, Some(true)) => format!(
                "not significant and the 90 % CI {ci} lies within ±{margin}: no clinically important difference"
            ),
            (false, _) => format!(
                "not significant, but the 90 % CI {ci} reaches beyond ±{margin}: inconclusive (a clinically important difference is not excluded)"
            ),
            (true, Some(true)) => format!(
                "significant, yet the 90 % CI {ci} lies within ±{margin}: a difference too small to matter clinically"
            ),
            (true, _) => format!("the 90 % CI {ci} is not within ±{margin}"),
        };
        out.push_str(&format!(
            " Equivalence (TOST, margin ±{margin}): p {}; {tail}.",
            p_rel(t.p_value)
        ));
    }
    if let Some(n) = ni {
        let ok = n
            .extra
            .get("non_inferior")
            .and_then(serde_json::Value::as_bool)
            == Some(true);
        out.push_str(&format!(
            " Non-inferiority (margin {}): one-sided p {}; {}.",
            num(n.extra_f64("margin")),
            p_rel(n.p_value),
            if ok {
                "non-inferior"
            } else {
                "non-inferiority not shown"
            }
        ));
    }
    out
}

/// The table of `tost` and `non_inferiority` records of one outcome.
fn margin_table(recs: &[&Record]) -> Option<Table> {
    let rows: Vec<Vec<String>> = recs
        .iter()
        .filter(|r| matches!(r.analysis, Analysis::Tost | Analysis::NonInferiority))
        .map(|r| {
            let (test, verdict) = if r.analysis == Analysis::Tost {
                let eq = r
                    .extra
                    .get("equivalent")
                    .and_then(serde_json::Value::as_bool);
                (
                    s("equivalence (TOST), 90 % CI"),
                    if eq == Some(true) {
                        s("equivalent")
                    } else {
                        s("not shown equivalent")
                    },
                )
            } else {
                let ok = r
                    .extra
                    .get("non_inferior")
                    .and_then(serde_json::Value::as_bool);
                (
                    s("non-inferiority, one-sided 95 % bound"),
                    if ok == Some(true) {
                        s("non-inferior")
                    } else {
                        s("not shown non-inferior")
                    },
                )
            };
            let ci = match (r.ci_low, r.ci_high) {
                (Some(l), Some(h)) => crate::report::format::ci(Some(l), Some(h)),
                (None, Some(h)) => format!("(−∞, {}]", num(Some(h))),
                (Some(l), None) => format!("[{}, ∞)", num(Some(l))),
                (None, None) => s("—"),
            };
            vec![
                r.contrast.clone(),
                test,
                format!("{} {ci}", num(r.estimate)),
                num(r.extra_f64("margin")),
                p_value(r.p_value),
                verdict,
            ]
        })
        .collect();
    (!rows.is_empty()).then(|| Table {
        title: s("Equivalence and non-inferiority (Welch, change scores)"),
        headers: vec![
            s("contrast"),
            s("test"),
            s("difference [CI]"),
            s("margin"),
            s("p"),
            s("verdict"),
        ],
        rows,
    })
}

fn outcome_section(
    rs: &ResultSet,
    oc: &crate::results::OutcomeSummary,
    recs: &[&Record],
) -> OutcomeSection {
    let d = &rs.design;
    let tables = [
        descriptives_table(recs),
        within_table(d, recs),
        between_table(d, recs),
        models_table(recs),
        lmm_table(recs),
        mmrm_table(recs),
        responders_table(recs),
        margin_table(recs),
        resampling_table(recs),
    ]
    .into_iter()
    .flatten()
    .collect();
    OutcomeSection {
        heading: if oc.unit.is_empty() {
            oc.label.clone()
        } else {
            format!("{} ({})", oc.label, oc.unit)
        },
        direction: format!(
            "Outcome `{}`; {} values are better.",
            oc.name,
            if oc.lower_is_better {
                "lower"
            } else {
                "higher"
            }
        ),
        tables,
        figures: Vec::new(),
    }
}

/// Descriptives of every arm at every timepoint and of the change.
fn descriptives_table(recs: &[&Record]) -> Option<Table> {
    let desc: Vec<&&Record> = recs
        .iter()
        .filter(|r| r.analysis == Analysis::Descriptives)
        .collect();
    if desc.is_empty() {
        return None;
    }
    Some(Table {
        title: s("Descriptives"),
        headers: vec![
            s("arm@timepoint"),
            s("n"),
            s("mean (SD)"),
            s("95 % CI"),
            s("median [Q1, Q3]"),
            s("min–max"),
            s("empty"),
        ],
        rows: desc
            .iter()
            .map(|r| {
                vec![
                    r.contrast.clone(),
                    count(r.extra_f64("n")),
                    format!("{} ({})", num(r.estimate), num(r.extra_f64("sd"))),
                    crate::report::format::ci(r.ci_low, r.ci_high),
                    format!(
                        "{} [{}, {}]",
                        num(r.extra_f64("median")),
                        num(r.extra_f64("q1")),
                        num(r.extra_f64("q3"))
                    ),
                    format!("{}–{}", num(r.extra_f64("min")), num(r.extra_f64("max"))),
                    r.extra
                        .get("n_empty")
                        .and_then(|v| v.as_u64())
                        .map_or(s("—"), |n| n.to_string()),
                ]
            })
            .collect(),
    })
}

/// Within-arm change: paired t and signed-rank test per arm.
fn within_table(d: &crate::results::DesignSummary, recs: &[&Record]) -> Option<Table> {
    let within: Vec<Vec<String>> = d
        .arms
        .iter()
        .filter_map(|arm| {
            let label = format!("{arm}:{}-{}", d.primary_timepoint, d.timepoints.first()?);
            let t = find(recs, Analysis::PairedT, &label, "t");
            let w = find(recs, Analysis::WilcoxonSignedRank, &label, "V");
            if t.is_none() && w.is_none() {
                return None;
            }
            Some(vec![
                label,
                t.map_or(s("—"), |t| est_ci(t.estimate, t.ci_low, t.ci_high)),
                p_value(t.and_then(|t| t.p_value)),
                w.map_or(s("—"), |w| num(w.estimate)),
                p_value(w.and_then(|w| w.p_value)),
            ])
        })
        .collect();
    if within.is_empty() {
        return None;
    }
    Some(Table {
        title: s("Within-arm change"),
        headers: vec![
            s("arm"),
            s("mean change [95 % CI]"),
            s("paired t p"),
            s("median change"),
            s("Wilcoxon p"),
        ],
        rows: within,
    })
}

/// Between-arm contrasts of change, the primary first.
fn between_table(d: &crate::results::DesignSummary, recs: &[&Record]) -> Option<Table> {
    let mut pairs: Vec<String> = Vec::new();
    for r in recs.iter().filter(|r| {
        matches!(
            r.analysis,
            Analysis::WelchT
                | Analysis::StudentT
                | Analysis::MannWhitney
                | Analysis::HedgesG
                | Analysis::RankBiserial
        )
    }) {
        if !pairs.contains(&r.contrast) {
            pairs.push(r.contrast.clone());
        }
    }
    pairs.sort_by_key(|p| p != &d.primary_contrast);
    if pairs.is_empty() {
        return None;
    }
    let rows = pairs
        .iter()
        .map(|c| {
            let w = find(recs, Analysis::WelchT, c, "t");
            let st = find(recs, Analysis::StudentT, c, "t");
            let mw = find(recs, Analysis::MannWhitney, c, "U");
            let g = find(recs, Analysis::HedgesG, c, "g");
            let rb = find(recs, Analysis::RankBiserial, c, "r");
            vec![
                if c == &d.primary_contrast {
                    format!("**{c}** (primary)")
                } else {
                    c.clone()
                },
                w.map_or(s("—"), |w| est_ci(w.estimate, w.ci_low, w.ci_high)),
                p_value(w.and_then(|w| w.p_value)),
                p_value(st.and_then(|w| w.p_value)),
                p_value(mw.and_then(|w| w.p_value)),
                g.map_or(s("—"), |g| est_ci(g.estimate, g.ci_low, g.ci_high)),
                rb.map_or(s("—"), |r| num(r.estimate)),
            ]
        })
        .collect();
    Some(Table {
        title: s("Between-arm contrasts of change (first minus second)"),
        headers: vec![
            s("contrast"),
            s("difference [95 % CI]"),
            s("Welch p"),
            s("Student p"),
            s("Mann–Whitney p"),
            s("Hedges g [95 % CI]"),
            s("rank-biserial r"),
        ],
        rows,
    })
}

/// The covariates the first record of one of `analyses` was adjusted for (its
/// `extra.covariates`, issue 18), when there are any.
pub fn covariates_of<'a>(
    records: impl IntoIterator<Item = &'a Record>,
    analyses: &[Analysis],
) -> Option<&'a str> {
    records
        .into_iter()
        .find(|r| analyses.contains(&r.analysis))
        .and_then(|r| r.extra.get("covariates"))
        .and_then(|c| c.as_str())
        .filter(|c| !c.is_empty())
}

/// ANCOVA and the ANOVA family.
fn models_table(recs: &[&Record]) -> Option<Table> {
    let model_rows: Vec<Vec<String>> = recs
        .iter()
        .filter(|r| {
            matches!(
                r.analysis,
                Analysis::Ancova
                    | Analysis::AnovaOneway
                    | Analysis::WelchAnova
                    | Analysis::KruskalWallis
            )
        })
        .map(|r| {
            vec![
                r.analysis.id().to_string(),
                r.contrast.clone(),
                r.statistic_name.clone(),
                est_ci(r.estimate.or(r.statistic), r.ci_low, r.ci_high),
                num(r.df),
                p_value(r.p_value),
            ]
        })
        .collect();
    if model_rows.is_empty() {
        return None;
    }
    Some(Table {
        title: match covariates_of(recs.iter().copied(), &[Analysis::Ancova]) {
            Some(c) => format!(
                "ANCOVA (last value adjusted for baseline and {c}) and ANOVA family (change)"
            ),
            None => s("ANCOVA (last value adjusted for baseline) and ANOVA family (change)"),
        },
        headers: vec![
            s("analysis"),
            s("term"),
            s("statistic"),
            s("value [95 % CI]"),
            s("df"),
            s("p"),
        ],
        rows: model_rows,
    })
}

/// The mixed model over all timepoints.
fn lmm_table(recs: &[&Record]) -> Option<Table> {
    let lmm_rows: Vec<Vec<String>> = recs
        .iter()
        .filter(|r| r.analysis == Analysis::Lmm && r.contrast != "model")
        .map(|r| {
            vec![
                r.contrast.clone(),
                r.statistic_name.clone(),
                if r.statistic_name == "t" {
                    est_ci(r.estimate, r.ci_low, r.ci_high)
                } else {
                    num(r.statistic)
                },
                num(r.df),
                p_value(r.p_value),
            ]
        })
        .collect();
    if lmm_rows.is_empty() {
        return None;
    }
    Some(Table {
        title: s(
            "Linear mixed model, all timepoints: value ~ arm × timepoint + (1 | participant), REML",
        ),
        headers: vec![
            s("term"),
            s("statistic"),
            s("value [95 % CI]"),
            s("df"),
            s("p"),
        ],
        rows: lmm_rows,
    })
}

/// MMRM: arm differences at each post-baseline timepoint.
fn mmrm_table(recs: &[&Record]) -> Option<Table> {
    let mmrm_rows: Vec<Vec<String>> = recs
        .iter()
        .filter(|r| r.analysis == Analysis::Mmrm && r.statistic_name == "t")
        .map(|r| {
            vec![
                r.contrast.clone(),
                est_ci(r.estimate, r.ci_low, r.ci_high),
                num(r.df),
                p_value(r.p_value),
            ]
        })
        .collect();
    if mmrm_rows.is_empty() {
        return None;
    }
    Some(Table {
        title: s(
            "MMRM (unstructured covariance, baseline-adjusted): arm difference at each timepoint",
        ),
        headers: vec![
            s("contrast@timepoint"),
            s("difference [95 % CI]"),
            s("Satterthwaite df"),
            s("p"),
        ],
        rows: mmrm_rows,
    })
}

/// Responders: proportions per arm, RD, RR and NNT per pair.
fn responders_table(recs: &[&Record]) -> Option<Table> {
    let resp: Vec<&&Record> = recs
        .iter()
        .filter(|r| r.analysis == Analysis::Responders)
        .collect();
    if resp.is_empty() {
        return None;
    }
    let mcid = resp
        .first()
        .and_then(|r| r.extra_f64("mcid"))
        .unwrap_or(f64::NAN);
    let kind = resp
        .first()
        .and_then(|r| {
            r.extra
                .get("mcid_kind")
                .and_then(|v| v.as_str().map(String::from))
        })
        .unwrap_or_default();
    let rows = resp
        .iter()
        .map(|r| {
            let what = match r.statistic_name.as_str() {
                "proportion" => format!(
                    "{} of {}",
                    count(r.extra_f64("responders")),
                    count(r.extra_f64("n"))
                ),
                "nnt" if r.ci_low.is_none() => format!(
                    "CI crosses 0: NNT benefit ≥ {}, NNT harm ≥ {}",
                    num(r.extra_f64("nnt_benefit_limit")),
                    num(r.extra_f64("nnt_harm_limit"))
                ),
                _ => String::new(),
            };
            vec![
                r.contrast.clone(),
                r.statistic_name.clone(),
                est_ci(r.estimate, r.ci_low, r.ci_high),
                p_value(r.p_value),
                what,
            ]
        })
        .collect();
    Some(Table {
        title: format!("Responders (improvement ≥ MCID {mcid} {kind})"),
        headers: vec![
            s("arm / contrast"),
            s("measure"),
            s("value [95 % CI]"),
            s("Fisher p"),
            s("note"),
        ],
        rows,
    })
}

/// Multiplicity-adjusted and resampling results of the primary contrast.
fn resampling_table(recs: &[&Record]) -> Option<Table> {
    let other: Vec<Vec<String>> = recs
        .iter()
        .filter(|r| {
            matches!(
                r.analysis,
                Analysis::Multiplicity | Analysis::Permutation | Analysis::Bootstrap
            )
        })
        .map(|r| {
            vec![
                r.analysis.id().to_string(),
                r.contrast.clone(),
                r.statistic_name.clone(),
                est_ci(r.estimate, r.ci_low, r.ci_high),
                p_value(r.p_value),
            ]
        })
        .collect();
    if other.is_empty() {
        return None;
    }
    Some(Table {
        title: s("Multiplicity-adjusted and resampling results (primary contrast)"),
        headers: vec![
            s("analysis"),
            s("contrast"),
            s("statistic"),
            s("estimate [95 % CI]"),
            s("p"),
        ],
        rows: other,
    })
}

/// The methods paragraph, naming each test that produced records and the R function it matches.
fn methods(rs: &ResultSet) -> String {
    let d = &rs.design;
    let has = |a: Analysis| rs.records.iter().any(|r| r.analysis == a);
    let base = d.timepoints.first().map_or("baseline", String::as_str);
    let mut s = format!(
        "Change scores were computed as {} minus {} for participants with both values (complete cases per outcome) and rounded to 9 decimals. ",
        d.primary_timepoint, base
    );
    if has(Analysis::Descriptives) {
        s.push_str("Arms were summarised by mean, SD (n − 1), median and type-7 quartiles (R mean, sd, quantile). ");
    }
    if has(Analysis::PairedT) || has(Analysis::WilcoxonSignedRank) {
        s.push_str("Within-arm change was tested with the paired t test (R t.test) and the Wilcoxon signed-rank test (R wilcox.test: exact below 50 non-zero differences without ties, otherwise normal with tie and continuity correction; Hodges–Lehmann pseudo-median and CI). ");
    }
    if has(Analysis::WelchT) || has(Analysis::StudentT) {
        s.push_str("Arms were compared pairwise on change with Welch's t test (R t.test) and Student's pooled t test (var.equal = TRUE); differences are first arm minus second with t-based 95 % CIs. ");
    }
    if has(Analysis::MannWhitney) {
        s.push_str("The Mann–Whitney test (R wilcox.test, same exact/normal rule) gave U, the Hodges–Lehmann shift and the rank-biserial correlation. ");
    }
    if has(Analysis::HedgesG) {
        s.push_str("Standardised differences are Hedges' g with the exact small-sample correction and metafor's large-sample variance (escalc, measure SMD), with normal and noncentral-t 95 % CIs. ");
    }
    if has(Analysis::Ancova) {
        match covariates_of(&rs.records, &[Analysis::Ancova]) {
            Some(c) => s.push_str(&format!(
                "An ANCOVA of the {} value on arm, baseline and the covariates {c} (R lm, reference arm {}) gave adjusted differences and adjusted means, the covariates at their means and factor levels weighted equally (R emmeans). ",
                d.primary_timepoint, d.reference_arm
            )),
            None => s.push_str(&format!(
                "An ANCOVA of the {} value on arm and baseline (R lm, reference arm {}) gave baseline-adjusted differences and adjusted means. ",
                d.primary_timepoint, d.reference_arm
            )),
        }
    }
    if has(Analysis::AnovaOneway) || has(Analysis::WelchAnova) || has(Analysis::KruskalWallis) {
        s.push_str("All arms were compared with one-way and Welch ANOVA (R oneway.test) and the Kruskal–Wallis test (R kruskal.test). ");
    }
    if has(Analysis::Lmm) {
        s.push_str("A random-intercept linear mixed model of every observed value on arm, timepoint and their interaction (REML, reference arm and baseline) tested the arm × timepoint interaction with Satterthwaite and Kenward–Roger denominator df (R lmerTest, pbkrtest) and nlme's df; fixed effects have Satterthwaite t tests. ");
    }
    if has(Analysis::Multiplicity) {
        s.push_str(&format!(
            "Welch p-values of the primary contrast ({}) were adjusted across outcomes by Holm and Benjamini–Hochberg (R p.adjust). ",
            d.primary_contrast
        ));
    }
    if has(Analysis::Permutation) {
        s.push_str("A permutation test of the mean difference used random relabellings, p = (1 + count)/(B + 1). ");
    }
    if has(Analysis::Bootstrap) {
        s.push_str("Stratified bootstrap replicates gave percentile and BCa 95 % CIs. ");
    }
    if has(Analysis::Mmrm) {
        s.push_str("A mixed model for repeated measures (post-baseline values on baseline × timepoint and arm × timepoint, unstructured covariance, REML; R nlme::gls with corSymm and varIdent) gave arm differences at each timepoint with Satterthwaite df. ");
    }
    if has(Analysis::Responders) {
        s.push_str("Responders improved by at least the MCID; proportions have Wilson CIs (R prop.test), differences Newcombe hybrid-score CIs with Fisher's exact test (R fisher.test), risk ratios log CIs and NNTs Altman's limits. ");
    }
    if has(Analysis::Tost) || has(Analysis::NonInferiority) {
        s.push_str("Equivalence was tested by two one-sided Welch t tests against ±margin (TOST; the margin is the outcome's equivalence_margin, else its MCID), reported with the 90 % Welch CI; non-inferiority by a one-sided Welch t test against the non_inferiority_margin (R t.test with mu = ±margin). ");
    }
    s.push_str(&crate::report::estimand::methods_text(rs));
    s.push_str(&crate::report::consort::methods_text(rs));
    s.push_str("Missing data: descriptives use every observed value; the change analyses (t, rank and effect-size tests, ANCOVA, ANOVA family, responders, permutation, bootstrap) use complete cases, valid if data are missing completely at random; the LMM uses every observed row, the MMRM every post-baseline row of participants with a baseline, both valid under missing at random; differential dropout is tested by arm (flow). ");
    s.push_str(&format!(
        "Resampling used ChaCha8 streams derived from seed {}; all p-values are two-sided. Computations: retrotrial {}, checked against R 4.2.",
        rs.provenance.seed, rs.provenance.tool_version
    ));
    s
}

/// The meta-analysis report: studies, the six models (lead model first), leave-one-out, Egger.
pub fn build_meta(rs: &ResultSet, plots: &[PlotRef]) -> ReportView {
    let d = &rs.design;
    let pv = &rs.provenance;
    let lead = d.primary_contrast.as_str();
    let oc = d.outcomes.first().cloned().unwrap_or_default();
    let summary = meta_summary(rs, lead, &oc);
    let mut tables = vec![
        meta_studies_table(rs),
        meta_models_table(rs, lead),
        meta_l1o_table(rs),
    ];
    tables.extend(meta_egger_table(rs));
    let section = OutcomeSection {
        heading: format!("Meta-analysis of {}", oc.label),
        direction: format!(
            "{} values of the outcome are better; effects are backward minus comparator.",
            if oc.lower_is_better {
                "Lower"
            } else {
                "Higher"
            }
        ),
        tables,
        figures: plots.to_vec(),
    };
    let config = config_text(&pv.config);
    ReportView {
        title: format!("retrotrial meta-analysis: {}", pv.input),
        provenance: vec![
            format!("Input {}, SHA-256 {}", pv.input, pv.input_sha256),
            format!(
                "retrotrial {}, schema {}",
                pv.tool_version, rs.schema_version
            ),
        ],
        summary,
        flow: None,
        flow_kind: SectionKind::Flow,
        baseline: Vec::new(),
        outcomes: vec![section],
        closing: Vec::new(),
        warnings: rs.issues.iter().map(ToString::to_string).collect(),
        failures: rs
            .failures
            .iter()
            .map(|f| format!("{} / {}: {}", f.analysis, f.contrast, f.reason))
            .collect(),
        trial_figures: Vec::new(),
        summary_figures: Vec::new(),
        methods: META_METHODS.to_string(),
        provenance_detail: vec![
            format!("retrotrial version {}", pv.tool_version),
            format!("input {} (SHA-256 {})", pv.input, pv.input_sha256),
            format!("resolved configuration: {}", config.replace('\n', "; ")),
        ],
    }
}

/// The meta report's summary line: the lead model's pooled effect and which side it favours.
fn meta_summary(rs: &ResultSet, lead: &str, oc: &crate::results::OutcomeSummary) -> Vec<String> {
    let of = |a: Analysis| rs.records.iter().filter(move |r| r.analysis == a);
    let mut summary = Vec::new();
    if let Some(m) = of(Analysis::Meta).find(|r| r.contrast == lead) {
        let est = m.estimate.unwrap_or(f64::NAN);
        let favours_backward = if oc.lower_is_better {
            est < 0.0
        } else {
            est > 0.0
        };
        let ci_excludes_zero = m
            .ci_low
            .zip(m.ci_high)
            .is_some_and(|(l, h)| l > 0.0 || h < 0.0);
        summary.push(format!(
            "{} model, k = {}: pooled {} = {} (95 % CI {}), p {}; τ² = {}, I² = {} %, prediction interval {}. {}",
            lead,
            count(m.extra_f64("k")),
            oc.name,
            num(m.estimate),
            crate::report::format::ci(m.ci_low, m.ci_high),
            p_rel(m.p_value),
            num(m.extra_f64("tau2")),
            num(m.extra_f64("I2")),
            crate::report::format::ci(m.extra_f64("pi_low"), m.extra_f64("pi_high")),
            match (ci_excludes_zero, favours_backward) {
                (true, true) => "The pooled effect favours backward walking.",
                (true, false) => "The pooled effect favours the comparator.",
                (false, _) => "The CI includes no effect.",
            }
        ));
    }
    summary
}

/// One row per study: effect, CI, variance and how its SDs were obtained.
fn meta_studies_table(rs: &ResultSet) -> Table {
    let of = |a: Analysis| rs.records.iter().filter(move |r| r.analysis == a);
    Table {
        title: s("Studies (effect = backward − comparator)"),
        headers: vec![
            s("study"),
            s("comparator"),
            s("n1"),
            s("n2"),
            s("effect [95 % CI]"),
            s("vi"),
            s("conversion"),
        ],
        rows: of(Analysis::MetaStudy)
            .map(|r| {
                vec![
                    r.contrast.clone(),
                    r.extra
                        .get("comparator")
                        .and_then(|v| v.as_str())
                        .unwrap_or("")
                        .to_string(),
                    count(r.extra_f64("n1")),
                    count(r.extra_f64("n2")),
                    est_ci(r.estimate, r.ci_low, r.ci_high),
                    num(r.extra_f64("vi")),
                    r.extra
                        .get("conversion")
                        .and_then(|v| v.as_str())
                        .unwrap_or("")
                        .to_string(),
                ]
            })
            .collect(),
    }
}

/// The pooled models, the lead model first.
fn meta_models_table(rs: &ResultSet, lead: &str) -> Table {
    let of = |a: Analysis| rs.records.iter().filter(move |r| r.analysis == a);
    let mut models: Vec<&Record> = of(Analysis::Meta).collect();
    models.sort_by_key(|r| r.contrast != lead);
    Table {
        title: s("Pooled models (lead model first)"),
        headers: vec![
            s("model"),
            s("estimate [95 % CI]"),
            s("test"),
            s("p"),
            s("τ²"),
            s("I² %"),
            s("Q (p)"),
            s("prediction interval"),
        ],
        rows: models
            .iter()
            .map(|r| {
                vec![
                    if r.contrast == lead {
                        format!("**{}** (lead)", r.contrast)
                    } else {
                        r.contrast.clone()
                    },
                    est_ci(r.estimate, r.ci_low, r.ci_high),
                    match r.df {
                        Some(df) => format!("t = {} (df {})", num(r.statistic), num(Some(df))),
                        None => format!("z = {}", num(r.statistic)),
                    },
                    p_value(r.p_value),
                    num(r.extra_f64("tau2")),
                    num(r.extra_f64("I2")),
                    format!(
                        "{} ({})",
                        num(r.extra_f64("Q")),
                        p_value(r.extra_f64("Q_p"))
                    ),
                    crate::report::format::ci(r.extra_f64("pi_low"), r.extra_f64("pi_high")),
                ]
            })
            .collect(),
    }
}

/// Leave-one-out REML fits.
fn meta_l1o_table(rs: &ResultSet) -> Table {
    let of = |a: Analysis| rs.records.iter().filter(move |r| r.analysis == a);
    Table {
        title: s("Leave-one-out (REML, z)"),
        headers: vec![
            s("omitted study"),
            s("estimate [95 % CI]"),
            s("p"),
            s("τ²"),
            s("I² %"),
        ],
        rows: of(Analysis::MetaLeave1out)
            .map(|r| {
                vec![
                    r.contrast.clone(),
                    est_ci(r.estimate, r.ci_low, r.ci_high),
                    p_value(r.p_value),
                    num(r.extra_f64("tau2")),
                    num(r.extra_f64("I2")),
                ]
            })
            .collect(),
    }
}

/// Egger's regression test, when it ran.
fn meta_egger_table(rs: &ResultSet) -> Option<Table> {
    let of = |a: Analysis| rs.records.iter().filter(move |r| r.analysis == a);
    let e = of(Analysis::MetaEgger).next()?;
    Some(Table {
        title: s("Egger's regression test for funnel asymmetry"),
        headers: vec![s("z"), s("p"), s("limit estimate")],
        rows: vec![vec![
            num(e.statistic),
            p_value(e.p_value),
            num(e.extra_f64("limit_estimate")),
        ]],
    })
}

/// The methods paragraph of the meta report.
const META_METHODS: &str = "Per-study effects are Hedges' g with the exact small-sample correction and metafor's large-sample variance (escalc, measure SMD), or raw mean differences (measure MD); SDs missing from a study were derived from its SE, its 95 % CI of the mean (t quantile), or its median with IQR or range (Wan et al. 2014, Luo et al. 2018), as each study row records. Effects were pooled with fixed-effect, DerSimonian–Laird, REML and Paule–Mandel models (R metafor rma, τ² solved to 1e-13), with z tests and, for DL and REML, the Hartung–Knapp t test without truncation; heterogeneity is reported as Q, I² and H², and 95 % prediction intervals as metafor predict gives them. Leave-one-out REML fits and Egger's regression test (regtest) assess the influence of single studies and funnel asymmetry.";

/// The `reproduce` report: claim cards first (verdict, certainty, the sentence, the evidence
/// used and excluded, the downgrades), then every printed number with its check kind, then the
/// recomputed tests.
pub fn build_reproduce(rs: &ResultSet, plots: &[PlotRef]) -> ReportView {
    let pv = &rs.provenance;
    let empty = crate::results::ReproductionSet::default();
    let rep = rs.reproduction.as_ref().unwrap_or(&empty);
    let summary = vec![crate::results::reproduction::headline(&rep.counts)];
    let claims = Table {
        title: s("The article's claims"),
        headers: vec![s("claim"), s("verdict"), s("certainty")],
        rows: rep
            .claims
            .iter()
            .map(|k| {
                vec![
                    format!("{}: {}", k.claim_id, k.claim),
                    k.verdict.id().to_string(),
                    k.certainty.map_or(s("—"), |c| c.id().to_string()),
                ]
            })
            .collect(),
    };
    let mut outcomes: Vec<OutcomeSection> = rep.claims.iter().map(claim_card).collect();
    outcomes.push(OutcomeSection {
        heading: s("Published numbers"),
        direction: s(
            "Each printed number stands for the interval of values that round to it at its own printed decimals. Only a number recomputed from other printed numbers can be reproduced; a check against numbers printed beside it shows consistency, and an integrity check shows whether the number can exist at all.",
        ),
        tables: vec![checks_table(rep), power_table(rep), recomputed_tests(rs)],
        figures: plots.to_vec(),
    });
    ReportView {
        title: s("retrotrial: do the published backward-walking numbers hold up?"),
        provenance: vec![format!("Literature pack {}", pv.input), format!("retrotrial {}, schema {}", pv.tool_version, rs.schema_version)],
        summary,
        flow: Some(claims),
        flow_kind: SectionKind::Claims,
        baseline: Vec::new(),
        outcomes,
        closing: Vec::new(),
        warnings: Vec::new(),
        failures: Vec::new(),
        trial_figures: Vec::new(),
        summary_figures: Vec::new(),
        methods: "Claims: each claim of the article is split into parts, one per outcome domain; every row of the candidate studies is matched to a part by its coded domain, comparator, test kind and intervention length, or excluded with a reason; the part's verdict follows fixed rules (README, How verdicts are reached), and certainty is rated GRADE-style, starting high for randomised evidence and low otherwise, with one level off per domain of concern (risk of bias, inconsistency, indirectness, imprecision, publication bias). Comparable effects are pooled by random-effects REML. Published numbers: two-sample t tests (Welch and Student) were recomputed from the printed n, mean and ± value, reading an unlabelled ± both as an SD and as an SE; the range of p over every combination of inputs that round to the printed ones (each at its own decimals) was compared with the printed p at its printed precision (statcheck's rule extended to the inputs' rounding). p-values of pooled effects were recomputed from the estimate and its 95 % CI by the normal approximation, and printed effects were checked to lie at the centre of their CI. Means of integer scales were checked with GRIM (Brown & Heathers 2017) and their SDs with GRIMMER (Anaya 2016); completion percentages were solved for integer arm sizes and counts. Hedges' g uses the exact small-sample correction with normal and noncentral-t CIs. Energy cost: kcal/min = MET × 3.5 × body mass / 200 from the 2011 Compendium of Physical Activities.".into(),
        provenance_detail: vec![format!("retrotrial version {}", pv.tool_version), format!("inputs: {}", pv.input_sha256)],
    }
}

fn opt_num(v: Option<f64>) -> String {
    v.map_or(s("—"), crate::summary::evidence::verdict::fmt)
}

/// One claim as a card: the verdict line, the sentence, and the tables behind it.
fn claim_card(k: &crate::results::evidence::ClaimResult) -> OutcomeSection {
    let mut direction = k.summary.clone();
    for a in &k.attribution {
        direction.push_str(&format!(" Attribution: {a}."));
    }
    let parts = Table {
        title: s("Parts"),
        headers: vec![s("part"), s("verdict"), s("certainty"), s("rule")],
        rows: k
            .parts
            .iter()
            .map(|p| {
                vec![
                    p.part.clone(),
                    p.verdict.id().to_string(),
                    p.certainty.map_or(s("—"), |c| c.id().to_string()),
                    p.rule.clone(),
                ]
            })
            .collect(),
    };
    let used = Table {
        title: s("Evidence used"),
        headers: vec![
            s("study"),
            s("outcome"),
            s("part"),
            s("comparator"),
            s("test"),
            s("direction"),
            s("estimate [95 % CI]"),
            s("p"),
            s("MCID"),
        ],
        rows: k
            .evidence_used
            .iter()
            .map(|e| {
                let est = match (e.estimate, e.ci_low, e.ci_high) {
                    (Some(v), Some(l), Some(h)) => format!(
                        "{} [{}, {}]",
                        opt_num(Some(v)),
                        opt_num(Some(l)),
                        opt_num(Some(h))
                    ),
                    (v, _, _) => opt_num(v),
                };
                let unit = e
                    .metric
                    .iter()
                    .chain(e.unit.iter())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ");
                vec![
                    e.study_id.clone(),
                    e.outcome.clone(),
                    e.part.clone(),
                    e.comparator.id().to_string(),
                    e.test_kind.id().to_string(),
                    e.direction.id().to_string(),
                    if unit.is_empty() {
                        est
                    } else {
                        format!("{est} ({unit})")
                    },
                    opt_num(e.p),
                    match (e.mcid, e.reaches_mcid) {
                        (Some(m), Some(true)) => format!("{} (reached)", opt_num(Some(m))),
                        (Some(m), _) => format!("{} (not reached)", opt_num(Some(m))),
                        _ => s("—"),
                    },
                ]
            })
            .collect(),
    };
    let excluded = Table {
        title: s("Evidence excluded"),
        headers: vec![s("row"), s("reason"), s("why")],
        rows: k
            .evidence_excluded
            .iter()
            .map(|e| {
                vec![
                    e.check_id.clone(),
                    e.reason.id().to_string(),
                    e.detail.clone(),
                ]
            })
            .collect(),
    };
    let downgrades = Table {
        title: s("Certainty: downgrades"),
        headers: vec![s("part"), s("domain"), s("reason")],
        rows: if k.downgrades.is_empty() {
            vec![vec![
                s("—"),
                s("none"),
                s("no GRADE domain lowers the certainty"),
            ]]
        } else {
            k.downgrades
                .iter()
                .map(|d| vec![d.part.clone(), d.domain.id().to_string(), d.reason.clone()])
                .collect()
        },
    };
    let mut tables = vec![parts, used, excluded, downgrades];
    if !k.pooled.is_empty() {
        tables.push(Table {
            title: s("Comparable effects pooled"),
            headers: vec![
                s("part"),
                s("metric"),
                s("inputs"),
                s("estimate [95 % CI]"),
                s("I²"),
                s("note"),
            ],
            rows: k
                .pooled
                .iter()
                .map(|p| {
                    vec![
                        p.part.clone(),
                        p.metric.clone(),
                        p.inputs.join(", "),
                        format!(
                            "{} [{}, {}]",
                            opt_num(Some(p.estimate)),
                            opt_num(Some(p.ci_low)),
                            opt_num(Some(p.ci_high))
                        ),
                        format!("{:.0} %", p.i2),
                        p.note.clone(),
                    ]
                })
                .collect(),
        });
    }
    OutcomeSection {
        heading: format!("{}: {}", k.claim_id, k.claim),
        direction,
        tables,
        figures: Vec::new(),
    }
}

fn checks_table(rep: &crate::results::ReproductionSet) -> Table {
    Table {
        title: s("Every printed number"),
        headers: vec![
            s("study"),
            s("outcome"),
            s("quantity"),
            s("printed"),
            s("check kind"),
            s("recomputed [range]"),
            s("verdict"),
            s("assumption / note"),
        ],
        rows: rep
            .checks
            .iter()
            .map(|k| {
                vec![
                    k.study_id.clone(),
                    k.outcome.clone(),
                    k.quantity.clone(),
                    k.reported.clone(),
                    k.check_kind.id().to_string(),
                    match (k.recomputed, k.interval) {
                        (Some(v), Some([lo, hi])) => format!(
                            "{} [{}, {}]",
                            crate::report::format::num4(v),
                            crate::report::format::num4(lo),
                            crate::report::format::num4(hi)
                        ),
                        (Some(v), None) => crate::report::format::num4(v),
                        _ => s("—"),
                    },
                    k.verdict.id().to_string(),
                    match &k.assumption {
                        Some(a) => format!("assumes {a}. {}", k.note),
                        None => k.note.clone(),
                    },
                ]
            })
            .collect(),
    }
}

fn power_table(rep: &crate::results::ReproductionSet) -> Table {
    Table {
        title: s(
            "Power each study had to detect a minimal important difference (two-sided t test, α = 0.05)",
        ),
        headers: vec![
            s("study"),
            s("arms"),
            s("n"),
            s("difference / SD"),
            s("power"),
            s("note and assumptions"),
        ],
        rows: rep
            .study_power
            .iter()
            .map(|p| {
                vec![
                    p.study_id.clone(),
                    p.arms.replace('|', " vs "),
                    format!("{} / {}", opt_num(Some(p.n1)), opt_num(Some(p.n2))),
                    format!(
                        "{} / {}{}",
                        opt_num(Some(p.delta)),
                        opt_num(Some(p.sd)),
                        p.outcome
                            .as_ref()
                            .map_or(String::new(), |o| format!(" ({o})"))
                    ),
                    format!("{:.0} %", 100.0 * p.power),
                    std::iter::once(p.note.clone())
                        .chain(p.assumptions.iter().cloned())
                        .collect::<Vec<_>>()
                        .join("; "),
                ]
            })
            .collect(),
    }
}

fn recomputed_tests(rs: &ResultSet) -> Table {
    Table {
        title: s("Tests recomputed from printed summaries"),
        headers: vec![
            s("study/outcome"),
            s("analysis"),
            s("contrast"),
            s("statistic"),
            s("estimate [95 % CI]"),
            s("df"),
            s("p"),
        ],
        rows: rs
            .records
            .iter()
            .map(|r| {
                vec![
                    r.outcome.clone(),
                    r.analysis.id().to_string(),
                    r.contrast.clone(),
                    format!("{} = {}", r.statistic_name, num(r.statistic)),
                    est_ci(r.estimate, r.ci_low, r.ci_high),
                    num(r.df),
                    p_value(r.p_value),
                ]
            })
            .collect(),
    }
}
