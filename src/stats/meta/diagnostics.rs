//! Influence and small-study diagnostics: leave-one-out refits (metafor `leave1out`) and
//! Egger's regression test (`regtest`).

use super::*;

/// The REML z-test model refitted k times, each time without one study. Matches R
/// `leave1out(rma(yi, vi, method = "REML", control = …))` (estimate, se, z, p, CI, τ², I²,
/// H², Q, Q_p of each row).
///
/// # Errors
/// `TooFewValues` for k < 3 (each refit needs 2 studies), otherwise as [`rma`].
///
/// ```
/// use retrotrial::stats::meta::{leave1out, StudyEffect};
/// let e = [(0.9, 0.19), (0.17, 0.10), (1.09, 0.16)].map(|(yi, vi)| StudyEffect { yi, vi });
/// let l = leave1out(&e).unwrap();
/// assert_eq!(l.len(), 3);
/// assert_eq!(l[1].omitted, 1);
/// ```
pub fn leave1out(effects: &[StudyEffect]) -> Result<Vec<LeaveOneOut>> {
    check_effects(effects, 3)?;
    (0..effects.len())
        .map(|omitted| {
            let rest: Vec<StudyEffect> = effects
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != omitted)
                .map(|(_, e)| *e)
                .collect();
            Ok(LeaveOneOut {
                omitted,
                fit: rma(&rest, Tau2Method::Reml, MetaTest::Z)?,
            })
        })
        .collect()
}

/// Egger's regression test: the meta-regression yi = β₀ + β₁·√vi with REML τ² and a z test
/// of β₁; β₀ is the limit estimate (the effect of a study with standard error 0). Matches R
/// `regtest(rma(yi, vi, method = "REML", control = …))` (defaults `model = "rma"`,
/// `predictor = "sei"`): `$zval`, `$pval`, `$est`.
///
/// # Errors
/// `TooFewValues` for k < 3, `Singular` when all √vi are equal (R: "Model matrix no longer
/// of full rank"), otherwise as [`rma`].
///
/// ```
/// use retrotrial::stats::meta::{egger, StudyEffect};
/// let e = [(0.91, 0.15), (0.35, 0.06), (0.12, 0.021)].map(|(yi, vi)| StudyEffect { yi, vi });
/// let r = egger(&e).unwrap();
/// assert!(r.z > 0.0 && r.p > 0.0 && r.p < 1.0);
/// ```
pub fn egger(effects: &[StudyEffect]) -> Result<Egger> {
    check_effects(effects, 3)?;
    let (y, v) = split(effects);
    let k = y.len();
    let sei: Vec<f64> = v.iter().map(|v| v.sqrt()).collect();
    // R: lm(yi ~ X - 1) must be of full rank; √vi must not be constant.
    if sei.iter().all(|s| *s == sei[0]) {
        return Err(StatsError::Singular(
            "Egger's test needs studies with different standard errors",
        ));
    }
    let design = Design {
        y: &y,
        v: &v,
        x: DMatrix::from_fn(k, 2, |i, j| if j == 0 { 1.0 } else { sei[i] }),
    };
    let tau2 = design.tau2_reml()?;
    let f = design.fit(tau2)?;
    let z = f.beta[1] / f.vb[(1, 1)].sqrt();
    Ok(Egger {
        z,
        p: dist::pnorm_two_sided(z),
        limit_estimate: f.beta[0],
    })
}
