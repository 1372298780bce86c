//! `retrotrial simulate`: a synthetic trial file (to stdout or atomically to `--out`).

use super::Status;
use crate::cli::SimulateArgs;
use crate::error::Error;
use crate::output;
use crate::simulate::{self, SimConfig};

pub(super) fn simulate_cmd(a: &SimulateArgs) -> Result<Status, Error> {
    let cfg = SimConfig {
        participants: a.participants,
        seed: a.seed,
        arms: simulate::parse_arms(&a.arms)?,
        timepoints: simulate::parse_timepoints(&a.timepoints)?,
        outcomes: simulate::parse_outcomes(&a.outcomes)?,
        dropout: a.dropout,
        empty_cells: a.empty_cells,
        effect: a.effect,
        shuffle_rows: a.shuffle_rows,
    };
    match &a.out {
        Some(path) => {
            let mut buf = Vec::new();
            simulate::generate(&cfg, &mut buf)?;
            output::write_atomic(path, &buf)?;
        }
        None => simulate::generate(&cfg, &mut std::io::stdout().lock())?,
    }
    Ok(Status::Success)
}
