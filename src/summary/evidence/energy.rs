//! Energy cost: MET values of backward and forward walking paired by their measurement
//! condition (the pack's `condition` key: same speed and grade), and kcal per minute from a MET
//! (kcal/min = MET × 3.5 × body mass (kg) / 200, the standard conversion with 1 MET ≈ 3.5 ml
//! O₂/kg/min). Used by the energy claim and by the `energy` command.

use crate::ingest::literature::{Arms, Literature, Quantity, ReportedResult};

/// Energy cost per minute: kcal/min = MET × 3.5 × body mass (kg) / 200.
pub fn kcal_per_min(met: f64, mass_kg: f64) -> f64 {
    met * 3.5 * mass_kg / 200.0
}

fn arm_is(r: &ReportedResult, arm: &str) -> bool {
    matches!(&r.arms, Arms::One(a) if a == arm)
}

/// Pairs MET rows of one study: a backward row with the forward row of the same study and
/// the same (non-empty) condition key. Returns the pairs and the rows left unpaired, both in
/// input order.
pub fn pair_mets<'a>(
    mets: &[&'a ReportedResult],
) -> (
    Vec<(&'a ReportedResult, &'a ReportedResult)>,
    Vec<&'a ReportedResult>,
) {
    let mut pairs = Vec::new();
    let mut paired_forward: Vec<u32> = Vec::new();
    for b in mets.iter().filter(|r| arm_is(r, "backward")) {
        let partner = mets.iter().find(|f| {
            arm_is(f, "forward")
                && f.study_id == b.study_id
                && !f.condition.is_empty()
                && f.condition == b.condition
                && f.value.is_some()
        });
        if let (Some(f), true) = (partner, b.value.is_some()) {
            pairs.push((*b, *f));
            paired_forward.push(f.line);
        }
    }
    let unpaired = mets
        .iter()
        .filter(|r| {
            !pairs.iter().any(|(b, _)| b.line == r.line) && !paired_forward.contains(&r.line)
        })
        .copied()
        .collect();
    (pairs, unpaired)
}

/// Every MET pair of the pack at the same condition: (backward row, forward row).
pub fn met_pairs(lit: &Literature) -> Vec<(&ReportedResult, &ReportedResult)> {
    let mets: Vec<&ReportedResult> = lit
        .reported
        .iter()
        .filter(|r| r.quantity == Quantity::Met)
        .collect();
    pair_mets(&mets).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kcal_formula() {
        // 6.0 MET × 3.5 × 70 kg / 200 = 7.35 kcal/min.
        assert!((kcal_per_min(6.0, 70.0) - 7.35).abs() < 1e-12);
    }
}
