//! What stands around one run of a job: its lock (`concurrency: forbid`),
//! its `dependsOn` decision, and its row in the history, from start to end.
//!
//! The request matters more than its record: when the history cannot be
//! written, the run goes ahead and says once on stderr that it is not
//! recorded. What cannot go ahead without the state directory is what
//! needs it to decide: the lock, and `dependsOn`. Those fail closed, with
//! exit 3 and a message naming the file and what to do.

use std::time::Instant;

use jiff::Timestamp;

use crate::context::Context;
use crate::error::{Error, Exit};
use crate::job::{Concurrency, Job};
use crate::run::log::Verbosity;
use crate::state::alerts::Claim;
use crate::state::alerts::{self, AlertDecision, AlertPolicy};
use crate::state::dependency::{self, Decision};
use crate::state::dir::StateDir;
use crate::state::error::StoreError;
use crate::state::lock::{self, RunLock};
use crate::state::record::Delivery;
use crate::state::record::{Outcome, Record, Trigger};
use crate::state::{self, History};

/// How a run's request ended, for its row.
#[derive(Debug, Clone)]
pub struct Ended {
    pub exit: Exit,
    pub outcome: Outcome,
    pub attempts: u32,
    pub status: Option<u16>,
    pub error_class: Option<&'static str>,
    /// Masked.
    pub error: Option<String>,
}

/// Whether the run goes ahead.
pub enum Admission {
    Proceed(Box<Ledger>),
    /// It does not: skipped by `dependsOn` or busy, already recorded.
    Stop {
        exit: Exit,
        outcome: Outcome,
        /// The id its row was recorded under.
        run_id: String,
    },
}

/// A run that was admitted: it holds its lock, and its row says `running`.
pub struct Ledger {
    store: Option<Box<dyn History>>,
    record: Record,
    began: Instant,
    /// The job's `historyLimit`.
    keep: u32,
    /// The cooldown a failure notice of this run took, if it did.
    claim: Option<Claim>,
    watch: AlertPolicy,
    _lock: Option<RunLock>,
}

/// What a run is, before it starts.
pub struct Entry<'a> {
    pub job: &'a Job,
    pub state_dir: Option<&'a StateDir>,
    pub trigger: Trigger,
    pub scheduled: Option<Timestamp>,
    pub verbosity: Verbosity,
    /// The job `dependsOn` names, when it has one.
    pub depends_on: Option<&'a Job>,
}

/// Take the lock, decide `dependsOn`, and record the run's start.
pub fn admit(ctx: &mut Context, entry: &Entry) -> Result<Admission, Error> {
    let job = entry.job;
    let began = ctx.clock.now();
    let now = ctx.clock.wall();
    let run = Record::start(
        crate::run::identity::run_id(ctx.random),
        &job.name,
        entry.trigger,
        entry.scheduled,
        now,
    );
    let mut store = match entry.state_dir {
        Some(dir) => state::open(dir),
        None => Err(StoreError::NoDirectory),
    };

    // Whether this run holds the job's lock with no other run of the job
    // going: only then may it take rows its job's earlier runs left
    // `running` for dead.
    let mut alone = false;
    let lock = match job.concurrency {
        // Shared, so that `dependsOn` can ask whether a row left
        // `running` belongs to a live run; not needed to run.
        Concurrency::Allow => entry
            .state_dir
            .and_then(|dir| lock::share(&dir.path, &job.name))
            .map(|(lock, free)| {
                alone = free;
                lock
            }),
        Concurrency::Forbid => {
            let needed = |problem| Error::StateNeeded {
                job: job.name.clone(),
                needs: "`concurrency: forbid` needs its lock in the state directory",
                problem,
            };
            let dir = entry
                .state_dir
                .ok_or_else(|| needed(StoreError::NoDirectory))?;
            // The lock's own failure would name only the lock file.
            if let Err(problem @ StoreError::Directory { .. }) = &store {
                return Err(needed(problem.clone()));
            }
            match lock::try_lock(&dir.path, &job.name) {
                Ok(lock::Attempt::Held(lock)) => {
                    alone = true;
                    Some(lock)
                }
                Ok(lock::Attempt::Busy) => {
                    let reason = "another run of the job holds its lock".to_string();
                    let row = run.not_run(Outcome::Busy, reason);
                    let recorded = match &mut store {
                        Ok(store) => store.add(&row, job.history_limit, false),
                        Err(problem) => Err(problem.clone()),
                    };
                    if entry.verbosity > Verbosity::Quiet {
                        let _ = writeln!(
                            ctx.stderr,
                            "jobrun: job `{}` did not run: another run of it is still going (`concurrency: forbid`; lock `{}`)",
                            job.name,
                            lock::path(&dir.path, &job.name).display()
                        );
                        if let Err(problem) = recorded {
                            not_recorded(ctx, &job.name, &problem);
                        }
                    }
                    return Ok(Admission::Stop {
                        exit: Exit::Busy,
                        outcome: Outcome::Busy,
                        run_id: row.run_id,
                    });
                }
                Err(e) => {
                    return Err(needed(StoreError::Lock {
                        path: lock::path(&dir.path, &job.name),
                        reason: crate::files::io_reason(&e),
                    }));
                }
            }
        }
    };

    let exclusive = alone;
    let mut run = run;
    if let Some(dependency) = &job.depends_on {
        let needed = |problem| Error::StateNeeded {
            job: job.name.clone(),
            needs: "`dependsOn` needs the run history to decide",
            problem,
        };
        let store = match &mut store {
            Ok(store) => store,
            Err(problem) => return Err(needed(problem.clone())),
        };
        let since = dependency::window_start(dependency, now);
        let mut runs = store.since(&dependency.job, since).map_err(needed)?;
        if let (Some(other), Some(dir)) = (entry.depends_on, entry.state_dir) {
            settle_running(&mut runs, other, dir);
        }
        match dependency::decide(dependency, &runs, now) {
            Decision::Skip(reason) => {
                if entry.verbosity >= Verbosity::Attempts {
                    let _ = writeln!(ctx.stderr, "jobrun: job `{}` skipped: {reason}", job.name);
                }
                let row = run.not_run(Outcome::Skipped, reason);
                if let Err(problem) = store.add(&row, job.history_limit, exclusive)
                    && entry.verbosity > Verbosity::Quiet
                {
                    not_recorded(ctx, &job.name, &problem);
                }
                return Ok(Admission::Stop {
                    exit: Exit::Success,
                    outcome: Outcome::Skipped,
                    run_id: row.run_id,
                });
            }
            Decision::Run(reason) => {
                if entry.verbosity >= Verbosity::Attempts {
                    let _ = writeln!(ctx.stderr, "jobrun: job `{}` runs: {reason}", job.name);
                }
                run.reason = Some(reason);
            }
        }
    }

    let store = match store {
        Ok(mut store) => match store.add(&run, job.history_limit, exclusive) {
            Ok(()) => Some(store),
            Err(problem) => {
                if entry.verbosity > Verbosity::Quiet {
                    not_recorded(ctx, &job.name, &problem);
                }
                None
            }
        },
        Err(problem) => {
            if entry.verbosity > Verbosity::Quiet {
                not_recorded(ctx, &job.name, &problem);
            }
            None
        }
    };
    Ok(Admission::Proceed(Box::new(Ledger {
        store,
        record: run,
        began,
        keep: job.history_limit,
        claim: None,
        watch: AlertPolicy::of(&job.notify),
        _lock: lock,
    })))
}

impl Ledger {
    /// This run's id.
    pub fn run_id(&self) -> &str {
        &self.record.run_id
    }

    /// The run's row as recorded so far.
    pub fn record(&self) -> &Record {
        &self.record
    }

    /// Record how the run ended, and decide what it tells (`notify`). The
    /// lock is kept until [`Ledger::close`], so the run's notifications
    /// are part of it.
    pub fn finish(
        &mut self,
        ctx: &mut Context,
        ended: &Ended,
        verbosity: Verbosity,
    ) -> AlertDecision {
        let run = &mut self.record;
        run.ended = Some(ctx.clock.wall());
        run.duration_ms = Some(
            ctx.clock
                .now()
                .saturating_duration_since(self.began)
                .as_millis() as u64,
        );
        run.outcome = ended.outcome;
        run.attempts = ended.attempts;
        run.status = ended.status;
        run.error_class = ended.error_class.map(str::to_string);
        run.error.clone_from(&ended.error);
        let now = run.ended.unwrap_or(run.started);
        let decided = match &mut self.store {
            Some(store) => store.finish(run, self.keep, &self.watch, now),
            None => Err(StoreError::NoDirectory),
        };
        match decided {
            Ok(decided) => {
                self.claim = decided.claim;
                decided.verdict
            }
            Err(problem) => {
                if verbosity > Verbosity::Quiet && self.store.is_some() {
                    not_recorded(ctx, &run.job, &problem);
                }
                // Without the history: what can be decided without it.
                let (verdict, _) = alerts::decide(run.outcome, None, &self.watch, now);
                if let AlertDecision::Send(kind) = verdict {
                    run.notice = Some(kind);
                }
                verdict
            }
        }
    }

    /// Record what became of the run's notification and pings, then let
    /// go of the lock.
    pub fn close(mut self, ctx: &mut Context, told: Told, verbosity: Verbosity) {
        let run = &mut self.record;
        // Nothing new since `finish` wrote the row (a held-back notice is
        // recorded there): no second write on the run's path.
        let cooled_down = matches!(told.notice, Some((Delivery::Cooldown, _)));
        if told.ping_error.is_none() && (told.notice.is_none() || cooled_down) {
            return;
        }
        if let Some((delivery, error)) = told.notice {
            run.notice_result = Some(delivery);
            run.notice_error = error;
        }
        run.ping_error = told.ping_error;
        let release = self
            .claim
            .filter(|_| run.notice_result == Some(Delivery::Failed));
        if let Some(store) = &mut self.store
            && let Err(problem) = store.noted(run, release)
            && verbosity > Verbosity::Quiet
        {
            not_recorded(ctx, &run.job, &problem);
        }
    }
}

/// What a run's notification and pings came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Told {
    /// What became of the notification the run's end called for, with why
    /// it was not delivered (masked).
    pub notice: Option<(Delivery, Option<String>)>,
    /// Why a ping failed (masked).
    pub ping_error: Option<String>,
}

/// A row of the other job that says `running` is believed only if the
/// job's lock says so too. A run killed without a word (SIGKILL, a power
/// cut) leaves its row `running`, and a backup that believed it would
/// skip exactly when it is needed. Every run holds its job's lock
/// (exclusively under `concurrency: forbid`, shared under `allow`), so a
/// lock that can be taken means no run is going; it is let go at once.
fn settle_running(runs: &mut [Record], other: &Job, dir: &StateDir) {
    if !runs.iter().any(|r| r.outcome == Outcome::Running) {
        return;
    }
    if let Ok(lock::Attempt::Held(free)) = lock::try_lock(&dir.path, &other.name) {
        drop(free);
        for run in runs.iter_mut().filter(|r| r.outcome == Outcome::Running) {
            run.outcome = Outcome::Interrupted;
        }
    }
}

/// One line: the run goes on, unrecorded.
fn not_recorded(ctx: &mut Context, job: &str, problem: &StoreError) {
    let _ = writeln!(
        ctx.stderr,
        "jobrun: job `{job}`: this run is not recorded in the history: {problem}; {}",
        problem.help()
    );
}
