//! `jobrun kubernetes` and what a pod cannot do as the job file asks: a
//! file beside the job file, a metrics file on a read-only root file
//! system, an image tag that moves, two job files in one namespace.
//! (The manifests' golden files and consumer tests are in tests/export.rs.)

mod common;

use common::Sandbox;

const IMAGE: &str = "registry.example.com/jobrun:1.0";

fn job(extra: &str) -> String {
    format!(
        "jobs:\n  - name: report\n    schedule: \"0 7 * * *\"\n    timezone: Europe/Paris\n    url: \"https://example.com/\"\n{extra}"
    )
}

#[test]
fn two_job_files_get_config_maps_of_their_own() {
    let sandbox = Sandbox::new();
    sandbox.write("nightly.yaml", job(""));
    sandbox.write("jobs.yaml", job(""));
    let nightly = sandbox.run(&["--config", "nightly.yaml", "kubernetes", "--image", IMAGE]);
    assert_eq!(nightly.code, 0, "{}", nightly.stderr);
    let jobs = sandbox.run(&["kubernetes", "--image", IMAGE]);
    assert_eq!(jobs.code, 0, "{}", jobs.stderr);
    // The ConfigMap and the volume each CronJob mounts name the same map.
    assert_eq!(
        nightly.stdout.matches("name: \"jobrun-nightly\"\n").count(),
        2,
        "{}",
        nightly.stdout
    );
    assert!(
        !nightly.stdout.contains("jobrun-jobs"),
        "{}",
        nightly.stdout
    );
    assert_eq!(jobs.stdout.matches("name: \"jobrun-jobs\"\n").count(), 2);
    // Every object says which file it came from, for `kubectl apply --prune -l`.
    for (run, file) in [(&nightly, "nightly"), (&jobs, "jobs")] {
        let label = format!("jobrun/job-file: \"{file}\"\n");
        assert_eq!(
            run.stdout.matches(&label).count(),
            2,
            "{label}{}",
            run.stdout
        );
    }
}

#[test]
fn a_ca_file_beside_the_job_file_is_refused_and_one_elsewhere_must_be_in_the_image() {
    let sandbox = Sandbox::with_jobs(&job("    caFile: certs/internal.pem\n"));
    let run = sandbox.run(&["kubernetes", "--image", IMAGE]);
    assert_eq!((run.code, run.stdout.as_str()), (3, ""), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "error: job `report`: its `caFile` is read beside the job file, where a pod has only the job file"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("jobs.yaml:6:13"), "{}", run.stderr);
    assert!(
        run.stderr.contains("build the file into the image"),
        "{}",
        run.stderr
    );

    let sandbox = Sandbox::with_jobs(&job("    caFile: /etc/ssl/internal.pem\n"));
    let run = sandbox.run(&["kubernetes", "--image", IMAGE]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "warning: job `report`: its `caFile` `/etc/ssl/internal.pem` must be in the image"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("jobs.yaml:6:13"), "{}", run.stderr);
}

#[test]
fn a_metrics_file_a_pod_cannot_write_is_warned_of() {
    let global = "global:\n  metricsFile: /var/lib/prometheus/node-exporter/jobrun.prom\n";
    let sandbox = Sandbox::with_jobs(&format!("{global}{}", job("")));
    let run = sandbox.run(&["kubernetes", "--image", IMAGE]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "warning: `global.metricsFile` `/var/lib/prometheus/node-exporter/jobrun.prom` cannot be written in a pod: its root file system is read-only"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`jobrun metrics`"), "{}", run.stderr);
    // On the state volume it can be written.
    let global = "global:\n  metricsFile: /var/lib/jobrun/jobrun.prom\n";
    let sandbox = Sandbox::with_jobs(&format!("{global}{}", job("")));
    let run = sandbox.run(&["kubernetes", "--image", IMAGE]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));

    // The flags that shape a crontab line or a unit are not carried into
    // the CronJobs: said, not dropped in silence.
    let sandbox = Sandbox::with_jobs(&job(""));
    let run = sandbox.run(&[
        "--metrics-file",
        "/tmp/jobrun.prom",
        "--state-dir",
        "/srv/state",
        "kubernetes",
        "--image",
        IMAGE,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for flag in ["`--metrics-file`", "`--state-dir`"] {
        assert!(
            run.stderr
                .contains(&format!("warning: {flag} is not carried into the CronJobs")),
            "{flag}: {}",
            run.stderr
        );
    }
}

#[test]
fn an_image_without_a_fixed_tag_is_warned_of() {
    let sandbox = Sandbox::with_jobs(&job(""));
    for image in [
        "jobrun",
        "jobrun:latest",
        "registry.example.com:5000/jobrun",
        "registry.example.com/team/jobrun:latest",
    ] {
        let run = sandbox.run(&["kubernetes", "--image", image]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "warning: `--image {image}` names no fixed version"
            )),
            "{image}: {}",
            run.stderr
        );
    }
    for image in [
        "jobrun:1.0",
        "registry.example.com:5000/jobrun:0.1.0",
        "jobrun@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ] {
        let run = sandbox.run(&["kubernetes", "--image", image]);
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{image}");
    }
    // `-q` says nothing but errors.
    let run = sandbox.run(&["-q", "kubernetes", "--image", "jobrun"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
}
