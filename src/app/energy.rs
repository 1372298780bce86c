//! `retrotrial energy`: kcal for backward and forward walking at the same pace.

use super::{Status, print_out};
use crate::cli::EnergyArgs;
use crate::error::Error;
use crate::ingest;

/// `energy`: kcal for backward and forward walking at the same pace, from the pack's METs.
pub(super) fn energy_cmd(a: &EnergyArgs) -> Result<Status, Error> {
    let minutes = a.minutes.unwrap_or(1.0);
    use crate::summary::evidence::{kcal_per_min, met_pairs};
    if !(a.mass.is_finite()
        && a.mass > 0.0
        && a.mass < 500.0
        && minutes.is_finite()
        && minutes > 0.0)
    {
        return Err(Error::Config(crate::config::ConfigError::EnergyInput));
    }
    let literature = a
        .literature
        .clone()
        .unwrap_or_else(|| crate::config::DEFAULT_LITERATURE.into());
    let lit = ingest::literature::load(&literature)?;
    let pairs = met_pairs(&lit);
    if pairs.is_empty() {
        return Err(Error::Config(crate::config::ConfigError::NoMetPair));
    }
    let mut text = format!(
        "Energy cost for {} kg over {} min (kcal/min = MET x 3.5 x kg / 200):\n",
        a.mass, minutes
    );
    for (b, f) in pairs {
        let (mb, mf) = (
            b.value.as_ref().map_or(f64::NAN, |v| v.value),
            f.value.as_ref().map_or(f64::NAN, |v| v.value),
        );
        text.push_str(&format!(
            "  backward: {} -> {mb} MET, {:.1} kcal\n  forward:  {} -> {mf} MET, {:.1} kcal\n  backward / forward = {:.2}\n",
            b.comparison,
            kcal_per_min(mb, a.mass) * minutes,
            f.comparison,
            kcal_per_min(mf, a.mass) * minutes,
            mb / mf
        ));
    }
    text.push_str("Source: 2011 Compendium of Physical Activities (datasets/literature).\n");
    print_out(text.as_bytes())?;
    Ok(Status::Success)
}
