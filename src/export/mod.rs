//! Turning the job file into another scheduler's entries: one emitter per
//! target (`crontab`, `systemd`, `kubernetes`), the cron fields they share
//! (`cron_fields`), and the difference between an installed file and what
//! would be written now (`drift`). Emitters read checked jobs and the
//! schedule model and return text; they never resolve a variable, so no
//! secret can reach what they write, and they never write a file
//! themselves (the commands do).

pub(crate) mod cron_fields;
pub(crate) mod drift;
pub(crate) mod shifted;

pub(crate) mod crontab;
pub(crate) mod kubernetes;
pub(crate) mod systemd;

use std::path::{Path, PathBuf};

use jiff::tz::TimeZone;

use crate::job::Job;

/// How an emitted entry starts jobrun: absolute paths only, since cron and
/// systemd start it with a minimal environment in another directory.
#[derive(Debug, Clone)]
pub(crate) struct Launch {
    pub(crate) bin: PathBuf,
    pub(crate) config: PathBuf,
    pub(crate) env_file: Option<PathBuf>,
    pub(crate) state_dir: Option<PathBuf>,
    pub(crate) metrics_file: Option<PathBuf>,
}

impl Launch {
    /// The words of the command line, global flags first, then `tail`.
    pub(crate) fn words(&self, tail: &[&str]) -> Vec<String> {
        let mut words = vec![text(&self.bin), "--config".into(), text(&self.config)];
        if let Some(path) = &self.env_file {
            words.extend(["--env-file".into(), text(path)]);
        }
        if let Some(path) = &self.state_dir {
            words.extend(["--state-dir".into(), text(path)]);
        }
        if let Some(path) = &self.metrics_file {
            words.extend(["--metrics-file".into(), text(path)]);
        }
        words.extend(tail.iter().map(|w| w.to_string()));
        words
    }
}

/// Paths reach here checked as UTF-8 by the command (see `command::export`).
fn text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// A word for sh(1): as is when it holds only characters sh never treats
/// specially, else single-quoted.
pub(crate) fn sh_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Whether the job's schedule is read in the host's own zone, as cron reads
/// its lines.
pub(crate) fn in_host_zone(job: &Job, host_zone: &TimeZone) -> bool {
    job.zone.configured.is_none() || job.zone.tz == *host_zone
}

/// How a splayed job's runs are delayed, for a comment:
/// `, 3m 27s later: splay 5m`; nothing without a splay.
pub(crate) fn splay_note(job: &Job) -> String {
    match job.splay {
        Some(splay) => format!(
            ", {} later: splay {}",
            crate::job::duration::format(splay.offset),
            crate::job::duration::format(splay.length)
        ),
        None => String::new(),
    }
}

/// A schedule as one line of text for a comment: a YAML string may hold a
/// line break, which would end a comment early.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sh_quoting_leaves_plain_words_and_quotes_the_rest() {
        assert_eq!(sh_quote("/usr/local/bin/jobrun"), "/usr/local/bin/jobrun");
        assert_eq!(
            sh_quote("/srv/my jobs/jobs.yaml"),
            "'/srv/my jobs/jobs.yaml'"
        );
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
        assert_eq!(sh_quote("$HOME"), "'$HOME'");
        assert_eq!(sh_quote(""), "''");
    }

    #[test]
    fn launch_words_name_only_the_flags_given() {
        let mut launch = Launch {
            bin: "/usr/bin/jobrun".into(),
            config: "/etc/jobrun/jobs.yaml".into(),
            env_file: None,
            state_dir: None,
            metrics_file: None,
        };
        assert_eq!(
            launch.words(&["run", "a"]).join(" "),
            "/usr/bin/jobrun --config /etc/jobrun/jobs.yaml run a"
        );
        launch.env_file = Some("/etc/jobrun/.env".into());
        launch.state_dir = Some("/var/lib/jobrun".into());
        launch.metrics_file = Some("/var/lib/prometheus/node-exporter/jobrun.prom".into());
        assert_eq!(
            launch.words(&["catch-up"]).join(" "),
            "/usr/bin/jobrun --config /etc/jobrun/jobs.yaml --env-file /etc/jobrun/.env --state-dir /var/lib/jobrun --metrics-file /var/lib/prometheus/node-exporter/jobrun.prom catch-up"
        );
    }
}
