//! The estimand and missing-data parts of the trial report (issue 17): the "Primary result"
//! sentence of the pre-specified primary analysis (`[analyses] primary`) with the estimand in
//! words and the sensitivity analyses beside it, whether the conclusion survives J2R and the
//! tipping point, the missing-data tables, and the methods sentence of the `mi_*` records.
//!
//! Reads only records and the resolved configuration of the result set (no statistics).
//! `view` calls these functions; they return pre-formatted strings and tables.

use crate::report::format::{est_ci, num, p_rel, p_value};
use crate::report::view::Table;
use crate::results::{Analysis, OutcomeSummary, Record, ResultSet};

fn config_str<'a>(rs: &'a ResultSet, section: &str, key: &str) -> Option<&'a str> {
    rs.provenance.config.get(section)?.get(key)?.as_str()
}

fn find<'a>(recs: &[&'a Record], a: Analysis, contrast: &str, stat: &str) -> Option<&'a Record> {
    recs.iter()
        .copied()
        .find(|r| r.analysis == a && r.contrast == contrast && r.statistic_name == stat)
}

/// The estimand of the primary contrast in words (ICH E9(R1) attributes).
pub fn estimand_words(rs: &ResultSet) -> String {
    let d = &rs.design;
    let (first, second) = d
        .primary_contrast
        .split_once('-')
        .unwrap_or((d.primary_contrast.as_str(), ""));
    let base = d.timepoints.first().map_or("baseline", String::as_str);
    let variable = match config_str(rs, "estimand", "variable") {
        Some("change") => format!("change from {base} to {}", d.primary_timepoint),
        _ => format!("value at {}", d.primary_timepoint),
    };
    let mut events: Vec<String> = rs
        .provenance
        .config
        .get("estimand")
        .and_then(|e| e.get("intercurrent_events"))
        .and_then(serde_json::Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|e| {
                    let name = e.get("event")?.as_str()?;
                    let strategy = e.get("strategy")?.as_str()?.replace('_', " ");
                    Some(format!("{name} by {strategy}"))
                })
                .collect()
        })
        .unwrap_or_default();
    if events.is_empty() {
        events.push("every intercurrent event by treatment policy".to_string());
    }
    let population = match (
        config_str(rs, "estimand", "population"),
        config_str(rs, "estimand", "per_protocol_flag"),
    ) {
        (Some("per_protocol"), Some(flag)) => {
            format!("the per-protocol set (participants whose {flag} flag is yes)")
        }
        _ => "all randomised participants".to_string(),
    };
    format!(
        "difference in mean {variable} between {first} and {second} in {population}, {}",
        events.join(", ")
    )
}

/// The primary analysis's record of the primary contrast and how the report names it.
fn primary_record<'a>(rs: &ResultSet, recs: &[&'a Record]) -> Option<(&'a Record, String)> {
    let d = &rs.design;
    match config_str(rs, "analyses", "primary").unwrap_or("mmrm") {
        "mmrm" => {
            // `[analyses.mmrm] contrast` (issue 18): the primary timepoint or the average.
            let average = rs
                .provenance
                .config
                .get("analyses")
                .and_then(|a| a.get("mmrm"))
                .and_then(|m| m.get("contrast"))
                .and_then(serde_json::Value::as_str)
                == Some("average");
            let at = if average {
                "average"
            } else {
                d.primary_timepoint.as_str()
            };
            find(
                recs,
                Analysis::Mmrm,
                &format!("{}@{}", d.primary_contrast, at),
                "t",
            )
            .map(|r| (r, mmrm_name(r, average)))
        }
        "ancova" => find(recs, Analysis::Ancova, &d.primary_contrast, "t").map(|r| {
            (
                r,
                format!(
                    "ANCOVA of the {} value on arm and baseline (complete cases; assumes data missing completely at random)",
                    d.primary_timepoint
                ),
            )
        }),
        _ => None,
    }
}

/// How the report names the MMRM of the primary result: the covariance structure and df
/// method from the record, and whether the contrast averages over visits.
fn mmrm_name(r: &Record, average: bool) -> String {
    let text = |k: &str| r.extra.get(k).and_then(serde_json::Value::as_str);
    // With one post-baseline visit the MMRM is the ANCOVA (spec §4.1) and says so.
    if text("df_method") == Some(crate::stats::mmrm::DF_ANCOVA) {
        return "ANCOVA on arm and baseline (one post-baseline visit, where the MMRM is the ANCOVA; participants with the value)".to_string();
    }
    let structure = text("structure")
        .and_then(crate::stats::mmrm::Structure::from_id)
        .map_or("unstructured", |s| s.name());
    let mut parts = vec![
        "all post-baseline visits".to_string(),
        "baseline-adjusted".to_string(),
        format!("{structure} covariance"),
    ];
    if let Some(df) = text("df_method").filter(|&d| d != crate::stats::mmrm::DF_SATTERTHWAITE) {
        parts.push(format!("{df} df"));
    }
    if text("vcov") == Some("empirical") {
        parts.push("sandwich standard errors".to_string());
    }
    if average {
        parts.push("difference averaged over the post-baseline visits".to_string());
    }
    format!(
        "MMRM ({}; assumes data missing at random)",
        parts.join(", ")
    )
}

/// Verdict words for a difference first − second.
fn verdict(oc: &OutcomeSummary, contrast: &str, r: &Record) -> String {
    let (first, second) = contrast.split_once('-').unwrap_or((contrast, ""));
    let est = r.estimate.unwrap_or(f64::NAN);
    let better_first = if oc.lower_is_better {
        est < 0.0
    } else {
        est > 0.0
    };
    match (r.p_value.is_some_and(|p| p < 0.05), better_first) {
        (true, true) => format!("favours {first}"),
        (true, false) => format!("favours {second}"),
        (false, _) => "no clear difference at the 5 % level".to_string(),
    }
}

fn short(a: Analysis) -> &'static str {
    match a {
        Analysis::MiMar => "MAR imputation",
        Analysis::MiJ2r => "jump to reference",
        Analysis::MiCr => "copy reference",
        Analysis::MiCir => "copy increments from reference",
        _ => "",
    }
}

/// The "Primary result" line of an outcome when the primary analysis is `mmrm` or `ancova`
/// and its record exists; `None` otherwise (the report then keeps the Welch sentence).
pub fn primary_sentence(rs: &ResultSet, oc: &OutcomeSummary, recs: &[&Record]) -> Option<String> {
    let d = &rs.design;
    let (r, name) = primary_record(rs, recs)?;
    let contrast = &d.primary_contrast;
    let mut line = format!(
        "{}: estimand: {}. Primary analysis: {}: {} = {} (95 % CI {}), p {}; {} ({} is better).",
        oc.label,
        estimand_words(rs),
        name,
        contrast,
        num(r.estimate),
        crate::report::format::ci(r.ci_low, r.ci_high),
        p_rel(r.p_value),
        verdict(oc, contrast, r),
        if oc.lower_is_better {
            "lower"
        } else {
            "higher"
        }
    );
    if let Some(m) = oc.mcid {
        let reaches = r.estimate.is_some_and(|e| e.abs() >= m);
        line.push_str(&format!(
            " The difference {} the MCID of {m}.",
            if reaches { "reaches" } else { "is below" }
        ));
    }
    let sens: Vec<String> = [
        Analysis::MiMar,
        Analysis::MiJ2r,
        Analysis::MiCr,
        Analysis::MiCir,
    ]
    .into_iter()
    .filter_map(|a| {
        let s = recs
            .iter()
            .find(|x| x.analysis == a && &x.contrast == contrast)?;
        Some(format!(
            "{} {} (p {})",
            short(a),
            est_ci(s.estimate, s.ci_low, s.ci_high),
            p_rel(s.p_value)
        ))
    })
    .collect();
    if sens.is_empty() {
        // They are opt-in (the jackknife refits the MMRM once per participant); a reader must
        // not take their absence for robustness.
        line.push_str(
            " Missing-data sensitivity analyses were not run (add mi_j2r, mi_cr, mi_cir and tipping_point to [analyses] run or --only).",
        );
    } else {
        line.push_str(&format!(" Sensitivity: {}.", sens.join("; ")));
    }
    if let Some(w) = find(recs, Analysis::WelchT, contrast, "t") {
        line.push_str(&format!(
            " Supportive: Welch t test on complete-case change {} (p {}).",
            est_ci(w.estimate, w.ci_low, w.ci_high),
            p_rel(w.p_value)
        ));
    }
    Some(line)
}

/// Whether the primary conclusion survives J2R and the tipping point, in one sentence, when
/// those records exist.
pub fn survival_sentence(rs: &ResultSet, oc: &OutcomeSummary, recs: &[&Record]) -> Option<String> {
    let contrast = &rs.design.primary_contrast;
    let significant = |r: &Record| r.p_value.is_some_and(|p| p < 0.05);
    let primary = primary_record(rs, recs)
        .map(|(r, _)| r)
        .or_else(|| find(recs, Analysis::WelchT, contrast, "t"))?;
    let j2r = recs
        .iter()
        .find(|r| r.analysis == Analysis::MiJ2r && &r.contrast == contrast);
    let tip = find(recs, Analysis::TippingPoint, contrast, "estimate");
    if j2r.is_none() && tip.is_none() {
        return None;
    }
    let conclusion = if significant(primary) {
        "the difference"
    } else {
        "no clear difference"
    };
    let mut parts = Vec::new();
    if let Some(j) = j2r {
        parts.push(if significant(j) == significant(primary) {
            "it survives jump to reference".to_string()
        } else {
            "it does not survive jump to reference".to_string()
        });
    }
    if let Some(t) = tip {
        let mcid = t.extra_f64("mcid");
        parts.push(match (t.extra_f64("tipping_delta"), mcid) {
            (Some(d), Some(m)) => format!(
                "it tips when the imputed {} values are shifted by {} ({} MCID)",
                t.extra
                    .get("shifted_arms")
                    .and_then(|v| v.as_str())
                    .unwrap_or(""),
                num(Some(d)),
                num(Some(d / m))
            ),
            (Some(d), None) => format!("it tips at a shift of {}", num(Some(d))),
            (None, _) => {
                let max = t
                    .extra
                    .get("delta_grid")
                    .and_then(|g| g.as_array())
                    .and_then(|g| {
                        g.iter()
                            .filter_map(serde_json::Value::as_f64)
                            .reduce(f64::max)
                    });
                format!(
                    "it holds over the whole tipping-point grid (shifts up to {})",
                    num(max)
                )
            }
        });
    }
    Some(format!(
        "{}: the primary conclusion ({conclusion}) — {}.",
        oc.label,
        parts.join("; ")
    ))
}

/// Observed and missing values of one outcome by arm and visit (CONSORT 2025 item 21 / issue
/// 19): from the descriptives records (`extra.n` observed) and the participant flow (allocated);
/// every run has it. Left out when the analysis population is smaller than everyone randomised
/// (the flow counts everyone randomised, so "missing" would mix the two).
fn observed_table(rs: &ResultSet, recs: &[&Record]) -> Option<Table> {
    if config_str(rs, "estimand", "population").is_some_and(|p| p != "all_randomised") {
        return None;
    }
    let tps = &rs.design.timepoints;
    let mut rows = Vec::new();
    for arm in &rs.design.arms {
        let allocated = rs.flow.iter().find(|f| &f.arm == arm)?.n_randomised;
        let mut row = vec![arm.clone(), allocated.to_string()];
        for tp in tps {
            let n = find(recs, Analysis::Descriptives, &format!("{arm}@{tp}"), "mean")
                .and_then(|r| r.extra.get("n"))
                .and_then(serde_json::Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())?; // descriptives did not run
            let missing = allocated.saturating_sub(n);
            let pct = if allocated > 0 {
                100.0 * missing as f64 / allocated as f64
            } else {
                0.0
            };
            row.push(format!("{n} / {missing} ({pct:.1} %)"));
        }
        rows.push(row);
    }
    let mut headers = vec!["arm".to_string(), "allocated".to_string()];
    headers.extend(tps.iter().map(|t| format!("{t}: observed / missing")));
    Some(Table {
        title: "Observed and missing values by arm and visit".into(),
        headers,
        rows,
    })
}

/// The missing-data tables of one outcome: the pattern by arm and visit, and the sensitivity
/// analyses with what each assumes.
pub fn missing_tables(rs: &ResultSet, recs: &[&Record]) -> Vec<Table> {
    let contrast = &rs.design.primary_contrast;
    let mut tables: Vec<Table> = observed_table(rs, recs).into_iter().collect();
    let mi: Vec<&&Record> = recs
        .iter()
        .filter(|r| Analysis::MISSING_DATA.contains(&r.analysis))
        .collect();
    let Some(first) = mi.first() else {
        return tables;
    };
    if let Some(p) = first.extra.get("missing_pattern") {
        let visits: Vec<String> = p
            .get("visits")
            .and_then(|v| v.as_array())
            .map(|v| {
                v.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let mut headers = vec!["arm".to_string(), "n".to_string()];
        headers.extend(visits.iter().map(|v| format!("missing at {v}")));
        headers.push("dropped out (monotone)".into());
        headers.push("intermittent gap".into());
        let rows = p
            .get("arms")
            .and_then(|a| a.as_object())
            .map(|arms| {
                rs.design
                    .arms
                    .iter()
                    .filter_map(|name| {
                        let a = arms.get(name)?;
                        let n = a.get("n")?.as_u64()?;
                        let mut row = vec![name.clone(), n.to_string()];
                        row.extend(
                            a.get("missing_by_visit")?
                                .as_array()?
                                .iter()
                                .map(|x| x.as_u64().unwrap_or(0).to_string()),
                        );
                        row.push(a.get("dropout")?.as_u64()?.to_string());
                        row.push(a.get("intermittent")?.as_u64()?.to_string());
                        Some(row)
                    })
                    .collect()
            })
            .unwrap_or_default();
        tables.push(Table {
            title: "Missing data by arm and visit (participants with a baseline value)".into(),
            headers,
            rows,
        });
    }
    let rows: Vec<Vec<String>> = mi
        .iter()
        .filter(|r| r.analysis != Analysis::TippingPoint && &r.contrast == contrast)
        .map(|r| {
            vec![
                r.analysis.id().to_string(),
                crate::missing::assumption_words(r.analysis)
                    .unwrap_or_default()
                    .to_string(),
                r.extra
                    .get("n_imputed")
                    .and_then(serde_json::Value::as_u64)
                    .map_or_else(String::new, |n| n.to_string()),
                est_ci(r.estimate, r.ci_low, r.ci_high),
                p_value(r.p_value),
            ]
        })
        .collect();
    if !rows.is_empty() {
        let method = first
            .extra
            .get("method")
            .and_then(|m| m.as_str())
            .unwrap_or("condmean");
        tables.push(Table {
            title: format!(
                "Sensitivity to the missing-data assumption, {contrast} at {} ({})",
                rs.design.primary_timepoint,
                if method == "bayes" {
                    "Bayesian multiple imputation, Rubin's rules"
                } else {
                    "conditional-mean imputation, jackknife SE"
                }
            ),
            headers: vec![
                "analysis".into(),
                "assumption".into(),
                "imputed".into(),
                "difference [95 % CI]".into(),
                "p".into(),
            ],
            rows,
        });
    }
    tables
}

/// The methods sentence of the missing-data analyses, empty when there are none.
pub fn methods_text(rs: &ResultSet) -> String {
    let mi = rs
        .records
        .iter()
        .find(|r| Analysis::MISSING_DATA.contains(&r.analysis));
    let Some(r) = mi else {
        return String::new();
    };
    let bayes = r.extra.get("method").and_then(|m| m.as_str()) == Some("bayes");
    let mut s = String::from(
        "Missing values were imputed from the MMRM fitted to the observed data (Carpenter, Roger & Kenward 2013): under MAR, jump to reference, copy reference and copy increments from reference, missing values after a participant's last observed visit follow the assumption and intermittent ones are MAR; ",
    );
    s.push_str(if bayes {
        "each of M imputations drew the model's parameters from their posterior by data augmentation and imputed random values; the ANCOVA of each completed data set was pooled by Rubin's rules with Barnard–Rubin df (R mice::pool's formulas). "
    } else {
        "values were imputed by their conditional means and analysed by ANCOVA at the primary timepoint, with a leave-one-participant-out jackknife SE and normal CIs (Wolbers et al. 2022; rbmi method_condmean, type jackknife). "
    });
    if let Some(c) = super::view::covariates_of(&rs.records, &Analysis::MISSING_DATA) {
        s.push_str(&format!(
            "The imputation model and the ANCOVA of each completed data set included the covariates {c}. "
        ));
    }
    if rs
        .records
        .iter()
        .any(|r| r.analysis == Analysis::TippingPoint)
    {
        s.push_str("The tipping point shifted the imputed values of the primary contrast against the effect by a grid of δ until the conclusion at α changed. ");
    }
    s
}
