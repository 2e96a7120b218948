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
    let mut finder = Finder::default();
    let Some(top) = entries(root) else {
        return Origin::Either;
    };
    finder.look(top, TOP_KEYS, NODE_TOP_KEYS);
    let mut node_global = false;
    for (key, value) in top {
        match key.as_str() {
            Some("global") => {
                if let Some(global) = entries(value) {
                    finder.look(global, GLOBAL_KEYS, NODE_GLOBAL_KEYS);
                    node_global = global
                        .iter()
                        .any(|(k, _)| k.as_str().is_some_and(|k| NODE_GLOBAL_KEYS.contains(&k)));
                }
            }
            Some("jobs") => {
                let Value::Seq(jobs) = &value.value else {
                    continue;
                };
                for job in jobs.iter().filter_map(entries) {
                    finder.look(job, JOB_KEYS, NODE_JOB_KEYS);
                    for (key, value) in job {
                        if key.as_str() == Some("dependsOn")
                            && let Some(depends) = entries(value)
                        {
                            finder.look(depends, DEPENDS_ON_KEYS, NODE_DEPENDS_ON_KEYS);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    match finder.first {
        Some((key, span)) => Origin::Jobrun { key, span },
        None if node_global => Origin::NodeScheduler,
        None => Origin::Either,
    }
}

#[derive(Default)]
struct Finder {
    /// The first key only jobrun knows, in the order the walk meets them.
    first: Option<(String, Span)>,
}

impl Finder {
    fn look(&mut self, entries: &[(Node, Node)], jobrun: &[Key], node: &[&str]) {
        if self.first.is_some() {
            return;
        }
        self.first = entries.iter().find_map(|(key, _)| {
            let name = key.as_str()?;
            (!node.contains(&name) && jobrun.iter().any(|k| k.name == name))
                .then(|| (name.to_string(), key.span))
        });
    }
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
    fn an_unknown_key_counts_for_neither() {
        let text = format!("global:\n  defaultRetries: 3\n{JOB}    shedule: x\n");
        assert_eq!(origin(&text), Origin::NodeScheduler);
    }
}
