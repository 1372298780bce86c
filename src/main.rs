//! The `retrotrial` binary: parse the command line, run it, turn the outcome into an exit code.

use std::process::ExitCode;

use clap::Parser;
use retrotrial::cli::Cli;

/// mimalloc keeps freed memory for reuse: a large run allocates and frees many vectors of
/// millions of values (samples, design matrices, change scores), and with the system allocator
/// each one was fresh memory from the kernel, faulted in page by page (issue 24).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
