//! The `[analyses.mmrm]` table of a study file (issue 18): the MMRM's covariance structure,
//! df method, covariance of β̂, per-arm covariance, and which contrast the primary result
//! quotes. Only the choices live here; `stats::mmrm::mmrm_model` fits.

use serde::{Deserialize, Serialize};

use crate::stats::mmrm::{
    Criterion, DfMethod, MmrmOptions, Structure, StructureChoice, VcovMethod,
};

/// `ddf`: the df method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MmrmDdf {
    /// Satterthwaite (mmrm, SAS `DDFM=SATTERTHWAITE`).
    #[default]
    Satterthwaite,
    /// Kenward–Roger (SAS `DDFM=KR`).
    KenwardRoger,
    /// Kenward–Roger without second derivatives (SAS `DDFM=KR(LINEAR)`).
    KenwardRogerLinear,
    /// Between-within (SAS `DDFM=BW`).
    BetweenWithin,
    /// N − rank(X) (SAS `DDFM=RESIDUAL`).
    Residual,
}

/// `vcov`: the covariance of the coefficients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MmrmVcov {
    /// Model-based (Kenward–Roger's adjusted matrix with those df).
    #[default]
    Model,
    /// Sandwich (SAS `EMPIRICAL`, mmrm `"Empirical"`).
    Empirical,
}

/// `group`: one covariance matrix, or one per arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MmrmGroup {
    /// One Σ for everybody.
    #[default]
    None,
    /// One Σ per arm (SAS `GROUP=arm`).
    Arm,
}

/// `select`: what `structure = "auto"` minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MmrmSelect {
    /// Akaike's criterion, −2ℓ + 2K.
    #[default]
    Aic,
    /// Schwarz's criterion, −2ℓ + K·log(participants).
    Bic,
}

/// `contrast`: the arm difference the primary-result sentence quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MmrmContrast {
    /// At the primary timepoint (`A-B@TIMEPOINT`; by default the last visit).
    #[default]
    Last,
    /// Averaged over the post-baseline visits (`A-B@average`).
    Average,
}

impl MmrmContrast {
    /// The spec's string.
    pub fn id(self) -> &'static str {
        match self {
            MmrmContrast::Last => "last",
            MmrmContrast::Average => "average",
        }
    }
}

/// `[analyses.mmrm]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MmrmConfig {
    /// `us`, `cs`, `csh`, `ar1`, `ar1h`, `toep`, `toeph`, `ad`, `adh`, or `auto`.
    pub structure: String,
    /// The criterion of `structure = "auto"`.
    pub select: MmrmSelect,
    /// The df method.
    pub ddf: MmrmDdf,
    /// The covariance of β̂.
    pub vcov: MmrmVcov,
    /// One Σ, or one per arm.
    pub group: MmrmGroup,
    /// The contrast of the primary result.
    pub contrast: MmrmContrast,
}

impl Default for MmrmConfig {
    fn default() -> Self {
        Self {
            structure: "us".into(),
            select: MmrmSelect::Aic,
            ddf: MmrmDdf::Satterthwaite,
            vcov: MmrmVcov::Model,
            group: MmrmGroup::None,
            contrast: MmrmContrast::Last,
        }
    }
}

impl MmrmConfig {
    /// The checks serde cannot make; the message names the key and what to write.
    ///
    /// # Errors
    /// An unknown structure, or Kenward–Roger with the empirical covariance.
    pub fn validate(&self) -> Result<(), String> {
        if self.structure != "auto" && Structure::from_id(&self.structure).is_none() {
            let ids: Vec<&str> = Structure::ALL.iter().map(|s| s.id()).collect();
            return Err(format!(
                "analyses.mmrm.structure = \"{}\" is not a covariance structure; use one of {} or \"auto\"",
                self.structure,
                ids.join(", ")
            ));
        }
        if self.vcov == MmrmVcov::Empirical
            && matches!(
                self.ddf,
                MmrmDdf::KenwardRoger | MmrmDdf::KenwardRogerLinear
            )
        {
            return Err(
                "analyses.mmrm: ddf = \"kenward_roger\" brings its own adjusted covariance and cannot be combined with vcov = \"empirical\"; use ddf = \"satterthwaite\", \"between_within\" or \"residual\" with the empirical covariance"
                    .into(),
            );
        }
        Ok(())
    }

    /// The options of `stats::mmrm::mmrm_model` (after `validate`; an unknown structure
    /// falls back to `us`, which `validate` rules out).
    pub fn options(&self) -> MmrmOptions {
        let criterion = match self.select {
            MmrmSelect::Aic => Criterion::Aic,
            MmrmSelect::Bic => Criterion::Bic,
        };
        MmrmOptions {
            structure: if self.structure == "auto" {
                StructureChoice::Auto(criterion)
            } else {
                StructureChoice::One(Structure::from_id(&self.structure).unwrap_or(Structure::Us))
            },
            df: match self.ddf {
                MmrmDdf::Satterthwaite => DfMethod::Satterthwaite,
                MmrmDdf::KenwardRoger => DfMethod::KenwardRoger,
                MmrmDdf::KenwardRogerLinear => DfMethod::KenwardRogerLinear,
                MmrmDdf::BetweenWithin => DfMethod::BetweenWithin,
                MmrmDdf::Residual => DfMethod::Residual,
            },
            vcov: match self.vcov {
                MmrmVcov::Model => VcovMethod::Model,
                MmrmVcov::Empirical => VcovMethod::Empirical,
            },
            group_by_arm: self.group == MmrmGroup::Arm,
        }
    }
}
