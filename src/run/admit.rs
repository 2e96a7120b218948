//! The second stage of a run: whether it goes ahead. It takes the job's
//! lock (`concurrency`), decides `dependsOn` from the history, and records
//! the run's start; a run that does not go ahead (busy, skipped) is
//! recorded as such and stops here.
//!
//! The request matters more than its record: when the history cannot be
//! written, the run goes ahead and says once, in its log, that it is not
//! recorded. What cannot go ahead without the state directory is what
//! needs it to decide: the lock, and `dependsOn`. Those fail closed, with
//! exit 3 and a message naming the file and what to do.

use std::time::Instant;

use jiff::Timestamp;

use crate::context::Context;
use crate::error::{Error, Exit};
use crate::job::{Concurrency, Dependency, Job};
use crate::run::Options;
use crate::run::identity;
use crate::run::log::{RunLog, Verbosity};
use crate::run::plan::Plan;
use crate::run::sinks::Sinks;
use crate::state::alerts::{AlertPolicy, Claim};
use crate::state::dependency::{self, Decision};
use crate::state::dir::StateDir;
use crate::state::error::StoreError;
use crate::state::liveness;
use crate::state::lock::{self, RunLock};
use crate::state::record::{Outcome, Record};
use crate::state::{self, History};
use crate::wording::code;

/// Whether the run goes ahead.
pub(crate) enum Admission {
    Admitted(Box<Admitted>),
    /// It does not: skipped by `dependsOn` or busy, already recorded.
    Stopped(Stopped),
}

/// A run that did not go ahead.
pub(crate) struct Stopped {
    pub(crate) exit: Exit,
    pub(crate) outcome: Outcome,
    /// The id its row was recorded under.
    pub(crate) run_id: String,
}

/// A run that goes ahead: it holds its lock, and its row says `running`.
pub(crate) struct Admitted {
    /// `None` when the run is not recorded (said once in its log).
    pub(super) history: Option<Box<dyn History>>,
    pub(super) record: Record,
    pub(super) began: Instant,
    /// The job's `historyLimit`.
    pub(super) keep: u32,
    pub(super) policy: AlertPolicy,
    /// The cooldown a failure notice of this run took, if it did.
    pub(super) claim: Option<Claim>,
    _lock: Option<RunLock>,
}

impl Admitted {
    /// This run's id.
    pub(crate) fn run_id(&self) -> &str {
        &self.record.run_id
    }
}

/// Take the lock, decide `dependsOn`, and record the run's start.
pub(crate) fn admit(
    ctx: &mut Context,
    plan: &Plan,
    state_dir: Option<&StateDir>,
    sinks: &Sinks,
    options: &Options,
) -> Result<Admission, Error> {
    let job = plan.job;
    let began = ctx.clock.now();
    let now = ctx.clock.wall();
    let mut run = Record::start(
        identity::run_id(ctx.random),
        &job.name,
        plan.start.trigger,
        plan.start.scheduled,
        now,
    );
    let mut history = match state_dir {
        Some(dir) => state::open(dir),
        None => Err(StoreError::NoDirectory),
    };
    let (lock, alone) = match take_lock(job, &run.run_id, state_dir, &history)? {
        Locked::Held(lock, alone, unlocked) => {
            if let Some(problem) = unlocked {
                let text = format!(
                    "jobrun: job `{}`: runs without its lock: {problem}; {}",
                    job.name,
                    problem.help()
                );
                let (mut log, now) = run_log(ctx, plan, sinks, options);
                log.warning("no_lock", text, now);
            }
            (lock, alone)
        }
        Locked::Busy(path) => {
            let row = run.not_run(
                Outcome::Busy,
                "another run of the job holds its lock".into(),
            );
            let recorded = match &mut history {
                Ok(history) => history.add(&row, job.history_limit, false),
                Err(problem) => Err(problem.clone()),
            };
            let text = format!(
                "jobrun: job `{}` did not run: another run of it is still going (`concurrency: forbid`; lock {})",
                job.name,
                code(&path.display().to_string())
            );
            let (mut log, now) = run_log(ctx, plan, sinks, options);
            log.not_run(
                "busy",
                row.reason.as_deref().unwrap_or_default(),
                text,
                Verbosity::Normal,
                now,
            );
            if let Err(problem) = recorded {
                not_recorded(&mut log, &problem, now);
            }
            return Ok(Admission::Stopped(Stopped {
                exit: Exit::Busy,
                outcome: Outcome::Busy,
                run_id: row.run_id,
            }));
        }
    };
    // Only a run that holds the job's lock with no other run of the job
    // going may take rows its job's earlier runs left `running` for dead.
    let exclusive = alone;

    if let Some(dependency) = &job.depends_on {
        let needed = |problem| Error::StateNeeded {
            job: job.name.clone(),
            needs: "`dependsOn` needs the run history to decide",
            problem,
        };
        let history = history
            .as_mut()
            .map_err(|problem| needed(problem.clone()))?;
        let decision = depends_on(&**history, dependency, state_dir, now).map_err(needed)?;
        match decision {
            Decision::Skip(reason) => {
                let text = format!("jobrun: job `{}` skipped: {reason}", job.name);
                let (mut log, at) = run_log(ctx, plan, sinks, options);
                log.not_run("skipped", &reason, text, Verbosity::Attempts, at);
                let row = run.not_run(Outcome::Skipped, reason);
                if let Err(problem) = history.add(&row, job.history_limit, exclusive) {
                    not_recorded(&mut log, &problem, at);
                }
                return Ok(Admission::Stopped(Stopped {
                    exit: Exit::Success,
                    outcome: Outcome::Skipped,
                    run_id: row.run_id,
                }));
            }
            Decision::Run(reason) => {
                let (mut log, at) = run_log(ctx, plan, sinks, options);
                log.depends_on_runs(&reason, at);
                run.reason = Some(reason);
            }
        }
    }

    let recorded = history.and_then(|mut history| {
        history.add(&run, job.history_limit, exclusive)?;
        Ok(history)
    });
    let history = match recorded {
        Ok(history) => Some(history),
        Err(problem) => {
            let (mut log, now) = run_log(ctx, plan, sinks, options);
            not_recorded(&mut log, &problem, now);
            None
        }
    };
    Ok(Admission::Admitted(Box::new(Admitted {
        history,
        record: run,
        began,
        keep: job.history_limit,
        policy: AlertPolicy::of(&job.notify),
        claim: None,
        _lock: lock,
    })))
}

/// What became of the job's lock.
enum Locked {
    /// Held (or not needed), and whether no other run of the job is going;
    /// with why it could not be had, when the run goes on without it.
    Held(Option<RunLock>, bool, Option<StoreError>),
    /// Another run holds it, at this path.
    Busy(std::path::PathBuf),
}

/// Take the job's lock: exclusive under `concurrency: forbid`, which
/// cannot run without it; shared under `allow`, only so that `dependsOn`
/// can tell a live run from a dead one. A state directory that cannot be
/// trusted is not touched.
fn take_lock(
    job: &Job,
    run_id: &str,
    state_dir: Option<&StateDir>,
    history: &Result<Box<dyn History>, StoreError>,
) -> Result<Locked, Error> {
    let refused = matches!(
        history,
        Err(StoreError::Directory { .. } | StoreError::Unsafe { .. })
    );
    match job.concurrency {
        Concurrency::Allow => {
            // What is wrong with the directory is said with the history.
            let Some(dir) = state_dir.filter(|_| !refused) else {
                return Ok(Locked::Held(None, false, None));
            };
            match lock::share(&dir.path, &job.name, run_id) {
                Ok(Some((lock, free))) => Ok(Locked::Held(Some(lock), free, None)),
                Ok(None) => Ok(Locked::Held(None, false, None)),
                Err(problem) => Ok(Locked::Held(None, false, Some(problem))),
            }
        }
        Concurrency::Forbid => {
            let needed = |problem| Error::StateNeeded {
                job: job.name.clone(),
                needs: "`concurrency: forbid` needs its lock in the state directory",
                problem,
            };
            let dir = state_dir.ok_or_else(|| needed(StoreError::NoDirectory))?;
            // The lock's own failure would name only the lock file.
            if let (Err(problem), true) = (history, refused) {
                return Err(needed(problem.clone()));
            }
            match lock::try_lock(&dir.path, &job.name) {
                Ok(lock::Attempt::Held(lock)) => Ok(Locked::Held(Some(lock), true, None)),
                Ok(lock::Attempt::Busy) => Ok(Locked::Busy(lock::path(&dir.path, &job.name))),
                Err(problem) => Err(needed(problem)),
            }
        }
    }
}

/// Decide `dependsOn` from the runs of the job it backs up.
///
/// A row of the other job that says `running` is believed only if its
/// run's lock says so too (`state::liveness`). A run killed without a
/// word (SIGKILL, a power cut) leaves its row `running`, and a backup that
/// believed it would skip exactly when it is needed.
fn depends_on(
    history: &dyn History,
    dependency: &Dependency,
    state_dir: Option<&StateDir>,
    now: Timestamp,
) -> Result<Decision, StoreError> {
    let since = dependency::window_start(dependency, now);
    let read = || history.since(&dependency.job, since);
    let runs = liveness::settle(state_dir.map(|d| d.path.as_path()), read()?, read)?;
    Ok(dependency::decide(dependency, &runs, now))
}

/// The run's log, and the time of its line: what a run that stops here
/// says goes to the log file too, in its format, as any run's lines do.
fn run_log<'a>(
    ctx: &'a mut Context,
    plan: &'a Plan,
    sinks: &'a Sinks,
    options: &Options,
) -> (RunLog<'a>, Timestamp) {
    let now = ctx.clock.wall();
    let log = plan.log(ctx.stderr, sinks, options.verbosity, options.log_format);
    (log, now)
}

/// One line: the run goes on, unrecorded.
pub(super) fn not_recorded(log: &mut RunLog, problem: &StoreError, now: Timestamp) {
    let text = format!(
        "jobrun: job `{}`: this run is not recorded in the history: {problem}; {}",
        log.job,
        problem.help()
    );
    log.warning("not_recorded", text, now);
}
