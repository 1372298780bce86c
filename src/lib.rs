//! retrotrial: backward-walking trial analysis with R-exact statistics.
//!
//! ```text
//! cli ──► app (one file per command) ──► Config::resolve (defaults < study.toml < flags)
//!
//! DATA.csv ──ingest (quote-aware scanner; polars only for Parquet)──► RawData
//!     │                                                     validate ──► diagnostics::Issues
//!     │                                  (errors: validation.json + .md, exit 1)
//!     └─► Dataset (spec order, change scores rounded to 9 dp)
//!            │ plan::build: one function per analysis family → Tasks with samples and seeds
//!            ▼
//!         run::execute (rayon; stats::* pure functions; run::records → Records) ──► ResultSet
//!            │
//!            ▼
//!         plot (figures as SVG/PNG bytes) ──► report (one Markup walk: Markdown, HTML;
//!         JSON, CSV) ──► output::OutDir (atomic writes, stale files of earlier runs removed)
//! ```
//!
//! Study-level commands (`meta`, `reproduce`, `check`) read summaries through `ingest` and
//! compute in `summary`; they share `results`, `plot`, `report` and `output`. Arrows point down:
//! `results` and `diagnostics` import nothing with logic, `stats` imports none of the other
//! modules, and no two top-level modules import each other.
//!
//! Start reading at [`app::analyze`]. The numbers are defined by the spec
//! (`../shared/spec/records.md`) and checked against R in `tests/golden/`. The JSON format is
//! documented on [`results::Record`] and [`results::ResultSet`].

pub mod app;
pub mod cli;
pub mod config;
pub mod convert;
pub mod diagnostics;
pub mod error;
pub mod ingest;
pub mod init;
pub mod missing;
pub mod output;
pub mod plan;
pub mod plot;
pub mod report;
pub mod results;
pub mod run;
pub mod server;
pub mod simulate;
pub mod stats;
pub mod summary;
pub mod validate;
