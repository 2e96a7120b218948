//! One run of a job.

pub mod due_runs;
pub mod identity;
pub mod ledger;
pub mod log;
pub mod signal;
