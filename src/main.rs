//! The `retrotrial` binary: parse the command line, run it, turn the outcome into an exit code.

use std::process::ExitCode;

use clap::Parser;
use retrotrial::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match retrotrial::app::run(cli) {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) => {
            let code = err.exit_code();
            eprintln!("retrotrial: error: {:#}", anyhow::Error::new(err));
            ExitCode::from(code as u8)
        }
    }
}
