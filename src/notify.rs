//! When a run's end is told to people (`notify`), and what the
//! notification's placeholders stand for.

/// The placeholders a notification fills in from the run it reports,
/// besides the built-ins and the variables: they are never read from the
/// environment.
pub const PLACEHOLDERS: &[&str] = &[
    "OUTCOME",
    "ERROR",
    "STATUS",
    "ATTEMPTS",
    "DURATION_MS",
    "SCHEDULED_AT",
    "RUN_ID",
];
