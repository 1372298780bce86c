//! One file per subcommand, each a screen of stage calls in order (hyperfine's `run()`, xsv's
//! `src/cmd/`): resolve and check everything first, compute second, write last. Only `app` calls
//! more than one stage, and only it sees `cli` types; it computes no statistics.
//!
//! Start reading at [`analyze()`], the main pipeline.

mod analyze;
mod check;
mod check_paper;
mod config;
mod convert;
mod energy;
mod init;
mod meta;
mod power;
mod reproduce;
mod simulate;
mod validate;

use std::io::Write;

use clap::CommandFactory;

pub use analyze::{RunSummary, analyze, analyze_watched};

use crate::cli::{Cli, Command};
use crate::error::Error;
use crate::output;
use crate::report;

/// How a command that ran ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything ran (exit 0).
    Success,
    /// Outputs were written, but some tasks failed or validation found errors (exit 1).
    Incomplete,
}

impl Status {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Incomplete => 1,
        }
    }
}

/// Runs a parsed command line.
///
/// # Errors
/// Anything that stopped the command; [`Error::exit_code`] maps it.
pub fn run(cli: Cli) -> Result<Status, Error> {
    match cli.command {
        Command::Analyze(a) => analyze::analyze_cmd(&a),
        Command::Validate(a) => validate::validate_cmd(&a),
        Command::Simulate(a) => simulate::simulate_cmd(&a),
        Command::Init(a) => init::init_cmd(&a),
        Command::Config(a) => config::config_cmd(&a),
        Command::Meta(a) => meta::meta_cmd(&a),
        Command::Reproduce(a) => reproduce::reproduce_cmd(&a),
        Command::Check(a) => check::check_cmd(&a),
        Command::Energy(a) => energy::energy_cmd(&a),
        Command::Convert(a) => convert::convert_cmd(&a),
        Command::Power(a) => power::power_cmd(&a),
        Command::App(a) => crate::server::serve(&a, &backend()).map(|()| Status::Success),
        Command::Completions(a) => {
            let mut cmd = crate::cli::Cli::command();
            let mut buf = Vec::new();
            clap_complete::generate(a.shell, &mut cmd, "retrotrial", &mut buf);
            print_out(&buf)?;
            Ok(Status::Success)
        }
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(crate::cli::Cli::command())
                .render(&mut buf)
                .map_err(|source| output::OutputError::Write {
                    path: "stdout".into(),
                    source,
                })?;
            print_out(&buf)?;
            Ok(Status::Success)
        }
    }
}

/// The library functions the app's server calls: the same ones the commands run (passed in, so
/// `server` does not import `app`).
fn backend() -> crate::server::Backend {
    crate::server::Backend {
        infer: init::infer,
        analyze: |data, name, cfg, progress| {
            analyze_watched(data, Some(name), cfg, progress).map(|(_, rs)| rs)
        },
        reproduce: |a| reproduce::reproduce_cmd(a).map(|_| ()),
        check: |a, name| check::check(a, Some(name)).map(|(_, said)| said.text),
        meta: |a, name| meta::meta(a, Some(name)).map(|(_, line)| line),
        power: power::power,
    }
}

/// Writes a command's text to stdout. A closed pipe (`retrotrial validate x | head`) ends the
/// output quietly, as in ripgrep; any other failure (a full disk) is an error, never swallowed.
pub(crate) fn print_out(bytes: &[u8]) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(source) if source.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(output::OutputError::Write {
                path: "stdout".into(),
                source,
            }
            .into())
        }
        _ => Ok(()),
    }
}

/// Pretty JSON with a final newline; a serialisation failure names the output.
pub(crate) fn json_text<T: serde::Serialize + ?Sized>(
    what: &'static str,
    v: &T,
) -> Result<String, Error> {
    serde_json::to_string_pretty(v)
        .map(|t| t + "\n")
        .map_err(|e| {
            report::ReportError::Serialize {
                what,
                message: e.to_string(),
            }
            .into()
        })
}

/// The issues as `validate` prints them: one line each, then the counts of those not listed.
pub(crate) fn issues_text(issues: &crate::diagnostics::Issues) -> String {
    let mut t = String::new();
    for i in &issues.issues {
        t.push_str(&format!("{i}\n"));
    }
    for (code, n) in &issues.suppressed {
        t.push_str(&format!("... and {n} more `{code}` problem(s)\n"));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value that cannot be serialised is an error naming the output, not an empty file.
    #[test]
    fn serialisation_failures_are_errors() {
        struct Broken;
        impl serde::Serialize for Broken {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("broken on purpose"))
            }
        }
        let err = json_text("checks", &Broken).unwrap_err();
        assert!(err.to_string().contains("checks"), "{err}");
        assert_eq!(err.exit_code(), 2);
        assert_eq!(json_text("x", &[1]).unwrap(), "[\n  1\n]\n");
    }
}
