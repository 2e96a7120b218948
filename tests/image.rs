//! The Dockerfile against the manifests `jobrun kubernetes` writes: the
//! runtime stage holds what the CronJobs assume (jobrun on PATH, the job
//! file's and the state's places, the user id, the CA bundle and zone
//! database jobrun reads). No container engine runs in the tests: the
//! Dockerfile is read as text, the manifest as `kubernetes` prints it.
//! (`hadolint` lints the Dockerfile in the consumers group.)

mod common;

use std::collections::BTreeMap;

use common::{Sandbox, repo_file};

/// The last stage of the Dockerfile: its base, environment, user, and
/// each copied file's destination with the owner given (`--chown`).
struct Stage {
    base: String,
    env: BTreeMap<String, String>,
    user: Option<String>,
    copies: Vec<(String, Option<String>)>,
    entrypoint: Option<String>,
}

/// The Dockerfile's instructions, continuation lines joined and comments
/// dropped.
fn instructions(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(part) => {
                current.push_str(part);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                let (word, rest) = current.split_once(' ').unwrap_or((&current, ""));
                out.push((word.to_uppercase(), rest.trim().to_string()));
                current.clear();
            }
        }
    }
    out
}

fn stages(text: &str) -> Vec<Stage> {
    let mut stages: Vec<Stage> = Vec::new();
    for (word, rest) in instructions(text) {
        if word == "FROM" {
            stages.push(Stage {
                base: rest.split_whitespace().next().unwrap().to_string(),
                env: BTreeMap::new(),
                user: None,
                copies: Vec::new(),
                entrypoint: None,
            });
            continue;
        }
        let stage = stages.last_mut().expect("FROM first");
        match word.as_str() {
            "ENV" => {
                for pair in rest.split_whitespace() {
                    let (key, value) = pair.split_once('=').expect("ENV KEY=value");
                    stage.env.insert(key.to_string(), value.to_string());
                }
            }
            "USER" => stage.user = Some(rest),
            "ENTRYPOINT" => stage.entrypoint = Some(rest),
            "COPY" => {
                let words: Vec<&str> = rest.split_whitespace().collect();
                let owner = words
                    .iter()
                    .find_map(|w| w.strip_prefix("--chown="))
                    .map(str::to_string);
                stage
                    .copies
                    .push((words.last().unwrap().to_string(), owner));
            }
            _ => {}
        }
    }
    stages
}

/// `key: value` of the first line of the manifest holding `key:`, its
/// quotes removed.
fn field<'m>(manifest: &'m str, key: &str) -> &'m str {
    let prefix = format!("{key}: ");
    manifest
        .lines()
        .find_map(|l| {
            l.trim_start()
                .trim_start_matches("- ")
                .strip_prefix(&prefix)
        })
        .unwrap_or_else(|| panic!("no `{key}:` in the manifest"))
        .trim_matches('"')
}

/// The manifests for the shipped job file, with `args` before the
/// command (a state URL) and `after` it.
fn manifest(args: &[&str], after: &[&str]) -> String {
    let sandbox = Sandbox::new();
    std::fs::copy(repo_file("jobs.yaml"), sandbox.path("jobs.yaml")).unwrap();
    let mut all = args.to_vec();
    all.extend(["kubernetes", "--image", "registry.example.com/jobrun:1"]);
    all.extend(after);
    let run = sandbox.run(&all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
}

/// Where the manifests mount volumes in the container.
fn mounts(manifest: &str) -> Vec<&str> {
    manifest
        .lines()
        .filter_map(|l| l.trim().strip_prefix("mountPath: "))
        .map(|m| m.trim_matches('"'))
        .collect()
}

#[test]
fn the_image_holds_what_the_manifests_assume() {
    let dockerfile = std::fs::read_to_string(repo_file("Dockerfile")).unwrap();
    let stages = stages(&dockerfile);
    assert_eq!(stages.len(), 2, "a build stage and a runtime stage");
    let runtime = stages.last().unwrap();
    let manifest = manifest(&[], &["--state-claim", "jobrun-history"]);

    // The user: the one the pods run as, not root, by number (so that
    // `runAsNonRoot` can check it), owning the state directory.
    let user = runtime.user.as_deref().expect("USER in the runtime stage");
    let uid = field(&manifest, "runAsUser");
    let gid = field(&manifest, "runAsGroup");
    assert_eq!(user, format!("{uid}:{gid}"));
    assert_ne!(uid, "0");
    assert_eq!(field(&manifest, "fsGroup"), gid);
    assert_eq!(field(&manifest, "runAsNonRoot"), "true");

    // The command: `jobrun` found on the image's PATH.
    let command = field(&manifest, "command");
    assert!(
        command.starts_with("[\"jobrun\", \"--config\", "),
        "{command}"
    );
    let config = command.split("\", \"").nth(2).unwrap();
    let binary = runtime
        .copies
        .iter()
        .map(|(dest, _)| dest.as_str())
        .find(|d| d.ends_with("/jobrun"))
        .expect("the binary is copied in");
    let dir = binary.rsplit_once('/').unwrap().0;
    assert!(
        runtime.env["PATH"].split(':').any(|p| p == dir),
        "{binary} is not on PATH {}",
        runtime.env["PATH"]
    );
    assert_eq!(runtime.entrypoint.as_deref(), Some("[\"jobrun\"]"));

    // The job file: where the ConfigMap is mounted, and the image's default.
    assert_eq!(runtime.env["JOBRUN_CONFIG"], config);
    let mounts = mounts(&manifest);
    let config_dir = config.rsplit_once('/').unwrap().0;
    assert!(mounts.contains(&config_dir), "{mounts:?}");

    // The state directory: named to jobrun, a directory it makes in the
    // mounted volume (its own, mode 0700, as it refuses a directory others
    // can write), and the volume's place in the image owned by the user,
    // for a Docker volume to take that ownership.
    let state = manifest
        .split("- name: \"JOBRUN_STATE_DIR\"\n")
        .nth(1)
        .map(|rest| field(rest, "value"))
        .expect("JOBRUN_STATE_DIR in the manifest");
    let volume = state.rsplit_once('/').unwrap().0;
    assert!(mounts.contains(&volume), "{mounts:?}");
    assert_eq!(runtime.env["JOBRUN_STATE_DIR"], state);
    assert_eq!(runtime.env["SQLITE_TMPDIR"], state, "no writable /tmp");
    assert!(
        runtime
            .copies
            .iter()
            .any(|(dest, owner)| dest == volume && owner.as_deref() == Some(user)),
        "{volume} is not copied in owned by {user}"
    );
    assert!(manifest.contains("readOnlyRootFilesystem: true"));

    // What jobrun reads from the system: the CA bundle and the zones.
    for needed in ["/etc/ssl/certs/ca-certificates.crt", "/usr/share/zoneinfo"] {
        assert!(
            runtime.copies.iter().any(|(dest, _)| dest == needed),
            "{needed} is not in the runtime stage"
        );
    }
    assert!(
        runtime.base.starts_with("gcr.io/distroless/cc-"),
        "{}",
        runtime.base
    );
}

#[test]
fn the_docs_name_the_containers_state_directory_as_the_image_does() {
    let dockerfile = std::fs::read_to_string(repo_file("Dockerfile")).unwrap();
    let runtime = stages(&dockerfile).pop().unwrap();
    let state = &runtime.env["JOBRUN_STATE_DIR"];
    let mut pages = vec![repo_file("README.md")];
    for entry in std::fs::read_dir(repo_file("docs")).unwrap() {
        pages.push(entry.unwrap().path());
    }
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap();
        for (i, line) in text.lines().enumerate() {
            for (at, _) in line.match_indices("JOBRUN_STATE_DIR=") {
                let value: String = line[at + "JOBRUN_STATE_DIR=".len()..]
                    .chars()
                    .take_while(|c| !c.is_whitespace() && !"`),".contains(*c))
                    .collect();
                assert!(
                    !value.starts_with("/var/lib/jobrun") || value == *state,
                    "{}:{}: `JOBRUN_STATE_DIR={value}`, but the image sets {state}",
                    page.display(),
                    i + 1
                );
            }
        }
    }
}

#[test]
fn with_a_state_url_the_pods_run_as_the_images_user_and_write_nothing() {
    let dockerfile = std::fs::read_to_string(repo_file("Dockerfile")).unwrap();
    let runtime = stages(&dockerfile).pop().unwrap();
    let manifest = manifest(&["--state-url", "postgres://jobrun@db.internal/ops"], &[]);
    let user = runtime.user.as_deref().expect("USER in the runtime stage");
    assert_eq!(
        user,
        format!(
            "{}:{}",
            field(&manifest, "runAsUser"),
            field(&manifest, "runAsGroup")
        )
    );
    // The state is in the database: the only volume is the job file's,
    // read-only, so there is nothing for `fsGroup` to give the user, and
    // the image's state directory is not used.
    let mounts = mounts(&manifest);
    let config = runtime.env["JOBRUN_CONFIG"].rsplit_once('/').unwrap().0;
    assert!(mounts.iter().all(|m| *m == config), "{mounts:?}");
    assert!(!manifest.contains("fsGroup"), "{manifest}");
    assert!(!manifest.contains("JOBRUN_STATE_DIR"));
    assert!(manifest.contains("readOnlyRootFilesystem: true"));
}

#[test]
fn the_build_stage_has_the_rust_the_package_needs() {
    let dockerfile = std::fs::read_to_string(repo_file("Dockerfile")).unwrap();
    let build = &stages(&dockerfile)[0];
    let cargo = std::fs::read_to_string(repo_file("Cargo.toml")).unwrap();
    let wanted = cargo
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .unwrap()
        .trim_matches('"');
    let tag = build
        .base
        .strip_prefix("rust:")
        .expect("the official Rust image");
    let version = tag.split('-').next().unwrap();
    let parse = |v: &str| -> Vec<u32> { v.split('.').map(|n| n.parse().unwrap()).collect() };
    assert!(
        parse(version) >= parse(wanted),
        "{tag} is older than {wanted}"
    );
    // The same Debian release as distroless's: the binary links its glibc.
    let runtime = &stages(&dockerfile)[1];
    assert!(tag.ends_with("-bookworm") && runtime.base.contains("debian12"));
    // The sources the build needs are in the context: docs/job-file.md is
    // compiled in (the schema's words).
    let ignored = std::fs::read_to_string(repo_file(".dockerignore")).unwrap();
    for needed in ["src", "docs", "Cargo.toml", "Cargo.lock", "build.rs"] {
        assert!(
            !ignored.lines().any(|l| l.trim() == needed),
            "{needed} is ignored"
        );
    }
}

#[test]
#[ignore = "consumer: needs hadolint"]
fn hadolint_finds_nothing_in_the_dockerfile() {
    let hadolint = common::consumer::require("hadolint");
    let output = std::process::Command::new(hadolint)
        .arg(repo_file("Dockerfile"))
        .output()
        .expect("hadolint runs");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
