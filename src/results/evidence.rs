//! The vocabulary of the literature pack and the wire types of `claims.json`: designs,
//! domains, comparators, test kinds, directions, GRADE certainty, and [`ClaimResult`].
//!
//! Plain data only: `ingest::literature` parses the pack's columns into these enums (so a typo
//! in the pack is an error with its line, not a silently unmatched word), `summary::evidence`
//! decides verdicts from them, and `report` renders them. Every enum serialises to the
//! snake_case id used in the pack's CSV files and in `claims.json`.

use serde::{Deserialize, Serialize};

/// Declares a snake_case vocabulary enum with its ids, a parser and the list of ids (for
/// error messages that say what is allowed).
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $id:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }
        impl $name {
            /// Every id, in declaration order.
            pub const IDS: &'static [&'static str] = &[$($id),+];
            /// The snake_case id.
            pub fn id(self) -> &'static str {
                match self { $($name::$variant => $id,)+ }
            }
            /// Parses an id (exact, lowercase); `None` for anything else.
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($id => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

vocabulary! {
    /// What a reported number is (`quantity` column).
    Quantity {
        /// A p-value.
        P => "p",
        /// A mean difference (incl. WMD).
        Md => "md",
        /// Hedges' g.
        HedgesG => "hedges_g",
        /// A standardised mean difference of unstated kind.
        Smd => "smd",
        /// A pooled effect whose metric the source does not make clear.
        PooledEffect => "pooled_effect",
        /// An odds ratio.
        OddsRatio => "odds_ratio",
        /// I² in percent.
        I2 => "i2",
        /// Number of studies.
        K => "k",
        /// Number of participants.
        N => "n",
        /// Number of women.
        NFemale => "n_female",
        /// Number who completed.
        NCompleted => "n_completed",
        /// Number of events (falls, adverse events).
        Events => "events",
        /// Completion rate in percent.
        CompletionPct => "completion_pct",
        /// Within-group percent decrease.
        PctDecrease => "pct_decrease",
        /// Within-group percent increase.
        PctIncrease => "pct_increase",
        /// Percent of forward VO2peak.
        PctVo2peak => "pct_vo2peak",
        /// A MET value.
        Met => "met",
        /// A correlation coefficient.
        Correlation => "correlation",
        /// Within-group percent change, printed with its sign.
        PctChange => "pct_change",
        /// One group's value lower than another's by this percent.
        PctLower => "pct_lower",
        /// Area under a ROC curve.
        Auc => "auc",
        /// A test's cut-off in seconds.
        CutoffS => "cutoff_s",
        /// Sensitivity in percent.
        SensitivityPct => "sensitivity_pct",
        /// Specificity in percent.
        SpecificityPct => "specificity_pct",
        /// Every participant's value lies below this bound.
        AllBelow => "all_below",
    }
}

impl Quantity {
    /// An effect estimate that can carry a CI (a difference or standardised difference).
    pub fn is_effect(self) -> bool {
        matches!(
            self,
            Quantity::Md
                | Quantity::HedgesG
                | Quantity::Smd
                | Quantity::PooledEffect
                | Quantity::OddsRatio
        )
    }
}

vocabulary! {
    /// A study's design (`studies.csv` `design`).
    DesignKind {
        /// Randomised controlled trial.
        Rct => "rct",
        /// Controlled but not randomised.
        QuasiExperimental => "quasi_experimental",
        /// Within-subject comparison of conditions.
        Crossover => "crossover",
        /// One bout, before and after.
        SingleSession => "single_session",
        /// One group, before and after.
        PrePost => "pre_post",
        /// A systematic review with pooled effects.
        MetaAnalysis => "meta_analysis",
        /// Reference values (e.g. the Compendium), not a study of an intervention.
        Reference => "reference",
        /// One measurement occasion, no intervention.
        CrossSectional => "cross_sectional",
        /// Observational follow-up.
        Cohort => "cohort",
    }
}

vocabulary! {
    /// Yes / no / unclear (randomised, blinded, intention to treat).
    Tri {
        /// Stated yes.
        Yes => "yes",
        /// Stated or evidently no.
        No => "no",
        /// Not stated in the source.
        Unclear => "unclear",
    }
}

vocabulary! {
    /// Who was studied, or whom a claim is about.
    PopulationDomain {
        /// Knee osteoarthritis.
        KneeOa => "knee_oa",
        /// Low back pain.
        LowBackPain => "low_back_pain",
        /// After stroke.
        Stroke => "stroke",
        /// Healthy adults.
        Healthy => "healthy",
        /// Athletes.
        Athletes => "athletes",
        /// Children.
        Children => "children",
        /// Older adults.
        OlderAdults => "older_adults",
        /// Parkinson's disease.
        Parkinson => "parkinson",
        /// Multiple sclerosis.
        MultipleSclerosis => "multiple_sclerosis",
        /// Everyone (a claim about people in general).
        General => "general",
        /// Anything else, or not stated.
        Other => "other",
    }
}

vocabulary! {
    /// What an outcome measures.
    OutcomeDomain {
        /// Pain intensity.
        Pain => "pain",
        /// Function or disability.
        Function => "function",
        /// Balance.
        Balance => "balance",
        /// Gait speed or walking tests.
        GaitSpeed => "gait_speed",
        /// Muscle strength.
        Strength => "strength",
        /// Energy cost (MET, VO2).
        EnergyCost => "energy_cost",
        /// Sleep.
        Sleep => "sleep",
        /// Quality of life.
        QualityOfLife => "quality_of_life",
        /// Control of (lumbopelvic) movement.
        MovementControl => "movement_control",
        /// Joint loading (compressive forces).
        JointLoad => "joint_load",
        /// Reaction time.
        ReactionTime => "reaction_time",
        /// Cognition (attention, executive function, spatial awareness).
        Cognition => "cognition",
        /// Posture.
        Posture => "posture",
        /// Falls.
        Falls => "falls",
        /// Adverse events and injuries.
        AdverseEvents => "adverse_events",
        /// Amount of physical activity (steps).
        PhysicalActivity => "physical_activity",
        /// Mortality or longevity.
        Mortality => "mortality",
        /// Anything else (gait parameters, body composition, counts).
        Other => "other",
    }
}

vocabulary! {
    /// What a reported result compares the first arm with.
    Comparator {
        /// A control or usual-care arm.
        Control => "control",
        /// Forward walking.
        Forward => "forward",
        /// The same arm before the intervention (a within-arm change).
        Pre => "pre",
        /// No comparison (a count, a heterogeneity statistic, a reference value alone).
        None => "none",
    }
}

vocabulary! {
    /// What a claim compares backward walking with.
    ClaimComparator {
        /// A control or usual-care arm.
        Control => "control",
        /// Forward walking.
        Forward => "forward",
        /// Either.
        Any => "any",
    }
}

vocabulary! {
    /// The kind of test behind a reported result.
    TestKind {
        /// A pairwise comparison of two arms.
        BetweenArm => "between_arm",
        /// A change within one arm (or pooled over arms) over time.
        WithinArm => "within_arm",
        /// A test over three or more arms at once.
        Omnibus => "omnibus",
        /// A time × group interaction.
        Interaction => "interaction",
        /// A pooled effect of a meta-analysis.
        Pooled => "pooled",
        /// An association (correlation, prediction), not a comparison of interventions.
        Association => "association",
    }
}

vocabulary! {
    /// What a claim asserts.
    ClaimKind {
        /// Backward walking improves an outcome.
        Effect => "effect",
        /// The comparator (e.g. forward walking) does not improve the outcome.
        NoEffectInComparator => "no_effect_in_comparator",
        /// Backward walking costs more energy per minute at the same pace.
        EnergyCost => "energy_cost",
        /// A mechanism (e.g. lower joint load).
        Mechanism => "mechanism",
        /// A dose (e.g. five minutes a day) is enough.
        Dose => "dose",
    }
}

vocabulary! {
    /// What kind of source the article names for a claim.
    SourceKind {
        /// A peer-reviewed journal.
        Journal => "journal",
        /// A website (health information pages, news).
        Website => "website",
        /// A person (an interviewed physician).
        Person => "person",
        /// No source named.
        None => "none",
    }
}

vocabulary! {
    /// How large the claimed effect is said to be.
    Magnitude {
        /// Any improvement.
        Any => "any",
        /// A clinically important one ("substantially"): judged against the MCID.
        Important => "important",
    }
}

vocabulary! {
    /// Which direction of an outcome is favourable.
    Better {
        /// Higher values are better.
        Higher => "higher",
        /// Lower values are better.
        Lower => "lower",
    }
}

vocabulary! {
    /// Which arm the source says did better when only a p-value is printed.
    Favours {
        /// The first arm of `arms` (for a within-arm result: the later timepoint).
        First => "first",
        /// The second arm of `arms`.
        Second => "second",
        /// Neither (the source says there was no difference).
        Neither => "neither",
    }
}

vocabulary! {
    /// The direction of one piece of evidence, relative to the claim.
    Direction {
        /// Favours backward walking (for a `no_effect_in_comparator` claim: favours the arm the
        /// claim is about over its control).
        FavoursBackward => "favours_backward",
        /// Favours the comparator.
        FavoursComparator => "favours_comparator",
        /// No difference shown (the CI includes the null, or p ≥ 0.05).
        Null => "null",
    }
}

vocabulary! {
    /// The verdict on a claim or a part of it.
    ClaimVerdict {
        /// The evidence shows it.
        Supported => "supported",
        /// Some of it is shown, or it overreaches the evidence.
        PartlySupported => "partly_supported",
        /// The evidence does not show it (or shows the opposite).
        NotSupported => "not_supported",
        /// Nothing in the pack tests it.
        NoEvidenceInData => "no_evidence_in_data",
    }
}

vocabulary! {
    /// GRADE certainty of evidence.
    Certainty {
        /// Further research is very unlikely to change the estimate.
        High => "high",
        /// Further research is likely to have an important impact.
        Moderate => "moderate",
        /// Further research is very likely to change the estimate.
        Low => "low",
        /// Any estimate is very uncertain.
        VeryLow => "very_low",
    }
}

impl Certainty {
    /// One level lower per downgrade, never below very low.
    pub fn lowered(self, steps: usize) -> Certainty {
        const LEVELS: [Certainty; 4] = [
            Certainty::High,
            Certainty::Moderate,
            Certainty::Low,
            Certainty::VeryLow,
        ];
        let at = LEVELS.iter().position(|c| *c == self).unwrap_or(3);
        LEVELS[(at + steps).min(3)]
    }
}

vocabulary! {
    /// A GRADE domain that can lower certainty.
    GradeDomain {
        /// Risk of bias.
        RiskOfBias => "risk_of_bias",
        /// Inconsistency.
        Inconsistency => "inconsistency",
        /// Indirectness.
        Indirectness => "indirectness",
        /// Imprecision.
        Imprecision => "imprecision",
        /// Publication bias.
        PublicationBias => "publication_bias",
    }
}

vocabulary! {
    /// Why a candidate row is not used as evidence for a claim.
    ExclusionReason {
        /// A count, heterogeneity statistic or percentage, not a comparison.
        NotAResult => "not_a_result",
        /// The outcome's domain is not one the claim is about.
        DomainMismatch => "domain_mismatch",
        /// The result does not compare backward walking with the claim's comparator.
        ComparatorMismatch => "comparator_mismatch",
        /// An omnibus or interaction test cannot show a pairwise claim.
        NotPairwise => "not_pairwise",
        /// The intervention was shorter than the claim says.
        DurationTooShort => "duration_too_short",
        /// A within-arm change cannot show a between-arm claim.
        WithinArm => "within_arm",
        /// The source states no direction, and the pack has no arm summaries to derive it.
        NoDirection => "no_direction",
        /// Another report of the same review (counted once).
        Duplicate => "duplicate",
        /// A per-arm summary used to derive another result's direction or size.
        SummaryOfUsedResult => "summary_of_used_result",
        /// An energy value without a forward value measured under the same condition.
        Unmatched => "unmatched",
    }
}

/// One part of a (possibly compound) claim: one outcome domain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimPart {
    /// `CLAIM.DOMAIN`, e.g. `C1.pain`.
    pub part: String,
    /// The outcome domain of this part.
    pub outcome_domain: OutcomeDomain,
    /// The verdict on this part.
    pub verdict: ClaimVerdict,
    /// GRADE certainty (null without evidence).
    pub certainty: Option<Certainty>,
    /// The rule that gave the verdict, in one sentence.
    pub rule: String,
    /// Check ids of the evidence used for this part.
    pub evidence: Vec<String>,
}

/// One result used as evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceUsed {
    /// The check id of the result's main row in `reproduction.json`.
    pub check_id: String,
    /// The claim part it serves.
    pub part: String,
    /// Study id.
    pub study_id: String,
    /// Outcome id.
    pub outcome: String,
    /// Outcome domain.
    pub outcome_domain: OutcomeDomain,
    /// What it compares with.
    pub comparator: Comparator,
    /// Kind of test.
    pub test_kind: TestKind,
    /// Direction relative to the claim.
    pub direction: Direction,
    /// The estimate (effect, or difference of printed arm means), in `metric` units.
    pub estimate: Option<f64>,
    /// 95 % CI low.
    pub ci_low: Option<f64>,
    /// 95 % CI high.
    pub ci_high: Option<f64>,
    /// The printed p (the bound for `p < x`).
    pub p: Option<f64>,
    /// What the estimate is: `md`, `hedges_g`, `pooled_effect`, `mean_difference_of_arms`, `met_difference`.
    pub metric: Option<String>,
    /// Unit of the estimate.
    pub unit: Option<String>,
    /// The minimal clinically important difference used, with its source.
    pub mcid: Option<f64>,
    /// Whether the estimate reaches the MCID (null when no MCID is known).
    pub reaches_mcid: Option<bool>,
    /// Participants behind it, where printed.
    pub n: Option<f64>,
}

/// One candidate row not used, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceExcluded {
    /// The row's check id.
    pub check_id: String,
    /// The reason, typed.
    pub reason: ExclusionReason,
    /// The reason in words, with the values that decided it.
    pub detail: String,
}

/// One GRADE downgrade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Downgrade {
    /// The claim part it lowers.
    pub part: String,
    /// GRADE domain.
    pub domain: GradeDomain,
    /// Why, naming the studies.
    pub reason: String,
}

/// Comparable effects pooled by the `meta` engine for one claim part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PooledEvidence {
    /// The claim part.
    pub part: String,
    /// Metric and unit pooled.
    pub metric: String,
    /// Check ids pooled.
    pub inputs: Vec<String>,
    /// Random-effects (REML) estimate.
    pub estimate: f64,
    /// 95 % CI low.
    pub ci_low: f64,
    /// 95 % CI high.
    pub ci_high: f64,
    /// I² in percent.
    pub i2: f64,
    /// Whether the verdict used it (not when the inputs are reviews that may share trials).
    pub used_for_verdict: bool,
    /// Why not, or a caveat.
    pub note: String,
}

/// One judged claim (`claims.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimResult {
    /// Claim id.
    pub claim_id: String,
    /// The claim, paraphrased.
    pub claim: String,
    /// What kind of claim it is.
    pub claim_kind: ClaimKind,
    /// The verdict, combining the parts.
    pub verdict: ClaimVerdict,
    /// GRADE certainty of the evidence behind the verdict (the lowest over parts with
    /// evidence; null without evidence).
    pub certainty: Option<Certainty>,
    /// One plain sentence for a journalist.
    pub summary: String,
    /// One entry per outcome domain of the claim.
    pub parts: Vec<ClaimPart>,
    /// Results used.
    pub evidence_used: Vec<EvidenceUsed>,
    /// Candidate rows not used, each with its reason.
    pub evidence_excluded: Vec<EvidenceExcluded>,
    /// GRADE downgrades.
    pub downgrades: Vec<Downgrade>,
    /// Comparable effects pooled.
    pub pooled: Vec<PooledEvidence>,
    /// Attribution notes (the named source is not the study that shows it; a website is not
    /// a journal). They do not change the verdict.
    pub attribution: Vec<String>,
}
