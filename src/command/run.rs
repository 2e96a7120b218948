//! `jobrun run NAME`: run one job, now.
//!
//! The request runs on a worker thread; this thread reports what happens,
//! so a signal can end the run at once, whatever the network is doing.

use std::sync::mpsc;

use crate::cli::RunArgs;
use crate::command::Invocation;
use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Exit};
use crate::files::io_reason;
use crate::http::attempts::{self, Event, Policy};
use crate::http::backoff;
use crate::http::curl;
use crate::http::redirect::Origin;
use crate::http::request::{self, Prepared};
use crate::http::transport::{self, Client};
use crate::http::trust;
use crate::job::DEFAULT_NOTICE_TIMEOUT;
use crate::job::Job;
use crate::job::builtin::RunFacts;
use crate::jobfile::JobFile;
use crate::jobfile::validate::Purpose;
use crate::notify::deliver;
use crate::notify::healthcheck::{self, Ping};
use crate::notify::message;
use crate::run::identity;
use crate::run::ledger::{self, Admission, Ended, Told};
use crate::run::log::{RunLog, Verbosity};
use crate::run::signal::{self, Signal};
use crate::schedule::due;
use crate::state::alerts::AlertDecision;
use crate::state::record::Record;
use crate::state::record::{Delivery, NoticeKind};
use crate::state::record::{Outcome, Trigger};
use crate::vars::mask::Secrets;

/// What the worker, the signal thread and the run's errands tell this one.
enum Message {
    Event(Event),
    Signal(Signal),
    /// How the run's notification went.
    Notified(Result<u16, String>),
    /// How the healthcheck's start ping went (`None`: there was none),
    /// then its end ping.
    Pinged(Option<Result<u16, String>>, Result<u16, String>),
}

/// A side request's result, as a thread hands it back.
type Errand = std::thread::JoinHandle<Result<u16, String>>;

pub fn execute(inv: &mut Invocation, args: &RunArgs) -> Result<Exit, Error> {
    let file = inv.load(Purpose::Use)?;
    let job = file.job(&args.name)?;
    if !args.due {
        return perform(inv, args, file, job, Trigger::Manual, None);
    }
    // From a crontab line: only the fire times due now, each for its own
    // scheduled instant; nothing at all, silently, when none is.
    let fires = due::fire_times(&job.schedule, &job.zone.tz, inv.ctx.now);
    let clock = inv.ctx.clock.clone();
    crate::run::due_runs::in_turn(&fires, &*clock, |fire, waited| {
        if waited {
            inv.ctx.now = clock.wall();
        }
        let exit = perform(inv, args, file, job, Trigger::Scheduled, Some(fire));
        // A signal between two runs ends the process, as by default.
        signal::release();
        exit
    })
}

/// One run of `job`, for whatever started it (`trigger`), and for the
/// instant it was scheduled at when the trigger knows it (`--due`,
/// `catch-up`). Around the request: the job's lock, its `dependsOn`
/// decision and its row in the history (see `ledger`).
pub fn perform(
    inv: &mut Invocation,
    args: &RunArgs,
    file: &'static JobFile,
    job: &'static Job,
    trigger: Trigger,
    scheduled: Option<jiff::Timestamp>,
) -> Result<Exit, Error> {
    let verbosity = Verbosity::from_flags(inv.global.quiet, inv.global.verbose);
    let preview = args.dry_run || args.as_curl;
    if !job.enabled && !args.force && !preview {
        if verbosity > Verbosity::Quiet {
            writeln!(
                inv.ctx.stderr,
                "jobrun: job `{}` is disabled (`enabled: false` in {}:{}), so it did not run; remove it from the schedule, or use `--force` to run it anyway",
                job.name,
                file.path.display(),
                job.span.line
            )
            .map_err(Error::Output)?;
        }
        return Ok(Exit::Success);
    }

    let variables = inv.variables(&file.path)?;
    let unset = variables.missing(job);
    if !unset.is_empty() {
        return Err(file.error(unset));
    }
    // A notification or ping that cannot be made does not stop the job
    // (its request matters more), but must not fail silently either: it
    // is said on every run, as cron mails whatever a job writes.
    if verbosity > Verbosity::Quiet {
        for problem in variables.missing_for_notices(job) {
            let at = problem
                .span
                .map(|s| format!("{}:{}:{}: ", file.path.display(), s.line, s.col))
                .unwrap_or_default();
            let help = problem
                .help
                .as_ref()
                .map(|h| format!("; {h}"))
                .unwrap_or_default();
            writeln!(
                inv.ctx.stderr,
                "jobrun: warning: {at}{}: the job runs all the same, but what uses it is not sent{help}",
                problem.message
            )
            .map_err(Error::Output)?;
        }
    }
    let facts = RunFacts {
        job: &job.name,
        now: inv.ctx.now,
        zone: &job.zone.tz,
    };
    let get = |name: &str| variables.get(name);
    let lookup = request::lookup(&facts, &get);
    let key = job.request.idempotency_key.then(|| {
        let mut random = [0u8; 16];
        (inv.ctx.random)(&mut random);
        identity::key(&job.name, scheduled, random)
    });
    let mut prepared = Prepared::new(job, &lookup, key.as_deref()).map_err(|unresolved| {
        file.error(vec![
            Diagnostic::error(
                format!(
                    "variable `{}` is not set (job `{}`)",
                    unresolved.name, job.name
                ),
                job.use_of(&unresolved.name),
            )
            .with_help(unresolved.help()),
        ])
    })?;
    // Values from files, sealed values and minting are secrets whatever
    // their names.
    for secret in variables.secrets() {
        prepared.secrets.add(&secret);
    }
    check_url(file, job, &prepared)?;
    check_headers(file, job, &prepared)?;

    if args.dry_run {
        inv.ctx
            .stdout
            .write_all(prepared.shown().as_bytes())
            .map_err(Error::Output)?;
        return Ok(Exit::Success);
    }
    if args.as_curl {
        writeln!(inv.ctx.stdout, "{}", curl::command(job, &prepared, &lookup))
            .map_err(Error::Output)?;
        return Ok(Exit::Success);
    }

    let proxy =
        transport::proxy_for(&prepared.url, inv.ctx.env).map_err(|message| Error::Flag {
            flag: "the proxy variables (`https_proxy`, `http_proxy`, `all_proxy`, `no_proxy`)",
            message,
        })?;
    // The proxy's own credentials are secrets like the job's.
    if let Some(info) = proxy.as_ref().and_then(|p| request::userinfo(&p.address)) {
        prepared.secrets.add(info);
        if let Some((_, password)) = info.split_once(':') {
            prepared.secrets.add(password);
        }
    }
    let client = client(inv, file, job, proxy)?;
    let log_file = match &args.log_file {
        Some(path) => Some(open_log(path)?),
        None => None,
    };
    // Found unwritable before the request is sent, not after.
    let output = match &args.output {
        Some(path) => Some(Output::open(path)?),
        None => None,
    };

    // Filled in now, so a ping that cannot be made is known before the
    // run starts; reported with the run's other errands.
    let ping_base = job.healthcheck.as_ref().map(|template| {
        template
            .render(&lookup)
            .map(|rendered| rendered.text)
            .map_err(|unresolved| format!("variable `{}` is not set", unresolved.name))
    });

    let state_dir = inv.state_dir(file);
    let entry = ledger::Entry {
        job,
        state_dir: state_dir.as_ref(),
        trigger,
        scheduled,
        verbosity,
        depends_on: job
            .depends_on
            .as_ref()
            .and_then(|d| file.checked.jobs.iter().find(|j| j.name == d.job)),
    };
    let mut ledger = match ledger::admit(inv.ctx, &entry)? {
        Admission::Proceed(ledger) => ledger,
        Admission::Stop {
            exit,
            outcome,
            run_id,
        } => {
            // A run `dependsOn` skipped did what it should, and the
            // healthcheck hears so rather than report the job down. A busy
            // run says nothing: the run it found going will.
            if outcome == Outcome::Skipped
                && let Some(Ok(base)) = &ping_base
            {
                let result = ping_request(
                    &Courier::of(inv.ctx),
                    base,
                    Ping::Success,
                    &run_id,
                    None,
                    &prepared.secrets,
                )();
                let mut log = RunLog::new(
                    &job.name,
                    &prepared,
                    verbosity,
                    args.log_format,
                    inv.ctx.stderr,
                    log_file.as_ref(),
                );
                log.errand(
                    "healthcheck success ping",
                    &message::shown_url(base),
                    &result,
                    inv.ctx.clock.wall(),
                );
            }
            return Ok(exit);
        }
    };
    let run_id = ledger.run_id().to_string();
    let courier = Courier::of(inv.ctx);

    let (tx, rx) = mpsc::channel();
    if inv.ctx.handle_signals {
        let forwarded = tx.clone();
        // Without signal forwarding the default action still ends the
        // process; only the report of it is lost.
        let _ = signal::forward(move |s| {
            let _ = forwarded.send(Message::Signal(s));
        });
        // Taken before this run listened (between two runs of `catch-up`).
        if let Some(signal) = signal::received() {
            let _ = tx.send(Message::Signal(signal));
        }
    }
    // Started with the request, not before it: a slow ping server must not
    // hold the job back. Signals are blocked in every thread from here on.
    let started = match &ping_base {
        Some(Ok(base)) => Some(std::thread::spawn(ping_request(
            &courier,
            base,
            Ping::Start,
            &run_id,
            None,
            &prepared.secrets,
        ))),
        _ => None,
    };

    let channel = (&tx, &rx);
    let result = send(
        inv,
        args,
        job,
        &prepared,
        client,
        output,
        log_file.as_ref(),
        verbosity,
        channel,
    );
    let ended = match &result {
        Ok(ended) => ended.clone(),
        // The response came but could not be written where asked.
        Err(error) => Ended {
            exit: error.exit(),
            outcome: Outcome::Failed,
            attempts: 0,
            status: None,
            error_class: None,
            error: Some(prepared.secrets.mask(&error.to_string()).into_owned()),
        },
    };
    let verdict = ledger.finish(inv.ctx, &ended, verbosity);
    let told = if ended.outcome == Outcome::Interrupted {
        // Ending at once, as asked: the healthcheck sees a start without
        // an end, which is what it is.
        Told::default()
    } else {
        let mut log = RunLog::new(
            &job.name,
            &prepared,
            verbosity,
            args.log_format,
            inv.ctx.stderr,
            log_file.as_ref(),
        );
        let errands = Errands {
            job,
            verdict,
            started,
            ping_base: ping_base.as_ref(),
            variables: &lookup,
            secrets: &prepared.secrets,
        };
        let (told, signal) = tell(&courier, errands, ledger.record(), &mut log, &tx, &rx);
        if let Some(signal) = signal {
            ledger.close(inv.ctx, told, verbosity);
            return Ok(signal.exit());
        }
        told
    };
    ledger.close(inv.ctx, told, verbosity);
    result.map(|ended| ended.exit)
}

/// What a run's end may send besides its job's request.
struct Errands<'a> {
    job: &'a Job,
    verdict: AlertDecision,
    /// The healthcheck's start ping, under way.
    started: Option<Errand>,
    /// The healthcheck URL, filled in, or why it could not be.
    ping_base: Option<&'a Result<String, String>>,
    /// The built-ins and the variables.
    variables: &'a dyn Fn(&str) -> Option<String>,
    /// The job's secrets: notifications and pings mask them too.
    secrets: &'a Secrets,
}

/// Send the run's notification and its end ping, both at once, and wait
/// for them, reporting each; with the signal that came first, if one did:
/// the run ends now, with what is known so far.
fn tell(
    ctx: &Courier,
    errands: Errands,
    run: &Record,
    log: &mut RunLog,
    tx: &mpsc::Sender<Message>,
    rx: &mpsc::Receiver<Message>,
) -> (Told, Option<Signal>) {
    let Errands {
        job,
        verdict,
        started,
        ping_base,
        variables,
        secrets,
    } = errands;
    let mut told = Told::default();
    let mut waiting = 0;

    let mut notice_url = String::new();
    let notice = match verdict {
        AlertDecision::Quiet => None,
        AlertDecision::CooledDown(sent) => {
            told.notice = Some((Delivery::Cooldown, None));
            log.held_back(sent, job.notify.cooldown, ctx.clock.wall());
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
        match message::request(notice, run, variables, secrets) {
            Ok(request) => {
                notice_url = message::shown_url(&request.url);
                let tx = tx.clone();
                let client = deliver::client(&request.url, ctx.env);
                let clock = ctx.clock.clone();
                let random = ctx.random;
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
                log.errand(
                    &format!("{} notification", kind.key()),
                    "",
                    &Err(why.clone()),
                    ctx.clock.wall(),
                );
                told.notice = Some((Delivery::Failed, Some(why)));
            }
        }
    }

    let end_ping = match run.outcome {
        Outcome::Succeeded => Some(Ping::Success),
        Outcome::Failed => Some(Ping::Fail),
        _ => None,
    };
    let mut ping_url = String::new();
    match (ping_base, end_ping) {
        (Some(Ok(base)), Some(which)) => {
            ping_url = message::shown_url(base);
            let end = ping_request(ctx, base, which, &run.run_id, run.error.as_deref(), secrets);
            let tx = tx.clone();
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
            log.errand("healthcheck ping", "", &Err(why.clone()), ctx.clock.wall());
            told.ping_error = Some(why.clone());
        }
        _ => {}
    }

    while waiting > 0 {
        let now = || ctx.clock.wall();
        match rx.recv() {
            Ok(Message::Notified(result)) => {
                waiting -= 1;
                let kind = notice_kind.unwrap_or(NoticeKind::Failure);
                log.errand(
                    &format!("{} notification", kind.key()),
                    &notice_url,
                    &result,
                    now(),
                );
                told.notice = Some(match result {
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
                        log.errand(
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
                    told.ping_error = Some(errors.join("; "));
                }
            }
            Ok(Message::Signal(signal)) => {
                log.interrupted_errands(signal, now());
                // Not known to be delivered: the cooldown is given back.
                if notice_kind.is_some() && told.notice.is_none() {
                    let why = format!("stopped by {} before it was answered", signal.name());
                    told.notice = Some((Delivery::Failed, Some(why)));
                }
                return (told, Some(signal));
            }
            Ok(Message::Event(_)) => {}
            Err(_) => break,
        }
    }
    (told, None)
}

/// What the run's side requests need of its context.
struct Courier<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
    clock: std::sync::Arc<dyn crate::context::Clock>,
    random: fn(&mut [u8]),
    /// The client of the run's healthcheck pings, made for the first.
    pings: std::sync::OnceLock<std::sync::Arc<Result<Client, String>>>,
}

impl<'a> Courier<'a> {
    fn of(ctx: &Context<'a>) -> Courier<'a> {
        Courier {
            env: ctx.env,
            clock: ctx.clock.clone(),
            random: ctx.random,
            pings: std::sync::OnceLock::new(),
        }
    }
}

/// A healthcheck ping, ready to send on any thread.
fn ping_request(
    ctx: &Courier,
    base: &str,
    which: Ping,
    rid: &str,
    failure: Option<&str>,
    secrets: &Secrets,
) -> impl FnOnce() -> Result<u16, String> + Send + 'static {
    let request = healthcheck::request(base, which, rid, failure, secrets);
    // One client for a run's pings: the end ping reuses the start ping's
    // connection when the service keeps it open.
    let client = ctx
        .pings
        .get_or_init(|| std::sync::Arc::new(deliver::client(&request.url, ctx.env)))
        .clone();
    let clock = ctx.clock.clone();
    let random = ctx.random;
    move || match &*client {
        Ok(client) => deliver::deliver(client, &request, DEFAULT_NOTICE_TIMEOUT, &*clock, random),
        Err(why) => Err(why.clone()),
    }
}

/// Send the request on a worker thread and report its events as they come.
#[allow(clippy::too_many_arguments)]
fn send(
    inv: &mut Invocation,
    args: &RunArgs,
    job: &'static Job,
    prepared: &Prepared,
    client: Client,
    mut output: Option<Output>,
    log_file: Option<&std::fs::File>,
    verbosity: Verbosity,
    (tx, rx): (&mpsc::Sender<Message>, &mpsc::Receiver<Message>),
) -> Result<Ended, Error> {
    let policy = Policy::of(job);
    let clock = inv.ctx.clock.clone();
    let random = inv.ctx.random;
    let request = prepared.clone();
    let tx = tx.clone();
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

    let ctx = &mut *inv.ctx;
    let mut log = RunLog::new(
        &job.name,
        prepared,
        verbosity,
        args.log_format,
        ctx.stderr,
        log_file,
    );
    log.request();
    let mut attempt = 1;
    let mut waiting = false;
    // The last HTTP status received, for the row of a run a signal ends.
    let mut status = None;
    loop {
        let message = rx.recv();
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
                    if args.print_body {
                        let body = prepared.secrets.mask_bytes(&response.body);
                        // A reader that went away (`| head`) must not turn
                        // the job's own outcome into another exit code.
                        match ctx
                            .stdout
                            .write_all(&body)
                            .and_then(|()| ctx.stdout.flush())
                        {
                            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                                return Err(Error::Output(e));
                            }
                            _ => {}
                        }
                    }
                    if let Some(output) = output.take() {
                        output.write(&response.body)?;
                    }
                }
                if let Some(output) = output.take() {
                    output.discard();
                }
                return Ok(ended(&end, prepared));
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
            // Only the run's errands send these, after this loop.
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

/// How the run ended, for the history: the failure in one line, masked,
/// without the body.
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
            crate::http::failure::describe(failure)
        );
        if let Some(why) = &end.stopped {
            text.push_str(&format!("; stopped: {why}"));
        }
        prepared.secrets.mask(&text).into_owned()
    });
    Ended {
        exit: if end.succeeded {
            Exit::Success
        } else {
            Exit::Failed
        },
        outcome: if end.succeeded {
            Outcome::Succeeded
        } else {
            Outcome::Failed
        },
        attempts: end.attempts,
        status,
        error_class: end.failure.as_ref().map(|f| f.class.name()),
        error,
    }
}

/// The filled-in URL must be an http(s) address jobrun can send to.
fn check_url(file: &JobFile, job: &Job, prepared: &Prepared) -> Result<(), Error> {
    let valid = Origin::of(&prepared.url).is_some()
        && ureq::http::Uri::try_from(prepared.url.as_str()).is_ok();
    if valid {
        return Ok(());
    }
    let span = job
        .request
        .url
        .placeholders()
        .next()
        .map_or(job.span, |p| job.use_of(&p.name));
    Err(file.error(vec![
        Diagnostic::error(
            format!(
                "job `{}`: the url is not a valid http(s) address once its placeholders are filled in: `{}`",
                job.name,
                prepared.shown_url()
            ),
            span,
        )
        .with_help("check the values of the variables the url uses: it must start with `http://` or `https://` and name a host"),
    ]))
}

/// Header values filled in from variables must still be one line of text.
fn check_headers(file: &JobFile, job: &Job, prepared: &Prepared) -> Result<(), Error> {
    let broken = prepared.headers.iter().find_map(|h| {
        let bad = h
            .value
            .chars()
            .find(|c| !c.is_ascii() || c.is_control() && *c != '\t')?;
        Some((h, bad))
    });
    let Some((header, bad)) = broken else {
        return Ok(());
    };
    // The character itself is not shown: it may be part of a secret.
    let what = if bad.is_control() {
        "a line break or control character"
    } else {
        "a character that is not ASCII"
    };
    let template = job.request.header(&header.name);
    let variables: Vec<String> = template
        .map(|t| t.placeholders().map(|p| format!("`{}`", p.name)).collect())
        .unwrap_or_default();
    let span = template
        .and_then(|t| t.placeholders().next())
        .map_or(job.span, |p| job.use_of(&p.name));
    Err(file.error(vec![
        Diagnostic::error(
            format!(
                "job `{}`: header `{}` contains {what} once its placeholders are filled in",
                job.name, header.name
            ),
            span,
        )
        .with_help(format!(
            "a header value is one line of ASCII text (encode anything else, as the server expects); check the value of {}",
            if variables.is_empty() { "the header".to_string() } else { variables.join(", ") }
        )),
    ]))
}

/// The HTTP client for the job: its trusted CAs, proxy and limits.
fn client(
    inv: &Invocation,
    file: &JobFile,
    job: &Job,
    proxy: Option<transport::ProxyChoice>,
) -> Result<Client, Error> {
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
        trust::lazy(inv.ctx.env, extra),
        proxy,
        job.request.max_response_bytes,
        job.request.redirects,
    ))
}

/// The `--output` file, opened before the request is sent and written only
/// when a response arrives; left as it was when none does.
struct Output {
    file: std::fs::File,
    path: std::path::PathBuf,
    created: bool,
}

impl Output {
    fn open(path: &std::path::Path) -> Result<Output, Error> {
        let created = !path.exists();
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| Output::error(path, &e))?;
        Ok(Output {
            file,
            path: path.to_path_buf(),
            created,
        })
    }

    fn write(mut self, body: &[u8]) -> Result<(), Error> {
        use std::io::Write as _;
        self.file
            .set_len(0)
            .and_then(|()| self.file.write_all(body))
            .map_err(|e| Output::error(&self.path, &e))
    }

    /// No response came: remove the file if this run created it.
    fn discard(self) {
        if self.created {
            let _ = std::fs::remove_file(&self.path);
        }
    }

    fn error(path: &std::path::Path, error: &std::io::Error) -> Error {
        Error::Flag {
            flag: "the `--output` path",
            message: format!(
                "cannot write the response body to `{}`: {}",
                path.display(),
                io_reason(error)
            ),
        }
    }
}

fn open_log(path: &std::path::Path) -> Result<std::fs::File, Error> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::Flag {
            flag: "the `--log-file` path",
            message: format!(
                "cannot open the log file `{}`: {}",
                path.display(),
                io_reason(&e)
            ),
        })
}
