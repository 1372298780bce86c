//! Pure statistics on `&[f64]`: every test, estimate and interval that retrotrial reports.
//!
//! Owns the numbers that must match R (spec `records.md` §5): descriptives, t tests, rank
//! tests with their exact null distributions and Hodges–Lehmann intervals, effect sizes, the
//! noncentral t, ANOVA, ANCOVA, multiplicity adjustments and resampling.
//!
//! Must not: touch polars, files, rayon or report types, or create its own random generator.
//! It imports only `std`, `statrs`, `nalgebra`, `rand`, `rand_chacha` and `thiserror`.
//!
//! Data comes in from `plan`/`run` (and `summary` for study-level numbers) as plain slices;
//! results go out as named structs that `run` maps to `Record`s. Bad input is an
//! `Err(StatsError)`, never a panic. Where R itself returns NaN (a p-value when every value
//! is tied, an interval R cannot form) the field is NaN or `None`, and the record shows
//! `null`. p-values are computed from upper-tail functions so that tiny p-values keep their
//! precision.
//!
//! Where to start reading:
//! - `describe`, `t_tests`, `effect_size`, `multiplicity`: closed-form statistics.
//! - `rank` (with `rank_dist` for the exact null distributions and `zeroin` for R's root
//!   finder): the Wilcoxon tests and Hodges–Lehmann intervals, bit-for-bit with R 4.2.
//! - `noncentral_t`: R's `pnt` and the exact CI of Hedges' g.
//! - `anova`, `linear`: the ANOVA family and the ANCOVA.
//! - `resample`: permutation and bootstrap replicates (the caller owns the RNG streams).
//! - `dist` (public helpers: p-values and critical values) on top of `rmath` (ports of R's
//!   special functions; statrs's are up to ~1e-9 off R, see `rmath`).

pub mod anova;
pub mod describe;
pub mod effect_size;
pub mod equivalence;
pub mod imputation;
pub mod linalg;
pub mod linear;
pub mod lmm;
pub mod meta;
pub mod mmrm;
pub mod multiplicity;
pub mod noncentral_t;
pub mod power;
pub mod proportion;
pub mod rank;
pub mod resample;
pub mod smd;
pub mod subgroup;
pub mod t_tests;

pub mod dist;
mod rank_dist;
mod rmath;
pub(crate) mod zeroin;

#[cfg(test)]
pub(crate) mod prec;
#[cfg(test)]
mod properties;

/// Everything that can go wrong in a statistic: bad input, or data that the method cannot use.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StatsError {
    /// A group has fewer observations than the method needs.
    #[error("group {group} has {n} values; at least {min} are needed")]
    TooFewValues {
        /// Which input (for example `x`, `y`, or `arm`).
        group: &'static str,
        /// How many values it has.
        n: usize,
        /// How many the method needs.
        min: usize,
    },
    /// An input value is NaN or ±infinity.
    #[error("input contains NaN or infinity")]
    NonFinite,
    /// The data have no spread, so the statistic is undefined (R: "data are essentially constant").
    #[error("zero variance: {0}")]
    ZeroVariance(&'static str),
    /// A design matrix is rank-deficient.
    #[error("singular design: {0}")]
    Singular(&'static str),
    /// A result came out NaN or infinite from finite input (overflow); the text says which.
    #[error("result is not finite: {0}")]
    NonFiniteResult(String),
    /// Any other invalid argument (sizes that do not fit, an index out of range, …).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

/// Result type of every fallible function in `stats`.
pub type Result<T> = std::result::Result<T, StatsError>;

/// A two-sided interval, `low ≤ high` (usually a 95 % confidence interval).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower limit.
    pub low: f64,
    /// Upper limit.
    pub high: f64,
}

impl Interval {
    /// `true` when both limits are finite numbers.
    #[must_use]
    pub fn is_finite(&self) -> bool {
        self.low.is_finite() && self.high.is_finite()
    }

    /// `true` when `low ≤ v ≤ high`.
    #[must_use]
    pub fn contains(&self, v: f64) -> bool {
        self.low <= v && v <= self.high
    }
}

/// `Err(NonFinite)` when any value is NaN or infinite.
pub(crate) fn check_finite(x: &[f64]) -> Result<()> {
    if x.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(StatsError::NonFinite)
    }
}

/// `Err(TooFewValues)` when `x` has fewer than `min` values.
pub(crate) fn check_len(x: &[f64], group: &'static str, min: usize) -> Result<()> {
    if x.len() < min {
        Err(StatsError::TooFewValues {
            group,
            n: x.len(),
            min,
        })
    } else {
        Ok(())
    }
}

/// The confidence level used everywhere (the spec's 95 %).
pub(crate) const CONF_LEVEL: f64 = 0.95;
