//! Records of the CONSORT tasks (issue 19): `harms`, `table1`, `subgroup` and
//! `subgroup_interaction`, laid out as documented on [`crate::results`].

use super::*;
use crate::plan::consort::{HARM_CATEGORIES, HarmCounts, SubgroupInput, Table1Values};

/// The `harms` records: each arm's proportion of participants with at least one event of each
/// category (Wilson CI), then every pair's risk difference (Newcombe CI, Fisher p).
pub(super) fn harms(counts: &[HarmCounts]) -> Result<Vec<Record>, StatsError> {
    let rec = |contrast: &str, name: &str| Record::new("harms", Analysis::Harms, contrast, name);
    let mut out = Vec::new();
    for h in counts {
        for (c, name) in HARM_CATEGORIES.iter().enumerate() {
            let (x, events) = h.categories[c];
            let mut r = rec(&h.arm, name)
                .count("n", h.n)
                .count("participants", x)
                .count("events", events);
            if h.n > 0 {
                let p = stats::proportion::wilson(x, h.n)?;
                r = r.statistic(p.p).estimate(p.p).ci(p.ci.low, p.ci.high);
            } else {
                r = r.text("reason", "no participants");
            }
            if c == 0 {
                r = r
                    .count("events_mild", h.severity[0])
                    .count("events_moderate", h.severity[1])
                    .count("events_severe", h.severity[2])
                    .count("events_severity_unknown", h.severity[3])
                    .count("events_related", h.related);
            }
            out.push(r);
        }
    }
    for i in 0..counts.len() {
        for j in i + 1..counts.len() {
            let (a, b) = (&counts[i], &counts[j]);
            if a.n == 0 || b.n == 0 {
                continue;
            }
            let label = format!("{}-{}", a.arm, b.arm);
            for (c, name) in HARM_CATEGORIES.iter().enumerate() {
                let (x1, x2) = (a.categories[c].0, b.categories[c].0);
                let cmp = stats::proportion::compare_proportions(x1, a.n, x2, b.n)?;
                out.push(
                    rec(&label, &format!("risk_difference_{name}"))
                        .statistic(cmp.rd)
                        .estimate(cmp.rd)
                        .ci(cmp.rd_ci.low, cmp.rd_ci.high)
                        .p(cmp.fisher_p)
                        .count("n1", a.n)
                        .count("n2", b.n)
                        .count("participants1", x1)
                        .count("participants2", x2),
                );
            }
        }
    }
    Ok(out)
}

/// The `table1` records of one variable: per arm and overall, then the SMD of every pair.
pub(super) fn table1(task: &Task, values: &Table1Values) -> Result<Vec<Record>, StatsError> {
    let mut labels: Vec<String> = task.arms.clone();
    labels.push("overall".into());
    match values {
        Table1Values::Numeric { per_arm, missing } => {
            table1_numeric(&task.outcome, &labels, per_arm, missing)
        }
        Table1Values::Categorical {
            levels,
            counts,
            missing,
        } => table1_categorical(&task.outcome, &labels, levels, counts, missing),
    }
}

fn table1_numeric(
    variable: &str,
    labels: &[String],
    per_arm: &[Sample],
    missing: &[usize],
) -> Result<Vec<Record>, StatsError> {
    let all: Vec<f64> = per_arm.iter().flat_map(|s| s.iter().copied()).collect();
    let mut groups: Vec<&[f64]> = per_arm.iter().map(|s| &s[..]).collect();
    groups.push(&all);
    let mut miss = missing.to_vec();
    miss.push(missing.iter().sum());
    let mut out = Vec::new();
    let mut summaries = Vec::new();
    for ((label, x), m) in labels.iter().zip(&groups).zip(&miss) {
        let mut r = Record::new(variable, Analysis::Table1, label, "mean")
            .count("n", x.len())
            .count("n_missing", *m);
        let s = if x.is_empty() {
            None
        } else {
            Some(stats::describe::describe(x)?)
        };
        if let Some(s) = &s {
            r = r
                .statistic(s.mean)
                .estimate(s.mean)
                .num_opt("sd", s.sd)
                .num("median", s.median)
                .num("q1", s.q1)
                .num("q3", s.q3);
        } else {
            r = r
                .num_opt("sd", None)
                .num_opt("median", None)
                .num_opt("q1", None)
                .num_opt("q3", None)
                .text("reason", "no values");
        }
        out.push(r);
        summaries.push(s);
    }
    let k = per_arm.len();
    for i in 0..k {
        for j in i + 1..k {
            let mut r = Record::new(
                variable,
                Analysis::Table1,
                &format!("{}-{}", labels[i], labels[j]),
                "smd",
            );
            let d = match (&summaries[i], &summaries[j]) {
                (Some(a), Some(b)) => match (a.sd, b.sd) {
                    (Some(sa), Some(sb)) => stats::smd::smd_continuous(a.mean, sa, b.mean, sb)
                        .map_err(|e| e.to_string()),
                    _ => Err("an arm has fewer than 2 values".to_string()),
                },
                _ => Err("an arm has no values".to_string()),
            };
            r = match d {
                Ok(d) if d.is_finite() => r.statistic(d).estimate(d),
                Ok(_) => r.text("reason", "not finite"),
                Err(e) => r.text("reason", &e),
            };
            out.push(r.text("method", "continuous"));
        }
    }
    Ok(out)
}

fn table1_categorical(
    variable: &str,
    labels: &[String],
    levels: &[String],
    counts: &[Vec<usize>],
    missing: &[usize],
) -> Result<Vec<Record>, StatsError> {
    let mut all = vec![0; levels.len()];
    for c in counts {
        for (t, v) in all.iter_mut().zip(c) {
            *t += v;
        }
    }
    let mut groups: Vec<&[usize]> = counts.iter().map(Vec::as_slice).collect();
    groups.push(&all);
    let mut miss = missing.to_vec();
    miss.push(missing.iter().sum());
    let mut out = Vec::new();
    for ((label, c), m) in labels.iter().zip(&groups).zip(&miss) {
        let n: usize = c.iter().sum();
        for (level, &count) in levels.iter().zip(c.iter()) {
            let mut r = Record::new(
                variable,
                Analysis::Table1,
                &format!("{label}:{level}"),
                "pct",
            )
            .count("n", n)
            .count("count", count)
            .count("n_missing", *m);
            if n > 0 {
                let pct = 100.0 * count as f64 / n as f64;
                r = r.statistic(pct).estimate(pct);
            } else {
                r = r.text("reason", "no values");
            }
            out.push(r);
        }
    }
    let k = counts.len();
    for i in 0..k {
        for j in i + 1..k {
            let mut r = Record::new(
                variable,
                Analysis::Table1,
                &format!("{}-{}", labels[i], labels[j]),
                "smd",
            );
            r = match stats::smd::smd_categorical(&counts[i], &counts[j]) {
                Ok(d) => r.statistic(d).estimate(d),
                Err(e) => r.text("reason", &e.to_string()),
            };
            out.push(r.text("method", "yang_dalton"));
        }
    }
    Ok(out)
}

/// The `subgroup` records of one variable (the primary contrast within each level) and its
/// `subgroup_interaction` record.
pub(super) fn subgroup(task: &Task, s: &SubgroupInput) -> Result<Vec<Record>, StatsError> {
    let rows = stats::subgroup::SubgroupRows {
        baseline: &s.baseline,
        last: &s.last,
        arm: &s.arm,
        level: &s.level,
    };
    if !s.known {
        return Err(StatsError::InvalidArgument(format!(
            "subgroup variable `{}` is neither baseline_severity nor a participant covariate (a column of [data] participants or an extra column of the data file)",
            s.variable
        )));
    }
    if s.levels.len() < 2 {
        return Err(StatsError::InvalidArgument(format!(
            "subgroup variable `{}` has {} level(s) among the complete cases; a subgroup analysis needs at least 2",
            s.variable,
            s.levels.len()
        )));
    }
    let inter = stats::subgroup::interaction(&rows)?;
    let (i, j) = s.primary;
    let pair = format!("{}-{}", task.arms[i], task.arms[j]);
    let cuts = serde_json::Value::from(s.cuts.clone());
    let mut out = Vec::new();
    for (l, level) in s.levels.iter().enumerate() {
        let contrast = format!("{pair}@{}={level}", s.variable);
        let mut r = Record::new(&task.outcome, Analysis::Subgroup, &contrast, "t")
            .text("variable", &s.variable)
            .text("level", level);
        match stats::subgroup::within_level(&rows, l, s.reference, s.primary) {
            Ok((e, n)) => {
                r = r
                    .statistic(e.t)
                    .df(e.df)
                    .p(e.p)
                    .estimate(e.estimate)
                    .ci(e.ci.low, e.ci.high)
                    .num("se", e.se)
                    .count("n", n);
            }
            Err(e) => {
                let n = s.level.iter().filter(|&&x| x == l).count();
                r = r.count("n", n).text("reason", &e.to_string());
            }
        }
        out.push(r);
    }
    out.push(
        Record::new(
            &task.outcome,
            Analysis::SubgroupInteraction,
            &s.variable,
            "F",
        )
        .statistic(inter.f)
        .df(inter.df2)
        .p(inter.p)
        .num("df1", inter.df1)
        .num("df2", inter.df2)
        .count("n", inter.n)
        .count("levels", s.levels.len())
        .value("cuts", cuts)
        .text("contrast", &pair),
    );
    Ok(out)
}
