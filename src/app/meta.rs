//! `retrotrial meta`: study summaries → checked studies → pooled models → figures → reports.

use super::Status;
use crate::cli::{MetaArgs, MetaMethod, MetaTestArg};
use crate::config::ConfigError;
use crate::diagnostics::{Issue, Issues, Severity};
use crate::error::Error;
use crate::ingest;
use crate::output::OutDir;
use crate::report;
use crate::results::{
    Analysis, DesignSummary, OutcomeSummary, Provenance, ResultSet, SCHEMA_VERSION, TaskFailure,
};
use crate::summary::meta as sm;

/// `meta`: summaries → checked studies → models → figures → reports.
pub(super) fn meta_cmd(a: &MetaArgs) -> Result<Status, Error> {
    let (status, line) = meta(a, None)?;
    eprintln!("{line}");
    Ok(status)
}

/// `meta` without printing, for the command and the app: the status and the summary line.
/// `shown` names the studies file in the provenance and messages instead of its path (the
/// app's upload lives in a session folder whose path means nothing to the user).
pub(super) fn meta(a: &MetaArgs, shown: Option<&str>) -> Result<(Status, String), Error> {
    let opts = MetaOptions::resolve(a);
    let lead = lead_model(opts.method, opts.test)?;
    let out = OutDir::prepare(&opts.out)?;
    let file = shown.map_or_else(|| a.studies.display().to_string(), str::to_string);
    let (studies, sha) = checked_studies(&a.studies, opts.measure, &file, &out)?;
    let outcome = a
        .outcome
        .clone()
        .unwrap_or_else(|| opts.measure.id().to_string());
    let lower = opts.better == crate::config::Better::Lower;
    let config = serde_json::json!({
        "measure": opts.measure.id(), "lead_model": lead, "outcome": outcome,
        "better": if lower { "lower" } else { "higher" },
    });
    let (records, failures) = sm::records(&studies, opts.measure, &outcome);
    let rs = result_set(records, failures, &outcome, lower, lead, &config, file, sha);
    let lead_rec = rs
        .records
        .iter()
        .find(|r| r.analysis == Analysis::Meta && r.contrast == lead);
    let mut plots = Vec::new();
    if let Some(m) = lead_rec {
        let data = meta_plot_data(&studies, m, opts.measure, lead, lower);
        plots = report::write_figures(crate::plot::render_meta(&data, a.png)?, &out)?;
    }
    let toml_text = toml::to_string(&config).map_err(|e| report::ReportError::Serialize {
        what: "config.resolved.toml",
        message: e.to_string(),
    })?;
    report::write_all(&rs, &plots, &toml_text, &out)?;
    let line = format!(
        "retrotrial: {} studies, {} records -> {}",
        studies.len(),
        rs.records.len(),
        out.path().display()
    );
    let status = if rs.failures.is_empty() {
        Status::Success
    } else {
        Status::Incomplete
    };
    Ok((status, line))
}

/// The options of a meta run: the flags over the defaults, which live here and not in clap.
struct MetaOptions {
    out: std::path::PathBuf,
    measure: sm::Measure,
    method: MetaMethod,
    test: MetaTestArg,
    better: crate::config::Better,
}

impl MetaOptions {
    fn resolve(a: &MetaArgs) -> Self {
        MetaOptions {
            out: a.out.clone().unwrap_or_else(|| "reports/meta".into()),
            measure: a.measure.unwrap_or(sm::Measure::Smd),
            method: a.method.unwrap_or(MetaMethod::Reml),
            test: a.test.unwrap_or(MetaTestArg::Z),
            better: a.better.unwrap_or_default(),
        }
    }
}

/// The contrast label of the model the figures show (metafor's `method` and `test`).
fn lead_model(method: MetaMethod, test: MetaTestArg) -> Result<&'static str, ConfigError> {
    Ok(match (method, test) {
        (MetaMethod::Fe, MetaTestArg::Z) => "FE",
        (MetaMethod::Dl, MetaTestArg::Z) => "DL",
        (MetaMethod::Reml, MetaTestArg::Z) => "REML",
        (MetaMethod::Pm, MetaTestArg::Z) => "PM",
        (MetaMethod::Dl, MetaTestArg::Hk) => "DL_HK",
        (MetaMethod::Reml, MetaTestArg::Hk) => "REML_HK",
        (m, MetaTestArg::Hk) => {
            return Err(ConfigError::HartungKnappNeedsTau2 {
                method: format!("{m:?}"),
            });
        }
    })
}

/// The studies of the summary file, converted and checked; on any problem the validation
/// reports are written and the command stops with exit 1.
fn checked_studies(
    path: &std::path::Path,
    measure: sm::Measure,
    file: &str,
    out: &OutDir,
) -> Result<(Vec<sm::Study>, String), Error> {
    let (layout, rows, mut problems, sha) = ingest::summaries::load_summaries(path)?;
    let (studies, prep) = sm::prepare(layout, &rows, measure, file);
    problems.extend(prep);
    if problems.is_empty() && studies.len() < 2 {
        problems.push(Issue {
            severity: Severity::Error,
            code: "too_few_studies".into(),
            file: file.to_string(),
            line: None,
            message: format!(
                "{} usable stud(ies); pooling needs at least 2",
                studies.len()
            ),
            fix: "add studies".into(),
        });
    }
    if !problems.is_empty() {
        let issues = Issues {
            issues: problems,
            ..Default::default()
        };
        report::write_validation(&issues, file, out)?;
        return Err(Error::Invalid {
            errors: issues.error_count(),
            file: file.to_string(),
            report: out.path().join("validation.md").display().to_string(),
        });
    }
    Ok((studies, sha))
}

/// The result set of a meta run: the records, failed models as task failures, and the one
/// outcome's direction for the reports.
#[allow(clippy::too_many_arguments)] // the parts of one result set, named at the one call
fn result_set(
    records: Vec<crate::results::Record>,
    failures: Vec<(String, String)>,
    outcome: &str,
    lower_is_better: bool,
    lead: &str,
    config: &serde_json::Value,
    input: String,
    input_sha256: String,
) -> ResultSet {
    ResultSet {
        schema_version: SCHEMA_VERSION,
        command: "meta".into(),
        provenance: Provenance {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            input,
            input_sha256,
            seed: 0,
            config: config.clone(),
        },
        records,
        failures: failures
            .into_iter()
            .map(|(contrast, reason)| TaskFailure {
                outcome: outcome.to_string(),
                analysis: Analysis::Meta,
                contrast,
                reason,
            })
            .collect(),
        issues: Vec::new(),
        flow: Vec::new(),
        consort_flow: None,
        design: DesignSummary {
            outcomes: vec![OutcomeSummary {
                name: outcome.to_string(),
                label: outcome.to_string(),
                unit: String::new(),
                lower_is_better,
                mcid: None,
            }],
            primary_contrast: lead.to_string(),
            ..Default::default()
        },
        samples: Vec::new(),
        reproduction: None,
    }
}

/// The meta figures' data from the checked studies and the lead model's record. The weights
/// need the model's τ² and the diamond its estimate and CI: when the record lacks them, the
/// figure shows that instead of drawing zeros.
fn meta_plot_data(
    studies: &[crate::summary::meta::Study],
    lead_rec: &crate::results::Record,
    measure: crate::summary::meta::Measure,
    lead: &str,
    lower_is_better: bool,
) -> crate::plot::meta::MetaPlotData {
    use crate::summary::meta::Measure;
    let effects: Vec<_> = studies.iter().map(|s| s.effect).collect();
    let weights = lead_rec
        .extra_f64("tau2")
        .and_then(|tau2| crate::stats::meta::weights_percent(&effects, tau2));
    let (what, unit) = if measure == Measure::Smd {
        ("Hedges' g", "Hedges' g")
    } else {
        ("Mean difference", "mean difference")
    };
    crate::plot::meta::MetaPlotData {
        title: format!("{what} meta-analysis ({lead} model)"),
        measure: format!("{unit} (backward − comparator)"),
        rows: studies
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let ci = s.effect.ci();
                crate::plot::meta::MetaRow {
                    label: s.id.clone(),
                    yi: s.effect.yi,
                    low: ci.low,
                    high: ci.high,
                    weight: weights.as_ref().map(|w| w[i]),
                    se: s.effect.vi.sqrt(),
                }
            })
            .collect(),
        model: lead.to_string(),
        pooled: match (lead_rec.estimate, lead_rec.ci_low, lead_rec.ci_high) {
            (Some(m), Some(lo), Some(hi)) => Some((m, lo, hi)),
            _ => None,
        },
        pi: lead_rec
            .extra_f64("pi_low")
            .zip(lead_rec.extra_f64("pi_high")),
        higher_favours_backward: !lower_is_better,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Analysis, Record};
    use crate::stats::meta::StudyEffect;
    use crate::summary::meta::{Measure, Study};

    fn studies() -> Vec<Study> {
        [(0.1, 0.1), (0.3, 0.2), (-0.2, 0.4)]
            .iter()
            .enumerate()
            .map(|(i, &(yi, vi))| Study {
                id: format!("S{i}"),
                comparator: "forward".into(),
                n1: None,
                n2: None,
                effect: StudyEffect { yi, vi },
                conversion: "yi_vi".into(),
            })
            .collect()
    }

    #[test]
    fn hartung_knapp_needs_a_random_effects_model() {
        assert_eq!(
            lead_model(MetaMethod::Reml, MetaTestArg::Hk).unwrap(),
            "REML_HK"
        );
        let e = lead_model(MetaMethod::Fe, MetaTestArg::Hk).unwrap_err();
        assert!(matches!(e, ConfigError::HartungKnappNeedsTau2 { .. }));
        assert!(e.to_string().contains("use --test z"), "{e}");
    }

    /// Issue 16: a lead model without an estimate or τ² gives no diamond and no weights, not
    /// zeros; with them, the weights are metafor's (`weights(rma(..., tau2 = 0.05))`).
    #[test]
    fn meta_plot_data_never_fills_a_missing_model_with_zeros() {
        let missing = Record::new("g", Analysis::Meta, "REML", "z");
        let d = meta_plot_data(&studies(), &missing, Measure::Smd, "REML", false);
        assert_eq!(d.pooled, None);
        assert!(d.rows.iter().all(|r| r.weight.is_none()));
        let fitted = Record::new("g", Analysis::Meta, "REML", "z")
            .estimate(0.1)
            .ci(-0.2, 0.4)
            .num("tau2", 0.05);
        let d = meta_plot_data(&studies(), &fitted, Measure::Smd, "REML", false);
        assert_eq!(d.pooled, Some((0.1, -0.2, 0.4)));
        let w = d.rows[0].weight.unwrap();
        assert!((w - 51.724_137_931_034_48).abs() < 1e-12, "{w}");
    }
}
