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

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn shown(location: Location) -> String {
        match location {
            Location::Database(db) => db.target.display(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn the_flag_wins_over_the_environment_which_wins_over_the_file() {
        let file = Template::parse("postgres://f@file/db").unwrap();
        let env = lookup(&[("JOBRUN_STATE_URL", "postgres://e@env/db")]);
        let none = lookup(&[]);
        let resolved = |flag, process: &dyn Fn(&str) -> Option<String>| {
            shown(resolve(flag, Some(&file), None, process, &none).unwrap())
        };
        assert_eq!(
            resolved(Some("postgres://g@flag/db"), &env),
            "postgres://g@flag:5432/db"
        );
        assert_eq!(resolved(None, &env), "postgres://e@env:5432/db");
        assert_eq!(resolved(None, &none), "postgres://f@file:5432/db");
        assert_eq!(resolved(Some(""), &none), "postgres://f@file:5432/db");
        assert!(matches!(
            resolve(None, None, None, &none, &none).unwrap(),
            Location::Nowhere
        ));
    }

    #[test]
    fn placeholders_are_filled_in_and_an_unset_one_is_named() {
        let file = Template::parse("postgres://jobrun:${DB_PASSWORD}@db/ops").unwrap();
        let vars = lookup(&[("DB_PASSWORD", "s3cret")]);
        let none = lookup(&[]);
        let location = resolve(None, Some(&file), None, &none, &vars).unwrap();
        assert_eq!(location.password(), Some("s3cret"));
        let error = resolve(None, Some(&file), None, &none, &none).unwrap_err();
        assert!(
            error.to_string().starts_with(
                "`global.stateUrl` cannot be used: it uses `DB_PASSWORD`, which is not set"
            ),
            "{error}"
        );
    }

    #[test]
    fn the_waits_are_read_from_the_environment_and_bounded() {
        let file = Template::parse("postgres://u@h/d").unwrap();
        let none = lookup(&[]);
        let with = |pairs: &'static [(&'static str, &'static str)]| {
            resolve(None, Some(&file), None, &lookup(pairs), &none)
        };
        let Location::Database(db) =
            with(&[("JOBRUN_STATE_TIMEOUT", "3"), ("JOBRUN_LOCK_LEASE", "1m")]).unwrap()
        else {
            panic!("a database");
        };
        assert_eq!(db.timeout, Duration::from_secs(3));
        assert_eq!(db.lease, Duration::from_secs(60));
        let error = with(&[("JOBRUN_LOCK_LEASE", "1s")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`JOBRUN_LOCK_LEASE` is `1s`: it is out of range"
        );
        let error = with(&[("JOBRUN_STATE_TIMEOUT", "soon")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`JOBRUN_STATE_TIMEOUT` is `soon`: it is not a duration"
        );
    }
}
