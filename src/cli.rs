//! Command-line types (clap derive). Doc comments are the help text. These types only say what
//! was typed; defaults live in `Config`, and `app` merges the two.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::results::Analysis;

mod power;
pub use power::{PowerArgs, PowerDesign, PowerFormat};

/// Backward-walking trial analysis: R-exact statistics and reports you can rerun.
///
/// retrotrial reads a trial file (a long CSV participant_id,arm,timepoint,outcome,value; a wide
/// CSV with one row per participant; `;`/tab files with decimal commas; Parquet; .xlsx/.ods),
/// validates it, and compares backward walking with forward walking and controls using the tests
/// a trial statistician would run, with the same numbers as R.
///
/// Exit codes: 0 ran and wrote its outputs; 1 outputs written but the run is incomplete
/// (validation errors or failed tasks); 2 could not run (usage, config, unreadable data, IO).
#[derive(Debug, Parser)]
#[command(
    name = "retrotrial",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a trial file, run every selected analysis and write the reports.
    ///
    /// Writes records.json, results.json, results.csv, report.md and config.resolved.toml into
    /// the output directory (created if absent; reused if empty or written by retrotrial
    /// before). With validation errors it writes validation.json and validation.md and exits 1.
    ///
    /// Example:
    ///   retrotrial analyze datasets/example/trial.csv --study datasets/example/study.toml --out reports/example
    #[command(verbatim_doc_comment)]
    Analyze(AnalyzeArgs),
    /// Check a trial file and print every problem with its line number (exit 1 on errors).
    ///
    /// Example:
    ///   retrotrial validate datasets/example/trial.csv
    #[command(verbatim_doc_comment)]
    Validate(ValidateArgs),
    /// Generate a synthetic trial CSV (spec §8); the same seed gives the same bytes.
    ///
    /// Example:
    ///   retrotrial simulate --participants 300 --seed 1 --out trial.csv
    #[command(verbatim_doc_comment)]
    Simulate(SimulateArgs),
    /// Print a study TOML inferred from a data file (arms, timepoints, outcomes and ranges).
    ///
    /// Example:
    ///   retrotrial init trial.csv --out study.toml
    #[command(verbatim_doc_comment)]
    Init(InitArgs),
    /// Pool study-level summaries: Hedges' g (or mean differences) with FE, DL, REML and PM
    /// models, Hartung–Knapp, heterogeneity, prediction interval, leave-one-out and Egger's test,
    /// as metafor computes them.
    ///
    /// Input: two rows per study, `study_id,arm,n,mean,sd` (arm `backward` plus one comparator;
    /// instead of `sd` a row may give `se`, or `ci_low,ci_high`, or `median` with `q1,q3` or
    /// `min,max`), or one row per study `study_id,yi,vi`.
    ///
    /// Example:
    ///   retrotrial meta datasets/golden/meta8.csv --out reports/meta --method reml --test hk
    #[command(verbatim_doc_comment)]
    Meta(MetaArgs),
    /// Recompute what the papers in the literature pack printed and judge the popular claims.
    ///
    /// For every printed number: recompute it where the pack allows (two-sample t tests from n,
    /// mean and SD, Welch and Student, "±" also read as SE; p from an estimate and its CI; GRIM
    /// and GRIMMER), rounding-aware, and give a verdict: reproduced, reproduced_under_assumption,
    /// inconsistent or insufficient_data. Findings are results: exit 0 unless --strict.
    ///
    /// Example:
    ///   retrotrial reproduce --all
    ///   retrotrial reproduce yang2005 --out reports/yang2005
    #[command(verbatim_doc_comment)]
    Reproduce(ReproduceArgs),
    /// Check a paper's statistics (PAPER: .txt, .md, .html, .pdf or a directory of them), or
    /// run the integrity checks on your own summary table (SUMMARY.csv).
    ///
    /// A paper: every reported t, F, r, χ², z and Q result with its df and p (`t(28) = 2.20,
    /// p = .036`, APA or not: decimal commas, χ², unicode minus, line breaks) is found, its p
    /// recomputed (the printed statistic stands for its rounding interval) and judged as
    /// statcheck judges: consistent, inconsistent, decision_error (significance at .05
    /// flips), consistent_one_tailed (fits only one-tailed and the paper says one-tailed), or
    /// not_checkable. `M = x, SD = y` and `x ± y` with an n are tested by GRIMMER when you
    /// declare the integer scale with --items; percentages with an `N = ` by whether an
    /// integer count gives them. Writes check.json, check.csv, descriptives.json, report.md
    /// and report.html into --out (default reports/check). Findings are results: exit 0
    /// unless --strict; 1 when a paper of a directory could not be read; 2 when the paper
    /// cannot be read.
    ///
    /// A summary table (the layout of datasets/literature/summary_stats.csv, and
    /// reported_results.csv): GRIM, GRIMMER, p-consistency and SD-vs-SE reading, printed.
    ///
    /// Examples:
    ///   retrotrial check paper.pdf --out reports/paper
    ///   retrotrial check papers/ --items 1 --strict
    ///   retrotrial check datasets/literature/summary_stats.csv --reported datasets/literature/reported_results.csv
    #[command(verbatim_doc_comment)]
    Check(CheckArgs),
    /// Energy cost of backward vs forward walking for a person (Compendium METs:
    /// kcal/min = MET × 3.5 × kg / 200).
    ///
    /// Example:
    ///   retrotrial energy --mass 70 --minutes 30
    #[command(verbatim_doc_comment)]
    Energy(EnergyArgs),
    /// Plan the next trial: sample size, power or detectable difference (give two of --n,
    /// --power and --delta; the third is solved), as R power.t.test and power.prop.test.
    ///
    /// Designs: two_sample_t (--sd), change (--sd --rho), ancova (--sd --rho), two_proportions
    /// (--p1 --p2). --arms 3 tests every pair at alpha/3; --ratio sets unequal allocation.
    /// --simulate --study study.toml estimates power by simulating the trial of its power
    /// table (Welch t on change, ANCOVA, MMRM with dropout).
    ///
    /// Examples:
    ///   retrotrial power --design two_sample_t --delta 1 --sd 2 --power 0.8
    ///   retrotrial power --design ancova --delta 1 --sd 2 --rho 0.6 --n 40 --format json
    ///   retrotrial power --design two_proportions --p1 0.3 --p2 0.55 --power 0.9 --out reports/power
    ///   retrotrial power --simulate --study study.toml --threads 2
    #[command(verbatim_doc_comment)]
    Power(PowerArgs),
    /// Print the configuration.
    Config(ConfigArgs),
    /// Write the data as retrotrial read it: the canonical long CSV (or Parquet), after the
    /// layout, column and label mapping of the study file. Exits 1 with the problems, writing
    /// nothing, when the data do not validate.
    ///
    /// Example:
    ///   retrotrial convert wide.xlsx --study study.toml --out long.csv
    ///   retrotrial convert trial.csv --out trial.parquet
    #[command(verbatim_doc_comment)]
    Convert(ConvertArgs),
    /// Open the whole tool in your browser: a local server on 127.0.0.1 only, data never
    /// leaving this machine.
    ///
    /// Prints a URL with a per-launch secret token and opens it (unless --no-open). Only
    /// requests carrying the token, a loopback Host and no foreign Origin are answered.
    /// Uploads and runs live in a private temporary folder removed on exit; nothing is written
    /// elsewhere unless you save a run to a folder you type. Stop with Ctrl-C or by closing
    /// the page.
    ///
    /// Example:
    ///   retrotrial app
    ///   retrotrial app --port 8765 --no-open
    #[command(verbatim_doc_comment)]
    App(AppArgs),
    /// Print a shell completion script.
    ///
    /// Example:
    ///   retrotrial completions bash > ~/.local/share/bash-completion/completions/retrotrial
    ///   retrotrial completions zsh > ~/.zfunc/_retrotrial
    #[command(verbatim_doc_comment)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff).
    ///
    /// Example:
    ///   retrotrial man > retrotrial.1 && man ./retrotrial.1
    #[command(verbatim_doc_comment)]
    Man,
}

/// `retrotrial app`.
#[derive(Debug, Args)]
pub struct AppArgs {
    /// Port to listen on (default: a random free port).
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// Do not open a browser; just print the URL.
    #[arg(long)]
    pub no_open: bool,
    /// Largest accepted upload in bytes (default 1 GiB).
    #[arg(long, value_name = "BYTES")]
    pub max_upload: Option<u64>,
    /// Address to bind; only a loopback address (127.0.0.1, the default, or ::1) is accepted.
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// The literature pack shown on the claims tab (default: datasets/literature).
    #[arg(long, value_name = "DIR")]
    pub literature: Option<PathBuf>,
}

/// `retrotrial convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Input files.
    #[command(flatten)]
    pub input: DataArgs,
    /// The file to write: `.parquet` for Parquet, anything else for CSV.
    #[arg(long, short, value_name = "FILE")]
    pub out: PathBuf,
}

/// `retrotrial completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `retrotrial reproduce`.
#[derive(Debug, Args)]
pub struct ReproduceArgs {
    /// Study ids to check (default: all, as with --all).
    #[arg(value_name = "STUDY_ID")]
    pub studies: Vec<String>,
    /// Check every study of the pack.
    #[arg(long, conflicts_with = "studies")]
    pub all: bool,
    /// Output directory (default: reports/reproduce).
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The literature pack (default: datasets/literature).
    #[arg(long, value_name = "DIR")]
    pub literature: Option<PathBuf>,
    /// Exit 1 when any number is not reproduced or inconsistent.
    #[arg(long)]
    pub strict: bool,
    /// Also write PNG versions of the figures.
    #[arg(long)]
    pub png: bool,
}

/// `retrotrial check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A paper (.txt, .md, .html, .pdf) or a directory of papers; or per-arm summaries
    /// (SUMMARY.csv: columns study_id, outcome, arm, timepoint, n, mean, sd; optional
    /// integer_scale, dispersion).
    #[arg(value_name = "PAPER|SUMMARY.csv")]
    pub summary: PathBuf,
    /// Reported results (columns study_id, outcome, arms, quantity, value; optional
    /// timepoint, relation, ci_low, ci_high, comparison).
    #[arg(long, value_name = "RESULTS.csv")]
    pub reported: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when any number is inconsistent.
    #[arg(long)]
    pub strict: bool,
    /// Papers: the output directory (default reports/check).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Papers: means and SDs are of integer responses, each the mean of K integer items
    /// (1 for a single 0-10 rating); enables GRIM/GRIMMER on `M = x, SD = y` and `x ± y`.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub items: Option<u32>,
    /// Papers: use a non-empty output directory that retrotrial did not write.
    #[arg(long)]
    pub force: bool,
}

/// `retrotrial energy`.
#[derive(Debug, Args)]
pub struct EnergyArgs {
    /// Body mass in kg.
    #[arg(long, value_name = "KG")]
    pub mass: f64,
    /// Minutes of walking (default: 1).
    #[arg(long, value_name = "M")]
    pub minutes: Option<f64>,
    /// The literature pack, for the MET values (default: datasets/literature).
    #[arg(long, value_name = "DIR")]
    pub literature: Option<PathBuf>,
}

/// The lead τ² estimator of `meta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MetaMethod {
    /// Fixed (common) effect.
    Fe,
    /// DerSimonian–Laird.
    Dl,
    /// Restricted maximum likelihood.
    Reml,
    /// Paule–Mandel.
    Pm,
}

/// The lead test of `meta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MetaTestArg {
    /// z test.
    Z,
    /// Hartung–Knapp t test (DL and REML only).
    Hk,
}

/// `retrotrial meta`.
#[derive(Debug, Args)]
pub struct MetaArgs {
    /// The study-level CSV.
    #[arg(value_name = "STUDIES.csv")]
    pub studies: PathBuf,
    /// Output directory [default: reports/meta].
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Effect measure: standardised (Hedges' g) or raw mean difference [default: smd].
    #[arg(long, value_enum)]
    pub measure: Option<crate::summary::meta::Measure>,
    /// The model the report leads with (all six are always computed) [default: reml].
    #[arg(long, value_enum)]
    pub method: Option<MetaMethod>,
    /// The test the report leads with [default: z].
    #[arg(long, value_enum)]
    pub test: Option<MetaTestArg>,
    /// Outcome label of the records [default: the measure, smd or md].
    #[arg(long, value_name = "LABEL")]
    pub outcome: Option<String>,
    /// Direction of the outcome, for labelling which side favours backward walking
    /// [default: lower].
    #[arg(long, value_enum)]
    pub better: Option<crate::config::Better>,
    /// Also write PNG versions of the figures.
    #[arg(long)]
    pub png: bool,
}

/// Data file and study file, shared by the commands that read a trial.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// The trial data: CSV (long layout participant_id,arm,timepoint,outcome,value, or wide with
    /// `layout = "wide"` in the study's data table; `,` `;` or tab), Parquet (.parquet) or a
    /// spreadsheet (.xlsx, .xlsm, .xls, .ods; the study's `sheet` key picks the sheet).
    #[arg(value_name = "DATA")]
    pub data: PathBuf,
    /// A study TOML declaring arms, timepoints, outcome scales and analyses
    /// (`retrotrial config --default` prints every key).
    #[arg(long, value_name = "study.toml")]
    pub study: Option<PathBuf>,
}

/// `retrotrial analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Input files.
    #[command(flatten)]
    pub input: DataArgs,
    /// Output directory [default: report.out_dir of the config, reports/analysis].
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Run only these analyses (comma list of spec ids), overriding the study file.
    #[arg(long, value_delimiter = ',', value_name = "ANALYSES")]
    pub only: Option<Vec<Analysis>>,
    /// Intercurrent events, a CSV `participant_id,event,timepoint` (e.g. discontinued
    /// treatment at week3). Each event needs a strategy in the study file's
    /// `[estimand] intercurrent_events`; with `hypothetical`, the participant's values after
    /// the event's timepoint are set aside and treated as missing.
    #[arg(long, value_name = "EVENTS.csv")]
    pub events: Option<PathBuf>,
    /// Adverse events, a CSV `participant_id,term,serious,severity,related,timepoint` (one
    /// row per event; `serious` yes/no; `severity` mild/moderate/severe or empty; `related`
    /// yes/no or empty): the harms table and records (overrides the study's `[data] harms`).
    #[arg(long, value_name = "HARMS.csv")]
    pub harms: Option<PathBuf>,
    /// Master seed of the permutation and bootstrap analyses [default: 20240601].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Permutation replicates [default: 10000].
    #[arg(long, value_name = "B")]
    pub permutations: Option<usize>,
    /// Bootstrap replicates [default: 2000].
    #[arg(long, value_name = "B")]
    pub bootstrap: Option<usize>,
    /// Worker threads; 0 means one per core. Results do not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Also write PNG versions of the figures (plots/*.png).
    #[arg(long)]
    pub png: bool,
    /// Also write report.docx (Word: the report's sections, tables as Word tables, figures as
    /// PNG) for co-authors.
    #[arg(long)]
    pub docx: bool,
    /// Write into DIR even if it holds files retrotrial did not write (only its own files are
    /// added or replaced).
    #[arg(long)]
    pub force: bool,
}

impl AnalyzeArgs {
    /// The flags as [`Config::resolve`](crate::config::Config::resolve) takes them.
    pub fn overrides(&self) -> crate::config::Overrides {
        crate::config::Overrides {
            out_dir: self.out.clone(),
            analyses: self.only.clone(),
            seed: self.seed,
            permutations: self.permutations,
            bootstrap: self.bootstrap,
            threads: self.threads,
            quiet: self.quiet,
            png: self.png,
            docx: self.docx,
            force: self.force,
            events: self.events.clone(),
            harms: self.harms.clone(),
        }
    }
}

/// `retrotrial validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Input files.
    #[command(flatten)]
    pub input: DataArgs,
    /// Print the issues as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `retrotrial simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Number of participants (balanced allocation) [default: 300].
    #[arg(long, short = 'n', value_name = "N")]
    pub participants: Option<usize>,
    /// RNG seed [default: 1].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// `3` (backward, forward, control), `2` (backward, forward) or a comma list [default: 3].
    #[arg(long, value_name = "ARMS")]
    pub arms: Option<String>,
    /// `3` (baseline, week3, week6), `2` (baseline, week6) or a comma list starting with baseline
    /// [default: 3].
    #[arg(long, value_name = "TIMEPOINTS")]
    pub timepoints: Option<String>,
    /// `all` or a comma list of pain_nrs, womac_total, tug_seconds, quad_strength_kg
    /// [default: all].
    #[arg(long, value_name = "OUTCOMES")]
    pub outcomes: Option<String>,
    /// Probability that a participant drops out before the last timepoint [default: 0.1].
    #[arg(long, value_name = "P")]
    pub dropout: Option<f64>,
    /// Probability that a follow-up row is written with an empty value [default: 0].
    #[arg(long, value_name = "Q")]
    pub empty_cells: Option<f64>,
    /// Extra standardised improvement of backward over forward walking [default: 0.4].
    #[arg(long, value_name = "D")]
    pub effect: Option<f64>,
    /// Write the rows in random order.
    #[arg(long)]
    pub shuffle_rows: bool,
    /// Output file (written atomically) [default: stdout].
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

impl SimulateArgs {
    /// The simulation: these flags over `SimConfig::default()`, which holds the defaults.
    ///
    /// # Errors
    /// An arm, timepoint or outcome list that does not parse.
    pub fn sim_config(&self) -> Result<crate::simulate::SimConfig, crate::simulate::SimulateError> {
        use crate::simulate::{SimConfig, parse_arms, parse_outcomes, parse_timepoints};
        let d = SimConfig::default();
        Ok(SimConfig {
            participants: self.participants.unwrap_or(d.participants),
            seed: self.seed.unwrap_or(d.seed),
            arms: self.arms.as_deref().map_or(Ok(d.arms), parse_arms)?,
            timepoints: self
                .timepoints
                .as_deref()
                .map_or(Ok(d.timepoints), parse_timepoints)?,
            outcomes: self
                .outcomes
                .as_deref()
                .map_or(Ok(d.outcomes), parse_outcomes)?,
            dropout: self.dropout.unwrap_or(d.dropout),
            empty_cells: self.empty_cells.unwrap_or(d.empty_cells),
            effect: self.effect.unwrap_or(d.effect),
            shuffle_rows: self.shuffle_rows,
        })
    }
}

/// `retrotrial init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The trial file to infer the design from (CSV long or wide, Parquet, spreadsheet).
    #[arg(value_name = "DATA")]
    pub data: PathBuf,
    /// Write the TOML to this file (atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `retrotrial config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Print the full default configuration with comments.
    #[arg(long, required = true)]
    pub default: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn analyze_flags_parse() {
        let cli = Cli::try_parse_from([
            "retrotrial",
            "analyze",
            "d.csv",
            "--study",
            "s.toml",
            "--out",
            "o",
            "--only",
            "welch_t,hedges_g",
            "--seed",
            "7",
            "--threads",
            "2",
            "--permutations",
            "99",
            "--bootstrap",
            "50",
            "--quiet",
        ])
        .unwrap();
        let Command::Analyze(a) = cli.command else {
            panic!("not analyze")
        };
        assert_eq!(a.only.unwrap(), vec![Analysis::WelchT, Analysis::HedgesG]);
        assert_eq!(
            (a.seed, a.threads, a.permutations, a.bootstrap),
            (Some(7), Some(2), Some(99), Some(50))
        );
        assert!(a.quiet);
    }

    #[test]
    fn unknown_analysis_is_a_usage_error() {
        assert!(
            Cli::try_parse_from(["retrotrial", "analyze", "d.csv", "--only", "welch"]).is_err()
        );
        assert!(Cli::try_parse_from(["retrotrial", "config"]).is_err());
    }

    #[test]
    fn simulate_defaults_are_the_spec_defaults() {
        let Command::Simulate(s) = Cli::try_parse_from(["retrotrial", "simulate"])
            .unwrap()
            .command
        else {
            panic!("not simulate")
        };
        let c = s.sim_config().unwrap();
        assert_eq!(
            (c.participants, c.seed, c.dropout, c.effect),
            (300, 1, 0.10, 0.4)
        );
    }
}
