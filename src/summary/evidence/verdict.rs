//! The verdict on one claim part from its used findings, and on a claim from its parts.
//!
//! Effect, mechanism and dose claims (and the energy claim, whose "benefit" is the higher cost):
//! - no finding used: `no_evidence_in_data`;
//! - none favours backward walking: `not_supported` (a CI that includes the null, or p ≥ 0.05,
//!   shows no benefit);
//! - all used favour it: `supported`, unless the claim says the effect is clinically important
//!   and a result with a known MCID falls short of it: `partly_supported`;
//! - some favour it and some do not: `partly_supported`.
//!
//! A claim that the comparator does not improve (`no_effect_in_comparator`) is supported only
//! by results that rule out an effect the size of the MCID (the whole CI inside ±MCID); a
//! result with p ≥ 0.05 alone is absence of evidence, not evidence of absence (Altman & Bland
//! 1995, BMJ 311:485). A result showing the comparator improved makes it `not_supported`.
//!
//! A claim combines its parts: all `supported` → `supported`; all `no_evidence_in_data` →
//! `no_evidence_in_data`; none supported or partly supported → `not_supported`; otherwise
//! `partly_supported` (a compound claim with one part unsupported or untested).
//!
//! Comparable effects of a part (same metric and unit, with CIs, two or more) are pooled with
//! the `meta` engine (REML, z test; metafor `rma(method = "REML")`). The pool replaces its
//! inputs in the verdict unless two or more inputs are reviews, which may share trials: then
//! it is shown for orientation only.

use crate::results::evidence::{
    Better, ClaimKind, ClaimVerdict, DesignKind, Direction, Magnitude, PooledEvidence,
};
use crate::stats::dist;
use crate::stats::meta::{MetaTest, StudyEffect, Tau2Method, egger, rma};

use super::grade::Used;

/// The verdict of one part and the rule that gave it.
pub fn part_verdict(
    kind: ClaimKind,
    magnitude: Magnitude,
    used: &[Used<'_, '_>],
    pooled: Option<&PooledEvidence>,
) -> (ClaimVerdict, String) {
    if used.is_empty() {
        return (
            ClaimVerdict::NoEvidenceInData,
            "no candidate result measures this with the claimed comparison".into(),
        );
    }
    if kind == ClaimKind::NoEffectInComparator {
        return no_effect_verdict(used);
    }
    // A pool used for the verdict stands for its inputs.
    let mut dirs: Vec<Direction> = Vec::new();
    let mut pooled_inputs: Vec<&str> = Vec::new();
    if let Some(p) = pooled.filter(|p| p.used_for_verdict) {
        dirs.push(if p.ci_low > 0.0 {
            Direction::FavoursBackward
        } else if p.ci_high < 0.0 {
            Direction::FavoursComparator
        } else {
            Direction::Null
        });
        pooled_inputs = p.inputs.iter().map(String::as_str).collect();
    }
    dirs.extend(
        used.iter()
            .filter(|u| !pooled_inputs.contains(&u.finding.main_check_id().as_str()))
            .map(|u| u.direction),
    );
    let n = |d: Direction| dirs.iter().filter(|x| **x == d).count();
    let (fb, fc, null) = (
        n(Direction::FavoursBackward),
        n(Direction::FavoursComparator),
        n(Direction::Null),
    );
    let counts = format!(
        "{}, {}, {}",
        count(fb, "favours backward walking", "favour backward walking"),
        count(null, "shows no difference", "show no difference"),
        count(fc, "favours the comparator", "favour the comparator")
    );
    if fb == 0 {
        return (
            ClaimVerdict::NotSupported,
            format!("no result shows a benefit ({counts})"),
        );
    }
    if fc > 0 || null > 0 {
        return (
            ClaimVerdict::PartlySupported,
            format!("results are mixed ({counts})"),
        );
    }
    if magnitude == Magnitude::Important {
        let short: Vec<String> = used
            .iter()
            .filter(|u| u.direction == Direction::FavoursBackward)
            .filter_map(|u| {
                let m = u.finding.mcid()?;
                let e = u.finding.estimate()?;
                (e.value.abs() < m).then(|| {
                    let unit = if e.unit.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", e.unit)
                    };
                    format!(
                        "{} ({}{unit} against an MCID of {}{unit})",
                        u.finding.study.id,
                        fmt(e.value),
                        fmt(m)
                    )
                })
            })
            .collect();
        if !short.is_empty() {
            return (
                ClaimVerdict::PartlySupported,
                format!(
                    "all results favour backward walking ({counts}), but the claim says the effect is clinically important and these fall short of the MCID: {}",
                    short.join(", ")
                ),
            );
        }
    }
    (
        ClaimVerdict::Supported,
        format!("every result favours backward walking ({counts})"),
    )
}

fn no_effect_verdict(used: &[Used<'_, '_>]) -> (ClaimVerdict, String) {
    let improved: Vec<&str> = used
        .iter()
        .filter(|u| u.direction == Direction::FavoursComparator)
        .map(|u| u.finding.study.id.as_str())
        .collect();
    if !improved.is_empty() {
        return (
            ClaimVerdict::NotSupported,
            format!(
                "the comparator arm improved in {}, against the claim",
                improved.join(", ")
            ),
        );
    }
    let rules_out = |u: &&Used<'_, '_>| {
        let (Some(m), Some(e)) = (u.finding.mcid(), u.finding.estimate()) else {
            return false;
        };
        e.ci.is_some_and(|(lo, hi)| lo > -m && hi < m)
    };
    let k = used.iter().filter(rules_out).count();
    if k == used.len() {
        (
            ClaimVerdict::Supported,
            "every result's CI lies inside ±MCID: an important improvement is ruled out".into(),
        )
    } else if k > 0 {
        (
            ClaimVerdict::PartlySupported,
            format!(
                "{k} of {} results rule out an improvement the size of the MCID",
                used.len()
            ),
        )
    } else {
        (
            ClaimVerdict::NotSupported,
            "no result rules out an improvement the size of the MCID (a CI inside ±MCID); p ≥ 0.05 alone is absence of evidence, not evidence of absence".into(),
        )
    }
}

/// Combines part verdicts into the claim's.
pub fn combine(parts: &[ClaimVerdict]) -> ClaimVerdict {
    let all = |v: ClaimVerdict| parts.iter().all(|p| *p == v);
    if parts.is_empty() || all(ClaimVerdict::NoEvidenceInData) {
        ClaimVerdict::NoEvidenceInData
    } else if all(ClaimVerdict::Supported) {
        ClaimVerdict::Supported
    } else if parts
        .iter()
        .any(|p| matches!(p, ClaimVerdict::Supported | ClaimVerdict::PartlySupported))
    {
        ClaimVerdict::PartlySupported
    } else {
        ClaimVerdict::NotSupported
    }
}

/// Pools the part's comparable effects (same metric and unit, printed CI), oriented so that
/// positive favours backward walking. `None` unless two or more share the most common metric.
pub fn pool(part: &str, used: &[Used<'_, '_>]) -> (Option<PooledEvidence>, Option<f64>) {
    // (metric key, [(check id, effect, is a review)])
    type Group = (String, Vec<(String, StudyEffect, bool)>);
    let mut groups: Vec<Group> = Vec::new();
    for u in used {
        let f = u.finding;
        let (Some(e), Some(better)) = (f.estimate(), f.better()) else {
            continue;
        };
        let Some((lo, hi)) = e.ci else { continue };
        if e.unit.is_empty() || e.metric == "pooled_effect" || f.met_partner.is_some() {
            continue;
        }
        let sign = if better == Better::Lower { -1.0 } else { 1.0 };
        let se = (hi - lo) / (2.0 * dist::z_crit());
        if se.is_nan() || se <= 0.0 {
            continue;
        }
        let key = format!("{} ({})", e.metric, e.unit);
        let item = (
            f.main_check_id(),
            StudyEffect {
                yi: sign * e.value,
                vi: se * se,
            },
            f.study.design == DesignKind::MetaAnalysis,
        );
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(item),
            None => groups.push((key, vec![item])),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.1.len()));
    let Some((metric, items)) = groups.into_iter().next().filter(|(_, v)| v.len() >= 2) else {
        return (None, None);
    };
    let effects: Vec<StudyEffect> = items.iter().map(|(_, e, _)| *e).collect();
    let Ok(fit) = rma(&effects, Tau2Method::Reml, MetaTest::Z) else {
        return (None, None);
    };
    let reviews = items.iter().filter(|(_, _, r)| *r).count();
    let egger_p = (effects.len() >= 10)
        .then(|| egger(&effects).ok().map(|e| e.p))
        .flatten();
    let used_for_verdict = reviews < 2;
    (
        Some(PooledEvidence {
            part: part.to_string(),
            metric: format!("{metric}, oriented so that positive favours backward walking"),
            inputs: items.iter().map(|(id, _, _)| id.clone()).collect(),
            estimate: fit.estimate,
            ci_low: fit.ci.low,
            ci_high: fit.ci.high,
            i2: fit.i2,
            used_for_verdict,
            note: if used_for_verdict {
                "random-effects (REML) pool of comparable results; it stands for its inputs in the verdict".into()
            } else {
                format!(
                    "{reviews} of the inputs are reviews that may include the same trials: shown for orientation, not used for the verdict"
                )
            },
        }),
        egger_p,
    )
}

/// "1 result favours" / "2 results favour".
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A number for a sentence: up to 3 significant decimals, no trailing zeros.
pub fn fmt(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}
