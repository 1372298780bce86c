//! `retrotrial convert`: the data as retrotrial reads them, written as the canonical long CSV
//! (or Parquet) after validation.

use super::{Status, issues_text, print_out};
use crate::cli::ConvertArgs;
use crate::config::Config;
use crate::error::Error;
use crate::ingest;
use crate::output;
use crate::validate;

/// `convert`: read as `analyze` would, validate, write the canonical long table.
pub(super) fn convert_cmd(a: &ConvertArgs) -> Result<Status, Error> {
    let cfg = Config::resolve(a.input.study.as_deref(), &Default::default())?;
    let raw = ingest::load(&a.input.data, &cfg)?;
    let file = a.input.data.display().to_string();
    let issues = validate::check(&raw, &cfg);
    if issues.has_errors() {
        print_out(issues_text(&issues).as_bytes())?;
        return Err(Error::Invalid {
            errors: issues.error_count(),
            file,
            report: "the list above".into(),
        });
    }
    let parquet = a
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    let bytes = if parquet {
        crate::convert::parquet(&raw, &a.out)?
    } else {
        crate::convert::csv(&raw)
    };
    output::write_atomic(&a.out, &bytes)?;
    eprintln!(
        "retrotrial: {} rows of {file} -> {}",
        raw.rows.len(),
        a.out.display()
    );
    Ok(Status::Success)
}
