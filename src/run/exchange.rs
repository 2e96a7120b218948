//! The exchange with the server: the job's request sent on a worker
//! thread, attempt after attempt as its policy allows, each reported as it
//! happens; the response body written where it was asked for; and how it
//! all ended, in the form the history records.

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Exit};
use crate::http::attempts::{self, Event, Policy};
use crate::http::backoff;
use crate::http::body::BodySink;
use crate::http::failure::describe;
use crate::http::request::Prepared;
use crate::http::transport::{self, Client};
use crate::http::trust;
use crate::http::url::userinfo;
use crate::run::Options;
use crate::run::inbox::{Inbox, Message};
use crate::run::plan::Plan;
use crate::run::sinks::Sinks;
use crate::state::record::Outcome;

/// How a run's request ended, for its row: the failure in one line,
/// masked, without the body.
#[derive(Debug, Clone)]
pub(crate) struct Ended {
    pub(crate) exit: Exit,
    pub(crate) outcome: Outcome,
    pub(crate) attempts: u32,
    pub(crate) status: Option<u16>,
    pub(crate) error_class: Option<&'static str>,
    /// Masked.
    pub(crate) error: Option<String>,
}

impl Ended {
    /// A response that came but could not be written where it was asked
    /// for: the run failed, though the server answered.
    pub(crate) fn unwritten(error: &Error, plan: &Plan) -> Ended {
        Ended {
            exit: error.exit(),
            outcome: Outcome::Failed,
            attempts: 0,
            status: None,
            error_class: None,
            error: Some(plan.request.secrets.mask(&error.to_string()).into_owned()),
        }
    }
}

impl Ended {
    /// A run that did not send its request: a token it would send has
    /// expired. Names the variable and when, never the value.
    pub(crate) fn token_expired(expired: &crate::vars::token::Expiry, plan: &Plan) -> Ended {
        let error = format!(
            "not sent: variable `{}` holds a token that expired at {}",
            expired.variable, expired.at
        );
        Ended {
            exit: Exit::Config,
            outcome: Outcome::Failed,
            attempts: 0,
            status: None,
            error_class: Some("token_expired"),
            error: Some(plan.request.secrets.mask(&error).into_owned()),
        }
    }
}

/// The HTTP client for the job: the proxy the environment names, its
/// trusted CAs and its limits. The proxy's own credentials become the
/// run's secrets too.
pub(crate) fn client(ctx: &Context, plan: &mut Plan) -> Result<Client, Error> {
    let (file, job) = (plan.file, plan.job);
    let proxy = transport::proxy_for(&plan.request.url, ctx.env)
        .map_err(|(flag, message)| Error::Flag { flag, message })?;
    if let Some(info) = proxy.as_ref().and_then(|p| userinfo(&p.address)) {
        plan.request.secrets.add(info);
        if let Some((_, password)) = info.split_once(':') {
            plan.request.secrets.add(password);
        }
    }
    let extra = match &job.request.ca_file {
        None => Vec::new(),
        Some((path, span)) => trust::ca_file(path).map_err(|why| {
            file.error(vec![
                Diagnostic::error(
                    format!("cannot use `caFile` `{}`: {why}", path.display()),
                    *span,
                )
                .with_help("give a PEM file of CA certificates; a relative path is read from the job file's directory"),
            ])
        })?,
    };
    Ok(Client::new(
        trust::lazy(ctx.env, extra),
        proxy,
        job.request.max_response_bytes,
        job.request.redirects,
    ))
}

/// Send the request on a worker thread and report its events as they
/// come, until it ends or a signal ends the run. `Err` when the response
/// came but could not be written where it was asked for.
pub(crate) fn exchange(
    ctx: &mut Context,
    plan: &Plan,
    client: Client,
    sinks: &mut Sinks,
    options: &Options,
    inbox: &Inbox,
) -> Result<Ended, Error> {
    let mut output = sinks.output.take();
    let mut client = client;
    client.keep_bodies(match &output {
        Some(output) => output.sink(options.print_body)?,
        None => BodySink {
            keep_whole: options.print_body,
            file: None,
        },
    });
    let policy = Policy::of(plan.job);
    let clock = ctx.clock.clone();
    let random = ctx.random;
    let request = plan.request.clone();
    let tx = inbox.tx.clone();
    std::thread::spawn(move || {
        let mut fraction = || {
            let mut bytes = [0u8; 8];
            random(&mut bytes);
            backoff::fraction(bytes)
        };
        attempts::run(
            &client,
            &request,
            &policy,
            &*clock,
            &mut fraction,
            &mut |event| {
                let _ = tx.send(Message::Event(event));
            },
        );
    });

    let mut log = plan.log(ctx.stderr, sinks, options.verbosity, options.log_format);
    log.request();
    let mut attempt = 1;
    let mut waiting = false;
    // The last HTTP status received, for the row of a run a signal ends.
    let mut status = None;
    loop {
        let message = inbox.rx.recv();
        // When the event arrived, not when the wait for it began.
        let now = ctx.clock.wall();
        match message {
            Ok(Message::Event(Event::Attempt(a))) => {
                log.attempt(&a, now);
                status = a
                    .response
                    .as_ref()
                    .map(|r| r.status)
                    .or(a.failure.as_ref().and_then(|f| f.status))
                    .or(status);
                waiting = a.retry_in.is_some();
                attempt = if waiting { a.number } else { a.number + 1 };
            }
            Ok(Message::Event(Event::Finished(end))) => {
                log.finished(&end, now);
                if let Some(response) = &end.response {
                    if options.print_body {
                        // Masked on the way out, piece by piece: a large
                        // body is not copied to be masked. A reader that
                        // went away (`| head`) must not turn the job's own
                        // outcome into another exit code.
                        match plan
                            .request
                            .secrets
                            .write_masked(&response.body.kept, &mut *ctx.stdout)
                            .and_then(|()| ctx.stdout.flush())
                        {
                            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                                return Err(Error::Output(e));
                            }
                            _ => {}
                        }
                    }
                    if let Some(output) = output.take() {
                        output.finish(&response.body)?;
                    }
                }
                if let Some(output) = output.take() {
                    output.discard();
                }
                return Ok(ended(&end, &plan.request));
            }
            Ok(Message::Signal(signal)) => {
                log.interrupted(signal, attempt, waiting, now);
                let when = if waiting {
                    "while waiting to retry after"
                } else {
                    "during"
                };
                return Ok(Ended {
                    exit: signal.exit(),
                    outcome: Outcome::Interrupted,
                    attempts: attempt,
                    status,
                    error_class: None,
                    error: Some(format!(
                        "stopped by {} {when} attempt {attempt}",
                        signal.name()
                    )),
                });
            }
            // Only the run's notification and pings send these, later.
            Ok(Message::Notified(_) | Message::Pinged(..)) => {}
            // The worker ended without a last event: it cannot, short of a
            // panic, which aborts the process first.
            Err(_) => {
                return Ok(Ended {
                    exit: Exit::Failed,
                    outcome: Outcome::Failed,
                    attempts: attempt,
                    status: None,
                    error_class: None,
                    error: None,
                });
            }
        }
    }
}

/// How the request ended, for the history.
fn ended(end: &attempts::Finished, prepared: &Prepared) -> Ended {
    let status = end
        .response
        .as_ref()
        .map(|r| r.status)
        .or(end.failure.as_ref().and_then(|f| f.status));
    let error = end.failure.as_ref().map(|failure| {
        let mut text = format!(
            "{} {}: {}",
            prepared.method.as_str(),
            prepared.shown_url(),
            describe(failure)
        );
        if let Some(why) = &end.stopped {
            text.push_str(&format!("; stopped: {why}"));
        }
        prepared.secrets.mask(&text).into_owned()
    });
    let (exit, outcome) = if end.succeeded {
        (Exit::Success, Outcome::Succeeded)
    } else {
        (Exit::Failed, Outcome::Failed)
    };
    Ended {
        exit,
        outcome,
        attempts: end.attempts,
        status,
        error_class: end.failure.as_ref().map(|f| f.class.name()),
        error,
    }
}
