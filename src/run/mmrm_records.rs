//! The records of the `mmrm` task (spec §4.1, issue 18): the arm differences (`mmrm`,
//! `A-B@TIMEPOINT` and `A-B@average`), the `model` record, the LS means (`mmrm_lsmeans`), the
//! Type III tests (`mmrm_type3`) and one `mmrm_fit` record per covariance structure tried.

use super::*;

/// The `mmrm` task's records.
pub(super) fn mmrm(
    task: &Task,
    rows: &crate::ingest::dataset::MmrmRows,
    arms: &[String],
    visits: &[String],
    reference: usize,
    options: &stats::mmrm::MmrmOptions,
    covariates: &crate::plan::CovariateColumns,
) -> Result<Vec<Record>, StatsError> {
    let data = stats::mmrm::MmrmData {
        y: &rows.y,
        baseline: &rows.baseline,
        arm: &rows.arm,
        visit: &rows.visit,
        participant: &rows.participant,
        n_arms: arms.len(),
        n_visits: visits.len(),
        reference_arm: reference,
    };
    let cov = stats::mmrm::MmrmCovariates {
        values: &covariates.values,
        n_columns: covariates.n_columns,
        at: &covariates.at,
    };
    let with = (!covariates.names.is_empty()).then_some(&cov);
    let fit = stats::mmrm::mmrm_model_with(&data, with, options)?;
    let cov_names = covariates.names.join(", ");
    let rec = |a: Analysis, contrast: &str, name: &str| {
        Record::new(&task.outcome, a, contrast, name)
            .text("df_method", fit.df_method)
            .text("structure", fit.structure.id())
            .text("vcov", vcov_id(options.vcov))
            .text("covariates", &cov_names)
            .count("n_obs", fit.n_obs)
            .count("n_participants", fit.n_participants)
    };
    let at = |v: Option<usize>| v.map_or("average", |v| visits[v].as_str());
    let mut out: Vec<Record> = fit
        .differences
        .iter()
        .map(|d| {
            let e = &d.value;
            let c = format!("{}-{}@{}", arms[d.first], arms[d.second], at(d.visit));
            rec(Analysis::Mmrm, &c, "t")
                .statistic(e.t)
                .df(e.df)
                .p(e.p)
                .estimate(e.estimate)
                .ci(e.ci.low, e.ci.high)
                .num("se", e.se)
        })
        .collect();
    out.push(
        Record::new(&task.outcome, Analysis::Mmrm, "model", "reml_loglik")
            .statistic(fit.reml_loglik)
            .count("n_obs", fit.n_obs)
            .count("n_participants", fit.n_participants)
            .text("covariance", fit.structure.name()),
    );
    for m in &fit.lsmeans {
        let e = &m.value;
        let c = format!("{}@{}", arms[m.arm], at(m.visit));
        out.push(
            rec(Analysis::MmrmLsmeans, &c, "lsmean")
                .statistic(e.estimate)
                .df(e.df)
                .estimate(e.estimate)
                .ci(e.ci.low, e.ci.high)
                .num("se", e.se)
                .num("t", e.t)
                .num("p_t", e.p),
        );
    }
    for t in &fit.type3 {
        out.push(
            rec(Analysis::MmrmType3, t.term, "F")
                .statistic(t.f)
                .df(t.df2)
                .p(t.p)
                .num("df1", t.df1)
                .num("df2", t.df2),
        );
    }
    for f in &fit.fits {
        let mut r = Record::new(
            &task.outcome,
            Analysis::MmrmFit,
            f.structure.id(),
            "reml_loglik",
        )
        .count("n_params", f.n_params)
        .text(
            "selected",
            if f.structure == fit.structure {
                "yes"
            } else {
                "no"
            },
        )
        .text(
            "criterion",
            match fit.criterion {
                Some(stats::mmrm::Criterion::Aic) => "aic",
                Some(stats::mmrm::Criterion::Bic) => "bic",
                None => "none",
            },
        );
        r = match &f.result {
            Ok((ll, aic, bic, iterations)) => r
                .statistic(*ll)
                .num("aic", *aic)
                .num("bic", *bic)
                .count("iterations", *iterations)
                .text("converged", "yes"),
            Err(reason) => r.text("converged", "no").text("reason", reason),
        };
        out.push(r);
    }
    Ok(out)
}

/// The `vcov` id of the records.
fn vcov_id(v: stats::mmrm::VcovMethod) -> &'static str {
    match v {
        stats::mmrm::VcovMethod::Model => "model",
        stats::mmrm::VcovMethod::Empirical => "empirical",
    }
}
