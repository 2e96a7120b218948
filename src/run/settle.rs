//! The fourth stage of a run: its row in the history finished with how the
//! request ended, and, in the same transaction, who is to be told of it
//! (see `state::alerts`). The lock is still held: the run's notification
//! and pings are part of it, and their outcome is added to the row last.

use crate::context::Context;
use crate::run::admit::Admitted;
use crate::run::exchange::Ended;
use crate::state::alerts::{self, AlertDecision};
use crate::state::error::StoreError;
use crate::state::record::{Delivery, Record};

/// A run whose end is recorded, and what it tells.
pub(crate) struct Settled {
    run: Box<Admitted>,
    pub(crate) decision: AlertDecision,
    /// Why the run's end could not be recorded, for its log to say.
    pub(crate) unrecorded: Option<StoreError>,
    /// Whether the run's lock ran out while it ran (a lease the state
    /// database could not renew), for its log to say.
    pub(crate) lapsed: bool,
}

/// What a run's notification and pings came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NoticeResults {
    /// What became of the notification the run's end called for, with why
    /// it was not delivered (masked).
    pub(crate) notice: Option<(Delivery, Option<String>)>,
    /// Why a ping failed (masked).
    pub(crate) ping_error: Option<String>,
}

/// Record how the run ended, and decide what it tells.
pub(crate) fn settle(ctx: &mut Context, mut admitted: Box<Admitted>, ended: &Ended) -> Settled {
    let run = &mut admitted.record;
    run.ended = Some(ctx.clock.wall());
    // A run that sent nothing took no time worth showing beside the
    // others (`history`, the chart, the median).
    run.duration_ms = ended.sent.then(|| {
        ctx.clock
            .now()
            .saturating_duration_since(admitted.began)
            .as_millis() as u64
    });
    run.outcome = ended.outcome;
    run.attempts = ended.attempts;
    run.status = ended.status;
    run.error_class = ended.error_class.map(str::to_string);
    run.error.clone_from(&ended.error);
    let now = run.ended.unwrap_or(run.started);
    let lapsed = admitted.lock.as_ref().is_some_and(|lock| lock.lapsed());
    let decided = match &mut admitted.history {
        Some(history) => history.finish(run, admitted.keep, &admitted.policy, now),
        None => Err(StoreError::NoDirectory),
    };
    let mut unrecorded = None;
    let decision = match decided {
        Ok(decided) => {
            admitted.claim = decided.claim;
            decided.decision
        }
        Err(problem) => {
            // Without a history, `admit` said so already.
            if admitted.history.is_some() {
                unrecorded = Some(problem);
            }
            // Without the history: what can be decided without it.
            let (decision, _) = alerts::decide(run.outcome, None, &admitted.policy, now);
            if let AlertDecision::Send(kind) = decision {
                run.notice = Some(kind);
            }
            decision
        }
    };
    Settled {
        run: admitted,
        decision,
        unrecorded,
        lapsed,
    }
}

impl Settled {
    /// The run's row as recorded.
    pub(crate) fn record(&self) -> &Record {
        &self.run.record
    }

    /// Record what became of the run's notification and pings, then let
    /// go of the lock; why that could not be recorded, if it could not.
    pub(crate) fn close(mut self, results: NoticeResults) -> Option<StoreError> {
        let admitted = &mut *self.run;
        let run = &mut admitted.record;
        // Nothing new since `settle` wrote the row (a held-back notice is
        // recorded there): no second write on the run's path.
        let cooled_down = matches!(results.notice, Some((Delivery::Cooldown, _)));
        if results.ping_error.is_none() && (results.notice.is_none() || cooled_down) {
            return None;
        }
        if let Some((delivery, error)) = results.notice {
            run.notice_result = Some(delivery);
            run.notice_error = error;
        }
        run.ping_error = results.ping_error;
        let release = admitted
            .claim
            .filter(|_| run.notice_result == Some(Delivery::Failed));
        let history = admitted.history.as_mut()?;
        history.noted(run, release).err()
    }
}
