//! The state runs leave behind and later runs read: the run history, the
//! per-job locks (and what they say of a run whose row says `running`:
//! `liveness`), the state directory they live in, `dependsOn`'s reading
//! of the history, and who is told of a run (the alert decision, made in
//! the same transaction that finishes the run's row).
//!
//! The history sits behind [`History`], which a backend implements: SQLite
//! in the state directory ([`sqlite`]). Nothing here sends a request,
//! reads the job file or writes to the terminal.

pub(crate) mod alerts;
pub(crate) mod dependency;
pub(crate) mod dir;
pub(crate) mod error;
pub(crate) mod liveness;
pub(crate) mod lock;
pub(crate) mod record;
pub(crate) mod sqlite;

use jiff::Timestamp;

use crate::state::alerts::{AlertPolicy, Claim, Decided};
use crate::state::dir::StateDir;
use crate::state::error::StoreError;
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

/// Open the history in `dir` for a run, creating the directory and the
/// database on first use and bringing the schema up to date.
pub(crate) fn open(dir: &StateDir) -> Result<Box<dyn History>, StoreError> {
    Ok(Box::new(sqlite::Store::open(dir)?))
}

/// Open the history in `dir` if there is one, creating nothing: for
/// commands that only read it.
pub(crate) fn open_existing(dir: &StateDir) -> Result<Option<Box<dyn History>>, StoreError> {
    Ok(sqlite::Store::open_existing(dir)?.map(|s| Box::new(s) as Box<dyn History>))
}
