//! After a run is recorded: the metrics file written again, from the
//! history, with every job's figures (`report::metrics_file`). A file that
//! cannot be written never changes the run's exit code; it is said once
//! per invocation, in the run's log, however many runs it holds (`run
//! --due`, `catch-up`).

use std::cell::Cell;
use std::path::PathBuf;

use crate::context::Context;
use crate::report::metrics_file;
use crate::run::plan::Plan;
use crate::run::sinks::Sinks;
use crate::run::{Options, Setup};
use crate::wording::code;

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

/// Write the metrics file, if there is one, after `plan`'s run was
/// recorded.
pub(crate) fn write(
    ctx: &mut Context,
    setup: &Setup,
    plan: &Plan,
    sinks: &Sinks,
    options: &Options,
) {
    let Some(metrics) = &setup.metrics else {
        return;
    };
    let Ok(jobs) = setup.file.jobs() else {
        return;
    };
    let now = ctx.clock.wall();
    let result = metrics_file::refresh(jobs, setup.state, ctx.env, &metrics.path, now, ctx.random);
    if let Err(problem) = result
        && !metrics.reported.replace(true)
    {
        let text = format!(
            "jobrun: the metrics file {} was not written: {problem}; {}",
            code(&metrics.path.display().to_string()),
            problem.help()
        );
        plan.log(ctx.stderr, sinks, options.verbosity, options.log_format)
            .warning("metrics_not_written", text, now);
    }
}
