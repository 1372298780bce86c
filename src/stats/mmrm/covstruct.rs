//! Covariance structures over the visits (issue 18): Σ(θ), its first and second derivatives in
//! θ, and a starting θ, in SAS PROC MIXED's parametrisations (`REPEATED / TYPE=`), so that the
//! Kenward–Roger adjustment, which depends on the parametrisation through ∂²Σ, is SAS's.
//!
//! - `us` (`TYPE=UN`): θ = the entries Σ_ab, a ≤ b (linear: ∂²Σ = 0).
//! - `cs` (`TYPE=CS`): θ = (c, s), Σ = c·J + s·I (linear).
//! - `toep` (`TYPE=TOEP`): θ = (c_0, …, c_{V−1}), Σ_ab = c_|a−b| (linear).
//! - the others are Σ_ab = s_ab(v)·R_ab(ρ) with variances v (one, or one per visit for the
//!   heterogeneous `…h` forms, s_ab = √(v_a v_b)) then the correlation parameters ρ:
//!   `csh` (`CSH`: R_ab = ρ), `ar1`/`ar1h` (`AR(1)`/`ARH(1)`: ρ^|a−b|), `toeph` (`TOEPH`:
//!   ρ_|a−b|), `ad`/`adh` (antedependence, `adh` = `ANTE(1)`: Π_{k=a}^{b−1} ρ_k).
//!
//! The names are those of the R package `mmrm` (`us`, `cs`, `csh`, `ar1`, `ar1h`, `toep`,
//! `toeph`, `ad`, `adh`).

use nalgebra::DMatrix;

/// A covariance structure over the post-baseline visits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Structure {
    /// Unstructured (SAS `UN`).
    Us,
    /// Compound symmetry (SAS `CS`).
    Cs,
    /// Heterogeneous compound symmetry (SAS `CSH`).
    Csh,
    /// First-order autoregressive (SAS `AR(1)`).
    Ar1,
    /// Heterogeneous first-order autoregressive (SAS `ARH(1)`).
    Ar1h,
    /// Toeplitz (SAS `TOEP`).
    Toep,
    /// Heterogeneous Toeplitz (SAS `TOEPH`).
    Toeph,
    /// First-order antedependence with one variance (mmrm `ad`).
    Ad,
    /// First-order antedependence (SAS `ANTE(1)`, mmrm `adh`).
    Adh,
}

/// How the correlation of a scale–correlation structure depends on its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Corr {
    /// One correlation for every pair.
    Exchangeable,
    /// ρ^|a−b|.
    Ar1,
    /// ρ_{|a−b|} (index lag − 1).
    Banded,
    /// Π_{k=a}^{b−1} ρ_k.
    Ante,
}

impl Structure {
    /// Every structure, in the order `structure = "auto"` fits and lists them.
    pub const ALL: [Structure; 9] = [
        Structure::Us,
        Structure::Cs,
        Structure::Csh,
        Structure::Ar1,
        Structure::Ar1h,
        Structure::Toep,
        Structure::Toeph,
        Structure::Ad,
        Structure::Adh,
    ];

    /// The id (`us`, `cs`, …), as the R package `mmrm` names it.
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            Structure::Us => "us",
            Structure::Cs => "cs",
            Structure::Csh => "csh",
            Structure::Ar1 => "ar1",
            Structure::Ar1h => "ar1h",
            Structure::Toep => "toep",
            Structure::Toeph => "toeph",
            Structure::Ad => "ad",
            Structure::Adh => "adh",
        }
    }

    /// The structure in words (`unstructured`, …), as the report and the `model` record say it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Structure::Us => "unstructured",
            Structure::Cs => "compound symmetry",
            Structure::Csh => "heterogeneous compound symmetry",
            Structure::Ar1 => "first-order autoregressive",
            Structure::Ar1h => "heterogeneous first-order autoregressive",
            Structure::Toep => "Toeplitz",
            Structure::Toeph => "heterogeneous Toeplitz",
            Structure::Ad => "antedependence",
            Structure::Adh => "heterogeneous antedependence",
        }
    }

    /// The structure with this id.
    #[must_use]
    pub fn from_id(id: &str) -> Option<Structure> {
        Structure::ALL.into_iter().find(|s| s.id() == id)
    }

    /// Number of covariance parameters over `v` visits.
    #[must_use]
    pub fn n_params(self, v: usize) -> usize {
        match self {
            Structure::Us => v * (v + 1) / 2,
            Structure::Cs | Structure::Ar1 => 2,
            Structure::Toep => v,
            Structure::Csh | Structure::Ar1h => v + 1,
            Structure::Toeph | Structure::Adh => 2 * v - 1,
            Structure::Ad => v,
        }
    }

    /// Whether Σ is linear in θ (then ∂²Σ = 0 and Kenward–Roger equals its linear form).
    #[must_use]
    pub fn is_linear(self) -> bool {
        matches!(self, Structure::Us | Structure::Cs | Structure::Toep)
    }

    /// (heterogeneous variances, correlation family) of a scale–correlation structure.
    fn scale_corr(self) -> Option<(bool, Corr)> {
        match self {
            Structure::Us | Structure::Cs | Structure::Toep => None,
            Structure::Csh => Some((true, Corr::Exchangeable)),
            Structure::Ar1 => Some((false, Corr::Ar1)),
            Structure::Ar1h => Some((true, Corr::Ar1)),
            Structure::Toeph => Some((true, Corr::Banded)),
            Structure::Ad => Some((false, Corr::Ante)),
            Structure::Adh => Some((true, Corr::Ante)),
        }
    }

    /// Whether parameter k is a correlation (scale 1) rather than a (co)variance (scale of Σ).
    pub(super) fn is_correlation(self, k: usize, v: usize) -> bool {
        match self.scale_corr() {
            Some((het, _)) => k >= if het { v } else { 1 },
            None => false,
        }
    }

    /// Σ at θ.
    pub(super) fn sigma(self, theta: &[f64], v: usize) -> DMatrix<f64> {
        DMatrix::from_fn(v, v, |a, b| self.entry(theta, v, a, b).0)
    }

    /// The first derivatives ∂Σ/∂θ_k and the second ∂²Σ/∂θ_k∂θ_l (index k·K + l) at θ.
    pub(super) fn derivatives(
        self,
        theta: &[f64],
        v: usize,
    ) -> (Vec<DMatrix<f64>>, Vec<DMatrix<f64>>) {
        let kn = theta.len();
        let mut d1 = vec![DMatrix::<f64>::zeros(v, v); kn];
        let mut d2 = vec![DMatrix::<f64>::zeros(v, v); kn * kn];
        for a in 0..v {
            for b in 0..v {
                let (_, g, h) = self.entry(theta, v, a, b);
                for k in 0..kn {
                    d1[k][(a, b)] = g[k];
                    for l in 0..kn {
                        d2[k * kn + l][(a, b)] = h[k * kn + l];
                    }
                }
            }
        }
        (d1, d2)
    }

    /// Σ_ab with its gradient and Hessian in θ (dense, K and K·K values).
    fn entry(self, theta: &[f64], v: usize, a: usize, b: usize) -> (f64, Vec<f64>, Vec<f64>) {
        let kn = theta.len();
        let mut g = vec![0.0; kn];
        let mut h = vec![0.0; kn * kn];
        let (lo, hi) = (a.min(b), a.max(b));
        let lag = hi - lo;
        let Some((het, corr)) = self.scale_corr() else {
            // Linear structures: Σ_ab = θ_k for one k (us, toep) or a sum (cs).
            let value = match self {
                Structure::Us => {
                    let k = lo * v - lo * (lo + 1) / 2 + hi;
                    g[k] = 1.0;
                    theta[k]
                }
                Structure::Cs => {
                    g[0] = 1.0;
                    if lag == 0 {
                        g[1] = 1.0;
                    }
                    theta[0] + if lag == 0 { theta[1] } else { 0.0 }
                }
                _ => {
                    g[lag] = 1.0;
                    theta[lag]
                }
            };
            return (value, g, h);
        };
        let n_var = if het { v } else { 1 };
        let (vars, rho) = theta.split_at(n_var);
        // Scale s_ab and its derivatives in the variance parameters.
        let (s, sg, sh) = scale(vars, het, a, b);
        let (r, rg, rh) = correlation(corr, rho, lo, hi);
        for &(k, sk) in &sg {
            g[k] = sk * r;
            for (j, &rj) in rg.iter().enumerate() {
                let l = n_var + j;
                h[k * kn + l] += sk * rj;
                h[l * kn + k] += sk * rj;
            }
        }
        for &(k, l, val) in &sh {
            h[k * kn + l] += val * r;
        }
        for (j, &rj) in rg.iter().enumerate() {
            g[n_var + j] = s * rj;
            for (m, &rjm) in rh[j].iter().enumerate() {
                h[(n_var + j) * kn + n_var + m] += s * rjm;
            }
        }
        (s * r, g, h)
    }

    /// A starting θ from a positive definite starting Σ0: its variances and average
    /// correlations (by lag where the structure has lags), shrunk towards 0 until Σ(θ) is
    /// positive definite.
    pub(super) fn start(self, s0: &DMatrix<f64>) -> Vec<f64> {
        let v = s0.nrows();
        let var: Vec<f64> = (0..v).map(|a| s0[(a, a)]).collect();
        let vbar = var.iter().sum::<f64>() / v as f64;
        let corr = |a: usize, b: usize| s0[(a, b)] / (var[a] * var[b]).sqrt();
        let lag_mean = |d: usize| {
            let n = v - d;
            (0..n).map(|a| corr(a, a + d)).sum::<f64>() / n as f64
        };
        let all_mean = if v > 1 {
            (1..v).map(|d| lag_mean(d) * (v - d) as f64).sum::<f64>() / (v * (v - 1) / 2) as f64
        } else {
            0.0
        };
        let clamp = |r: f64| r.clamp(-0.9, 0.9);
        let mut shrink = 1.0;
        loop {
            let theta: Vec<f64> = match self {
                Structure::Us => (0..v)
                    .flat_map(|a| (a..v).map(move |b| (a, b)))
                    .map(|(a, b)| {
                        let f = if a == b { 1.0 } else { shrink };
                        f * s0[(a, b)]
                    })
                    .collect(),
                Structure::Cs => {
                    let c = vbar * clamp(all_mean) * shrink;
                    vec![c, vbar - c]
                }
                Structure::Toep => (0..v)
                    .map(|d| {
                        if d == 0 {
                            vbar
                        } else {
                            vbar * clamp(lag_mean(d)) * shrink
                        }
                    })
                    .collect(),
                _ => {
                    let het = self.scale_corr().is_some_and(|(h, _)| h);
                    let mut t: Vec<f64> = if het { var.clone() } else { vec![vbar] };
                    let rho: Vec<f64> = match self {
                        Structure::Csh => vec![clamp(all_mean)],
                        Structure::Ar1 | Structure::Ar1h => vec![clamp(lag_mean(1.min(v - 1)))],
                        Structure::Toeph => (1..v).map(|d| clamp(lag_mean(d))).collect(),
                        _ => (0..v - 1).map(|k| clamp(corr(k, k + 1))).collect(),
                    };
                    t.extend(rho.iter().map(|r| r * shrink));
                    t
                }
            };
            if shrink == 0.0 || self.sigma(&theta, v).cholesky().is_some() {
                return theta;
            }
            shrink = if shrink < 1e-3 { 0.0 } else { shrink * 0.5 };
        }
    }
}

/// First derivatives of the scale as (parameter, value) pairs, and its second derivatives
/// as (k, l, value) triples.
type ScaleDerivs = (f64, Vec<(usize, f64)>, Vec<(usize, usize, f64)>);

/// s_ab = √(v_a v_b) (heterogeneous) or v (homogeneous), with derivatives.
fn scale(vars: &[f64], het: bool, a: usize, b: usize) -> ScaleDerivs {
    if !het {
        return (vars[0], vec![(0, 1.0)], Vec::new());
    }
    if a == b {
        return (vars[a], vec![(a, 1.0)], Vec::new());
    }
    let s = (vars[a] * vars[b]).sqrt();
    let first = vec![(a, s / (2.0 * vars[a])), (b, s / (2.0 * vars[b]))];
    let cross = s / (4.0 * vars[a] * vars[b]);
    let second = vec![
        (a, a, -s / (4.0 * vars[a] * vars[a])),
        (b, b, -s / (4.0 * vars[b] * vars[b])),
        (a, b, cross),
        (b, a, cross),
    ];
    (s, first, second)
}

/// R_ab (lo ≤ hi) with its gradient and Hessian in ρ.
fn correlation(corr: Corr, rho: &[f64], lo: usize, hi: usize) -> (f64, Vec<f64>, Vec<Vec<f64>>) {
    let n = rho.len();
    let mut g = vec![0.0; n];
    let mut h = vec![vec![0.0; n]; n];
    let lag = hi - lo;
    if lag == 0 {
        return (1.0, g, h);
    }
    let r = match corr {
        Corr::Exchangeable => {
            g[0] = 1.0;
            rho[0]
        }
        Corr::Ar1 => {
            let d = lag as i32;
            g[0] = f64::from(d) * rho[0].powi(d - 1);
            h[0][0] = if d >= 2 {
                f64::from(d * (d - 1)) * rho[0].powi(d - 2)
            } else {
                0.0
            };
            rho[0].powi(d)
        }
        Corr::Banded => {
            g[lag - 1] = 1.0;
            rho[lag - 1]
        }
        Corr::Ante => {
            let prod_except = |skip: &[usize]| -> f64 {
                (lo..hi)
                    .filter(|k| !skip.contains(k))
                    .map(|k| rho[k])
                    .product()
            };
            for j in lo..hi {
                g[j] = prod_except(&[j]);
                for (l, hjl) in h[j].iter_mut().enumerate().take(hi).skip(lo) {
                    if l != j {
                        *hjl = prod_except(&[j, l]);
                    }
                }
            }
            prod_except(&[])
        }
    };
    (r, g, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The analytic derivatives agree with central differences of Σ(θ) for every structure.
    #[test]
    fn derivatives_match_finite_differences() {
        let v = 4;
        for s in Structure::ALL {
            let s0 = DMatrix::from_fn(v, v, |a, b| {
                let d = (a as f64 - b as f64).abs();
                (1.0 + 0.3 * a as f64) * (1.0 + 0.3 * b as f64) * 0.6_f64.powf(d)
            });
            let theta = s.start(&s0);
            assert_eq!(theta.len(), s.n_params(v), "{}", s.id());
            let (d1, d2) = s.derivatives(&theta, v);
            let kn = theta.len();
            let eps = 1e-6;
            for k in 0..kn {
                let mut up = theta.clone();
                let mut dn = theta.clone();
                up[k] += eps;
                dn[k] -= eps;
                let fd = (s.sigma(&up, v) - s.sigma(&dn, v)) / (2.0 * eps);
                assert!((&fd - &d1[k]).amax() < 1e-7, "{} d1 {k}", s.id());
                let (u1, _) = s.derivatives(&up, v);
                let (l1, _) = s.derivatives(&dn, v);
                for l in 0..kn {
                    let fd2 = (&u1[l] - &l1[l]) / (2.0 * eps);
                    assert!(
                        (&fd2 - &d2[k * kn + l]).amax() < 1e-6,
                        "{} d2 {k} {l}",
                        s.id()
                    );
                }
            }
        }
    }
}
