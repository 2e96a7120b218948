//! Who is told of a run, decided from what the history knows of the job
//! between its runs (an [`AlertState`]): whether its last decisive run
//! failed, whether the people were told of that failure, and when the
//! last `onFailure` went out. The store keeps that in a row of its own per
//! job, so it holds across processes and whatever `historyLimit` prunes,
//! and makes the decision inside the transaction that finishes the run's
//! row, so two runs ending together cannot both pass the cooldown.

use std::time::Duration;

use jiff::Timestamp;

use crate::job::Notify;
use crate::state::record::{Delivery, NoticeKind, Outcome, Record};

/// Which notifications a job has, as the decision needs to know them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlertPolicy {
    pub(crate) on_failure: bool,
    pub(crate) on_recovery: bool,
    pub(crate) cooldown: Option<Duration>,
}

impl AlertPolicy {
    pub(crate) fn of(notify: &Notify) -> AlertPolicy {
        AlertPolicy {
            on_failure: notify.on_failure.is_some(),
            on_recovery: notify.on_recovery.is_some(),
            cooldown: notify.cooldown,
        }
    }
}

/// What the history knows of a job's failures between its runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct AlertState {
    /// The job's last run that succeeded or failed, failed.
    pub(crate) failing: bool,
    /// An `onFailure` was sent, or tried, for the current failing streak.
    pub(crate) told: bool,
    /// When the last `onFailure` went out.
    pub(crate) last_sent: Option<Timestamp>,
}

/// What to do once a run has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AlertDecision {
    /// Nothing to tell.
    Quiet,
    Send(NoticeKind),
    /// An `onFailure` was due, but one went out at this instant, within
    /// the cooldown.
    CooledDown(Timestamp),
}

/// Decide what a run that ended with `outcome` at `now` tells, and what
/// the history knows afterwards. `alert` is what it knew before; `None`
/// when the history cannot be read, in which case a failure is always
/// told (there is no cooldown to go by) and a recovery never (it cannot be
/// recognised).
///
/// Only `succeeded` and `failed` are decisive: a run that was skipped,
/// busy or stopped by a signal tells nothing and changes nothing.
///
/// A recovery is told when the streak it ends was told of, or when the
/// job has no `onFailure` at all. A failing streak whose every failure was
/// held back by the cooldown ends silently: the last word the people had
/// was already "recovered", and a second one would only confuse.
pub(crate) fn decide(
    outcome: Outcome,
    alert: Option<AlertState>,
    policy: &AlertPolicy,
    now: Timestamp,
) -> (AlertDecision, Option<AlertState>) {
    let Some(mut alert) = alert else {
        let decision = match outcome {
            Outcome::Failed if policy.on_failure => AlertDecision::Send(NoticeKind::Failure),
            _ => AlertDecision::Quiet,
        };
        return (decision, None);
    };
    let decision = match outcome {
        Outcome::Failed => {
            alert.failing = true;
            let recent = alert.last_sent.filter(|sent| {
                // A clock set back leaves a "last sent" in the future; it
                // must not silence the job until then.
                let elapsed = now.duration_since(*sent);
                policy.cooldown.is_some_and(|cooldown| {
                    !elapsed.is_negative() && elapsed.unsigned_abs() < cooldown
                })
            });
            match (policy.on_failure, recent) {
                (false, _) => AlertDecision::Quiet,
                (true, Some(sent)) => AlertDecision::CooledDown(sent),
                (true, None) => {
                    alert.told = true;
                    alert.last_sent = Some(now);
                    AlertDecision::Send(NoticeKind::Failure)
                }
            }
        }
        Outcome::Succeeded => {
            let recovered =
                alert.failing && policy.on_recovery && (alert.told || !policy.on_failure);
            alert.failing = false;
            alert.told = false;
            if recovered {
                AlertDecision::Send(NoticeKind::Recovery)
            } else {
                AlertDecision::Quiet
            }
        }
        // A run that died never finishes its row, so never gets here.
        Outcome::Running
        | Outcome::Skipped
        | Outcome::Busy
        | Outcome::Interrupted
        | Outcome::Died => AlertDecision::Quiet,
    };
    (decision, Some(alert))
}

/// What [`History::finish`](crate::state::History::finish) decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decided {
    pub(crate) decision: AlertDecision,
    /// The cooldown this run's failure notice took, to give back should
    /// it not be delivered.
    pub(crate) claim: Option<Claim>,
}

/// A failure notice's hold on the cooldown: when it was taken, and the
/// last sending time it replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    pub(crate) at: Timestamp,
    pub(crate) previous: Option<Timestamp>,
}

/// Write `decision` into the run's row, and return the hold on the
/// cooldown a failure notice takes (given back if it cannot be sent):
/// what every backend does once it has decided, from the job's alert
/// state `before` and `after` the run.
pub(crate) fn mark(
    decision: AlertDecision,
    run: &mut Record,
    before: AlertState,
    after: AlertState,
) -> Option<Claim> {
    match decision {
        AlertDecision::Quiet => {}
        AlertDecision::Send(kind) => run.notice = Some(kind),
        AlertDecision::CooledDown(_) => {
            run.notice = Some(NoticeKind::Failure);
            run.notice_result = Some(Delivery::Cooldown);
        }
    }
    match decision {
        AlertDecision::Send(NoticeKind::Failure) => after.last_sent.map(|at| Claim {
            at,
            previous: before.last_sent,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    const NOW: &str = "2025-03-07T18:30:00Z";

    fn policy(cooldown: Option<u64>) -> AlertPolicy {
        AlertPolicy {
            on_failure: true,
            on_recovery: true,
            cooldown: cooldown.map(Duration::from_secs),
        }
    }

    /// Runs of one job in turn, a minute apart, from no history: what each
    /// tells.
    fn told(outcomes: &[Outcome], policy: &AlertPolicy) -> Vec<AlertDecision> {
        let mut alert = Some(AlertState::default());
        let mut now = at(NOW);
        outcomes
            .iter()
            .map(|outcome| {
                let (decision, next) = decide(*outcome, alert, policy, now);
                alert = next;
                now += Duration::from_secs(60);
                decision
            })
            .collect()
    }

    use AlertDecision::{Quiet, Send};
    use Outcome::{Failed as F, Succeeded as S};

    #[test]
    fn a_failure_is_told_each_time_without_a_cooldown() {
        assert_eq!(
            told(&[F, F, F], &policy(None)),
            [Send(NoticeKind::Failure); 3]
        );
    }

    #[test]
    fn success_is_quiet_and_only_the_first_success_after_failures_is_a_recovery() {
        assert_eq!(
            told(&[S, F, F, S, S], &policy(None)),
            [
                Quiet,
                Send(NoticeKind::Failure),
                Send(NoticeKind::Failure),
                Send(NoticeKind::Recovery),
                Quiet
            ]
        );
    }

    #[test]
    fn the_cooldown_holds_back_failures_until_it_has_passed() {
        let decisions = told(&[F, F, F, F], &policy(Some(150)));
        assert_eq!(
            decisions,
            [
                Send(NoticeKind::Failure),
                AlertDecision::CooledDown(at(NOW)),
                AlertDecision::CooledDown(at(NOW)),
                // 180 s after the first: past the 150 s cooldown.
                Send(NoticeKind::Failure),
            ]
        );
    }

    #[test]
    fn a_streak_held_back_entirely_by_the_cooldown_ends_without_a_recovery() {
        // F (told), S (recovered), F (held back), S: nothing new to say.
        assert_eq!(
            told(&[F, S, F, S], &policy(Some(3600))),
            [
                Send(NoticeKind::Failure),
                Send(NoticeKind::Recovery),
                AlertDecision::CooledDown(at(NOW)),
                Quiet
            ]
        );
    }

    #[test]
    fn recovery_alone_is_told_after_any_failure() {
        let only_recovery = AlertPolicy {
            on_failure: false,
            on_recovery: true,
            cooldown: None,
        };
        assert_eq!(
            told(&[F, F, S, S], &only_recovery),
            [Quiet, Quiet, Send(NoticeKind::Recovery), Quiet]
        );
    }

    #[test]
    fn runs_that_did_not_decide_change_nothing() {
        for outcome in [
            Outcome::Skipped,
            Outcome::Busy,
            Outcome::Interrupted,
            Outcome::Running,
        ] {
            assert_eq!(
                told(&[F, outcome, S], &policy(None)),
                [Send(NoticeKind::Failure), Quiet, Send(NoticeKind::Recovery)],
                "{outcome:?}"
            );
        }
    }

    #[test]
    fn without_a_history_failures_are_always_told_and_recoveries_never() {
        let w = policy(Some(3600));
        assert_eq!(
            decide(F, None, &w, at(NOW)),
            (Send(NoticeKind::Failure), None)
        );
        assert_eq!(decide(S, None, &w, at(NOW)), (Quiet, None));
    }

    #[test]
    fn a_last_sent_time_in_the_future_does_not_silence_the_job() {
        let alert = AlertState {
            failing: true,
            told: true,
            last_sent: Some(at("2030-01-01T00:00:00Z")),
        };
        let (decision, _) = decide(F, Some(alert), &policy(Some(3600)), at(NOW));
        assert_eq!(decision, Send(NoticeKind::Failure));
    }
}
