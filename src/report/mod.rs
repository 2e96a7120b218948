//! The history shown: what a job's runs say (`summary`), the jobs' figures
//! for Prometheus (`prometheus`, gathered by `metrics` and written whole
//! by `metrics_file`), and the pictures a person reads in a terminal:
//! `status`'s timeline of recent runs (`timeline`) and the chart of one
//! job's run times (`chart`), drawn in the characters and colours the
//! terminal allows (`style`).
//!
//! It reads the history and the checked jobs; it never writes the
//! history, and it prints nothing itself: the metrics file is the only
//! file it writes, and the commands print what it renders.

pub(crate) mod chart;
pub(crate) mod layout;
pub(crate) mod metrics;
pub(crate) mod metrics_file;
pub(crate) mod prometheus;
pub(crate) mod style;
pub(crate) mod summary;
pub(crate) mod timeline;
pub(crate) mod units;
