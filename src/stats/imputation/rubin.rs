//! Rubin's rules with the Barnard–Rubin (1999) small-sample degrees of freedom, as R
//! `mice::pool` computes them (`mice:::barnard.rubin`, `pool.scalar`).
//!
//! Owns `extra.within_var`, `between_var`, `fmi` of the `mi_*` records with `method =
//! "bayes"`.

use crate::stats::{Interval, Result, StatsError, check_finite, dist};

/// mice's floor on λ in the Barnard–Rubin df (`lambda[lambda < 1e-04] <- 1e-04`), which keeps
/// the df finite when the imputations agree exactly.
const LAMBDA_FLOOR: f64 = 1e-4;

/// Estimates of M completed-data analyses pooled by Rubin's rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pooled {
    /// Q̄, the mean of the estimates.
    pub estimate: f64,
    /// √T, T = Ū + (1 + 1/M)·B.
    pub se: f64,
    /// Q̄/√T.
    pub t: f64,
    /// Barnard–Rubin df.
    pub df: f64,
    /// 2·P(T_df > |t|).
    pub p: f64,
    /// Q̄ ± t(0.975, df)·√T.
    pub ci: Interval,
    /// Ū, the mean within-imputation variance.
    pub within_var: f64,
    /// B, the between-imputation variance (denominator M − 1).
    pub between_var: f64,
    /// Relative increase in variance, (1 + 1/M)·B/Ū.
    pub riv: f64,
    /// Fraction of missing information, (riv + 2/(df + 3))/(riv + 1).
    pub fmi: f64,
    /// Monte-Carlo SE of Q̄, √(B/M).
    pub mc_se: f64,
}

/// Pools M ≥ 2 estimates with their squared SEs (`variances`) and the complete-data residual
/// df, R `mice::pool.scalar(Q, U, n = Inf, k = 1)` with `dfcom` given, i.e.
/// λ = (1 + 1/M)B/T (floored at 1e-4), ν_old = (M − 1)/λ²,
/// ν_obs = (ν_com + 1)/(ν_com + 3)·ν_com·(1 − λ), ν = ν_old·ν_obs/(ν_old + ν_obs).
///
/// # Errors
/// `InvalidArgument` for fewer than 2 imputations, slices of different lengths or ν_com ≤ 0;
/// `NonFinite` for NaN or infinity.
///
/// ```
/// use retrotrial::stats::imputation::rubin::rubin;
/// let p = rubin(&[1.0, 1.2, 0.9], &[0.04, 0.05, 0.045], 30.0).unwrap();
/// assert!((p.estimate - 1.0333333333333334).abs() < 1e-15);
/// ```
pub fn rubin(estimates: &[f64], variances: &[f64], df_complete: f64) -> Result<Pooled> {
    let m = estimates.len();
    if m < 2 || variances.len() != m {
        return Err(StatsError::InvalidArgument(format!(
            "Rubin's rules need at least 2 imputations with one variance each, got {m} and {}",
            variances.len()
        )));
    }
    if df_complete.is_nan() || df_complete <= 0.0 {
        return Err(StatsError::InvalidArgument(format!(
            "the complete-data df must be positive, got {df_complete}"
        )));
    }
    check_finite(estimates)?;
    check_finite(variances)?;
    let mf = m as f64;
    let qbar = estimates.iter().sum::<f64>() / mf;
    let ubar = variances.iter().sum::<f64>() / mf;
    let b = estimates.iter().map(|q| (q - qbar).powi(2)).sum::<f64>() / (mf - 1.0);
    let t_var = ubar + (1.0 + 1.0 / mf) * b;
    let lambda = ((1.0 + 1.0 / mf) * b / t_var).max(LAMBDA_FLOOR);
    let df_old = (mf - 1.0) / (lambda * lambda);
    let df_obs = (df_complete + 1.0) / (df_complete + 3.0) * df_complete * (1.0 - lambda);
    let df = if df_complete.is_infinite() {
        df_old
    } else {
        df_old * df_obs / (df_old + df_obs)
    };
    let riv = (1.0 + 1.0 / mf) * b / ubar;
    let se = t_var.sqrt();
    let t = qbar / se;
    let crit = dist::t_crit(df)?;
    Ok(Pooled {
        estimate: qbar,
        se,
        t,
        df,
        p: dist::pt_two_sided(t, df)?,
        ci: Interval {
            low: qbar - crit * se,
            high: qbar + crit * se,
        },
        within_var: ubar,
        between_var: b,
        riv,
        fmi: (riv + 2.0 / (df + 3.0)) / (riv + 1.0),
        mc_se: (b / mf).sqrt(),
    })
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {
    use super::*;
    use crate::stats::prec::{REL_SAME, assert_rel};

    #[test]
    fn matches_mice_barnard_rubin() {
        // R (mice 3.x formulas, base R):
        //   q <- c(1.0, 1.2, 0.9, 1.1, 0.95); u <- c(0.04, 0.05, 0.045, 0.05, 0.041)
        //   m <- 5; dfcom <- 30; qbar <- mean(q); ubar <- mean(u); b <- var(q)
        //   t <- ubar + (1 + 1/m) * b; lambda <- (1 + 1/m) * b / t
        //   dfold <- (m - 1) / lambda^2
        //   dfobs <- (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lambda)
        //   df <- dfold * dfobs / (dfold + dfobs); riv <- (1 + 1/m) * b / ubar
        //   fmi <- (riv + 2 / (df + 3)) / (riv + 1)
        //   sprintf("%.17g", c(qbar, sqrt(t), df, fmi, 2 * pt(-abs(qbar / sqrt(t)), df)))
        let p = rubin(
            &[1.0, 1.2, 0.9, 1.1, 0.95],
            &[0.04, 0.05, 0.045, 0.05, 0.041],
            30.0,
        )
        .unwrap();
        assert_rel(p.estimate, 1.03, REL_SAME, "qbar");
        assert_rel(p.se, R_SE, 1e-14, "se");
        assert_rel(p.df, R_DF, 1e-13, "df");
        assert_rel(p.fmi, R_FMI, 1e-13, "fmi");
        assert_rel(p.p, R_P, 1e-12, "p");
        assert_rel(p.mc_se, (p.between_var / 5.0).sqrt(), REL_SAME, "mc_se");
    }

    const R_SE: f64 = 0.2501999200639361;
    const R_DF: f64 = 14.607416666794718;
    const R_FMI: f64 = 0.35997124723058932;
    const R_P: f64 = 0.00096335309571312386;

    #[test]
    fn identical_imputations_floor_lambda_like_mice() {
        let p = rubin(&[2.0, 2.0, 2.0], &[0.1, 0.1, 0.1], 20.0).unwrap();
        assert_eq!(p.between_var, 0.0);
        // lambda floored at 1e-4: dfold = 2/1e-8, dfobs = 21/23*20*(1 - 1e-4).
        let dfold = 2.0 / 1e-8;
        let dfobs = 21.0 / 23.0 * 20.0 * (1.0 - 1e-4);
        assert_rel(p.df, dfold * dfobs / (dfold + dfobs), REL_SAME, "df");
    }

    #[test]
    fn rejects_bad_input() {
        assert!(rubin(&[1.0], &[0.1], 10.0).is_err());
        assert!(rubin(&[1.0, 2.0], &[0.1], 10.0).is_err());
        assert!(rubin(&[1.0, 2.0], &[0.1, 0.2], 0.0).is_err());
        assert!(rubin(&[1.0, f64::NAN], &[0.1, 0.2], 5.0).is_err());
    }
}
