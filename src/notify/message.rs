//! When a run's end is told to people (`notify`), and what the
//! notification's placeholders stand for.
//!
//! The decision is made from what the history knows of the job between
//! runs (an [`Alert`]): whether its last decisive run failed, whether the
//! people were told of that failure, and when the last `onFailure` went
//! out. The history keeps that in a row of its own per job, so it holds
//! across processes and whatever `historyLimit` prunes.

use std::time::Duration;

use jiff::Timestamp;

use crate::http::request::Prepared;
use crate::job::template::Unresolved;
use crate::job::{Notice, Notify};
use crate::state::record::{self, Outcome, Record};
use crate::vars::mask::Secrets;

/// The placeholders a notification fills in from the run it reports,
/// besides the built-ins and the variables: they are never read from the
/// environment.
pub const PLACEHOLDERS: &[&str] = &[
    "OUTCOME",
    "ERROR",
    "STATUS",
    "ATTEMPTS",
    "DURATION_MS",
    "SCHEDULED_AT",
    "RUN_ID",
];

/// The value of notification placeholder `name` for the finished `run`,
/// or `None` when `name` is not one. Values a run does not have (the
/// error of a success, the status of a run that got no response, the
/// scheduled instant of a run by hand) are empty.
pub fn value(name: &str, run: &Record) -> Option<String> {
    Some(match name {
        "OUTCOME" => run.outcome.as_str().to_string(),
        "ERROR" => run.error.clone().unwrap_or_default(),
        "STATUS" => run.status.map(|s| s.to_string()).unwrap_or_default(),
        "ATTEMPTS" => run.attempts.to_string(),
        "DURATION_MS" => run.duration_ms.unwrap_or(0).to_string(),
        "SCHEDULED_AT" => run.scheduled.map(record::instant).unwrap_or_default(),
        "RUN_ID" => run.run_id.clone(),
        _ => return None,
    })
}

/// The notification `notice` for the finished `run`, filled in from the
/// run's facts first, then `lookup` (the built-ins and the variables).
/// Its secrets are its own templates', the job's (`secrets`), and its URL.
pub fn request(
    notice: &Notice,
    run: &Record,
    lookup: &dyn Fn(&str) -> Option<String>,
    secrets: &Secrets,
) -> Result<Prepared, Unresolved> {
    let all = |name: &str| value(name, run).or_else(|| lookup(name));
    let mut prepared = Prepared::of(&notice.request, None, &all, None)?;
    prepared.secrets.extend(secrets);
    let url = prepared.url.clone();
    prepared.secrets.add(&url);
    Ok(prepared)
}

/// Which notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Failure,
    Recovery,
}

impl Kind {
    /// As the history writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Failure => "on_failure",
            Kind::Recovery => "on_recovery",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Some(match text {
            "on_failure" => Kind::Failure,
            "on_recovery" => Kind::Recovery,
            _ => return None,
        })
    }

    /// As the job file names it.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Failure => "onFailure",
            Kind::Recovery => "onRecovery",
        }
    }
}

/// What became of a notification that was due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Not sent: one went out within `cooldown`.
    Cooldown,
    /// Sent and not accepted, or not sendable (see the row's `notice_error`).
    Failed,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Sent => "sent",
            Delivery::Cooldown => "cooldown",
            Delivery::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Delivery> {
        Some(match text {
            "sent" => Delivery::Sent,
            "cooldown" => Delivery::Cooldown,
            "failed" => Delivery::Failed,
            _ => return None,
        })
    }
}

/// Which notifications a job has, as the decision needs to know them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Watch {
    pub on_failure: bool,
    pub on_recovery: bool,
    pub cooldown: Option<Duration>,
}

impl Watch {
    pub fn of(notify: &Notify) -> Watch {
        Watch {
            on_failure: notify.on_failure.is_some(),
            on_recovery: notify.on_recovery.is_some(),
            cooldown: notify.cooldown,
        }
    }
}

/// What the history knows of a job's failures between its runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Alert {
    /// The job's last run that succeeded or failed, failed.
    pub failing: bool,
    /// An `onFailure` was sent, or tried, for the current failing streak.
    pub told: bool,
    /// When the last `onFailure` went out.
    pub last_sent: Option<Timestamp>,
}

/// What to do once a run has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing to tell.
    Quiet,
    Send(Kind),
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
pub fn decide(
    outcome: Outcome,
    alert: Option<Alert>,
    watch: &Watch,
    now: Timestamp,
) -> (Verdict, Option<Alert>) {
    let Some(mut alert) = alert else {
        let verdict = match outcome {
            Outcome::Failed if watch.on_failure => Verdict::Send(Kind::Failure),
            _ => Verdict::Quiet,
        };
        return (verdict, None);
    };
    let verdict = match outcome {
        Outcome::Failed => {
            alert.failing = true;
            let recent = alert.last_sent.filter(|sent| {
                // A clock set back leaves a "last sent" in the future; it
                // must not silence the job until then.
                let elapsed = now.duration_since(*sent);
                watch.cooldown.is_some_and(|cooldown| {
                    !elapsed.is_negative() && elapsed.unsigned_abs() < cooldown
                })
            });
            match (watch.on_failure, recent) {
                (false, _) => Verdict::Quiet,
                (true, Some(sent)) => Verdict::CooledDown(sent),
                (true, None) => {
                    alert.told = true;
                    alert.last_sent = Some(now);
                    Verdict::Send(Kind::Failure)
                }
            }
        }
        Outcome::Succeeded => {
            let recovered = alert.failing && watch.on_recovery && (alert.told || !watch.on_failure);
            alert.failing = false;
            alert.told = false;
            if recovered {
                Verdict::Send(Kind::Recovery)
            } else {
                Verdict::Quiet
            }
        }
        Outcome::Running | Outcome::Skipped | Outcome::Busy | Outcome::Interrupted => {
            Verdict::Quiet
        }
    };
    (verdict, Some(alert))
}

/// A notification's or ping's URL as it may be shown: its origin only. A
/// webhook or ping URL is a credential in itself (whoever has it can post
/// to the channel, or report the job healthy), whatever its variable is
/// called.
pub fn shown_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return crate::vars::mask::MASK.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    // An `@` past the authority may end a password with an unencoded `/`,
    // `?` or `#` in it (`https://user:pa/ss@host/`), which would put the
    // user and half the password where the host is looked for: show the
    // scheme alone.
    if rest[authority_len..].contains('@') {
        return format!("{}{}", &url[..scheme_end + 3], crate::vars::mask::MASK);
    }
    let host = authority
        .rfind('@')
        .map_or(authority, |at| &authority[at + 1..]);
    let mut shown = format!("{}{host}", &url[..scheme_end + 3]);
    if authority_len < rest.len() && rest[authority_len..] != *"/" {
        shown.push_str("/***");
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    const NOW: &str = "2025-03-07T18:30:00Z";

    fn watch(cooldown: Option<u64>) -> Watch {
        Watch {
            on_failure: true,
            on_recovery: true,
            cooldown: cooldown.map(Duration::from_secs),
        }
    }

    /// Runs of one job in turn, a minute apart, from no history: what each
    /// tells.
    fn told(outcomes: &[Outcome], watch: &Watch) -> Vec<Verdict> {
        let mut alert = Some(Alert::default());
        let mut now = at(NOW);
        outcomes
            .iter()
            .map(|outcome| {
                let (verdict, next) = decide(*outcome, alert, watch, now);
                alert = next;
                now += Duration::from_secs(60);
                verdict
            })
            .collect()
    }

    use Outcome::{Failed as F, Succeeded as S};
    use Verdict::{Quiet, Send};

    #[test]
    fn a_failure_is_told_each_time_without_a_cooldown() {
        assert_eq!(told(&[F, F, F], &watch(None)), [Send(Kind::Failure); 3]);
    }

    #[test]
    fn success_is_quiet_and_only_the_first_success_after_failures_is_a_recovery() {
        assert_eq!(
            told(&[S, F, F, S, S], &watch(None)),
            [
                Quiet,
                Send(Kind::Failure),
                Send(Kind::Failure),
                Send(Kind::Recovery),
                Quiet
            ]
        );
    }

    #[test]
    fn the_cooldown_holds_back_failures_until_it_has_passed() {
        let verdicts = told(&[F, F, F, F], &watch(Some(150)));
        assert_eq!(
            verdicts,
            [
                Send(Kind::Failure),
                Verdict::CooledDown(at(NOW)),
                Verdict::CooledDown(at(NOW)),
                // 180 s after the first: past the 150 s cooldown.
                Send(Kind::Failure),
            ]
        );
    }

    #[test]
    fn a_streak_held_back_entirely_by_the_cooldown_ends_without_a_recovery() {
        // F (told), S (recovered), F (held back), S: nothing new to say.
        assert_eq!(
            told(&[F, S, F, S], &watch(Some(3600))),
            [
                Send(Kind::Failure),
                Send(Kind::Recovery),
                Verdict::CooledDown(at(NOW)),
                Quiet
            ]
        );
    }

    #[test]
    fn recovery_alone_is_told_after_any_failure() {
        let only_recovery = Watch {
            on_failure: false,
            on_recovery: true,
            cooldown: None,
        };
        assert_eq!(
            told(&[F, F, S, S], &only_recovery),
            [Quiet, Quiet, Send(Kind::Recovery), Quiet]
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
                told(&[F, outcome, S], &watch(None)),
                [Send(Kind::Failure), Quiet, Send(Kind::Recovery)],
                "{outcome:?}"
            );
        }
    }

    #[test]
    fn without_a_history_failures_are_always_told_and_recoveries_never() {
        let w = watch(Some(3600));
        assert_eq!(decide(F, None, &w, at(NOW)), (Send(Kind::Failure), None));
        assert_eq!(decide(S, None, &w, at(NOW)), (Quiet, None));
    }

    #[test]
    fn a_last_sent_time_in_the_future_does_not_silence_the_job() {
        let alert = Alert {
            failing: true,
            told: true,
            last_sent: Some(at("2030-01-01T00:00:00Z")),
        };
        let (verdict, _) = decide(F, Some(alert), &watch(Some(3600)), at(NOW));
        assert_eq!(verdict, Send(Kind::Failure));
    }

    #[test]
    fn placeholders_take_the_runs_facts_and_are_empty_when_it_has_none() {
        let mut run = Record::start(
            "0f0e-id".into(),
            "kpi",
            record::Trigger::Manual,
            None,
            at(NOW),
        );
        run.outcome = Outcome::Failed;
        run.attempts = 4;
        run.duration_ms = Some(1250);
        run.error = Some("GET http://x/: timed out after 10s".into());
        let v = |name| value(name, &run).unwrap();
        assert_eq!(v("OUTCOME"), "failed");
        assert_eq!(v("ERROR"), "GET http://x/: timed out after 10s");
        assert_eq!(v("STATUS"), "");
        assert_eq!(v("ATTEMPTS"), "4");
        assert_eq!(v("DURATION_MS"), "1250");
        assert_eq!(v("SCHEDULED_AT"), "");
        assert_eq!(v("RUN_ID"), "0f0e-id");
        run.scheduled = Some(at(NOW));
        run.status = Some(503);
        assert_eq!(
            value("SCHEDULED_AT", &run).unwrap(),
            "2025-03-07T18:30:00.000Z"
        );
        assert_eq!(value("STATUS", &run).unwrap(), "503");
        for name in PLACEHOLDERS {
            assert!(value(name, &run).is_some(), "{name}");
        }
        assert_eq!(value("JOB_NAME", &run), None);
    }

    #[test]
    fn urls_are_shown_by_their_origin_only() {
        assert_eq!(
            shown_url("https://hooks.slack.com/services/T0/B0/XYZ"),
            "https://hooks.slack.com/***"
        );
        assert_eq!(
            shown_url("https://u:p@hc-ping.com:8443/uuid?create=1"),
            "https://hc-ping.com:8443/***"
        );
        assert_eq!(shown_url("http://127.0.0.1:9/"), "http://127.0.0.1:9");
        assert_eq!(shown_url("http://127.0.0.1:9"), "http://127.0.0.1:9");
        assert_eq!(shown_url("not a url"), "***");
        assert_eq!(
            shown_url("https://user:pa/ss@hc-ping.com/uuid"),
            "https://***"
        );
        assert_eq!(shown_url("https://user:p#ss@hc-ping.com/"), "https://***");
    }
}
