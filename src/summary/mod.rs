//! Study-level analyses shared by `meta` (and, later, `reproduce` and `check`): summaries in,
//! records out. No IO and no polars here; everything runs sequentially on tens of studies.

pub mod evidence;
pub mod grim;
pub mod integrity;
pub mod meta;
pub mod pcheck;
pub mod reproduce;
pub mod study_power;
pub mod textcheck;
