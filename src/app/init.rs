//! `retrotrial init`: a study-file template from a data file (long, or a detected wide layout).

use std::path::Path;

use super::{Status, print_out};
use crate::cli::InitArgs;
use crate::config::Config;
use crate::error::Error;
use crate::ingest;
use crate::output;

pub(super) fn init_cmd(a: &InitArgs) -> Result<Status, Error> {
    let text = infer(&a.data)?;
    match &a.out {
        Some(p) => output::write_atomic(p, text.as_bytes())?,
        None => print_out(text.as_bytes())?,
    }
    Ok(Status::Success)
}

/// The study TOML `init` infers from a data file (long, or a detected wide layout).
pub(super) fn infer(data: &Path) -> Result<String, Error> {
    let raw = ingest::load(data, &Config::default())?;
    let text = if raw.missing_columns.is_empty() || raw.empty {
        crate::init::template(&raw)
    } else {
        // Not the long layout: look for a wide one and read the file with what was found.
        let table = ingest::table(data, &Config::default().data)?;
        let arms = |col: usize| {
            let mut seen: Vec<String> = Vec::new();
            for (_, cells) in &table.rows {
                if let Some(v) = cells.get(col)
                    && !v.is_empty()
                    && !seen.contains(v)
                {
                    seen.push(v.clone());
                }
            }
            seen
        };
        match crate::init::detect_wide(&table.header, arms) {
            Some(guess) => {
                let raw = ingest::load(data, &guess.config)?;
                crate::init::template_with(&raw, Some(&guess))
            }
            None => crate::init::template(&raw),
        }
    };
    Ok(text)
}
