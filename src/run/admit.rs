//! The second stage of a run: whether it goes ahead. A run for a known
//! scheduled instant first claims it (one run per instant, on whatever
//! host); then the run takes the job's lock (`concurrency`), decides
//! `dependsOn` from the history, and records its start. A run that does
//! not go ahead (busy, skipped) is recorded as such and stops here; one
//! whose instant another run claimed stops silently, unrecorded.
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
use crate::state::error::StoreError;
use crate::state::liveness;
use crate::state::location::Location;
use crate::state::lock::{Attempt, RunLock};
use crate::state::record::{Outcome, Record, instant};
use crate::state::{self, Backend, ClaimedBy, History, Holder, Locks};
use crate::wording::{code, escape_controls};

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
    /// Another run claimed its scheduled instant: nothing was recorded,
    /// and there is nothing to tell.
    pub(crate) elsewhere: bool,
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
    pub(super) lock: Option<RunLock>,
}

impl Admitted {
    /// This run's id.
    pub(crate) fn run_id(&self) -> &str {
        &self.record.run_id
    }
}

/// Claim the instant, take the lock, decide `dependsOn`, and record the
/// run's start.
pub(crate) fn admit(
    ctx: &mut Context,
    plan: &Plan,
    location: &Location,
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
    let holder = Holder {
        run_id: run.run_id.clone(),
        host: identity::host(ctx.env),
    };
    run.host = Some(holder.host.clone());
    let Backend {
        mut history,
        mut locks,
    } = state::open(location, ctx.env);

    // One run per scheduled instant, on whatever host. Without the
    // history the claim cannot be made, and the run goes on as below.
    if let (Some(at), Ok(store)) = (plan.start.scheduled, &mut history)
        && let Ok(ClaimedBy::Other { host, run_id }) =
            store.claim(&job.name, at, &run.run_id, &holder.host, job.history_limit)
    {
        let text = format!(
            "jobrun: job `{}`: its run for {} is run {} on host {}, so it does not run here",
            job.name,
            instant(at),
            escape_controls(&run_id),
            code(&host)
        );
        let (mut log, now) = run_log(ctx, plan, sinks, options);
        log.not_run(
            "elsewhere",
            "another host claimed this scheduled instant",
            text,
            Verbosity::Attempts,
            now,
        );
        return Ok(Admission::Stopped(Stopped {
            exit: Exit::Success,
            outcome: Outcome::Skipped,
            run_id,
            elsewhere: true,
        }));
    }

    let (lock, alone) = match take_lock(job, &mut *locks, &history, &holder)? {
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
        Locked::Busy(held) => {
            let row = run.not_run(
                Outcome::Busy,
                "another run of the job holds its lock".into(),
            );
            let recorded = match &mut history {
                Ok(history) => history.add(&row, job.history_limit, false),
                Err(problem) => Err(problem.clone()),
            };
            let text = format!(
                "jobrun: job `{}` did not run: another run of it is still going (`concurrency: forbid`; {held})",
                job.name,
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
                elsewhere: false,
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
        let decision = depends_on(&**history, dependency, &*locks, now).map_err(needed)?;
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
                    elsewhere: false,
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
        lock,
    })))
}

/// What became of the job's lock.
enum Locked {
    /// Held (or not needed), and whether no other run of the job is going;
    /// with why it could not be had, when the run goes on without it.
    Held(Option<RunLock>, bool, Option<StoreError>),
    /// Another run holds it: where, or by whom, in words.
    Busy(String),
}

/// Take the job's lock: exclusive under `concurrency: forbid`, which
/// cannot run without it; shared under `allow`, only so that `dependsOn`
/// can tell a live run from a dead one. A state directory that cannot be
/// trusted is not touched.
fn take_lock(
    job: &Job,
    locks: &mut dyn Locks,
    history: &Result<Box<dyn History>, StoreError>,
    holder: &Holder,
) -> Result<Locked, Error> {
    let refused = matches!(
        history,
        Err(StoreError::Directory { .. } | StoreError::Unsafe { .. })
    );
    match job.concurrency {
        Concurrency::Allow => {
            // What is wrong with the directory is said with the history.
            if refused {
                return Ok(Locked::Held(None, false, None));
            }
            match locks.share(&job.name, holder) {
                Ok(Some((lock, free))) => Ok(Locked::Held(Some(lock), free, None)),
                Ok(None) => Ok(Locked::Held(None, false, None)),
                Err(problem) => Ok(Locked::Held(None, false, Some(problem))),
            }
        }
        Concurrency::Forbid => {
            let needs = locks.forbid_needs();
            let needed = |problem| Error::StateNeeded {
                job: job.name.clone(),
                needs,
                problem,
            };
            // The lock's own failure would name only the lock file.
            if let (Err(problem), true) = (history, refused) {
                return Err(needed(problem.clone()));
            }
            match locks.take(&job.name, holder) {
                Ok(Attempt::Held(lock)) => Ok(Locked::Held(Some(lock), true, None)),
                Ok(Attempt::Busy(held)) => Ok(Locked::Busy(held)),
                Err(problem) => Err(needed(problem)),
            }
        }
    }
}

/// Decide `dependsOn` from the runs of the job it backs up.
///
/// A row of the other job that says `running` is believed only if its
/// run's lock says so too (`state::liveness`). A run killed without a
/// word (SIGKILL, a power cut, a host cut off from the state database)
/// leaves its row `running`, and a backup that believed it would skip
/// exactly when it is needed.
fn depends_on(
    history: &dyn History,
    dependency: &Dependency,
    locks: &dyn Locks,
    now: Timestamp,
) -> Result<Decision, StoreError> {
    let since = dependency::window_start(dependency, now);
    let read = || history.since(&dependency.job, since);
    let runs = liveness::settle(locks, read()?, read)?;
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
