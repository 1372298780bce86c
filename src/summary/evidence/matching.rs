//! PICO matching: is a finding evidence for one part of a claim? Each rule reads typed fields
//! only (domain, comparator, test kind, arms, duration, duplicate link), in this order, and the
//! first rule that fails names the reason:
//!
//! 1. a report of a review already in the pack (`duplicate_of`) is counted once;
//! 2. the outcome's domain must be the part's domain;
//! 3. an omnibus or interaction test cannot show a pairwise claim;
//! 4. a within-arm change cannot show a between-arm claim (except, for a claim that the
//!    comparator does not improve, a change within the comparator's own arm);
//! 5. the comparison must be the claim's: backward walking (first arm `backward` or an add-on
//!    `backward_plus_*`) against the claimed comparator (`any` = control or forward); for a
//!    `no_effect_in_comparator` claim, the comparator's arm against control or its baseline;
//! 6. the intervention must last at least as long as the claim says (`min_duration_weeks`);
//! 7. the direction must be derivable from typed fields (see [`super::findings::Finding::side`]).

use crate::ingest::literature::Arms;
use crate::ingest::literature::Claim;
use crate::results::evidence::{
    ClaimComparator, ClaimKind, Comparator, Direction, ExclusionReason, OutcomeDomain, TestKind,
};

use super::findings::{Finding, Side};

/// Whether an arm id is a backward-walking arm (alone or added to another programme).
pub fn is_backward_arm(id: &str) -> bool {
    id == "backward" || id.starts_with("backward_plus_")
}

/// The arm id a `no_effect_in_comparator` claim is about.
fn comparator_arm(c: ClaimComparator) -> &'static str {
    match c {
        ClaimComparator::Forward | ClaimComparator::Any => "forward",
        ClaimComparator::Control => "control",
    }
}

/// Why a finding is not evidence for the part, or `Ok` with its direction.
pub fn judge_finding(
    f: &Finding<'_>,
    claim: &Claim,
    domain: OutcomeDomain,
) -> Result<Direction, (ExclusionReason, String)> {
    if let Some(d) = &f.study.duplicate_of {
        return Err((
            ExclusionReason::Duplicate,
            format!(
                "{} reports the same review as {d}, counted once",
                f.study.id
            ),
        ));
    }
    if f.main.outcome_domain != domain {
        return Err((
            ExclusionReason::DomainMismatch,
            format!(
                "outcome `{}` measures {}, not {}",
                f.main.outcome,
                f.main.outcome_domain.id(),
                domain.id()
            ),
        ));
    }
    let about_comparator = claim.claim_kind == ClaimKind::NoEffectInComparator;
    match f.test_kind() {
        Some(k @ (TestKind::Omnibus | TestKind::Interaction)) => {
            return Err((
                ExclusionReason::NotPairwise,
                format!(
                    "an {} test ({}) cannot show a pairwise claim",
                    k.id(),
                    f.main.arms.text()
                ),
            ));
        }
        Some(TestKind::WithinArm) if !about_comparator => {
            return Err((
                ExclusionReason::WithinArm,
                "a change within one arm cannot show a difference between arms".into(),
            ));
        }
        Some(TestKind::Association) => {
            return Err((
                ExclusionReason::NotPairwise,
                "an association (correlation or prediction) does not compare interventions".into(),
            ));
        }
        _ => {}
    }
    comparison_matches(f, claim)?;
    if let (Some(min), Some(d)) = (claim.min_duration_weeks, f.study.duration_weeks)
        && d < min
    {
        return Err((
            ExclusionReason::DurationTooShort,
            format!(
                "{} lasted {d} week(s); the claim speaks of at least {min}",
                f.study.id
            ),
        ));
    }
    let Some(side) = f.side() else {
        return Err((
            ExclusionReason::NoDirection,
            "significant, but the source states no direction and the pack has no arm means to derive it".into(),
        ));
    };
    Ok(match (side, about_comparator) {
        (Side::First, false) => Direction::FavoursBackward,
        (Side::Second, false) => Direction::FavoursComparator,
        // The claim is about the comparator's arm: it improving is "favours comparator".
        (Side::First, true) => Direction::FavoursComparator,
        (Side::Second | Side::Neither, _) => Direction::Null,
    })
}

/// Rule 5: the comparison is the claim's.
fn comparison_matches(f: &Finding<'_>, claim: &Claim) -> Result<(), (ExclusionReason, String)> {
    let arms = &f.main.arms;
    let mismatch = |why: String| Err((ExclusionReason::ComparatorMismatch, why));
    if f.met_partner.is_some() {
        return Ok(());
    }
    if claim.claim_kind == ClaimKind::NoEffectInComparator {
        let arm = comparator_arm(claim.comparator);
        let first_ok = arms.first() == Some(arm);
        let vs_ok = matches!(f.main.comparator, Comparator::Control | Comparator::Pre);
        if first_ok && vs_ok {
            return Ok(());
        }
        return mismatch(format!(
            "compares {} with {}; the claim is about the {arm} arm against control or its baseline",
            display_arms(arms),
            f.main.comparator.id()
        ));
    }
    if !arms.first().is_some_and(is_backward_arm) {
        return mismatch(format!(
            "compares {}, not backward walking with a comparator",
            display_arms(arms)
        ));
    }
    let ok = match claim.comparator {
        ClaimComparator::Control => f.main.comparator == Comparator::Control,
        ClaimComparator::Forward => f.main.comparator == Comparator::Forward,
        ClaimComparator::Any => {
            matches!(f.main.comparator, Comparator::Control | Comparator::Forward)
        }
    };
    if ok {
        Ok(())
    } else {
        mismatch(format!(
            "compares backward walking with {}; the claim is about {}",
            f.main.comparator.id(),
            claim.comparator.id()
        ))
    }
}

fn display_arms(a: &Arms) -> String {
    match a {
        Arms::Unstated => "arms not stated".into(),
        other => other.text().replace('|', " vs "),
    }
}
