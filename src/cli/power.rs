//! `retrotrial power` command-line types (issue 20). What was typed only; the checks and the
//! defaults of the simulated trial live in `app::power` and `config::PowerConfig`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// The planned analysis of `retrotrial power`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PowerDesign {
    /// Two-sample t test on the outcome (R power.t.test).
    #[value(name = "two_sample_t")]
    TwoSampleT,
    /// t test on change scores: SD of change = sd·√(2(1 − rho)); needs --rho.
    #[value(name = "change")]
    Change,
    /// ANCOVA on baseline (Borm's design factor 1 − rho²); needs --rho.
    #[value(name = "ancova")]
    Ancova,
    /// Responders in two arms (R power.prop.test); needs --p1 and --p2 (or --delta).
    #[value(name = "two_proportions")]
    TwoProportions,
}

/// Output format of `retrotrial power`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PowerFormat {
    /// A readable table.
    Table,
    /// One JSON object.
    Json,
}

/// `retrotrial power`.
#[derive(Debug, Args)]
pub struct PowerArgs {
    /// The planned analysis (default: two_sample_t).
    #[arg(long, value_enum)]
    pub design: Option<PowerDesign>,
    /// Difference to detect, in the outcome's units (for two_proportions: p2 − p1).
    #[arg(long, allow_negative_numbers = true, value_name = "D")]
    pub delta: Option<f64>,
    /// SD of the outcome (t designs).
    #[arg(long, value_name = "SD")]
    pub sd: Option<f64>,
    /// Correlation between baseline and follow-up (change, ancova).
    #[arg(long, allow_negative_numbers = true, value_name = "R")]
    pub rho: Option<f64>,
    /// Responder proportion in the comparator arm (two_proportions).
    #[arg(long, value_name = "P")]
    pub p1: Option<f64>,
    /// Responder proportion in the new arm (two_proportions).
    #[arg(long, value_name = "P")]
    pub p2: Option<f64>,
    /// Participants per arm (the first arm when --ratio is not 1).
    #[arg(long, short = 'n', value_name = "N")]
    pub n: Option<f64>,
    /// Target power.
    #[arg(long, value_name = "P")]
    pub power: Option<f64>,
    /// Significance level, split by Bonferroni over the pairs when --arms 3 (default: 0.05).
    #[arg(long, value_name = "A")]
    pub alpha: Option<f64>,
    /// One-sided test at level alpha (default two-sided).
    #[arg(long)]
    pub one_sided: bool,
    /// Allocation ratio: participants in each comparator arm per participant in the first.
    /// (Default: 1.)
    #[arg(long, value_name = "K")]
    pub ratio: Option<f64>,
    /// Number of arms, 2 or 3 (3: every pair compared at alpha/3; default: 2).
    #[arg(long, value_name = "K")]
    pub arms: Option<u32>,
    /// Output format (default: table).
    #[arg(long, value_enum)]
    pub format: Option<PowerFormat>,
    /// Write the power curve (power_curve.svg) and the result (power.json) into DIR.
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also write power_curve.png.
    #[arg(long)]
    pub png: bool,
    /// Estimate power by simulating the trial described in the study file's power table.
    #[arg(long, requires = "study")]
    pub simulate: bool,
    /// Study TOML with a power table (for --simulate).
    #[arg(long, value_name = "study.toml")]
    pub study: Option<PathBuf>,
    /// Simulated trials, overriding the power table's replicates.
    #[arg(long, value_name = "R")]
    pub replicates: Option<usize>,
    /// Master seed, overriding the power table's seed.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads for --simulate; 0 = one per core (the default). Results do not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}
