//! The state in PostgreSQL, shared by every host that names the database:
//! the run history, the per-job locks (leases, [`lease`]) and the claims
//! that give each scheduled instant one run across hosts. This file owns
//! the connection; [`schema`] the tables and their migrations, [`history`]
//! the reads and writes behind [`History`](crate::state::History).
//!
//! tokio-postgres on a current-thread tokio runtime of jobrun's own: every
//! exchange with the server is bounded by a timeout, the connection
//! included (a server that accepts the connection and never answers must
//! not hang a run). After a timeout or a broken connection, the next call
//! connects again.
//!
//! Every statement is sent unprepared (`query_typed`: one round trip, no
//! named statement) and runs in a transaction, an explicit one or its
//! own; no session state is relied on (no session advisory lock, no
//! session `SET`): so it works the same through PgBouncer in transaction
//! pooling mode, as the tests check.

pub(crate) mod history;
pub(crate) mod lease;
pub(crate) mod schema;
pub(crate) mod target;
pub(crate) mod tls;

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Transaction};

use crate::state::error::StoreError;
use crate::state::location::Database;
use crate::state::postgres::target::{SslMode, Target};

/// What a call to the database does, as a future borrowing the client.
pub(crate) type Work<'a, T> =
    std::pin::Pin<Box<dyn Future<Output = Result<T, tokio_postgres::Error>> + 'a>>;

/// One connection to the database, shared by a run's history and its
/// lock's renewals.
pub(crate) type Shared = Arc<Mutex<Connection>>;

pub(crate) struct Connection {
    runtime: tokio::runtime::Runtime,
    client: Option<Client>,
    database: Database,
    tls: tls::Connector,
    /// How the target is shown in messages.
    pub(crate) shown: String,
    /// Whether the schema was found up to date on this connection.
    pub(crate) checked: bool,
}

impl Connection {
    /// Connect to `database` (the schema is checked by [`Connection::ready`]);
    /// `env` is the process's, for the system's trust store.
    pub(crate) fn open(
        database: &Database,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Connection, StoreError> {
        let shown = database.target.display();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| StoreError::Unreachable {
                target: shown.clone(),
                reason: format!("cannot start its client: {e}"),
            })?;
        let tls = tls::Connector::new(
            database.target.ssl_mode,
            database.target.root_cert.as_deref(),
            env,
        )
        .map_err(|e| StoreError::Unreachable {
            target: shown.clone(),
            reason: e.to_string(),
        })?;
        let mut connection = Connection {
            runtime,
            client: None,
            database: database.clone(),
            tls,
            shown,
            checked: false,
        };
        connection.connect()?;
        Ok(connection)
    }

    /// Lock the shared connection. A thread that panicked holding it left
    /// nothing half-done that a transaction would not have rolled back.
    pub(crate) fn lock(shared: &Shared) -> MutexGuard<'_, Connection> {
        shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn connect(&mut self) -> Result<(), StoreError> {
        let config = config(&self.database.target);
        let target = &self.database.target;
        // tokio-postgres bounds only the TCP connect by `connect_timeout`:
        // the TLS handshake and the login are bounded here, per host.
        let waited = target.connect_timeout * target.hosts.len().max(1) as u32;
        let tls = self.tls.clone();
        let _blocked = SignalsBlocked::now();
        let connected = self
            .runtime
            .block_on(async { tokio::time::timeout(waited, config.connect(tls)).await });
        match connected {
            Ok(Ok((client, connection))) => {
                // Driven whenever a call waits on the runtime.
                self.runtime.spawn(connection);
                self.client = Some(client);
                Ok(())
            }
            Ok(Err(e)) => Err(self.classify(&e)),
            Err(_) => Err(StoreError::Timeout {
                target: self.shown.clone(),
                waited,
            }),
        }
    }

    /// Run `work` on the client, within the statement timeout, connecting
    /// again first if the last call left the connection broken.
    pub(crate) fn call<T>(
        &mut self,
        work: impl for<'a> FnOnce(&'a mut Client) -> Work<'a, T>,
    ) -> Result<T, StoreError> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            self.client = None;
            self.connect()?;
        }
        let waited = self.database.timeout;
        let result = match self.client.as_mut() {
            Some(client) => self
                .runtime
                .block_on(async { tokio::time::timeout(waited, work(client)).await }),
            None => {
                return Err(StoreError::Unreachable {
                    target: self.shown.clone(),
                    reason: "the connection is closed".into(),
                });
            }
        };
        match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                let error = self.classify(&e);
                if e.is_closed() || matches!(error, StoreError::Unreachable { .. }) {
                    self.client = None;
                }
                Err(error)
            }
            Err(_) => {
                // Where the exchange stopped is unknown: start afresh.
                self.client = None;
                Err(StoreError::Timeout {
                    target: self.shown.clone(),
                    waited,
                })
            }
        }
    }

    /// Run `work` in one transaction, committed when it succeeds.
    pub(crate) fn transaction<T: 'static>(
        &mut self,
        work: impl for<'t> FnOnce(&'t Transaction<'t>) -> Work<'t, T> + 'static,
    ) -> Result<T, StoreError> {
        self.call(move |client| {
            Box::pin(async move {
                let tx = client.transaction().await?;
                let value = work(&tx).await?;
                tx.commit().await?;
                Ok(value)
            })
        })
    }

    /// How long a lock outlives its holder's last renewal.
    pub(crate) fn lease(&self) -> Duration {
        self.database.lease
    }

    /// The server's error as one of jobrun's, without the password.
    fn classify(&self, error: &tokio_postgres::Error) -> StoreError {
        let target = self.shown.clone();
        let reason = self.reason(error);
        let Some(db) = error.as_db_error() else {
            return StoreError::Unreachable { target, reason };
        };
        let code = db.code();
        let refused = [
            SqlState::INVALID_PASSWORD,
            SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
            SqlState::INVALID_CATALOG_NAME,
            SqlState::INSUFFICIENT_PRIVILEGE,
            SqlState::TOO_MANY_CONNECTIONS,
            SqlState::CANNOT_CONNECT_NOW,
            SqlState::READ_ONLY_SQL_TRANSACTION,
        ];
        if refused.contains(code) {
            StoreError::Refused { target, reason }
        } else if code == &SqlState::ADMIN_SHUTDOWN || code == &SqlState::CRASH_SHUTDOWN {
            StoreError::Unreachable { target, reason }
        } else {
            StoreError::Database { target, reason }
        }
    }

    /// The error in words: the server's message, or the cause of a
    /// connection's failure, with the password masked should it appear.
    fn reason(&self, error: &tokio_postgres::Error) -> String {
        let mut text = match error.as_db_error() {
            Some(db) => db.message().to_string(),
            None => {
                let mut text = error.to_string();
                let mut source = std::error::Error::source(error);
                while let Some(cause) = source {
                    text = format!("{text}: {cause}");
                    source = cause.source();
                }
                text
            }
        };
        if let Some(password) = self.database.target.password.as_deref()
            && !password.is_empty()
        {
            text = text.replace(password, "***");
        }
        text.replace('\n', " ")
    }
}

/// SIGINT and SIGTERM are for the run to take (`run::signal`): a thread
/// started here before the run blocks them (the lease's renewer, tokio's
/// thread for name lookups) must never be the one the kernel picks to
/// deliver them to, or their default action would end the process
/// unreported. Blocked in the calling thread while this lives, so that
/// threads started meanwhile inherit the mask, and the mask it had put
/// back after.
pub(crate) struct SignalsBlocked(libc::sigset_t);

impl SignalsBlocked {
    pub(crate) fn now() -> SignalsBlocked {
        // SAFETY: zeroed sigset_t values are valid storage for
        // sigemptyset and pthread_sigmask, which only change this
        // thread's mask.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGINT);
            libc::sigaddset(&mut set, libc::SIGTERM);
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
            SignalsBlocked(old)
        }
    }
}

impl Drop for SignalsBlocked {
    fn drop(&mut self) {
        // SAFETY: restores the mask saved by `now` in this same thread.
        unsafe {
            libc::pthread_sigmask(libc::SIG_SETMASK, &self.0, std::ptr::null_mut());
        }
    }
}

/// tokio-postgres's configuration for `target`.
fn config(target: &Target) -> tokio_postgres::Config {
    let mut config = tokio_postgres::Config::new();
    config
        .user(&target.user)
        .dbname(&target.dbname)
        .application_name(&target.application_name)
        .connect_timeout(target.connect_timeout)
        // A host that vanished (a network cut) is noticed within about a
        // minute instead of the kernel's two hours.
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(30))
        // libpq ignores `sslmode` on Unix sockets, which have no TLS.
        .ssl_mode(match target.ssl_mode {
            _ if target.hosts.iter().all(|h| h.starts_with('/')) => {
                tokio_postgres::config::SslMode::Disable
            }
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                tokio_postgres::config::SslMode::Require
            }
        });
    if let Some(password) = &target.password {
        config.password(password.as_bytes());
    }
    for host in &target.hosts {
        if host.starts_with('/') {
            config.host_path(host);
        } else {
            config.host(host);
        }
    }
    for i in 0..target.hosts.len() {
        config.port(target.port(i));
    }
    config
}
