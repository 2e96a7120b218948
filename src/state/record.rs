//! A run as the history records it: what started it, how it ended, and
//! the few facts worth keeping. Never a secret, never a response body: the
//! error summary is masked with the run's secrets before it is recorded.

use jiff::Timestamp;

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// `jobrun run NAME` by hand.
    Manual,
    /// A scheduler's run: `run --scheduled` (what every exported entry
    /// runs), or `run --due` for a known instant.
    Scheduled,
    /// `jobrun catch-up`, for a scheduled instant that was missed.
    CatchUp,
}

impl Trigger {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Scheduled => "scheduled",
            Trigger::CatchUp => "catch-up",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Trigger> {
        Some(match text {
            "manual" => Trigger::Manual,
            "scheduled" => Trigger::Scheduled,
            "catch-up" => Trigger::CatchUp,
            _ => return None,
        })
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Started and not finished: still going, or ended by something that
    /// left no word (SIGKILL, a power cut) and not yet found out: see
    /// `state::liveness`.
    Running,
    Succeeded,
    Failed,
    /// Not run: `dependsOn` said so (the reason is recorded).
    Skipped,
    /// Not run: another run of the job held its lock.
    Busy,
    /// Stopped by SIGINT or SIGTERM.
    Interrupted,
    /// Ended without a word (SIGKILL, a crash, a power cut): its row said
    /// `running` while its lock was free.
    Died,
}

impl Outcome {
    #[cfg(test)]
    pub(crate) const NAMES: &'static [&'static str] = &[
        "running",
        "succeeded",
        "failed",
        "skipped",
        "busy",
        "interrupted",
        "died",
    ];

    /// As the history writes it (public for the tests' fixtures).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Running => "running",
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
            Outcome::Busy => "busy",
            Outcome::Interrupted => "interrupted",
            Outcome::Died => "died",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Outcome> {
        Some(match text {
            "running" => Outcome::Running,
            "succeeded" => Outcome::Succeeded,
            "failed" => Outcome::Failed,
            "skipped" => Outcome::Skipped,
            "busy" => Outcome::Busy,
            "interrupted" => Outcome::Interrupted,
            "died" => Outcome::Died,
            _ => return None,
        })
    }

    /// Whether the job's request was sent (or begun): what `dependsOn`
    /// counts as the job having run.
    pub(crate) fn ran(self) -> bool {
        matches!(
            self,
            Outcome::Running
                | Outcome::Succeeded
                | Outcome::Failed
                | Outcome::Interrupted
                | Outcome::Died
        )
    }

    /// Whether the run ended without delivering: failed, stopped by a
    /// signal, or died. What `status` and `dependsOn` count as a failure.
    pub(crate) fn failed(self) -> bool {
        matches!(self, Outcome::Failed | Outcome::Interrupted | Outcome::Died)
    }
}

/// One row of the history.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Random, 32 hex digits in UUID form, known before the run starts.
    pub run_id: String,
    pub job: String,
    /// The host the run ran on (`HOSTNAME`, else the system's name).
    pub host: Option<String>,
    pub trigger: Trigger,
    /// The instant the run was for, when the trigger knows it.
    pub scheduled: Option<Timestamp>,
    pub started: Timestamp,
    pub ended: Option<Timestamp>,
    pub attempts: u32,
    /// The last HTTP status received.
    pub status: Option<u16>,
    pub outcome: Outcome,
    /// Why the run was skipped or busy.
    pub reason: Option<String>,
    /// `error_class` of the failure, as in the JSON log.
    pub error_class: Option<String>,
    /// The failure in one line, masked.
    pub error: Option<String>,
    pub duration_ms: Option<u64>,
    /// The notification the run's end called for, if any.
    pub notice: Option<NoticeKind>,
    /// What became of it.
    pub notice_result: Option<Delivery>,
    /// Why it was not delivered, masked.
    pub notice_error: Option<String>,
    /// Why a healthcheck ping of the run failed, masked.
    pub ping_error: Option<String>,
}

impl Record {
    /// A run that starts now, with nothing known yet of its end.
    pub fn start(
        run_id: String,
        job: &str,
        trigger: Trigger,
        scheduled: Option<Timestamp>,
        now: Timestamp,
    ) -> Record {
        Record {
            run_id,
            job: job.to_string(),
            host: None,
            trigger,
            scheduled,
            started: now,
            ended: None,
            attempts: 0,
            status: None,
            outcome: Outcome::Running,
            reason: None,
            error_class: None,
            error: None,
            duration_ms: None,
            notice: None,
            notice_result: None,
            notice_error: None,
            ping_error: None,
        }
    }

    /// A run that ended as soon as it started (skipped, busy).
    pub(crate) fn not_run(mut self, outcome: Outcome, reason: String) -> Record {
        self.outcome = outcome;
        self.reason = Some(reason);
        self.ended = Some(self.started);
        self.duration_ms = Some(0);
        self
    }
}

/// Which notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Failure,
    Recovery,
}

impl NoticeKind {
    /// As the history writes it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Failure => "on_failure",
            NoticeKind::Recovery => "on_recovery",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<NoticeKind> {
        Some(match text {
            "on_failure" => NoticeKind::Failure,
            "on_recovery" => NoticeKind::Recovery,
            _ => return None,
        })
    }

    /// As the job file names it.
    pub(crate) fn key(self) -> &'static str {
        match self {
            NoticeKind::Failure => "onFailure",
            NoticeKind::Recovery => "onRecovery",
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
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Delivery::Sent => "sent",
            Delivery::Cooldown => "cooldown",
            Delivery::Failed => "failed",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Delivery> {
        Some(match text {
            "sent" => Delivery::Sent,
            "cooldown" => Delivery::Cooldown,
            "failed" => Delivery::Failed,
            _ => return None,
        })
    }
}

/// An instant as the history writes it: RFC 3339 in UTC with milliseconds,
/// fixed width, so text order is time order in SQL.
pub fn instant(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in Outcome::NAMES {
            assert_eq!(Outcome::parse(name).unwrap().as_str(), *name);
        }
        for t in [Trigger::Manual, Trigger::Scheduled, Trigger::CatchUp] {
            assert_eq!(Trigger::parse(t.as_str()), Some(t));
        }
    }

    #[test]
    fn instants_sort_as_text_in_time_order() {
        let a: Timestamp = "2025-03-07T18:30:00Z".parse().unwrap();
        let b: Timestamp = "2025-03-07T18:30:00.5Z".parse().unwrap();
        assert_eq!(instant(a), "2025-03-07T18:30:00.000Z");
        assert!(instant(a) < instant(b));
    }
}
