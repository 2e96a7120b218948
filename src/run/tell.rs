//! Telling of a run: the healthcheck's start ping, which goes out with the
//! request, and the last stage of the run: at the end, the notification the settled row
//! calls for and the healthcheck's end ping go out at once, each on its
//! own thread, and the run waits for both, reporting each. A signal while
//! it waits ends the run at once with what is known so far.
//!
//! A failed notification or ping never changes the run's exit code: it is
//! said on stderr and recorded on the run's row.

use std::sync::{Arc, OnceLock};

use crate::context::{Clock, Context};
use crate::http::transport::Client;
use crate::http::url;
use crate::job::DEFAULT_NOTICE_TIMEOUT;
use crate::notify::deliver;
use crate::notify::healthcheck::{self, Ping};
use crate::notify::message;
use crate::run::Options;
use crate::run::admit::{Stopped, not_recorded};
use crate::run::inbox::{Inbox, Message};
use crate::run::log::RunLog;
use crate::run::plan::Plan;
use crate::run::settle::{NoticeResults, Settled};
use crate::run::signal::Signal;
use crate::run::sinks::Sinks;
use crate::state::alerts::AlertDecision;
use crate::state::record::{Delivery, NoticeKind, Outcome};
use crate::vars::mask::Secrets;

/// A side request's result, as its thread hands it back.
type Pending = std::thread::JoinHandle<Result<u16, String>>;

/// What the run's notification and pings need of its context, and the
/// client its pings share: the end ping reuses the start ping's connection
/// when the service keeps it open.
pub(crate) struct SideRequests<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
    clock: Arc<dyn Clock>,
    random: fn(&mut [u8]),
    pings: OnceLock<Arc<Result<Client, String>>>,
}

impl<'a> SideRequests<'a> {
    pub(crate) fn of(ctx: &Context<'a>) -> SideRequests<'a> {
        SideRequests {
            env: ctx.env,
            clock: ctx.clock.clone(),
            random: ctx.random,
            pings: OnceLock::new(),
        }
    }

    /// A healthcheck ping, ready to send on any thread.
    fn ping(
        &self,
        base: &str,
        which: Ping,
        rid: &str,
        failure: Option<&str>,
        secrets: &Secrets,
    ) -> impl FnOnce() -> Result<u16, String> + Send + 'static {
        let request = healthcheck::request(base, which, rid, failure, secrets);
        let client = self
            .pings
            .get_or_init(|| Arc::new(deliver::client(&request.url, self.env)))
            .clone();
        let clock = self.clock.clone();
        let random = self.random;
        move || match &*client {
            Ok(client) => {
                deliver::deliver(client, &request, DEFAULT_NOTICE_TIMEOUT, &*clock, random)
            }
            Err(why) => Err(why.clone()),
        }
    }
}

/// The healthcheck's start ping, sent alongside the request, not before
/// it: a slow ping server must not hold the job back.
pub(crate) fn start_ping(side: &SideRequests, plan: &Plan, run_id: &str) -> Option<Pending> {
    match &plan.ping_base {
        Some(Ok(base)) => Some(std::thread::spawn(side.ping(
            base,
            Ping::Start,
            run_id,
            None,
            &plan.request.secrets,
        ))),
        _ => None,
    }
}

/// A run that did not go ahead. One `dependsOn` skipped did what it
/// should, and the healthcheck hears so rather than report the job down.
/// A busy run says nothing: the run it found going will.
pub(crate) fn stopped(
    ctx: &mut Context,
    plan: &Plan,
    sinks: &Sinks,
    options: &Options,
    stopped: &Stopped,
) {
    if stopped.outcome != Outcome::Skipped || stopped.elsewhere {
        return;
    }
    let Some(Ok(base)) = &plan.ping_base else {
        return;
    };
    let side = SideRequests::of(ctx);
    let result = side.ping(
        base,
        Ping::Success,
        &stopped.run_id,
        None,
        &plan.request.secrets,
    )();
    let now = ctx.clock.wall();
    let mut log = plan.log(ctx.stderr, sinks, options.verbosity, options.log_format);
    log.side_request(
        "healthcheck success ping",
        &url::origin_only(base, &plan.request.secrets),
        &result,
        now,
    );
}

/// Tell what the settled run calls for, wait for it, and record what
/// became of it. Returns the signal that ended the wait, if one did.
#[allow(clippy::too_many_arguments)]
pub(crate) fn tell(
    ctx: &mut Context,
    plan: &Plan,
    sinks: &Sinks,
    options: &Options,
    mut settled: Settled,
    side: &SideRequests,
    started: Option<Pending>,
    inbox: &Inbox,
) -> Option<Signal> {
    let now = ctx.clock.wall();
    let mut log = plan.log(ctx.stderr, sinks, options.verbosity, options.log_format);
    if let Some(problem) = settled.unrecorded.take() {
        not_recorded(&mut log, &problem, now);
    }
    if settled.lapsed {
        let text = format!(
            "jobrun: job `{}`: its lock ran out while it ran (the state database was out of reach for longer than the lease, `JOBRUN_LOCK_LEASE`), so another run of it may have started meanwhile",
            settled.record().job
        );
        log.warning("lock_lapsed", text, now);
    }
    if settled.record().outcome == Outcome::Interrupted {
        // Ending at once, as asked: the healthcheck sees a start without
        // an end, which is what it is.
        if let Some(problem) = settled.close(NoticeResults::default()) {
            not_recorded(&mut log, &problem, now);
        }
        return None;
    }
    let (results, signal) = send_and_wait(side, plan, &settled, started, &mut log, inbox);
    if let Some(problem) = settled.close(results) {
        not_recorded(&mut log, &problem, side.clock.wall());
    }
    signal
}

/// Send the run's notification and its end ping, both at once, and wait
/// for them, reporting each.
fn send_and_wait(
    side: &SideRequests,
    plan: &Plan,
    settled: &Settled,
    started: Option<Pending>,
    log: &mut RunLog,
    inbox: &Inbox,
) -> (NoticeResults, Option<Signal>) {
    let job = plan.job;
    let run = settled.record();
    let secrets = &plan.request.secrets;
    let mut results = NoticeResults::default();
    let mut waiting = 0;

    let mut notice_url = String::new();
    let notice = match settled.decision {
        AlertDecision::Quiet => None,
        AlertDecision::CooledDown(sent) => {
            results.notice = Some((Delivery::Cooldown, None));
            log.held_back(sent, job.notify.cooldown, side.clock.wall());
            None
        }
        AlertDecision::Send(kind) => match kind {
            NoticeKind::Failure => job.notify.on_failure.as_ref(),
            NoticeKind::Recovery => job.notify.on_recovery.as_ref(),
        }
        .map(|notice| (kind, notice)),
    };
    let mut notice_kind = None;
    if let Some((kind, notice)) = notice {
        notice_kind = Some(kind);
        match message::request(notice, run, &plan.lookup(), secrets) {
            Ok(request) => {
                notice_url = url::origin_only(&request.url, &request.secrets);
                let tx = inbox.tx.clone();
                let client = deliver::client(&request.url, side.env);
                let clock = side.clock.clone();
                let random = side.random;
                let timeout = notice.timeout;
                std::thread::spawn(move || {
                    let result = client.and_then(|client| {
                        deliver::deliver(&client, &request, timeout, &*clock, random)
                    });
                    let _ = tx.send(Message::Notified(result));
                });
                waiting += 1;
            }
            Err(unresolved) => {
                let why = format!("variable `{}` is not set", unresolved.name);
                log.side_request(
                    &format!("{} notification", kind.key()),
                    "",
                    &Err(why.clone()),
                    side.clock.wall(),
                );
                results.notice = Some((Delivery::Failed, Some(why)));
            }
        }
    }

    let end_ping = match run.outcome {
        Outcome::Succeeded => Some(Ping::Success),
        Outcome::Failed => Some(Ping::Fail),
        _ => None,
    };
    let mut ping_url = String::new();
    match (&plan.ping_base, end_ping) {
        (Some(Ok(base)), Some(which)) => {
            ping_url = url::origin_only(base, secrets);
            let end = side.ping(base, which, &run.run_id, run.error.as_deref(), secrets);
            let tx = inbox.tx.clone();
            std::thread::spawn(move || {
                // After the start ping, so the service sees them in order.
                let start = started.map(|s| {
                    s.join()
                        .unwrap_or_else(|_| Err("the ping's thread failed".into()))
                });
                let _ = tx.send(Message::Pinged(start, end()));
            });
            waiting += 1;
        }
        (Some(Err(why)), Some(_)) => {
            log.side_request("healthcheck ping", "", &Err(why.clone()), side.clock.wall());
            results.ping_error = Some(why.clone());
        }
        _ => {}
    }

    while waiting > 0 {
        let now = || side.clock.wall();
        match inbox.rx.recv() {
            Ok(Message::Notified(result)) => {
                waiting -= 1;
                let kind = notice_kind.unwrap_or(NoticeKind::Failure);
                log.side_request(
                    &format!("{} notification", kind.key()),
                    &notice_url,
                    &result,
                    now(),
                );
                results.notice = Some(match result {
                    Ok(_) => (Delivery::Sent, None),
                    Err(why) => (Delivery::Failed, Some(why)),
                });
            }
            Ok(Message::Pinged(start, end)) => {
                waiting -= 1;
                let mut errors = Vec::new();
                for (which, result) in [
                    ("start", start),
                    (end_ping.map_or("end", Ping::name), Some(end)),
                ] {
                    if let Some(result) = result {
                        log.side_request(
                            &format!("healthcheck {which} ping"),
                            &ping_url,
                            &result,
                            now(),
                        );
                        if let Err(why) = result {
                            errors.push(format!("{which}: {why}"));
                        }
                    }
                }
                if !errors.is_empty() {
                    results.ping_error = Some(errors.join("; "));
                }
            }
            Ok(Message::Signal(signal)) => {
                log.interrupted_side_requests(signal, now());
                // Not known to be delivered: the cooldown is given back.
                if notice_kind.is_some() && results.notice.is_none() {
                    let why = format!("stopped by {} before it was answered", signal.name());
                    results.notice = Some((Delivery::Failed, Some(why)));
                }
                return (results, Some(signal));
            }
            Ok(Message::Event(_)) => {}
            Err(_) => break,
        }
    }
    (results, None)
}
