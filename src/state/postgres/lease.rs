//! The per-job locks in PostgreSQL: leases. A run holding its job's lock
//! has a row in `jobrun_leases` that expires unless renewed; a thread of
//! the run renews it every third of the lease (30 s unless
//! `JOBRUN_LOCK_LEASE` says otherwise), and the run deletes it when it
//! ends. So:
//!
//! - a run that ends, however it ends short of being killed, lets go at
//!   once;
//! - a run killed without a word (SIGKILL, a crash), or a host that
//!   vanished (a power cut, a network cut), holds it until the lease runs
//!   out: at most one lease after its last renewal. The next run to ask
//!   finds it expired, takes it, and marks the dead run's row `died`;
//!   readers of the history (`status`, `history`, `dependsOn`) read a
//!   `running` row whose lease ran out or is gone as `died` at once
//!   (`Locks::gone`);
//! - it is never granted twice: taking it is one transaction that holds a
//!   transaction-scoped advisory lock on the job while it looks and
//!   writes, and expiry is judged by the database's clock, never a host's.
//!
//! Only transactions are used, never a session's lock: the design holds
//! through PgBouncer's transaction pooling.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use tokio_postgres::types::Type;

use crate::state::error::StoreError;
use crate::state::lock::{Attempt, RunLock};
use crate::state::postgres::{Connection, Shared};
use crate::state::record::{Outcome, Record};
use crate::state::{Holder, Locks};
use crate::wording::{code, escape_controls};

/// The job's key for the advisory lock that orders its takers.
const TAKE: &str = "SELECT pg_advisory_xact_lock(hashtextextended('jobrun.lease:' || $1, 0))";
/// Leases past their time are of runs that did not let go.
const EXPIRE: &str = "DELETE FROM jobrun_leases WHERE job = $1 AND expires_at < now()";
const INSERT: &str = "INSERT INTO jobrun_leases (job, run_id, host, exclusive, expires_at) \
                      VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')";

/// The locks of a database, or why there are none.
pub(crate) struct Leases {
    pub(crate) connection: Result<Shared, StoreError>,
}

/// For this transaction only (so through PgBouncer too): commit without
/// waiting for the write-ahead log to reach the disk.
const NOT_FLUSHED: &str = "SET LOCAL synchronous_commit = off";

/// Who holds a job's lock, as a message says it: the host and run id as
/// the database gives them, so quoted and escaped.
fn holder(host: &str, run_id: &str, until: &str) -> String {
    format!(
        "held by run {} on host {} until {until} unless renewed",
        escape_controls(run_id),
        code(host)
    )
}

impl Leases {
    fn shared(&self) -> Result<&Shared, StoreError> {
        self.connection.as_ref().map_err(Clone::clone)
    }

    /// Take the job's lock: exclusively, or shared. `Ok(Err(who))` when
    /// another run holds it in a way that excludes this one; `Ok(Ok(alone))`
    /// when taken, `alone` when no other run holds it.
    fn try_take(
        &self,
        job: &str,
        holder_: &Holder,
        exclusive: bool,
    ) -> Result<Result<bool, String>, StoreError> {
        let shared = self.shared()?;
        let mut connection = Connection::lock(shared);
        connection.ready(true)?;
        let lease_ms = connection.lease().as_millis().min(i64::MAX as u128) as i64;
        let (job, run_id, host) = (
            job.to_string(),
            holder_.run_id.clone(),
            holder_.host.clone(),
        );
        connection.transaction(move |tx| {
            Box::pin(async move {
                tx.query_typed(TAKE, &[(&job, Type::TEXT)]).await?;
                tx.query_typed(EXPIRE, &[(&job, Type::TEXT)]).await?;
                let others = tx
                    .query_typed(
                        "SELECT host, run_id, exclusive, to_char(expires_at AT TIME ZONE 'UTC', \
                         'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM jobrun_leases WHERE job = $1 \
                         ORDER BY exclusive DESC LIMIT 1",
                        &[(&job, Type::TEXT)],
                    )
                    .await?;
                if let Some(other) = others.first() {
                    let other_exclusive: bool = other.get(2);
                    if exclusive || other_exclusive {
                        return Ok(Err(holder(
                            &other.get::<_, String>(0),
                            &other.get::<_, String>(1),
                            &other.get::<_, String>(3),
                        )));
                    }
                }
                tx.query_typed(
                    INSERT,
                    &[
                        (&job, Type::TEXT),
                        (&run_id, Type::TEXT),
                        (&host, Type::TEXT),
                        (&exclusive, Type::BOOL),
                        (&lease_ms, Type::INT8),
                    ],
                )
                .await?;
                Ok(Ok(others.is_empty()))
            })
        })
    }

    fn guard(&self, job: &str, holder_: &Holder) -> Result<RunLock, StoreError> {
        let shared = self.shared()?.clone();
        let every = Connection::lock(&shared).lease() / 3;
        Ok(RunLock::new(Lease::start(
            shared,
            job.to_string(),
            holder_.run_id.clone(),
            every,
        )))
    }
}

impl Locks for Leases {
    fn take(&mut self, job: &str, holder_: &Holder) -> Result<Attempt, StoreError> {
        match self.try_take(job, holder_, true)? {
            Ok(_) => Ok(Attempt::Held(self.guard(job, holder_)?)),
            Err(who) => Ok(Attempt::Busy(who)),
        }
    }

    /// A lease that cannot be had is `Ok(None)`: what is wrong with the
    /// server is said with the history.
    fn share(
        &mut self,
        job: &str,
        holder_: &Holder,
    ) -> Result<Option<(RunLock, bool)>, StoreError> {
        Ok(match self.try_take(job, holder_, false) {
            Ok(Ok(alone)) => self.guard(job, holder_).ok().map(|lock| (lock, alone)),
            _ => None,
        })
    }

    /// A run's lease is its own (the key is the job and the run id) and
    /// outlives its row's last write, so a `running` row with no lease
    /// that has not run out (by the database's clock) is of a run that is
    /// gone: it ended without a word, or was cut off for longer than a
    /// lease and may yet finish its row.
    fn gone(&self, rows: &[Record]) -> HashSet<String> {
        let running: Vec<String> = rows
            .iter()
            .filter(|r| r.outcome == Outcome::Running)
            .map(|r| r.run_id.clone())
            .collect();
        let Ok(shared) = self.shared() else {
            return HashSet::new();
        };
        let mut connection = Connection::lock(shared);
        if !matches!(connection.ready(false), Ok(true)) {
            return HashSet::new();
        }
        let asked = running.clone();
        let live = connection.transaction(move |tx| {
            Box::pin(async move {
                let rows = tx
                    .query_typed(
                        "SELECT run_id FROM jobrun_leases \
                         WHERE run_id = ANY($1) AND expires_at >= now()",
                        &[(&asked, Type::TEXT_ARRAY)],
                    )
                    .await?;
                Ok(rows
                    .iter()
                    .map(|r| r.get::<_, String>(0))
                    .collect::<HashSet<String>>())
            })
        });
        match live {
            Ok(live) => running
                .into_iter()
                .filter(|id| !live.contains(id))
                .collect(),
            // Cannot tell: believe the rows.
            Err(_) => HashSet::new(),
        }
    }

    fn forbid_needs(&self) -> &'static str {
        "`concurrency: forbid` needs its lock in the state database"
    }
}

/// A held lease: renewed by a thread until dropped, then deleted.
pub(crate) struct Lease {
    stop: Option<mpsc::Sender<()>>,
    renewer: Option<std::thread::JoinHandle<()>>,
    connection: Shared,
    job: String,
    run_id: String,
    /// Set when a renewal found the lease gone: it ran out while the
    /// database was out of reach, and another run may have taken it.
    pub(crate) lost: Arc<AtomicBool>,
}

impl Lease {
    fn start(connection: Shared, job: String, run_id: String, every: Duration) -> Lease {
        let (stop, stopped) = mpsc::channel::<()>();
        let lost = Arc::new(AtomicBool::new(false));
        let renewer = {
            let (connection, job, run_id, lost) = (
                connection.clone(),
                job.clone(),
                run_id.clone(),
                lost.clone(),
            );
            // The thread starts with SIGINT and SIGTERM blocked: it
            // inherits the mask in force while it is made.
            let _blocked = super::SignalsBlocked::now();
            std::thread::Builder::new()
                .name("jobrun-lease".into())
                .spawn(move || {
                    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                        if let Ok(false) = renew(&connection, &job, &run_id) {
                            lost.store(true, Ordering::Relaxed);
                        }
                    }
                })
                .ok()
        };
        Lease {
            stop: Some(stop),
            renewer,
            connection,
            job,
            run_id,
            lost,
        }
    }
}

/// Push the lease's end one lease further: `Ok(false)` when it is gone.
/// A lease that ran out is gone even while its row is still there (no run
/// has asked for the lock since to delete it): readers have taken its run
/// for dead from then on, and another run may take the lock at any moment,
/// so it is never brought back.
fn renew(connection: &Shared, job: &str, run_id: &str) -> Result<bool, StoreError> {
    let mut connection = Connection::lock(connection);
    let lease_ms = connection.lease().as_millis().min(i64::MAX as u128) as i64;
    let (job, run_id) = (job.to_string(), run_id.to_string());
    connection.transaction(move |tx| {
        Box::pin(async move {
            // A renewal lost to a crash of the server leaves the lease two
            // thirds of its length at least, and the next renews it.
            tx.batch_execute(NOT_FLUSHED).await?;
            let rows = tx
                .query_typed(
                    "UPDATE jobrun_leases SET expires_at = now() + $3 * interval '1 millisecond' \
                     WHERE job = $1 AND run_id = $2 AND expires_at >= now() RETURNING 1",
                    &[
                        (&job, Type::TEXT),
                        (&run_id, Type::TEXT),
                        (&lease_ms, Type::INT8),
                    ],
                )
                .await?;
            Ok(!rows.is_empty())
        })
    })
}

impl crate::state::lock::Held for Lease {
    fn lapsed(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(renewer) = self.renewer.take() {
            let _ = renewer.join();
        }
        let (job, run_id) = (self.job.clone(), self.run_id.clone());
        // Unreachable, it runs out by itself. Not waited onto disk: should
        // the server crash before it is, the lease runs out all the same,
        // and the run's last step is not held up by a flush (about 5 ms).
        let _ = Connection::lock(&self.connection).transaction(move |tx| {
            Box::pin(async move {
                tx.batch_execute(NOT_FLUSHED).await?;
                tx.query_typed(
                    "DELETE FROM jobrun_leases WHERE job = $1 AND run_id = $2",
                    &[(&job, Type::TEXT), (&run_id, Type::TEXT)],
                )
                .await?;
                Ok(())
            })
        });
    }
}
