//! retrotrial: backward-walking trial analysis with R-exact statistics.
//!
//! ```text
//! DATA.csv ──ingest (polars)──► RawData ──validate──► Issues ──(errors: validation.json, exit 1)
//!                                  │
//!                                  └─► Dataset (spec order, change scores rounded to 9 dp)
//!                                         │ plan::build: tasks with their samples and seeds
//!                                         ▼
//!                                run::execute (rayon; stats::* pure functions) ──► ResultSet
//!                                         │
//!                                         ▼
//!                     report::write_all: records.json, results.json, results.csv, report.md
//! ```
//!
//! Start reading at [`app::analyze`]. The numbers are defined by the spec
//! (`../shared/spec/records.md`) and checked against R in `tests/golden/`. The JSON format is
//! documented on [`results::Record`] and [`results::ResultSet`].

pub mod app;
pub mod cli;
pub mod config;
pub mod convert;
pub mod error;
pub mod ingest;
pub mod init;
pub mod missing;
pub mod plan;
pub mod plot;
pub mod report;
pub mod results;
pub mod run;
pub mod simulate;
pub mod stats;
pub mod summary;
pub mod validate;
