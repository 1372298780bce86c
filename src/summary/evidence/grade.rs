//! GRADE-style certainty of the evidence for one claim part (GRADE handbook, Schünemann et al.
//! 2013, sections 5.1-5.2). Start high when any result comes from randomised comparisons, low
//! otherwise; each domain below lowers it by one level (imprecision by two when very serious), and every step is named:
//!
//! - **risk of bias**: (when starting high) a study not randomised; for patient-reported
//!   outcomes (pain, function, quality of life, sleep) a study not blinded, or blinding
//!   reported by none; no intention-to-treat analysis; completion below 80 % in an arm; a
//!   printed number of the study that does not reproduce or is inconsistent;
//! - **inconsistency**: results in opposite directions, or I² > 50 % in a pooled result;
//! - **indirectness**: a population other than the claim's, an intervention of unreported
//!   length when the claim names one, an add-on arm (`backward_plus_*`), a dose the claim names
//!   but no study tested;
//! - **imprecision**: a CI that includes the null or the MCID, or fewer than 400 participants
//!   in all (the GRADE optimal-information-size rule of thumb), or participants not reported;
//!   two levels ("very serious") when fewer than 100 participants stand behind the part; a
//!   study with less than 50 % power to detect a minimal important difference is named;
//! - **publication bias**: Egger's test p < 0.10 when 10 or more results are pooled.

use crate::ingest::literature::{Literature, Quantity};
use crate::results::evidence::{
    Certainty, ClaimKind, Direction, Downgrade, GradeDomain, OutcomeDomain, PopulationDomain, Tri,
};
use crate::results::reproduction::{Check, StudyPower};

use super::findings::Finding;
use super::matching::is_backward_arm;

/// The GRADE optimal-information-size rule of thumb for continuous outcomes.
pub const OIS_PARTICIPANTS: f64 = 400.0;
/// Completion below this share (percent) in any arm is a risk of bias (attrition).
pub const MIN_COMPLETION_PCT: f64 = 80.0;
/// I² above this (percent) is inconsistency.
pub const MAX_I2: f64 = 50.0;
/// Fewer participants than this in all is very serious imprecision (two levels).
pub const VERY_SERIOUS_PARTICIPANTS: f64 = 100.0;

/// A used finding with its direction.
pub struct Used<'f, 'a> {
    /// The finding.
    pub finding: &'f Finding<'a>,
    /// Its direction relative to the claim.
    pub direction: Direction,
}

/// What the certainty of one part rests on.
pub struct PartEvidence<'u, 'f, 'a> {
    /// The part id (`C1.pain`).
    pub part: &'u str,
    /// The part's domain.
    pub domain: OutcomeDomain,
    /// The findings used.
    pub used: &'u [Used<'f, 'a>],
    /// I² of a pool of comparable results, when one was made and used.
    pub pooled_i2: Option<f64>,
    /// Egger's p when 10 or more results were pooled.
    pub egger_p: Option<f64>,
    /// Each study's power to detect a minimal important difference.
    pub powers: &'u [StudyPower],
}

fn patient_reported(d: OutcomeDomain) -> bool {
    matches!(
        d,
        OutcomeDomain::Pain
            | OutcomeDomain::Function
            | OutcomeDomain::QualityOfLife
            | OutcomeDomain::Sleep
    )
}

fn studies<'f, 'a>(used: &[Used<'f, 'a>]) -> Vec<&'f Finding<'a>> {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for u in used {
        if !seen.contains(&u.finding.study.id.as_str()) {
            seen.push(&u.finding.study.id);
            out.push(u.finding);
        }
    }
    out
}

fn risk_of_bias(
    e: &PartEvidence<'_, '_, '_>,
    start_high: bool,
    lit: &Literature,
    checks: &[Check],
) -> Vec<String> {
    let mut why = Vec::new();
    let found = studies(e.used);
    for f in &found {
        let s = f.study;
        if start_high && s.randomised == Tri::No {
            why.push(format!("{} is not randomised", s.id));
        }
        if patient_reported(e.domain) && s.blinded == Tri::No {
            why.push(format!("{} is not blinded", s.id));
        }
        if s.itt == Tri::No {
            why.push(format!("{} did not analyse by intention to treat", s.id));
        }
        let low_completion: Vec<String> = lit
            .reported
            .iter()
            .filter(|r| r.study_id == s.id && r.quantity == Quantity::CompletionPct)
            .filter_map(|r| r.value.as_ref())
            .filter(|v| v.value < MIN_COMPLETION_PCT)
            .map(|v| format!("{} %", v.text))
            .collect();
        if !low_completion.is_empty() {
            why.push(format!(
                "{} lost more than {} % of an arm (completion {})",
                s.id,
                100.0 - MIN_COMPLETION_PCT,
                low_completion.join(", ")
            ));
        }
        let bad: Vec<&str> = checks
            .iter()
            .filter(|c| c.study_id == s.id && c.verdict.is_finding())
            .map(|c| c.check_id.as_str())
            .collect();
        if !bad.is_empty() {
            why.push(format!(
                "{} printed numbers that do not reproduce or are inconsistent ({})",
                s.id,
                bad.join(", ")
            ));
        }
    }
    if patient_reported(e.domain) && found.iter().all(|f| f.study.blinded == Tri::Unclear) {
        why.push("no study reports blinded assessment of a patient-reported outcome".into());
    }
    why
}

fn inconsistency(e: &PartEvidence<'_, '_, '_>) -> Vec<String> {
    let mut why = Vec::new();
    let has = |d: Direction| e.used.iter().any(|u| u.direction == d);
    if has(Direction::FavoursBackward) && has(Direction::FavoursComparator) {
        why.push("results point in opposite directions".into());
    }
    for u in e.used {
        if let Some(i2) = u.finding.i2.filter(|i| *i > MAX_I2) {
            why.push(format!("{} reports I² = {i2} %", u.finding.study.id));
        }
    }
    if let Some(i2) = e.pooled_i2.filter(|i| *i > MAX_I2) {
        why.push(format!("the pooled results have I² = {i2:.0} %"));
    }
    why
}

fn population_fits(claim: &[PopulationDomain], study: PopulationDomain) -> bool {
    claim.contains(&study)
        || (claim.contains(&PopulationDomain::General)
            && matches!(
                study,
                PopulationDomain::Healthy | PopulationDomain::OlderAdults
            ))
}

fn indirectness(
    e: &PartEvidence<'_, '_, '_>,
    claim: &crate::ingest::literature::Claim,
) -> Vec<String> {
    let mut why = Vec::new();
    for f in studies(e.used) {
        let s = f.study;
        if !population_fits(&claim.population_domains, s.population_domain) {
            let studied = if s.population_domain == PopulationDomain::Other {
                "a population not stated or outside the pack's domains".to_string()
            } else {
                s.population_domain.id().to_string()
            };
            why.push(format!(
                "{} studied {studied} (the claim is about {})",
                s.id,
                claim
                    .population_domains
                    .iter()
                    .map(|p| p.id())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if claim.min_duration_weeks.is_some() && s.duration_weeks.is_none() {
            why.push(format!(
                "{} does not report how long the intervention lasted",
                s.id
            ));
        }
    }
    for u in e.used {
        if let Some(a) = u
            .finding
            .main
            .arms
            .first()
            .filter(|a| is_backward_arm(a) && *a != "backward")
        {
            why.push(format!(
                "{} tests {a}, backward walking added to another programme",
                u.finding.study.id
            ));
        }
    }
    if claim.claim_kind == ClaimKind::Dose {
        why.push("no study tested the dose the claim names".into());
    }
    why
}

/// The imprecision reasons, and whether they are very serious (two levels).
fn imprecision(e: &PartEvidence<'_, '_, '_>) -> (Vec<String>, bool) {
    let mut why = Vec::new();
    for u in e.used {
        let f = u.finding;
        let Some((lo, hi)) = f.estimate().and_then(|e| e.ci) else {
            continue;
        };
        if lo <= 0.0 && hi >= 0.0 {
            why.push(format!("the CI of {} includes no effect", f.study.id));
        } else if let Some(m) = f.mcid() {
            let (a, b) = (lo.abs().min(hi.abs()), lo.abs().max(hi.abs()));
            if a < m && b > m {
                why.push(format!(
                    "the CI of {} includes effects below and above the MCID ({m})",
                    f.study.id
                ));
            }
        }
    }
    let mut total = 0.0;
    let mut unknown = Vec::new();
    for f in studies(e.used) {
        if f.study.design == crate::results::evidence::DesignKind::Reference {
            continue;
        }
        match f.n() {
            Some(n) => total += n,
            None => unknown.push(f.study.id.as_str()),
        }
    }
    for f in studies(e.used) {
        if let Some(p) = e
            .powers
            .iter()
            .find(|p| p.study_id == f.study.id && p.power < crate::summary::study_power::LOW_POWER)
        {
            why.push(format!(
                "{} had {:.0} % power to detect a minimal important difference: it could not have detected it",
                p.study_id,
                100.0 * p.power
            ));
        }
    }
    let mut very_serious = false;
    if !unknown.is_empty() {
        why.push(format!(
            "participants not reported for {}",
            unknown.join(", ")
        ));
    } else if total > 0.0 && total < OIS_PARTICIPANTS {
        very_serious = total < VERY_SERIOUS_PARTICIPANTS;
        why.push(format!(
            "{total} participants in all, fewer than the {OIS_PARTICIPANTS} of the GRADE rule of thumb{}",
            if very_serious {
                " and fewer than 100: very serious (two levels)"
            } else {
                ""
            }
        ));
    }
    (why, very_serious)
}

/// The certainty of one part's evidence and its downgrades (each domain at most once).
pub fn certainty(
    e: &PartEvidence<'_, '_, '_>,
    claim: &crate::ingest::literature::Claim,
    lit: &Literature,
    checks: &[Check],
) -> (Certainty, Vec<Downgrade>) {
    let start_high = e
        .used
        .iter()
        .any(|u| u.finding.study.randomised == Tri::Yes);
    let start = if start_high {
        Certainty::High
    } else {
        Certainty::Low
    };
    let mut downgrades = Vec::new();
    let mut levels = 0;
    let mut add = |domain: GradeDomain, why: Vec<String>, two: bool| {
        if !why.is_empty() {
            levels += if two { 2 } else { 1 };
            downgrades.push(Downgrade {
                part: e.part.to_string(),
                domain,
                reason: why.join("; "),
            });
        }
    };
    add(
        GradeDomain::RiskOfBias,
        risk_of_bias(e, start_high, lit, checks),
        false,
    );
    add(GradeDomain::Inconsistency, inconsistency(e), false);
    add(GradeDomain::Indirectness, indirectness(e, claim), false);
    let (why, very_serious) = imprecision(e);
    add(GradeDomain::Imprecision, why, very_serious);
    if let Some(p) = e.egger_p.filter(|p| *p < 0.10) {
        add(
            GradeDomain::PublicationBias,
            vec![format!("Egger's test p = {p:.3} over the pooled results")],
            false,
        );
    }
    (start.lowered(levels), downgrades)
}
