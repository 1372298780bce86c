//! One test per rule: findings' directions, each exclusion reason, each verdict branch, each
//! GRADE domain. Fixtures are built in code: one study, one row at a time.

use super::findings::{Finding, Side};
use super::grade::{self, PartEvidence, Used};
use super::{matching, verdict};
use crate::ingest::literature::{
    Arms, Claim, Literature, Mcid, Printed, Quantity, Relation, ReportedResult, StudyInfo,
};
use crate::results::evidence::{
    Better, Certainty, ClaimComparator, ClaimKind, ClaimVerdict, Comparator, DesignKind, Direction,
    ExclusionReason, Favours, GradeDomain, Magnitude, OutcomeDomain, PooledEvidence,
    PopulationDomain, SourceKind, TestKind, Tri,
};

fn study(id: &str) -> StudyInfo {
    StudyInfo {
        line: 2,
        id: id.into(),
        citation: String::new(),
        design: DesignKind::Rct,
        design_text: String::new(),
        population: String::new(),
        population_domain: PopulationDomain::KneeOa,
        arms: vec!["backward".into(), "control".into()],
        n_randomised: Some(500.0),
        randomised: Tri::Yes,
        blinded: Tri::Yes,
        itt: Tri::Yes,
        duration_weeks: Some(6.0),
        journal: "Some Journal".into(),
        duplicate_of: None,
    }
}

fn pr(text: &str) -> Option<Printed> {
    Printed::parse(text)
}

/// A between-arm backward-vs-control pain result: an effect with CI (lower is better).
fn effect(est: &str, lo: &str, hi: &str) -> ReportedResult {
    ReportedResult {
        line: 2,
        study_id: "s".into(),
        outcome: "pain".into(),
        comparison: String::new(),
        arms: Arms::Pair("backward".into(), "control".into()),
        timepoint: "week6".into(),
        quantity: Quantity::Md,
        value: pr(est),
        relation: Relation::Eq,
        ci_low: pr(lo),
        ci_high: pr(hi),
        unit: "NRS points".into(),
        outcome_domain: OutcomeDomain::Pain,
        comparator: Comparator::Control,
        test_kind: Some(TestKind::BetweenArm),
        better: Some(Better::Lower),
        favours: None,
        condition: String::new(),
        mcid: None,
    }
}

/// A p-only row of the same result.
fn p_row(p: &str, relation: Relation, favours: Option<Favours>) -> ReportedResult {
    ReportedResult {
        quantity: Quantity::P,
        value: pr(p),
        relation,
        ci_low: None,
        ci_high: None,
        favours,
        ..effect("0", "", "")
    }
}

fn finding<'a>(s: &'a StudyInfo, r: &'a ReportedResult) -> Finding<'a> {
    let is_effect = r.quantity.is_effect();
    Finding {
        study: s,
        main: r,
        effect: is_effect.then_some(r),
        p: (!is_effect).then_some(r),
        rows: vec![r],
        i2: None,
        arm_means: None,
        met_partner: None,
    }
}

fn claim(kind: ClaimKind) -> Claim {
    Claim {
        line: 2,
        id: "C".into(),
        claim: String::new(),
        population: String::new(),
        cited_source: String::new(),
        candidate_studies: vec!["s".into()],
        claim_kind: kind,
        comparator: ClaimComparator::Any,
        outcome_domains: vec![OutcomeDomain::Pain],
        population_domains: vec![PopulationDomain::KneeOa],
        min_duration_weeks: Some(6.0),
        magnitude: Magnitude::Any,
        source_kind: SourceKind::Journal,
        note: String::new(),
    }
}

// ---- findings: direction from typed fields -------------------------------------------

#[test]
fn a_ci_excluding_zero_favours_the_side_its_sign_and_better_point_to() {
    let s = study("s");
    let r = effect("-1.2", "-2.0", "-0.4");
    assert_eq!(finding(&s, &r).side(), Some(Side::First)); // lower pain with backward
    let mut r = effect("1.2", "0.4", "2.0");
    assert_eq!(finding(&s, &r).side(), Some(Side::Second));
    r.better = Some(Better::Higher);
    assert_eq!(finding(&s, &r).side(), Some(Side::First));
}

#[test]
fn a_ci_including_zero_or_a_p_above_alpha_favours_neither() {
    let s = study("s");
    let r = effect("-1.2", "-2.5", "0.1");
    assert_eq!(finding(&s, &r).side(), Some(Side::Neither));
    let p = p_row("0.20", Relation::Eq, Some(Favours::First));
    assert_eq!(finding(&s, &p).side(), Some(Side::Neither));
    // p = 0.05 exactly is not below alpha; p < 0.05 is.
    let p = p_row("0.05", Relation::Eq, Some(Favours::First));
    assert_eq!(finding(&s, &p).side(), Some(Side::Neither));
    let p = p_row("0.05", Relation::Lt, Some(Favours::First));
    assert_eq!(finding(&s, &p).side(), Some(Side::First));
}

#[test]
fn a_significant_p_takes_its_direction_from_favours_or_none() {
    let s = study("s");
    let p = p_row("0.01", Relation::Eq, Some(Favours::Second));
    assert_eq!(finding(&s, &p).side(), Some(Side::Second));
    let p = p_row("0.01", Relation::Eq, None);
    assert_eq!(finding(&s, &p).side(), None);
}

// ---- matching: one test per exclusion reason --------------------------------------------

fn reason(r: &ReportedResult, s: &StudyInfo, c: &Claim) -> Option<ExclusionReason> {
    matching::judge_finding(&finding(s, r), c, OutcomeDomain::Pain)
        .err()
        .map(|e| e.0)
}

#[test]
fn each_pico_rule_names_its_reason() {
    let s = study("s");
    let c = claim(ClaimKind::Effect);
    let ok = effect("-1.2", "-2.0", "-0.4");
    assert_eq!(reason(&ok, &s, &c), None);
    let mut r = ok.clone();
    r.outcome_domain = OutcomeDomain::Sleep;
    assert_eq!(reason(&r, &s, &c), Some(ExclusionReason::DomainMismatch));
    for k in [
        TestKind::Omnibus,
        TestKind::Interaction,
        TestKind::Association,
    ] {
        let mut r = ok.clone();
        r.test_kind = Some(k);
        assert_eq!(reason(&r, &s, &c), Some(ExclusionReason::NotPairwise));
    }
    let mut r = ok.clone();
    r.test_kind = Some(TestKind::WithinArm);
    assert_eq!(reason(&r, &s, &c), Some(ExclusionReason::WithinArm));
    let mut r = ok.clone();
    r.arms = Arms::Pair("forward".into(), "control".into());
    assert_eq!(
        reason(&r, &s, &c),
        Some(ExclusionReason::ComparatorMismatch)
    );
    let mut fwd = claim(ClaimKind::Effect);
    fwd.comparator = ClaimComparator::Forward;
    assert_eq!(
        reason(&ok, &s, &fwd),
        Some(ExclusionReason::ComparatorMismatch)
    );
    let mut short = study("s");
    short.duration_weeks = Some(3.0);
    assert_eq!(
        reason(&ok, &short, &c),
        Some(ExclusionReason::DurationTooShort)
    );
    let mut dup = study("s");
    dup.duplicate_of = Some("t".into());
    assert_eq!(reason(&ok, &dup, &c), Some(ExclusionReason::Duplicate));
    let p = p_row("0.01", Relation::Eq, None);
    assert_eq!(reason(&p, &s, &c), Some(ExclusionReason::NoDirection));
}

#[test]
fn a_no_effect_claim_uses_the_comparator_arm_and_reads_its_improvement_against_the_claim() {
    let s = study("s");
    let c = claim(ClaimKind::NoEffectInComparator);
    let mut r = p_row("0.01", Relation::Eq, Some(Favours::First));
    r.arms = Arms::Pair("forward".into(), "control".into());
    let d = matching::judge_finding(&finding(&s, &r), &c, OutcomeDomain::Pain);
    assert_eq!(d, Ok(Direction::FavoursComparator));
    // A within-arm change of the comparator's own arm is evidence for this claim kind.
    r.arms = Arms::One("forward".into());
    r.comparator = Comparator::Pre;
    r.test_kind = Some(TestKind::WithinArm);
    assert!(matching::judge_finding(&finding(&s, &r), &c, OutcomeDomain::Pain).is_ok());
    // The backward arm is not what the claim is about.
    let b = effect("-1", "-2", "-0.5");
    assert_eq!(
        reason(&b, &s, &c),
        Some(ExclusionReason::ComparatorMismatch)
    );
}

// ---- verdict branches ----------------------------------------------------------------

fn used<'f, 'a>(f: &'f Finding<'a>, d: Direction) -> Used<'f, 'a> {
    Used {
        finding: f,
        direction: d,
    }
}

fn v(kind: ClaimKind, m: Magnitude, u: &[Used<'_, '_>]) -> ClaimVerdict {
    verdict::part_verdict(kind, m, u, None).0
}

#[test]
fn effect_verdict_branches() {
    let s = study("s");
    let r = effect("-1.2", "-2.0", "-0.4");
    let f = finding(&s, &r);
    let (fb, fc, null) = (
        Direction::FavoursBackward,
        Direction::FavoursComparator,
        Direction::Null,
    );
    let e = ClaimKind::Effect;
    assert_eq!(v(e, Magnitude::Any, &[]), ClaimVerdict::NoEvidenceInData);
    assert_eq!(
        v(e, Magnitude::Any, &[used(&f, null)]),
        ClaimVerdict::NotSupported
    );
    assert_eq!(
        v(e, Magnitude::Any, &[used(&f, fc)]),
        ClaimVerdict::NotSupported
    );
    assert_eq!(
        v(e, Magnitude::Any, &[used(&f, fb), used(&f, fb)]),
        ClaimVerdict::Supported
    );
    assert_eq!(
        v(e, Magnitude::Any, &[used(&f, fb), used(&f, null)]),
        ClaimVerdict::PartlySupported
    );
    assert_eq!(
        v(e, Magnitude::Any, &[used(&f, fb), used(&f, fc)]),
        ClaimVerdict::PartlySupported
    );
}

#[test]
fn an_important_effect_must_reach_the_mcid() {
    let s = study("s");
    let mut r = effect("-1.2", "-2.0", "-0.4");
    r.mcid = Some(Mcid {
        value: 2.0,
        source: "x".into(),
    });
    let f = finding(&s, &r);
    let u = [used(&f, Direction::FavoursBackward)];
    assert_eq!(
        v(ClaimKind::Effect, Magnitude::Important, &u),
        ClaimVerdict::PartlySupported
    );
    assert_eq!(
        v(ClaimKind::Effect, Magnitude::Any, &u),
        ClaimVerdict::Supported
    );
    let mut big = effect("-2.4", "-3.0", "-2.1");
    big.mcid = r.mcid.clone();
    let f = finding(&s, &big);
    assert_eq!(
        v(
            ClaimKind::Effect,
            Magnitude::Important,
            &[used(&f, Direction::FavoursBackward)]
        ),
        ClaimVerdict::Supported
    );
}

#[test]
fn no_effect_in_comparator_needs_a_ci_inside_the_mcid() {
    let s = study("s");
    let mcid = Some(Mcid {
        value: 2.0,
        source: "x".into(),
    });
    let mut inside = effect("0.2", "-0.5", "0.9");
    inside.mcid = mcid.clone();
    let mut crossing = effect("0.5", "-1.5", "2.5");
    crossing.mcid = mcid;
    let (fi, fx) = (finding(&s, &inside), finding(&s, &crossing));
    let k = ClaimKind::NoEffectInComparator;
    let null = Direction::Null;
    assert_eq!(
        v(k, Magnitude::Any, &[used(&fi, null)]),
        ClaimVerdict::Supported
    );
    assert_eq!(
        v(k, Magnitude::Any, &[used(&fx, null)]),
        ClaimVerdict::NotSupported
    );
    assert_eq!(
        v(k, Magnitude::Any, &[used(&fi, null), used(&fx, null)]),
        ClaimVerdict::PartlySupported
    );
    assert_eq!(
        v(
            k,
            Magnitude::Any,
            &[used(&fi, Direction::FavoursComparator)]
        ),
        ClaimVerdict::NotSupported
    );
    // A p ≥ 0.05 without a CI is never support.
    let p = p_row("0.62", Relation::Eq, None);
    let fp = finding(&s, &p);
    assert_eq!(
        v(k, Magnitude::Any, &[used(&fp, null)]),
        ClaimVerdict::NotSupported
    );
}

#[test]
fn a_pool_used_for_the_verdict_stands_for_its_inputs() {
    let s = study("s");
    let r = effect("-1.2", "-2.0", "-0.4");
    let f = finding(&s, &r);
    let id = f.main_check_id();
    let u = [
        used(&f, Direction::FavoursBackward),
        used(&f, Direction::Null),
    ];
    let pool = |used_for_verdict: bool, lo: f64| PooledEvidence {
        part: "C.pain".into(),
        metric: "md".into(),
        inputs: vec![id.clone()],
        estimate: 1.0,
        ci_low: lo,
        ci_high: 2.0,
        i2: 0.0,
        used_for_verdict,
        note: String::new(),
    };
    let with = |p: &PooledEvidence| {
        verdict::part_verdict(ClaimKind::Effect, Magnitude::Any, &u, Some(p)).0
    };
    // Both inputs share the check id, so the pool replaces both.
    assert_eq!(with(&pool(true, 0.5)), ClaimVerdict::Supported);
    assert_eq!(with(&pool(true, -0.5)), ClaimVerdict::NotSupported);
    assert_eq!(with(&pool(false, 0.5)), ClaimVerdict::PartlySupported);
}

#[test]
fn parts_combine_into_the_claims_verdict() {
    use ClaimVerdict::*;
    assert_eq!(verdict::combine(&[]), NoEvidenceInData);
    assert_eq!(verdict::combine(&[Supported, Supported]), Supported);
    assert_eq!(
        verdict::combine(&[Supported, NoEvidenceInData]),
        PartlySupported
    );
    assert_eq!(
        verdict::combine(&[NotSupported, PartlySupported]),
        PartlySupported
    );
    assert_eq!(
        verdict::combine(&[NotSupported, NoEvidenceInData]),
        NotSupported
    );
    assert_eq!(
        verdict::combine(&[NoEvidenceInData, NoEvidenceInData]),
        NoEvidenceInData
    );
}

// ---- GRADE certainty ------------------------------------------------------------------

fn rate(
    s: &StudyInfo,
    r: &ReportedResult,
    c: &Claim,
    d: Direction,
    lit: &Literature,
) -> (Certainty, Vec<GradeDomain>) {
    let f = finding(s, r);
    let u = [used(&f, d)];
    let e = PartEvidence {
        part: "C.pain",
        domain: OutcomeDomain::Pain,
        used: &u,
        pooled_i2: None,
        egger_p: None,
        powers: &[],
    };
    let (cert, downs) = grade::certainty(&e, c, lit, &[]);
    (cert, downs.iter().map(|d| d.domain).collect())
}

#[test]
fn randomised_evidence_starts_high_and_other_evidence_low() {
    let lit = Literature::default();
    let c = claim(ClaimKind::Effect);
    let r = effect("-1.2", "-2.0", "-0.4");
    let s = study("s");
    assert_eq!(
        rate(&s, &r, &c, Direction::FavoursBackward, &lit),
        (Certainty::High, vec![])
    );
    let mut q = study("s");
    q.randomised = Tri::No;
    q.design = DesignKind::QuasiExperimental;
    // Not randomised lowers the start, not risk of bias again.
    assert_eq!(
        rate(&q, &r, &c, Direction::FavoursBackward, &lit),
        (Certainty::Low, vec![])
    );
}

#[test]
fn each_grade_domain_lowers_certainty_once_with_its_reason() {
    let lit = Literature::default();
    let c = claim(ClaimKind::Effect);
    let r = effect("-1.2", "-2.0", "-0.4");
    let fb = Direction::FavoursBackward;
    let mut s = study("s");
    s.blinded = Tri::No;
    assert_eq!(
        rate(&s, &r, &c, fb, &lit),
        (Certainty::Moderate, vec![GradeDomain::RiskOfBias])
    );
    let mut s = study("s");
    s.blinded = Tri::Unclear;
    assert_eq!(rate(&s, &r, &c, fb, &lit).1, vec![GradeDomain::RiskOfBias]);
    let mut s = study("s");
    s.itt = Tri::No;
    assert_eq!(rate(&s, &r, &c, fb, &lit).1, vec![GradeDomain::RiskOfBias]);
    let mut s = study("s");
    s.population_domain = PopulationDomain::Stroke;
    assert_eq!(
        rate(&s, &r, &c, fb, &lit).1,
        vec![GradeDomain::Indirectness]
    );
    let mut s = study("s");
    s.duration_weeks = None;
    assert_eq!(
        rate(&s, &r, &c, fb, &lit).1,
        vec![GradeDomain::Indirectness]
    );
    let s = study("s");
    let dose = claim(ClaimKind::Dose);
    assert_eq!(
        rate(&s, &r, &dose, fb, &lit).1,
        vec![GradeDomain::Indirectness]
    );
    let wide = effect("-1.2", "-2.5", "0.1");
    assert_eq!(
        rate(&s, &wide, &c, Direction::Null, &lit).1,
        vec![GradeDomain::Imprecision]
    );
    let mut mid = effect("-1.2", "-2.5", "-0.4");
    mid.mcid = Some(Mcid {
        value: 2.0,
        source: "x".into(),
    });
    assert_eq!(
        rate(&s, &mid, &c, fb, &lit).1,
        vec![GradeDomain::Imprecision]
    );
}

#[test]
fn small_or_unreported_samples_are_imprecise_and_very_small_ones_twice() {
    let lit = Literature::default();
    let c = claim(ClaimKind::Effect);
    let r = effect("-1.2", "-2.0", "-0.4");
    let fb = Direction::FavoursBackward;
    let mut s = study("s");
    s.n_randomised = Some(200.0);
    assert_eq!(
        rate(&s, &r, &c, fb, &lit),
        (Certainty::Moderate, vec![GradeDomain::Imprecision])
    );
    s.n_randomised = Some(60.0);
    assert_eq!(
        rate(&s, &r, &c, fb, &lit),
        (Certainty::Low, vec![GradeDomain::Imprecision])
    );
    s.n_randomised = None;
    assert_eq!(
        rate(&s, &r, &c, fb, &lit),
        (Certainty::Moderate, vec![GradeDomain::Imprecision])
    );
}

#[test]
fn inconsistency_completion_and_failed_checks_are_named() {
    let c = claim(ClaimKind::Effect);
    let s = study("s");
    let r = effect("-1.2", "-2.0", "-0.4");
    let mut r2 = r.clone();
    r2.line = 3;
    let (f1, f2) = (finding(&s, &r), finding(&s, &r2));
    let u = [
        used(&f1, Direction::FavoursBackward),
        used(&f2, Direction::FavoursComparator),
    ];
    let e = PartEvidence {
        part: "C.pain",
        domain: OutcomeDomain::Pain,
        used: &u,
        pooled_i2: Some(75.0),
        egger_p: Some(0.03),
        powers: &[],
    };
    let lit = Literature::default();
    let (cert, downs) = grade::certainty(&e, &c, &lit, &[]);
    let domains: Vec<GradeDomain> = downs.iter().map(|d| d.domain).collect();
    assert_eq!(
        domains,
        vec![GradeDomain::Inconsistency, GradeDomain::PublicationBias]
    );
    assert!(downs[0].reason.contains("opposite") && downs[0].reason.contains("75"));
    assert_eq!(cert, Certainty::Low);
    // Completion below 80 % in an arm is attrition bias.
    let mut lit = Literature::default();
    let mut comp = effect("78", "", "");
    comp.quantity = Quantity::CompletionPct;
    comp.study_id = "s".into();
    lit.reported.push(comp);
    assert_eq!(
        rate(&s, &r, &c, Direction::FavoursBackward, &lit).1,
        vec![GradeDomain::RiskOfBias]
    );
}

#[test]
fn certainty_never_falls_below_very_low() {
    assert_eq!(Certainty::High.lowered(5), Certainty::VeryLow);
    assert_eq!(Certainty::Low.lowered(1), Certainty::VeryLow);
    assert_eq!(Certainty::High.lowered(0), Certainty::High);
}

#[test]
fn a_study_that_could_not_have_detected_the_mcid_is_named_under_imprecision() {
    let lit = Literature::default();
    let c = claim(ClaimKind::Effect);
    let r = effect("-1.2", "-2.0", "-0.4");
    let s = study("s");
    let f = finding(&s, &r);
    let u = [used(&f, Direction::FavoursBackward)];
    let powers = [crate::results::reproduction::StudyPower {
        study_id: "s".into(),
        arms: "backward|control".into(),
        n1: 15.0,
        n2: 15.0,
        outcome: None,
        delta: 0.5,
        sd: 1.0,
        power: 0.26,
        assumptions: Vec::new(),
        note: String::new(),
    }];
    let e = PartEvidence {
        part: "C.pain",
        domain: OutcomeDomain::Pain,
        used: &u,
        pooled_i2: None,
        egger_p: None,
        powers: &powers,
    };
    let (cert, downs) = grade::certainty(&e, &c, &lit, &[]);
    assert_eq!(cert, Certainty::Moderate);
    assert_eq!(downs[0].domain, GradeDomain::Imprecision);
    assert!(
        downs[0].reason.contains("26 % power"),
        "{}",
        downs[0].reason
    );
}
