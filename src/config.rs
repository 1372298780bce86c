//! `Config`: the single home of every option and its default (hyperfine's `Options`).
//!
//! Resolution order: `Config::default()` < `--study study.toml` < command-line flags, then
//! [`Config::validate`]. Every section is `#[serde(default, deny_unknown_fields)]`, so a typo in
//! a study file is an error that names the key, not a silently ignored option. The resolved
//! config is written next to the results as `config.resolved.toml`. No polars here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::results::Analysis;

mod consort;
mod mmrm;
mod power;
pub use consort::{FlowConfig, HarmsConfig};
pub use mmrm::{MmrmConfig, MmrmContrast, MmrmDdf, MmrmGroup, MmrmSelect, MmrmVcov};
pub use power::PowerConfig;

/// Errors while reading or checking the configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The study file could not be read.
    #[error("cannot read study file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The study file is not valid TOML for this schema.
    #[error("invalid study file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// toml's message, which names the line and the key.
        message: String,
    },
    /// A value is out of range or contradicts another.
    #[error("invalid configuration: {0}")]
    Invalid(String),
    /// `reproduce STUDY_ID…` names studies the pack does not have.
    #[error("invalid configuration: unknown study id(s) {unknown}; the pack has: {known}")]
    UnknownStudies {
        /// The ids asked for that the pack lacks.
        unknown: String,
        /// The pack's ids.
        known: String,
    },
    /// `energy --mass`/`--minutes` out of range.
    #[error("invalid configuration: --mass must be in kg (0-500) and --minutes positive")]
    EnergyInput,
    /// The pack has no backward/forward MET pair measured under the same condition.
    #[error(
        "invalid configuration: the literature pack has no MET pair for backward and forward walking under the same condition"
    )]
    NoMetPair,
    /// Zero permutation or bootstrap replicates.
    #[error("invalid configuration: permutations and bootstrap replicates must be at least 1")]
    NoReplicates,
    /// More replicates than a run can hold.
    #[error("invalid configuration: at most 10,000,000 permutation or bootstrap replicates")]
    TooManyReplicates,
    /// More threads than any machine has.
    #[error("invalid configuration: --threads {threads} is too many; use 0 for one per core")]
    TooManyThreads {
        /// The number asked for.
        threads: usize,
    },
    /// The reference arm is not among the declared arms.
    #[error("invalid configuration: reference_arm `{arm}` is not among design.arms")]
    UndeclaredReferenceArm {
        /// The reference arm.
        arm: String,
    },
    /// The primary timepoint is the baseline.
    #[error("invalid configuration: primary_timepoint must differ from the baseline")]
    PrimaryIsBaseline,
    /// `[data.wide] pattern` does not parse.
    #[error("invalid configuration: {message}")]
    WidePattern {
        /// What is wrong with it.
        message: String,
    },
    /// A `[data.columns]` name is empty.
    #[error("invalid configuration: data.columns: a column name is empty (`{name}`)")]
    EmptyColumnName {
        /// The name as written.
        name: String,
    },
    /// Two `[data.columns]` entries name the same column.
    #[error(
        "invalid configuration: data.columns: `{name}` is named for two columns; each column needs its own name"
    )]
    DuplicateColumnName {
        /// The column name.
        name: String,
    },
    /// A label listed under two names in `[design.arm_labels]` or `[design.timepoint_labels]`.
    #[error(
        "invalid configuration: design.{table}: `{label}` is listed under both `{first}` and `{second}`"
    )]
    LabelTwice {
        /// `arm_labels` or `timepoint_labels`.
        table: &'static str,
        /// The label.
        label: String,
        /// The first name it is listed under.
        first: String,
        /// The second.
        second: String,
    },
    /// An outcome's min, max or MCID is NaN or infinite.
    #[error(
        "invalid configuration: outcomes.{outcome}: {key} = {value} is not a finite number; write a number or leave the key out"
    )]
    NotFinite {
        /// The outcome.
        outcome: String,
        /// `min`, `max` or `mcid`.
        key: &'static str,
        /// The value.
        value: f64,
    },
    /// An equivalence or non-inferiority margin that is not a positive number.
    #[error(
        "invalid configuration: outcomes.{outcome}: {key} = {value} must be a positive number in the outcome's units"
    )]
    BadMargin {
        /// The outcome.
        outcome: String,
        /// `equivalence_margin` or `non_inferiority_margin`.
        key: &'static str,
        /// The value.
        value: f64,
    },
    /// An outcome's min is above its max.
    #[error("invalid configuration: outcomes.{outcome}: min {min} is above max {max}")]
    MinAboveMax {
        /// The outcome.
        outcome: String,
        /// Its min.
        min: f64,
        /// Its max.
        max: f64,
    },
    /// A study-level analysis listed for `analyze`.
    #[error(
        "invalid configuration: `{analysis}` is a study-level analysis (retrotrial meta / reproduce), not one of analyze"
    )]
    StudyLevelAnalysis {
        /// The analysis id.
        analysis: String,
    },
    /// No analysis selected.
    #[error(
        "invalid configuration: no analyses selected; list at least one in analyses.run or --only"
    )]
    NoAnalyses,
    /// `meta --test hk` with a model that has no τ² to adjust.
    #[error(
        "invalid configuration: --test hk is available with --method dl or reml, not {method}; use --test z"
    )]
    HartungKnappNeedsTau2 {
        /// The method given.
        method: String,
    },
}

/// What a command line may override in a [`Config`] (ripgrep's low-level arguments): `None`
/// and `false` keep the value of the study file, or the default. `cli` builds it from the typed
/// flags; [`Config::resolve`] applies it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// `--out`: `report.out_dir`.
    pub out_dir: Option<PathBuf>,
    /// `--only`: `analyses.run`.
    pub analyses: Option<Vec<Analysis>>,
    /// `--seed`: `resampling.seed`.
    pub seed: Option<u64>,
    /// `--permutations`: `resampling.permutations`.
    pub permutations: Option<usize>,
    /// `--bootstrap`: `resampling.bootstrap`.
    pub bootstrap: Option<usize>,
    /// `--threads`: `run.threads`.
    pub threads: Option<usize>,
    /// `--quiet`: sets `run.quiet`.
    pub quiet: bool,
    /// `--png`: sets `report.png`.
    pub png: bool,
    /// `--docx`: sets `report.docx`.
    pub docx: bool,
    /// `--force`: sets `report.force`.
    pub force: bool,
    /// `--events`: `estimand.events` (issue 17).
    pub events: Option<PathBuf>,
    /// `--harms`: `data.harms` (issue 19).
    pub harms: Option<PathBuf>,
}

/// Where `reproduce`, `energy` and `app` find the literature pack unless told otherwise.
pub const DEFAULT_LITERATURE: &str = "datasets/literature";
/// Where `reproduce` writes unless told otherwise.
pub const DEFAULT_REPRODUCE_OUT: &str = "reports/reproduce";

/// Which direction of an outcome is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// Lower values are better (pain, WOMAC, timed up-and-go).
    #[default]
    Lower,
    /// Higher values are better (strength).
    Higher,
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// How the data file is read.
    pub data: DataConfig,
    /// Arms, timepoints and their roles.
    pub design: DesignConfig,
    /// Per-outcome labels, units, scales and directions, keyed by outcome name.
    pub outcomes: BTreeMap<String, OutcomeConfig>,
    /// Which analyses run.
    pub analyses: AnalysesConfig,
    /// Seeds and replicate counts.
    pub resampling: ResamplingConfig,
    /// Execution options that never change results.
    pub run: RunConfig,
    /// Where and what to write.
    pub report: ReportConfig,
    /// The trial `retrotrial power --simulate` draws (issue 20); left out of the resolved
    /// config of other commands when it is the default.
    #[serde(skip_serializing_if = "PowerConfig::is_default")]
    pub power: PowerConfig,
    /// The estimand of ICH E9(R1) (issue 17).
    pub estimand: EstimandConfig,
    /// Missing-data sensitivity analyses (issue 17).
    pub missing: MissingConfig,
    /// Adverse-event grouping (issue 19).
    #[serde(skip_serializing_if = "HarmsConfig::is_default")]
    pub harms: HarmsConfig,
    /// People never randomised, for the CONSORT flow diagram (issue 19).
    #[serde(skip_serializing_if = "FlowConfig::is_default")]
    pub flow: FlowConfig,
}

/// How the data file is read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DataConfig {
    /// Extra value codes that mean "missing" (an empty cell and `NA` always do), e.g. `["-99"]`.
    pub missing_values: Vec<String>,
    /// The field delimiter; `auto` detects `,` `;` or tab from the header line.
    pub delimiter: Delimiter,
    /// The decimal separator; `auto` accepts `4,5` only when the delimiter is not the comma.
    pub decimal: Decimal,
    /// `long` (one row per participant, timepoint and outcome) or `wide` (one row per
    /// participant, one column per outcome and timepoint).
    pub layout: Layout,
    /// Spreadsheet input: the sheet to read (default: the first sheet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The file's names for the id columns, when they differ from the spec's.
    pub columns: ColumnNames,
    /// Wide layout: how column names map to (outcome, timepoint).
    pub wide: WideConfig,
    /// CDISC ADaM BDS layout (`layout = "adam"`): which records and treatment variable are read;
    /// left out of a resolved config when it is the default, like `[data.redcap]`.
    #[serde(skip_serializing_if = "AdamConfig::is_default")]
    pub adam: AdamConfig,
    /// REDCap layout (`layout = "redcap"`): the data dictionary exported with the data
    /// (`..._DataDictionary.csv`), relative to the data file's folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redcap_dictionary: Option<PathBuf>,
    /// REDCap layout: which fields are read.
    #[serde(skip_serializing_if = "RedcapConfig::is_default")]
    pub redcap: RedcapConfig,
    /// A participant-level table keyed by the participant-id column (CSV, Parquet or a
    /// spreadsheet): its other columns are covariates. A relative path is relative to the study
    /// file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participants: Option<PathBuf>,
    /// Covariates read as categories even when every value is a number (e.g. a site code).
    pub categorical: Vec<String>,
    /// A CDISC ADSL dataset (`adsl.xpt`, or any readable format): `AGE`, `SEX`, `RACE` and the
    /// population flags (`ITTFL`, `SAFFL`, `FASFL`, `PPROTFL`, `COMPLFL`) present become
    /// participant covariates, keyed by `USUBJID`. A relative path is relative to the study file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adsl: Option<PathBuf>,
    /// Adverse events, a CSV `participant_id,term,serious,severity,related,timepoint`
    /// (issue 19; `--harms` sets it). Relative to the study file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub harms: Option<PathBuf>,
    /// Participant flow with reasons, a CSV `participant_id,stage,status,reason` (issue 19).
    /// Relative to the study file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<PathBuf>,
}

/// How a CDISC ADaM basic data structure (BDS) dataset is read (`[data.adam]`): `USUBJID` is
/// the participant, the treatment variable the arm, `AVISIT` (ordered by `AVISITN`) the
/// timepoint and the `ABLFL = "Y"` record the baseline, `PARAMCD` the outcome, `AVAL` the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdamConfig {
    /// The treatment variable: `TRT01P` (planned, the default), `TRT01A`, `TRTP` or `TRTA`;
    /// `""` takes the first of these present.
    pub treatment: String,
    /// Read derived records (`DTYPE` not empty, e.g. LOCF or average records) too.
    pub derived: bool,
    /// The analysis flag honoured when its column exists: only records flagged `Y` are read;
    /// `""` reads every record.
    pub flag: String,
}

impl AdamConfig {
    /// True for the default settings (not written into a resolved config).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

impl RedcapConfig {
    /// True for the default settings (not written into a resolved config).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

impl Default for AdamConfig {
    fn default() -> Self {
        Self {
            treatment: String::new(),
            derived: false,
            flag: "ANL01FL".into(),
        }
    }
}

/// How a REDCap export is read (`[data.redcap]`): `record_id` (the dictionary's first field) is
/// the participant, `redcap_event_name` the timepoint, the arm field's choice labels the arms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RedcapConfig {
    /// The fields read as outcomes; empty reads every numeric field of the dictionary (text
    /// validated as number or integer, calc, slider) except the id and arm fields.
    pub outcomes: Vec<String>,
}

/// Row layout of a data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// `participant_id,arm,timepoint,outcome,value`: one row per measurement.
    #[default]
    Long,
    /// `participant_id,arm,pain_baseline,pain_week6,…`: one row per participant.
    Wide,
    /// A CDISC ADaM BDS dataset (`USUBJID`, `TRT01P`, `AVISIT`, `PARAMCD`, `AVAL`, ...).
    Adam,
    /// A REDCap export (raw or labelled) with its data dictionary.
    Redcap,
}

/// The names the data file uses for the spec's columns (`[data.columns]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ColumnNames {
    /// Participant id column.
    pub participant_id: String,
    /// Arm column.
    pub arm: String,
    /// Timepoint column (long layout).
    pub timepoint: String,
    /// Outcome column (long layout).
    pub outcome: String,
    /// Value column (long layout).
    pub value: String,
}

impl Default for ColumnNames {
    fn default() -> Self {
        Self {
            participant_id: "participant_id".into(),
            arm: "arm".into(),
            timepoint: "timepoint".into(),
            outcome: "outcome".into(),
            value: "value".into(),
        }
    }
}

impl ColumnNames {
    /// The five names in the spec's column order.
    pub fn all(&self) -> [&str; 5] {
        [
            &self.participant_id,
            &self.arm,
            &self.timepoint,
            &self.outcome,
            &self.value,
        ]
    }
}

/// How a wide file's columns map to (outcome, timepoint) (`[data.wide]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WideConfig {
    /// Column-name pattern with `{outcome}` and `{timepoint}` once each and a separator between
    /// them, e.g. `"{outcome}_{timepoint}"`; `""` turns the pattern off (only `columns` map).
    pub pattern: String,
    /// Explicit mapping, column name → outcome and timepoint; it wins over the pattern.
    pub columns: BTreeMap<String, WideColumn>,
}

impl Default for WideConfig {
    fn default() -> Self {
        Self {
            pattern: "{outcome}_{timepoint}".into(),
            columns: BTreeMap::new(),
        }
    }
}

/// One explicitly mapped wide column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WideColumn {
    /// Outcome name.
    pub outcome: String,
    /// Timepoint name (a label mapped by `[design.timepoint_labels]` is allowed).
    pub timepoint: String,
}

/// Field delimiter of a CSV data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Delimiter {
    /// Detect from the header line (the most frequent of `,` `;` tab; a tie gives `,`).
    #[default]
    Auto,
    /// `,`
    #[serde(alias = ",")]
    Comma,
    /// `;` (European spreadsheet exports)
    #[serde(alias = ";")]
    Semicolon,
    /// A tab character.
    #[serde(alias = "\t")]
    Tab,
}

/// Decimal separator of the values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decimal {
    /// `.` always; `,` too when the delimiter is not the comma.
    #[default]
    Auto,
    /// Only `.`.
    #[serde(alias = ".")]
    Dot,
    /// `,` as well as `.` (a value with one comma and no dot reads as a decimal).
    #[serde(alias = ",")]
    Comma,
}

/// Arms, timepoints and their roles. Empty lists mean "infer from the data" (spec §3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DesignConfig {
    /// Arms in report order; when given, any other arm in the data is an error.
    pub arms: Vec<String>,
    /// The reference arm of the ANCOVA; default `forward` (else the first arm).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_arm: Option<String>,
    /// Timepoints; when given, any other timepoint in the data is an error.
    pub timepoints: Vec<String>,
    /// Name of the baseline timepoint.
    pub baseline: String,
    /// The timepoint whose change from baseline is analysed; default the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_timepoint: Option<String>,
    /// Arm labels of the file mapped to arm names: `backward = ["RW", "retro"]`. When given,
    /// every arm label in the file must be a name or a listed label.
    pub arm_labels: BTreeMap<String, Vec<String>>,
    /// Timepoint labels mapped to timepoint names: `week6 = ["wk6", "6 weeks"]`.
    pub timepoint_labels: BTreeMap<String, Vec<String>>,
}

impl Default for DesignConfig {
    fn default() -> Self {
        Self {
            arms: Vec::new(),
            reference_arm: None,
            timepoints: Vec::new(),
            baseline: "baseline".to_string(),
            primary_timepoint: None,
            arm_labels: BTreeMap::new(),
            timepoint_labels: BTreeMap::new(),
        }
    }
}

/// Labels, units, scale range and direction of one outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct OutcomeConfig {
    /// Human label, e.g. "Pain (NRS 0–10)".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Unit, e.g. "points" or "s".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Smallest valid value; smaller values are validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest valid value; larger values are validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Which direction is better.
    pub better: Better,
    /// Minimal clinically important difference, in the outcome's units: the report says whether
    /// the primary difference reaches it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mcid: Option<f64>,
    /// Whether `mcid` is in the outcome's units or a percent of the baseline value.
    pub mcid_kind: McidKind,
    /// Equivalence margin of the `tost` records (outcome units); default the MCID when it is
    /// absolute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub equivalence_margin: Option<f64>,
    /// Non-inferiority margin of the `non_inferiority` records (outcome units); no default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_inferiority_margin: Option<f64>,
}

impl OutcomeConfig {
    /// The equivalence margin in use: `equivalence_margin`, else an absolute MCID.
    pub fn equivalence_margin(&self) -> Option<f64> {
        self.equivalence_margin.or(match self.mcid_kind {
            McidKind::Absolute => self.mcid,
            McidKind::Percent => None,
        })
    }
}

/// How an MCID is expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum McidKind {
    /// In the outcome's units.
    #[default]
    Absolute,
    /// Percent of the participant's baseline value.
    Percent,
}

impl McidKind {
    /// The spec's string.
    pub fn id(self) -> &'static str {
        match self {
            McidKind::Absolute => "absolute",
            McidKind::Percent => "percent",
        }
    }
}

/// Which analyses run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalysesConfig {
    /// Analyses to run, by spec id; default all.
    pub run: Vec<Analysis>,
    /// Outcomes forming the multiplicity family; empty means every outcome.
    pub multiplicity_family: Vec<String>,
    /// The pre-specified primary analysis (issue 17).
    pub primary: PrimaryAnalysis,
    /// Participant covariates the models adjust for, besides the baseline (participant
    /// covariates: extra columns of the data file or `[data] participants`).
    pub covariates: Vec<String>,
    /// The MMRM's options (issue 18).
    pub mmrm: MmrmConfig,
    /// Subgroup variables (issue 19): covariates, or `baseline_severity` (tertiles of the
    /// outcome's baseline). Numeric covariates are cut at the median unless `subgroup_cuts`
    /// names cut points.
    pub subgroups: Vec<String>,
    /// Declared cut points of numeric subgroup variables, e.g. `{ age = [65] }`.
    pub subgroup_cuts: BTreeMap<String, Vec<f64>>,
}

impl Default for AnalysesConfig {
    fn default() -> Self {
        Self {
            // The missing-data analyses refit the MMRM once per participant: opt-in.
            run: Analysis::ALL
                .into_iter()
                .filter(|a| !Analysis::MISSING_DATA.contains(a))
                .collect(),
            multiplicity_family: Vec::new(),
            primary: PrimaryAnalysis::default(),
            covariates: Vec::new(),
            mmrm: MmrmConfig::default(),
            subgroups: Vec::new(),
            subgroup_cuts: BTreeMap::new(),
        }
    }
}

/// Default master seed of the resampling analyses (spec §5.8).
pub const DEFAULT_SEED: u64 = 20_240_601;

/// Seeds and replicate counts of the resampling analyses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResamplingConfig {
    /// Master seed; each task derives its own stream from it.
    pub seed: u64,
    /// Permutation replicates B.
    pub permutations: usize,
    /// Bootstrap replicates B.
    pub bootstrap: usize,
}

impl Default for ResamplingConfig {
    fn default() -> Self {
        Self {
            seed: DEFAULT_SEED,
            permutations: 10_000,
            bootstrap: 2_000,
        }
    }
}

/// Execution options; they never change a result, so provenance leaves them out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RunConfig {
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// No progress bar.
    pub quiet: bool,
}

/// Where and what to write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportConfig {
    /// Output directory.
    pub out_dir: PathBuf,
    /// Also write `plots/*.png` next to the SVGs.
    pub png: bool,
    /// Also write `report.docx` (Word, issue 19).
    pub docx: bool,
    /// Use a non-empty output directory that retrotrial did not write.
    #[serde(skip)]
    pub force: bool,
}

impl Default for ReportConfig {
    fn default() -> Self {
        Self {
            out_dir: PathBuf::from("reports/analysis"),
            png: false,
            docx: false,
            force: false,
        }
    }
}

/// The commented default study file printed by `retrotrial config --default`.
/// A unit test parses it and compares it with `Config::default()`, so it cannot drift.
pub const DEFAULT_TOML: &str = r#"# retrotrial study configuration (all keys optional; shown with their defaults).
# Use it with: retrotrial analyze DATA.csv --study study.toml --out DIR

[data]
# Extra value codes meaning "missing"; an empty cell and NA always are.
missing_values = []
delimiter = "auto"               # or "comma", "semicolon", "tab"
decimal = "auto"                 # or "dot", "comma"; auto reads 4,5 when the delimiter is not ,
layout = "long"                  # or "wide": one row per participant (see [data.wide]); "adam": a
                                 # CDISC ADaM BDS dataset (see [data.adam]); "redcap": a REDCap export
# redcap_dictionary = "Trial_DataDictionary.csv"   # layout = "redcap": the dictionary beside the data
# adsl = "adsl.xpt"              # CDISC ADSL: AGE, SEX, ITTFL, SAFFL, ... become covariates
# sheet = "Sheet1"               # .xlsx/.ods input: the sheet to read; default the first
# Participant covariates: extra columns of the data file that are constant within a participant,
# and the columns of a participant table keyed by participant_id (path relative to this file).
# participants = "participants.csv"
categorical = []                 # covariates read as categories even if numeric, e.g. ["site"]
# harms = "harms.csv"            # adverse events: participant_id,term,serious,severity,related,timepoint
# flow = "flow.csv"              # CONSORT flow with reasons: participant_id,stage,status,reason

[data.columns]
# The file's names for the spec's columns.
participant_id = "participant_id"
arm = "arm"
timepoint = "timepoint"          # long layout only
outcome = "outcome"              # long layout only
value = "value"                  # long layout only

[data.wide]
# Wide layout: a column named like the pattern holds one outcome at one timepoint. The
# timepoint part is the shortest match next to the separator, so outcomes may contain `_`.
pattern = "{outcome}_{timepoint}"
# Explicit mapping for columns the pattern does not fit (wins over the pattern):
# [data.wide.columns]
# VAS0 = { outcome = "pain_nrs", timepoint = "baseline" }

[data.adam]
# layout = "adam": the treatment variable ("" = the first of TRT01P, TRTP, TRT01A, TRTA),
# whether derived records (DTYPE set: LOCF, averages) are read, the analysis flag honoured.
treatment = ""
derived = false
flag = "ANL01FL"

[data.redcap]
# layout = "redcap": the fields read as outcomes; empty = every numeric field of the dictionary.
outcomes = []

[design]
# Arms in report order. Empty: infer (backward, forward, control, then alphabetical).
# When listed, an arm in the data that is not listed is an error.
arms = []
# reference_arm = "forward"      # ANCOVA reference; default forward, else the first arm
# Timepoints. Empty: infer (baseline first, then by the number their name ends with).
timepoints = []
baseline = "baseline"
# primary_timepoint = "week6"    # change = primary - baseline; default the last timepoint

[design.arm_labels]
# The file's arm labels mapped to arm names; any other label is then an error.
# backward = ["RW", "retro"]
# forward = ["FW"]
# control = ["Ctrl", "usual care"]

[design.timepoint_labels]
# week6 = ["wk6", "6 weeks"]

# One table per outcome (all keys optional):
# [outcomes.pain_nrs]
# label = "Pain (NRS 0-10)"
# unit = "points"
# min = 0
# max = 10
# better = "lower"               # or "higher"
# mcid = 1.5                     # minimal clinically important difference (units of the outcome)
# mcid_kind = "absolute"         # or "percent": MCID percent of the participant's baseline
# equivalence_margin = 1.5       # TOST margin (tost records); default the MCID when absolute
# non_inferiority_margin = 1.0   # one-sided non-inferiority test (non_inferiority records)

[analyses]
# Analyses to run (spec ids). --only overrides this list.
run = ["descriptives", "paired_t", "wilcoxon_signed_rank", "welch_t", "student_t", "mann_whitney", "hedges_g", "rank_biserial", "ancova", "anova_oneway", "welch_anova", "kruskal_wallis", "lmm", "mmrm", "responders", "tost", "non_inferiority", "flow", "multiplicity", "permutation", "bootstrap", "subgroup", "table1", "harms"]
# Outcomes adjusted together by Holm and Benjamini-Hochberg. Empty: every outcome.
multiplicity_family = []
# The pre-specified primary analysis: "mmrm" (all post-baseline visits, baseline covariate,
# unstructured covariance; valid under MAR), "ancova" (complete cases at the primary timepoint)
# or "welch_change" (Welch t on complete-case change scores).
primary = "mmrm"
# Participant covariates the models adjust for besides the baseline, e.g. ["age", "sex"].
covariates = []
# Subgroups (exploratory): covariate names, or "baseline_severity" (baseline tertiles).
# Numeric covariates are cut at the median, or at the points of subgroup_cuts.
subgroups = []
# subgroup_cuts = { age = [65] }
# Missing-data sensitivity analyses (opt-in: they refit the MMRM once per participant):
# add "mi_mar", "mi_j2r", "mi_cr", "mi_cir", "tipping_point" to run, or use --only.

[analyses.mmrm]
# Covariance over the post-baseline visits: "us" (unstructured), "cs", "csh", "ar1", "ar1h",
# "toep", "toeph", "ad", "adh" (SAS UN, CS, CSH, AR(1), ARH(1), TOEP, TOEPH, -, ANTE(1)), or
# "auto": fit them all and keep the smallest AIC (select = "bic": the smallest BIC).
structure = "us"
select = "aic"
ddf = "satterthwaite"            # or "kenward_roger", "kenward_roger_linear", "between_within", "residual"
vcov = "model"                   # or "empirical" (sandwich)
group = "none"                   # or "arm": one covariance matrix per arm
contrast = "last"                # the primary result quotes A-B@TIMEPOINT; "average": A-B@average

[estimand]
# ICH E9(R1): population, variable, intercurrent events and population-level summary.
population = "all_randomised"   # or "per_protocol": participants whose flag says yes
# per_protocol_flag = "pp"       # the participant covariate holding the per-protocol flag
variable = "value"               # or "change": value at the primary timepoint minus baseline
summary = "difference_in_means"
# Intercurrent events of the --events file (participant_id,event,timepoint) and their strategy:
# "treatment_policy" (use the data as observed), "hypothetical" (data after the event are
# set aside and treated as missing), "while_on_treatment" (values after the event are the
# participant's last value at or before it) or "composite" (values after the event are an
# unfavourable value: `value = ...`, else the worst end of the outcome's scale, else the
# worst value observed).
# intercurrent_events = [{ event = "discontinued", strategy = "hypothetical" }]
intercurrent_events = []
# events = "events.csv"          # the events file; --events EVENTS.csv sets it

[missing]
method = "condmean"              # or "bayes": proper multiple imputation with Rubin's rules
# reference_arm = "forward"      # the arm J2R, CR and CIR refer to; default design.reference_arm
imputations = 100                # M, for method = "bayes"
burn_in = 20                     # data-augmentation steps per imputation (bayes)
tipping_arms = "first"           # shift the first arm of the primary contrast, or "both"
# delta = [0.0, 0.5, 1.0]        # tipping-point grid; default 0 to 2 MCIDs in 21 steps
delta = []
alpha = 0.05

# [harms]                        # adverse events (--harms or [data] harms)
# fall_terms = ["fall"]          # a term containing one of these (any case) is a fall

# [flow]                         # people never randomised, when there is no flow file
# assessed = 120
# excluded = { "not eligible" = 30, "declined" = 12 }

[resampling]
seed = 20240601
permutations = 10000
bootstrap = 2000

[run]
threads = 0                      # 0 = one per core; never changes results
quiet = false

[report]
out_dir = "reports/analysis"
png = false                      # also write plots/*.png (--png)
docx = false                     # also write report.docx for Word (--docx)

# [power]                        # retrotrial power --simulate --study study.toml
# arms = ["backward", "forward"] # the first minus the second is tested
# n_per_arm = 30
# timepoints = ["baseline", "week6"]
# effects = { backward = -2.0, forward = -1.0 }   # mean change to the last visit per arm
# sd = 1.0                       # SD of the outcome at every visit
# correlation = 0.5              # between any two visits of a participant
# dropout = []                   # per post-baseline visit, e.g. [0.05, 0.10]
# replicates = 1000
# seed = 1
# alpha = 0.05
# analyses = ["welch_t", "ancova"]   # and/or "mmrm"
"#;

impl Config {
    /// Reads a study file over the defaults.
    ///
    /// # Errors
    /// `Read` when the file cannot be read, `Parse` for bad TOML or an unknown key.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::from_toml(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// Parses TOML text over the defaults.
    ///
    /// # Errors
    /// toml's error (unknown keys included).
    pub fn from_toml(text: &str) -> Result<Config, toml::de::Error> {
        toml::from_str(text)
    }

    /// The configuration of a run: defaults < study file < command-line overrides, then
    /// [`Config::validate`] (hyperfine's `Options`, ripgrep's high-level arguments). Every
    /// command that reads a study file resolves it here, so clap holds no defaults of its own.
    ///
    /// # Errors
    /// The study file cannot be read or parsed, or the result does not validate.
    pub fn resolve(study: Option<&Path>, o: &Overrides) -> Result<Config, ConfigError> {
        let mut cfg = match study {
            Some(p) => {
                let mut c = Config::from_file(p)?;
                c.relative_to(p.parent().unwrap_or(Path::new("")));
                c
            }
            None => Config::default(),
        };
        if let Some(out) = &o.out_dir {
            cfg.report.out_dir = out.clone();
        }
        if let Some(only) = &o.analyses {
            cfg.analyses.run = only.clone();
        }
        if let Some(e) = &o.events {
            cfg.estimand.events = Some(e.clone());
        }
        if let Some(h) = &o.harms {
            cfg.data.harms = Some(h.clone());
        }
        if let Some(s) = o.seed {
            cfg.resampling.seed = s;
        }
        if let Some(b) = o.permutations {
            cfg.resampling.permutations = b;
        }
        if let Some(b) = o.bootstrap {
            cfg.resampling.bootstrap = b;
        }
        if let Some(t) = o.threads {
            cfg.run.threads = t;
        }
        cfg.run.quiet |= o.quiet;
        cfg.report.png |= o.png;
        cfg.report.docx |= o.docx;
        cfg.report.force |= o.force;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Makes the relative paths of a study file relative to its folder (`base`), so a study
    /// file and its side tables move together whatever the working directory.
    pub fn relative_to(&mut self, base: &Path) {
        for p in [
            &mut self.data.participants,
            &mut self.data.adsl,
            &mut self.data.harms,
            &mut self.data.flow,
            &mut self.estimand.events,
        ]
        .into_iter()
        .flatten()
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
    }

    /// Checks values that serde cannot.
    ///
    /// # Errors
    /// A named [`ConfigError`] variant that says what to change.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.resampling.permutations == 0 || self.resampling.bootstrap == 0 {
            return Err(ConfigError::NoReplicates);
        }
        if self.resampling.permutations > 10_000_000 || self.resampling.bootstrap > 10_000_000 {
            return Err(ConfigError::TooManyReplicates);
        }
        if self.run.threads > 1024 {
            return Err(ConfigError::TooManyThreads {
                threads: self.run.threads,
            });
        }
        if let Some(r) = &self.design.reference_arm
            && !self.design.arms.is_empty()
            && !self.design.arms.contains(r)
        {
            return Err(ConfigError::UndeclaredReferenceArm { arm: r.clone() });
        }
        if let Some(p) = &self.design.primary_timepoint
            && p == &self.design.baseline
        {
            return Err(ConfigError::PrimaryIsBaseline);
        }
        if let Err(message) = Pattern::parse(&self.data.wide.pattern) {
            return Err(ConfigError::WidePattern { message });
        }
        let cols = self.data.columns.all();
        if let Some(c) = cols.iter().find(|c| c.trim().is_empty()) {
            return Err(ConfigError::EmptyColumnName {
                name: c.to_string(),
            });
        }
        for (i, c) in cols.iter().enumerate() {
            if cols[..i].contains(c) {
                return Err(ConfigError::DuplicateColumnName {
                    name: c.to_string(),
                });
            }
        }
        for (key, table) in [
            ("arm_labels", &self.design.arm_labels),
            ("timepoint_labels", &self.design.timepoint_labels),
        ] {
            let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
            for (name, labels) in table {
                for l in std::iter::once(name).chain(labels) {
                    if let Some(other) = seen.insert(l, name)
                        && other != name
                    {
                        return Err(ConfigError::LabelTwice {
                            table: key,
                            label: l.to_string(),
                            first: other.to_string(),
                            second: name.to_string(),
                        });
                    }
                }
            }
        }
        for (name, o) in &self.outcomes {
            for (key, v) in [("min", o.min), ("max", o.max), ("mcid", o.mcid)] {
                if let Some(v) = v
                    && !v.is_finite()
                {
                    return Err(ConfigError::NotFinite {
                        outcome: name.clone(),
                        key,
                        value: v,
                    });
                }
            }
            for (key, v) in [
                ("equivalence_margin", o.equivalence_margin),
                ("non_inferiority_margin", o.non_inferiority_margin),
            ] {
                if let Some(v) = v
                    && !(v.is_finite() && v > 0.0)
                {
                    return Err(ConfigError::BadMargin {
                        outcome: name.clone(),
                        key,
                        value: v,
                    });
                }
            }
            if let (Some(lo), Some(hi)) = (o.min, o.max)
                && lo > hi
            {
                return Err(ConfigError::MinAboveMax {
                    outcome: name.clone(),
                    min: lo,
                    max: hi,
                });
            }
        }
        if let Some(a) = self
            .analyses
            .run
            .iter()
            .find(|a| Analysis::MMRM_PARTS.contains(a))
        {
            return Err(ConfigError::Invalid(format!(
                "analyses.run lists `{a}`: its records come with the `mmrm` analysis; list `mmrm` instead"
            )));
        }
        if let Some(a) = self
            .analyses
            .run
            .iter()
            .find(|a| !Analysis::ALL.contains(a))
        {
            return Err(ConfigError::StudyLevelAnalysis {
                analysis: a.to_string(),
            });
        }
        if self.analyses.run.is_empty() {
            return Err(ConfigError::NoAnalyses);
        }
        self.analyses
            .mmrm
            .validate()
            .map_err(ConfigError::Invalid)?;
        self.validate_missing()
    }

    /// The config as TOML text.
    ///
    /// # Errors
    /// Serialisation failure (not expected for this schema).
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }

    /// The config as provenance records it: without run-time-only options.
    pub fn provenance_value(&self) -> serde_json::Value {
        let mut c = self.clone();
        c.run = RunConfig::default();
        c.report = ReportConfig::default();
        serde_json::to_value(&c).unwrap_or(serde_json::Value::Null)
    }

    /// Whether an analysis is selected.
    pub fn runs(&self, a: Analysis) -> bool {
        self.analyses.run.contains(&a)
    }
}

/// What retrotrial knows about an outcome without a study file: labels, units, scales and
/// directions of the four modelled outcomes (spec §8); other outcomes get their name as label
/// and "lower is better", which `init` marks for review.
pub fn known_outcome(name: &str) -> Option<OutcomeConfig> {
    let mk = |label: &str, unit: &str, min: f64, max: Option<f64>, better| OutcomeConfig {
        label: Some(label.to_string()),
        unit: Some(unit.to_string()),
        min: Some(min),
        max,
        better,
        mcid: None,
        mcid_kind: McidKind::Absolute,
        equivalence_margin: None,
        non_inferiority_margin: None,
    };
    match name {
        "pain_nrs" => Some(mk(
            "Pain (NRS 0-10)",
            "points",
            0.0,
            Some(10.0),
            Better::Lower,
        )),
        "womac_total" => Some(mk(
            "WOMAC total (0-96)",
            "points",
            0.0,
            Some(96.0),
            Better::Lower,
        )),
        "tug_seconds" => Some(mk("Timed up-and-go", "s", 0.0, None, Better::Lower)),
        "quad_strength_kg" => Some(mk("Quadriceps strength", "kg", 0.0, None, Better::Higher)),
        _ => None,
    }
}

impl Config {
    /// The effective settings of an outcome: the study file's, else the known defaults (labels
    /// and direction only; a scale is enforced only when the study file declares it).
    pub fn outcome(&self, name: &str) -> OutcomeConfig {
        if let Some(o) = self.outcomes.get(name) {
            return o.clone();
        }
        known_outcome(name)
            .map(|k| OutcomeConfig {
                min: None,
                max: None,
                ..k
            })
            .unwrap_or_default()
    }
}

/// A parsed `[data.wide] pattern`: prefix, the two placeholders in order with the separator
/// between them, suffix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    prefix: String,
    outcome_first: bool,
    separator: String,
    suffix: String,
}

impl Pattern {
    /// Parses a pattern; `Ok(None)` for the empty pattern (turned off).
    ///
    /// # Errors
    /// A message when a placeholder is missing or repeated or the separator is empty.
    pub fn parse(p: &str) -> Result<Option<Pattern>, String> {
        if p.is_empty() {
            return Ok(None);
        }
        let (o, t) = ("{outcome}", "{timepoint}");
        if p.matches(o).count() != 1 || p.matches(t).count() != 1 {
            return Err(format!(
                "data.wide.pattern `{p}` must contain {o} and {t} once each"
            ));
        }
        let (io, it) = (p.find(o).unwrap_or(0), p.find(t).unwrap_or(0));
        let outcome_first = io < it;
        let (first, first_len, second) = if outcome_first {
            (io, o.len(), it)
        } else {
            (it, t.len(), io)
        };
        let separator = &p[first + first_len..second];
        if separator.is_empty() {
            return Err(format!(
                "data.wide.pattern `{p}` needs a separator between {o} and {t}, e.g. `{o}_{t}`"
            ));
        }
        let second_len = if outcome_first { t.len() } else { o.len() };
        Ok(Some(Pattern {
            prefix: p[..first].to_string(),
            outcome_first,
            separator: separator.to_string(),
            suffix: p[second + second_len..].to_string(),
        }))
    }

    /// (outcome, timepoint) of a column name. The timepoint takes the shortest part next to the
    /// separator, so an outcome name may contain the separator (`pain_nrs_week6`).
    pub fn split<'a>(&self, col: &'a str) -> Option<(&'a str, &'a str)> {
        let inner = col
            .strip_prefix(self.prefix.as_str())?
            .strip_suffix(self.suffix.as_str())?;
        let (a, b) = if self.outcome_first {
            let i = inner.rfind(self.separator.as_str())?;
            (&inner[..i], &inner[i + self.separator.len()..])
        } else {
            let i = inner.find(self.separator.as_str())?;
            (&inner[..i], &inner[i + self.separator.len()..])
        };
        if a.is_empty() || b.is_empty() {
            return None;
        }
        Some(if self.outcome_first { (a, b) } else { (b, a) })
    }
}

// ---------------------------------------------------------------------------------------------
// [estimand], [missing] and [analyses] primary (issue 17). One block, so that a move of this file
// carries it whole.
// ---------------------------------------------------------------------------------------------

/// The pre-specified primary analysis (`[analyses] primary`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PrimaryAnalysis {
    /// MMRM over all post-baseline visits, baseline covariate, unstructured covariance (MAR).
    #[default]
    Mmrm,
    /// ANCOVA of the primary timepoint on arm and baseline, complete cases.
    Ancova,
    /// Welch t test of complete-case change scores.
    WelchChange,
}

/// The analysis population (`[estimand] population`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Population {
    /// Every randomised participant (with a baseline value, which the models need).
    #[default]
    AllRandomised,
    /// The participants whose per-protocol flag (`[estimand] per_protocol_flag`, a participant
    /// covariate) says yes; the others are left out of every analysis.
    PerProtocol,
}

/// The variable (`[estimand] variable`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Variable {
    /// The value at the primary timepoint.
    #[default]
    Value,
    /// The change from baseline to the primary timepoint (the baseline-adjusted difference is
    /// the same number).
    Change,
}

/// The population-level summary (`[estimand] summary`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Summary {
    /// Difference in means between the arms.
    #[default]
    DifferenceInMeans,
}

/// How an intercurrent event is handled (ICH E9(R1) strategies retrotrial implements).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The data are used as observed, whatever happened.
    TreatmentPolicy,
    /// Data after the event are set aside and treated as missing (what would have happened
    /// had the event not occurred).
    Hypothetical,
    /// The outcome is the response before the event: values after the event are replaced by the
    /// participant's last value at or before the event's timepoint.
    WhileOnTreatment,
    /// The event is part of the outcome: values after the event are replaced by an
    /// unfavourable value (the event's `value`, else the worst end of the outcome's declared
    /// scale, else the worst value observed in the trial for that outcome).
    Composite,
}

/// One intercurrent event and its strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntercurrentEvent {
    /// The event's name in the events file.
    pub event: String,
    /// How it is handled.
    pub strategy: Strategy,
    /// `composite` only: the value given after the event (in the outcome's units; the same for
    /// every outcome, so set it only when one outcome is analysed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
}

/// `[estimand]`: population, variable, intercurrent events and summary (ICH E9(R1)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct EstimandConfig {
    /// The population.
    pub population: Population,
    /// `population = "per_protocol"`: the participant covariate that flags the per-protocol
    /// set (`1`/`0`, `yes`/`no`, `y`/`n`, `true`/`false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_protocol_flag: Option<String>,
    /// The variable.
    pub variable: Variable,
    /// The population-level summary.
    pub summary: Summary,
    /// Intercurrent events and their strategies.
    pub intercurrent_events: Vec<IntercurrentEvent>,
    /// The events file (`participant_id,event,timepoint`); `--events` sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<PathBuf>,
}

/// The imputation method (`[missing] method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ImputationMethod {
    /// Conditional mean imputation, jackknife SE (deterministic).
    #[default]
    Condmean,
    /// Bayesian multiple imputation, Rubin's rules.
    Bayes,
}

/// Which arms the tipping-point shift moves (`[missing] tipping_arms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TippingArms {
    /// The first arm of the primary contrast (backward).
    #[default]
    First,
    /// Both arms, in opposite directions.
    Both,
}

/// `[missing]`: the missing-data sensitivity analyses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MissingConfig {
    /// Conditional mean or Bayesian MI.
    pub method: ImputationMethod,
    /// The reference arm of J2R, CR and CIR; default `design.reference_arm`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_arm: Option<String>,
    /// Imputations M (bayes).
    pub imputations: usize,
    /// Data-augmentation steps per imputation (bayes).
    pub burn_in: usize,
    /// Arms the tipping-point shift moves.
    pub tipping_arms: TippingArms,
    /// Tipping-point grid; empty means 0 to 2 MCIDs in 21 steps.
    pub delta: Vec<f64>,
    /// Level of the tipping point's conclusion.
    pub alpha: f64,
}

impl Default for MissingConfig {
    fn default() -> Self {
        Self {
            method: ImputationMethod::Condmean,
            reference_arm: None,
            imputations: crate::stats::imputation::bayes::DEFAULT_M,
            burn_in: crate::stats::imputation::bayes::DEFAULT_BURN_IN,
            tipping_arms: TippingArms::First,
            delta: Vec::new(),
            alpha: 0.05,
        }
    }
}

impl Config {
    /// Checks `[missing]` and `[estimand]`.
    fn validate_missing(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        let m = &self.missing;
        if !(2..=10_000).contains(&m.imputations) {
            return bad(format!(
                "missing.imputations = {} must be between 2 and 10000",
                m.imputations
            ));
        }
        if m.burn_in > 10_000 {
            return bad(format!(
                "missing.burn_in = {} must be at most 10000",
                m.burn_in
            ));
        }
        if !(m.alpha > 0.0 && m.alpha < 1.0) {
            return bad(format!(
                "missing.alpha = {} must lie between 0 and 1",
                m.alpha
            ));
        }
        if let Some(d) = m.delta.iter().find(|d| !d.is_finite()) {
            return bad(format!(
                "missing.delta holds {d}; every shift must be a finite number"
            ));
        }
        if m.delta.len() > 1000 {
            return bad("missing.delta holds more than 1000 shifts".into());
        }
        if let Some(r) = &m.reference_arm
            && !self.design.arms.is_empty()
            && !self.design.arms.contains(r)
        {
            return bad(format!(
                "missing.reference_arm `{r}` is not among design.arms"
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for e in &self.estimand.intercurrent_events {
            if e.event.trim().is_empty() {
                return bad("estimand.intercurrent_events: an event name is empty".into());
            }
            if !seen.insert(e.event.as_str()) {
                return bad(format!(
                    "estimand.intercurrent_events: `{}` is listed twice; give each event one strategy",
                    e.event
                ));
            }
            match (e.strategy, e.value) {
                (Strategy::Composite, Some(v)) if !v.is_finite() => {
                    return bad(format!(
                        "estimand.intercurrent_events: event `{}` has value {v}; give a finite number",
                        e.event
                    ));
                }
                (Strategy::Composite, _) | (_, None) => {}
                (_, Some(_)) => {
                    return bad(format!(
                        "estimand.intercurrent_events: event `{}` has a value, which only the composite strategy uses; remove it or use strategy = \"composite\"",
                        e.event
                    ));
                }
            }
        }
        let est = &self.estimand;
        match (est.population, &est.per_protocol_flag) {
            (Population::PerProtocol, None) => {
                return bad(
                    "estimand.population = \"per_protocol\" needs estimand.per_protocol_flag, the participant covariate that flags the per-protocol set (e.g. per_protocol_flag = \"pp\")"
                        .into(),
                );
            }
            (_, Some(f)) if f.trim().is_empty() => {
                return bad(
                    "estimand.per_protocol_flag is empty; name a participant covariate".into(),
                );
            }
            _ => {}
        }
        for c in &self.analyses.covariates {
            if c.trim().is_empty() {
                return bad("analyses.covariates holds an empty name".into());
            }
            if self.analyses.covariates.iter().filter(|x| *x == c).count() > 1 {
                return bad(format!("analyses.covariates lists `{c}` twice"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_toml_is_the_default_config() {
        let parsed = Config::from_toml(DEFAULT_TOML).unwrap();
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn default_config_round_trips_through_toml() {
        let text = Config::default().to_toml().unwrap();
        assert_eq!(Config::from_toml(&text).unwrap(), Config::default());
    }

    #[test]
    fn unknown_keys_are_errors_that_name_the_key() {
        let err = Config::from_toml("[design]\nreferense_arm = \"forward\"\n").unwrap_err();
        assert!(err.to_string().contains("referense_arm"), "{err}");
        let err = Config::from_toml("[analyses]\nrun = [\"welch\"]\n").unwrap_err();
        assert!(err.to_string().contains("welch"), "{err}");
    }

    #[test]
    fn validate_rejects_contradictions() {
        let mut c = Config::default();
        c.outcomes.insert(
            "pain".into(),
            OutcomeConfig {
                min: Some(10.0),
                max: Some(0.0),
                ..Default::default()
            },
        );
        assert!(c.validate().is_err());
        let mut c = Config::default();
        c.resampling.permutations = 0;
        assert!(c.validate().is_err());
    }

    #[test]
    fn patterns_split_at_the_separator_next_to_the_timepoint() {
        let p = Pattern::parse("{outcome}_{timepoint}").unwrap().unwrap();
        assert_eq!(p.split("pain_nrs_week6"), Some(("pain_nrs", "week6")));
        assert_eq!(p.split("pain"), None);
        let p = Pattern::parse("{timepoint}.{outcome}").unwrap().unwrap();
        assert_eq!(p.split("wk6.pain.nrs"), Some(("pain.nrs", "wk6")));
        let p = Pattern::parse("v_{outcome}__{timepoint}_x")
            .unwrap()
            .unwrap();
        assert_eq!(p.split("v_tug__bl_x"), Some(("tug", "bl")));
        assert_eq!(Pattern::parse("").unwrap(), None);
        assert!(Pattern::parse("{outcome}{timepoint}").is_err());
        assert!(Pattern::parse("{outcome}_x").is_err());
    }
}
