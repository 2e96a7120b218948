//! The tables in PostgreSQL and how a database moves from one version of
//! them to the next. The version is the one row of `jobrun_schema`; each
//! migration moves it up by one, in the transaction that changes the
//! tables. Every table's name starts with `jobrun_`, so the database can
//! be shared with other programs.
//!
//! Many hosts may start at once on a new database: the migrations take a
//! transaction-scoped advisory lock (which, unlike a session lock, works
//! through PgBouncer's transaction pooling), so one host migrates and the
//! others find the work done. A database newer than this jobrun is neither
//! read nor written.

use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;

use crate::state::error::StoreError;
use crate::state::postgres::Connection;

/// The migrations, in order: migration `i` takes the version from `i` to
/// `i + 1`. Append, never edit: databases in the field have run the old
/// ones.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the runs, what the notifications know of each job, the claims of
    // scheduled instants, and the locks.
    "CREATE TABLE jobrun_runs (
        id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id        TEXT NOT NULL UNIQUE,
        job           TEXT NOT NULL,
        host          TEXT,
        triggered_by  TEXT NOT NULL,
        scheduled_at  TIMESTAMPTZ,
        started_at    TIMESTAMPTZ NOT NULL,
        ended_at      TIMESTAMPTZ,
        attempts      INTEGER NOT NULL DEFAULT 0,
        status        INTEGER,
        outcome       TEXT NOT NULL,
        reason        TEXT,
        error_class   TEXT,
        error         TEXT,
        duration_ms   BIGINT,
        notice        TEXT,
        notice_result TEXT,
        notice_error  TEXT,
        ping_error    TEXT
    );
    CREATE INDEX jobrun_runs_by_job ON jobrun_runs (job, id);
    CREATE INDEX jobrun_runs_by_start ON jobrun_runs (job, started_at);
    CREATE TABLE jobrun_alerts (
        job       TEXT PRIMARY KEY,
        failing   BOOLEAN NOT NULL DEFAULT false,
        told      BOOLEAN NOT NULL DEFAULT false,
        last_sent TIMESTAMPTZ
    );
    CREATE TABLE jobrun_claims (
        job          TEXT NOT NULL,
        scheduled_at TIMESTAMPTZ NOT NULL,
        run_id       TEXT NOT NULL,
        host         TEXT NOT NULL,
        claimed_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (job, scheduled_at)
    );
    CREATE TABLE jobrun_leases (
        job        TEXT NOT NULL,
        run_id     TEXT NOT NULL,
        host       TEXT NOT NULL,
        exclusive  BOOLEAN NOT NULL,
        taken_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
        expires_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (job, run_id)
    );",
    // 2: how many runs of each job and outcome `historyLimit` pruned, as
    // SQLite's schema 4 keeps them, so that counts of runs keep growing
    // however few rows are kept (the metrics' `jobrun_runs_total` is a
    // counter). `source` is empty for the runs this database pruned; a
    // history `copy-history` brought in keeps its own count under the name
    // of the file it came from, replaced, not added to, when copied again.
    // The index finds each job's last success without reading every row.
    "CREATE TABLE jobrun_pruned (
        job     TEXT NOT NULL,
        outcome TEXT NOT NULL,
        source  TEXT NOT NULL DEFAULT '',
        runs    BIGINT NOT NULL,
        PRIMARY KEY (job, outcome, source)
    );
    CREATE INDEX jobrun_runs_by_outcome ON jobrun_runs (job, outcome, id);",
];

/// The schema version this jobrun writes.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The advisory lock key the migrations take: "jobrun" in ASCII.
const MIGRATION_LOCK: i64 = 0x6a6f_6272_756e;

/// What the database holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// No jobrun tables yet.
    Nothing,
    Version(i64),
}

impl Connection {
    /// The schema version found, reading nothing else: one statement,
    /// one round trip (every run asks).
    pub(crate) fn found(&mut self) -> Result<Found, StoreError> {
        self.call(|client| {
            Box::pin(async move {
                match client
                    .query_typed("SELECT max(version)::int8 FROM jobrun_schema", &[])
                    .await
                {
                    Ok(rows) => Ok(Found::Version(
                        rows.first().and_then(|r| r.get(0)).unwrap_or(0),
                    )),
                    Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => Ok(Found::Nothing),
                    Err(e) => Err(e),
                }
            })
        })
    }

    /// Check the schema once per connection: up to date (migrating it when
    /// `migrate`), or refused when newer than this jobrun. `Ok(false)`
    /// when there are no tables and `migrate` is not asked.
    pub(crate) fn ready(&mut self, migrate: bool) -> Result<bool, StoreError> {
        if self.checked {
            return Ok(true);
        }
        match self.found()? {
            Found::Version(v) if v == SCHEMA_VERSION => {}
            Found::Version(found) if found > SCHEMA_VERSION => {
                return Err(StoreError::NewerDatabase {
                    target: self.shown.clone(),
                    found,
                    known: SCHEMA_VERSION,
                });
            }
            Found::Nothing if !migrate => return Ok(false),
            _ if !migrate => {
                // An older schema: reading it as the current one could
                // misread it, and commands that only read create nothing.
                self.migrate()?;
            }
            _ => self.migrate()?,
        }
        self.checked = true;
        Ok(true)
    }

    /// Run the migrations the database has not had, one host at a time.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let target = self.shown.clone();
        let newer = self.transaction(|tx| {
            Box::pin(async move {
                tx.query_typed(
                    "SELECT pg_advisory_xact_lock($1)",
                    &[(&MIGRATION_LOCK, Type::INT8)],
                )
                .await?;
                tx.batch_execute(
                    "CREATE TABLE IF NOT EXISTS jobrun_schema (version INTEGER NOT NULL)",
                )
                .await?;
                let rows = tx
                    .query_typed("SELECT max(version)::int8 FROM jobrun_schema", &[])
                    .await?;
                let current: i64 = rows.first().and_then(|r| r.get(0)).unwrap_or(0);
                if current > SCHEMA_VERSION {
                    return Ok(Some(current));
                }
                for (i, migration) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
                    tx.batch_execute(migration).await?;
                    let version = (i + 1) as i32;
                    tx.query_typed("DELETE FROM jobrun_schema", &[]).await?;
                    tx.query_typed(
                        "INSERT INTO jobrun_schema (version) VALUES ($1)",
                        &[(&version, Type::INT4)],
                    )
                    .await?;
                }
                Ok(None)
            })
        })?;
        match newer {
            Some(found) => Err(StoreError::NewerDatabase {
                target,
                found,
                known: SCHEMA_VERSION,
            }),
            None => Ok(()),
        }
    }
}
