//! The CONSORT sections of the trial report (issue 19): Table 1 (baseline characteristics by
//! arm, with standardised differences and no baseline p-values), harms, subgroups (marked
//! exploratory) and the CONSORT 2025 checklist. Builders read records only; numbers are
//! formatted by `report::format`.

use crate::plot::PlotRef;
use crate::report::format::{count, est_ci, num, p_value};
use crate::report::view::{OutcomeSection, Table};
use crate::results::{Analysis, Record, ResultSet};

fn s(v: &str) -> String {
    v.to_string()
}

fn of(rs: &ResultSet, a: Analysis) -> Vec<&Record> {
    rs.records.iter().filter(|r| r.analysis == a).collect()
}

/// Variables of the table1 records in record order.
fn variables(recs: &[&Record]) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for r in recs {
        if !v.contains(&r.outcome) {
            v.push(r.outcome.clone());
        }
    }
    v
}

fn pct_cell(r: Option<&&Record>) -> String {
    match r {
        Some(r) if r.estimate.is_some() => format!(
            "{} ({:.1} %)",
            count(r.extra_f64("count")),
            r.estimate.unwrap_or(f64::NAN)
        ),
        _ => s("—"),
    }
}

/// The SMD of each arm pair for one variable of Table 1.
fn smds(recs: &[&Record], var: &str, pairs: &[String]) -> Vec<String> {
    pairs
        .iter()
        .map(|p| {
            let smd = recs
                .iter()
                .find(|r| r.outcome == var && r.contrast == *p && r.statistic_name == "smd");
            num(smd.and_then(|r| r.estimate))
        })
        .collect()
}

/// The rows of one variable of Table 1: a numeric one as mean (SD) and median [Q1, Q3], a
/// categorical one as one row per level with n (%); missing counts when any; SMDs.
fn table1_rows(recs: &[&Record], var: &str, cols: &[String], pairs: &[String]) -> Vec<Vec<String>> {
    let mine: Vec<&&Record> = recs.iter().filter(|r| r.outcome == var).collect();
    let cell = |contrast: &str, name: &str| {
        mine.iter()
            .find(|r| r.contrast == contrast && r.statistic_name == name)
    };
    let smds = smds(recs, var, pairs);
    let mut rows = Vec::new();
    let numeric = mine.iter().any(|r| r.statistic_name == "mean");
    if numeric {
        let mut mean_row = vec![format!("{var}, mean (SD)")];
        let mut median_row = vec![s("  median [Q1, Q3]")];
        let mut missing_row = vec![s("  missing")];
        for c in cols {
            let r = cell(c, "mean");
            mean_row.push(r.map_or(s("—"), |r| {
                format!("{} ({})", num(r.estimate), num(r.extra_f64("sd")))
            }));
            median_row.push(r.map_or(s("—"), |r| {
                format!(
                    "{} [{}, {}]",
                    num(r.extra_f64("median")),
                    num(r.extra_f64("q1")),
                    num(r.extra_f64("q3"))
                )
            }));
            missing_row.push(count(r.and_then(|r| r.extra_f64("n_missing"))));
        }
        mean_row.extend(smds);
        median_row.extend(pairs.iter().map(|_| String::new()));
        missing_row.extend(pairs.iter().map(|_| String::new()));
        rows.push(mean_row);
        rows.push(median_row);
        if missing_row[1..=cols.len()].iter().any(|m| m != "0") {
            rows.push(missing_row);
        }
        return rows;
    }
    let mut head = vec![format!("{var}, n (%)")];
    head.extend(cols.iter().map(|_| String::new()));
    head.extend(smds);
    rows.push(head);
    let levels: Vec<String> = mine
        .iter()
        .filter(|r| r.statistic_name == "pct")
        .filter_map(|r| r.contrast.strip_prefix(&format!("{}:", cols[0])))
        .map(String::from)
        .collect();
    for level in &levels {
        let mut row = vec![format!("  {level}")];
        row.extend(
            cols.iter()
                .map(|c| pct_cell(cell(&format!("{c}:{level}"), "pct").copied())),
        );
        row.extend(pairs.iter().map(|_| String::new()));
        rows.push(row);
    }
    rows
}

/// Table 1: baseline characteristics by arm and overall, with the SMD of every arm pair.
pub fn table1_section(rs: &ResultSet) -> Option<OutcomeSection> {
    let recs = of(rs, Analysis::Table1);
    if recs.is_empty() {
        return None;
    }
    let arms = &rs.design.arms;
    let mut cols: Vec<String> = arms.clone();
    cols.push(s("overall"));
    let pairs: Vec<String> = (0..arms.len())
        .flat_map(|i| (i + 1..arms.len()).map(move |j| format!("{}-{}", arms[i], arms[j])))
        .collect();
    let vars = variables(&recs);
    // With three arms or more the SMDs of every pair get a table of their own: beside the
    // arms and the overall column they made Table 1 wider than a printed page (seven columns
    // of numbers for three arms), and the PDF or Word page cut them off.
    let apart = pairs.len() > 1;
    let in_table: &[String] = if apart { &[] } else { &pairs };
    let rows = vars
        .iter()
        .flat_map(|v| table1_rows(&recs, v, &cols, in_table))
        .collect();
    let mut headers = vec![s("characteristic")];
    headers.extend(cols.iter().cloned());
    headers.extend(in_table.iter().map(|p| format!("SMD {p}")));
    let mut tables = vec![Table {
        title: s("Baseline characteristics by arm"),
        headers,
        rows,
    }];
    if apart {
        let mut headers = vec![s("characteristic")];
        headers.extend(pairs.iter().cloned());
        tables.push(Table {
            title: s("Standardised mean differences (SMD) between arms"),
            headers,
            rows: vars
                .iter()
                .map(|v| {
                    let mut row = vec![v.clone()];
                    row.extend(smds(&recs, v, &pairs));
                    row
                })
                .collect(),
        });
    }
    Some(OutcomeSection {
        heading: s("Baseline characteristics (Table 1)"),
        direction: s(
            "Standardised mean differences (SMD) instead of baseline p-values (CONSORT 2025 item 22): with randomisation any baseline difference is due to chance. |SMD| > 0.1 is a common flag for imbalance. OUTCOME@baseline rows are the outcomes at baseline.",
        ),
        tables,
        figures: Vec::new(),
    })
}

/// Harms: participants with at least one event per category and arm, events, and the risk
/// differences.
pub fn harms_section(rs: &ResultSet) -> Option<OutcomeSection> {
    let recs = of(rs, Analysis::Harms);
    if recs.is_empty() {
        return None;
    }
    let find = |c: &str, n: &str| {
        recs.iter()
            .find(|r| r.contrast == c && r.statistic_name == n)
    };
    let people = |r: Option<&&Record>| {
        r.map_or(s("—"), |r| {
            format!(
                "{} ({:.1} %)",
                count(r.extra_f64("participants")),
                100.0 * r.estimate.unwrap_or(f64::NAN)
            )
        })
    };
    let events = |r: Option<&&Record>| count(r.and_then(|r| r.extra_f64("events")));
    let arm_rows = rs
        .design
        .arms
        .iter()
        .map(|arm| {
            let any = find(arm, "any_event");
            vec![
                arm.clone(),
                count(any.and_then(|r| r.extra_f64("n"))),
                people(any),
                events(any),
                people(find(arm, "serious_event")),
                events(find(arm, "serious_event")),
                people(find(arm, "fall")),
                events(find(arm, "fall")),
                count(any.and_then(|r| r.extra_f64("events_related"))),
            ]
        })
        .collect();
    let rd_rows = recs
        .iter()
        .filter_map(|r| {
            let what = r.statistic_name.strip_prefix("risk_difference_")?;
            Some(vec![
                r.contrast.clone(),
                what.replace('_', " "),
                format!(
                    "{} of {} vs {} of {}",
                    count(r.extra_f64("participants1")),
                    count(r.extra_f64("n1")),
                    count(r.extra_f64("participants2")),
                    count(r.extra_f64("n2"))
                ),
                est_ci(
                    r.estimate.map(|v| 100.0 * v),
                    r.ci_low.map(|v| 100.0 * v),
                    r.ci_high.map(|v| 100.0 * v),
                ),
                p_value(r.p_value),
            ])
        })
        .collect();
    Some(OutcomeSection {
        heading: s("Harms"),
        direction: s(
            "Participants with at least one adverse event among everyone randomised (CONSORT 2025 item 26). Risk differences in percentage points with Newcombe's hybrid-score 95 % CI; p from Fisher's exact test.",
        ),
        tables: vec![
            Table {
                title: s("Adverse events by arm"),
                headers: vec![
                    s("arm"),
                    s("n"),
                    s("any event, n (%)"),
                    s("events"),
                    s("serious, n (%)"),
                    s("serious events"),
                    s("falls, n (%)"),
                    s("fall events"),
                    s("related events"),
                ],
                rows: arm_rows,
            },
            Table {
                title: s("Risk differences (percentage points)"),
                headers: vec![
                    s("contrast"),
                    s("participants with"),
                    s("counts"),
                    s("difference [95 % CI]"),
                    s("Fisher p"),
                ],
                rows: rd_rows,
            },
        ],
        figures: Vec::new(),
    })
}

/// Subgroups: the primary contrast within each level and the interaction test, with the
/// warning that they are exploratory.
pub fn subgroup_section(rs: &ResultSet, plots: &[PlotRef]) -> Option<OutcomeSection> {
    let recs: Vec<&Record> = rs
        .records
        .iter()
        .filter(|r| {
            matches!(
                r.analysis,
                Analysis::Subgroup | Analysis::SubgroupInteraction
            )
        })
        .collect();
    if recs.is_empty() {
        return None;
    }
    let text = |r: &Record, k: &str| {
        r.extra
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let mut rows = Vec::new();
    for r in &recs {
        if r.analysis == Analysis::Subgroup {
            rows.push(vec![
                r.outcome.clone(),
                text(r, "variable"),
                text(r, "level"),
                count(r.extra_f64("n")),
                est_ci(r.estimate, r.ci_low, r.ci_high),
                p_value(r.p_value),
                String::new(),
            ]);
        } else {
            rows.push(vec![
                r.outcome.clone(),
                r.contrast.clone(),
                s("interaction"),
                count(r.extra_f64("n")),
                format!(
                    "F({}, {}) = {}",
                    count(r.extra_f64("df1")),
                    count(r.df),
                    num(r.statistic)
                ),
                String::new(),
                p_value(r.p_value),
            ]);
        }
    }
    let mut direction = s(
        "Exploratory: subgroup results are not confirmatory. A difference between subgroups is evidence only through the interaction test, and many subgroups give some small p-values by chance (CONSORT 2025 item 25).",
    );
    // The subgroup models adjust for baseline only; when the primary ANCOVA also adjusted for
    // covariates (its records name them) the reader must know the two are different models.
    if let Some(covariates) = rs
        .records
        .iter()
        .filter(|r| r.analysis == Analysis::Ancova)
        .find_map(|r| r.extra.get("covariates").and_then(|v| v.as_str()))
    {
        direction.push_str(&format!(
            " The subgroup ANCOVAs and the interaction test adjust for baseline only, not for {covariates} as the primary ANCOVA does: their estimates come from a different model and are not the primary estimate split by subgroup."
        ));
    }
    Some(OutcomeSection {
        heading: s("Subgroup analyses (exploratory)"),
        direction,
        tables: vec![Table {
            title: format!(
                "Primary contrast {} within subgroups (ANCOVA) and arm × subgroup interaction",
                rs.design.primary_contrast
            ),
            headers: vec![
                s("outcome"),
                s("variable"),
                s("level"),
                s("n"),
                s("difference [95 % CI]"),
                s("p"),
                s("interaction p"),
            ],
            rows,
        }],
        figures: plots
            .iter()
            .filter(|p| p.kind == "subgroup")
            .cloned()
            .collect(),
    })
}

/// The CONSORT 2025 items this report fills from data, and those the authors must write.
pub fn checklist_section(rs: &ResultSet) -> OutcomeSection {
    let has = |a: Analysis| rs.records.iter().any(|r| r.analysis == a);
    let mark = |ok: bool| {
        if ok {
            s("filled from data")
        } else {
            s("not in this run")
        }
    };
    let filled = vec![
        vec![
            s("Participant flow (diagram, losses and exclusions with reasons)"),
            mark(!rs.flow.is_empty()),
        ],
        vec![
            s("Baseline demographic and clinical characteristics per group"),
            mark(has(Analysis::Table1)),
        ],
        vec![
            s("Numbers analysed per group"),
            mark(has(Analysis::Descriptives)),
        ],
        vec![
            s("Outcomes: estimated effect, precision (95 % CI), per group results"),
            mark(has(Analysis::WelchT) || has(Analysis::Ancova) || has(Analysis::Mmrm)),
        ],
        vec![
            s("Binary outcomes: absolute and relative effect sizes"),
            mark(has(Analysis::Responders)),
        ],
        vec![
            s("Harms: all important harms or unintended effects per group"),
            mark(has(Analysis::Harms)),
        ],
        vec![
            s("Other analyses (subgroups, sensitivity), pre-specified vs exploratory"),
            mark(has(Analysis::Subgroup) || has(Analysis::TippingPoint)),
        ],
        vec![
            s("Statistical methods (models, handling of missing data)"),
            s("filled from data (see Statistical methods)"),
        ],
    ];
    let authors: Vec<Vec<String>> = [
        "Title and structured abstract",
        "Trial registration, protocol, statistical analysis plan, data sharing",
        "Funding, conflicts of interest",
        "Patient and public involvement",
        "Background, objectives, trial design and changes to it",
        "Eligibility criteria, settings and locations",
        "Interventions in enough detail to replicate",
        "Sample size determination",
        "Randomisation: sequence generation, allocation concealment, implementation",
        "Blinding",
        "Dates of recruitment and follow-up; why the trial ended",
        "Interpretation, limitations, generalisability",
    ]
    .iter()
    .map(|t| vec![s(t), s("authors must write")])
    .collect();
    OutcomeSection {
        heading: s("CONSORT 2025 checklist"),
        direction: s(
            "Which CONSORT 2025 items this report fills from the data, and which the authors must write.",
        ),
        tables: vec![
            Table {
                title: s("Items filled from the data"),
                headers: vec![s("item"), s("status")],
                rows: filled,
            },
            Table {
                title: s("Items the authors must write"),
                headers: vec![s("item"), s("status")],
                rows: authors,
            },
        ],
        figures: Vec::new(),
    }
}

/// The CONSORT flow with reasons as a table (the diagram shows the same numbers).
pub fn flow_section(rs: &ResultSet) -> Option<OutcomeSection> {
    let f = rs.consort_flow.as_ref()?;
    let reasons = |v: &[crate::results::ReasonCount]| {
        let total: usize = v.iter().map(|r| r.n).sum();
        if v.is_empty() {
            return s("0");
        }
        let list: Vec<String> = v.iter().map(|r| format!("{}: {}", r.reason, r.n)).collect();
        format!("{total} ({})", list.join("; "))
    };
    let mut rows = Vec::new();
    if let Some(n) = f.assessed {
        rows.push(vec![s("assessed for eligibility"), n.to_string()]);
        rows.push(vec![
            s("excluded before randomisation"),
            reasons(&f.excluded),
        ]);
    }
    rows.push(vec![s("randomised"), f.randomised.to_string()]);
    for a in &f.arms {
        rows.push(vec![
            format!("{}: allocated", a.arm),
            a.allocated.to_string(),
        ]);
        rows.push(vec![
            format!("{}: did not receive the intervention", a.arm),
            reasons(&a.not_received),
        ]);
        rows.push(vec![
            format!("{}: lost to follow-up", a.arm),
            reasons(&a.lost),
        ]);
        rows.push(vec![
            format!("{}: discontinued the intervention", a.arm),
            reasons(&a.discontinued),
        ]);
        rows.push(vec![
            format!("{}: excluded from analysis", a.arm),
            reasons(&a.excluded_from_analysis),
        ]);
        rows.push(vec![
            format!(
                "{}: analysed (complete cases of {})",
                a.arm, f.analysed_outcome
            ),
            a.analysed.to_string(),
        ]);
    }
    let source = match f.source.as_str() {
        "flow file" => "Reasons from the flow file.",
        "study file" => {
            "People never randomised from the study file's [flow] counts; losses from the data (reasons not recorded)."
        }
        _ => {
            "From the data alone: losses are participants without a value at the primary timepoint (reasons not recorded). A flow file ([data] flow) adds the reasons."
        }
    };
    Some(OutcomeSection {
        heading: s("CONSORT flow with reasons"),
        direction: s(source),
        tables: vec![Table {
            title: s("CONSORT 2025 flow"),
            headers: vec![s("stage"), s("n (reasons)")],
            rows,
        }],
        figures: Vec::new(),
    })
}

/// The methods sentences of the CONSORT analyses that ran (issue 19).
pub fn methods_text(rs: &ResultSet) -> String {
    let has = |a: Analysis| rs.records.iter().any(|r| r.analysis == a);
    let mut s = String::new();
    if has(Analysis::Table1) {
        s.push_str("Baseline characteristics are summarised by arm as mean (SD), median [Q1, Q3] or n (%), with standardised differences between arms ((m1 − m2)/√((s1² + s2²)/2); Yang & Dalton's multi-level SMD for categorical variables, as R tableone computes them) and no baseline significance tests. ");
    }
    if has(Analysis::Harms) {
        s.push_str("Adverse events are reported per arm as participants with at least one event (any, serious, falls) among everyone randomised, with Wilson 95 % CIs; arms are compared by risk differences with Newcombe's hybrid-score CIs and Fisher's exact test (R prop.test, fisher.test). ");
    }
    if has(Analysis::Subgroup) {
        s.push_str("Exploratory subgroup analyses fitted the ANCOVA within each subgroup level and tested the arm × subgroup interaction by the F test of lm(last ~ baseline + arm * subgroup) against lm(last ~ baseline + arm + subgroup) (R anova); baseline severity is cut at the tertiles of the baseline, numeric covariates at the median or declared cut points. ");
    }
    s
}
