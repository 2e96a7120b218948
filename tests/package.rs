//! What the Debian package ships besides the binary: the examples agree
//! with what jobrun writes, and every file the package metadata names is
//! in the repository or made by packaging/build-deb. (packaging/check-deb,
//! run by .ci/run, builds, lints, installs and removes the package.)

mod common;

use common::{Sandbox, repo_file};

/// The lines a unit file holds, without its comments.
fn directives(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_example_units_are_what_jobrun_systemd_writes() {
    let sandbox = Sandbox::new();
    std::fs::create_dir(sandbox.path("etc")).unwrap();
    std::fs::copy(repo_file("jobs.yaml"), sandbox.path("etc/jobs.yaml")).unwrap();
    let run = sandbox.run(&[
        "--config",
        "etc/jobs.yaml",
        "systemd",
        "--dir",
        "units",
        "--run-as",
        "jobrun",
        "--bin",
        "/usr/bin/jobrun",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let config = sandbox.path("etc/jobs.yaml").canonicalize().unwrap();
    for unit in [
        "jobrun-kpi-evening-report.service",
        "jobrun-kpi-evening-report.timer",
    ] {
        let written = std::fs::read_to_string(sandbox.path("units").join(unit))
            .unwrap()
            .replace(config.to_str().unwrap(), "/etc/jobrun/jobs.yaml");
        let example = std::fs::read_to_string(repo_file("packaging/examples").join(unit)).unwrap();
        assert_eq!(directives(&example), directives(&written), "{unit}");
        assert!(
            example.lines().filter(|l| l.starts_with('#')).count() >= 4,
            "{unit} explains itself"
        );
    }
}

#[test]
fn every_file_the_package_names_exists_or_is_built() {
    let cargo = std::fs::read_to_string(repo_file("Cargo.toml")).unwrap();
    let table = cargo
        .split("[package.metadata.deb]")
        .nth(1)
        .expect("cargo-deb metadata")
        .split("\n[")
        .next()
        .unwrap();
    let build = std::fs::read_to_string(repo_file("packaging/build-deb")).unwrap();
    let mut sources = 0;
    for line in table
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("[\""))
    {
        let source = line[2..].split('"').next().unwrap();
        let dest = line.split("\", \"").nth(1).unwrap();
        sources += 1;
        if let Some(made) = source.strip_prefix("target/") {
            // Made by cargo (the binary) or by the build script.
            let dir = made.split('/').take(2).collect::<Vec<_>>().join("/");
            assert!(
                made == "release/jobrun"
                    || build.contains(&format!("$assets/{}", &dir["assets/".len()..])),
                "{source} is made by nothing"
            );
        } else if source.contains('*') {
            let dir = repo_file(source.rsplit_once('/').unwrap().0);
            assert!(std::fs::read_dir(&dir).unwrap().count() > 0, "{source}");
        } else {
            assert!(repo_file(source).is_file(), "{source} does not exist");
        }
        assert!(
            dest.starts_with("usr/"),
            "{dest}: a package installs under /usr only"
        );
    }
    assert!(sources >= 13, "{sources}");
    for name in ["changelog", "license-file"] {
        let path = table
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} = ")))
            .unwrap()
            .trim_start_matches('[')
            .split('"')
            .nth(1)
            .unwrap();
        assert!(repo_file(path).is_file(), "{name}: {path}");
    }
}

#[test]
fn the_debian_changelog_names_the_version_being_packaged() {
    // cargo-deb names the package VERSION-1 from Cargo.toml; its
    // changelog's newest entry must say the same, or lintian and dpkg
    // see two versions.
    let version = env!("CARGO_PKG_VERSION");
    let changelog = std::fs::read_to_string(repo_file("packaging/debian/changelog")).unwrap();
    let first = changelog.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("jobrun ({version}-")),
        "packaging/debian/changelog starts `{first}`: add an entry for {version}"
    );
}
