//! The first stage of a run: from the checked job and the run's variables
//! to the exact request it will send, checked again once its placeholders
//! are filled in, with every secret noted for masking. Nothing is sent and
//! nothing is recorded yet: whatever is wrong here is the file's or the
//! environment's, and stops the run before it starts.

use jiff::Timestamp;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::error::Error;
use crate::http::redirect::Origin;
use crate::http::request::Prepared;
use crate::job::Job;
use crate::job::builtin::{self, RunFacts};
use crate::jobfile::JobFile;
use crate::run::identity;
use crate::run::log::{LogFormat, RunLog, Verbosity};
use crate::run::sinks::Sinks;
use crate::run::{Setup, Start};
use crate::vars::token::{self, Expiry};
use crate::vars::variables::Variables;

/// A run, planned: its request filled in and checked.
pub(crate) struct Plan<'run, 'env> {
    pub(crate) job: &'run Job,
    pub(crate) file: &'run JobFile,
    pub(crate) start: Start,
    pub(crate) values: Values<'run, 'env>,
    /// The request, secrets noted.
    pub(crate) request: Prepared,
    /// The healthcheck URL, filled in, or why it could not be.
    pub(crate) ping_base: Option<Result<String, String>>,
    /// A token the request would send that has already expired: the run
    /// fails at once instead of sending it (`run::run`).
    pub(crate) expired: Option<Expiry>,
    /// A line for each variable a notification or the healthcheck needs
    /// and cannot have: said on every run, which goes on all the same.
    pub(crate) unusable_notices: Vec<String>,
}

/// Where a run's placeholders take their values from.
pub(crate) struct Values<'run, 'env> {
    job: &'run Job,
    /// When the built-ins (`NOW`, the week's dates) were read.
    now: Timestamp,
    variables: Variables<'env>,
}

impl Values<'_, '_> {
    /// The built-ins first, then the environment and `.env`.
    pub(crate) fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        move |name| {
            let facts = RunFacts {
                job: &self.job.name,
                now: self.now,
                zone: &self.job.zone.tz,
            };
            builtin::value(name, &facts).or_else(|| self.variables.get(name))
        }
    }
}

impl Plan<'_, '_> {
    pub(crate) fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        self.values.lookup()
    }

    /// What the run says, to stderr and the log file.
    pub(crate) fn log<'a>(
        &'a self,
        stderr: &'a mut dyn std::io::Write,
        sinks: &'a Sinks,
        verbosity: Verbosity,
        format: LogFormat,
    ) -> RunLog<'a> {
        RunLog::new(
            &self.job.name,
            &self.request,
            verbosity,
            format,
            stderr,
            sinks.log.as_ref(),
        )
    }
}

/// Plan `job`'s run: its variables read and checked, its request filled
/// in. A variable the job's notifications need but cannot have is noted
/// for the run to say, and the run goes on.
pub(crate) fn plan<'run, 'env>(
    ctx: &mut Context<'env>,
    setup: &Setup<'run>,
    job: &'run Job,
    start: Start,
) -> Result<Plan<'run, 'env>, Error> {
    let file = setup.file;
    let variables = Variables::load(
        ctx.env,
        ctx.env_not_text,
        setup.env_file.path.clone(),
        setup.env_file.explicit,
        ctx.now,
    )?;
    let unset = variables.missing(job);
    if !unset.is_empty() {
        return Err(file.error(unset));
    }
    let unusable_notices = unusable_notices(file, job, &variables);
    let expired = token::of_request(job, &variables)
        .into_iter()
        .find(|expiry| expiry.at <= ctx.now);
    let values = Values {
        job,
        now: ctx.now,
        variables,
    };
    let key = job.request.idempotency_key.then(|| {
        let mut random = [0u8; 16];
        (ctx.random)(&mut random);
        identity::key(&job.name, start.scheduled, random)
    });
    let lookup = values.lookup();
    let mut request = Prepared::new(job, &lookup, key.as_deref()).map_err(|unresolved| {
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
    // The state database's password too, should anything echo it.
    request.add_secrets(
        values
            .variables
            .secrets()
            .into_iter()
            .chain(setup.state.password().map(str::to_string)),
    );
    check_url(file, job, &request)?;
    check_headers(file, job, &request)?;
    // Filled in now, so a ping that cannot be made is known before the
    // run starts; reported with the run's other side requests. Its
    // secrets are the run's, as a notification's are: the URL is shown
    // masked like the job's own.
    let ping_base = job.healthcheck.as_ref().map(|template| {
        let rendered = template
            .render(&lookup)
            .map_err(|unresolved| format!("variable `{}` is not set", unresolved.name))?;
        for (name, value) in &rendered.substituted {
            if crate::vars::mask::is_sensitive_variable(name) {
                request.secrets.add(value);
            }
        }
        Ok(rendered.text)
    });
    drop(lookup);
    Ok(Plan {
        job,
        file,
        start,
        values,
        request,
        ping_base,
        expired,
        unusable_notices,
    })
}

/// A notification or ping that cannot be made does not stop the job (its
/// request matters more), but must not fail silently either: it is said
/// on every run, as cron mails whatever a job writes.
fn unusable_notices(file: &JobFile, job: &Job, variables: &Variables) -> Vec<String> {
    let mut lines = Vec::new();
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
        lines.push(format!(
            "jobrun: warning: {at}{}: the job runs all the same, but what uses it is not sent{help}",
            problem.message
        ));
    }
    lines
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
