//! After a run is recorded: the metrics file written again, from the
//! history, with every job's figures (`report::metrics_file`). A file that
//! cannot be written never changes the run's exit code; it is said once
//! on stderr per invocation, however many runs it holds (`run --due`,
//! `catch-up`).

use std::cell::Cell;
use std::path::PathBuf;

use crate::context::Context;
use crate::report::metrics_file;
use crate::run::Setup;
use crate::run::log::Verbosity;
use crate::wording::{code, escape_controls};

/// The metrics file an invocation writes after each run.
#[derive(Debug)]
pub(crate) struct Metrics {
    path: PathBuf,
    /// Whether a failure to write it was said already.
    reported: Cell<bool>,
}

impl Metrics {
    pub(crate) fn new(path: PathBuf) -> Metrics {
        Metrics {
            path,
            reported: Cell::new(false),
        }
    }
}

/// Write the metrics file, if there is one, after a run was recorded.
pub(crate) fn write(ctx: &mut Context, setup: &Setup, verbosity: Verbosity) {
    let Some(metrics) = &setup.metrics else {
        return;
    };
    let Ok(jobs) = setup.file.jobs() else {
        return;
    };
    let now = ctx.clock.wall();
    let result = metrics_file::refresh(jobs, setup.state, ctx.env, &metrics.path, now, ctx.random);
    if let Err(problem) = result
        && verbosity > Verbosity::Quiet
        && !metrics.reported.replace(true)
    {
        let line = format!(
            "jobrun: the metrics file {} was not written: {problem}; {}",
            code(&metrics.path.display().to_string()),
            problem.help()
        );
        let _ = writeln!(ctx.stderr, "{}", escape_controls(&line));
    }
}
