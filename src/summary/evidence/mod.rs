//! Claim verdicts a systematic reviewer would sign: the article's claims judged against the
//! typed evidence of the literature pack.
//!
//! The pipeline, one file per step:
//! 1. [`findings`]: the candidate studies' rows grouped into results (effect + p + I² + the
//!    arms' printed means; MET pairs under the same condition) with a direction derived from
//!    typed fields;
//! 2. [`matching`]: PICO matching per claim part (outcome domain): every finding used or
//!    excluded with a typed reason;
//! 3. [`verdict`]: the part's verdict by a fixed rule, comparable effects pooled with the
//!    `meta` engine, parts combined into the claim's verdict;
//! 4. [`grade`]: GRADE-style certainty with every downgrade named.
//!
//! Attribution (the named source is not the study that shows it; a website is not a journal)
//! is reported beside the verdict and never changes it. Nothing here reads the prose of a
//! claim, a comparison or a note: only the pack's coded columns (DESIGN §2: `summary` must not
//! match words in prose to decide anything).

pub mod energy;
pub mod findings;
pub mod grade;
pub mod matching;
pub mod verdict;

pub use energy::{kcal_per_min, met_pairs};

use crate::ingest::literature::{Claim, Literature, Quantity, ReportedResult, SummaryStat};
use crate::results::evidence::{
    ClaimKind, ClaimPart, ClaimResult, ClaimVerdict, EvidenceExcluded, EvidenceUsed,
    ExclusionReason, PooledEvidence, SourceKind,
};
use crate::results::reproduction::{Check, StudyPower};
use crate::summary::reproduce::{reported_check_id, summary_check_id};

use findings::Finding;
use grade::{PartEvidence, Used};

/// Judges every claim of the pack; `powers` (from `summary::study_power`) name the studies
/// that could not have detected a minimal important difference.
pub fn judge(lit: &Literature, checks: &[Check], powers: &[StudyPower]) -> Vec<ClaimResult> {
    lit.claims
        .iter()
        .map(|c| judge_claim(c, lit, checks, powers))
        .collect()
}

/// Evidence gathered for a claim, part by part.
#[derive(Default)]
struct Gathered {
    parts: Vec<ClaimPart>,
    used: Vec<EvidenceUsed>,
    downgrades: Vec<crate::results::evidence::Downgrade>,
    pooled: Vec<PooledEvidence>,
}

fn evidence_used(part: &str, u: &Used<'_, '_>) -> EvidenceUsed {
    let f = u.finding;
    let est = f.estimate();
    let mcid = f.mcid();
    EvidenceUsed {
        check_id: f.main_check_id(),
        part: part.to_string(),
        study_id: f.study.id.clone(),
        outcome: f.main.outcome.clone(),
        outcome_domain: f.main.outcome_domain,
        comparator: f.main.comparator,
        test_kind: f
            .test_kind()
            .unwrap_or(crate::results::evidence::TestKind::BetweenArm),
        direction: u.direction,
        estimate: est.as_ref().map(|e| e.value),
        ci_low: est.as_ref().and_then(|e| e.ci.map(|c| c.0)),
        ci_high: est.as_ref().and_then(|e| e.ci.map(|c| c.1)),
        p: f.p_value(),
        metric: est.as_ref().map(|e| e.metric.clone()),
        unit: est
            .as_ref()
            .map(|e| e.unit.clone())
            .filter(|u| !u.is_empty()),
        mcid,
        reaches_mcid: match (mcid, &est) {
            (Some(m), Some(e)) => Some(e.value.abs() >= m),
            _ => None,
        },
        n: f.n(),
    }
}

fn judge_claim(
    claim: &Claim,
    lit: &Literature,
    checks: &[Check],
    powers: &[StudyPower],
) -> ClaimResult {
    let cands = findings::collect(lit, &claim.candidate_studies);
    let mut reasons: Vec<Option<(ExclusionReason, String)>> = vec![None; cands.findings.len()];
    let mut is_used = vec![false; cands.findings.len()];
    let mut g = Gathered::default();
    for domain in &claim.outcome_domains {
        let part = format!("{}.{}", claim.id, domain.id());
        let mut used = Vec::new();
        for (i, f) in cands.findings.iter().enumerate() {
            match matching::judge_finding(f, claim, *domain) {
                Ok(direction) => {
                    is_used[i] = true;
                    used.push(Used {
                        finding: f,
                        direction,
                    });
                }
                Err(r) => {
                    if r.0 != ExclusionReason::DomainMismatch || reasons[i].is_none() {
                        reasons[i] = Some(r);
                    }
                }
            }
        }
        let (pool, egger_p) = verdict::pool(&part, &used);
        let (v, rule) =
            verdict::part_verdict(claim.claim_kind, claim.magnitude, &used, pool.as_ref());
        let certainty = (!used.is_empty()).then(|| {
            let e = PartEvidence {
                part: &part,
                domain: *domain,
                used: &used,
                pooled_i2: pool.as_ref().filter(|p| p.used_for_verdict).map(|p| p.i2),
                egger_p,
                powers,
            };
            let (c, d) = grade::certainty(&e, claim, lit, checks);
            g.downgrades.extend(d);
            c
        });
        g.used.extend(used.iter().map(|u| evidence_used(&part, u)));
        g.parts.push(ClaimPart {
            part: part.clone(),
            outcome_domain: *domain,
            verdict: v,
            certainty,
            rule,
            evidence: used.iter().map(|u| u.finding.main_check_id()).collect(),
        });
        g.pooled.extend(pool);
    }
    let excluded = excluded(claim, &cands, &is_used, &reasons);
    let verdict = verdict::combine(&g.parts.iter().map(|p| p.verdict).collect::<Vec<_>>());
    let certainty = g.parts.iter().filter_map(|p| p.certainty).max();
    let attribution = attribution(claim, lit, &g.used);
    let summary = summary_sentence(
        claim,
        verdict,
        certainty,
        &g.parts,
        &cands.findings,
        &is_used,
    );
    ClaimResult {
        claim_id: claim.id.clone(),
        claim: claim.claim.clone(),
        claim_kind: claim.claim_kind,
        verdict,
        certainty,
        summary,
        parts: g.parts,
        evidence_used: g.used,
        evidence_excluded: excluded,
        downgrades: g.downgrades,
        pooled: g.pooled,
        attribution,
    }
}

fn exclude_row(r: &ReportedResult, reason: ExclusionReason, detail: &str) -> EvidenceExcluded {
    EvidenceExcluded {
        check_id: reported_check_id(r),
        reason,
        detail: detail.to_string(),
    }
}

fn exclude_summary(s: &SummaryStat, reason: ExclusionReason, detail: &str) -> EvidenceExcluded {
    EvidenceExcluded {
        check_id: summary_check_id(s),
        reason,
        detail: detail.to_string(),
    }
}

/// Every candidate row not used, with its reason; rows folded into a used finding are not
/// listed (they appear in its `p`, `estimate` and check id).
fn excluded(
    claim: &Claim,
    cands: &findings::Candidates<'_>,
    is_used: &[bool],
    reasons: &[Option<(ExclusionReason, String)>],
) -> Vec<EvidenceExcluded> {
    let domains: Vec<&str> = claim.outcome_domains.iter().map(|d| d.id()).collect();
    let mut out = Vec::new();
    for (i, f) in cands.findings.iter().enumerate() {
        if is_used[i] {
            continue;
        }
        let (reason, mut detail) = reasons[i]
            .clone()
            .unwrap_or((ExclusionReason::DomainMismatch, String::new()));
        if reason == ExclusionReason::DomainMismatch {
            detail = format!(
                "outcome `{}` measures {}; the claim is about {}",
                f.main.outcome,
                f.main.outcome_domain.id(),
                domains.join(", ")
            );
        }
        for r in &f.rows {
            out.push(exclude_row(r, reason, &detail));
        }
        if let Some((a, b)) = f.arm_means {
            for s in [a, b] {
                out.push(exclude_summary(s, reason, &detail));
            }
        }
    }
    for r in &cands.loose {
        let (reason, detail) = if r.quantity == Quantity::Met {
            (
                ExclusionReason::Unmatched,
                format!(
                    "no forward value measured under the same condition (`{}`)",
                    r.condition
                ),
            )
        } else {
            (
                ExclusionReason::NotAResult,
                format!("a {} printed alone, not a comparison", r.quantity.id()),
            )
        };
        out.push(exclude_row(r, reason, &detail));
    }
    for s in &cands.summaries {
        out.push(exclude_summary(
            s,
            ExclusionReason::NotAResult,
            &format!(
                "a per-arm summary ({} at {}) with no comparison printed beside it",
                s.arm, s.timepoint
            ),
        ));
    }
    out
}

fn norm(s: &str) -> String {
    s.trim().to_lowercase().replace('&', "and")
}

/// Attribution notes: who the article names, and whether that is where the evidence is.
fn attribution(claim: &Claim, lit: &Literature, used: &[EvidenceUsed]) -> Vec<String> {
    let cited = claim.cited_source.trim();
    match claim.source_kind {
        SourceKind::None => vec!["the article names no source for this claim".into()],
        SourceKind::Website => vec![format!(
            "the article cites {cited}, a health website, not a study"
        )],
        SourceKind::Person => vec![format!(
            "the article attributes this to {cited}, a person, not a published study"
        )],
        SourceKind::Journal => {
            let named: Vec<&str> = claim
                .candidate_studies
                .iter()
                .filter_map(|id| lit.study(id))
                .filter(|s| !s.journal.is_empty() && norm(&s.journal) == norm(cited))
                .map(|s| s.id.as_str())
                .collect();
            if named.is_empty() {
                return vec![format!(
                    "the article cites {cited}, but no candidate study in the pack was published there"
                )];
            }
            let shows = named
                .iter()
                .any(|id| used.iter().any(|u| u.study_id == *id));
            if shows {
                Vec::new()
            } else {
                vec![format!(
                    "the article cites {cited} ({}), but that study's results are not evidence for the claim as made (see the excluded rows)",
                    named.join(", ")
                )]
            }
        }
    }
}

fn summary_sentence(
    claim: &Claim,
    v: ClaimVerdict,
    certainty: Option<crate::results::evidence::Certainty>,
    parts: &[ClaimPart],
    all: &[Finding<'_>],
    is_used: &[bool],
) -> String {
    let head = match certainty {
        Some(c) => format!("{} ({} certainty)", words(v.id()), c.id().replace('_', " ")),
        None => words(v.id()),
    };
    let mut s = head;
    for (i, p) in parts.iter().enumerate() {
        s.push_str(if i == 0 { ": " } else { "; " });
        s.push_str(&format!(
            "{} {}",
            p.outcome_domain.id().replace('_', " "),
            p.verdict.id().replace('_', " ")
        ));
        // A supported part needs no explanation here; the others say why in a few words.
        match p.verdict {
            ClaimVerdict::Supported => {}
            ClaimVerdict::NoEvidenceInData => s.push_str(" (nothing in the pack measures it)"),
            _ => s.push_str(&format!(" ({})", p.rule)),
        }
    }
    if claim.claim_kind == ClaimKind::EnergyCost {
        for (f, _) in all
            .iter()
            .zip(is_used)
            .filter(|(f, u)| **u && f.met_partner.is_some())
        {
            if let (Some(b), Some(fw)) = (
                f.main.value.as_ref(),
                f.met_partner.and_then(|p| p.value.as_ref()),
            ) {
                s.push_str(&format!(
                    "; at {} the Compendium gives {} MET backward vs {} MET forward ({:.2}×), {:.1} vs {:.1} kcal/min for a 70 kg adult",
                    f.main.condition.replace('_', " "),
                    b.text,
                    fw.text,
                    b.value / fw.value,
                    kcal_per_min(b.value, 70.0),
                    kcal_per_min(fw.value, 70.0)
                ));
            }
        }
    }
    s.push('.');
    s
}

/// `partly_supported` → `Partly supported`.
fn words(id: &str) -> String {
    let t = id.replace('_', " ");
    let mut c = t.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => t,
    }
}

#[cfg(test)]
mod tests;
