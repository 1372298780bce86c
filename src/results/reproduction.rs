//! The wire types of `reproduction.json`: one [`Check`] per printed number of the literature
//! pack, with what kind of check it is ([`CheckKind`]) and its [`Verdict`].
//!
//! Plain data: `summary::reproduce` fills them, `report` renders them. The words matter here:
//! only a number that something *recomputed* from other printed numbers can be "reproduced";
//! a check that a printed estimate sits at the centre of its printed CI is only *consistent*.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What kind of check a row is (a row starts as `NotCheckable` until a check applies).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// Recomputed from other printed numbers (a p from the arms' n, mean and SD).
    RecomputedFromSummaries,
    /// Checked against numbers printed beside it (estimate vs CI centre, p from the CI).
    InternalConsistency,
    /// Whether the number can exist at all (GRIM, GRIMMER, completion percentages).
    Integrity,
    /// Nothing in the pack can check it.
    #[default]
    NotCheckable,
}

impl CheckKind {
    /// Every kind, in report order.
    pub const ALL: [CheckKind; 4] = [
        CheckKind::RecomputedFromSummaries,
        CheckKind::InternalConsistency,
        CheckKind::Integrity,
        CheckKind::NotCheckable,
    ];
    /// The snake_case id.
    pub fn id(self) -> &'static str {
        match self {
            CheckKind::RecomputedFromSummaries => "recomputed_from_summaries",
            CheckKind::InternalConsistency => "internal_consistency",
            CheckKind::Integrity => "integrity",
            CheckKind::NotCheckable => "not_checkable",
        }
    }
}

/// The verdict on one printed number. Which verdicts a kind can give: recomputed →
/// `reproduced`, `reproduced_under_assumption`, `not_reproduced`; internal consistency and
/// integrity → `consistent`, `consistent_under_assumption`, `inconsistent`, `not_testable`;
/// not checkable → `insufficient_data` (the starting verdict of a row).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Recomputed at its printed precision with the stated or a standard method.
    Reproduced,
    /// Recomputed only under an assumption the paper does not state (named in the check).
    ReproducedUnderAssumption,
    /// No method tried, on inputs that round to the printed ones, gives the printed number.
    NotReproduced,
    /// Agrees with the numbers printed beside it, within rounding.
    Consistent,
    /// Agrees only under an assumption (named).
    ConsistentUnderAssumption,
    /// Cannot agree with the numbers printed beside it (or cannot exist at all).
    Inconsistent,
    /// The check applies but cannot tell at this precision (GRIM with n ≥ 10^decimals).
    NotTestable,
    /// The pack lacks what any check needs (named in the check).
    #[default]
    InsufficientData,
}

impl Verdict {
    /// Every verdict, in report order.
    pub const ALL: [Verdict; 8] = [
        Verdict::Reproduced,
        Verdict::ReproducedUnderAssumption,
        Verdict::NotReproduced,
        Verdict::Consistent,
        Verdict::ConsistentUnderAssumption,
        Verdict::Inconsistent,
        Verdict::NotTestable,
        Verdict::InsufficientData,
    ];
    /// The snake_case id.
    pub fn id(self) -> &'static str {
        match self {
            Verdict::Reproduced => "reproduced",
            Verdict::ReproducedUnderAssumption => "reproduced_under_assumption",
            Verdict::NotReproduced => "not_reproduced",
            Verdict::Consistent => "consistent",
            Verdict::ConsistentUnderAssumption => "consistent_under_assumption",
            Verdict::Inconsistent => "inconsistent",
            Verdict::NotTestable => "not_testable",
            Verdict::InsufficientData => "insufficient_data",
        }
    }
    /// A finding about the published number (what `--strict` turns into exit 1).
    pub fn is_finding(self) -> bool {
        matches!(self, Verdict::NotReproduced | Verdict::Inconsistent)
    }
}

/// One checked number (`reproduction.json`). `Default` is a row nothing has checked yet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Stable id: `STUDY/OUTCOME/QUANTITY@FILE:LINE`.
    pub check_id: String,
    /// Study id.
    pub study_id: String,
    /// Outcome id.
    pub outcome: String,
    /// The contrast as the paper describes it.
    pub comparison: String,
    /// What was printed: `p`, `md`, `mean`, ...
    pub quantity: String,
    /// The number as printed (with its relation).
    pub reported: String,
    /// What kind of check this is.
    pub check_kind: CheckKind,
    /// The recomputed value, if any.
    pub recomputed: Option<f64>,
    /// The range of recomputed values over the inputs' rounding.
    pub interval: Option<[f64; 2]>,
    /// Printed estimate and 95 % CI of an effect row, as typed numbers (for the forest plot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<PrintedEffect>,
    /// How it was checked.
    pub method: String,
    /// The assumption an `..._under_assumption` verdict rests on.
    pub assumption: Option<String>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why, in one or two sentences.
    pub note: String,
    /// Source file and line of the printed number.
    pub source: String,
}

/// A printed effect with its CI, typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrintedEffect {
    /// The arms compared, `a|b` (effects are a minus b).
    pub arms: String,
    /// `md`, `hedges_g`, `pooled_effect`.
    pub metric: String,
    /// Unit as the pack states it (empty when not stated).
    pub unit: String,
    /// The estimate.
    pub estimate: f64,
    /// 95 % CI low.
    pub ci_low: f64,
    /// 95 % CI high.
    pub ci_high: f64,
}

/// The power a study had to detect a minimal important difference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyPower {
    /// Study id.
    pub study_id: String,
    /// The arms compared, `a|b`.
    pub arms: String,
    /// n of the first arm (fractional when split from a total).
    pub n1: f64,
    /// n of the second arm.
    pub n2: f64,
    /// The outcome whose MCID and SD were used (null: a standardised half SD).
    pub outcome: Option<String>,
    /// The difference to detect.
    pub delta: f64,
    /// The SD it is measured against.
    pub sd: f64,
    /// Power of a two-sided two-sample t test at α = 0.05 (R `power.t.test`).
    pub power: f64,
    /// What had to be assumed.
    pub assumptions: Vec<String>,
    /// "could not have detected it" below 50 % power.
    pub note: String,
}

/// What `reproduce` adds to a result set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReproductionSet {
    /// Counts: `checked`, then `KIND` and `KIND/VERDICT` for every kind and verdict present.
    pub counts: BTreeMap<String, usize>,
    /// One check per printed number.
    pub checks: Vec<Check>,
    /// The article's claims, judged.
    pub claims: Vec<crate::results::evidence::ClaimResult>,
    /// The power each primary study had to detect a minimal important difference.
    #[serde(default)]
    pub study_power: Vec<StudyPower>,
}

/// Counts per kind and per kind/verdict, plus `checked`.
pub fn counts(checks: &[Check]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    out.insert("checked".to_string(), checks.len());
    for c in checks {
        *out.entry(c.check_kind.id().to_string()).or_insert(0) += 1;
        *out.entry(format!("{}/{}", c.check_kind.id(), c.verdict.id()))
            .or_insert(0) += 1;
    }
    out
}

/// The headline: counts per kind, "reproduced" said only of recomputed numbers.
pub fn headline(counts: &BTreeMap<String, usize>) -> String {
    let c = |k: &str| counts.get(k).copied().unwrap_or(0);
    let recomputed = CheckKind::RecomputedFromSummaries.id();
    let internal = CheckKind::InternalConsistency.id();
    let integrity = CheckKind::Integrity.id();
    format!(
        "{} printed numbers: {} recomputed from printed summaries ({} reproduced, {} reproduced under an assumption, {} not reproduced); {} checked for internal consistency ({} consistent, {} inconsistent); {} integrity checks ({} consistent, {} under an assumption, {} inconsistent, {} not testable); {} not checkable from the pack.",
        c("checked"),
        c(recomputed),
        c(&format!("{recomputed}/reproduced")),
        c(&format!("{recomputed}/reproduced_under_assumption")),
        c(&format!("{recomputed}/not_reproduced")),
        c(internal),
        c(&format!("{internal}/consistent")),
        c(&format!("{internal}/inconsistent")),
        c(integrity),
        c(&format!("{integrity}/consistent")),
        c(&format!("{integrity}/consistent_under_assumption")),
        c(&format!("{integrity}/inconsistent")),
        c(&format!("{integrity}/not_testable")),
        c(CheckKind::NotCheckable.id()),
    )
}
