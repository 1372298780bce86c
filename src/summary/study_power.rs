//! The power each primary study of the pack had to detect a minimal important difference
//! (issue 20): a two-sided two-sample t test at α = 0.05 (R `power.t.test`, through
//! `stats::power::two_sample_t_power`), with the arms' n as printed (or, where only the total
//! is printed, an equal split of it, said so), and the outcome's MCID with the SD pooled from
//! the printed arm SDs where the pack has both; otherwise a standardised difference of half an
//! SD (Norman, Sloan & Wyrwich 2003), said so. A study with less than 50 % power "could not
//! have detected" such an effect: the claims' imprecision rule names it.

use crate::ingest::literature::{Arms, Literature, Quantity, StudyInfo};
use crate::results::evidence::DesignKind;
use crate::results::reproduction::StudyPower;
use crate::stats::power::{Sides, two_sample_t_power};

/// The level of the test whose power is computed.
pub const ALPHA: f64 = 0.05;
/// Below this power a study "could not have detected" the difference.
pub const LOW_POWER: f64 = 0.5;
/// The standardised minimal important difference used when the pack gives none (half an SD).
pub const HALF_SD: f64 = 0.5;

/// Per-arm n as printed: `n` rows of single arms, else the largest n of each arm's summary rows.
fn printed_arm_n(lit: &Literature, s: &StudyInfo) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = Vec::new();
    for arm in &s.arms {
        let from_rows = lit
            .reported
            .iter()
            .filter(|r| r.study_id == s.id && r.quantity == Quantity::N)
            .filter(|r| matches!(&r.arms, Arms::One(a) if a == arm))
            .filter_map(|r| r.value.as_ref().map(|v| v.value))
            .next();
        let from_summaries = lit
            .summaries
            .iter()
            .filter(|m| m.study_id == s.id && &m.arm == arm)
            .filter_map(|m| m.n.as_ref().map(|v| v.value))
            .reduce(f64::max);
        if let Some(n) = from_rows.or(from_summaries) {
            out.push((arm.clone(), n));
        }
    }
    out
}

/// The MCID and pooled printed SD of an outcome of the study, where the pack has both.
fn mcid_with_sd(lit: &Literature, s: &StudyInfo, arms: [&str; 2]) -> Option<(String, f64, f64)> {
    lit.summaries
        .iter()
        .filter(|m| m.study_id == s.id && m.mcid.is_some())
        .find_map(|m| {
            let sd = |arm: &str| {
                lit.summaries
                    .iter()
                    .find(|x| {
                        x.study_id == s.id
                            && x.outcome == m.outcome
                            && x.timepoint == m.timepoint
                            && x.arm == arm
                            && x.dispersion == "sd"
                    })
                    .and_then(|x| x.sd.as_ref())
                    .map(|v| v.value)
            };
            let (a, b) = (sd(arms[0])?, sd(arms[1])?);
            let pooled = ((a * a + b * b) / 2.0).sqrt();
            Some((m.outcome.clone(), m.mcid.as_ref()?.value, pooled))
        })
}

/// Studies known only from their summary rows (a user's own table for `check`): the arms with
/// a printed n, in file order, as a primary study of unknown design.
fn studies_from_summaries(lit: &Literature) -> Vec<StudyInfo> {
    let mut out: Vec<StudyInfo> = Vec::new();
    for m in &lit.summaries {
        if lit.study(&m.study_id).is_some() || m.arm == "all" || m.n.is_none() {
            continue;
        }
        match out.iter_mut().find(|s| s.id == m.study_id) {
            Some(s) if !s.arms.contains(&m.arm) => s.arms.push(m.arm.clone()),
            Some(_) => {}
            None => out.push(StudyInfo {
                line: m.line,
                id: m.study_id.clone(),
                citation: String::new(),
                design: DesignKind::Rct,
                design_text: String::new(),
                population: String::new(),
                population_domain: crate::results::evidence::PopulationDomain::Other,
                arms: vec![m.arm.clone()],
                n_randomised: None,
                randomised: crate::results::evidence::Tri::Unclear,
                blinded: crate::results::evidence::Tri::Unclear,
                itt: crate::results::evidence::Tri::Unclear,
                duration_weeks: None,
                journal: String::new(),
                duplicate_of: None,
            }),
        }
    }
    out
}

/// The power of every primary study with two or more arms and a known sample size (studies
/// of `studies.csv`, and studies that only summary rows name).
pub fn study_power(lit: &Literature) -> Vec<StudyPower> {
    let mut out = Vec::new();
    let extra = studies_from_summaries(lit);
    for s in lit.studies.iter().chain(&extra) {
        if !matches!(s.design, DesignKind::Rct | DesignKind::QuasiExperimental) || s.arms.len() < 2
        {
            continue;
        }
        let mut arms = printed_arm_n(lit, s);
        let mut assumptions = Vec::new();
        if arms.len() < 2 {
            let Some(total) = s.n_randomised else {
                continue;
            };
            let each = total / s.arms.len() as f64;
            arms = s.arms.iter().map(|a| (a.clone(), each)).collect();
            assumptions.push(format!(
                "per-arm n not printed: {total} split equally over {} arms",
                s.arms.len()
            ));
        }
        // Backward walking against its first comparator.
        let first = arms.iter().position(|(a, _)| a == "backward").unwrap_or(0);
        let second = (0..arms.len()).find(|i| *i != first).unwrap_or(1);
        let (a1, n1) = arms[first].clone();
        let (a2, n2) = arms[second].clone();
        let (outcome, delta, sd) = match mcid_with_sd(lit, s, [&a1, &a2]) {
            Some((o, m, sd)) => (Some(o), m, sd),
            None => {
                assumptions.push(
                    "no outcome with both an MCID and printed SDs: the difference is half an SD (Norman et al. 2003)"
                        .into(),
                );
                (None, HALF_SD, 1.0)
            }
        };
        let Ok(power) = two_sample_t_power(n1, n2, delta, sd, ALPHA, Sides::Two) else {
            continue;
        };
        let note = if power < LOW_POWER {
            format!(
                "could not have detected it: {:.0} % power, below {:.0} %",
                100.0 * power,
                100.0 * LOW_POWER
            )
        } else {
            format!("{:.0} % power", 100.0 * power)
        };
        out.push(StudyPower {
            study_id: s.id.clone(),
            arms: format!("{a1}|{a2}"),
            n1,
            n2,
            outcome,
            delta,
            sd,
            power,
            assumptions,
            note,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifteen_per_arm_could_not_detect_half_an_sd() {
        // R 4.2: power.t.test(n = 15, delta = 0.5, sd = 1)$power = 0.261931262346821
        let p = two_sample_t_power(15.0, 15.0, HALF_SD, 1.0, ALPHA, Sides::Two).unwrap();
        assert!((p - 0.261_931_262_346_821).abs() < 1e-12, "{p}");
        assert!(p < LOW_POWER);
    }
}
