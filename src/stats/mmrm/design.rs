//! The data by participant and missingness pattern (`prepare`), the input checks, and the
//! identifiability of every visit's design (gls: "computed gls fit is singular").

use super::*;

/// The most visits the missingness patterns (bit masks) can hold.
pub(super) const MAX_VISITS: usize = 63;

/// The participants that share one set of observed visits.
pub(super) struct Pattern {
    /// The observed visits, ascending.
    pub(super) visits: Vec<usize>,
    /// Number of participants.
    pub(super) n: f64,
    /// Z_S = Σ z_i z_iᵀ (q × q).
    pub(super) zz: DMatrix<f64>,
}

/// The data regrouped by participant: each participant's pattern, covariate row z_i and
/// values in visit order.
pub(super) struct Prepared {
    pub(super) n_obs: usize,
    pub(super) n_visits: usize,
    /// Columns per visit, q = 1 + 1 + (n_arms − 1).
    pub(super) q: usize,
    /// Column of each arm's indicator within a visit's block (`None` for the reference).
    pub(super) arm_column: Vec<Option<usize>>,
    pub(super) patterns: Vec<Pattern>,
    /// Pattern of each participant.
    pub(super) pattern_of: Vec<usize>,
    /// z_i, q values per participant.
    pub(super) z: Vec<f64>,
    /// Values in visit order; participant i's are `y[y_start[i]..y_start[i + 1]]`.
    pub(super) y: Vec<f64>,
    pub(super) y_start: Vec<usize>,
}

impl Prepared {
    pub(super) fn n_participants(&self) -> usize {
        self.pattern_of.len()
    }

    /// p = V·q fixed effects.
    pub(super) fn p(&self) -> usize {
        self.n_visits * self.q
    }
}

/// Checks the data and regroups it by participant and pattern.
pub(super) fn prepare(data: &MmrmData<'_>) -> Result<Prepared> {
    check_shapes(data)?;
    let n = data.y.len();
    let mut arm_column = vec![None; data.n_arms];
    let mut col = 2;
    for (a, c) in arm_column.iter_mut().enumerate() {
        if a != data.reference_arm {
            *c = Some(col);
            col += 1;
        }
    }
    let q = col;
    let people = participants(data)?;
    let n_participants = people.len();
    let p = data.n_visits * q;
    if n <= p {
        return Err(StatsError::TooFewValues {
            group: "rows",
            n,
            min: p + 1,
        });
    }
    // Centring the baseline is a unimodular change of the design (see the module header).
    let bases: Vec<f64> = people.iter().map(|x| x.2).collect();
    let base_mean = mean(&bases);

    let mut index_of: BTreeMap<u64, usize> = BTreeMap::new();
    for &(mask, ..) in &people {
        index_of.insert(mask, 0);
    }
    let mut patterns: Vec<Pattern> = Vec::with_capacity(index_of.len());
    for (idx, (&mask, slot)) in index_of.iter_mut().enumerate() {
        *slot = idx;
        patterns.push(Pattern {
            visits: (0..data.n_visits)
                .filter(|&v| mask & (1 << v) != 0)
                .collect(),
            n: 0.0,
            zz: DMatrix::zeros(q, q),
        });
    }
    let mut pattern_of = Vec::with_capacity(n_participants);
    let mut z = Vec::with_capacity(n_participants * q);
    let mut y = Vec::with_capacity(n);
    let mut y_start = Vec::with_capacity(n_participants + 1);
    y_start.push(0);
    for (mask, arm, base, values) in people {
        let s = index_of.get(&mask).copied().unwrap_or_default();
        let mut zi = vec![0.0; q];
        zi[0] = 1.0;
        zi[1] = base - base_mean;
        if let Some(c) = arm_column[arm] {
            zi[c] = 1.0;
        }
        let zv = DVector::from_column_slice(&zi);
        let pat = &mut patterns[s];
        pat.n += 1.0;
        pat.zz += &zv * zv.transpose();
        pattern_of.push(s);
        z.extend_from_slice(&zi);
        y.extend_from_slice(&values);
        y_start.push(y.len());
    }
    let prep = Prepared {
        n_obs: n,
        n_visits: data.n_visits,
        q,
        arm_column,
        patterns,
        pattern_of,
        z,
        y,
        y_start,
    };
    check_identifiable(&prep)?;
    Ok(prep)
}

/// The lengths, counts and indices of the input agree.
pub(super) fn check_shapes(data: &MmrmData<'_>) -> Result<()> {
    let n = data.y.len();
    for (name, len) in [
        ("baseline", data.baseline.len()),
        ("arm", data.arm.len()),
        ("visit", data.visit.len()),
        ("participant", data.participant.len()),
    ] {
        if len != n {
            return Err(StatsError::InvalidArgument(format!(
                "y has {n} values but {name} has {len}"
            )));
        }
    }
    if data.n_arms < 2 || data.n_visits < 1 {
        return Err(StatsError::InvalidArgument(format!(
            "the MMRM needs at least 2 arms and 1 post-baseline visit, got {} and {}",
            data.n_arms, data.n_visits
        )));
    }
    if data.n_visits > MAX_VISITS {
        return Err(StatsError::InvalidArgument(format!(
            "the MMRM handles at most {MAX_VISITS} visits, got {}",
            data.n_visits
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
    if let Some(&v) = data.visit.iter().find(|&&v| v >= data.n_visits) {
        return Err(StatsError::InvalidArgument(format!(
            "visit index {v} is out of range for {} visits",
            data.n_visits
        )));
    }
    check_finite(data.y)?;
    check_finite(data.baseline)?;
    Ok(())
}

/// One participant's rows: the mask of visits seen, the arm, the baseline and the values in
/// visit order.
pub(super) type Person = (u64, usize, f64, Vec<f64>);

/// The rows grouped by participant (counting sort), each participant's rows in visit order;
/// a participant in two arms, with two baselines or two rows at one visit is an error.
pub(super) fn participants(data: &MmrmData<'_>) -> Result<Vec<Person>> {
    let n = data.y.len();
    // Rows by participant (counting sort), each participant's rows by visit.
    let n_ids = data.participant.iter().max().map_or(0, |&m| m + 1);
    let mut start = vec![0_usize; n_ids + 1];
    for &i in data.participant {
        start[i + 1] += 1;
    }
    for i in 0..n_ids {
        start[i + 1] += start[i];
    }
    let mut next = start.clone();
    let mut order = vec![0_usize; n];
    for (r, &i) in data.participant.iter().enumerate() {
        order[next[i]] = r;
        next[i] += 1;
    }

    // One entry per participant with rows.
    let mut people: Vec<Person> = Vec::new();
    for i in 0..n_ids {
        let rows = &mut order[start[i]..start[i + 1]];
        let Some(&first) = rows.first() else {
            continue;
        };
        rows.sort_unstable_by_key(|&r| data.visit[r]);
        let (arm, base) = (data.arm[first], data.baseline[first]);
        let mut mask = 0_u64;
        for &r in rows.iter() {
            if data.arm[r] != arm {
                return Err(StatsError::InvalidArgument(format!(
                    "participant {i} has rows in arms {arm} and {}",
                    data.arm[r]
                )));
            }
            if data.baseline[r] != base {
                return Err(StatsError::InvalidArgument(format!(
                    "participant {i} has baselines {base} and {}",
                    data.baseline[r]
                )));
            }
            let bit = 1_u64 << data.visit[r];
            if mask & bit != 0 {
                return Err(StatsError::InvalidArgument(format!(
                    "participant {i} has two rows at visit {}",
                    data.visit[r]
                )));
            }
            mask |= bit;
        }
        people.push((mask, arm, base, rows.iter().map(|&r| data.y[r]).collect()));
    }
    Ok(people)
}

/// Each visit's design (intercept, baseline, arms among the participants seen there) must
/// have full rank and residual df, and each pair of visits must be seen together, or a
/// parameter of the model is not identifiable (gls: "computed gls fit is singular").
pub(super) fn check_identifiable(prep: &Prepared) -> Result<()> {
    let (v_n, q) = (prep.n_visits, prep.q);
    for v in 0..v_n {
        let mut zz = DMatrix::<f64>::zeros(q, q);
        let mut n_v = 0.0;
        for pat in prep.patterns.iter().filter(|p| p.visits.contains(&v)) {
            zz += &pat.zz;
            n_v += pat.n;
        }
        if n_v <= q as f64 {
            return Err(StatsError::TooFewValues {
                group: "visit",
                n: n_v as usize,
                min: q + 1,
            });
        }
        if !full_rank_gram(&zz) {
            return Err(StatsError::Singular(
                "a visit's design is rank-deficient (an arm without values there, or a constant baseline)",
            ));
        }
    }
    for a in 0..v_n {
        for b in a + 1..v_n {
            let seen = prep
                .patterns
                .iter()
                .any(|p| p.visits.contains(&a) && p.visits.contains(&b));
            if !seen {
                return Err(StatsError::Singular(
                    "two visits are never observed in the same participant, so their covariance is not identifiable",
                ));
            }
        }
    }
    Ok(())
}

/// R's QR rank rule on a Gram matrix: the Cholesky pivot r_jj (the norm of column j after
/// projecting out the earlier ones) must be at least 1e-7 of the column's norm.
pub(super) fn full_rank_gram(g: &DMatrix<f64>) -> bool {
    let n = g.nrows();
    let mut l = DMatrix::<f64>::zeros(n, n);
    for j in 0..n {
        let mut d = g[(j, j)];
        for k in 0..j {
            d -= l[(j, k)] * l[(j, k)];
        }
        if g[(j, j)] <= 0.0 || d < RANK_TOL * RANK_TOL * g[(j, j)] {
            return false;
        }
        let r = d.sqrt();
        l[(j, j)] = r;
        for i in j + 1..n {
            let mut s = g[(i, j)];
            for k in 0..j {
                s -= l[(i, k)] * l[(j, k)];
            }
            l[(i, j)] = s / r;
        }
    }
    true
}
