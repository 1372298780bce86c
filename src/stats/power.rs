//! Power and sample size of the next trial: the two-sample t test (R `power.t.test`,
//! `pwr::pwr.t2n.test` for unequal arms), the change-score and ANCOVA designs built on it, and
//! two proportions (R `power.prop.test`).
//!
//! Owns the closed-form planning numbers of `retrotrial power` (issue 20) and the per-study
//! power that `reproduce`/`check` show ([`two_sample_t_power`]). Given two of n (per arm),
//! power and the difference δ, [`solve`] finds the third with R's root finder (`zeroin`)
//! solved to near machine precision; R's own `uniroot(tol = ε^¼)` stops about 1e-4 short, so
//! the golden values are computed in R with `tol = 1e-13`.
//!
//! Designs (σ is the SD of the outcome, ρ the baseline–follow-up correlation):
//! - `two_sample_t`: Welch/Student t on the outcome with SD σ (R `power.t.test`).
//! - `change`: the t test on change scores, whose SD is σ·√(2(1 − ρ)) when baseline and
//!   follow-up have the same SD σ.
//! - `ancova`: the design factor of Borm, Fransen & Lemmens (2007, J Clin Epidemiol 60:1234),
//!   n_ANCOVA ≈ (1 − ρ²)·n_t (n_t the t-test n for SD σ), made exact enough for small trials:
//!   the noncentral t with the ANCOVA's df N − 3 and the residual variance σ²(1 − ρ²) inflated
//!   by 1 + 1/(N − 4) for the estimated slope. The plain factor is reported beside it.
//! - `two_proportions`: responders at the MCID, R `power.prop.test` (normal approximation).
//!
//! Multiplicity: with 3 arms every pair is a comparison (spec §3), and each is tested at the
//! Bonferroni level α/3 ([`comparison_alpha`]).
//!
//! Must not: draw random numbers (simulated power lives with the generator) or know about
//! the command line.

use super::zeroin::zeroin2;
use super::{Result, StatsError, dist, noncentral_t};

/// One- or two-sided test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sides {
    /// One-sided at level α (R `alternative = "one.sided"`).
    One,
    /// Two-sided at level α, α/2 in each tail (R's default).
    Two,
}

impl Sides {
    /// 1 or 2, R's `tside`.
    #[must_use]
    pub fn count(self) -> u8 {
        match self {
            Sides::One => 1,
            Sides::Two => 2,
        }
    }

    fn divisor(self) -> f64 {
        f64::from(self.count())
    }
}

/// The planned analysis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Design {
    /// Two-sample t test on the outcome (R `power.t.test(type = "two.sample")`).
    TwoSampleT,
    /// t test on change scores; `rho` is the baseline–follow-up correlation.
    Change {
        /// Correlation, in (−1, 1).
        rho: f64,
    },
    /// ANCOVA on baseline: Borm's design factor 1 − ρ² on the variance, with the residual df
    /// N − 3 and the variance inflation 1 + 1/(N − 4) of the estimated slope (the plain
    /// factor overstates the power of small trials; checked against an R simulation).
    Ancova {
        /// Correlation, in (−1, 1).
        rho: f64,
    },
    /// Two proportions (R `power.prop.test`); `p1` is the comparator arm's proportion.
    TwoProportions {
        /// Responder proportion of the comparator arm, in (0, 1).
        p1: f64,
    },
}

impl Design {
    /// The id used on the command line and in JSON.
    #[must_use]
    pub fn id(&self) -> &'static str {
        match self {
            Design::TwoSampleT => "two_sample_t",
            Design::Change { .. } => "change",
            Design::Ancova { .. } => "ancova",
            Design::TwoProportions { .. } => "two_proportions",
        }
    }
}

/// What is known about the trial; exactly two of `n`, `power`, `delta` are `Some`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Request {
    /// The analysis.
    pub design: Design,
    /// SD of the outcome (t designs; ignored for proportions).
    pub sd: f64,
    /// The difference to detect: a mean difference, or p2 − p1 for proportions.
    pub delta: Option<f64>,
    /// Participants in the first arm (fractional allowed, as R).
    pub n: Option<f64>,
    /// Target power, in (α, 1).
    pub power: Option<f64>,
    /// Family-wise significance level, in (0, 0.5).
    pub alpha: f64,
    /// One- or two-sided.
    pub sides: Sides,
    /// Allocation ratio n2/n1 of each comparator arm to the first arm (t designs).
    pub ratio: f64,
    /// Number of arms, 2 or 3.
    pub arms: u32,
}

/// The solved plan. `n` is per arm (the first arm when `ratio` ≠ 1), fractional as R's
/// `power.t.test` gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Solution {
    /// The design's id.
    pub design: &'static str,
    /// Participants in the first arm.
    pub n: f64,
    /// ⌈n⌉: participants to recruit in the first arm.
    pub n_ceiling: f64,
    /// Participants in each comparator arm, ratio·n.
    pub n2: f64,
    /// ⌈ratio·⌈n⌉⌉.
    pub n2_ceiling: f64,
    /// Participants to recruit in all arms together.
    pub n_total_ceiling: f64,
    /// Power at `n` (the target when n was solved).
    pub power: f64,
    /// Power with the rounded-up arm sizes.
    pub power_at_ceiling: f64,
    /// The difference (mean difference; p2 − p1 for proportions).
    pub delta: f64,
    /// Family-wise α as given.
    pub alpha: f64,
    /// α of each comparison after the Bonferroni split.
    pub alpha_per_comparison: f64,
    /// Number of comparisons the α is split over.
    pub comparisons: u32,
    /// 1 or 2.
    pub sides: u8,
    /// SD that enters the t test: σ, σ·√(2(1 − ρ)) for change; NaN for proportions.
    pub sd_effective: f64,
    /// Allocation ratio.
    pub ratio: f64,
    /// ANCOVA with n solved: Borm's plain design factor (1 − ρ²)·n_t, n_t the t-test n, for
    /// comparison (it overstates the power of small trials; see [`Design::Ancova`]).
    pub n_design_factor: Option<f64>,
}

fn invalid(msg: impl Into<String>) -> StatsError {
    StatsError::InvalidArgument(msg.into())
}

fn check_open_unit(name: &str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 && v < 1.0 {
        Ok(())
    } else {
        Err(invalid(format!("{name} must be between 0 and 1, got {v}")))
    }
}

/// Bonferroni level of each comparison when every pair of `arms` arms is compared:
/// α / (arms·(arms − 1)/2), so 2 arms keep α and 3 arms test each pair at α/3.
///
/// # Errors
/// `InvalidArgument` when `arms` is not 2 or 3 or α is not in (0, 0.5).
///
/// ```
/// use retrotrial::stats::power::comparison_alpha;
/// assert_eq!(comparison_alpha(0.05, 2).unwrap(), (0.05, 1));
/// assert_eq!(comparison_alpha(0.06, 3).unwrap(), (0.02, 3));
/// ```
pub fn comparison_alpha(alpha: f64, arms: u32) -> Result<(f64, u32)> {
    if !(alpha.is_finite() && alpha > 0.0 && alpha < 0.5) {
        return Err(invalid(format!(
            "alpha must be between 0 and 0.5, got {alpha}"
        )));
    }
    if !(2..=3).contains(&arms) {
        return Err(invalid(format!("arms must be 2 or 3, got {arms}")));
    }
    let m = arms * (arms - 1) / 2;
    Ok((alpha / f64::from(m), m))
}

/// Power of the two-sample t test with `n1` and `n2` participants, true difference `delta`
/// and common SD `sd`, at level `alpha` (`sides`): P(T > t_{1−α/s}) for the noncentral t
/// with df = n1 + n2 − 2 and ncp = δ/(σ·√(1/n1 + 1/n2)); |δ| is used.
///
/// With n1 = n2 = n this is R `power.t.test(n, delta, sd, sig.level = alpha,
/// alternative)$power` exactly (R's default `strict = FALSE`: the opposite tail of a
/// two-sided test is not counted); with n1 ≠ n2 it is the same formula (one-sided:
/// `pwr::pwr.t2n.test(n1, n2, d = delta/sd, alternative = "greater")`). This is the function
/// for "what power did a published trial have to detect the MCID".
///
/// # Errors
/// `InvalidArgument` for n1, n2 < 2, sd ≤ 0, α outside (0, 0.5) or a non-finite δ.
///
/// ```
/// use retrotrial::stats::power::{two_sample_t_power, Sides};
/// // R: power.t.test(n = 20, delta = 1, sd = 2)$power = 0.337708365563488
/// let p = two_sample_t_power(20.0, 20.0, 1.0, 2.0, 0.05, Sides::Two).unwrap();
/// assert!((p - 0.337708365563488).abs() < 1e-12);
/// ```
pub fn two_sample_t_power(
    n1: f64,
    n2: f64,
    delta: f64,
    sd: f64,
    alpha: f64,
    sides: Sides,
) -> Result<f64> {
    check_t_args(n1, n2, sd, alpha)?;
    if !delta.is_finite() {
        return Err(StatsError::NonFinite);
    }
    t_power(n1, n2, delta.abs() / sd, alpha, sides, false)
}

/// As [`two_sample_t_power`], with `strict = true` adding the opposite tail of a two-sided
/// test (R `power.t.test(strict = TRUE)`, `pwr::pwr.t2n.test(n1, n2, d)`).
///
/// # Errors
/// As [`two_sample_t_power`].
pub fn two_sample_t_power_strict(
    n1: f64,
    n2: f64,
    delta: f64,
    sd: f64,
    alpha: f64,
    sides: Sides,
) -> Result<f64> {
    check_t_args(n1, n2, sd, alpha)?;
    if !delta.is_finite() {
        return Err(StatsError::NonFinite);
    }
    t_power(n1, n2, delta.abs() / sd, alpha, sides, true)
}

fn check_t_args(n1: f64, n2: f64, sd: f64, alpha: f64) -> Result<()> {
    if !(n1.is_finite() && n2.is_finite() && n1 >= 2.0 && n2 >= 2.0) {
        return Err(invalid(format!(
            "each arm needs at least 2 participants, got {n1} and {n2}"
        )));
    }
    if !(sd.is_finite() && sd > 0.0) {
        return Err(invalid(format!("sd must be positive, got {sd}")));
    }
    if !(alpha.is_finite() && alpha > 0.0 && alpha < 0.5) {
        return Err(invalid(format!(
            "alpha must be between 0 and 0.5, got {alpha}"
        )));
    }
    Ok(())
}

/// The power body of R's `power.t.test` generalised to n1 ≠ n2; `d` = |δ|/σ. For n1 = n2 the
/// operations are R's (`sqrt(n/2) * delta/sd`, df = (n − 1)·2).
fn t_power(n1: f64, n2: f64, d: f64, alpha: f64, sides: Sides, strict: bool) -> Result<f64> {
    let (nu, ncp) = if n1 == n2 {
        ((n1 - 1.0).max(1e-7) * 2.0, (n1 / 2.0).sqrt() * d)
    } else {
        ((n1 + n2 - 2.0).max(1e-7), d / (1.0 / n1 + 1.0 / n2).sqrt())
    };
    let q = dist::qt_upper(alpha / sides.divisor(), nu)?;
    let mut p = noncentral_t::nct_sf(q, nu, ncp)?;
    if strict && sides == Sides::Two {
        p += noncentral_t::nct_cdf(-q, nu, ncp)?;
    }
    Ok(p)
}

/// Power of the two-proportion test, R `power.prop.test(n, p1, p2, sig.level, alternative)`
/// with R's default `strict = FALSE`:
/// Φ((√n·|p1 − p2| − z_{1−α/s}·√((p1 + p2)(1 − (p1 + p2)/2))) / √(p1(1 − p1) + p2(1 − p2))).
///
/// # Errors
/// `InvalidArgument` when n < 1, a proportion is outside (0, 1] or α outside (0, 0.5).
///
/// ```
/// use retrotrial::stats::power::{two_proportions_power, Sides};
/// // R: power.prop.test(n = 50, p1 = 0.3, p2 = 0.55)$power = 0.721648217284582
/// let p = two_proportions_power(50.0, 0.3, 0.55, 0.05, Sides::Two).unwrap();
/// assert!((p - 0.721648217284582).abs() < 1e-12);
/// ```
pub fn two_proportions_power(n: f64, p1: f64, p2: f64, alpha: f64, sides: Sides) -> Result<f64> {
    if !(n.is_finite() && n >= 1.0) {
        return Err(invalid(format!(
            "each arm needs at least 1 participant, got {n}"
        )));
    }
    for (name, p) in [("p1", p1), ("p2", p2)] {
        if !(p.is_finite() && p > 0.0 && p <= 1.0) {
            return Err(invalid(format!("{name} must be between 0 and 1, got {p}")));
        }
    }
    if !(alpha.is_finite() && alpha > 0.0 && alpha < 0.5) {
        return Err(invalid(format!(
            "alpha must be between 0 and 0.5, got {alpha}"
        )));
    }
    Ok(prop_power(n, p1, p2, alpha, sides))
}

/// R's `p.body` of `power.prop.test` (strict = FALSE), operation by operation.
fn prop_power(n: f64, p1: f64, p2: f64, alpha: f64, sides: Sides) -> f64 {
    let z = dist::qnorm(alpha / sides.divisor(), false);
    dist::pnorm(
        (n.sqrt() * (p1 - p2).abs() - z * ((p1 + p2) * (1.0 - (p1 + p2) / 2.0)).sqrt())
            / (p1 * (1.0 - p1) + p2 * (1.0 - p2)).sqrt(),
        true,
    )
}

/// Power of the ANCOVA `follow-up ~ arm + baseline` with n1 and n2 participants, d = |δ|/σ
/// and baseline–follow-up correlation ρ: Borm's design factor 1 − ρ² on the residual
/// variance, with the ANCOVA's residual df N − 3 and the expected variance inflation
/// 1 + 1/(N − 4) from estimating the baseline slope (for a normal baseline under
/// randomisation, E[(x̄₁ − x̄₂)²/Sxx] = (1/n1 + 1/n2)/(N − 4)):
/// ncp = d / √((1 − ρ²)(1/n1 + 1/n2)(1 + 1/(N − 4))).
///
/// The plain design factor (power.t.test at n/(1 − ρ²)) overstates the power of small trials:
/// at 17 per arm, ρ = 0.6, δ = 0.8σ it gives 0.816 where 4,000 simulated trials in R give
/// 0.797 ± 0.006 (`tests/golden/gen/power.R`); this formula gives 0.793.
fn ancova_power(n1: f64, n2: f64, d: f64, rho: f64, alpha: f64, sides: Sides) -> Result<f64> {
    let big_n = n1 + n2;
    if big_n <= 4.0 {
        return Err(invalid(format!(
            "the ANCOVA needs more than 4 participants in all, got {big_n}"
        )));
    }
    let nu = big_n - 3.0;
    let ncp = d / ((1.0 - rho * rho) * (1.0 / n1 + 1.0 / n2) * (1.0 + 1.0 / (big_n - 4.0))).sqrt();
    let q = dist::qt_upper(alpha / sides.divisor(), nu)?;
    noncentral_t::nct_sf(q, nu, ncp)
}

/// A root of the increasing function `f` in `[lo, hi]`, or an error naming `what` when the
/// target lies outside (R `uniroot(extendInt = "upX")` would extend; a plan outside these
/// bounds is not a plan).
fn solve_increasing(
    f: impl Fn(f64) -> Result<f64>,
    lo: f64,
    hi: f64,
    below: &str,
    above: &str,
) -> Result<f64> {
    let f_lo = f(lo)?;
    let f_hi = f(hi)?;
    if f_lo >= 0.0 {
        return Err(invalid(below.to_string()));
    }
    if f_hi <= 0.0 {
        return Err(invalid(above.to_string()));
    }
    let mut failed: Option<StatsError> = None;
    let root = zeroin2(
        lo,
        hi,
        f_lo,
        f_hi,
        |x| match f(x) {
            Ok(v) => v,
            Err(e) => {
                failed = Some(e);
                f64::NAN
            }
        },
        // Absolute tolerance: n and δ are solved far beyond what a plan needs, so that the
        // golden values (R `uniroot(tol = 1e-13)`) check the equation rather than the stop.
        1e-13,
        1000,
    );
    if let Some(e) = failed {
        return Err(e);
    }
    if root.iterations.is_none() || !root.root.is_finite() {
        return Err(invalid("the power equation did not converge"));
    }
    Ok(root.root)
}

/// A request checked and reduced to a t test (SD, ANCOVA ρ) or to proportions.
#[derive(Clone, Copy)]
struct Resolved {
    /// SD entering the t test (NaN for proportions).
    sd: f64,
    /// ρ of the ANCOVA design, `None` for the other designs.
    ancova_rho: Option<f64>,
    alpha: f64,
    sides: Sides,
    ratio: f64,
    p1: Option<f64>,
}

impl Resolved {
    /// Power with `n` in the first arm and difference `delta`.
    fn power(&self, n: f64, delta: f64) -> Result<f64> {
        if let Some(p1) = self.p1 {
            let p2 = p1 + delta;
            if !(p2 > 0.0 && p2 <= 1.0) {
                return Err(invalid(format!(
                    "p1 + delta = {p2} is not a proportion between 0 and 1"
                )));
            }
            return two_proportions_power(n, p1, p2, self.alpha, self.sides);
        }
        let (n1, n2) = (n, n * self.ratio);
        check_t_args(n1, n2, self.sd, self.alpha)?;
        match self.ancova_rho {
            None => t_power(n1, n2, delta.abs() / self.sd, self.alpha, self.sides, false),
            Some(rho) => ancova_power(n1, n2, delta.abs() / self.sd, rho, self.alpha, self.sides),
        }
    }

    fn solve_n(&self, delta: f64, target: f64) -> Result<f64> {
        let lo = match (self.p1, self.ancova_rho) {
            // R's brackets: power.prop.test c(1, 1e7); power.t.test c(2, 1e7).
            (Some(_), _) => 1.0,
            (None, None) => 2.0_f64.max(2.0 / self.ratio),
            // The ANCOVA's variance needs N > 4.
            (None, Some(_)) => 2.0_f64.max(2.0 / self.ratio).max(5.0 / (1.0 + self.ratio)),
        };
        solve_increasing(
            |n| Ok(self.power(n, delta)? - target),
            lo,
            1e7,
            "the target power is reached with fewer than 2 participants per arm: give a smaller difference or a higher power",
            "the target power needs more than 10 million participants per arm: give a larger difference",
        )
    }

    fn solve_delta(&self, n: f64, target: f64) -> Result<f64> {
        match self.p1 {
            Some(p1) => solve_increasing(
                |d| Ok(self.power(n, d)? - target),
                1e-10,
                1.0 - p1,
                "the target power is reached with no difference: check --power",
                "no p2 up to 1 reaches the target power with this n: give a larger --n",
            ),
            None => Ok(self.sd
                * solve_increasing(
                    |d| Ok(self.power(n, d * self.sd)? - target),
                    1e-7,
                    1e7,
                    "the target power is reached with no difference: check --power",
                    "no difference reaches the target power with this n: give a larger --n",
                )?),
        }
    }
}

/// Solves a plan: given two of n, power and δ, finds the third (R `power.t.test` /
/// `power.prop.test` with the missing argument `NULL`), and reports the rounded-up arm sizes
/// and their power.
///
/// # Errors
/// `InvalidArgument` naming the bad input: not exactly two of n/power/δ, power ≤ α or ≥ 1,
/// ρ outside (−1, 1), a proportion outside (0, 1), ratio ≤ 0, arms not 2 or 3, or a target
/// that no n in [2, 10⁷] reaches.
///
/// ```
/// use retrotrial::stats::power::{solve, Design, Request, Sides};
/// let plan = solve(&Request {
///     design: Design::TwoSampleT, sd: 2.0, delta: Some(1.0), n: None, power: Some(0.8),
///     alpha: 0.05, sides: Sides::Two, ratio: 1.0, arms: 2,
/// }).unwrap();
/// // R: power.t.test(delta = 1, sd = 2, power = 0.8)$n = 63.77
/// assert_eq!(plan.n_ceiling, 64.0);
/// ```
pub fn solve(req: &Request) -> Result<Solution> {
    let given = [req.n.is_some(), req.power.is_some(), req.delta.is_some()]
        .iter()
        .filter(|g| **g)
        .count();
    if given != 2 {
        return Err(invalid(
            "give exactly two of n, power and delta; the third is solved",
        ));
    }
    let (alpha_c, comparisons) = comparison_alpha(req.alpha, req.arms)?;
    if !(req.ratio.is_finite() && req.ratio > 0.0) {
        return Err(invalid(format!(
            "ratio must be a positive number, got {}",
            req.ratio
        )));
    }
    if let Some(p) = req.power
        && !(p.is_finite() && p > req.alpha && p < 1.0)
    {
        return Err(invalid(format!(
            "power must be above alpha ({}) and below 1, got {p}",
            req.alpha
        )));
    }
    if let Some(n) = req.n
        && !(n.is_finite() && n >= 2.0)
    {
        return Err(invalid(format!("n must be at least 2 per arm, got {n}")));
    }
    if let Some(d) = req.delta
        && !(d.is_finite() && d != 0.0)
    {
        return Err(invalid(format!("delta must be a non-zero number, got {d}")));
    }
    let t_sd = |sd: f64| -> Result<f64> {
        if sd.is_finite() && sd > 0.0 {
            Ok(sd)
        } else {
            Err(invalid(format!("sd must be positive, got {sd}")))
        }
    };
    let check_rho = |rho: f64| -> Result<f64> {
        if rho.is_finite() && rho > -1.0 && rho < 1.0 {
            Ok(rho)
        } else {
            Err(invalid(format!("rho must be between -1 and 1, got {rho}")))
        }
    };
    let mut r = Resolved {
        sd: f64::NAN,
        ancova_rho: None,
        alpha: alpha_c,
        sides: req.sides,
        ratio: req.ratio,
        p1: None,
    };
    match req.design {
        Design::TwoSampleT => r.sd = t_sd(req.sd)?,
        Design::Change { rho } => {
            r.sd = t_sd(req.sd)? * (2.0 * (1.0 - check_rho(rho)?)).sqrt();
        }
        Design::Ancova { rho } => {
            r.sd = t_sd(req.sd)?;
            r.ancova_rho = Some(check_rho(rho)?);
        }
        Design::TwoProportions { p1 } => {
            check_open_unit("p1", p1)?;
            if req.ratio != 1.0 {
                return Err(invalid(
                    "an allocation ratio other than 1 is supported for the t designs only",
                ));
            }
            r.p1 = Some(p1);
        }
    }
    let (n, power, delta) = match (req.n, req.power, req.delta) {
        (Some(n), None, Some(d)) => (n, r.power(n, d)?, d),
        (None, Some(p), Some(d)) => (r.solve_n(d, p)?, p, d),
        (Some(n), Some(p), None) => (n, p, r.solve_delta(n, p)?),
        _ => return Err(invalid("give exactly two of n, power and delta")),
    };
    let n_design_factor = match (req.design, req.n) {
        (Design::Ancova { rho }, None) => {
            let t = Resolved {
                ancova_rho: None,
                ..r
            };
            Some((1.0 - rho * rho) * t.solve_n(delta, power)?)
        }
        _ => None,
    };
    let n_ceiling = n.ceil().max(2.0);
    let n2_ceiling = (req.ratio * n_ceiling).ceil();
    let power_at_ceiling = if n2_ceiling == (req.ratio * n_ceiling) || r.p1.is_some() {
        r.power(n_ceiling, delta)?
    } else {
        // The comparator arm is rounded up too: power with both rounded sizes.
        let inner = Resolved {
            ratio: n2_ceiling / n_ceiling,
            ..r
        };
        inner.power(n_ceiling, delta)?
    };
    Ok(Solution {
        design: req.design.id(),
        n,
        n_ceiling,
        n2: req.ratio * n,
        n2_ceiling,
        n_total_ceiling: n_ceiling + f64::from(req.arms - 1) * n2_ceiling,
        power,
        power_at_ceiling,
        delta,
        alpha: req.alpha,
        alpha_per_comparison: alpha_c,
        comparisons,
        sides: req.sides.count(),
        sd_effective: r.sd,
        ratio: req.ratio,
        n_design_factor,
    })
}

/// Power at each n of `ns` for the plan of `req` with difference `delta` (the power curve of
/// `retrotrial power --out`). Points where the power is undefined (n below 2) are left out.
///
/// # Errors
/// As [`solve`] for the fixed inputs.
pub fn power_curve(req: &Request, delta: f64, ns: &[f64]) -> Result<Vec<(f64, f64)>> {
    let mut out = Vec::with_capacity(ns.len());
    for &n in ns {
        let one = Request {
            n: Some(n),
            power: None,
            delta: Some(delta),
            ..*req
        };
        if let Ok(s) = solve(&one) {
            out.push((n, s.power));
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {
    use super::*;
    use crate::stats::prec::{REL_1E8, REL_P, REL_ROOT, assert_rel};

    fn req(design: Design) -> Request {
        Request {
            design,
            sd: 2.0,
            delta: None,
            n: None,
            power: None,
            alpha: 0.05,
            sides: Sides::Two,
            ratio: 1.0,
            arms: 2,
        }
    }

    #[test]
    fn t_power_matches_power_t_test() {
        // R 4.2.2: power.t.test(n = 20, delta = 1, sd = 2)$power
        let p = two_sample_t_power(20.0, 20.0, 1.0, 2.0, 0.05, Sides::Two).unwrap();
        assert_rel(p, 0.33770836556348804, REL_P, "power n=20");
        // R: power.t.test(n = 25, delta = 0.8, sd = 1.7, sig.level = 0.025,
        //   alternative = "one.sided")$power
        let p = two_sample_t_power(25.0, 25.0, 0.8, 1.7, 0.025, Sides::One).unwrap();
        assert_rel(p, 0.37090625754707096, REL_P, "one-sided");
        // R: power.t.test(n = 10, delta = 1, sd = 1, strict = TRUE)$power
        let p = two_sample_t_power_strict(10.0, 10.0, 1.0, 1.0, 0.05, Sides::Two).unwrap();
        assert_rel(p, 0.56200664658623212, REL_P, "strict");
        // Negative δ: R takes abs() for two-sided tests.
        let q = two_sample_t_power(20.0, 20.0, -1.0, 2.0, 0.05, Sides::Two).unwrap();
        assert_rel(q, 0.33770836556348804, REL_P, "abs(delta)");
    }

    #[test]
    fn unequal_arms_match_pwr_t2n_test() {
        // R: library(pwr); pwr.t2n.test(n1 = 20, n2 = 40, d = 0.6)$power  (strict two-sided)
        let p = two_sample_t_power_strict(20.0, 40.0, 0.6, 1.0, 0.05, Sides::Two).unwrap();
        assert_rel(p, 0.5771495745574291, REL_P, "t2n two-sided");
        // R: pwr.t2n.test(n1 = 20, n2 = 40, d = 0.6, alternative = "greater")$power
        let p = two_sample_t_power(20.0, 40.0, 0.6, 1.0, 0.05, Sides::One).unwrap();
        assert_rel(p, 0.6985954520562202, REL_P, "t2n greater");
    }

    #[test]
    fn solves_n_and_delta_as_r_uniroot() {
        // R: power.t.test(delta = 1, sd = 2, power = 0.8, tol = 1e-13)$n
        let s = solve(&Request {
            delta: Some(1.0),
            power: Some(0.8),
            ..req(Design::TwoSampleT)
        })
        .unwrap();
        assert_rel(s.n, 63.765763724846089, REL_ROOT, "n");
        assert_eq!((s.n_ceiling, s.n_total_ceiling), (64.0, 128.0));
        assert!(s.power_at_ceiling >= 0.8);
        // R: power.t.test(n = 30, sd = 1.5, power = 0.9, tol = 1e-13)$delta
        let s = solve(&Request {
            n: Some(30.0),
            power: Some(0.9),
            sd: 1.5,
            ..req(Design::TwoSampleT)
        })
        .unwrap();
        assert_rel(s.delta, 1.2767572715045656, REL_ROOT, "delta");
        // R: power.t.test(delta = 1, sd = 2.2, power = 0.9, alternative = "one.sided",
        //   tol = 1e-13)$n
        let s = solve(&Request {
            delta: Some(1.0),
            power: Some(0.9),
            sd: 2.2,
            sides: Sides::One,
            ..req(Design::TwoSampleT)
        })
        .unwrap();
        assert_rel(s.n, 83.583229993137309, REL_ROOT, "one-sided n");
    }

    #[test]
    fn proportions_match_power_prop_test() {
        // R: power.prop.test(n = 50, p1 = 0.3, p2 = 0.55)$power
        assert_rel(
            two_proportions_power(50.0, 0.3, 0.55, 0.05, Sides::Two).unwrap(),
            0.72164821728458195,
            REL_P,
            "power",
        );
        // R: power.prop.test(n = 50, p1 = 0.3, p2 = 0.55, alternative = "one.sided")$power
        assert_rel(
            two_proportions_power(50.0, 0.3, 0.55, 0.05, Sides::One).unwrap(),
            0.81949425920211416,
            REL_P,
            "one-sided",
        );
        let base = req(Design::TwoProportions { p1: 0.3 });
        // R: power.prop.test(p1 = 0.3, p2 = 0.55, power = 0.8, tol = 1e-13)$n
        let s = solve(&Request {
            delta: Some(0.25),
            power: Some(0.8),
            ..base
        })
        .unwrap();
        assert_rel(s.n, 60.185679887716873, REL_ROOT, "n");
        // R: power.prop.test(n = 60, p1 = 0.3, power = 0.8, tol = 1e-13)$p2
        let s = solve(&Request {
            n: Some(60.0),
            power: Some(0.8),
            ..base
        })
        .unwrap();
        assert_rel(0.3 + s.delta, 0.55039403870457326, REL_ROOT, "p2");
    }

    #[test]
    fn ancova_and_change_designs() {
        // R 4.2.2: f <- function(n, d, rho) { N <- 2*n; df <- N - 3
        //   ncp <- d / sqrt((1 - rho^2) * (2/n) * (1 + 1/(N - 4)))
        //   pt(qt(0.025, df, lower = FALSE), df, ncp, lower = FALSE) }
        // uniroot(function(n) f(n, 0.5, 0.6) - 0.8, c(2.5, 1e7), tol = 1e-13)$root
        let s = solve(&Request {
            delta: Some(1.0),
            power: Some(0.8),
            ..req(Design::Ancova { rho: 0.6 })
        })
        .unwrap();
        assert_rel(s.n, 41.687224575380831, REL_ROOT, "ancova n");
        // Borm's plain design factor, reported beside it: (1 − ρ²)·power.t.test(...)$n.
        assert_rel(
            s.n_design_factor.unwrap(),
            63.765763724846089 * 0.64,
            REL_ROOT,
            "borm n",
        );
        // f(17, 0.8, 0.6)
        let s = solve(&Request {
            n: Some(17.0),
            delta: Some(0.8),
            sd: 1.0,
            ..req(Design::Ancova { rho: 0.6 })
        })
        .unwrap();
        assert_rel(s.power, 0.79339595022561626, REL_P, "ancova power");
        // Change scores: SD of change 2·√(2·(1 − 0.5)) = 2, the same as the t test.
        let s = solve(&Request {
            delta: Some(1.0),
            power: Some(0.8),
            ..req(Design::Change { rho: 0.5 })
        })
        .unwrap();
        assert_rel(s.n, 63.765763724846089, REL_ROOT, "change n");
        assert_rel(s.sd_effective, 2.0, REL_1E8, "sd of change");
    }

    #[test]
    fn three_arms_split_alpha() {
        // R: power.t.test(delta = 1, sd = 2, power = 0.8, sig.level = 0.05/3, tol = 1e-13)$n
        let s = solve(&Request {
            delta: Some(1.0),
            power: Some(0.8),
            arms: 3,
            ..req(Design::TwoSampleT)
        })
        .unwrap();
        assert_rel(s.alpha_per_comparison, 0.05 / 3.0, REL_1E8, "alpha/3");
        assert_eq!(s.comparisons, 3);
        assert_eq!(s.n_total_ceiling, 3.0 * s.n_ceiling);
        let direct = solve(&Request {
            delta: Some(1.0),
            power: Some(0.8),
            alpha: 0.05 / 3.0,
            ..req(Design::TwoSampleT)
        })
        .unwrap();
        assert_rel(s.n, direct.n, REL_ROOT, "same as alpha/3");
    }

    #[test]
    fn impossible_requests_are_errors() {
        let base = req(Design::TwoSampleT);
        let all = Request {
            n: Some(20.0),
            power: Some(0.8),
            delta: Some(1.0),
            ..base
        };
        assert!(solve(&all).is_err());
        let low = Request {
            delta: Some(1.0),
            power: Some(0.04),
            ..base
        };
        assert!(solve(&low).is_err());
        for rho in [1.0, -1.0, 1.5, f64::NAN] {
            let r = Request {
                delta: Some(1.0),
                power: Some(0.8),
                ..req(Design::Ancova { rho })
            };
            assert!(solve(&r).is_err(), "rho {rho}");
        }
        for p1 in [0.0, 1.0, -0.2] {
            let r = Request {
                delta: Some(0.2),
                power: Some(0.8),
                ..req(Design::TwoProportions { p1 })
            };
            assert!(solve(&r).is_err(), "p1 {p1}");
        }
        assert!(comparison_alpha(0.05, 4).is_err());
        assert!(two_sample_t_power(1.0, 5.0, 1.0, 1.0, 0.05, Sides::Two).is_err());
    }

    #[test]
    fn ratio_rounds_both_arms_up() {
        let s = solve(&Request {
            delta: Some(1.0),
            power: Some(0.8),
            ratio: 1.5,
            ..req(Design::TwoSampleT)
        })
        .unwrap();
        assert_eq!(s.n2_ceiling, (1.5 * s.n_ceiling).ceil());
        assert!(s.power_at_ceiling >= 0.8);
        let back = two_sample_t_power(s.n, 1.5 * s.n, 1.0, 2.0, 0.05, Sides::Two).unwrap();
        assert_rel(back, 0.8, REL_ROOT, "power at solved n");
    }
}
