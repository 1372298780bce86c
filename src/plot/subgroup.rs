//! The subgroup forest plot of one outcome (issue 19): the primary contrast within each
//! subgroup level with its 95 % CI, the overall ANCOVA estimate as a dashed reference line,
//! and each variable's interaction p in its rows' labels. Data from the `subgroup`,
//! `subgroup_interaction` and `ancova` records; drawn by [`super::forest::forest`].

use super::{ForestData, ForestRow};
use crate::results::{Analysis, OutcomeSummary, ResultSet};

/// A p-value with its relation for a label (`report::format::p_rel`'s rule; `plot` must not
/// import `report`).
fn p_text(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 0.001 => "< 0.001".into(),
        Some(p) if p.is_finite() => format!("= {p:.3}"),
        _ => "= —".into(),
    }
}

/// The forest data of one outcome's subgroups, or `None` without subgroup records.
pub fn subgroup_data(rs: &ResultSet, oc: &OutcomeSummary) -> Option<ForestData> {
    let mine: Vec<_> = rs.records.iter().filter(|r| r.outcome == oc.name).collect();
    let text = |r: &crate::results::Record, k: &str| {
        r.extra
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let rows: Vec<ForestRow> = mine
        .iter()
        .filter(|r| r.analysis == Analysis::Subgroup)
        .filter_map(|r| {
            let variable = text(r, "variable");
            let inter = mine
                .iter()
                .find(|i| i.analysis == Analysis::SubgroupInteraction && i.contrast == variable);
            Some(ForestRow {
                label: format!(
                    "{variable}={} (n {}; interaction p {})",
                    text(r, "level"),
                    r.extra_f64("n").unwrap_or(0.0),
                    p_text(inter.and_then(|i| i.p_value))
                ),
                estimate: r.estimate?,
                low: r.ci_low?,
                high: r.ci_high?,
            })
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let contrast = &rs.design.primary_contrast;
    let overall = mine
        .iter()
        .find(|r| r.analysis == Analysis::Ancova && &r.contrast == contrast)
        .and_then(|r| r.estimate);
    let unit = if oc.unit.is_empty() {
        String::new()
    } else {
        format!(" ({})", oc.unit)
    };
    let better = if oc.lower_is_better {
        "lower"
    } else {
        "higher"
    };
    let first = contrast.split('-').next().unwrap_or_default();
    Some(ForestData {
        title: format!(
            "{}: {contrast} by subgroup (exploratory; dashed: overall)",
            oc.label
        ),
        x_label: format!("adjusted difference{unit}; {better} favours {first}"),
        rows,
        reference: overall,
    })
}
