//! A real PostgreSQL server for the consumers group, started by the tests
//! themselves: `initdb` into a temporary directory and `postgres` on a
//! free port of 127.0.0.1, as an unprivileged user when the tests run as
//! root (PostgreSQL refuses to run as root). Its binaries are found with
//! `pg_config --bindir` (Debian: /usr/lib/postgresql/N/bin).
//!
//! A small shell watchdog owns the server: it starts it, stops and starts
//! it again when told on its standard input, and when that input closes
//! (the test process ended, however it ended) stops it and removes the
//! directory. So no server outlives the tests.
//!
//! The server speaks TLS too, with a certificate made here for
//! `localhost` and 127.0.0.1 (and not 127.0.0.2, where it also listens),
//! signed by a test authority whose certificate is `ca_file()`.

use std::io::{BufRead as _, BufReader, Write as _};
use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The superuser's name and password.
pub const USER: &str = "jobrun";
pub const PASSWORD: &str = "SENTINEL-pg-password-7c1e55";
/// A role that may log in over TLS only (same password).
pub const TLS_USER: &str = "tlsonly";

pub struct Postgres {
    pub port: u16,
    pub dir: PathBuf,
    bindir: PathBuf,
    control: Mutex<(ChildStdin, BufReader<ChildStdout>)>,
    _watchdog: Child,
}

/// The PostgreSQL binaries' directory, or a clear failure.
pub fn bindir() -> PathBuf {
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let candidates = from_pg_config.into_iter().chain(
        std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("bin")),
    );
    for dir in candidates {
        if dir.join("postgres").is_file() && dir.join("initdb").is_file() {
            return dir;
        }
    }
    panic!(
        "consumer test needs PostgreSQL (`postgres` and `initdb`, found through `pg_config --bindir`); .ci/run installs Debian's `postgresql`"
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Who runs the server: this user, or `nobody` when this is root.
fn server_user() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    (unsafe { libc::geteuid() } == 0).then_some((65534, 65534))
}

fn chown(path: &Path, owner: Option<(u32, u32)>) {
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).expect("chown");
    }
}

/// The server every test of this binary shares (each in a database of its
/// own, see [`Postgres::database`]).
pub fn shared() -> &'static Postgres {
    static SERVER: OnceLock<Postgres> = OnceLock::new();
    SERVER.get_or_init(Postgres::start)
}

/// The test authority's certificate, and the server's certificate and key.
struct Certificates {
    ca: String,
    cert: String,
    key: String,
}

fn certificates() -> Certificates {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let mut ca = CertificateParams::new(Vec::new()).expect("CA parameters");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "jobrun test database CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().expect("CA key");
    let ca_cert = ca.self_signed(&ca_key).expect("self-signed CA");
    let issuer = Issuer::new(ca, ca_key);
    let mut server = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("server parameters");
    server
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server.use_authority_key_identifier_extension = true;
    let key = KeyPair::generate().expect("server key");
    let cert = server.signed_by(&key, &issuer).expect("server certificate");
    Certificates {
        ca: ca_cert.pem(),
        cert: cert.pem(),
        key: key.serialize_pem(),
    }
}

impl Postgres {
    /// A new server of its own (a test that stops it must not stop the
    /// others' server).
    pub fn start() -> Postgres {
        let bindir = bindir();
        let owner = server_user();
        let dir = tempfile::Builder::new()
            .prefix("jobrun-pg-")
            .tempdir()
            .expect("temp dir")
            .keep();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        chown(&dir, owner);
        let write = |name: &str, text: &str, mode: u32| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            chown(&path, owner);
            path
        };
        let pwfile = write("pwfile", PASSWORD, 0o600);
        let certs = certificates();
        write("ca.pem", &certs.ca, 0o644);
        write("server.crt", &certs.cert, 0o644);
        write("server.key", &certs.key, 0o600);
        let data = dir.join("data");
        let mut initdb = Command::new(bindir.join("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                USER,
                "--auth=scram-sha-256",
                "--no-sync",
                "-E",
                "UTF8",
            ])
            .args(["--locale=C", "--no-instructions"])
            .arg(format!("--pwfile={}", pwfile.display()))
            .current_dir(&dir)
            .stdout(Stdio::null());
        if let Some((uid, gid)) = owner {
            initdb.uid(uid).gid(gid);
        }
        let out = initdb.output().expect("initdb runs");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The TLS-only role: refused on a connection without TLS.
        let hba = data.join("pg_hba.conf");
        let rules = std::fs::read_to_string(&hba).unwrap();
        std::fs::write(
            &hba,
            format!("hostnossl all {TLS_USER} all reject\n{rules}"),
        )
        .unwrap();
        let port = free_port();
        // Start, stop and start again on request; on end of input, stop
        // and remove everything.
        let script = r#"
            start() { "$@" >>"$DIR/log" 2>&1 & pg=$!; }
            start "$@"
            while read -r order; do
              case "$order" in
                stop) kill -INT "$pg"; wait "$pg"; echo stopped ;;
                start) start "$@"; echo started ;;
              esac
            done
            kill -INT "$pg" 2>/dev/null; wait "$pg" 2>/dev/null
            rm -rf "$DIR"
        "#;
        let mut watchdog = Command::new("sh");
        watchdog
            .arg("-c")
            .arg(script)
            .arg("postgres")
            .arg(bindir.join("postgres"))
            .arg("-D")
            .arg(&data)
            .args(["-c", "listen_addresses=127.0.0.1,127.0.0.2"])
            .args(["-c", &format!("port={port}")])
            .args(["-c", "unix_socket_directories="])
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "max_connections=300"])
            .args(["-c", "ssl=on"])
            .args([
                "-c",
                &format!("ssl_cert_file={}", dir.join("server.crt").display()),
            ])
            .args([
                "-c",
                &format!("ssl_key_file={}", dir.join("server.key").display()),
            ])
            .env("DIR", &dir)
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some((uid, gid)) = owner {
            watchdog.uid(uid).gid(gid);
        }
        let mut child = watchdog.spawn().expect("the server's watchdog starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let server = Postgres {
            port,
            dir,
            bindir,
            control: Mutex::new((stdin, stdout)),
            _watchdog: child,
        };
        server.wait_ready();
        server.psql(
            "postgres",
            &format!("CREATE ROLE {TLS_USER} LOGIN SUPERUSER PASSWORD '{PASSWORD}'"),
        );
        server
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = self.psql_command("postgres", "SELECT 1").output().unwrap();
            if out.status.success() {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "PostgreSQL did not start: {}\n{}",
                    String::from_utf8_lossy(&out.stderr),
                    std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn order(&self, order: &str, answer: &str) {
        let mut control = self.control.lock().unwrap();
        writeln!(control.0, "{order}").unwrap();
        let mut line = String::new();
        control.1.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), answer);
    }

    /// Stop the server (fast shutdown: sessions are ended).
    pub fn stop(&self) {
        self.order("stop", "stopped");
    }

    /// Start it again, and wait until it answers.
    pub fn restart(&self) {
        self.order("start", "started");
        self.wait_ready();
    }

    fn psql_command(&self, database: &str, sql: &str) -> Command {
        let mut command = Command::new(self.bindir.join("psql"));
        command
            .env_clear()
            .env("PGPASSWORD", PASSWORD)
            .env("PGSSLMODE", "disable")
            .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", USER])
            .args(["-d", database, "-c", sql]);
        command
    }

    /// Run `sql` in `database` as the superuser: its output, unaligned.
    pub fn psql(&self, database: &str, sql: &str) -> String {
        let out = self
            .psql_command(database, sql)
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "psql failed on {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// A new, empty database: its URL (without TLS: the TLS tests ask
    /// for it themselves).
    pub fn database(&self) -> String {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("t{}_{n}", std::process::id());
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        name
    }

    /// The URL of `database`, with the password in it.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{USER}:{PASSWORD}@127.0.0.1:{}/{database}?sslmode=disable",
            self.port
        )
    }

    /// The test authority's certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }
}

/// PgBouncer in transaction pooling mode in front of the shared server,
/// with a few server connections for many clients: a client's
/// transactions land on whichever server connection is free, so anything
/// that relied on a session (a session advisory lock, `SET`, a named
/// prepared statement, which PgBouncer before 1.21 does not carry over)
/// would break. Stopped and removed when the test process ends.
pub struct PgBouncer {
    pub port: u16,
    _watchdog: Child,
}

/// The `pgbouncer` program, or a clear failure.
fn pgbouncer_program() -> PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/bin"] {
        let path = Path::new(dir).join("pgbouncer");
        if path.is_file() {
            return path;
        }
    }
    super::consumer::require("pgbouncer")
}

/// The PgBouncer every test of this binary shares.
pub fn bouncer() -> &'static PgBouncer {
    static BOUNCER: OnceLock<PgBouncer> = OnceLock::new();
    BOUNCER.get_or_init(|| PgBouncer::start(shared()))
}

impl PgBouncer {
    fn start(server: &Postgres) -> PgBouncer {
        let program = pgbouncer_program();
        let owner = server_user();
        let dir = tempfile::Builder::new()
            .prefix("jobrun-pgbouncer-")
            .tempdir()
            .expect("temp dir")
            .keep();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        chown(&dir, owner);
        let port = free_port();
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            chown(&path, owner);
            path
        };
        let users = write("userlist.txt", &format!("\"{USER}\" \"{PASSWORD}\"\n"));
        let config = write(
            "pgbouncer.ini",
            &format!(
                "[databases]\n* = host=127.0.0.1 port={}\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\nauth_type = scram-sha-256\nauth_file = {}\npool_mode = transaction\nmax_client_conn = 1000\ndefault_pool_size = 4\nmax_db_connections = 4\nserver_tls_sslmode = disable\nlogfile = {}\n",
                server.port,
                users.display(),
                dir.join("pgbouncer.log").display()
            ),
        );
        let script = r#"
            "$@" & pid=$!
            cat >/dev/null
            kill -INT "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
            rm -rf "$DIR"
        "#;
        let mut watchdog = Command::new("sh");
        watchdog
            .arg("-c")
            .arg(script)
            .arg("pgbouncer")
            .arg(program)
            .arg(&config)
            .env("DIR", &dir)
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some((uid, gid)) = owner {
            watchdog.uid(uid).gid(gid);
        }
        let child = watchdog.spawn().expect("PgBouncer's watchdog starts");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "PgBouncer did not start: {}",
                std::fs::read_to_string(dir.join("pgbouncer.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        PgBouncer {
            port,
            _watchdog: child,
        }
    }

    /// The URL of `database` (made on the server) through PgBouncer.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{USER}:{PASSWORD}@127.0.0.1:{}/{database}?sslmode=disable",
            self.port
        )
    }
}
