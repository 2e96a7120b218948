//! `run --dry-run` and `run --as-curl`: the planned request shown instead
//! of sent. Nothing is locked, recorded or sent.

use crate::context::Context;
use crate::error::{Error, Exit};
use crate::http::{curl, wire};
use crate::run::Preview;
use crate::run::log::Verbosity;
use crate::run::plan::Plan;

pub(crate) fn show(
    ctx: &mut Context,
    plan: &Plan,
    preview: Preview,
    verbosity: Verbosity,
) -> Result<Exit, Error> {
    // What `run` would refuse to send is shown, and said, as `run` says it.
    if let Some(expired) = plan
        .expired
        .as_ref()
        .filter(|_| verbosity > Verbosity::Quiet)
    {
        let line = format!(
            "jobrun: warning: job `{}`: variable `{}` holds a token that expired at {}: `run` would not send this request; get a new token and set it where `{}` comes from",
            plan.job.name, expired.variable, expired.at, expired.variable
        );
        writeln!(ctx.stderr, "{}", crate::wording::escape_controls(&line))
            .map_err(Error::Output)?;
    }
    match preview {
        Preview::Request => match wire::preview(&plan.request) {
            Ok(text) => ctx
                .stdout
                .write_all(text.as_bytes())
                .map_err(Error::Output)?,
            // What a run would fail with at its first attempt.
            Err(why) => {
                let line = format!(
                    "jobrun: job `{}`: the request cannot be sent: {why}",
                    plan.job.name
                );
                writeln!(ctx.stderr, "{}", crate::wording::escape_controls(&line))
                    .map_err(Error::Output)?;
                return Ok(Exit::Failed);
            }
        },
        Preview::Curl => writeln!(
            ctx.stdout,
            "{}",
            curl::command(plan.job, &plan.request, &plan.lookup())
        )
        .map_err(Error::Output)?,
    }
    Ok(Exit::Success)
}
