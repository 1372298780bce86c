//! The result wire types: [`Record`] (one line of `records.json`), [`ResultSet`] (the whole
//! `results.json`), [`TaskFailure`], [`Provenance`] and the [`Analysis`] vocabulary.
//!
//! These are the spec's schema (`../shared/spec/records.md` §2) and nothing more: conversions
//! only, no statistics. `run` fills them, `report` renders them.
//!
//! # JSON format
//! `records.json` is a JSON list of [`Record`]s in plan order: grouped by outcome (spec order),
//! then by analysis in the order of [`Analysis::ALL`], then by contrast. Every record has the
//! keys `outcome, analysis, contrast, statistic_name, statistic, df, p_value, estimate, ci_low,
//! ci_high, extra`; non-finite numbers are `null`; `extra` keys are sorted. `results.json` is a
//! [`ResultSet`]: `schema_version`, `provenance`, `records`, `failures`, `issues`.
//!
//! ## Equivalence and non-inferiority records (issue 20)
//! - `tost`, contrast `A-B` (every arm pair; change scores at the primary timepoint),
//!   statistic_name `t_tost`, when the outcome has an `equivalence_margin` (default: its
//!   absolute MCID): `estimate` = mean(A) − mean(B); `ci_low`/`ci_high` = the **90 %** Welch
//!   CI (R `t.test(x, y, conf.level = 0.90)`); `p_value` = the larger of the two one-sided
//!   Welch p-values (R `t.test(x, y, mu = -margin, alternative = "greater")` and
//!   `t.test(x, y, mu = margin, alternative = "less")`), `statistic` its t, `df` the Welch df;
//!   extra `margin`, `equivalent` (p < 0.05, i.e. the 90 % CI inside ±margin), `t_lower`,
//!   `p_lower`, `t_upper`, `p_upper`, `se`, `n1`, `n2`.
//! - `non_inferiority`, contrast `A-B`, statistic_name `t`, when the outcome has a
//!   `non_inferiority_margin`: A is not worse than B by the margin or more. Lower is better:
//!   R `t.test(x, y, mu = margin, alternative = "less")`, `ci_high` = the one-sided 95 % upper
//!   bound and `ci_low` null; higher is better: `mu = -margin, alternative = "greater"`,
//!   `ci_low` the bound and `ci_high` null. `p_value` is the **one-sided** p. Extra `margin`,
//!   `non_inferior`, `lower_is_better`, `se`, `n1`, `n2`.
//!
//! ## MMRM records (issue 18)
//! One `mmrm` task writes, per outcome (`extra` of each: `structure`, `df_method`, `vcov`,
//! `n_obs`, `n_participants`):
//! - `mmrm`, `A-B@TIMEPOINT` and `A-B@average`, statistic_name `t`: the difference of LS means
//!   (= estimate), t, df, p, 95 % CI, `extra.se`; `mmrm`, `model`, `reml_loglik`.
//! - `mmrm_lsmeans`, `ARM@TIMEPOINT` and `ARM@average`, statistic_name `lsmean`: the LS mean
//!   (emmeans: baseline at its mean over the rows used, equal weights over visits) as
//!   statistic and estimate, df, CI; `extra.se`, `extra.t`, `extra.p_t`.
//! - `mmrm_type3`, contrast `arm`, `timepoint`, `arm:timepoint`, statistic_name `F`: emmeans
//!   `joint_tests` F, p, df = the denominator df; `extra.df1`, `extra.df2`.
//! - `mmrm_fit`, contrast = each structure tried (`us`, `cs`, …), statistic_name
//!   `reml_loglik`: the REML log-likelihood; `extra.aic`, `bic`, `n_params`, `iterations`,
//!   `converged` ("yes"/"no"), `selected`, `criterion` ("aic", "bic" or "none"), and `reason`
//!   when the structure could not be fitted (statistic null).
//!
//! ## CONSORT records (issue 19)
//! - `table1`, outcome = the variable (`OUTCOME@baseline` for each outcome's baseline value,
//!   else a covariate name). Numeric: contrast `ARM` or `overall`, statistic_name `mean`
//!   (statistic = estimate = mean of the non-missing values; extra `sd` (n − 1), `n`,
//!   `n_missing`, `median`, `q1`, `q3` (type 7)). Categorical: contrast `ARM:LEVEL` or
//!   `overall:LEVEL`, statistic_name `pct` (estimate = 100·count/n of non-missing; extra `n`,
//!   `count`, `n_missing`). Every arm pair: contrast `A-B`, statistic_name `smd`, estimate =
//!   (m_A − m_B)/√((s_A² + s_B²)/2) (signed) or, categorical, Yang & Dalton's √(Tᵀ S⁻ T)
//!   (tableone's `StdDiffMulti`); extra `method` = `continuous` or `yang_dalton`. No p-values.
//! - `harms`, outcome `harms` (with a harms file): contrast `ARM`, statistic_name `any_event`,
//!   `serious_event`, `fall`: estimate = participants with ≥ 1 such event / everyone
//!   randomised in the arm, Wilson 95 % CI (R `prop.test(x, n, correct = FALSE)`); extra `n`,
//!   `participants`, `events` (and on `any_event`: `events_mild`, `events_moderate`,
//!   `events_severe`, `events_severity_unknown`, `events_related`). Every arm pair: contrast
//!   `A-B`, statistic_name `risk_difference_any_event` (`_serious_event`, `_fall`):
//!   p_A − p_B, Newcombe's hybrid-score CI, p = Fisher's exact (R `fisher.test`); extra `n1`,
//!   `n2`, `participants1`, `participants2`. A fall is a term containing one of
//!   `[harms] fall_terms` (default `fall`), any case.
//! - `subgroup`, per outcome and variable of `[analyses] subgroups`: contrast
//!   `A-B@VARIABLE=LEVEL` (A-B the primary contrast), statistic_name `t`: the ANCOVA
//!   `lm(last ~ arm + baseline)` fitted within the level, cᵀβ (= estimate), t, residual df, p,
//!   t CI; extra `se`, `n`, `variable`, `level` (or `reason` and null numbers when the level
//!   cannot be fitted). `baseline_severity` levels are `low`/`middle`/`high` (tertiles of the
//!   outcome's complete-case baselines, R `quantile(type = 7)`, right-closed); numeric
//!   covariates are cut at the median or `[analyses] subgroup_cuts` into `<=c`, `(a,b]`, `>c`.
//! - `subgroup_interaction`, contrast `VARIABLE`, statistic_name `F`: F of the arm × subgroup
//!   terms, `anova(lm(last ~ baseline + arm + subgroup), lm(last ~ baseline + arm *
//!   subgroup))`; df = the residual df; p; extra `df1`, `df2`, `n`, `levels`, `cuts`,
//!   `contrast`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diagnostics::Issue;

pub mod evidence;
pub mod reproduction;

pub use reproduction::ReproductionSet;

/// The version of the `results.json` layout.
pub const SCHEMA_VERSION: u32 = 1;

/// An analysis id, spelled exactly as the spec's tables name it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Analysis {
    /// Per-arm, per-timepoint and change-score summaries (`mean`, `sd`, type-7 quantiles).
    Descriptives,
    /// Within-arm paired t test of last vs baseline (`t.test(change, mu = 0)`).
    PairedT,
    /// Within-arm Wilcoxon signed-rank test on change (`wilcox.test(change)`).
    WilcoxonSignedRank,
    /// Between-arm Welch t test on change (`t.test(x, y)`).
    WelchT,
    /// Between-arm Student (pooled) t test on change (`t.test(x, y, var.equal = TRUE)`).
    StudentT,
    /// Between-arm Mann–Whitney test on change (`wilcox.test(x, y)`).
    MannWhitney,
    /// Hedges' g with exact J (`metafor::escalc("SMD")`).
    HedgesG,
    /// Rank-biserial correlation from U.
    RankBiserial,
    /// ANCOVA of the last value on arm and baseline (`lm(last ~ arm + baseline)`), and the
    /// participant covariates of `[analyses] covariates` (issue 18).
    Ancova,
    /// One-way ANOVA on change (`oneway.test(var.equal = TRUE)`).
    AnovaOneway,
    /// Welch's ANOVA on change (`oneway.test(var.equal = FALSE)`).
    WelchAnova,
    /// Kruskal–Wallis test on change (`kruskal.test`).
    KruskalWallis,
    /// Random-intercept linear mixed model over all timepoints (lmerTest, pbkrtest, nlme).
    Lmm,
    /// Mixed model for repeated measures (`nlme::gls`, emmeans): the arm differences of LS
    /// means, `A-B@TIMEPOINT` and `A-B@average` (issue 18).
    Mmrm,
    /// The MMRM's LS means, `ARM@TIMEPOINT` and `ARM@average` (emmeans), from the `mmrm` task.
    MmrmLsmeans,
    /// The MMRM's Type III F tests of arm, timepoint and arm:timepoint (emmeans
    /// `joint_tests`), from the `mmrm` task.
    MmrmType3,
    /// The MMRM's fit per covariance structure: REML log-likelihood, AIC, BIC (`logLik`,
    /// `AIC`), from the `mmrm` task.
    MmrmFit,
    /// Responders by MCID: proportions, risk difference, risk ratio, NNT (`prop.test`, `fisher.test`).
    Responders,
    /// Equivalence of change within ±margin: Welch TOST, 90 % CI (two `t.test(mu = ±margin)`).
    Tost,
    /// One-sided Welch non-inferiority test (`t.test(mu = ±margin, alternative = ...)`).
    NonInferiority,
    /// Participant flow and differential dropout (`fisher.test`, `chisq.test`).
    Flow,
    /// Primary contrast within subgroups and the arm × subgroup interaction F (issue 19;
    /// `lm(last ~ baseline + arm * subgroup)`). Its task also writes `subgroup_interaction`.
    Subgroup,
    /// The arm × subgroup interaction F of one subgroup variable (`anova` of nested `lm`s);
    /// written by the `subgroup` task, never selected on its own.
    SubgroupInteraction,
    /// Baseline characteristics by arm (Table 1 of CONSORT): mean (SD), median [Q1, Q3],
    /// n (%), and standardised differences (tableone's `smd`).
    Table1,
    /// Adverse events by arm: participants with any, serious and fall events, risk
    /// differences with Newcombe's interval and Fisher's exact p (`fisher.test`).
    Harms,
    /// Holm and Benjamini–Hochberg across outcomes (`p.adjust`).
    Multiplicity,
    /// Permutation test of the mean difference, primary contrast.
    Permutation,
    /// Stratified bootstrap CIs of the mean difference, primary contrast.
    Bootstrap,
    /// Imputation under missing at random, ANCOVA at the primary timepoint (issue 17).
    MiMar,
    /// Reference-based imputation, jump to reference (J2R).
    MiJ2r,
    /// Reference-based imputation, copy reference (CR).
    MiCr,
    /// Reference-based imputation, copy increments from reference (CIR).
    MiCir,
    /// Delta-adjusted MAR imputation over a grid of shifts: the tipping point.
    TippingPoint,
    /// One study's effect in a meta-analysis (`escalc`).
    MetaStudy,
    /// A pooled meta-analytic model (`rma`).
    Meta,
    /// The REML model refitted without one study (`leave1out`).
    #[serde(rename = "meta_leave1out")]
    #[value(name = "meta_leave1out")]
    MetaLeave1out,
    /// Egger's regression test (`regtest`).
    MetaEgger,
    /// Welch t recomputed from published summaries.
    SummaryWelchT,
    /// Student t recomputed from published summaries.
    SummaryStudentT,
    /// Hedges' g recomputed from published summaries.
    SummaryHedgesG,
    /// One-sample t of a published mean change with its SD.
    SummaryPairedT,
}

impl Analysis {
    /// The study-level analyses of `meta` and `reproduce`.
    pub const STUDY_LEVEL: [Analysis; 8] = [
        Analysis::MetaStudy,
        Analysis::Meta,
        Analysis::MetaLeave1out,
        Analysis::MetaEgger,
        Analysis::SummaryWelchT,
        Analysis::SummaryStudentT,
        Analysis::SummaryHedgesG,
        Analysis::SummaryPairedT,
    ];

    /// The missing-data sensitivity analyses (issue 17). They refit the MMRM once per
    /// participant (jackknife), so they run only when selected (`--only`, `analyses.run`).
    pub const MISSING_DATA: [Analysis; 5] = [
        Analysis::MiMar,
        Analysis::MiJ2r,
        Analysis::MiCr,
        Analysis::MiCir,
        Analysis::TippingPoint,
    ];

    /// The records of the `mmrm` task beyond the arm differences (issue 18). They are not
    /// selectable on their own (`mmrm` selects them) and sort right after `mmrm`.
    pub const MMRM_PARTS: [Analysis; 3] = [
        Analysis::MmrmLsmeans,
        Analysis::MmrmType3,
        Analysis::MmrmFit,
    ];

    /// Every participant-level analysis of `analyze`, in plan order.
    pub const ALL: [Analysis; 29] = [
        Analysis::Descriptives,
        Analysis::PairedT,
        Analysis::WilcoxonSignedRank,
        Analysis::WelchT,
        Analysis::StudentT,
        Analysis::MannWhitney,
        Analysis::HedgesG,
        Analysis::RankBiserial,
        Analysis::Ancova,
        Analysis::AnovaOneway,
        Analysis::WelchAnova,
        Analysis::KruskalWallis,
        Analysis::Lmm,
        Analysis::Mmrm,
        Analysis::Responders,
        Analysis::Tost,
        Analysis::NonInferiority,
        Analysis::Flow,
        Analysis::Multiplicity,
        Analysis::Permutation,
        Analysis::Bootstrap,
        Analysis::Subgroup,
        Analysis::Table1,
        Analysis::Harms,
        Analysis::MiMar,
        Analysis::MiJ2r,
        Analysis::MiCr,
        Analysis::MiCir,
        Analysis::TippingPoint,
    ];

    /// The spec id (`welch_t`, …).
    pub fn id(self) -> &'static str {
        match self {
            Analysis::Descriptives => "descriptives",
            Analysis::PairedT => "paired_t",
            Analysis::WilcoxonSignedRank => "wilcoxon_signed_rank",
            Analysis::WelchT => "welch_t",
            Analysis::StudentT => "student_t",
            Analysis::MannWhitney => "mann_whitney",
            Analysis::HedgesG => "hedges_g",
            Analysis::RankBiserial => "rank_biserial",
            Analysis::Ancova => "ancova",
            Analysis::AnovaOneway => "anova_oneway",
            Analysis::WelchAnova => "welch_anova",
            Analysis::KruskalWallis => "kruskal_wallis",
            Analysis::Lmm => "lmm",
            Analysis::Mmrm => "mmrm",
            Analysis::MmrmLsmeans => "mmrm_lsmeans",
            Analysis::MmrmType3 => "mmrm_type3",
            Analysis::MmrmFit => "mmrm_fit",
            Analysis::Responders => "responders",
            Analysis::Tost => "tost",
            Analysis::NonInferiority => "non_inferiority",
            Analysis::Flow => "flow",
            Analysis::Subgroup => "subgroup",
            Analysis::SubgroupInteraction => "subgroup_interaction",
            Analysis::Table1 => "table1",
            Analysis::Harms => "harms",
            Analysis::Multiplicity => "multiplicity",
            Analysis::Permutation => "permutation",
            Analysis::Bootstrap => "bootstrap",
            Analysis::MiMar => "mi_mar",
            Analysis::MiJ2r => "mi_j2r",
            Analysis::MiCr => "mi_cr",
            Analysis::MiCir => "mi_cir",
            Analysis::TippingPoint => "tipping_point",
            Analysis::MetaStudy => "meta_study",
            Analysis::Meta => "meta",
            Analysis::MetaLeave1out => "meta_leave1out",
            Analysis::MetaEgger => "meta_egger",
            Analysis::SummaryWelchT => "summary_welch_t",
            Analysis::SummaryStudentT => "summary_student_t",
            Analysis::SummaryHedgesG => "summary_hedges_g",
            Analysis::SummaryPairedT => "summary_paired_t",
        }
    }

    /// Position in plan order.
    pub fn rank(self) -> usize {
        let me = if Analysis::MMRM_PARTS.contains(&self) {
            Analysis::Mmrm
        } else {
            self
        };
        Analysis::ALL
            .iter()
            .position(|a| *a == me)
            .unwrap_or(usize::MAX)
    }
}

impl std::fmt::Display for Analysis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// A reason and how many people it applies to (CONSORT flow, issue 19).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonCount {
    /// The reason as written (or "reason not recorded").
    pub reason: String,
    /// People.
    pub n: usize,
}

/// One arm's column of the CONSORT 2025 flow diagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsortArm {
    /// Arm name.
    pub arm: String,
    /// Allocated (randomised to this arm).
    pub allocated: usize,
    /// Did not receive the allocated intervention, by reason.
    pub not_received: Vec<ReasonCount>,
    /// Lost to follow-up, by reason.
    pub lost: Vec<ReasonCount>,
    /// Discontinued the intervention, by reason.
    pub discontinued: Vec<ReasonCount>,
    /// Excluded from the analysis, by reason.
    pub excluded_from_analysis: Vec<ReasonCount>,
    /// Analysed: complete cases of the first outcome.
    pub analysed: usize,
}

/// The CONSORT 2025 flow: assessed, excluded with reasons, randomised, and per arm allocated,
/// lost and discontinued with reasons, analysed (issue 19).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ConsortFlow {
    /// Where the reasons come from: `flow file`, `study file` or `data` (no reasons).
    pub source: String,
    /// Assessed for eligibility, when known.
    pub assessed: Option<usize>,
    /// Excluded before randomisation, by reason.
    pub excluded: Vec<ReasonCount>,
    /// Randomised.
    pub randomised: usize,
    /// One column per arm, in arm order.
    pub arms: Vec<ConsortArm>,
    /// The outcome whose complete cases are "analysed".
    pub analysed_outcome: String,
}

/// One result line, keyed by `(outcome, analysis, contrast, statistic_name)` (spec §2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Outcome name.
    pub outcome: String,
    /// Analysis id.
    pub analysis: Analysis,
    /// What is compared: `A-B` (first minus second), `ARM:LAST-baseline`, `ARM@TIMEPOINT`, …
    pub contrast: String,
    /// Name of `statistic`: `t`, `U`, `V`, `g`, `F`, `mean`, …
    pub statistic_name: String,
    /// Test statistic or main value; `None` ⇔ NaN/∞ ⇔ JSON `null`.
    pub statistic: Option<f64>,
    /// Degrees of freedom (for F: the denominator df).
    pub df: Option<f64>,
    /// Two-sided p-value.
    pub p_value: Option<f64>,
    /// Point estimate (first minus second for differences).
    pub estimate: Option<f64>,
    /// Lower 95 % limit.
    pub ci_low: Option<f64>,
    /// Upper 95 % limit.
    pub ci_high: Option<f64>,
    /// Further numbers and strings; sorted keys.
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Record {
    /// A record with every numeric field null; fill it with the builder methods.
    pub fn new(outcome: &str, analysis: Analysis, contrast: &str, statistic_name: &str) -> Self {
        Self {
            outcome: outcome.to_string(),
            analysis,
            contrast: contrast.to_string(),
            statistic_name: statistic_name.to_string(),
            statistic: None,
            df: None,
            p_value: None,
            estimate: None,
            ci_low: None,
            ci_high: None,
            extra: BTreeMap::new(),
        }
    }

    /// Sets `statistic` (non-finite → null).
    pub fn statistic(mut self, v: f64) -> Self {
        self.statistic = finite(v);
        self
    }
    /// Sets `df`.
    pub fn df(mut self, v: f64) -> Self {
        self.df = finite(v);
        self
    }
    /// Sets `p_value`.
    pub fn p(mut self, v: f64) -> Self {
        self.p_value = finite(v);
        self
    }
    /// Sets `p_value` from an optional value.
    pub fn p_opt(mut self, v: Option<f64>) -> Self {
        self.p_value = v.and_then(finite);
        self
    }
    /// Sets `estimate`.
    pub fn estimate(mut self, v: f64) -> Self {
        self.estimate = finite(v);
        self
    }
    /// Sets both CI limits.
    pub fn ci(mut self, low: f64, high: f64) -> Self {
        self.ci_low = finite(low);
        self.ci_high = finite(high);
        self
    }
    /// Sets the fields every t test fills: statistic, df, p, estimate and t CI.
    pub fn t_test(self, t: &impl TTestFields) -> Self {
        let f = t.t_fields();
        self.statistic(f.t)
            .df(f.df)
            .p(f.p)
            .estimate(f.estimate)
            .ci(f.ci_low, f.ci_high)
    }

    /// Adds a numeric extra (non-finite → null).
    pub fn num(mut self, key: &str, v: f64) -> Self {
        self.extra.insert(key.to_string(), json_num(v));
        self
    }
    /// Adds an optional numeric extra (`None` → null).
    pub fn num_opt(mut self, key: &str, v: Option<f64>) -> Self {
        self.extra
            .insert(key.to_string(), v.map_or(serde_json::Value::Null, json_num));
        self
    }
    /// Adds a count extra, written as an integer.
    pub fn count(mut self, key: &str, v: usize) -> Self {
        self.extra
            .insert(key.to_string(), serde_json::Value::from(v as u64));
        self
    }
    /// Adds a string extra.
    pub fn text(mut self, key: &str, v: &str) -> Self {
        self.extra
            .insert(key.to_string(), serde_json::Value::from(v));
        self
    }
    /// Adds any JSON extra.
    pub fn value(mut self, key: &str, v: serde_json::Value) -> Self {
        self.extra.insert(key.to_string(), v);
        self
    }

    /// The record key as one string, for messages and lookups.
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.outcome, self.analysis, self.contrast, self.statistic_name
        )
    }

    /// A numeric extra, if present and finite.
    pub fn extra_f64(&self, key: &str) -> Option<f64> {
        self.extra.get(key).and_then(serde_json::Value::as_f64)
    }
}

/// The numbers a t test gives a record (R `t.test`'s `statistic`, `parameter`, `p.value`,
/// `estimate`, `conf.int`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TFields {
    /// t statistic.
    pub t: f64,
    /// Degrees of freedom.
    pub df: f64,
    /// Two-sided p.
    pub p: f64,
    /// The estimate.
    pub estimate: f64,
    /// 95 % interval, low end.
    pub ci_low: f64,
    /// 95 % interval, high end.
    pub ci_high: f64,
}

/// A t test result that can fill a record ([`Record::t_test`]). Implemented for
/// `stats::t_tests::TTest` in `run::records`, so that `results` imports nothing of `stats`.
pub trait TTestFields {
    /// The test's numbers.
    fn t_fields(&self) -> TFields;
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

fn json_num(v: f64) -> serde_json::Value {
    serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// A task that could not be computed; the rest of the run goes on (DESIGN §4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskFailure {
    /// Outcome of the task.
    pub outcome: String,
    /// Analysis of the task.
    pub analysis: Analysis,
    /// Contrast (`A-B`, an arm, `all`).
    pub contrast: String,
    /// Why it failed, e.g. "group forward has 1 values; at least 2 are needed".
    pub reason: String,
}

/// Where the results came from: enough to rerun them, and nothing that changes between reruns
/// (no clock time, no thread count).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// `retrotrial` version.
    pub tool_version: String,
    /// The input file name as given.
    pub input: String,
    /// SHA-256 of the input bytes.
    pub input_sha256: String,
    /// The master seed of the resampling analyses.
    pub seed: u64,
    /// The resolved configuration (without run-time-only options).
    pub config: serde_json::Value,
}

/// Participants observed per arm and timepoint (for the flow table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowCell {
    /// Arm name.
    pub arm: String,
    /// Timepoint name.
    pub timepoint: String,
    /// Participants with any non-missing value at that timepoint.
    pub n_observed: usize,
    /// Participants allocated to the arm.
    pub n_randomised: usize,
}

/// Everything one run produced: `results.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultSet {
    /// Layout version of this file.
    pub schema_version: u32,
    /// The command that produced it: `analyze` or `meta`.
    pub command: String,
    /// Inputs, version, seed, resolved config.
    pub provenance: Provenance,
    /// The records, in plan order.
    pub records: Vec<Record>,
    /// Tasks that could not be computed.
    pub failures: Vec<TaskFailure>,
    /// Validation warnings (errors stop the run before results exist).
    pub issues: Vec<Issue>,
    /// Participant flow per arm and timepoint.
    pub flow: Vec<FlowCell>,
    /// `analyze` only: the CONSORT 2025 flow with reasons (issue 19).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consort_flow: Option<ConsortFlow>,
    /// Design facts the reports need: arms, timepoints, outcomes in spec order.
    pub design: DesignSummary,
    /// `reproduce` only: one check per printed number, and the judged claims.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reproduction: Option<ReproductionSet>,
    /// Change scores per outcome and arm, for the figures only (never written to JSON: they
    /// are participant-level data).
    #[serde(skip)]
    pub samples: Vec<ArmSample>,
}

/// One arm's change scores of one outcome (complete cases, rounded to 9 decimals).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArmSample {
    /// Outcome name.
    pub outcome: String,
    /// Arm name.
    pub arm: String,
    /// Change scores in participant order.
    pub changes: Vec<f64>,
}

/// The resolved design, in spec order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DesignSummary {
    /// Arms in spec order.
    pub arms: Vec<String>,
    /// Timepoints in order; the first is the baseline.
    pub timepoints: Vec<String>,
    /// The timepoint whose change from baseline the analyses use.
    pub primary_timepoint: String,
    /// Outcomes in spec order, with labels and directions.
    pub outcomes: Vec<OutcomeSummary>,
    /// The reference arm of the ANCOVA.
    pub reference_arm: String,
    /// The primary contrast, e.g. `backward-forward` (`meta`: the lead model, e.g. `REML`).
    pub primary_contrast: String,
}

/// One outcome as the reports present it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OutcomeSummary {
    /// Column value in the data.
    pub name: String,
    /// Human label.
    pub label: String,
    /// Unit, possibly empty.
    pub unit: String,
    /// True when lower values are better.
    pub lower_is_better: bool,
    /// Minimal clinically important difference, if declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcid: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analysis_ids_are_the_spec_vocabulary() {
        let ids: Vec<String> = Analysis::ALL
            .iter()
            .map(|a| {
                serde_json::to_value(a)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(
            ids,
            [
                "descriptives",
                "paired_t",
                "wilcoxon_signed_rank",
                "welch_t",
                "student_t",
                "mann_whitney",
                "hedges_g",
                "rank_biserial",
                "ancova",
                "anova_oneway",
                "welch_anova",
                "kruskal_wallis",
                "lmm",
                "mmrm",
                "responders",
                "tost",
                "non_inferiority",
                "flow",
                "multiplicity",
                "permutation",
                "bootstrap",
                "subgroup",
                "table1",
                "harms",
                "mi_mar",
                "mi_j2r",
                "mi_cr",
                "mi_cir",
                "tipping_point"
            ]
        );
        for a in Analysis::ALL
            .into_iter()
            .chain(Analysis::STUDY_LEVEL)
            .chain(Analysis::MMRM_PARTS)
            .chain([Analysis::SubgroupInteraction])
        {
            assert_eq!(serde_json::to_value(a).unwrap(), a.id());
            use clap::ValueEnum;
            assert_eq!(a.to_possible_value().unwrap().get_name(), a.id());
        }
    }

    #[test]
    fn non_finite_numbers_become_null() {
        let r = Record::new("o", Analysis::WelchT, "a-b", "t")
            .statistic(f64::NAN)
            .num("se", f64::INFINITY);
        let j = serde_json::to_string(&r).unwrap();
        assert!(j.contains("\"statistic\":null"));
        assert!(j.contains("\"se\":null"));
    }
}
