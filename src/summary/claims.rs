//! The popular article's claims, each judged against the evidence in the pack: which candidate
//! studies hold results that bear on it, which of those reached p < 0.05 in favour of backward
//! walking, whether their numbers reproduced, and whether the article's attribution matches the
//! study's journal. The energy claim is computed from Compendium METs (kcal/min = MET × 3.5 ×
//! kg / 200).

use serde::{Deserialize, Serialize};

use crate::ingest::literature::{Claim, Literature, ReportedResult};
use crate::summary::reproduce::{Check, Verdict};

/// The verdict on a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimVerdict {
    /// Every relevant result supports it.
    Supported,
    /// Some relevant results support it, or it overreaches them.
    PartlySupported,
    /// The relevant results do not support it.
    NotSupported,
    /// The pack holds no result that tests it.
    NoEvidenceInData,
}

impl ClaimVerdict {
    /// The snake_case id.
    pub fn id(self) -> &'static str {
        match self {
            ClaimVerdict::Supported => "supported",
            ClaimVerdict::PartlySupported => "partly_supported",
            ClaimVerdict::NotSupported => "not_supported",
            ClaimVerdict::NoEvidenceInData => "no_evidence_in_data",
        }
    }
}

/// One judged claim (`claims.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimResult {
    /// Claim id.
    pub claim_id: String,
    /// The claim.
    pub claim: String,
    /// Studies and check ids behind the verdict.
    pub evidence: Evidence,
    /// The verdict.
    pub verdict: ClaimVerdict,
    /// One sentence why.
    pub reason: String,
    /// Attribution problems, if any.
    pub attribution: Option<String>,
}

/// The evidence behind a claim.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Candidate studies.
    pub studies: Vec<String>,
    /// Checks on their numbers.
    pub checks: Vec<String>,
}

/// Energy cost per minute: kcal/min = MET × 3.5 × body mass (kg) / 200.
pub fn kcal_per_min(met: f64, mass_kg: f64) -> f64 {
    met * 3.5 * mass_kg / 200.0
}

/// A MET pair at the same pace: (backward row, forward row).
pub fn met_pairs(lit: &Literature) -> Vec<(&ReportedResult, &ReportedResult)> {
    let mets: Vec<&ReportedResult> = lit
        .reported
        .iter()
        .filter(|r| r.quantity == "met" && r.value.is_some())
        .collect();
    let speed = |r: &ReportedResult| {
        // "3.5 mph, level" vs "uphill": pair rows with the same speed text and grade words.
        let c = r.comparison.to_lowercase();
        let level = c.contains("level");
        let mph = c
            .split("mph")
            .next()
            .and_then(|s| s.split_whitespace().last())
            .unwrap_or("")
            .to_string();
        (mph, level)
    };
    let mut out = Vec::new();
    for b in mets.iter().filter(|r| r.arms == "backward") {
        if let Some(f) = mets
            .iter()
            .find(|f| f.arms == "forward" && speed(f) == speed(b) && !f.comparison.contains(" to "))
        {
            out.push((*b, *f));
        }
    }
    out
}

fn significant(r: &ReportedResult) -> bool {
    r.value.as_ref().is_some_and(|v| {
        (r.relation == "<" && v.value <= 0.05) || (r.relation == "=" && v.value < 0.05)
    })
}

fn attribution(claim: &Claim, lit: &Literature) -> Option<String> {
    let cited = claim.cited_source.trim();
    if cited.is_empty() || cited.eq_ignore_ascii_case("none named") {
        return Some("the article names no source for this claim".into());
    }
    let norm = |s: &str| s.to_lowercase().replace('&', "and");
    let hits: Vec<&str> = claim
        .candidate_studies
        .iter()
        .filter(|id| {
            lit.studies
                .iter()
                .any(|s| &s.id == *id && norm(&s.citation).contains(&norm(cited)))
        })
        .map(String::as_str)
        .collect();
    if hits.is_empty() {
        Some(format!(
            "the article cites {cited}, but none of the candidate studies was published there"
        ))
    } else {
        None
    }
}

/// Judges every claim.
pub fn judge(lit: &Literature, checks: &[Check]) -> Vec<ClaimResult> {
    lit.claims
        .iter()
        .map(|c| judge_one(c, lit, checks))
        .collect()
}

fn judge_one(claim: &Claim, lit: &Literature, checks: &[Check]) -> ClaimResult {
    let evidence_checks: Vec<&Check> = checks
        .iter()
        .filter(|k| claim.candidate_studies.contains(&k.study_id))
        .collect();
    let evidence = Evidence {
        studies: claim.candidate_studies.clone(),
        checks: evidence_checks.iter().map(|k| k.check_id.clone()).collect(),
    };
    let attribution = attribution(claim, lit);
    let result = |verdict, reason: String| ClaimResult {
        claim_id: claim.id.clone(),
        claim: claim.claim.clone(),
        evidence: evidence.clone(),
        verdict,
        reason,
        attribution: attribution.clone(),
    };
    if claim.candidate_studies.is_empty() {
        return result(
            ClaimVerdict::NoEvidenceInData,
            "no study in the pack tests this claim".into(),
        );
    }
    let text = claim.claim.to_lowercase();
    if text.contains("calorie") || text.contains("energy") {
        let pairs: Vec<_> = met_pairs(lit)
            .into_iter()
            .filter(|(b, _)| claim.candidate_studies.contains(&b.study_id))
            .collect();
        if pairs.is_empty() {
            return result(
                ClaimVerdict::NoEvidenceInData,
                "no MET values for backward and forward walking at the same pace".into(),
            );
        }
        let (b, f) = pairs[0];
        let (mb, mf) = (
            b.value.as_ref().map_or(f64::NAN, |v| v.value),
            f.value.as_ref().map_or(f64::NAN, |v| v.value),
        );
        let verdict = if mb > mf {
            ClaimVerdict::Supported
        } else {
            ClaimVerdict::NotSupported
        };
        return result(
            verdict,
            format!(
                "at the same pace the Compendium gives {mb} MET backward vs {mf} MET forward ({:.2}×): {:.1} vs {:.1} kcal/min for a 70 kg adult",
                mb / mf,
                kcal_per_min(mb, 70.0),
                kcal_per_min(mf, 70.0)
            ),
        );
    }
    let forward_claim =
        text.contains("forward walking") && (text.contains("no such") || text.contains("did not"));
    let relevant: Vec<&ReportedResult> = lit
        .reported
        .iter()
        .filter(|r| claim.candidate_studies.contains(&r.study_id) && r.quantity == "p")
        .filter(|r| {
            if forward_claim {
                r.arms == "forward" || r.arms.starts_with("forward|")
            } else {
                r.arms.split('|').any(|a| a == "backward")
            }
        })
        .collect();
    if relevant.is_empty() {
        let what = if forward_claim {
            "within-forward or forward-vs-control results"
        } else {
            "p-values comparing or following backward walking"
        };
        return result(
            ClaimVerdict::NoEvidenceInData,
            format!("the candidate studies report no {what} in the pack"),
        );
    }
    let sig = relevant.iter().filter(|r| significant(r)).count();
    let inconsistent = evidence_checks
        .iter()
        .filter(|k| k.verdict == Verdict::Inconsistent)
        .count();
    let studies_with: Vec<&str> = {
        let mut v: Vec<&str> = relevant
            .iter()
            .filter(|r| significant(r))
            .map(|r| r.study_id.as_str())
            .collect();
        v.dedup();
        v
    };
    // A claim that forward walking did *not* help is contradicted by significant forward results.
    let mut verdict = match (forward_claim, sig == relevant.len(), sig > 0) {
        (false, true, _) => ClaimVerdict::Supported,
        (false, false, true) => ClaimVerdict::PartlySupported,
        (false, false, false) => ClaimVerdict::NotSupported,
        (true, true, _) => ClaimVerdict::NotSupported,
        (true, false, true) => ClaimVerdict::PartlySupported,
        (true, false, false) => ClaimVerdict::Supported,
    };
    let mut reason = format!(
        "{sig} of {} relevant p-values{} in the candidate studies are below 0.05 ({})",
        relevant.len(),
        if forward_claim {
            " of the forward arm"
        } else {
            ""
        },
        if studies_with.is_empty() {
            "none".to_string()
        } else {
            studies_with.join(", ")
        }
    );
    if forward_claim && sig > 0 {
        reason.push_str(": forward walking did improve there, against the claim");
    }
    if inconsistent > 0 {
        reason.push_str(&format!(
            "; {inconsistent} of their checked numbers did not reproduce"
        ));
        if verdict == ClaimVerdict::Supported {
            verdict = ClaimVerdict::PartlySupported;
        }
    }
    if attribution.is_some() && verdict == ClaimVerdict::Supported {
        // The evidence exists, but not where the article says: the claim as made overreaches.
        verdict = ClaimVerdict::PartlySupported;
        reason.push_str("; the study the article attributes it to is not the one that shows it");
    }
    result(verdict, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kcal_formula() {
        // 6.0 MET × 3.5 × 70 kg / 200 = 7.35 kcal/min.
        assert!((kcal_per_min(6.0, 70.0) - 7.35).abs() < 1e-12);
    }
}
