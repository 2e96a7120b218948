//! The jobs' figures in Prometheus's text exposition format (version
//! 0.0.4, prometheus.io/docs/instrumenting/exposition_formats), as
//! node_exporter's textfile collector and a Pushgateway read it.
//!
//! Named as the Prometheus naming guide asks: a `jobrun_` prefix, base
//! units (seconds), `_total` for counters, `_timestamp_seconds` for times
//! since the Unix epoch. Each family has its HELP and TYPE lines and its
//! samples together, jobs in file order. No sample carries a timestamp:
//! the textfile collector refuses them.
//!
//! Jobs are labelled `job_name`, not `job`: Prometheus gives every scraped
//! series a `job` label of its own (the scrape job), and a `job` in the
//! file would be renamed `exported_job`; a Pushgateway takes `job` as its
//! grouping key.

use std::fmt::Write as _;

use crate::report::summary::Summary;
use crate::state::record::Outcome;

/// The outcomes of a run that has ended, as the history names them.
pub(crate) const ENDED: [Outcome; 6] = [
    Outcome::Succeeded,
    Outcome::Failed,
    Outcome::Busy,
    Outcome::Skipped,
    Outcome::Interrupted,
    Outcome::Died,
];

/// One job's figures.
pub(crate) struct JobFigures<'a> {
    pub(crate) name: &'a str,
    pub(crate) enabled: bool,
    /// The longest gap its schedule leaves, in seconds; none for a
    /// disabled job, which has no next run.
    pub(crate) expected_interval: Option<u64>,
    pub(crate) summary: Summary<'a>,
    /// Runs ever recorded, by outcome (in [`ENDED`]'s order).
    pub(crate) totals: [u64; ENDED.len()],
}

#[derive(Clone, Copy)]
enum Kind {
    Gauge,
    Counter,
}

/// A metric family: its name, what it means, and a sample per job (and
/// per outcome, for those labelled by one).
struct Family {
    name: &'static str,
    help: &'static str,
    kind: Kind,
    /// Each sample's labels, written out, and its value.
    samples: Vec<(String, String)>,
}

/// The exposition of every job's figures: the text of the metrics file.
pub(crate) fn exposition(jobs: &[JobFigures]) -> String {
    let mut families = families();
    for job in jobs {
        add(&mut families, job);
    }
    // About 1.3 kB a job.
    let mut out = String::with_capacity(jobs.len() * 1400 + 2000);
    for family in families.iter().filter(|f| !f.samples.is_empty()) {
        let kind = match family.kind {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
        };
        let _ = writeln!(out, "# HELP {} {}", family.name, escape_help(family.help));
        let _ = writeln!(out, "# TYPE {} {kind}", family.name);
        for (labels, value) in &family.samples {
            let _ = writeln!(out, "{}{{{labels}}} {value}", family.name);
        }
    }
    out
}

fn families() -> Vec<Family> {
    let family = |name, kind, help| Family {
        name,
        help,
        kind,
        samples: Vec::new(),
    };
    vec![
        family(
            "jobrun_job_enabled",
            Kind::Gauge,
            "Whether the job is enabled in the job file (1) or not (0).",
        ),
        family(
            "jobrun_expected_interval_seconds",
            Kind::Gauge,
            "The longest time the job's schedule leaves between two runs, in its local time (none for a disabled job).",
        ),
        family(
            "jobrun_last_run_timestamp_seconds",
            Kind::Gauge,
            "When the job's last run that ended started, in seconds since the Unix epoch.",
        ),
        family(
            "jobrun_last_run_duration_seconds",
            Kind::Gauge,
            "How long the job's last run that ended took (none for a run that died).",
        ),
        family(
            "jobrun_last_run_outcome",
            Kind::Gauge,
            "The outcome of the job's last run that ended: 1 for its outcome, 0 for the others.",
        ),
        family(
            "jobrun_last_run_http_status",
            Kind::Gauge,
            "The last HTTP status the job's last run that ended received (none when no response came).",
        ),
        family(
            "jobrun_last_run_attempts",
            Kind::Gauge,
            "How many attempts the job's last run that ended made.",
        ),
        family(
            "jobrun_last_success_timestamp_seconds",
            Kind::Gauge,
            "When the job's last successful run started, in seconds since the Unix epoch.",
        ),
        family(
            "jobrun_consecutive_failures",
            Kind::Gauge,
            "Runs since the job's last success that failed, were interrupted or died.",
        ),
        family(
            "jobrun_runs_in_progress",
            Kind::Gauge,
            "Runs of the job going now.",
        ),
        family(
            "jobrun_runs_total",
            Kind::Counter,
            "Runs of the job that ended, by outcome, since its history began.",
        ),
    ]
}

/// Add `job`'s samples to the families.
fn add(families: &mut [Family], job: &JobFigures) {
    let job_name = format!("job_name=\"{}\"", escape_label(job.name));
    let mut put = |name: &str, outcome: Option<Outcome>, value: String| {
        let labels = match outcome {
            Some(outcome) => format!("{job_name},outcome=\"{}\"", outcome.as_str()),
            None => job_name.clone(),
        };
        if let Some(family) = families.iter_mut().find(|f| f.name == name) {
            family.samples.push((labels, value));
        }
    };
    let summary = &job.summary;
    put(
        "jobrun_job_enabled",
        None,
        u8::from(job.enabled).to_string(),
    );
    if let Some(interval) = job.expected_interval {
        put(
            "jobrun_expected_interval_seconds",
            None,
            interval.to_string(),
        );
    }
    if let Some(last) = summary.last_ended {
        put(
            "jobrun_last_run_timestamp_seconds",
            None,
            seconds(last.started),
        );
        if let Some(ms) = last.duration_ms {
            put("jobrun_last_run_duration_seconds", None, millis(ms));
        }
        for outcome in ENDED {
            let value = u8::from(last.outcome == outcome).to_string();
            put("jobrun_last_run_outcome", Some(outcome), value);
        }
        if let Some(status) = last.status {
            put("jobrun_last_run_http_status", None, status.to_string());
        }
        put("jobrun_last_run_attempts", None, last.attempts.to_string());
    }
    if let Some(success) = summary.last_success {
        put(
            "jobrun_last_success_timestamp_seconds",
            None,
            seconds(success.started),
        );
    }
    put(
        "jobrun_consecutive_failures",
        None,
        summary.consecutive_failures.to_string(),
    );
    put(
        "jobrun_runs_in_progress",
        None,
        summary.in_progress.to_string(),
    );
    for (outcome, total) in ENDED.into_iter().zip(job.totals) {
        put("jobrun_runs_total", Some(outcome), total.to_string());
    }
}

/// Seconds since the Unix epoch, to the millisecond.
fn seconds(t: jiff::Timestamp) -> String {
    let ms = t.as_millisecond();
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    format!("{sign}{}.{:03}", ms / 1000, ms % 1000)
}

fn millis(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// A label value: a backslash, a double quote and a line feed escaped.
fn escape_label(value: &str) -> String {
    value
        .replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
}

/// HELP text: a backslash and a line feed escaped.
fn escape_help(text: &str) -> String {
    text.replace('\\', r"\\").replace('\n', r"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::summary::tests::ran;

    #[test]
    fn a_job_with_runs_has_every_family_and_one_without_only_its_settings() {
        let runs = vec![
            {
                let mut r = ran(Outcome::Failed, Some(1750), 5);
                r.status = Some(503);
                r.attempts = 4;
                r
            },
            ran(Outcome::Succeeded, Some(250), 0),
        ];
        let jobs = [
            JobFigures {
                name: "kpi-evening-report",
                enabled: true,
                expected_interval: Some(86_400),
                summary: Summary::of(&runs),
                totals: [1, 1, 0, 0, 0, 0],
            },
            JobFigures {
                name: "idle",
                enabled: false,
                expected_interval: None,
                summary: Summary::of(&[]),
                totals: [0; 6],
            },
        ];
        let text = exposition(&jobs);
        let job = |line: &str| line.contains("kpi-evening-report");
        let samples: Vec<&str> = text.lines().filter(|l| job(l)).collect();
        for expected in [
            r#"jobrun_job_enabled{job_name="kpi-evening-report"} 1"#,
            r#"jobrun_expected_interval_seconds{job_name="kpi-evening-report"} 86400"#,
            r#"jobrun_last_run_timestamp_seconds{job_name="kpi-evening-report"} 1741370700.000"#,
            r#"jobrun_last_run_duration_seconds{job_name="kpi-evening-report"} 1.750"#,
            r#"jobrun_last_run_outcome{job_name="kpi-evening-report",outcome="failed"} 1"#,
            r#"jobrun_last_run_outcome{job_name="kpi-evening-report",outcome="succeeded"} 0"#,
            r#"jobrun_last_run_http_status{job_name="kpi-evening-report"} 503"#,
            r#"jobrun_last_run_attempts{job_name="kpi-evening-report"} 4"#,
            r#"jobrun_last_success_timestamp_seconds{job_name="kpi-evening-report"} 1741370400.000"#,
            r#"jobrun_consecutive_failures{job_name="kpi-evening-report"} 1"#,
            r#"jobrun_runs_in_progress{job_name="kpi-evening-report"} 0"#,
            r#"jobrun_runs_total{job_name="kpi-evening-report",outcome="succeeded"} 1"#,
            r#"jobrun_runs_total{job_name="kpi-evening-report",outcome="died"} 0"#,
        ] {
            assert!(samples.contains(&expected), "{expected} in\n{text}");
        }
        assert_eq!(samples.len(), 9 + 6 + 6);
        let idle: Vec<&str> = text.lines().filter(|l| l.contains("\"idle\"")).collect();
        assert_eq!(idle.len(), 1 + 1 + 1 + 6, "{idle:#?}");
        assert!(!text.contains("jobrun_expected_interval_seconds{job_name=\"idle\"}"));
    }

    #[test]
    fn each_family_has_its_help_and_type_once_before_its_samples() {
        let runs = vec![ran(Outcome::Succeeded, Some(1), 0)];
        let jobs: Vec<JobFigures> = ["a", "b"]
            .iter()
            .map(|name| JobFigures {
                name,
                enabled: true,
                expected_interval: Some(60),
                summary: Summary::of(&runs),
                totals: [1, 0, 0, 0, 0, 0],
            })
            .collect();
        let text = exposition(&jobs);
        let mut seen: Vec<&str> = Vec::new();
        let mut current = "";
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# HELP ") {
                let name = rest.split(' ').next().unwrap();
                assert!(!seen.contains(&name), "{name} twice");
                seen.push(name);
                current = name;
            } else if let Some(rest) = line.strip_prefix("# TYPE ") {
                assert!(rest.starts_with(&format!("{current} ")), "{line}");
            } else {
                assert!(line.starts_with(&format!("{current}{{")), "{line}");
            }
        }
        assert_eq!(seen.len(), 10, "no HTTP status, so no family for it");
    }

    #[test]
    fn label_values_and_help_are_escaped_as_the_format_says() {
        assert_eq!(escape_label("a\\b\"c\nd"), r#"a\\b\"c\nd"#);
        assert_eq!(escape_help("a\\b\"c\nd"), r#"a\\b"c\nd"#);
        assert_eq!(seconds("1969-12-31T23:59:59.5Z".parse().unwrap()), "-0.500");
    }
}
