//! `jobrun run NAME`: run one job, now.
//!
//! The request runs on a worker thread; this thread reports what happens,
//! so a signal can end the run at once, whatever the network is doing.

use std::sync::mpsc;

use crate::attempts::{self, Event, Policy};
use crate::backoff;
use crate::builtin::RunFacts;
use crate::cli::RunArgs;
use crate::command::Invocation;
use crate::config::io_reason;
use crate::curl;
use crate::diagnostic::Diagnostic;
use crate::due;
use crate::error::{Error, Exit};
use crate::idempotency;
use crate::job::Job;
use crate::jobfile::JobFile;
use crate::ledger::{self, Admission, Ended};
use crate::prepare::{self, Prepared};
use crate::record::{Outcome, Trigger};
use crate::redirect::Origin;
use crate::runlog::{self, RunLog, Verbosity};
use crate::signal::{self, Signal};
use crate::transport::{self, Client};
use crate::trust;
use crate::validate::Purpose;

/// What the worker and the signal thread tell this one.
enum Message {
    Event(Event),
    Signal(Signal),
}

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
    due::in_turn(&fires, &*clock, |fire, waited| {
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
    let facts = RunFacts {
        job: &job.name,
        now: inv.ctx.now,
        zone: &job.zone.tz,
    };
    let get = |name: &str| variables.get(name);
    let lookup = prepare::lookup(&facts, &get);
    let key = job.request.idempotency_key.then(|| {
        let mut random = [0u8; 16];
        (inv.ctx.random)(&mut random);
        idempotency::key(&job.name, scheduled, random)
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
    if let Some(info) = proxy.as_ref().and_then(|p| prepare::userinfo(&p.address)) {
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
    let sinks = Sinks { log_file, output };

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
    let ledger = match ledger::admit(inv.ctx, &entry)? {
        Admission::Proceed(ledger) => ledger,
        Admission::Stop(exit) => return Ok(exit),
    };
    let secrets = prepared.secrets.clone();
    let result = send(inv, args, job, prepared, client, sinks, verbosity);
    let ended = match &result {
        Ok(ended) => ended.clone(),
        // The response came but could not be written where asked.
        Err(error) => Ended {
            exit: error.exit(),
            outcome: Outcome::Failed,
            attempts: 0,
            status: None,
            error_class: None,
            error: Some(secrets.mask(&error.to_string()).into_owned()),
        },
    };
    ledger.finish(inv.ctx, &ended, verbosity);
    result.map(|ended| ended.exit)
}

/// Send the request on a worker thread and report its events as they come.
fn send(
    inv: &mut Invocation,
    args: &RunArgs,
    job: &'static Job,
    prepared: Prepared,
    client: Client,
    sinks: Sinks,
    verbosity: Verbosity,
) -> Result<Ended, Error> {
    let Sinks {
        log_file,
        mut output,
    } = sinks;
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
    let policy = Policy::of(job);
    let clock = inv.ctx.clock.clone();
    let random = inv.ctx.random;
    let request = prepared.clone();
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
    let mut log = RunLog {
        job: &job.name,
        request: &prepared,
        verbosity,
        format: args.log_format,
        stderr: ctx.stderr,
        file: log_file,
    };
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
                return Ok(ended(&end, &prepared));
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
            runlog::describe(failure)
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
    let env_values: Vec<(&str, Option<String>)> = ["SSL_CERT_FILE", "SSL_CERT_DIR"]
        .into_iter()
        .map(|name| (name, (inv.ctx.env)(name)))
        .collect();
    let roots = move || {
        let env = |name: &str| {
            env_values
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, v)| v.clone())
        };
        let mut certs = trust::system(&env).certs;
        certs.extend(extra.iter().cloned());
        certs
    };
    Ok(Client::new(
        Box::new(roots),
        proxy,
        job.request.max_response_bytes,
        job.request.redirects,
    ))
}

/// Where a run writes besides stdout and stderr, opened before it starts.
struct Sinks {
    log_file: Option<std::fs::File>,
    output: Option<Output>,
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
