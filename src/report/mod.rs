//! Reports: the [`Exporter`] trait (bytes in, bytes out, no IO) and its formats (`records.json`,
//! `results.json`, `results.csv`, Markdown, HTML), written into an [`OutDir`] by
//! [`write_all`]. `records.json` (the plain list the golden tests read) is always written.

pub mod consort;
pub mod docx;
pub mod estimand;
pub mod format;
pub mod html;
pub mod markdown;
pub mod markup;
pub mod view;

use std::path::PathBuf;

use crate::diagnostics::Issues;
use crate::output::OutDir;
pub use crate::output::OutputError;
use crate::plot::{Figure, PlotRef};
use crate::results::ResultSet;

/// What an exporter renders: the results and the figures drawn from them.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// The result set.
    pub rs: &'a ResultSet,
    /// The figures, in report order.
    pub plots: &'a [PlotRef],
}

/// Errors while writing reports (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Writing into the output directory failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// Serialisation failed.
    #[error("cannot serialise {what}: {message}")]
    Serialize {
        /// Which output.
        what: &'static str,
        /// The serialiser's message.
        message: String,
    },
}

/// A report format: renders the result set to bytes.
pub trait Exporter {
    /// The file name in the output directory.
    fn file_name(&self) -> &'static str;
    /// The file's bytes.
    ///
    /// # Errors
    /// Serialisation failures.
    fn render(&self, report: &Report<'_>) -> Result<Vec<u8>, ReportError>;
}

/// `records.json`: the plain list of records.
pub struct RecordsJson;
/// `results.json`: the full result set.
pub struct ResultsJson;
/// `results.csv`: one row per record, `extra` as a JSON string column.
pub struct ResultsCsv;

fn to_json<T: serde::Serialize>(what: &'static str, v: &T) -> Result<Vec<u8>, ReportError> {
    let mut bytes = serde_json::to_vec_pretty(v).map_err(|e| ReportError::Serialize {
        what,
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

impl Exporter for RecordsJson {
    fn file_name(&self) -> &'static str {
        "records.json"
    }
    fn render(&self, report: &Report<'_>) -> Result<Vec<u8>, ReportError> {
        to_json("records.json", &report.rs.records)
    }
}

impl Exporter for ResultsJson {
    fn file_name(&self) -> &'static str {
        "results.json"
    }
    fn render(&self, report: &Report<'_>) -> Result<Vec<u8>, ReportError> {
        to_json("results.json", report.rs)
    }
}

/// Quotes a CSV field when it needs it (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn opt(v: Option<f64>) -> String {
    // `{}` on f64 is the shortest round-trip form, as in the JSON.
    v.map_or(String::new(), |x| x.to_string())
}

impl Exporter for ResultsCsv {
    fn file_name(&self) -> &'static str {
        "results.csv"
    }
    fn render(&self, report: &Report<'_>) -> Result<Vec<u8>, ReportError> {
        let rs = report.rs;
        let mut out = String::from(
            "outcome,analysis,contrast,statistic_name,statistic,df,p_value,estimate,ci_low,ci_high,extra\n",
        );
        for r in &rs.records {
            let extra = serde_json::to_string(&r.extra).map_err(|e| ReportError::Serialize {
                what: "results.csv",
                message: e.to_string(),
            })?;
            let fields = [
                csv_field(&r.outcome),
                r.analysis.id().to_string(),
                csv_field(&r.contrast),
                csv_field(&r.statistic_name),
                opt(r.statistic),
                opt(r.df),
                opt(r.p_value),
                opt(r.estimate),
                opt(r.ci_low),
                opt(r.ci_high),
                csv_field(&extra),
            ];
            out.push_str(&fields.join(","));
            out.push('\n');
        }
        Ok(out.into_bytes())
    }
}

/// The exporters `analyze` always runs.
pub fn exporters() -> Vec<Box<dyn Exporter>> {
    vec![
        Box::new(RecordsJson),
        Box::new(ResultsJson),
        Box::new(ResultsCsv),
        Box::new(markdown::Markdown),
        Box::new(html::Html),
    ]
}

/// Writes the figures into `plots/` (SVG, and PNG when drawn) and returns their references
/// for the reports.
///
/// # Errors
/// The first write failure.
pub fn write_figures(figures: Vec<Figure>, out: &OutDir) -> Result<Vec<PlotRef>, ReportError> {
    let mut refs = Vec::with_capacity(figures.len());
    for f in figures {
        out.write(&f.plot.file, f.plot.svg.as_bytes())?;
        if let Some(png) = &f.png {
            out.write(&f.png_file(), png)?;
        }
        refs.push(f.plot);
    }
    Ok(refs)
}

/// Writes every report of a completed run, plus `config.resolved.toml`.
///
/// # Errors
/// The first write or serialisation failure.
pub fn write_all(
    rs: &ResultSet,
    plots: &[PlotRef],
    config_toml: &str,
    out: &OutDir,
) -> Result<Vec<PathBuf>, ReportError> {
    let report = Report { rs, plots };
    let mut written = Vec::new();
    for e in exporters() {
        written.push(out.write(e.file_name(), &e.render(&report)?)?);
    }
    written.push(out.write("config.resolved.toml", config_toml.as_bytes())?);
    out.remove_stale()?;
    Ok(written)
}

/// Writes `validation.json` and `validation.md` and removes results of an earlier run.
///
/// # Errors
/// The first write failure.
pub fn write_validation(
    issues: &Issues,
    file: &str,
    out: &OutDir,
) -> Result<Vec<PathBuf>, ReportError> {
    let json = to_json("validation.json", issues)?;
    let md = markdown::validation(issues, file);
    let written = vec![
        out.write("validation.json", &json)?,
        out.write("validation.md", md.as_bytes())?,
    ];
    out.remove_stale()?;
    Ok(written)
}
