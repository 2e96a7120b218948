//! Where the state lives: in the state directory (SQLite and lock files,
//! the default) or in a PostgreSQL database, when a state URL is given.
//!
//! The URL is the first of `--state-url`, `$JOBRUN_STATE_URL` and
//! `global.stateUrl`; empty values count as unset. Its `${VAR}`
//! placeholders, and the libpq variables (`PGPASSWORD`...), are looked up
//! as every variable is (the environment, `.env`, `_FILE`, `ENCRYPTED_`,
//! the credentials directory), so the password can stay out of the file.

use std::time::Duration;

use crate::job::template::Template;
use crate::state::dir::StateDir;
use crate::state::postgres::target::{self, Target};

/// How long one exchange with the database may take, unless
/// `JOBRUN_STATE_TIMEOUT` says otherwise: each takes a millisecond on a
/// healthy server, and this bounds a run's wait on a sick one.
pub(crate) const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a run's lock outlives its last renewal, unless
/// `JOBRUN_LOCK_LEASE` says otherwise. A run renews it every third of
/// that.
pub(crate) const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// Where the state lives.
#[derive(Debug, Clone)]
pub(crate) enum Location {
    /// SQLite and lock files in the state directory.
    Directory(StateDir),
    /// Nothing names a state directory (no setting, no `HOME`).
    Nowhere,
    /// A PostgreSQL database.
    Database(Database),
}

/// A PostgreSQL database to keep the state in, and how long to wait for it.
#[derive(Debug, Clone)]
pub(crate) struct Database {
    pub(crate) target: Target,
    /// The longest one exchange with the server may take.
    pub(crate) timeout: Duration,
    /// How long a lock outlives its holder's last renewal.
    pub(crate) lease: Duration,
}

/// Which setting gave the URL, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UrlSource {
    Flag,
    Env,
    File,
}

impl UrlSource {
    pub(crate) fn name(self) -> &'static str {
        match self {
            UrlSource::Flag => "`--state-url`",
            UrlSource::Env => "`JOBRUN_STATE_URL`",
            UrlSource::File => "`global.stateUrl`",
        }
    }
}

/// Why the state URL cannot be used. Never holds the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum LocationError {
    #[error("{} cannot be used: {reason}", from.name())]
    Url { from: UrlSource, reason: String },
    #[error("`{var}` is `{value}`: {why}")]
    Setting {
        var: &'static str,
        value: String,
        why: &'static str,
    },
}

impl LocationError {
    pub(crate) fn help(&self) -> String {
        match self {
            LocationError::Url { from, .. } => format!(
                "fix the URL in {}; it reads as libpq reads it: `postgres://USER@HOST:PORT/DATABASE?sslmode=verify-full`, the password in `PGPASSWORD` or `~/.pgpass`",
                from.name()
            ),
            LocationError::Setting { var, .. } => {
                format!(
                    "give `{var}` a duration such as `5s` or `30s` (a bare number is seconds), or unset it"
                )
            }
        }
    }
}

/// Where the state lives: the database the URL names (`flag`, then
/// `JOBRUN_STATE_URL`, then the file's `stateUrl`), else the state
/// directory. `process` is the process environment (for jobrun's own
/// settings); `lookup` finds a variable as jobs find theirs.
pub(crate) fn resolve(
    flag: Option<&str>,
    file: Option<&Template>,
    dir: Option<StateDir>,
    process: &dyn Fn(&str) -> Option<String>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Location, LocationError> {
    let given = if let Some(url) = flag.filter(|u| !u.is_empty()) {
        Some((Template::parse(url), UrlSource::Flag))
    } else if let Some(url) = process("JOBRUN_STATE_URL").filter(|u| !u.is_empty()) {
        Some((Template::parse(&url), UrlSource::Env))
    } else {
        file.map(|t| (Ok(t.clone()), UrlSource::File))
    };
    let Some((template, source)) = given else {
        return Ok(dir.map_or(Location::Nowhere, Location::Directory));
    };
    let fail = |reason: String| LocationError::Url {
        from: source,
        reason,
    };
    let template = template.map_err(|e| fail(format!("invalid placeholder: {}", e.message)))?;
    let url = template.render(lookup).map_err(|unset| {
        fail(format!(
            "it uses `{}`, which is not set; {}",
            unset.name,
            unset.help()
        ))
    })?;
    let target = target::parse(&url.text, lookup).map_err(|e| fail(e.0))?;
    Ok(Location::Database(Database {
        target,
        timeout: setting(
            process,
            "JOBRUN_STATE_TIMEOUT",
            DEFAULT_STATEMENT_TIMEOUT,
            Duration::from_millis(100)..=Duration::from_secs(300),
        )?,
        lease: setting(
            process,
            "JOBRUN_LOCK_LEASE",
            DEFAULT_LEASE,
            Duration::from_secs(2)..=Duration::from_secs(3600),
        )?,
    }))
}

fn setting(
    process: &dyn Fn(&str) -> Option<String>,
    var: &'static str,
    default: Duration,
    range: std::ops::RangeInclusive<Duration>,
) -> Result<Duration, LocationError> {
    let Some(text) = process(var).filter(|v| !v.is_empty()) else {
        return Ok(default);
    };
    // A bare number is seconds, as libpq's `connect_timeout` is.
    let parsed = match text.trim().parse::<u64>() {
        Ok(secs) => Ok(Duration::from_secs(secs)),
        Err(_) => crate::job::duration::parse(&text),
    };
    match parsed {
        Ok(d) if range.contains(&d) => Ok(d),
        Ok(_) => Err(LocationError::Setting {
            var,
            value: text,
            why: "it is out of range",
        }),
        Err(_) => Err(LocationError::Setting {
            var,
            value: text,
            why: "it is not a duration",
        }),
    }
}

impl Location {
    /// The password of the database, for masking.
    pub(crate) fn password(&self) -> Option<&str> {
        match self {
            Location::Database(db) => db.target.password.as_deref(),
            _ => None,
        }
    }
}
