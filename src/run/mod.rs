//! One run of a job.

pub mod ledger;
pub mod log;
pub mod signal;
