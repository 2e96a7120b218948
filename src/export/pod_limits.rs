//! What a CronJob's pod cannot do as the job file and the command line
//! ask: it has the job file (the ConfigMap at `/etc/jobrun`) and the state
//! volume, and nothing else of this host; its root file system is
//! read-only; and an image tag that moves changes the jobs' code under
//! them. Each is said, at the key when the file has one, rather than left
//! for the first run in the cluster to find.

use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::export::kubernetes::{CONFIG_DIR, STATE_MOUNT};
use crate::job::Job;

/// What `jobrun kubernetes` was given besides the jobs.
pub(crate) struct Given<'a> {
    /// The job file's directory, as relative paths in it were read from.
    pub(crate) base_dir: &'a Path,
    /// `global.metricsFile`, as read from the file.
    pub(crate) metrics_file: Option<&'a Path>,
    pub(crate) image: &'a str,
    /// The global flags given that shape the lines of other exports
    /// (`--env-file`, `--state-dir`, `--metrics-file`): never carried into
    /// a CronJob.
    pub(crate) flags: Vec<&'static str>,
    /// Whether the pods have a state volume: not when the state is in a
    /// database (a state URL).
    pub(crate) state_volume: bool,
}

/// Problems of the file, at their keys: a `caFile` beside the job file is
/// an error (the pod cannot have it), one elsewhere a warning (the image
/// must hold it); a `metricsFile` off the state volume a warning.
pub(crate) fn in_the_file(jobs: &[Job], given: &Given) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for job in jobs.iter().filter(|j| j.enabled) {
        let Some((path, span)) = &job.request.ca_file else {
            continue;
        };
        if beside_the_job_file(path, given.base_dir) {
            problems.push(
                Diagnostic::error(
                    format!(
                        "job `{}`: its `caFile` is read beside the job file, where a pod has only the job file (the ConfigMap at `{CONFIG_DIR}`)",
                        job.name
                    ),
                    *span,
                )
                .with_help(
                    "build the file into the image and give its absolute path there in `caFile` (such as `/etc/ssl/jobrun/internal.pem`), or run this job from cron or systemd",
                ),
            );
        } else {
            problems.push(
                Diagnostic::warning(
                    format!(
                        "job `{}`: its `caFile` `{}` must be in the image: the pod has no file of this host",
                        job.name,
                        path.display()
                    ),
                    *span,
                )
                .with_help(
                    "the Dockerfile's image holds only the system's CA bundle: build yours from it with the file added (`COPY`)",
                ),
            );
        }
    }
    if let Some(path) = given.metrics_file {
        let on_the_volume = given.state_volume
            && path.starts_with(STATE_MOUNT)
            && !beside_the_job_file(path, given.base_dir);
        if !on_the_volume {
            problems.push(
                Diagnostic::file_warning(format!(
                    "`global.metricsFile` `{}` cannot be written in a pod: its root file system is read-only",
                    path.display()
                ))
                .with_help(if given.state_volume {
                    format!(
                        "each run would say so on stderr; in Kubernetes, push the figures to a Pushgateway with `jobrun metrics` (docs/monitoring.md), or put the file on the state volume, under `{STATE_MOUNT}/`"
                    )
                } else {
                    "each run would say so on stderr; in Kubernetes, push the figures to a Pushgateway with `jobrun metrics` (docs/monitoring.md): with a state URL the pods have no state volume".to_string()
                }),
            );
        }
    }
    problems
}

/// Problems of no place in the file or on the command line: the flags,
/// the image.
pub(crate) fn elsewhere(given: &Given) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for flag in &given.flags {
        problems.push(
            Diagnostic::file_warning(format!("`{flag}` is not carried into the CronJobs"))
                .with_help(match *flag {
                    "--env-file" => "the pods take their variables from the Secret given with `--secret`",
                    "--state-dir" if given.state_volume => "the pods keep their history on the state volume (`--state-claim`)",
                    "--state-dir" => "the pods keep their history in the state database",
                    _ => "the pods write no metrics file; push the figures with `jobrun metrics` instead",
                }),
        );
    }
    if !fixed_version(given.image) {
        problems.push(
            Diagnostic::file_warning(format!(
                "`--image {}` names no fixed version: a CronJob pulls it at each run, so whatever the tag points to then runs the jobs",
                given.image
            ))
            .with_help("tag the image with jobrun's version (`jobrun:0.1.0`), or name it by digest (`jobrun@sha256:...`)"),
        );
    }
    problems
}

/// Whether `path`, as read from the job file, lies in the job file's
/// directory: where a relative path in it is read from. In a pod that
/// directory is the ConfigMap's, which holds the job file alone.
fn beside_the_job_file(path: &Path, base_dir: &Path) -> bool {
    // An empty base (a job file named without a directory) is a prefix of
    // every path; a relative path there was read from the working directory.
    !path.is_absolute() || (!base_dir.as_os_str().is_empty() && path.starts_with(base_dir))
}

/// Whether an image reference names a version that stays put: a digest,
/// or a tag other than `latest`. A colon in the registry's host (a port)
/// is not a tag.
fn fixed_version(image: &str) -> bool {
    if image.contains('@') {
        return true;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, tag)) => tag != "latest",
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_is_a_digest_or_a_tag_but_latest() {
        assert!(fixed_version("jobrun:1.0"));
        assert!(fixed_version("registry.example.com:5000/jobrun:1"));
        assert!(fixed_version("jobrun@sha256:00"));
        assert!(!fixed_version("jobrun"));
        assert!(!fixed_version("jobrun:latest"));
        assert!(!fixed_version("registry.example.com:5000/jobrun"));
    }

    #[test]
    fn a_path_beside_the_job_file_is_one_read_from_its_directory() {
        assert!(beside_the_job_file(Path::new("certs/a.pem"), Path::new("")));
        assert!(!beside_the_job_file(Path::new("/etc/a.pem"), Path::new("")));
        assert!(beside_the_job_file(
            Path::new("/srv/jobs/a.pem"),
            Path::new("/srv/jobs")
        ));
        assert!(!beside_the_job_file(
            Path::new("/etc/a.pem"),
            Path::new("/srv/jobs")
        ));
    }
}
