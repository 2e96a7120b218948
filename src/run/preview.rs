//! `run --dry-run` and `run --as-curl`: the planned request shown instead
//! of sent. Nothing is locked, recorded or sent.

use crate::context::Context;
use crate::error::{Error, Exit};
use crate::http::{curl, wire};
use crate::run::Preview;
use crate::run::plan::Plan;

pub(crate) fn show(ctx: &mut Context, plan: &Plan, preview: Preview) -> Result<Exit, Error> {
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
