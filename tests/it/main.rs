//! The one integration-test binary (polars makes each test binary slow to link).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod app;
mod claims;
mod cli;
mod common;
mod corpus;
mod determinism;
mod formats;
mod fuzz;
mod golden;
mod golden_covariates;
mod golden_mmrm;
mod imputation;
mod labelled;
mod power;
mod reports;
mod textcheck;
