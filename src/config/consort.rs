//! The CONSORT reporting options of a study file (issue 19): `[harms]` (which adverse-event
//! terms count as falls) and `[flow]` (people assessed and excluded before randomisation,
//! when there is no flow file). The file paths themselves live in `[data]` (`harms`, `flow`),
//! the subgroup list in `[analyses]`. Only options live here: reading the files is `ingest`,
//! counting is `plan`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `[harms]`: how adverse events are grouped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HarmsConfig {
    /// An event is a fall when its term contains one of these words (case-insensitive).
    pub fall_terms: Vec<String>,
}

impl Default for HarmsConfig {
    fn default() -> Self {
        Self {
            fall_terms: vec!["fall".into()],
        }
    }
}

impl HarmsConfig {
    /// Whether a term names a fall (case-insensitive substring of any `fall_terms`).
    pub fn is_fall(&self, term: &str) -> bool {
        let t = term.to_lowercase();
        self.fall_terms
            .iter()
            .any(|f| !f.is_empty() && t.contains(&f.to_lowercase()))
    }

    /// Whether this is the default (left out of the resolved configuration then).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// `[flow]`: people never randomised, when there is no flow file (`[data] flow`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlowConfig {
    /// People assessed for eligibility.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessed: Option<usize>,
    /// People excluded before randomisation, by reason.
    pub excluded: BTreeMap<String, usize>,
}

impl FlowConfig {
    /// Whether nothing was declared.
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_match_any_listed_word_ignoring_case() {
        let h = HarmsConfig::default();
        assert!(h.is_fall("Fall"));
        assert!(h.is_fall("fall with wrist fracture"));
        assert!(!h.is_fall("knee pain"));
        let none = HarmsConfig {
            fall_terms: vec![String::new()],
        };
        assert!(!none.is_fall("fall"));
    }
}
