//! Checking job names: the characters and length a name may have, since
//! names become file, unit and cron names, and no two jobs alike.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Span};
use crate::job::Job;
use crate::jobfile::schema::{JobEntry, Text};

use super::Checker;

/// Longest job name: names become file, unit and cron names, and Kubernetes
/// object names are DNS labels of at most 63 characters.
const MAX_NAME_LEN: usize = 63;

impl Checker<'_> {
    /// Where each name is first used; a name used again is an error.
    pub(super) fn unique_names<'c>(&mut self, entries: &'c [JobEntry]) -> HashMap<&'c str, Span> {
        let mut first_seen: HashMap<&str, Span> = HashMap::with_capacity(entries.len());
        for entry in entries {
            if let Some(name) = &entry.name {
                if let Some(first) = first_seen.get(name.value.as_str()) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            format!("duplicate job name `{}`", name.value),
                            name.span,
                        )
                        .with_related(*first, "first used")
                        .with_help("job names pick the job to run: give each job its own name"),
                    );
                } else {
                    first_seen.insert(&name.value, name.span);
                }
            }
        }
        first_seen
    }

    pub(super) fn name(&mut self, name: &Text) {
        let value = &name.value;
        let bad = value
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'));
        let problem = if value.is_empty() {
            Some(("a job name cannot be empty".to_string(), name.span))
        } else if let Some((i, c)) = bad {
            let offset = value[..i].chars().count();
            Some((
                format!(
                    "job name {} contains {}",
                    crate::wording::code(value),
                    crate::wording::character(c)
                ),
                name.span_at(offset, 1),
            ))
        } else if value.len() > MAX_NAME_LEN {
            Some((
                format!(
                    "job name {} is longer than {MAX_NAME_LEN} characters",
                    crate::wording::code(value)
                ),
                name.span,
            ))
        } else {
            None
        };
        if let Some((message, span)) = problem {
            self.diagnostics.push(Diagnostic::error(message, span).with_help(
                "names are 1 to 63 letters, digits, `-` and `_`: they become file, unit and cron names",
            ));
        }
    }
}

/// The jobs' names, for "did you mean" on the command line.
pub(in crate::jobfile) fn names(jobs: &[Job]) -> Vec<&str> {
    jobs.iter().map(|j| j.name.as_str()).collect()
}
