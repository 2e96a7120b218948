//! Tokens that warn before they expire: a JWT in a variable is read for
//! its `exp` (never verified, never shown). `validate --env` warns within
//! `global.tokenWarning` (14 days) and fails on an expired one; `run`
//! refuses to send an expired one, exits 3 and records the failure;
//! `status` shows the earliest expiry; a token jobrun mints is fresh.

mod common;

use common::Sandbox;
use common::server::{Reply, Server};

/// The second the tests' tokens count from: read once, so that a token
/// and the time a test expects it to show agree across a second's edge.
fn now() -> i64 {
    static NOW: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *NOW.get_or_init(|| jiff::Timestamp::now().as_second())
}

/// A JWT expiring `days` from now (negative: ago), signed with nothing
/// jobrun could check.
fn token(days: i64) -> String {
    token_at(now() + days * 86_400)
}

/// A token that expires `days` from now, and that instant as jobrun
/// writes it: read from one reading of the clock, so a second that ticks
/// between the two cannot set them apart.
fn token_and_expiry(days: i64) -> (String, String) {
    let exp = now() + days * 86_400;
    (
        token_at(exp),
        jiff::Timestamp::from_second(exp).unwrap().to_string(),
    )
}

fn token_at(exp: i64) -> String {
    let part = |json: String| {
        use std::fmt::Write as _;
        // base64url without padding, by hand: the tests use no crate for it.
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let bytes = json.as_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                let _ = write!(
                    out,
                    "{}",
                    ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char
                );
            }
        }
        out
    };
    format!(
        "{}.{}.U0VOVElORUwtc2lnbmF0dXJl",
        part(r#"{"alg":"RS256","typ":"JWT"}"#.into()),
        part(format!(r#"{{"sub":"SENTINEL-token-Tq3","exp":{exp}}}"#))
    )
}

const JOBS: &str = "jobs:\n  - name: report\n    schedule: \"0 9 * * *\"\n    url: \"URL\"\n    headers:\n      Authorization: \"Bearer ${API_TOKEN}\"\n    retries: 0\n  - name: plain\n    schedule: \"0 9 * * *\"\n    url: \"URL\"\n";

fn sandbox(url: &str, api_token: &str, global: &str) -> Sandbox {
    let sandbox = Sandbox::with_jobs(&format!("{global}{}", JOBS.replace("URL", url)));
    sandbox.write(".env", format!("API_TOKEN={api_token}\n"));
    std::fs::set_permissions(
        sandbox.path(".env"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    sandbox
}

#[test]
fn validate_env_warns_within_14_days_and_fails_on_an_expired_token() {
    let (soon, soon_at) = token_and_expiry(3);
    let run = sandbox("https://example.com/", &soon, "").run(&["validate", "--env"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "warning: variable `API_TOKEN` holds a token that expires at {}, in 3 days (job `report`)",
            soon_at
        )),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("jobs.yaml:6:"), "{}", run.stderr);
    assert!(!run.stderr.contains(&soon) && !run.stdout.contains(&soon));

    let later = sandbox("https://example.com/", &token(20), "").run(&["validate", "--env"]);
    assert_eq!((later.code, later.stderr.as_str()), (0, ""));
    // `global.tokenWarning` widens the warning.
    let wide = sandbox(
        "https://example.com/",
        &token(20),
        "global:\n  tokenWarning: 30d\n",
    )
    .run(&["validate", "--env"]);
    assert!(
        wide.stderr.contains("in 20 days (job `report`)"),
        "{}",
        wide.stderr
    );

    let (expired, expired_at) = token_and_expiry(-2);
    let run = sandbox("https://example.com/", &expired, "").run(&["validate", "--env"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "error: variable `API_TOKEN` holds a token that expired at {} (job `report`)",
            expired_at
        )),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(&expired));
    // Without `--env` the variables are not read.
    let plain = sandbox("https://example.com/", &expired, "").run(&["validate"]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
}

#[test]
fn run_refuses_an_expired_token_exits_3_and_records_the_failure() {
    let server = Server::start(vec![Reply::status(200); 3]);
    let (expired, expired_at) = token_and_expiry(-1);
    let sandbox = sandbox(&server.url("/report"), &expired, "");
    let run = sandbox.run(&["run", "report"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!(
            "jobrun: job `report` failed: not sent: variable `API_TOKEN` holds a token that expired at {}; get a new token and set it where `API_TOKEN` comes from\n",
            expired_at
        )
    );
    assert!(server.requests().is_empty(), "the token was sent");
    let history = sandbox.run(&["history", "report", "--json"]);
    let rows: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    let row = &rows["runs"][0];
    assert_eq!(row["outcome"], "failed");
    assert_eq!(row["attempts"], 0);
    assert_eq!(row["error_class"], "token_expired");
    // Nothing was sent: the run has no time to show, not a time of 0 ms.
    assert_eq!(row["duration_ms"], serde_json::Value::Null, "{row}");
    assert!(
        row["error"]
            .as_str()
            .unwrap()
            .contains("`API_TOKEN` holds a token that expired at"),
        "{row}"
    );
    assert!(!history.stdout.contains(&expired));
    // The log file has the refused run as it has any other.
    let log = sandbox.path("runs.log");
    let run = sandbox.run(&[
        "run",
        "report",
        "--log-file",
        &log.display().to_string(),
        "--log-format",
        "json",
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let logged = std::fs::read_to_string(&log).unwrap();
    let line: serde_json::Value = serde_json::from_str(logged.trim_end()).unwrap();
    assert_eq!(line["event"], "run", "{logged}");
    assert_eq!(line["outcome"], "failed");
    assert_eq!(line["error_class"], "token_expired");
    assert_eq!(run.stderr, logged, "stderr in the log's format too");
    assert!(!logged.contains(&expired));
    // `--dry-run` and `--as-curl` show the request, and say that `run`
    // would not send it.
    for preview in ["--dry-run", "--as-curl"] {
        let run = sandbox.run(&["run", "report", preview]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(
            run.stderr,
            format!(
                "jobrun: warning: job `report`: variable `API_TOKEN` holds a token that expired at {}: `run` would not send this request; get a new token and set it where `API_TOKEN` comes from\n",
                expired_at
            )
        );
        assert!(!run.stdout.contains(&expired));
    }
    // Another job of the file, without the token, runs.
    let other = sandbox.run(&["run", "plain"]);
    assert_eq!(other.code, 0, "{}", other.stderr);
    // A token expiring later is sent.
    let fresh = token(1);
    sandbox.write(".env", format!("API_TOKEN={fresh}\n"));
    assert_eq!(sandbox.run(&["run", "report"]).code, 0);
    let requests = server.requests();
    assert_eq!(
        requests.last().unwrap().header("Authorization"),
        Some(format!("Bearer {fresh}").as_str())
    );
}

#[test]
fn status_shows_the_earliest_expiry_within_the_warning_period() {
    let soon = token(5);
    let sandbox = sandbox("https://example.com/", &soon, "");
    let run = sandbox.run(&["status"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let at = jiff::Timestamp::from_second(now() + 5 * 86_400).unwrap();
    let shown = at.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string();
    assert!(
        run.stdout
            .lines()
            .any(|l| l == format!("token: report uses `API_TOKEN`, which expires at {shown}")),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains(&soon));
    let json = sandbox.run(&["status", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        value["jobs"][0]["token_expires"],
        serde_json::json!({"variable": "API_TOKEN", "at": shown, "expired": false})
    );
    assert_eq!(value["jobs"][1]["token_expires"], serde_json::Value::Null);
    // Beyond the warning period nothing is said of it.
    let far = self::sandbox("https://example.com/", &token(40), "");
    let run = far.run(&["status"]);
    assert!(!run.stdout.contains("token:"), "{}", run.stdout);
}

#[test]
fn status_exits_1_for_an_expired_token_even_before_the_job_has_run() {
    // The job's next run is refused without sending: `status` says so now,
    // not after the failure is recorded.
    let expired = token(-2);
    let sandbox = sandbox("https://example.com/", &expired, "");
    let run = sandbox.run(&["status"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let at = jiff::Timestamp::from_second(now() - 2 * 86_400).unwrap();
    let shown = at.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string();
    assert!(
        run.stdout.lines().any(|l| l
            == format!(
                "token: report uses `API_TOKEN`, which expired at {shown}: its runs are refused until it is replaced"
            )),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains(&expired));
    let json = sandbox.run(&["status", "--json"]);
    assert_eq!(json.code, 1, "{}", json.stdout);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["jobs"][0]["token_expires"]["expired"], true);

    // A disabled job's expired token is shown, and fails nothing: it is
    // not run.
    let disabled = Sandbox::with_jobs(
        "jobs:\n  - name: report\n    schedule: \"0 9 * * *\"\n    url: \"https://example.com/\"\n    enabled: false\n    headers:\n      Authorization: \"Bearer ${API_TOKEN}\"\n",
    );
    let run = disabled
        .jobrun()
        .env("API_TOKEN", &expired)
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    assert!(
        String::from_utf8(run.stdout)
            .unwrap()
            .contains("which expired at"),
        "the expiry is still shown"
    );
}

#[test]
fn a_minted_token_is_always_fresh() {
    // JWT_TOKEN minted from JWT_SECRET lives a minute here: never a warning.
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: report\n    schedule: \"0 9 * * *\"\n    url: \"https://example.com/\"\n    headers:\n      Authorization: \"Bearer ${JWT_TOKEN}\"\n",
    );
    let run = sandbox
        .jobrun()
        .env("JWT_SECRET", "SENTINEL-minting-key")
        .env("JWT_TTL_SECONDS", "60")
        .args(["validate", "--env"])
        .output()
        .unwrap();
    let run = common::Run::from(run);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    // A JWT_TOKEN given outright is read like any other.
    let given = sandbox
        .jobrun()
        .env("JWT_TOKEN", token(-1))
        .args(["validate", "--env"])
        .output()
        .unwrap();
    assert_eq!(common::Run::from(given).code, 3);
}
