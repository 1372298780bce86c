//! `retrotrial simulate`: a synthetic trial file (to stdout or atomically to `--out`).

use super::Status;
use crate::cli::SimulateArgs;
use crate::error::Error;
use crate::output;
use crate::simulate;

pub(super) fn simulate_cmd(a: &SimulateArgs) -> Result<Status, Error> {
    let cfg = a.sim_config()?;
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
