//! `dependsOn`: whether a backup job runs, decided from the recorded runs
//! of the job it backs up, with the Node scheduler's meaning.
//!
//! Within the window (the last `windowMinutes`, up to and including its
//! first instant):
//! - `not_ran` holds when no run of the other job started;
//! - `failed` holds when one did and none succeeded;
//! - `not_ran_or_failed` (the default) holds when either does.
//!
//! Only runs that sent their request count as having run: a run that was
//! skipped or found the job busy did nothing. A run still in progress has
//! run and has not failed (yet): a backup does not race the job it backs
//! up (the caller reads a `running` row whose run's lock is free as
//! `died` first: `state::liveness`). An interrupted run and one that died
//! did not deliver, so they count as failed.

use jiff::{SignedDuration, Timestamp};

use crate::job::duration;
use crate::job::{Condition, Dependency};
use crate::state::record::{Outcome, Record, instant};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Run, because of this.
    Run(String),
    /// Do not run, because of this.
    Skip(String),
}

/// The first instant of the window that ends at `now`.
pub(crate) fn window_start(dependency: &Dependency, now: Timestamp) -> Timestamp {
    let window = SignedDuration::try_from(dependency.window).unwrap_or(SignedDuration::MAX);
    now.checked_sub(window).unwrap_or(Timestamp::MIN)
}

/// Decide from `runs`: the other job's runs that started within the window
/// (as [`window_start`] gives it) up to `now`.
pub(crate) fn decide(dependency: &Dependency, runs: &[Record], now: Timestamp) -> Decision {
    let since = window_start(dependency, now);
    let within: Vec<&Record> = runs
        .iter()
        .filter(|r| r.outcome.ran() && r.started >= since && r.started <= now)
        .collect();
    let other = &dependency.job;
    let window = duration::format(dependency.window);
    let latest = |outcome: Outcome| within.iter().rev().find(|r| r.outcome == outcome);
    let holds_not_ran = within.is_empty();
    let running = latest(Outcome::Running);
    let succeeded = latest(Outcome::Succeeded);
    let holds_failed = !within.is_empty() && succeeded.is_none() && running.is_none();

    let condition = dependency.condition;
    let holds = match condition {
        Condition::NotRan => holds_not_ran,
        Condition::Failed => holds_failed,
        Condition::NotRanOrFailed => holds_not_ran || holds_failed,
    };
    if holds {
        let why = if holds_not_ran {
            format!("`{other}` did not run in the last {window}")
        } else {
            let last = within
                .last()
                .map_or_else(String::new, |r| instant(r.started));
            format!("`{other}` ran in the last {window} and did not succeed (last at {last})")
        };
        return Decision::Run(format!("dependsOn ({}): {why}", condition.as_str()));
    }
    let why = if let Some(run) = succeeded {
        format!(
            "`{other}` succeeded in the last {window} (at {})",
            instant(run.started)
        )
    } else if let Some(run) = running {
        format!(
            "`{other}` is still running (started at {})",
            instant(run.started)
        )
    } else if holds_not_ran {
        format!("`{other}` did not run in the last {window}")
    } else {
        let last = within
            .last()
            .map_or_else(String::new, |r| instant(r.started));
        format!("`{other}` ran in the last {window} (last at {last})")
    };
    Decision::Skip(format!("dependsOn ({}): {why}", condition.as_str()))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::state::record::Trigger;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    const NOW: &str = "2025-03-07T18:35:00Z";

    fn dependency(condition: Condition) -> Dependency {
        Dependency {
            job: "primary".into(),
            window: Duration::from_secs(20 * 60),
            condition,
        }
    }

    fn run(started: &str, outcome: Outcome) -> Record {
        let mut r = Record::start(
            "id".into(),
            "primary",
            Trigger::Scheduled,
            None,
            at(started),
        );
        r.outcome = outcome;
        r
    }

    fn runs_for(condition: Condition, runs: &[Record]) -> bool {
        matches!(
            decide(&dependency(condition), runs, at(NOW)),
            Decision::Run(_)
        )
    }

    const ALL: [Condition; 3] = [
        Condition::NotRan,
        Condition::Failed,
        Condition::NotRanOrFailed,
    ];

    #[test]
    fn no_run_in_the_window_satisfies_not_ran_and_not_failed() {
        let results: Vec<bool> = ALL.iter().map(|c| runs_for(*c, &[])).collect();
        assert_eq!(results, [true, false, true]);
    }

    #[test]
    fn a_failed_run_satisfies_failed_and_not_not_ran() {
        let runs = [run("2025-03-07T18:30:00Z", Outcome::Failed)];
        let results: Vec<bool> = ALL.iter().map(|c| runs_for(*c, &runs)).collect();
        assert_eq!(results, [false, true, true]);
    }

    #[test]
    fn a_success_in_the_window_skips_every_condition() {
        let runs = [
            run("2025-03-07T18:20:00Z", Outcome::Failed),
            run("2025-03-07T18:30:00Z", Outcome::Succeeded),
        ];
        for condition in ALL {
            let decision = decide(&dependency(condition), &runs, at(NOW));
            assert!(
                matches!(&decision, Decision::Skip(why) if why.contains("succeeded in the last 20m (at 2025-03-07T18:30:00.000Z)")),
                "{condition:?}: {decision:?}"
            );
        }
    }

    #[test]
    fn the_window_includes_its_first_instant_and_nothing_before() {
        let edge = [run("2025-03-07T18:15:00Z", Outcome::Succeeded)];
        assert!(!runs_for(Condition::NotRanOrFailed, &edge));
        let before = [run("2025-03-07T18:14:59.999Z", Outcome::Succeeded)];
        assert!(runs_for(Condition::NotRanOrFailed, &before));
        assert!(runs_for(Condition::NotRan, &before));
    }

    #[test]
    fn skipped_and_busy_runs_did_not_run() {
        let runs = [
            run("2025-03-07T18:30:00Z", Outcome::Skipped),
            run("2025-03-07T18:31:00Z", Outcome::Busy),
        ];
        assert!(runs_for(Condition::NotRan, &runs));
        assert!(!runs_for(Condition::Failed, &runs));
    }

    #[test]
    fn a_run_in_progress_is_not_raced() {
        let runs = [run("2025-03-07T18:30:00Z", Outcome::Running)];
        for condition in ALL {
            let decision = decide(&dependency(condition), &runs, at(NOW));
            assert!(
                matches!(&decision, Decision::Skip(why) if why.contains("still running") || condition == Condition::NotRan),
                "{condition:?}: {decision:?}"
            );
        }
    }

    #[test]
    fn an_interrupted_run_or_one_that_died_counts_as_failed() {
        for outcome in [Outcome::Interrupted, Outcome::Died] {
            let runs = [run("2025-03-07T18:30:00Z", outcome)];
            assert!(runs_for(Condition::Failed, &runs), "{outcome:?}");
            assert!(!runs_for(Condition::NotRan, &runs), "{outcome:?}");
        }
    }
}
