//! The state runs leave behind and later runs read: the run history, the
//! per-job locks (and what they say of a run whose row says `running`:
//! `liveness`), the state directory they live in, `dependsOn`'s reading
//! of the history, and who is told of a run (the alert decision, made in
//! the same transaction that finishes the run's row).
//!
//! A backend keeps three things: the history ([`History`]), the per-job
//! locks ([`Locks`]) and the claims that give a scheduled instant one run
//! ([`History::claim`]). Two backends, chosen by [`open`] from where the
//! state lives ([`location`]): SQLite and lock files in the state directory
//! ([`sqlite`], [`lock`]), one host's; PostgreSQL ([`postgres`]), shared
//! by any number of hosts. Nothing here sends a request, reads the job
//! file or writes to the terminal.

pub(crate) mod alerts;
pub(crate) mod copy;
pub(crate) mod dependency;
pub(crate) mod dir;
pub(crate) mod error;
pub(crate) mod liveness;
pub(crate) mod location;
pub(crate) mod lock;
pub(crate) mod postgres;
pub(crate) mod record;
pub(crate) mod sqlite;

use std::collections::HashSet;

use jiff::Timestamp;

use crate::state::alerts::{AlertPolicy, Claim, Decided};
use crate::state::error::StoreError;
use crate::state::location::Location;
use crate::state::lock::{Attempt, LockFiles, RunLock};
use crate::state::record::Record;

/// The run history, as every command uses it, whatever keeps it.
pub trait History {
    /// Add a run's row and keep only the job's newest `keep` rows. With
    /// `exclusive` (the caller holds the job's lock), rows the job's
    /// earlier runs left `running` are from runs that died without a word
    /// (SIGKILL, a crash, a power cut): they are marked `died`.
    fn add(&mut self, run: &Record, keep: u32, exclusive: bool) -> Result<(), StoreError>;

    /// Record how a run added with [`History::add`] ended, and in the same
    /// transaction decide what its end tells (see
    /// `state::alerts::decide`) from what the
    /// history knows of the job, keeping what it knows now. The decision
    /// is written on the row. Should the row have been pruned meanwhile,
    /// it is added again and the job's rows pruned to `keep` once more.
    fn finish(
        &mut self,
        run: &mut Record,
        keep: u32,
        policy: &AlertPolicy,
        now: Timestamp,
    ) -> Result<Decided, StoreError>;

    /// Record what became of the run's notification and pings. A failure
    /// notice that could not be delivered gives back its `claim` on the
    /// cooldown, unless a later run has claimed it since.
    fn noted(&mut self, run: &Record, release: Option<Claim>) -> Result<(), StoreError>;

    /// The job's runs that started at or after `since`, oldest first.
    fn since(&self, job: &str, since: Timestamp) -> Result<Vec<Record>, StoreError>;

    /// The newest `limit` runs, of one job or of all, newest first.
    fn recent(&self, job: Option<&str>, limit: u32) -> Result<Vec<Record>, StoreError>;

    /// Whether any run of `job` is recorded at all.
    fn knows(&self, job: &str) -> Result<bool, StoreError>;

    /// Claim `job`'s run for the scheduled instant `at` for run `run_id`
    /// on `host`: the first claim of an instant wins, on whatever host.
    /// Claims of instants older than the job's newest `keep` are let go.
    fn claim(
        &mut self,
        job: &str,
        at: Timestamp,
        run_id: &str,
        host: &str,
        keep: u32,
    ) -> Result<ClaimedBy, StoreError>;

    /// How many runs of each job the history has recorded, by outcome:
    /// the rows it keeps, and those `historyLimit` pruned (runs that were
    /// still `running` when pruned are not among them). A count that only
    /// grows, for the metrics' counter.
    fn counts(&self) -> Result<Vec<Count>, StoreError>;

    /// Of every job, its runs from its last success on (all of them when
    /// it never succeeded), and every run still `running`, newest first:
    /// what the metrics need of its last runs, without reading its whole
    /// history.
    fn since_last_success(&self) -> Result<Vec<Record>, StoreError>;
}

/// How many runs of a job ended with one outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub job: String,
    pub outcome: crate::state::record::Outcome,
    pub runs: u64,
}

/// Who runs a scheduled instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimedBy {
    /// This run: no other had claimed it.
    This,
    /// A run that claimed it first.
    Other { host: String, run_id: String },
}

/// The run asking for a lock.
#[derive(Debug, Clone)]
pub(crate) struct Holder {
    pub(crate) run_id: String,
    pub(crate) host: String,
}

/// The per-job locks (`concurrency`), wherever the backend keeps them,
/// and what they say of a run whose row says `running`.
///
/// Every run holds its job's lock from before its row is written until
/// after the row is finished, each run under a name of its own (its run
/// id), so a run that is gone without finishing its row is known by its
/// lock being gone too.
pub(crate) trait Locks {
    /// Take `job`'s lock exclusively, without waiting.
    fn take(&mut self, job: &str, holder: &Holder) -> Result<Attempt, StoreError>;

    /// Take `job`'s lock shared, as a run of a `concurrency: allow` job
    /// does; `Ok(None)` when it cannot be had, and the run goes on without
    /// it; `Err` when the place the lock is kept cannot be trusted, which
    /// the run must say. The flag says no other run of the job holds it,
    /// so rows left `running` are from runs that died.
    fn share(&mut self, job: &str, holder: &Holder) -> Result<Option<(RunLock, bool)>, StoreError>;

    /// The run ids of those of `rows` that say `running` whose runs are
    /// gone: killed without a word, on a machine that stopped, or (with
    /// leases) cut off for longer than a lease. Creates and writes
    /// nothing, as readers of the history ask it; a row it cannot tell of
    /// is believed. See [`liveness`].
    fn gone(&self, rows: &[Record]) -> HashSet<String>;

    /// Why a `concurrency: forbid` run cannot go without it, in words.
    fn forbid_needs(&self) -> &'static str {
        "`concurrency: forbid` needs its lock in the state directory"
    }
}

/// No place for locks: nothing names a state directory.
pub(crate) struct NoLocks;

impl Locks for NoLocks {
    fn take(&mut self, _: &str, _: &Holder) -> Result<Attempt, StoreError> {
        Err(StoreError::NoDirectory)
    }

    fn share(&mut self, _: &str, _: &Holder) -> Result<Option<(RunLock, bool)>, StoreError> {
        Ok(None)
    }

    fn gone(&self, _: &[Record]) -> HashSet<String> {
        HashSet::new()
    }
}

/// A backend, opened for a run: its history (or why it cannot be used)
/// and its locks. With SQLite, the locks are files beside the database
/// and work when the database does not; with PostgreSQL, both need the
/// server.
pub(crate) struct Backend {
    pub(crate) history: Result<Box<dyn History>, StoreError>,
    pub(crate) locks: Box<dyn Locks>,
}

/// Open the state where it lives for a run, creating the directory, the
/// database or the tables on first use and bringing the schema up to
/// date. `env` is the process's (for the system's trust store).
pub(crate) fn open(location: &Location, env: &dyn Fn(&str) -> Option<String>) -> Backend {
    match location {
        Location::Directory(dir) => Backend {
            history: sqlite::Store::open(dir).map(|s| Box::new(s) as Box<dyn History>),
            locks: Box::new(LockFiles(dir.path.clone())),
        },
        Location::Nowhere => Backend {
            history: Err(StoreError::NoDirectory),
            locks: Box::new(NoLocks),
        },
        Location::Database(database) => {
            let connection = postgres::Connection::open(database, env)
                .map(|c| std::sync::Arc::new(std::sync::Mutex::new(c)));
            let history = connection.clone().and_then(|shared| {
                postgres::Connection::lock(&shared).ready(true)?;
                Ok(Box::new(postgres::history::Store { connection: shared }) as Box<dyn History>)
            });
            Backend {
                history,
                locks: Box::new(postgres::lease::Leases { connection }),
            }
        }
    }
}

/// The state as a command that only reads it opens it: the history, and
/// the locks that say which `running` rows are of runs still going.
pub(crate) struct Existing {
    pub(crate) history: Box<dyn History>,
    pub(crate) locks: Box<dyn Locks>,
}

/// Open the state where it lives if there is one, creating nothing: for
/// commands that only read it.
pub(crate) fn open_existing(
    location: &Location,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Existing>, StoreError> {
    match location {
        Location::Directory(dir) => Ok(sqlite::Store::open_existing(dir)?.map(|s| Existing {
            history: Box::new(s),
            locks: Box::new(LockFiles(dir.path.clone())),
        })),
        Location::Nowhere => Ok(None),
        Location::Database(database) => {
            let mut connection = postgres::Connection::open(database, env)?;
            if !connection.ready(false)? {
                return Ok(None);
            }
            let shared = std::sync::Arc::new(std::sync::Mutex::new(connection));
            Ok(Some(Existing {
                history: Box::new(postgres::history::Store {
                    connection: shared.clone(),
                }),
                locks: Box::new(postgres::lease::Leases {
                    connection: Ok(shared),
                }),
            }))
        }
    }
}
