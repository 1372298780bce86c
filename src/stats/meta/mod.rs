//! Meta-analysis of study-level effects: per-study SMD and mean difference, the fixed-effect
//! and random-effects models (τ² by DL, REML or Paule–Mandel), Hartung–Knapp tests, Q, I²,
//! H², prediction intervals, leave-one-out and Egger's regression test; plus the standard
//! conversions for studies that printed an SE, a CI, a median with IQR or a median with range.
//!
//! Owns spec §5.10 and the records `meta_study`, `meta`, `meta_leave1out` and `meta_egger`
//! (§4, §4.1). Everything follows metafor 3.8-1 (`escalc`, `rma.uni`, `predict.rma`,
//! `leave1out`, `regtest`) with the tight control of spec §6.2
//! (`control = list(threshold = 1e-12, tol = 1e-13, maxiter = 10000)`), except that REML and
//! PM τ² are solved to machine precision by Brent's method on the score equations instead of
//! metafor's Fisher scoring and `uniroot`, so R is the less exact side (by ≈1e-13 in τ²).
//!
//! Must not: read files or know about studies' names; input is `&[StudyEffect]` from
//! `summary` (which converts the CSV rows), output is named structs that `summary` maps to
//! records. Bad input is an `Err(StatsError)`.

use nalgebra::{DMatrix, DVector};

use super::effect_size::hedges_g_summary;
use super::t_tests::MeanSd;
use super::zeroin::zeroin2;
use super::{Interval, Result, StatsError, dist};

mod convert;
mod diagnostics;
mod effect;
mod rma;
#[cfg(test)]
mod tests;

pub use convert::*;
pub use diagnostics::*;
pub use effect::*;
pub use rma::*;

/// One study's effect estimate and its sampling variance (metafor's `yi`, `vi`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StudyEffect {
    /// The effect estimate (Hedges' g, a mean difference, …).
    pub yi: f64,
    /// Its sampling variance (> 0).
    pub vi: f64,
}

impl StudyEffect {
    /// The study's own 95 % Wald interval yi ± z·√vi (metafor `summary(escalc(...))`'s
    /// `ci.lb`, `ci.ub`; the study lines of `forest()`).
    #[must_use]
    pub fn ci(&self) -> Interval {
        let half = dist::z_crit() * self.vi.sqrt();
        Interval {
            low: self.yi - half,
            high: self.yi + half,
        }
    }
}

/// How τ² (the between-study variance) is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tau2Method {
    /// Fixed effect (common effect): τ² = 0.
    Fe,
    /// DerSimonian–Laird moment estimator, truncated at 0.
    Dl,
    /// Restricted maximum likelihood.
    Reml,
    /// Paule–Mandel (generalised Q equals its df).
    Pm,
}

impl Tau2Method {
    /// metafor's name of the method: `"FE"`, `"DL"`, `"REML"`, `"PM"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Tau2Method::Fe => "FE",
            Tau2Method::Dl => "DL",
            Tau2Method::Reml => "REML",
            Tau2Method::Pm => "PM",
        }
    }
}

/// How the pooled estimate is tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetaTest {
    /// Normal (Wald z) test and z interval, metafor `test = "z"`.
    Z,
    /// Hartung–Knapp(–Sidik–Jonkman) t test with k − 1 df, metafor `test = "knha"` (the
    /// variance factor is not truncated at 1; that would be `"adhoc"`).
    Knha,
}

impl MetaTest {
    /// metafor's name of the test: `"z"` or `"knha"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MetaTest::Z => "z",
            MetaTest::Knha => "knha",
        }
    }
}

/// A fitted meta-analytic model (metafor `rma.uni` and `predict`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetaFit {
    /// The τ² estimator.
    pub method: Tau2Method,
    /// The test of the pooled estimate.
    pub test: MetaTest,
    /// Number of studies.
    pub k: usize,
    /// Pooled estimate μ̂ = Σw*y/Σw* (`$beta`).
    pub estimate: f64,
    /// Its standard error (`$se`; Hartung–Knapp-scaled for `Knha`).
    pub se: f64,
    /// z (test `Z`) or t (test `Knha`) = estimate/se (`$zval`).
    pub statistic: f64,
    /// k − 1 for `Knha`, `None` for `Z`.
    pub df: Option<f64>,
    /// Two-sided p-value (`$pval`).
    pub p: f64,
    /// 95 % interval, z or t(k − 1) (`$ci.lb`, `$ci.ub`).
    pub ci: Interval,
    /// Between-study variance (`$tau2`); 0 for FE.
    pub tau2: f64,
    /// metafor's `$se.tau2` (DL, REML, PM); `None` for FE.
    pub se_tau2: Option<f64>,
    /// I² in percent (`$I2`).
    pub i2: f64,
    /// H² (`$H2`).
    pub h2: f64,
    /// Cochran's Q with inverse-variance weights (`$QE`).
    pub q: f64,
    /// k − 1.
    pub q_df: f64,
    /// P(χ²(k − 1) > Q) (`$QEp`).
    pub q_p: f64,
    /// 95 % prediction interval (`predict()$pi.lb`, `$pi.ub`); `None` for FE.
    pub pi: Option<Interval>,
    /// The "typical" within-study variance s² = (k − 1)Σw/((Σw)² − Σw²) (`$vt`).
    pub typical_v: f64,
}

/// The REML model refitted without one study (R `leave1out`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeaveOneOut {
    /// Index (into the input slice) of the omitted study.
    pub omitted: usize,
    /// The REML, z-test fit of the remaining studies.
    pub fit: MetaFit,
}

/// Egger's regression test for funnel-plot asymmetry (R `regtest`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Egger {
    /// z statistic of the slope on √vi (`$zval`).
    pub z: f64,
    /// Its two-sided p-value (`$pval`).
    pub p: f64,
    /// The intercept: the limit estimate as the standard error goes to 0 (`$est`).
    pub limit_estimate: f64,
}
