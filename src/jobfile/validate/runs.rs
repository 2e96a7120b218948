//! Checking how a job's runs meet other runs in the history: `dependsOn`
//! (another job's recent runs decide whether this one runs),
//! `concurrency` (a run still going) and `historyLimit` (runs kept).

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Span};
use crate::job::{
    Concurrency, Condition, DEFAULT_HISTORY_LIMIT, DEFAULT_WINDOW_MINUTES, Dependency,
};
use crate::jobfile::schema::{DependsOnEntry, Spanned, Text};
use crate::jobfile::suggest;

use super::Checker;

impl Checker<'_> {
    pub(super) fn dependency(
        &mut self,
        entry: &DependsOnEntry,
        own_name: Option<&str>,
        names: &HashMap<&str, Span>,
    ) -> Option<Dependency> {
        let Some(job) = &entry.job else {
            self.missing(
                entry.span,
                "job",
                "`dependsOn`",
                "name the job this one backs up, such as `job: kpi-evening-report`",
            );
            return None;
        };
        let mut ok = true;
        if Some(job.value.as_str()) == own_name {
            self.diagnostics.push(
                Diagnostic::error(format!("job `{}` depends on itself", job.value), job.span)
                    .with_help("`dependsOn.job` names another job, whose runs decide whether this one runs"),
            );
            ok = false;
        } else if !names.contains_key(job.value.as_str()) {
            let known: Vec<&str> = names.keys().copied().collect();
            let help = match suggest::suggest(&job.value, &known) {
                Some(close) => format!("did you mean `{close}`?"),
                None => "`dependsOn.job` must name a job in this file".into(),
            };
            self.diagnostics.push(
                Diagnostic::error(
                    format!("`dependsOn` names no job called `{}`", job.value),
                    job.span,
                )
                .with_help(help),
            );
            ok = false;
        }
        let condition = match &entry.condition {
            None => Condition::NotRanOrFailed,
            Some(text) => match Condition::parse(&text.value) {
                Some(condition) => condition,
                None => {
                    let help = match suggest::suggest(&text.value, Condition::NAMES) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => format!("use one of {}", suggest::list(Condition::NAMES)),
                    };
                    self.diagnostics.push(
                        Diagnostic::error(format!("unknown condition `{}`", text.value), text.span)
                            .with_help(help),
                    );
                    ok = false;
                    Condition::NotRanOrFailed
                }
            },
        };
        // `windowMinutes` is at least 1, as decoding checked.
        let minutes = entry
            .window_minutes
            .as_ref()
            .map_or(DEFAULT_WINDOW_MINUTES, |w| w.value);
        ok.then(|| Dependency {
            job: job.value.clone(),
            window: std::time::Duration::from_secs(u64::from(minutes) * 60),
            condition,
        })
    }

    /// `concurrency`: the name of a policy for a run that finds the job's
    /// last run still going.
    pub(super) fn concurrency(&mut self, text: &Text) -> Option<Concurrency> {
        let found = Concurrency::parse(&text.value);
        if found.is_none() {
            let help = match suggest::suggest(&text.value, Concurrency::NAMES) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("use one of {}", suggest::list(Concurrency::NAMES)),
            };
            self.diagnostics.push(
                Diagnostic::error(
                    format!("unknown `concurrency` value `{}`", text.value),
                    text.span,
                )
                .with_help(help),
            );
        }
        found
    }

    /// `historyLimit`: at least 1 (as decoding checked), the run that
    /// decides `status`.
    pub(super) fn history_limit(&mut self, limit: Option<&Spanned<u32>>) -> Option<u32> {
        Some(limit.map_or(DEFAULT_HISTORY_LIMIT, |l| l.value))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::diagnostic::Span;
    use crate::job::{Concurrency, DEFAULT_HISTORY_LIMIT};
    use crate::jobfile::validate::tests::{file, job, problem};

    #[test]
    fn store_keys_have_their_defaults() {
        let plain = job("");
        assert_eq!(plain.catch_up, None);
        assert_eq!(plain.concurrency, Concurrency::Forbid);
        assert_eq!(plain.history_limit, DEFAULT_HISTORY_LIMIT);
        let set = job("    catchUp: 6h\n    concurrency: allow\n    historyLimit: 5\n");
        assert_eq!(set.catch_up, Some(Duration::from_secs(6 * 3600)));
        assert_eq!(set.concurrency, Concurrency::Allow);
        assert_eq!(set.history_limit, 5);
    }

    #[test]
    fn unknown_concurrency_suggests_the_closest() {
        let found = problem(&file("    concurrency: forbd\n"));
        assert_eq!(found.message, "unknown `concurrency` value `forbd`");
        assert_eq!(found.help.as_deref(), Some("did you mean `forbid`?"));
        assert_eq!(found.span, Some(Span::new(5, 18, 5)));
    }

    #[test]
    fn zero_history_limit_is_an_error() {
        let found = problem(&file("    historyLimit: 0\n"));
        assert_eq!(
            found.message,
            "`historyLimit` must be a whole number from 1 to 100000, found `0`"
        );
    }
}
