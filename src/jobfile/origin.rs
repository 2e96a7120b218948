//! Which scheduler a job file was written for: the Node scheduler, jobrun,
//! or either, decided by its keys alone.
//!
//! jobrun reads the Node scheduler's files unchanged, but does some things
//! differently (the zone, headers it added, what `retries` counts). Those
//! differences are worth a warning only in a file written for the Node
//! scheduler; in a file written for jobrun they are noise. The rule:
//!
//! - **jobrun's own**: some key is one jobrun knows and the Node scheduler
//!   did not (`timezone`, `notify`, `body`, `stateDir`...). Whoever wrote
//!   it wrote it for jobrun. `jobrun migrate` writes `global.timezone`, so
//!   its output is always jobrun's own.
//! - **the Node scheduler's**: every key is one the Node scheduler knew,
//!   and the file has a `global:` mapping with at least one of its keys
//!   (`defaultTimeout`, `defaultRetries`, `defaultHeaders`), as every file
//!   it shipped or wrote on its first start has.
//! - **either**: only the Node scheduler's keys, and no such `global:`
//!   (the README's quick start writes such a file). `validate` says
//!   nothing about the Node scheduler for it; `migrate`, asked explicitly,
//!   migrates it.
//!
//! Keys jobrun does not know at all are errors elsewhere and count for
//! neither side.

use crate::diagnostic::Span;
pub(crate) use crate::jobfile::schema::Origin;
use crate::jobfile::schema::{DEPENDS_ON_KEYS, GLOBAL_KEYS, JOB_KEYS, Key, TOP_KEYS};
use crate::jobfile::yaml::{Node, Value};

/// The Node scheduler's keys at the top of the file.
const NODE_TOP_KEYS: &[&str] = &["global", "jobs"];
/// The Node scheduler's keys in `global`.
pub(crate) const NODE_GLOBAL_KEYS: &[&str] =
    &["defaultTimeout", "defaultRetries", "defaultHeaders"];
/// The Node scheduler's keys in a job.
const NODE_JOB_KEYS: &[&str] = &[
    "name",
    "schedule",
    "url",
    "method",
    "headers",
    "data",
    "timeout",
    "retries",
    "enabled",
    "description",
    "dependsOn",
];
/// The Node scheduler's keys in `dependsOn`.
const NODE_DEPENDS_ON_KEYS: &[&str] = &["job", "windowMinutes", "condition"];

/// Decide from the document's keys.
pub(crate) fn of(root: &Node) -> Origin {
    Keys::default().origin(root)
}

/// The keys of a file, looked at as it is read: each job's as the job is
/// parsed ([`Keys::job`]), then the top level's and `global`'s
/// ([`Keys::origin`]), so the tree of the whole file need not be kept to
/// decide. Once a key only jobrun knows is found, later jobs cost a check
/// each.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    /// The first key only jobrun knows in the jobs looked at, in order.
    in_jobs: Option<(String, Span)>,
}

impl Keys {
    /// Look at the keys of a job (an item of `jobs`) and of its `dependsOn`.
    pub(crate) fn job(&mut self, job: &Node) {
        if self.in_jobs.is_some() {
            return;
        }
        let Some(job) = entries(job) else {
            return;
        };
        self.in_jobs = jobrun_only(job, JOB_KEYS, NODE_JOB_KEYS).or_else(|| {
            job.iter()
                .filter(|(key, _)| key.as_str() == Some("dependsOn"))
                .find_map(|(_, value)| {
                    jobrun_only(entries(value)?, DEPENDS_ON_KEYS, NODE_DEPENDS_ON_KEYS)
                })
        });
    }

    /// Whether the file may still turn out to be the Node scheduler's, from
    /// the jobs looked at so far and `before`, the top-level entries
    /// written before `jobs`: no key only jobrun knows in either, and a
    /// `global:` among them with one of the Node scheduler's keys. (A
    /// `global:` written after `jobs` is not known yet: then `false`.)
    pub(crate) fn may_be_node_schedulers(&self, before: &[(Node, Node)]) -> bool {
        self.in_jobs.is_none()
            && before.iter().any(|(key, value)| {
                key.as_str() == Some("global")
                    && entries(value).is_some_and(|global| {
                        jobrun_only(global, GLOBAL_KEYS, NODE_GLOBAL_KEYS).is_none()
                            && global.iter().any(|(k, _)| {
                                k.as_str().is_some_and(|k| NODE_GLOBAL_KEYS.contains(&k))
                            })
                    })
            })
    }

    /// Decide, from the document's top-level and `global` keys, the jobs
    /// looked at so far, and any item of `jobs` still in `root`. The key
    /// named is the first in the order of the file's sections: the top
    /// level's, then `global`'s and the jobs' as written.
    pub(crate) fn origin(mut self, root: &Node) -> Origin {
        let Some(top) = entries(root) else {
            return Origin::Either;
        };
        let mut first = jobrun_only(top, TOP_KEYS, NODE_TOP_KEYS);
        let mut node_global = false;
        for (key, value) in top {
            match key.as_str() {
                Some("global") => {
                    if let Some(global) = entries(value) {
                        first =
                            first.or_else(|| jobrun_only(global, GLOBAL_KEYS, NODE_GLOBAL_KEYS));
                        node_global = global.iter().any(|(k, _)| {
                            k.as_str().is_some_and(|k| NODE_GLOBAL_KEYS.contains(&k))
                        });
                    }
                }
                Some("jobs") => {
                    // Items kept in the tree (a list with an anchor).
                    if let Value::Seq(jobs) = &value.value {
                        for job in jobs {
                            self.job(job);
                        }
                    }
                    first = first.or_else(|| self.in_jobs.take());
                }
                _ => {}
            }
        }
        match first {
            Some((key, span)) => Origin::Jobrun { key, span },
            None if node_global => Origin::NodeScheduler,
            None => Origin::Either,
        }
    }
}

/// The first key of `entries` that jobrun knows (`jobrun`) and the Node
/// scheduler did not (`node`).
fn jobrun_only(entries: &[(Node, Node)], jobrun: &[Key], node: &[&str]) -> Option<(String, Span)> {
    entries.iter().find_map(|(key, _)| {
        let name = key.as_str()?;
        (!node.contains(&name) && jobrun.iter().any(|k| k.name == name))
            .then(|| (name.to_string(), key.span))
    })
}

fn entries(node: &Node) -> Option<&[(Node, Node)]> {
    match &node.value {
        Value::Map(entries) => Some(entries),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobfile::yaml;

    fn origin(text: &str) -> Origin {
        of(&yaml::parse(text).unwrap().unwrap())
    }

    const JOB: &str =
        "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n";
    const JOB_B: &str = "  - name: b\n    schedule: \"* * * * *\"\n    url: \"https://e.com/b\"\n";
    const JOB_C: &str = "  - name: c\n    schedule: \"* * * * *\"\n    url: \"https://e.com/c\"\n";

    #[test]
    fn the_node_schedulers_keys_are_keys_jobrun_reads() {
        for (node, jobrun) in [
            (NODE_TOP_KEYS, TOP_KEYS),
            (NODE_GLOBAL_KEYS, GLOBAL_KEYS),
            (NODE_JOB_KEYS, JOB_KEYS),
            (NODE_DEPENDS_ON_KEYS, DEPENDS_ON_KEYS),
        ] {
            for key in node {
                assert!(jobrun.iter().any(|k| k.name == *key), "{key}");
            }
        }
    }

    #[test]
    fn a_global_section_of_node_keys_makes_it_the_node_schedulers() {
        let text = format!(
            "global:\n  defaultRetries: 3\n{JOB}    retries: 2\n    dependsOn:\n      job: b\n"
        );
        assert_eq!(origin(&text), Origin::NodeScheduler);
    }

    #[test]
    fn without_global_it_could_be_either() {
        assert_eq!(origin(JOB), Origin::Either);
        assert_eq!(origin(&format!("global: {{}}\n{JOB}")), Origin::Either);
    }

    #[test]
    fn one_key_only_jobrun_knows_makes_it_jobruns_wherever_it_is() {
        for (text, key, line) in [
            (
                format!("global:\n  defaultRetries: 3\n  timezone: UTC\n{JOB}"),
                "timezone",
                3,
            ),
            (
                format!("global:\n  defaultRetries: 3\n{JOB}    catchUp: 1h\n"),
                "catchUp",
                7,
            ),
            (format!("{JOB}    notify: false\n"), "notify", 5),
        ] {
            let Origin::Jobrun { key: found, span } = origin(&text) else {
                panic!("{text}");
            };
            assert_eq!((found.as_str(), span.line), (key, line));
        }
    }

    #[test]
    fn keys_looked_at_as_each_job_is_parsed_decide_as_the_whole_tree_does() {
        let node_global = "global:\n  defaultRetries: 3\n";
        let texts = [
            format!("{node_global}{JOB}"),
            format!("{JOB}{node_global}"),
            JOB.to_string(),
            format!("{node_global}{JOB}{JOB_B}    dependsOn:\n      job: a\n      cooldown: 1h\n"),
            format!("{node_global}{JOB}{JOB_B}    catchUp: 1h\n{JOB_C}    notify: false\n"),
            format!("{JOB}{JOB_B}    catchUp: 1h\nglobal:\n  timezone: UTC\n"),
            // A list with an anchor keeps its items in the tree.
            format!("{node_global}jobs: &all\n{}", &JOB[6..]),
            format!("{}    timezone: UTC\n", JOB.replace("jobs:", "jobs: &all")),
            include_str!("../../tests/fixtures/node-scheduler/jobs.yaml").to_string(),
            include_str!("../../tests/fixtures/node-scheduler/sample-jobs.yaml").to_string(),
            include_str!("../../jobs.yaml").to_string(),
        ];
        for text in texts {
            let (config, _) = crate::jobfile::decode::decode(&text);
            assert_eq!(config.origin, origin(&text), "{text}");
        }
        // The key named is the first in the file's order of sections.
        let text = format!("{JOB}{JOB_B}    catchUp: 1h\nglobal:\n  timezone: UTC\n");
        let Origin::Jobrun { key, .. } = crate::jobfile::decode::decode(&text).0.origin else {
            panic!("{text}");
        };
        assert_eq!(key, "catchUp");
    }

    #[test]
    fn an_unknown_key_counts_for_neither() {
        let text = format!("global:\n  defaultRetries: 3\n{JOB}    shedule: x\n");
        assert_eq!(origin(&text), Origin::NodeScheduler);
    }
}
