//! The fourth stage of a run: its row in the history finished with how the
//! request ended, and, in the same transaction, who is to be told of it
//! (see `state::alerts`). The lock is still held: the run's notification
//! and pings are part of it, and their outcome is added to the row last.

use crate::context::Context;
use crate::run::admit::{Admitted, not_recorded};
use crate::run::exchange::Ended;
use crate::run::log::Verbosity;
use crate::state::alerts::{self, AlertDecision};
use crate::state::error::StoreError;
use crate::state::record::{Delivery, Record};

/// A run whose end is recorded, and what it tells.
pub(crate) struct Settled {
    run: Box<Admitted>,
    pub(crate) decision: AlertDecision,
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
pub(crate) fn settle(
    ctx: &mut Context,
    mut admitted: Box<Admitted>,
    ended: &Ended,
    verbosity: Verbosity,
) -> Settled {
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
    if admitted.lock.as_ref().is_some_and(|lock| lock.lapsed()) && verbosity > Verbosity::Quiet {
        let _ = writeln!(
            ctx.stderr,
            "jobrun: job `{}`: its lock ran out while it ran (the state database was out of reach for longer than the lease, `JOBRUN_LOCK_LEASE`), so another run of it may have started meanwhile",
            run.job
        );
    }
    let decided = match &mut admitted.history {
        Some(history) => history.finish(run, admitted.keep, &admitted.policy, now),
        None => Err(StoreError::NoDirectory),
    };
    let decision = match decided {
        Ok(decided) => {
            admitted.claim = decided.claim;
            decided.decision
        }
        Err(problem) => {
            if verbosity > Verbosity::Quiet && admitted.history.is_some() {
                not_recorded(ctx, &run.job, &problem);
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
    }
}

impl Settled {
    /// The run's row as recorded.
    pub(crate) fn record(&self) -> &Record {
        &self.run.record
    }

    /// Record what became of the run's notification and pings, then let
    /// go of the lock.
    pub(crate) fn close(mut self, ctx: &mut Context, results: NoticeResults, verbosity: Verbosity) {
        let admitted = &mut *self.run;
        let run = &mut admitted.record;
        // Nothing new since `settle` wrote the row (a held-back notice is
        // recorded there): no second write on the run's path.
        let cooled_down = matches!(results.notice, Some((Delivery::Cooldown, _)));
        if results.ping_error.is_none() && (results.notice.is_none() || cooled_down) {
            return;
        }
        if let Some((delivery, error)) = results.notice {
            run.notice_result = Some(delivery);
            run.notice_error = error;
        }
        run.ping_error = results.ping_error;
        let release = admitted
            .claim
            .filter(|_| run.notice_result == Some(Delivery::Failed));
        if let Some(history) = &mut admitted.history
            && let Err(problem) = history.noted(run, release)
            && verbosity > Verbosity::Quiet
        {
            not_recorded(ctx, &run.job, &problem);
        }
    }
}
