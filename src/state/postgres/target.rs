//! Which PostgreSQL server, database and user: a `postgres://` URL read as
//! libpq reads it (libpq-connect(3), "Connection URIs"), with the libpq
//! environment variables (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`,
//! `PGDATABASE`, `PGSSLMODE`, `PGSSLROOTCERT`, `PGCONNECT_TIMEOUT`,
//! `PGAPPNAME`) and `~/.pgpass` filling in what the URL leaves out, so a
//! URL that works with `psql` works here.
//!
//! The password is kept out of every rendering: [`Target::display`] is
//! what messages show, and `Debug` is redacted.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long connecting may take unless `connect_timeout` says otherwise.
/// libpq waits forever by default; a run must not. Ten seconds leaves
/// room for a loaded server forking a backend per run (100 runs starting
/// together on two cores took over 5 s) while a dead one is given up on.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest `connect_timeout` taken, in seconds.
const MAX_CONNECT_TIMEOUT: u64 = 300;

/// TLS, as libpq's `sslmode` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    Disable,
    /// TLS when the server offers it, unverified (libpq's default).
    /// libpq's `allow` is read as this too.
    Prefer,
    /// TLS or nothing, unverified; verified as `verify-ca` when a root
    /// certificate file is given, as libpq does.
    Require,
    /// TLS with a certificate a trusted authority signed, for any name.
    VerifyCa,
    /// TLS with a trusted certificate for the host's name.
    VerifyFull,
}

impl SslMode {
    fn parse(text: &str) -> Option<SslMode> {
        Some(match text {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }
}

/// A server and database to keep the state in.
#[derive(Clone)]
pub(crate) struct Target {
    /// Host names or addresses, or a directory holding the server's Unix
    /// socket (starts with `/`); tried in order.
    pub(crate) hosts: Vec<String>,
    /// One per host, or one for all.
    pub(crate) ports: Vec<u16>,
    pub(crate) user: String,
    pub(crate) password: Option<String>,
    pub(crate) dbname: String,
    pub(crate) ssl_mode: SslMode,
    /// `sslrootcert`: trusted besides the system's store.
    pub(crate) root_cert: Option<PathBuf>,
    pub(crate) connect_timeout: Duration,
    pub(crate) application_name: String,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// Why a state URL cannot be used. Never holds the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct UrlError(pub(crate) String);

fn scheme_len(text: &str) -> Option<usize> {
    ["postgres://", "postgresql://"].iter().find_map(|scheme| {
        text.get(..scheme.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
            .then_some(scheme.len())
    })
}

/// Whether a state URL, as written, holds a password itself rather than a
/// placeholder for one: a manifest (or the ConfigMap) would show it.
pub(crate) fn literal_password(url: &str) -> bool {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after_scheme.split(['/', '?']).next().unwrap_or("");
    let userinfo_password = authority
        .rsplit_once('@')
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, password)| password);
    let query_password = url
        .split_once('?')
        .into_iter()
        .flat_map(|(_, query)| query.split('&'))
        .find_map(|pair| pair.strip_prefix("password="));
    let is_placeholder =
        |p: &str| p.starts_with("${") && p.ends_with('}') && p.matches("${").count() == 1;
    [userinfo_password, query_password]
        .into_iter()
        .flatten()
        .any(|p| !p.is_empty() && !is_placeholder(p))
}

/// The target `url` names, with `env` (the libpq variables, looked up as
/// jobrun looks variables up) and the `.pgpass` file filling in the rest.
pub(crate) fn parse(url: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Target, UrlError> {
    let rest = &url[scheme_len(url).ok_or_else(|| {
        UrlError(
            "it is not a PostgreSQL URL: it must start with `postgres://` or `postgresql://`"
                .into(),
        )
    })?..];
    if rest.chars().any(char::is_control) {
        return Err(UrlError(
            "it holds a control character or a line break".into(),
        ));
    }
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = match before_query.find('/') {
        Some(i) => (&before_query[..i], &before_query[i + 1..]),
        None => (before_query, ""),
    };
    // The last `@`: a password may hold one, percent-encoded or not.
    let (userinfo, hostspec) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let mut given = Given::default();
    if let Some(userinfo) = userinfo {
        let (user, password) = match userinfo.split_once(':') {
            Some((user, password)) => (user, Some(password)),
            None => (userinfo, None),
        };
        given.user = nonempty(decode(user, "the user name")?);
        if let Some(password) = password {
            given.password = Some(decode(password, "the password")?);
        }
    }
    if !hostspec.is_empty() {
        hosts_and_ports(hostspec, &mut given)?;
    }
    if !path.is_empty() {
        given.dbname = Some(decode(path, "the database name")?);
    }
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| UrlError(format!("the parameter `{}` has no `=value`", shown(pair))))?;
        let value = decode(value, "a parameter")?;
        match key {
            "host" => given.hosts = value.split(',').map(str::to_string).collect(),
            "port" => given.ports = ports(&value)?,
            "user" => given.user = nonempty(value),
            "password" => given.password = Some(value),
            "dbname" => given.dbname = nonempty(value),
            "sslmode" => given.ssl_mode = Some(ssl_mode(&value, "`sslmode`")?),
            "sslrootcert" => given.root_cert = nonempty(value).map(PathBuf::from),
            "connect_timeout" => {
                given.connect_timeout = Some(timeout(&value, "`connect_timeout`")?)
            }
            "application_name" => given.application_name = Some(value),
            other => {
                return Err(UrlError(format!(
                    "jobrun does not know the parameter `{}`: it takes `host`, `port`, `user`, `password`, `dbname`, `sslmode`, `sslrootcert`, `connect_timeout` and `application_name`",
                    shown(other)
                )));
            }
        }
    }
    given.complete(env)
}

/// What the URL said, before the environment fills in the rest.
#[derive(Default)]
struct Given {
    hosts: Vec<String>,
    ports: Vec<u16>,
    user: Option<String>,
    password: Option<String>,
    dbname: Option<String>,
    ssl_mode: Option<SslMode>,
    root_cert: Option<PathBuf>,
    connect_timeout: Option<Duration>,
    application_name: Option<String>,
}

impl Given {
    fn complete(mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<Target, UrlError> {
        let var = |name: &str| env(name).filter(|v| !v.is_empty());
        if self.hosts.iter().all(String::is_empty) {
            self.hosts = match var("PGHOST") {
                Some(hosts) => hosts.split(',').map(str::to_string).collect(),
                None => Vec::new(),
            };
        }
        if self.ports.is_empty()
            && let Some(text) = var("PGPORT")
        {
            self.ports = ports(&text).map_err(|e| UrlError(format!("`PGPORT`: {e}")))?;
        }
        let ports = if self.ports.is_empty() {
            vec![5432]
        } else {
            self.ports
        };
        let hosts: Vec<String> = if self.hosts.iter().all(String::is_empty) {
            vec![default_socket_dir(ports[0])]
        } else {
            let fallback = default_socket_dir(ports[0]);
            self.hosts
                .into_iter()
                .map(|h| if h.is_empty() { fallback.clone() } else { h })
                .collect()
        };
        if ports.len() != 1 && ports.len() != hosts.len() {
            return Err(UrlError(format!(
                "it gives {} hosts and {} ports: give one port, or one per host",
                hosts.len(),
                ports.len()
            )));
        }
        let user = match self.user.or_else(|| var("PGUSER")) {
            Some(user) => user,
            None => var("USER").or_else(|| var("LOGNAME")).ok_or_else(|| {
                UrlError("it names no user, and neither `PGUSER` nor `USER` is set: put the user in the URL (`postgres://USER@HOST/DATABASE`)".into())
            })?,
        };
        let dbname = self
            .dbname
            .or_else(|| var("PGDATABASE"))
            .unwrap_or_else(|| user.clone());
        let ssl_mode = match self.ssl_mode {
            Some(mode) => mode,
            None => match var("PGSSLMODE") {
                Some(text) => ssl_mode(&text, "`PGSSLMODE`")?,
                None => SslMode::Prefer,
            },
        };
        let root_cert = self
            .root_cert
            .or_else(|| var("PGSSLROOTCERT").map(PathBuf::from));
        let connect_timeout = match self.connect_timeout {
            Some(timeout) => timeout,
            None => match var("PGCONNECT_TIMEOUT") {
                Some(text) => timeout(&text, "`PGCONNECT_TIMEOUT`")?,
                None => DEFAULT_CONNECT_TIMEOUT,
            },
        };
        let application_name = self
            .application_name
            .or_else(|| var("PGAPPNAME"))
            .unwrap_or_else(|| "jobrun".into());
        let mut target = Target {
            hosts,
            ports,
            user,
            password: self.password,
            dbname,
            ssl_mode,
            root_cert,
            connect_timeout,
            application_name,
        };
        if target.password.is_none() {
            target.password = var("PGPASSWORD").or_else(|| target.pgpass(env));
        }
        Ok(target)
    }
}

impl Target {
    /// The target as messages show it: no password, no parameters.
    pub(crate) fn display(&self) -> String {
        let host = |h: &str| {
            if h.contains(':') && !h.starts_with('/') {
                format!("[{h}]")
            } else {
                h.replace('/', "%2F")
            }
        };
        let hosts: Vec<String> = self
            .hosts
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let port = self.port(i);
                format!("{}:{port}", host(h))
            })
            .collect();
        format!(
            "postgres://{}@{}/{}",
            encode(&self.user),
            hosts.join(","),
            encode(&self.dbname)
        )
    }

    /// The port of the `i`th host.
    pub(crate) fn port(&self, i: usize) -> u16 {
        self.ports
            .get(i)
            .or(self.ports.first())
            .copied()
            .unwrap_or(5432)
    }

    /// The password for the first host from `PGPASSFILE` or `~/.pgpass`,
    /// which libpq reads only when it is private to its owner.
    fn pgpass(&self, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
        let path = match env("PGPASSFILE").filter(|v| !v.is_empty()) {
            Some(path) => PathBuf::from(path),
            None => Path::new(&env("HOME").filter(|v| !v.is_empty())?).join(".pgpass"),
        };
        use std::os::unix::fs::PermissionsExt as _;
        let meta = std::fs::metadata(&path).ok()?;
        if !meta.is_file() || meta.permissions().mode() & 0o077 != 0 || meta.len() > 1 << 20 {
            return None;
        }
        let text = std::fs::read_to_string(&path).ok()?;
        let host = self.hosts.first()?;
        // A socket directory matches `localhost` (libpq-pgpass(5)).
        let host = if host.starts_with('/') {
            "localhost"
        } else {
            host.as_str()
        };
        pgpass_lookup(&text, host, self.port(0), &self.dbname, &self.user)
    }
}

/// The password of the first line of a `.pgpass` file that matches
/// (`hostname:port:database:username:password`, `*` matching anything,
/// `\` escaping `:` and `\`).
fn pgpass_lookup(text: &str, host: &str, port: u16, dbname: &str, user: &str) -> Option<String> {
    let port = port.to_string();
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let fields = pgpass_fields(line);
            let [h, p, d, u, password] = fields.as_slice() else {
                return None;
            };
            let matches = |field: &str, value: &str| field == "*" || field == value;
            (matches(h, host) && matches(p, &port) && matches(d, dbname) && matches(u, user))
                .then(|| password.clone())
        })
}

fn pgpass_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(next), Some(field)) = (chars.next(), fields.last_mut()) {
                    field.push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}

/// Where libpq looks for the server's socket when no host is given:
/// Debian's directory, else the upstream default, else TCP on localhost.
fn default_socket_dir(port: u16) -> String {
    for dir in ["/var/run/postgresql", "/tmp"] {
        if Path::new(dir).join(format!(".s.PGSQL.{port}")).exists() {
            return dir.into();
        }
    }
    "localhost".into()
}

fn hosts_and_ports(hostspec: &str, given: &mut Given) -> Result<(), UrlError> {
    let mut ports = Vec::new();
    for part in hostspec.split(',') {
        let (host, port) = if let Some(inner) = part.strip_prefix('[') {
            let (host, after) = inner
                .split_once(']')
                .ok_or_else(|| UrlError("an IPv6 address in it has no closing `]`".into()))?;
            (host.to_string(), after.strip_prefix(':'))
        } else {
            match part.rsplit_once(':') {
                Some((host, port)) => (decode(host, "a host")?, Some(port)),
                None => (decode(part, "a host")?, None),
            }
        };
        given.hosts.push(host);
        if let Some(port) = port.filter(|p| !p.is_empty()) {
            ports.push(port_number(port)?);
        }
    }
    if !ports.is_empty() {
        given.ports = ports;
    }
    Ok(())
}

fn ports(text: &str) -> Result<Vec<u16>, UrlError> {
    text.split(',').map(port_number).collect()
}

fn port_number(text: &str) -> Result<u16, UrlError> {
    text.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
        UrlError(format!(
            "`{}` is not a port number (1 to 65535)",
            shown(text)
        ))
    })
}

fn ssl_mode(text: &str, what: &str) -> Result<SslMode, UrlError> {
    SslMode::parse(text).ok_or_else(|| {
        UrlError(format!(
            "{what} is `{}`: use `disable`, `prefer`, `require`, `verify-ca` or `verify-full`",
            shown(text)
        ))
    })
}

/// A number of seconds, as libpq takes `connect_timeout`. 0, libpq's
/// "forever", is refused: a run must never hang on its state.
fn timeout(text: &str, what: &str) -> Result<Duration, UrlError> {
    match text.trim().parse::<u64>() {
        Ok(secs) if (1..=MAX_CONNECT_TIMEOUT).contains(&secs) => Ok(Duration::from_secs(secs)),
        _ => Err(UrlError(format!(
            "{what} is `{}`: give a whole number of seconds from 1 to {MAX_CONNECT_TIMEOUT} (jobrun never waits forever)",
            shown(text)
        ))),
    }
}

fn nonempty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

/// Percent-decoding (RFC 3986 §2.1), into UTF-8.
fn decode(text: &str, what: &str) -> Result<String, UrlError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    UrlError(format!(
                        "{what} holds a `%` that is not followed by two hex digits: write `%25` for a `%`"
                    ))
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| UrlError(format!("{what} is not UTF-8 once decoded")))
}

/// Percent-encoding for display: what a URL cannot hold as is.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A piece of the URL quoted in a message: short, and never the password
/// (callers quote keys, ports and modes only).
fn shown(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn a_full_url_is_read_as_libpq_reads_it() {
        let t = parse(
            "postgresql://job%40run:p%3Ass@db.internal:6432/ops?sslmode=verify-full&connect_timeout=3",
            &env(&[]),
        )
        .unwrap();
        assert_eq!(t.hosts, ["db.internal"]);
        assert_eq!(t.ports, [6432]);
        assert_eq!(t.user, "job@run");
        assert_eq!(t.password.as_deref(), Some("p:ss"));
        assert_eq!(t.dbname, "ops");
        assert_eq!(t.ssl_mode, SslMode::VerifyFull);
        assert_eq!(t.connect_timeout, Duration::from_secs(3));
        assert_eq!(t.display(), "postgres://job%40run@db.internal:6432/ops");
        assert!(!format!("{t:?}").contains("p:ss"));
    }

    #[test]
    fn the_libpq_variables_fill_in_what_the_url_leaves_out() {
        const ENV: &[(&str, &str)] = &[
            ("PGHOST", "10.0.0.5"),
            ("PGPORT", "5433"),
            ("PGUSER", "ops"),
            ("PGPASSWORD", "from-env"),
            ("PGSSLMODE", "require"),
            ("PGCONNECT_TIMEOUT", "9"),
            ("PGDATABASE", "jobs"),
        ];
        let t = parse("postgres://", &env(ENV)).unwrap();
        assert_eq!(t.display(), "postgres://ops@10.0.0.5:5433/jobs");
        assert_eq!(t.password.as_deref(), Some("from-env"));
        assert_eq!(t.ssl_mode, SslMode::Require);
        assert_eq!(t.connect_timeout, Duration::from_secs(9));
        // The URL wins over the environment.
        let t = parse("postgres://me:mine@h/db?sslmode=disable", &env(ENV)).unwrap();
        assert_eq!(t.display(), "postgres://me@h:5433/db");
        assert_eq!(t.password.as_deref(), Some("mine"));
        assert_eq!(t.ssl_mode, SslMode::Disable);
    }

    #[test]
    fn hosts_ipv6_and_socket_directories() {
        let t = parse("postgres://u@[::1]:5000,b:5001/d", &env(&[])).unwrap();
        assert_eq!(t.hosts, ["::1", "b"]);
        assert_eq!(t.ports, [5000, 5001]);
        let t = parse("postgres://u@/d?host=/run/pg&port=5999", &env(&[])).unwrap();
        assert_eq!(t.hosts, ["/run/pg"]);
        assert_eq!(t.display(), "postgres://u@%2Frun%2Fpg:5999/d");
    }

    #[test]
    fn mistakes_are_named_without_the_password() {
        let problem = |url: &str| parse(url, &env(&[("USER", "u")])).unwrap_err().0;
        assert!(problem("mysql://u:pw@h/d").contains("not a PostgreSQL URL"));
        assert!(problem("postgres://u:pw@h:99999/d").contains("`99999` is not a port"));
        assert!(problem("postgres://u:pw@h/d?sslmode=maybe").contains("`sslmode` is `maybe`"));
        assert!(problem("postgres://u:pw@h/d?connect_timeout=0").contains("never waits forever"));
        assert!(problem("postgres://u:pw@h/d?frobnicate=1").contains("`frobnicate`"));
        let bad = problem("postgres://u:s3cr%zzet@h/d");
        assert!(bad.contains("the password holds a `%`"), "{bad}");
        assert!(!bad.contains("s3cr"), "{bad}");
    }

    #[test]
    fn a_password_written_into_a_state_url_is_found() {
        assert!(literal_password("postgres://jobrun:hunter2@db/ops"));
        assert!(literal_password(
            "postgres://jobrun@db/ops?password=hunter2"
        ));
        assert!(!literal_password("postgres://jobrun:${PGPASSWORD}@db/ops"));
        assert!(!literal_password(
            "postgres://jobrun@db/ops?sslmode=verify-full"
        ));
        assert!(!literal_password("postgres://db/ops"));
        assert!(literal_password("postgres://u:${A}x@db/ops"));
    }

    #[test]
    fn pgpass_lines_match_with_wildcards_and_escapes() {
        let text = "# comment\nother:5432:*:*:no\ndb:*:ops:job\\:run:pa\\:ss:word\n*:*:*:*:any\n";
        assert_eq!(
            pgpass_lookup(text, "db", 5432, "ops", "job:run").as_deref(),
            Some("pa:ss:word")
        );
        assert_eq!(
            pgpass_lookup(text, "x", 1, "y", "z").as_deref(),
            Some("any")
        );
    }
}
