//! `retrotrial validate`: every problem of a trial file, printed (or as JSON), exit 1 on errors.

use super::{Status, issues_text, json_text, print_out};
use crate::cli::ValidateArgs;
use crate::config::Config;
use crate::error::Error;
use crate::validate;

pub(super) fn validate_cmd(a: &ValidateArgs) -> Result<Status, Error> {
    let cfg = Config::resolve(a.input.study.as_deref(), &Default::default())?;
    let checked = validate::read_and_check(&a.input.data, &cfg)?;
    let file = a.input.data.display().to_string();
    let mut issues = checked.issues.clone();
    if !issues.has_errors() {
        let mut data = checked.dataset(&cfg);
        // The companion files of issue 19 are checked as analyze reads them (exit 2 on a bad row).
        if let Some(p) = &cfg.data.harms {
            crate::ingest::harms::read(p, &data, &cfg.harms)?;
        }
        if let Some(p) = &cfg.data.flow {
            crate::ingest::flow::read(p, &data)?;
        }
        crate::missing::apply_population(&mut data, &cfg, &file, &mut issues);
        validate::check_dataset(&data, &file, &mut issues);
    }
    let raw = &checked.raw;
    let text = if a.json {
        json_text("validation issues", &issues)?
    } else {
        let mut t = issues_text(&issues);
        t.push_str(&format!(
            "{file}: {} row(s), {} error(s), {} warning(s)\n",
            raw.rows.len(),
            issues.error_count(),
            issues.warning_count()
        ));
        t
    };
    print_out(text.as_bytes())?;
    if issues.has_errors() {
        return Err(Error::Invalid {
            errors: issues.error_count(),
            file,
            report: "the list above".into(),
        });
    }
    Ok(Status::Success)
}
