//! `jobrun kubernetes`: a ConfigMap holding the job file and a batch/v1
//! CronJob per enabled job, as YAML written by hand (every string quoted
//! as a JSON string, which YAML reads the same).
//!
//! Facts followed (the batch/v1 CronJob reference, and robfig/cron, the
//! parser Kubernetes uses): `schedule` takes five fields and
//! `timeZone` an IANA name; robfig/cron, Kubernetes' parser, treats only a
//! bare `*` as an unrestricted day field; without `startingDeadlineSeconds`
//! more than 100 missed schedules stop a CronJob for good; a Job's
//! `backoffLimit` defaults to 6, and jobrun retries by itself.

use std::collections::BTreeMap;

use crate::diagnostic::Diagnostic;
use crate::export::crontab::YEARS_AHEAD;
use crate::export::{cron_fields, one_line, shifted, systemd};
use crate::job::Job;
use crate::schedule::timing::Timing;
use crate::schedule::{HOUR, MINUTE, MONTH};

/// Where the job file is mounted in the container.
pub(crate) const CONFIG_DIR: &str = "/etc/jobrun";
/// The ConfigMap's key, and so the file name under `CONFIG_DIR`.
pub(crate) const CONFIG_KEY: &str = "jobs.yaml";
/// The ConfigMap's name is this, then the job file's name without its
/// extension (`jobrun-jobs` for `jobs.yaml`): two job files applied to one
/// namespace keep a ConfigMap each.
const CONFIG_MAP_PREFIX: &str = "jobrun-";
/// A CronJob's name is at most 52 characters: the controller appends 11
/// to name each Job.
pub(crate) const MAX_CRONJOB_NAME: usize = 52;
/// Where the state volume is mounted in the container.
pub(crate) const STATE_MOUNT: &str = "/var/lib/jobrun";
/// Where the run history is kept in the container: a directory jobrun
/// makes in the volume (mode 0700, its own), since an `emptyDir` is made
/// writable by every user, and a claim's root is whatever its provisioner
/// made it, which jobrun refuses to keep its state in when others can
/// write it.
pub(crate) const STATE_DIR: &str = "/var/lib/jobrun/state";
/// The variable a pod learns its Job's name from, and so the instant the
/// CronJob controller scheduled it for (see [`scheduled_instant`]).
pub(crate) const JOB_NAME_VAR: &str = "JOBRUN_KUBERNETES_JOB";
/// The user and group the container runs as: the unprivileged user of the
/// image the Dockerfile builds (distroless's `nonroot`). The pod's
/// `fsGroup` gives the state volume to that group, so the user can make
/// its state directory in it whichever volume holds it.
pub(crate) const RUN_AS_USER: u32 = 65532;
/// How late a run may start when the job has no `catchUp`.
pub(crate) const DEFAULT_STARTING_DEADLINE_SECONDS: u64 = 300;

pub(crate) struct Options<'a> {
    pub(crate) image: &'a str,
    pub(crate) namespace: Option<&'a str>,
    /// The Secret the variables come from.
    pub(crate) secret: Option<&'a str>,
    /// The PersistentVolumeClaim that keeps the run history from one pod to
    /// the next; without it each pod starts with an empty one.
    pub(crate) state_claim: Option<&'a str>,
    /// The job file's name as a label value (`jobs` for `jobs.yaml`): the
    /// ConfigMap's name, and a label on every object, for `kubectl apply
    /// --prune -l jobrun/job-file=NAME` to remove what a file no longer
    /// holds.
    pub(crate) job_file: &'a str,
    /// Where the state lives when it is in a database.
    pub(crate) state_url: Option<StateUrl<'a>>,
}

/// How the pods find the state database.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StateUrl<'a> {
    /// `global.stateUrl`, in the job file the ConfigMap holds.
    InFile,
    /// Given to the export (`--state-url`, `JOBRUN_STATE_URL`): written
    /// into each CronJob as `JOBRUN_STATE_URL`.
    Given(&'a str),
}

/// The scheduled instant of a pod's run, from its Job's name: the CronJob
/// controller names each Job `<cronjob>-<scheduled time in minutes since
/// the epoch>` (`getJobName` in the controller, in every batch/v1
/// version). `None` for a Job made otherwise (`kubectl create job
/// --from=cronjob/...` names it as asked): such a run is a manual one.
pub(crate) fn scheduled_instant(job_name: &str, job: &str) -> Option<jiff::Timestamp> {
    let minutes = job_name.strip_prefix(&dns_label(job))?.strip_prefix('-')?;
    if minutes.is_empty() || minutes.len() > 12 || !minutes.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let minutes: i64 = minutes.parse().ok()?;
    jiff::Timestamp::from_second(minutes.checked_mul(60)?).ok()
}

/// The job file's name as `Options::job_file` wants it: a DNS label of its
/// name without the extension, `jobs` when that leaves nothing.
pub(crate) fn job_file_label(path: &std::path::Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let label = dns_label(&stem);
    if label.is_empty() {
        "jobs".to_string()
    } else {
        label
    }
}

/// A JSON string, which is also a YAML double-quoted scalar, with the
/// characters YAML readers take for line breaks (U+0085, U+2028, U+2029)
/// escaped, as JSON leaves them.
fn quote(text: &str) -> String {
    serde_json::Value::String(text.to_string())
        .to_string()
        .replace('\u{85}', "\\u0085")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// A job name as a DNS label (RFC 1123): lowercase letters, digits and
/// `-`, starting and ending with a letter or digit, short enough for a
/// CronJob.
pub(crate) fn dns_label(name: &str) -> String {
    let lower: String = name
        .chars()
        .map(|c| match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            'a'..='z' | '0'..='9' => c,
            _ => '-',
        })
        .collect();
    let mut label = lower.trim_matches('-').to_string();
    label.truncate(MAX_CRONJOB_NAME);
    label.trim_end_matches('-').to_string()
}

/// The manifests, or a problem per job that Kubernetes cannot schedule as
/// written, each at the job.
pub(crate) fn render(
    jobs: &[Job],
    file_text: &str,
    options: &Options,
    now: jiff::Timestamp,
) -> Result<String, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut names: BTreeMap<String, &Job> = BTreeMap::new();
    let mut cronjobs = Vec::new();
    for job in jobs.iter().filter(|j| j.enabled) {
        let label = dns_label(&job.name);
        if label.is_empty() {
            problems.push(
                Diagnostic::error(
                    format!(
                        "job `{}` has no letter or digit to name its CronJob",
                        job.name
                    ),
                    job.span,
                )
                .with_help("rename the job with at least one letter or digit"),
            );
            continue;
        }
        if let Some(first) = names.get(&label) {
            problems.push(
                Diagnostic::error(
                    format!(
                        "jobs `{}` and `{}` both become the CronJob name `{label}`",
                        first.name, job.name
                    ),
                    job.span,
                )
                .with_related(first.span, "the first job with that name")
                .with_help("Kubernetes names are lowercase with `-`: rename one of the jobs"),
            );
            continue;
        }
        names.insert(label.clone(), job);
        if let (Some(dependency), None, None) =
            (&job.depends_on, options.state_claim, options.state_url)
        {
            // A pod's own directory starts empty: the backup would find no
            // run of its primary and always run, the very fault the history
            // exists to end.
            problems.push(
                Diagnostic::error(
                    format!(
                        "job `{}` decides from the history of `{}` (`dependsOn`), and a pod keeps none",
                        job.name, dependency.job
                    ),
                    job.span,
                )
                .with_help("give a PersistentVolumeClaim for the history with `--state-claim NAME`, or schedule this job with cron or systemd"),
            );
            continue;
        }
        if job.zone.tz.iana_name().is_none() {
            // Without `timeZone` the cluster's zone decides, not the host's.
            problems.push(
                Diagnostic::error(
                    format!(
                        "job `{}` follows the host's zone, which has no IANA name to give the CronJob as `timeZone`",
                        job.name
                    ),
                    job.span,
                )
                .with_help("set `timezone:` (an IANA name such as `Asia/Kolkata`) on the job or the file"),
            );
            continue;
        }
        match schedule(job, now) {
            Ok(schedule) => cronjobs.push(cronjob(job, &label, &schedule, options)),
            Err(problem) => problems.push(problem),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut out = String::from(
        "# Generated by jobrun; do not edit: change the job file and run `jobrun kubernetes` again.\n",
    );
    out.push_str(&config_map(file_text, options));
    for cronjob in cronjobs {
        out.push_str("---\n");
        out.push_str(&cronjob);
    }
    Ok(out)
}

/// The five fields, in the job's own zone. A splayed job's are its times
/// moved by the whole minutes of its offset (`export::shifted`): a CronJob
/// starts at whole minutes, so it runs in the minute `jobrun next` names,
/// the offset's seconds early.
fn schedule(job: &Job, now: jiff::Timestamp) -> Result<String, Diagnostic> {
    let written = &job.schedule;
    if written.is_sub_minute() {
        return Err(Diagnostic::error(
            format!(
                "job `{}`: Kubernetes cannot run `{}`: a CronJob has no seconds field",
                job.name,
                one_line(written.text())
            ),
            job.span,
        )
        .with_help("use a schedule that fires at second 0, or run this job from cron or a systemd timer (`jobrun crontab`, `jobrun systemd`)"));
    }
    let minutes = job.splay.map_or(0, |s| s.offset.as_secs() / 60 * 60);
    let moved;
    let s = if minutes == 0 {
        written
    } else {
        let offset = std::time::Duration::from_secs(minutes);
        let timing = Timing::new(written, &job.zone.tz, offset);
        moved = shifted::moved(written, minutes as u32)
            .filter(|moved| shifted::agrees(&timing, moved, &job.zone.tz, now, YEARS_AHEAD))
            .ok_or_else(|| systemd::not_exact(job, "a CronJob's `schedule`"))?;
        &moved
    };
    let Some((dom, dow)) = cron_fields::robfig_days(s) else {
        return Err(Diagnostic::error(
            format!(
                "job `{}`: Kubernetes would read the days of `{}` differently",
                job.name,
                one_line(s.text())
            ),
            job.span,
        )
        .with_help("Kubernetes treats a day field such as `*/2` as restricted, so the days would match on either field instead of both; list the days of month as numbers, or run this job from cron or systemd"));
    };
    Ok(format!(
        "{} {} {dom} {} {dow}",
        cron_fields::render(s.minutes(), MINUTE, cron_fields::CRON),
        cron_fields::render(s.hours(), HOUR, cron_fields::CRON),
        cron_fields::render(s.months(), MONTH, cron_fields::CRON),
    ))
}

fn metadata(name: &str, options: &Options, out: &mut String) {
    out.push_str("metadata:\n");
    out.push_str(&format!("  name: {}\n", quote(name)));
    if let Some(namespace) = options.namespace {
        out.push_str(&format!("  namespace: {}\n", quote(namespace)));
    }
    out.push_str("  labels:\n    app.kubernetes.io/name: \"jobrun\"\n    app.kubernetes.io/managed-by: \"jobrun\"\n");
    out.push_str(&format!(
        "    jobrun/job-file: {}\n",
        quote(options.job_file)
    ));
}

fn config_map_name(options: &Options) -> String {
    format!("{CONFIG_MAP_PREFIX}{}", options.job_file)
}

fn config_map(file_text: &str, options: &Options) -> String {
    let mut out = String::from("apiVersion: v1\nkind: ConfigMap\n");
    metadata(&config_map_name(options), options, &mut out);
    out.push_str("data:\n");
    out.push_str(&format!("  {CONFIG_KEY}: {}\n", block(file_text)));
    out
}

/// The job file as a literal block scalar, readable in the manifest, with
/// the indentation given explicitly (so a first line starting with a space
/// reads back the same) and the chomping indicator keeping its final line
/// breaks exactly. Text a block cannot hold (carriage returns, control
/// characters, a byte order mark, the line and paragraph separators YAML
/// readers break lines at) is written as a quoted string instead.
fn block(text: &str) -> String {
    let unfit = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}')
    };
    if text.is_empty() || text.chars().any(unfit) {
        return quote(text);
    }
    let body = text.trim_end_matches('\n');
    let chomp = match text.len() - body.len() {
        0 => "-",
        1 => "",
        _ => "+",
    };
    // The key sits at column 2; its content at column 4, 2 further in.
    let mut out = format!("|2{chomp}\n");
    let pad = "    ";
    for line in text.strip_suffix('\n').unwrap_or(text).split('\n') {
        if !line.is_empty() {
            out.push_str(pad);
            out.push_str(line);
        }
        out.push('\n');
    }
    out.pop();
    out
}

fn cronjob(job: &Job, name: &str, schedule: &str, options: &Options) -> String {
    let mut out = String::from("apiVersion: batch/v1\nkind: CronJob\n");
    metadata(name, options, &mut out);
    let deadline = job
        .catch_up
        .map_or(DEFAULT_STARTING_DEADLINE_SECONDS, |d| d.as_secs().max(10));
    let command: Vec<String> = [
        "jobrun",
        "--config",
        &format!("{CONFIG_DIR}/{CONFIG_KEY}"),
        "run",
        "--scheduled",
        &job.name,
    ]
    .iter()
    .map(|w| quote(w))
    .collect();
    out.push_str("spec:\n");
    out.push_str(&format!("  schedule: {}\n", quote(schedule)));
    if job.zone.tz.iana_name().is_some() {
        out.push_str(&format!("  timeZone: {}\n", quote(&job.zone.label())));
    }
    out.push_str("  concurrencyPolicy: \"Forbid\"\n");
    out.push_str(&format!("  startingDeadlineSeconds: {deadline}\n"));
    out.push_str("  successfulJobsHistoryLimit: 3\n  failedJobsHistoryLimit: 3\n");
    out.push_str("  jobTemplate:\n    spec:\n      backoffLimit: 0\n");
    out.push_str("      template:\n        metadata:\n          labels:\n");
    out.push_str(&format!(
        "            app.kubernetes.io/name: \"jobrun\"\n            jobrun/job: {}\n",
        quote(name)
    ));
    out.push_str("        spec:\n          restartPolicy: \"Never\"\n");
    // The restricted Pod Security Standard: not root, no privilege
    // escalation, the runtime's seccomp profile. `fsGroup` gives the state
    // volume to the user's group; with the state in a database there is
    // no volume to write, so none is asked (the ConfigMap's files are
    // readable by all). `OnRootMismatch` spares a large claim a recursive
    // chown at every start.
    out.push_str(&format!(
        "          securityContext:\n            runAsNonRoot: true\n            runAsUser: {RUN_AS_USER}\n            runAsGroup: {RUN_AS_USER}\n"
    ));
    if options.state_url.is_none() {
        out.push_str(&format!(
            "            fsGroup: {RUN_AS_USER}\n            fsGroupChangePolicy: \"OnRootMismatch\"\n"
        ));
    }
    out.push_str("            seccompProfile:\n              type: \"RuntimeDefault\"\n");
    out.push_str("          containers:\n");
    out.push_str("            - name: \"jobrun\"\n");
    out.push_str(&format!("              image: {}\n", quote(options.image)));
    out.push_str(&format!(
        "              command: [{}]\n",
        command.join(", ")
    ));
    out.push_str("              env:\n");
    match options.state_url {
        // The history and the locks in the database: no directory, and
        // the instant the controller scheduled the run for, from the
        // Job's name (the Job controller's `job-name` label on its pods,
        // through the downward API).
        Some(url) => {
            if let StateUrl::Given(url) = url {
                out.push_str(&format!(
                    "                - name: \"JOBRUN_STATE_URL\"\n                  value: {}\n",
                    quote(url)
                ));
            }
            out.push_str(&format!(
                "                - name: \"{JOB_NAME_VAR}\"\n                  valueFrom:\n                    fieldRef:\n                      fieldPath: \"metadata.labels['job-name']\"\n"
            ));
        }
        None => out.push_str(&format!(
            "                - name: \"JOBRUN_STATE_DIR\"\n                  value: {}\n",
            quote(STATE_DIR)
        )),
    }
    if let Some(secret) = options.secret {
        out.push_str(&format!(
            "              envFrom:\n                - secretRef:\n                    name: {}\n",
            quote(secret)
        ));
    }
    out.push_str(&format!(
        "              volumeMounts:\n                - name: \"jobs\"\n                  mountPath: {}\n                  readOnly: true\n",
        quote(CONFIG_DIR),
    ));
    if options.state_url.is_none() {
        out.push_str(&format!(
            "                - name: \"state\"\n                  mountPath: {}\n",
            quote(STATE_MOUNT)
        ));
    }
    out.push_str("              securityContext:\n                allowPrivilegeEscalation: false\n                readOnlyRootFilesystem: true\n                capabilities:\n                  drop: [\"ALL\"]\n");
    out.push_str(&format!(
        "          volumes:\n            - name: \"jobs\"\n              configMap:\n                name: {}\n",
        quote(&config_map_name(options))
    ));
    // The history and the locks: in the database, on the claim, or for
    // the pod only.
    match (options.state_url, options.state_claim) {
        (Some(_), _) => {}
        (None, Some(claim)) => out.push_str(&format!(
            "            - name: \"state\"\n              persistentVolumeClaim:\n                claimName: {}\n",
            quote(claim)
        )),
        (None, None) => out.push_str("            - name: \"state\"\n              emptyDir: {}\n"),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_dns_labels() {
        assert_eq!(dns_label("kpi-evening-report"), "kpi-evening-report");
        assert_eq!(dns_label("KPI_Report"), "kpi-report");
        assert_eq!(dns_label("_x_"), "x");
        assert_eq!(dns_label(&"a".repeat(63)).len(), MAX_CRONJOB_NAME);
        assert_eq!(dns_label(&format!("{}-b", "a".repeat(51))), "a".repeat(51));
    }

    #[test]
    fn the_job_file_is_a_literal_block_when_it_can_be() {
        assert_eq!(block("a: 1\n\n  b\n"), "|2\n    a: 1\n\n      b");
        assert_eq!(block(" x"), "|2-\n     x");
        assert_eq!(block("x\n\n"), "|2+\n    x\n");
        assert_eq!(block("x\r\n"), r#""x\r\n""#);
    }

    #[test]
    fn the_scheduled_instant_comes_from_the_controllers_job_name() {
        // 29000000 minutes after the epoch: 2025-02-19T21:20:00Z.
        assert_eq!(
            scheduled_instant("kpi-report-29000000", "kpi_report"),
            Some("2025-02-19T21:20:00Z".parse().unwrap())
        );
        assert_eq!(scheduled_instant("kpi-report-manual", "kpi_report"), None);
        assert_eq!(scheduled_instant("other-29000000", "kpi_report"), None);
        assert_eq!(scheduled_instant("kpi-report-", "kpi_report"), None);
        assert_eq!(
            scheduled_instant("kpi-report-9999999999999", "kpi_report"),
            None
        );
    }

    #[test]
    fn strings_are_quoted_as_json() {
        assert_eq!(quote("a\"b\n${X}"), r#""a\"b\n${X}""#);
    }
}
