//! `retrotrial check`: the integrity checks of `reproduce` on a user's own tables, printed.

use super::{Status, json_text, print_out};
use crate::cli::CheckArgs;
use crate::error::Error;
use crate::ingest;

/// `check`: the integrity checks of `reproduce` on a user's own tables, printed.
pub(super) fn check_cmd(a: &CheckArgs) -> Result<Status, Error> {
    use crate::summary::reproduce;
    if super::check_paper::is_paper(&a.summary) {
        return super::check_paper::run(a);
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
    print_out(text.as_bytes())?;
    Ok(if a.strict && inconsistent > 0 {
        Status::Incomplete
    } else {
        Status::Success
    })
}
