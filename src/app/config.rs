//! `retrotrial config --default`: the full default configuration with comments.

use super::{Status, print_out};
use crate::cli::ConfigArgs;
use crate::config::DEFAULT_TOML;
use crate::error::Error;

pub(super) fn config_cmd(_a: &ConfigArgs) -> Result<Status, Error> {
    print_out(DEFAULT_TOML.as_bytes())?;
    Ok(Status::Success)
}
