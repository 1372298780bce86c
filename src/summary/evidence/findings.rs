//! Findings: the pack's rows of one claim's candidate studies, grouped into results. A finding
//! is what one study printed about one outcome, one pair of arms and one timepoint (an effect
//! with its CI, a p, an I², and the arms' printed means where they exist), or a MET pair
//! measured under the same condition. Its direction and size are derived here from typed
//! fields only: the sign of the effect and the outcome's `better`, or the arm the source says
//! did better (`favours`) when only a p is printed.

use std::collections::BTreeMap;

use crate::ingest::literature::{
    Literature, Quantity, Relation, ReportedResult, StudyInfo, SummaryStat,
};
use crate::results::evidence::{Better, Favours, TestKind};

/// The significance level for a printed p.
pub const ALPHA: f64 = 0.05;

/// Which side a finding favours, before it is read against a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The first arm of `arms` (backward walking in an effect claim).
    First,
    /// The second arm (the comparator).
    Second,
    /// Neither: the CI includes the null, or p ≥ alpha, or the source says no difference.
    Neither,
}

/// One study's result on one outcome, pair of arms and timepoint.
#[derive(Debug, Clone)]
pub struct Finding<'a> {
    /// The study.
    pub study: &'a StudyInfo,
    /// The row that stands for the finding (the effect if printed, else the p).
    pub main: &'a ReportedResult,
    /// The effect row (estimate with CI), if any.
    pub effect: Option<&'a ReportedResult>,
    /// The p row, if any.
    pub p: Option<&'a ReportedResult>,
    /// Every row of the group (effect, p, I², counts).
    pub rows: Vec<&'a ReportedResult>,
    /// I² printed with it, percent.
    pub i2: Option<f64>,
    /// The arms' printed means (first, second), when both exist.
    pub arm_means: Option<(&'a SummaryStat, &'a SummaryStat)>,
    /// For a MET pair: the forward row.
    pub met_partner: Option<&'a ReportedResult>,
}

impl Finding<'_> {
    /// The check id of the main row in `reproduction.json`.
    pub fn main_check_id(&self) -> String {
        crate::summary::reproduce::reported_check_id(self.main)
    }

    /// The kind of test (from the main row).
    pub fn test_kind(&self) -> Option<TestKind> {
        self.main.test_kind
    }

    /// Which direction of the outcome is favourable.
    pub fn better(&self) -> Option<Better> {
        self.main
            .better
            .or_else(|| self.arm_means.and_then(|(a, _)| a.better))
    }

    /// The estimate and CI as printed: an effect row, a MET difference, or the difference of
    /// the arms' printed means (no CI).
    pub fn estimate(&self) -> Option<Estimate> {
        if let (Some(b), Some(f)) = (self.main.value.as_ref(), self.met_partner) {
            let fv = f.value.as_ref()?.value;
            let scale = 10f64.powi(b.decimals.max(f.value.as_ref()?.decimals) as i32);
            return Some(Estimate {
                value: ((b.value - fv) * scale).round() / scale,
                ci: None,
                metric: "met_difference".into(),
                unit: "MET".into(),
            });
        }
        if let Some(e) = self.effect {
            let v = e.value.as_ref()?;
            let ci = match (&e.ci_low, &e.ci_high) {
                (Some(l), Some(h)) => Some((l.value, h.value)),
                _ => None,
            };
            return Some(Estimate {
                value: v.value,
                ci,
                metric: e.quantity.id().into(),
                unit: e.unit.clone(),
            });
        }
        let (a, b) = self.arm_means?;
        let (ma, mb) = (a.mean.as_ref()?, b.mean.as_ref()?);
        // The difference of two printed means has at most their decimals; rounding removes
        // the binary noise (1.8 − 1 is 0.8000000000000003 in floating point).
        let scale = 10f64.powi(ma.decimals.max(mb.decimals) as i32);
        Some(Estimate {
            value: ((ma.value - mb.value) * scale).round() / scale,
            ci: None,
            metric: "mean_difference_of_arms".into(),
            unit: String::new(),
        })
    }

    /// Whether the printed p is below alpha: `Some(true)` for `p < x ≤ 0.05` or `p = x < 0.05`.
    pub fn significant(&self) -> Option<bool> {
        let p = self.p?;
        let v = p.value.as_ref()?.value;
        Some(match p.relation {
            Relation::Lt | Relation::Le => v <= ALPHA,
            Relation::Eq => v < ALPHA,
            Relation::Gt | Relation::Ge => false,
        })
    }

    /// The printed p (the bound for `p < x`).
    pub fn p_value(&self) -> Option<f64> {
        self.p.and_then(|p| p.value.as_ref()).map(|v| v.value)
    }

    /// Which side the finding favours, or `None` when nothing typed says.
    ///
    /// Rules, in order: an effect with a CI favours the side its sign (read with `better`)
    /// points to when the CI excludes 0, else neither; a MET pair favours the arm with the
    /// higher value; otherwise a p ≥ alpha favours neither; a significant p favours the arm
    /// the source names (`favours`), or the side the arms' printed means point to.
    pub fn side(&self) -> Option<Side> {
        let toward = |value: f64, better: Option<Better>| -> Option<Side> {
            let sign = match better? {
                Better::Higher => value,
                Better::Lower => -value,
            };
            Some(if sign > 0.0 {
                Side::First
            } else if sign < 0.0 {
                Side::Second
            } else {
                Side::Neither
            })
        };
        let est = self.estimate();
        if let Some(Estimate {
            value,
            ci: Some((lo, hi)),
            ..
        }) = &est
        {
            if *lo <= 0.0 && *hi >= 0.0 {
                return Some(Side::Neither);
            }
            return toward(*value, self.better());
        }
        if self.met_partner.is_some() {
            return toward(est?.value, Some(Better::Higher));
        }
        match self.significant() {
            Some(false) => return Some(Side::Neither),
            None if self.effect.is_none() => return None,
            _ => {}
        }
        match self.main.favours.or(self.p.and_then(|p| p.favours)) {
            Some(Favours::First) => Some(Side::First),
            Some(Favours::Second) => Some(Side::Second),
            Some(Favours::Neither) => Some(Side::Neither),
            None => toward(est?.value, self.better()),
        }
    }

    /// The MCID that applies: the effect row's, else the arms' summary rows'.
    pub fn mcid(&self) -> Option<f64> {
        self.effect
            .and_then(|e| e.mcid.as_ref())
            .or(self.main.mcid.as_ref())
            .or_else(|| self.arm_means.and_then(|(a, _)| a.mcid.as_ref()))
            .map(|m| m.value)
    }

    /// Participants behind the finding: the study's `n_randomised`, else an `n` row.
    pub fn n(&self) -> Option<f64> {
        self.study.n_randomised.or_else(|| {
            self.rows
                .iter()
                .find(|r| r.quantity == Quantity::N)
                .and_then(|r| r.value.as_ref())
                .map(|v| v.value)
        })
    }
}

/// An estimate with its CI.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The value (first arm minus second).
    pub value: f64,
    /// 95 % CI, where printed.
    pub ci: Option<(f64, f64)>,
    /// What it is (`md`, `hedges_g`, `met_difference`, ...).
    pub metric: String,
    /// Unit.
    pub unit: String,
}

/// The candidate rows of a set of studies, grouped into findings, plus the rows that are no
/// result at all (counts, percentages without a comparison).
pub struct Candidates<'a> {
    /// Findings, in file order of their first row.
    pub findings: Vec<Finding<'a>>,
    /// Rows of the studies that belong to no finding.
    pub loose: Vec<&'a ReportedResult>,
    /// Summary rows of the studies not folded into a finding.
    pub summaries: Vec<&'a SummaryStat>,
}

/// Groups the candidate studies' rows into findings.
pub fn collect<'a>(lit: &'a Literature, studies: &[String]) -> Candidates<'a> {
    let mut groups: BTreeMap<(usize, String), Vec<&'a ReportedResult>> = BTreeMap::new();
    let mut first_seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut loose = Vec::new();
    let mut mets = Vec::new();
    for (i, r) in lit.reported.iter().enumerate() {
        if !studies.contains(&r.study_id) {
            continue;
        }
        if r.quantity == Quantity::Met {
            mets.push(r);
            continue;
        }
        let key = format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}",
            r.study_id,
            r.outcome,
            r.arms.text(),
            r.timepoint
        );
        let at = *first_seen.entry(key.clone()).or_insert(i);
        groups.entry((at, key)).or_default().push(r);
    }
    let mut findings = Vec::new();
    let mut used_summaries: Vec<u32> = Vec::new();
    for rows in groups.into_values() {
        let effect = rows
            .iter()
            .copied()
            .find(|r| r.quantity.is_effect() && r.value.is_some());
        let p = rows.iter().copied().find(|r| r.quantity == Quantity::P);
        let Some(main) = effect.or(p) else {
            loose.extend(rows);
            continue;
        };
        let Some(study) = lit.study(&main.study_id) else {
            loose.extend(rows);
            continue;
        };
        let i2 = rows
            .iter()
            .find(|r| r.quantity == Quantity::I2)
            .and_then(|r| r.value.as_ref())
            .map(|v| v.value);
        let means = crate::summary::reproduce::arm_rows(lit, main, |s| s.mean.is_some());
        if let Some((a, b)) = means {
            used_summaries.extend([a.line, b.line]);
        }
        findings.push(Finding {
            study,
            main,
            effect,
            p,
            rows,
            i2,
            arm_means: means,
            met_partner: None,
        });
    }
    let (pairs, unpaired) = super::energy::pair_mets(&mets);
    for (b, f) in pairs {
        if let Some(study) = lit.study(&b.study_id) {
            findings.push(Finding {
                study,
                main: b,
                effect: None,
                p: None,
                rows: vec![b, f],
                i2: None,
                arm_means: None,
                met_partner: Some(f),
            });
        }
    }
    loose.extend(unpaired);
    let summaries = lit
        .summaries
        .iter()
        .filter(|s| studies.contains(&s.study_id) && !used_summaries.contains(&s.line))
        .collect();
    Candidates {
        findings,
        loose,
        summaries,
    }
}
