//! The design columns of the participant covariates that `[analyses] covariates` names, for
//! the MMRM (issue 18): one column per numeric covariate, and the treatment-coded indicators
//! of a categorical one (R's default contrasts; the first level present is the reference),
//! with the values emmeans puts them at for LS means (a numeric covariate at its mean over
//! the model's rows, each indicator at 1/levels: the equal-weight average over the levels).

use crate::ingest::Dataset;
use crate::ingest::participants::CovariateValues;

/// Covariate columns for the rows of one model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CovariateColumns {
    /// The covariates, in `[analyses] covariates` order.
    pub names: Vec<String>,
    /// Row-major, `n_columns` per row.
    pub values: Vec<f64>,
    /// Number of columns.
    pub n_columns: usize,
    /// LS-mean value of each column.
    pub at: Vec<f64>,
}

/// The columns of `names` for rows whose participants (indices into the dataset's
/// participants) are `source`.
///
/// # Errors
/// A message naming the covariate, and the participants, when a covariate is unknown or has
/// no value for a participant of these rows.
pub fn covariate_columns(
    data: &Dataset,
    names: &[String],
    source: &[usize],
) -> Result<CovariateColumns, String> {
    let n = source.len();
    let mut cols: Vec<Vec<f64>> = Vec::new();
    let mut at = Vec::new();
    for name in names {
        let c = data.covariate(name).ok_or_else(|| {
            format!("covariate `{name}` is not a column of the data or the participants file")
        })?;
        let missing: Vec<&str> = source
            .iter()
            .filter(|&&p| match &c.values {
                CovariateValues::Numeric(v) => v[p].is_none(),
                CovariateValues::Categorical { codes, .. } => codes[p].is_none(),
            })
            .map(|&p| data.participants[p].as_str())
            .collect();
        if !missing.is_empty() {
            let mut ids = missing.clone();
            ids.dedup();
            return Err(format!(
                "covariate `{name}` has no value for participant(s) {}",
                ids.iter().take(10).copied().collect::<Vec<_>>().join(", ")
            ));
        }
        match &c.values {
            CovariateValues::Numeric(v) => {
                let col: Vec<f64> = source.iter().map(|&p| v[p].unwrap_or(f64::NAN)).collect();
                // emmeans: the mean over the rows the model uses.
                at.push(col.iter().sum::<f64>() / n.max(1) as f64);
                cols.push(col);
            }
            CovariateValues::Categorical { codes, .. } => {
                let mut present: Vec<u32> = source.iter().filter_map(|&p| codes[p]).collect();
                present.sort_unstable();
                present.dedup();
                let share = 1.0 / present.len().max(1) as f64;
                for &level in present.iter().skip(1) {
                    cols.push(
                        source
                            .iter()
                            .map(|&p| if codes[p] == Some(level) { 1.0 } else { 0.0 })
                            .collect(),
                    );
                    at.push(share);
                }
            }
        }
    }
    let k = cols.len();
    let mut values = Vec::with_capacity(n * k);
    for r in 0..n {
        values.extend(cols.iter().map(|c| c[r]));
    }
    Ok(CovariateColumns {
        names: names.to_vec(),
        values,
        n_columns: k,
        at,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::Config;
    use crate::ingest::Covariate;

    const TRIAL: &str = "participant_id,arm,timepoint,outcome,value\n\
        P1,backward,baseline,pain,6\nP1,backward,week3,pain,4\n\
        P2,forward,baseline,pain,5\nP2,forward,week3,pain,5\n\
        P3,forward,baseline,pain,7\nP3,forward,week3,pain,6\n";

    fn data() -> Dataset {
        let cfg = Config::default();
        let raw = crate::ingest::from_bytes(Path::new("t.csv"), TRIAL.into(), &cfg).unwrap();
        let mut d = Dataset::build(&raw, &cfg.design);
        d.set_covariates(vec![
            Covariate {
                name: "age".into(),
                values: CovariateValues::Numeric(vec![Some(60.0), Some(70.0), None]),
            },
            Covariate {
                name: "site".into(),
                values: CovariateValues::Categorical {
                    levels: vec!["a".into(), "b".into(), "c".into()],
                    codes: vec![Some(2), Some(0), Some(2)],
                },
            },
        ]);
        d
    }

    /// R: `model.matrix(~ age + site)` on the rows; emmeans's LS-mean values: mean(age) over
    /// the rows, 1/levels for each indicator of the levels present (a, c; b is absent).
    #[test]
    fn numeric_and_treatment_coded_columns_with_emmeans_values() {
        let d = data();
        let names = vec!["age".to_string(), "site".to_string()];
        let c = covariate_columns(&d, &names, &[0, 0, 1]).unwrap();
        assert_eq!(c.n_columns, 2);
        assert_eq!(c.values, [60.0, 1.0, 60.0, 1.0, 70.0, 0.0]);
        assert_eq!(c.at, [190.0 / 3.0, 0.5]);
    }

    #[test]
    fn a_missing_value_names_the_participant_and_an_unknown_name_is_an_error() {
        let d = data();
        let err = covariate_columns(&d, &["age".to_string()], &[0, 2]).unwrap_err();
        assert!(
            err.contains("`age` has no value for participant(s) P3"),
            "{err}"
        );
        let err = covariate_columns(&d, &["bmi".to_string()], &[0]).unwrap_err();
        assert!(err.contains("`bmi` is not a column"), "{err}");
    }
}
