//! The generated cron.d file, run by the real cron daemon (Debian's
//! `cron`, which `.ci/run` installs): an every-minute job kept in another
//! zone must reach a loopback server, with the secret from the `.env`
//! beside the job file, and its runs and a host-zone job's be recorded as
//! the scheduler's. It fails, never skips, when cron does not fire.
//! In the consumers group (tests/common/consumer.rs).
//!
//! Needs root: /etc/cron.d is root's, and cron only reads files owned by
//! root that group and others cannot write (cron(8)).

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::server::{Reply, Server};
use common::{Sandbox, consumer};

/// A cron minute, cron's own start-up and a margin: cron reads a changed
/// /etc/cron.d when its minute comes round, then runs the minute after.
const WAIT: Duration = Duration::from_secs(150);

/// Removes the installed file however the test ends.
struct Installed(PathBuf);

impl Installed {
    /// `text` as /etc/cron.d/NAME, root's and 0644, as cron reads it.
    fn new(name: &str, text: &str) -> Installed {
        use std::os::unix::fs::PermissionsExt as _;
        let path = PathBuf::from("/etc/cron.d").join(name);
        let installed = Installed(path.clone());
        std::fs::write(&path, text).expect("write into /etc/cron.d");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        installed
    }
}

/// A name no other copy of the tests running at once has.
fn nonce() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The tests using cron now, and the daemon they started, if they did:
/// the tests run at once, and the last one out stops it (by its process
/// id), never while another still waits for it to fire.
static USERS: std::sync::Mutex<(usize, Option<i32>)> = std::sync::Mutex::new((0, None));

/// One test's use of the cron daemon, from `use_cron`.
struct Started;

impl Drop for Started {
    fn drop(&mut self) {
        let mut users = USERS.lock().unwrap_or_else(|e| e.into_inner());
        users.0 -= 1;
        if users.0 == 0
            && let Some(pid) = users.1.take()
        {
            // SAFETY: kill(2) with a pid these tests started.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
    }
}

/// Make sure cron runs, for as long as the returned value lives.
fn use_cron() -> Started {
    let mut users = USERS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(pid) = ensure_cron() {
        users.1 = Some(pid);
    }
    users.0 += 1;
    Started
}

fn running_cron() -> Option<i32> {
    for pidfile in ["/run/crond.pid", "/var/run/crond.pid"] {
        if let Ok(text) = std::fs::read_to_string(pidfile)
            && let Ok(pid) = text.trim().parse::<i32>()
        {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim() == "cron" {
                return Some(pid);
            }
        }
    }
    None
}

/// Start cron unless it runs; `Some(pid)` when this test started it.
fn ensure_cron() -> Option<i32> {
    if running_cron().is_some() {
        return None;
    }
    // Debian's daemon lives in /usr/sbin, which a user's PATH may lack.
    let daemon = ["/usr/sbin/cron", "/usr/bin/cron"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| consumer::require("cron"));
    // cron forks into the background itself and writes its pid file.
    let status = std::process::Command::new(&daemon)
        .status()
        .expect("cron starts");
    assert!(status.success(), "`{}` failed: {status}", daemon.display());
    for _ in 0..50 {
        if let Some(pid) = running_cron() {
            return Some(pid);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("cron started but wrote no pid file");
}

#[test]
#[ignore = "consumer: needs cron (Debian's daemon) and root"]
fn real_cron_runs_the_generated_file_with_the_secret_from_dot_env() {
    consumer::require_root("it installs a file into /etc/cron.d");

    let server = Server::start(vec![Reply::status(200); 8]);
    let sandbox = Sandbox::new();
    let nonce = nonce();
    let secret = format!("cron-secret-{nonce}");
    // Its own name, for the server's log and cron's mail.
    let name = format!("cron-e2e-{nonce}");
    sandbox.write(
        "jobs.yaml",
        format!(
            "jobs:\n  - name: {name}\n    schedule: \"* * * * *\"\n    timezone: America/Chicago\n    url: \"{}\"\n    headers:\n      Authorization: \"Bearer ${{CRON_E2E_SECRET}}\"\n    retries: 0\n  - name: {name}-host\n    schedule: \"* * * * *\"\n    url: \"{}\"\n    retries: 0\n",
            server.url("/from-cron"),
            server.url("/host-zone")
        ),
    );
    sandbox.write(".env", format!("CRON_E2E_SECRET={secret}\n"));

    // The default `--bin` is this jobrun executable itself.
    let state = sandbox.path("cron-state");
    let state_dir = state.to_str().unwrap();
    let generated = sandbox.run(&["--state-dir", state_dir, "crontab", "--mailto", ""]);
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    assert!(
        generated.stdout.contains(" root  ")
            && generated.stdout.contains(&format!(" run --due {name}\n"))
            && generated
                .stdout
                .contains(&format!(" run --scheduled {name}-host\n")),
        "{}",
        generated.stdout
    );

    // Debian's cron reads only names of letters, digits, `_` and `-`.
    let installed = Installed::new(&format!("jobrun-e2e-{nonce}"), &generated.stdout);
    // cron notices a changed directory by its modification time.
    let _started = use_cron();

    let requests = server.wait_for_requests(2, WAIT);
    drop(installed);
    let request = requests
        .iter()
        .find(|r| r.target == "/from-cron")
        .expect("the job in Chicago ran");
    assert!(requests.iter().any(|r| r.target == "/host-zone"));
    // Both lines' runs are the scheduler's, with or without `--due`.
    for job in [name.clone(), format!("{name}-host")] {
        let history = sandbox.run(&["--state-dir", state_dir, "history", &job, "--json"]);
        assert_eq!(history.code, 0, "{}", history.stderr);
        let rows: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
        assert_eq!(rows["runs"][0]["triggered_by"], "scheduled", "{job}");
    }
    assert_eq!(
        request.header("Authorization"),
        Some(format!("Bearer {secret}").as_str()),
        "the secret from the .env beside the job file"
    );
}

/// The soonest shifted run among `jobs` that real cron can start: in the
/// minute after next (cron reads a changed /etc/cron.d when a minute comes
/// round), at most `WAIT` away with time to spare.
fn soonest_runnable(jobs: &[serde_json::Value]) -> Option<(String, jiff::Timestamp)> {
    let now = jiff::Timestamp::now();
    let first_minute = (now.as_second().div_euclid(60) + 2) * 60;
    jobs.iter()
        .filter_map(|job| {
            let next: jiff::Timestamp = job["next"].as_str()?.parse().ok()?;
            let second = next.as_second();
            (second >= first_minute && second < first_minute + 55)
                .then(|| (job["name"].as_str().unwrap().to_string(), next))
        })
        .min_by_key(|(_, next)| *next)
}

#[test]
#[ignore = "consumer: needs cron (Debian's daemon) and root"]
fn real_cron_runs_a_splayed_job_at_its_shifted_second_across_an_hour_boundary() {
    consumer::require_root("it installs a file into /etc/cron.d");

    let server = Server::start(vec![Reply::status(200); 2]);
    let sandbox = Sandbox::new();
    let nonce = nonce();
    // Written for minute 59 and delayed by 1 to 59 minutes: each run is
    // in the hour after the one it is written for. Of 1,000 such jobs, the
    // offsets put some run into the window below whatever the time.
    let job = |i: usize| {
        format!(
            "  - name: splay-{nonce}-{i}\n    schedule: \"59 * * * *\"\n    timezone: UTC\n    splay: 59m\n    url: \"{}\"\n    idempotencyKey: true\n    retries: 0\n",
            server.url("/splayed")
        )
    };
    let all: String = (0..1000).map(job).collect();
    sandbox.write("all.yaml", format!("jobs:\n{all}"));
    let listed = sandbox.run(&["--config", "all.yaml", "list", "--json"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let listing: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    let jobs = listing["jobs"].as_array().unwrap();
    let (name, shifted) = soonest_runnable(jobs).expect("an offset in the window");
    let i: usize = name.rsplit('-').next().unwrap().parse().unwrap();
    // The written minute is 59 of the hour before the shifted run's.
    let written =
        jiff::Timestamp::from_second(shifted.as_second().div_euclid(3600) * 3600 - 60).unwrap();
    assert!(shifted.as_second() - written.as_second() >= 60);

    // The one job, in a file of its own: the same name, the same offset.
    sandbox.write("jobs.yaml", format!("jobs:\n{}", job(i)));
    let state = sandbox.path("cron-state");
    let state_dir = state.to_str().unwrap();
    let generated = sandbox.run(&["--state-dir", state_dir, "crontab", "--mailto", ""]);
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    let minute = shifted.as_second().div_euclid(60).rem_euclid(60);
    assert!(
        generated
            .stdout
            .contains(&format!("\n{minute} * * * *  root  ")),
        "a line at the shifted minute {minute}: {}",
        generated.stdout
    );

    let installed = Installed::new(&format!("jobrun-splay-{nonce}"), &generated.stdout);
    let _started = use_cron();

    let requests = server.wait_for_requests(1, WAIT);
    drop(installed);
    assert_eq!(requests[0].target, "/splayed");
    let key = requests[0].header("Idempotency-Key").unwrap();
    assert_eq!(
        key.chars().nth(14),
        Some('8'),
        "derived from the instant: {key}"
    );

    let history = sandbox.run(&["--state-dir", state_dir, "history", &name, "--json"]);
    assert_eq!(history.code, 0, "{}", history.stderr);
    let rows: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    let row = &rows["runs"][0];
    assert_eq!(
        row["scheduled_at"],
        shifted
            .strftime("%Y-%m-%dT%H:%M:%S.000Z")
            .to_string()
            .as_str(),
        "the shifted instant `next` named"
    );
    let started: jiff::Timestamp = row["started_at"].as_str().unwrap().parse().unwrap();
    assert!(
        started >= shifted && started.as_second() - shifted.as_second() < 5,
        "started {started} for {shifted}"
    );
}
