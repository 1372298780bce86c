//! `retrotrial reproduce`: the literature pack → checks and claims → figures → reports.

use super::{Status, json_text};
use crate::cli::ReproduceArgs;
use crate::error::Error;
use crate::ingest;
use crate::output::OutDir;
use crate::report;
use crate::results::{Provenance, ResultSet, SCHEMA_VERSION};

/// `reproduce`: the literature pack → checks and claims → figures → reports.
pub(super) fn reproduce_cmd(a: &ReproduceArgs) -> Result<Status, Error> {
    use crate::summary::{evidence, reproduce};
    let out_dir = a
        .out
        .clone()
        .unwrap_or_else(|| crate::config::DEFAULT_REPRODUCE_OUT.into());
    let literature = a
        .literature
        .clone()
        .unwrap_or_else(|| crate::config::DEFAULT_LITERATURE.into());
    let out = OutDir::prepare(&out_dir)?;
    let mut lit = ingest::literature::load(&literature)?;
    if !a.studies.is_empty() {
        let unknown: Vec<&String> = a
            .studies
            .iter()
            .filter(|s| !lit.studies.iter().any(|x| &x.id == *s))
            .collect();
        if !unknown.is_empty() {
            let known: Vec<&str> = lit.studies.iter().map(|s| s.id.as_str()).collect();
            return Err(Error::Config(crate::config::ConfigError::UnknownStudies {
                unknown: format!("{unknown:?}"),
                known: known.join(", "),
            }));
        }
        lit.reported.retain(|r| a.studies.contains(&r.study_id));
        lit.summaries.retain(|r| a.studies.contains(&r.study_id));
        lit.claims
            .retain(|c| c.candidate_studies.iter().any(|s| a.studies.contains(s)));
    }
    let rep = reproduce::reproduce(&lit);
    let powers = crate::summary::study_power::study_power(&lit);
    let judged = evidence::judge(&lit, &rep.checks, &powers);
    let counts = reproduce::counts(&rep.checks);
    let findings = rep.checks.iter().filter(|c| c.verdict.is_finding()).count();
    let sha = lit
        .sha256
        .iter()
        .map(|(f, h)| format!("{f}:{h}"))
        .collect::<Vec<_>>()
        .join(" ");
    let rs = ResultSet {
        schema_version: SCHEMA_VERSION,
        command: "reproduce".into(),
        provenance: Provenance {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            input: literature.display().to_string(),
            input_sha256: sha,
            seed: 0,
            config: serde_json::json!({ "studies": a.studies }),
        },
        records: rep.records,
        failures: Vec::new(),
        issues: Vec::new(),
        flow: Vec::new(),
        consort_flow: None,
        design: Default::default(),
        samples: Vec::new(),
        reproduction: Some(crate::results::ReproductionSet {
            counts: counts.clone(),
            checks: rep.checks,
            claims: judged,
            study_power: powers,
        }),
    };
    let plots = report::write_figures(crate::plot::render_reproduce(&rs, a.png)?, &out)?;
    if let Some(r) = &rs.reproduction {
        out.write(
            "reproduction.json",
            json_text("reproduction.json", &r.checks)?.as_bytes(),
        )?;
        out.write(
            "claims.json",
            json_text("claims.json", &r.claims)?.as_bytes(),
        )?;
    }
    report::write_all(&rs, &plots, "", &out)?;
    eprintln!(
        "retrotrial: {} -> {}",
        crate::results::reproduction::headline(&counts),
        out.path().display()
    );
    Ok(if a.strict && findings > 0 {
        Status::Incomplete
    } else {
        Status::Success
    })
}
