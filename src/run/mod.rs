//! One run of a job, as a pipeline of stages, each handing a typed value
//! to the next:
//!
//! | stage      | hands on                 | what it does                                   |
//! |------------|--------------------------|------------------------------------------------|
//! | `plan`     | [`plan::Plan`]           | variables read, the request filled in, checked |
//! | `admit`    | [`admit::Admitted`]      | the job's lock, `dependsOn`, the `running` row |
//! | `exchange` | [`exchange::Ended`]      | the attempts, reported as they happen          |
//! | `settle`   | [`settle::Settled`]      | the row finished; who is to be told            |
//! | `tell`     | the exit code            | the notification and the healthcheck pings     |
//!
//! Before `admit`, a run can still be refused (a wrong variable, an
//! unwritable `--output`) without leaving a trace; from `admit` on, it is
//! in the history, and once it is recorded (a busy or skipped run too),
//! the metrics file, if any, is written again ([`metrics`]). The room takes the world from a [`Context`] and plain
//! [`Options`]: it never reads the process's environment, clock or
//! streams itself, and never sees the command line.

pub(crate) mod admit;
pub(crate) mod due_runs;
pub(crate) mod exchange;
pub(crate) mod identity;
pub(crate) mod inbox;
pub(crate) mod log;
pub(crate) mod metrics;
pub(crate) mod plan;
pub(crate) mod preview;
pub(crate) mod settle;
pub(crate) mod signal;
pub(crate) mod sinks;
pub(crate) mod tell;

use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::context::Context;
use crate::error::{Error, Exit};
use crate::job::Job;
use crate::jobfile::JobFile;
use crate::run::admit::Admission;
use crate::run::exchange::Ended;
use crate::run::inbox::Inbox;
use crate::run::log::{LogFormat, LogWriter, Verbosity};
pub(crate) use crate::run::metrics::Metrics;
use crate::run::sinks::Sinks;
use crate::run::tell::SideRequests;
use crate::state::location::Location;
use crate::state::record::Trigger;
use crate::vars::mask::Secrets;
use crate::wording::escape_controls;

/// How to run, as the command line asked.
#[derive(Debug, Clone)]
pub(crate) struct Options<'a> {
    /// Run a disabled job all the same.
    pub(crate) force: bool,
    /// Show the request instead of sending it.
    pub(crate) preview: Option<Preview>,
    /// Write the final response body to stdout.
    pub(crate) print_body: bool,
    /// Write the final response body to this file.
    pub(crate) output: Option<&'a Path>,
    pub(crate) log_file: Option<&'a Path>,
    pub(crate) log_format: LogFormat,
    pub(crate) verbosity: Verbosity,
}

/// What a preview shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Preview {
    /// The request as it would be sent, secrets masked (`--dry-run`).
    Request,
    /// An equivalent curl command (`--as-curl`).
    Curl,
}

/// What started the run, and the instant it was scheduled for when that
/// is known (`--due`, `catch-up`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Start {
    pub(crate) trigger: Trigger,
    pub(crate) scheduled: Option<Timestamp>,
}

/// What every run of an invocation shares.
pub(crate) struct Setup<'a> {
    pub(crate) file: &'a JobFile,
    pub(crate) env_file: EnvFile,
    /// Where the state lives.
    pub(crate) state: &'a Location,
    /// Where to write the metrics after each run, if anywhere.
    pub(crate) metrics: Option<Metrics>,
}

/// The `.env` file, and whether it was named (a named one must exist).
#[derive(Debug, Clone)]
pub(crate) struct EnvFile {
    pub(crate) path: PathBuf,
    pub(crate) explicit: bool,
}

/// Run `job` once.
pub(crate) fn run(
    ctx: &mut Context,
    setup: &Setup,
    job: &Job,
    start: Start,
    options: &Options,
) -> Result<Exit, Error> {
    if !job.enabled && !options.force && options.preview.is_none() {
        return disabled(ctx, setup.file, job, options);
    }
    let mut plan = plan::plan(ctx, setup, job, start)?;
    if let Some(preview) = options.preview {
        if options.verbosity > Verbosity::Quiet {
            for line in &plan.unusable_notices {
                writeln!(ctx.stderr, "{}", escape_controls(line)).map_err(Error::Output)?;
            }
        }
        if !job.enabled && !options.force && options.verbosity > Verbosity::Quiet {
            // On stderr: what stdout shows stays the request alone.
            writeln!(
                ctx.stderr,
                "jobrun: note: job `{}` is disabled (`enabled: false` in {}:{}): it runs only with `--force`",
                job.name,
                escape_controls(&setup.file.path.display().to_string()),
                job.span.line
            )
            .map_err(Error::Output)?;
        }
        return preview::show(ctx, &plan, preview, options.verbosity);
    }
    let client = exchange::client(ctx, &mut plan)?;
    let mut sinks = Sinks::open(options.log_file, options.output)?;
    let now = ctx.clock.wall();
    let mut log = plan.log(ctx.stderr, &sinks, options.verbosity, options.log_format);
    for line in &plan.unusable_notices {
        log.warning("unset_variable", line.clone(), now);
    }

    // Signals are blocked in every thread from here on: before `admit`,
    // whose state database may start threads of its own (the lock's
    // lease), which would otherwise take a signal's default action.
    let inbox = Inbox::open(ctx);
    let admitted = match admit::admit(ctx, &plan, setup.state, &sinks, options)? {
        Admission::Admitted(admitted) => admitted,
        Admission::Stopped(stopped) => {
            tell::stopped(ctx, &plan, &sinks, options, &stopped);
            metrics::write(ctx, setup, &plan, &sinks, options);
            return Ok(stopped.exit);
        }
    };
    let side = SideRequests::of(ctx);
    let started = tell::start_ping(&side, &plan, admitted.run_id());
    let result = match &plan.expired {
        // An expired token is not sent: the run fails at once, recorded
        // and told like any failure, and exits 3 (the environment's).
        Some(expired) => {
            let ended = Ended::token_expired(expired, &plan);
            let now = ctx.clock.wall();
            plan.log(ctx.stderr, &sinks, options.verbosity, options.log_format)
                .not_sent(
                    ended.error_class.unwrap_or_default(),
                    ended.error.as_deref().unwrap_or_default(),
                    &format!(
                        "get a new token and set it where `{}` comes from",
                        expired.variable
                    ),
                    now,
                );
            Ok(ended)
        }
        None => exchange::exchange(ctx, &plan, client, &mut sinks, options, &inbox),
    };
    let ended = match &result {
        Ok(ended) => ended.clone(),
        Err(error) => Ended::unwritten(error, &plan),
    };
    let settled = settle::settle(ctx, admitted, &ended);
    let signal = tell::tell(ctx, &plan, &sinks, options, settled, &side, started, &inbox);
    metrics::write(ctx, setup, &plan, &sinks, options);
    let exit = match signal {
        Some(signal) => Ok(signal.exit()),
        None => result.map(|ended| ended.exit),
    };
    // A run that did what it should, but whose log was lost, says so in
    // its exit code: a job that failed or was stopped says that first.
    match exit {
        Ok(Exit::Success) if sinks.log.as_ref().is_some_and(|log| log.lost()) => Ok(Exit::LogLost),
        other => other,
    }
}

/// A disabled job does not run from its schedule: it says so, where its
/// runs' lines go, and exits 0.
fn disabled(
    ctx: &mut Context,
    file: &JobFile,
    job: &Job,
    options: &Options,
) -> Result<Exit, Error> {
    let sinks = Sinks::open(options.log_file, None)?;
    let reason = format!(
        "`enabled: false` in {}:{}",
        file.path.display(),
        job.span.line
    );
    let text = format!(
        "jobrun: job `{}` is disabled ({reason}), so it did not run; remove it from the schedule, or use `--force` to run it anyway",
        job.name,
    );
    let now = ctx.clock.wall();
    LogWriter {
        job: &job.name,
        // Nothing is read yet that could be a secret.
        secrets: &Secrets::default(),
        verbosity: options.verbosity,
        format: options.log_format,
        stderr: ctx.stderr,
        file: sinks.log.as_ref(),
    }
    .disabled(&reason, text, now);
    Ok(Exit::Success)
}
