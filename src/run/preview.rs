//! `run --dry-run` and `run --as-curl`: the planned request shown instead
//! of sent. Nothing is locked, recorded or sent.

use crate::context::Context;
use crate::error::{Error, Exit};
use crate::http::curl;
use crate::run::Preview;
use crate::run::plan::Plan;

pub(crate) fn show(ctx: &mut Context, plan: &Plan, preview: Preview) -> Result<Exit, Error> {
    match preview {
        Preview::Request => ctx
            .stdout
            .write_all(plan.request.shown().as_bytes())
            .map_err(Error::Output)?,
        Preview::Curl => writeln!(
            ctx.stdout,
            "{}",
            curl::command(plan.job, &plan.request, &plan.lookup())
        )
        .map_err(Error::Output)?,
    }
    Ok(Exit::Success)
}
