//! `jobrun init`: from nothing to a job that validates, and never a file
//! written over.

mod common;

use std::os::unix::fs::PermissionsExt as _;

use common::Sandbox;

#[test]
fn init_writes_a_job_file_that_validates_and_an_env_of_mode_600() {
    let sandbox = Sandbox::new();
    let run = sandbox
        .jobrun()
        .env("TZ", "America/Chicago")
        .arg("init")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(
        stderr.starts_with(
            "wrote `jobs.yaml` (one job, `hello`) and `.env` (mode 600, holding API_TOKEN)\n"
        ),
        "{stderr}"
    );
    assert!(run.stdout.is_empty());
    let jobs = std::fs::read_to_string(sandbox.path("jobs.yaml")).unwrap();
    assert!(jobs.contains("  timezone: America/Chicago "), "{jobs}");
    let env = sandbox.path(".env");
    assert_eq!(env.metadata().unwrap().permissions().mode() & 0o777, 0o600);
    assert!(
        std::fs::read_to_string(&env)
            .unwrap()
            .contains("\nAPI_TOKEN=replace-with-your-token\n")
    );

    // The file passes every check, warnings included, and its variable is set.
    let run = sandbox.run(&["validate", "--env", "--strict"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("1 job (1 enabled), 0 warnings"),
        "{}",
        run.stdout
    );
    let run = sandbox.run(&["list"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("hello"), "{}", run.stdout);
    // The request it would send, with the token from .env masked.
    let run = sandbox.run(&["run", "hello", "--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("authorization: Bearer ***\n"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("replace-with-your-token"),
        "{}",
        run.stdout
    );
}

#[test]
fn init_without_a_named_host_zone_leaves_the_zone_as_a_comment() {
    let sandbox = Sandbox::new();
    // A POSIX rule has no IANA name to write.
    let run = sandbox
        .jobrun()
        .env("TZ", "EST5EDT,M3.2.0,M11.1.0")
        .arg("init")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    let jobs = std::fs::read_to_string(sandbox.path("jobs.yaml")).unwrap();
    assert!(jobs.contains("  # timezone: Europe/Paris "), "{jobs}");
    let run = sandbox.run(&["validate", "--strict"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn init_writes_where_config_and_env_file_point() {
    let sandbox = Sandbox::new();
    std::fs::create_dir(sandbox.path("etc")).unwrap();
    let run = sandbox.run(&["--config", "etc/jobs.yaml", "init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(sandbox.path("etc/jobs.yaml").is_file());
    assert!(
        sandbox.path("etc/.env").is_file(),
        "the .env goes beside the job file"
    );
    assert!(!sandbox.path("jobs.yaml").exists());
    let run = sandbox.run(&["-c", "etc/jobs.yaml", "validate", "--env"]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let run = sandbox
        .jobrun()
        .env("JOBRUN_CONFIG", "other.yaml")
        .args(["--env-file", "secrets.env", "init"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    assert!(sandbox.path("other.yaml").is_file());
    assert_eq!(
        sandbox
            .path("secrets.env")
            .metadata()
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
}

#[test]
fn init_writes_over_nothing_and_says_what_to_do() {
    // A job file there: refused, and no .env written either.
    let sandbox = Sandbox::with_jobs("jobs: []\n");
    let run = sandbox.run(&["init"]);
    assert_eq!(run.code, 3);
    assert_eq!(
        run.stderr,
        "error: `jobs.yaml` already exists, and `jobrun init` writes over nothing\n  = help: nothing was written; check the file you have with `jobrun validate`, or write the starter files elsewhere with `--config PATH`\n"
    );
    assert_eq!(
        std::fs::read_to_string(sandbox.path("jobs.yaml")).unwrap(),
        "jobs: []\n"
    );
    assert!(!sandbox.path(".env").exists());

    // A .env there: refused, and no job file written.
    let sandbox = Sandbox::new();
    sandbox.write(".env", "API_TOKEN=mine\n");
    let run = sandbox.run(&["init"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("`.env` already exists"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("with `--env-file PATH`"),
        "{}",
        run.stderr
    );
    assert!(!sandbox.path("jobs.yaml").exists());
    assert_eq!(
        std::fs::read_to_string(sandbox.path(".env")).unwrap(),
        "API_TOKEN=mine\n"
    );

    // A link, even to nowhere, is not followed: nothing is created at its end.
    let sandbox = Sandbox::new();
    std::os::unix::fs::symlink(sandbox.path("elsewhere"), sandbox.path(".env")).unwrap();
    let run = sandbox.run(&["init"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(!sandbox.path("elsewhere").exists());
    assert!(!sandbox.path("jobs.yaml").exists());
}

#[test]
fn init_into_a_missing_directory_names_the_path() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(&["--config", "nowhere/jobs.yaml", "init"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .starts_with("error: cannot write `nowhere/jobs.yaml`: "),
        "{}",
        run.stderr
    );
}
