//! `retrotrial check`: the integrity checks of `reproduce` on a user's own tables, printed.

use super::{Status, json_text, print_out};
use crate::cli::CheckArgs;
use crate::error::Error;
use crate::ingest;

/// `check`: the integrity checks of `reproduce` on a user's own tables, printed; or a paper's
/// statistics checked into `--out` (`check_paper`).
pub(super) fn check_cmd(a: &CheckArgs) -> Result<Status, Error> {
    let (status, said) = check(a, None)?;
    if said.paper {
        use std::io::Write as _;
        let _ = std::io::stderr().lock().write_all(said.text.as_bytes());
    } else {
        print_out(said.text.as_bytes())?;
    }
    Ok(status)
}

/// What `check` has to say: the table form's result (stdout), or the paper form's summary line
/// (stderr; its results are the files in `--out`).
pub(crate) struct Said {
    /// The paper form ran.
    pub paper: bool,
    /// The text.
    pub text: String,
}

/// `check` without printing, for the command and the app. `shown` names a single paper in its
/// reports instead of its path.
pub(super) fn check(a: &CheckArgs, shown: Option<&str>) -> Result<(Status, Said), Error> {
    use crate::summary::reproduce;
    if super::check_paper::is_paper(&a.summary) {
        let (status, text) = super::check_paper::run(a, shown)?;
        return Ok((status, Said { paper: true, text }));
    }
    let (summaries, _) = ingest::literature::load_summary_stats(&a.summary)?;
    let reported = match &a.reported {
        Some(p) => ingest::literature::load_reported(p)?.0,
        None => Vec::new(),
    };
    let lit = ingest::literature::Literature {
        summaries,
        reported,
        ..Default::default()
    };
    let rep = reproduce::reproduce(&lit);
    let inconsistent = rep.checks.iter().filter(|c| c.verdict.is_finding()).count();
    let mut text = String::new();
    if a.json {
        text = json_text("checks", &rep.checks)?;
    } else {
        for c in &rep.checks {
            text.push_str(&format!(
                "{:<28} {:<12} {:<10} {:<12} {}\n    {}\n",
                c.verdict.id(),
                c.study_id,
                c.quantity,
                c.reported,
                c.outcome,
                c.note
            ));
        }
        text.push_str(&crate::results::reproduction::headline(&reproduce::counts(
            &rep.checks,
        )));
        text.push('\n');
        for p in crate::summary::study_power::study_power(&lit) {
            text.push_str(&format!(
                "power {:<12} {} (n {:.0} / {:.0}): {:.0} % to detect {} SD {}{}\n",
                p.study_id,
                p.arms.replace('|', " vs "),
                p.n1,
                p.n2,
                100.0 * p.power,
                crate::summary::evidence::verdict::fmt(p.delta / p.sd),
                p.note,
                if p.assumptions.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", p.assumptions.join("; "))
                }
            ));
        }
    }
    let status = if a.strict && inconsistent > 0 {
        Status::Incomplete
    } else {
        Status::Success
    };
    Ok((status, Said { paper: false, text }))
}
