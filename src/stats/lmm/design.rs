//! The design of the model: candidate terms, the rank check that drops empty cells (lme4's
//! `check.rankX`), the input checks and the rows grouped by participant (`prepare`).

use super::*;

/// The candidate columns of `~ arm * timepoint` in R's order: intercept, arms, timepoints,
/// interactions timepoint-major with the arm varying fastest.
pub(super) fn candidate_terms(n_arms: usize, n_timepoints: usize, reference: usize) -> Vec<Term> {
    let arms: Vec<usize> = (0..n_arms).filter(|&a| a != reference).collect();
    let mut terms = vec![Term::Intercept];
    terms.extend(arms.iter().map(|&a| Term::Arm(a)));
    terms.extend((1..n_timepoints).map(Term::Timepoint));
    for t in 1..n_timepoints {
        terms.extend(arms.iter().map(|&a| Term::Interaction {
            arm: a,
            timepoint: t,
        }));
    }
    terms
}

/// `true` when the cell-weighted design of `terms` has full column rank (lme4's check, R's
/// `qr(X, tol = 1e-7)`: a column whose norm after orthogonalisation on the earlier columns is
/// below 1e-7 of its own norm is dependent). Works on the distinct rows (cells), weighted by
/// √count, which has the same R factor as X.
pub(super) fn full_rank(terms: &[Term], cell_count: &[usize], n_timepoints: usize) -> bool {
    let cells: Vec<(usize, usize, f64)> = cell_count
        .iter()
        .enumerate()
        .filter(|&(_, &n)| n > 0)
        .map(|(i, &n)| (i / n_timepoints, i % n_timepoints, (n as f64).sqrt()))
        .collect();
    let mut basis: Vec<Vec<f64>> = Vec::with_capacity(terms.len());
    for &term in terms {
        let col: Vec<f64> = cells
            .iter()
            .map(|&(a, t, w)| if term.indicator(a, t) { w } else { 0.0 })
            .collect();
        let norm = col.iter().map(|v| v * v).sum::<f64>().sqrt();
        let mut v = col;
        // Gram–Schmidt twice ("twice is enough") against the orthonormal basis so far.
        for _ in 0..2 {
            for q in &basis {
                let dot: f64 = q.iter().zip(&v).map(|(a, b)| a * b).sum();
                v.iter_mut().zip(q).for_each(|(vi, qi)| *vi -= dot * qi);
            }
        }
        let rest = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 || rest < RANK_TOL * norm {
            return false;
        }
        basis.push(v.iter().map(|x| x / rest).collect());
    }
    true
}

pub(super) fn check_data(data: &LmmData<'_>) -> Result<()> {
    let n = data.y.len();
    for (name, len) in [
        ("arm", data.arm.len()),
        ("timepoint", data.timepoint.len()),
        ("participant", data.participant.len()),
    ] {
        if len != n {
            return Err(StatsError::InvalidArgument(format!(
                "y has {n} values but {name} has {len}"
            )));
        }
    }
    if data.n_arms < 2 || data.n_timepoints < 2 {
        return Err(StatsError::InvalidArgument(format!(
            "the LMM needs at least 2 arms and 2 timepoints, got {} and {}",
            data.n_arms, data.n_timepoints
        )));
    }
    if data.reference_arm >= data.n_arms {
        return Err(StatsError::InvalidArgument(format!(
            "reference arm {} is out of range for {} arms",
            data.reference_arm, data.n_arms
        )));
    }
    if let Some(&a) = data.arm.iter().find(|&&a| a >= data.n_arms) {
        return Err(StatsError::InvalidArgument(format!(
            "arm index {a} is out of range for {} arms",
            data.n_arms
        )));
    }
    if let Some(&t) = data.timepoint.iter().find(|&&t| t >= data.n_timepoints) {
        return Err(StatsError::InvalidArgument(format!(
            "timepoint index {t} is out of range for {} timepoints",
            data.n_timepoints
        )));
    }
    check_finite(data.y)
}

/// Adds scale·v·vᵀ to the upper triangle of the p × p row-major `acc`.
pub(super) fn add_outer_upper(acc: &mut [f64], v: &[f64], scale: f64) {
    let p = v.len();
    for j in 0..p {
        let vj = scale * v[j];
        if vj == 0.0 {
            continue;
        }
        for (a, &vk) in acc[j * p + j..(j + 1) * p].iter_mut().zip(&v[j..]) {
            *a += vj * vk;
        }
    }
}

/// A symmetric matrix from the upper triangle of a row-major p × p array.
pub(super) fn symmetric_from_upper(acc: &[f64], p: usize) -> DMatrix<f64> {
    DMatrix::from_fn(p, p, |i, j| {
        if i <= j {
            acc[i * p + j]
        } else {
            acc[j * p + i]
        }
    })
}

/// Rows grouped by participant (counting sort): `order[start[i]..start[i + 1]]` are the rows
/// of the i-th participant that has rows.
pub(super) struct ByParticipant {
    pub(super) order: Vec<usize>,
    pub(super) start: Vec<usize>,
}

pub(super) fn group_rows(participant: &[usize]) -> ByParticipant {
    let n_ids = participant.iter().max().map_or(0, |&m| m + 1);
    let mut count = vec![0_usize; n_ids + 1];
    for &i in participant {
        count[i + 1] += 1;
    }
    for i in 0..n_ids {
        count[i + 1] += count[i];
    }
    let mut next = count.clone();
    let mut order = vec![0_usize; participant.len()];
    for (r, &i) in participant.iter().enumerate() {
        order[next[i]] = r;
        next[i] += 1;
    }
    let mut start: Vec<usize> = count;
    start.dedup();
    ByParticipant { order, start }
}

/// The design rows: one per arm × timepoint cell.
pub(super) struct Design<'a> {
    pub(super) cell_x: Vec<Vec<f64>>,
    pub(super) arm: &'a [usize],
    pub(super) timepoint: &'a [usize],
    pub(super) n_timepoints: usize,
}

impl Design<'_> {
    /// The design row of data row `r`.
    pub(super) fn row(&self, r: usize) -> &[f64] {
        &self.cell_x[self.arm[r] * self.n_timepoints + self.timepoint[r]]
    }
}

/// Per-participant means of the design rows (into `xbar`) and of `v` over `rows`.
pub(super) fn participant_means(
    rows: &[usize],
    design: &Design<'_>,
    v: &[f64],
    xbar: &mut [f64],
) -> f64 {
    xbar.iter_mut().for_each(|x| *x = 0.0);
    for &r in rows {
        xbar.iter_mut()
            .zip(design.row(r))
            .for_each(|(a, b)| *a += b);
    }
    let m = rows.len() as f64;
    xbar.iter_mut().for_each(|x| *x /= m);
    let vals: Vec<f64> = rows.iter().map(|&r| v[r]).collect();
    mean(&vals)
}

/// Everything the fit needs from the data: the kept columns, the rows grouped by participant,
/// the centred y and the moments.
pub(super) struct Prepared<'a> {
    pub(super) terms: Vec<Term>,
    /// No column was dropped.
    pub(super) full_design: bool,
    pub(super) design: Design<'a>,
    pub(super) by_participant: ByParticipant,
    pub(super) yc: Vec<f64>,
    pub(super) moments: Moments,
    /// Column j varies within at least one participant (nlme's within stratum).
    pub(super) varies: Vec<bool>,
    pub(super) max_m: usize,
}

/// Checks the data, builds the columns and makes the one-pass reduction (see the module
/// header).
pub(super) fn prepare<'a>(data: &LmmData<'a>) -> Result<Prepared<'a>> {
    check_data(data)?;
    let n_obs = data.y.len();
    let n_tp = data.n_timepoints;

    // Columns: drop the all-zero ones, then require full rank.
    let mut cell_count = vec![0_usize; data.n_arms * n_tp];
    for (&a, &t) in data.arm.iter().zip(data.timepoint) {
        cell_count[a * n_tp + t] += 1;
    }
    let terms: Vec<Term> = candidate_terms(data.n_arms, n_tp, data.reference_arm)
        .into_iter()
        .filter(|term| {
            cell_count
                .iter()
                .enumerate()
                .any(|(i, &n)| n > 0 && term.indicator(i / n_tp, i % n_tp))
        })
        .collect();
    let full_design = terms.len() == data.n_arms * n_tp;
    let p = terms.len();
    if n_obs <= p {
        return Err(StatsError::TooFewValues {
            group: "rows",
            n: n_obs,
            min: p + 1,
        });
    }
    if !full_rank(&terms, &cell_count, n_tp) {
        return Err(StatsError::Singular(
            "the fixed-effect design is rank-deficient beyond its empty cells",
        ));
    }
    // The design row of each cell.
    let cell_x: Vec<Vec<f64>> = (0..data.n_arms * n_tp)
        .map(|i| {
            terms
                .iter()
                .map(|term| f64::from(u8::from(term.indicator(i / n_tp, i % n_tp))))
                .collect()
        })
        .collect();
    let design = Design {
        cell_x,
        arm: data.arm,
        timepoint: data.timepoint,
        n_timepoints: n_tp,
    };

    // One pass over participants: within cross products, between ones grouped by size.
    let by_participant = group_rows(data.participant);
    let n_participants = by_participant.start.len() - 1;
    let y_mean = mean(data.y);
    let yc: Vec<f64> = data.y.iter().map(|v| v - y_mean).collect();
    let max_m = by_participant
        .start
        .windows(2)
        .map(|w| w[1] - w[0])
        .max()
        .unwrap_or(0);
    let mut w_xx = vec![0.0; p * p];
    let mut w_xy = vec![0.0; p];
    let mut w_yy = 0.0;
    let mut b_xx = vec![vec![0.0; p * p]; max_m + 1];
    let mut b_xy = vec![vec![0.0; p]; max_m + 1];
    let mut b_yy = vec![0.0; max_m + 1];
    let mut size_count = vec![0_usize; max_m + 1];
    let mut varies = vec![false; p];
    let mut xbar = vec![0.0; p];
    let mut dx = vec![0.0; p];
    for w in by_participant.start.windows(2) {
        let rows = &by_participant.order[w[0]..w[1]];
        let m = rows.len();
        let ybar = participant_means(rows, &design, &yc, &mut xbar);
        for &r in rows {
            dx.iter_mut()
                .zip(design.row(r).iter().zip(&xbar))
                .for_each(|(d, (x, xb))| *d = x - xb);
            let dy = yc[r] - ybar;
            add_outer_upper(&mut w_xx, &dx, 1.0);
            w_xy.iter_mut().zip(&dx).for_each(|(a, d)| *a += d * dy);
            w_yy += dy * dy;
            varies
                .iter_mut()
                .zip(&dx)
                .for_each(|(v, d)| *v |= *d != 0.0);
        }
        let mf = m as f64;
        add_outer_upper(&mut b_xx[m], &xbar, mf);
        b_xy[m]
            .iter_mut()
            .zip(&xbar)
            .for_each(|(a, x)| *a += mf * x * ybar);
        b_yy[m] += mf * ybar * ybar;
        size_count[m] += 1;
    }
    let groups: Vec<SizeGroup> = (1..=max_m)
        .filter(|&m| size_count[m] > 0)
        .map(|m| SizeGroup {
            m: m as f64,
            count: size_count[m] as f64,
            b_xx: symmetric_from_upper(&b_xx[m], p),
            b_xy: DVector::from_column_slice(&b_xy[m]),
            b_yy: b_yy[m],
        })
        .collect();
    let mo = Moments {
        n_obs,
        n_participants,
        y_mean,
        w_xx: symmetric_from_upper(&w_xx, p),
        w_xy: DVector::from_vec(w_xy),
        w_yy,
        groups,
    };

    Ok(Prepared {
        terms,
        full_design,
        design,
        by_participant,
        yc,
        moments: mo,
        varies,
        max_m,
    })
}
